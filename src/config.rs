//! `site.yaml`: the typed site configuration, read once, validated once, then plain data.

use crate::diagnostic::Diagnostic;
use crate::front_matter;
use serde::{Deserialize, Serialize};

/// The site's configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site name, in the header and `<title>`.
    pub title: String,
    /// Absolute address the site is published at, without a trailing slash; its path (the
    /// base path, `/repo` for `https://user.github.io/repo/`) prefixes every URL printed.
    pub base_url: String,
    /// Default description, for the home page and the feed.
    pub description: String,
    /// `lang` of every page.
    #[serde(default = "default_language")]
    pub language: String,
    /// Who publishes the site, for the feed and JSON-LD.
    #[serde(default)]
    pub author: Option<String>,
    /// Review older than this is a warning, twice this an error.
    #[serde(default = "default_review_max_age_days")]
    pub review_max_age_days: u32,
    /// Flesch-Kincaid grade above which `check` warns.
    #[serde(default = "default_max_reading_grade")]
    pub max_reading_grade: f64,
    /// Posts per tag page.
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// Entries in `atom.xml`.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Whether this is the offline copy (`site build --offline`): links point at files,
    /// relative to the page. Set by the command line, never by `site.yaml`.
    #[serde(skip)]
    pub offline: bool,
    /// Whether articles are medical (review and reference rules, `MedicalWebPage`) unless
    /// their front matter says `medical: false`; a site that is not about health sets `false`.
    #[serde(default = "default_medical")]
    pub medical: bool,
    /// What the site's medical pages are about, for JSON-LD (`about`): a schema.org type and a
    /// name, e.g. `{ type: Drug, name: Naltrexone }`. Left out of JSON-LD when not set.
    #[serde(default)]
    pub about: Option<About>,
    /// Where readers report an error (a web address or `mailto:`), shown on the About page.
    #[serde(default)]
    pub report_url: Option<String>,
    /// Anything else, for templates (`config.extra.<key>`).
    #[serde(default = "empty_map")]
    pub extra: serde_json::Value,
    /// The site's other languages, by code (`es`): each with its own title and description,
    /// its pages under `/<code>/` (`vivitrol.es.md` beside `vivitrol.md`).
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageConfig>,
    /// Szigriszt-Pazos (INFLESZ) score below which `check` warns about a Spanish page.
    #[serde(default = "default_min_inflesz")]
    pub min_inflesz: f64,
    /// Addresses `site check --external` leaves alone: a prefix (`https://example.org/private/`)
    /// or a host, which covers its subdomains (`example.org`).
    #[serde(default)]
    pub external_skip: Vec<String>,
}

/// The subject of a site's medical pages, for JSON-LD.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// A schema.org type: `Drug`, `MedicalCondition`, `MedicalTherapy`...
    #[serde(rename = "type")]
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// One of the site's other languages, as `site.yaml` gives it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// The site's name in this language.
    pub title: String,
    /// The home page's and the feed's description in this language.
    pub description: String,
    /// The URL folder of the tag pages in this language (`temas` for `/es/temas/...`);
    /// `tags` when not given.
    #[serde(default)]
    pub tags_path: Option<String>,
    /// The URL folder of the search page in this language (`buscar`); `search` when not given.
    #[serde(default)]
    pub search_path: Option<String>,
    /// The URL folder of a list's later pages (`pagina` for `/es/temas/x/pagina/2/`); `page`
    /// when not given.
    #[serde(default)]
    pub page_path: Option<String>,
    /// The name of what the site is about (`about.name`) in this language, for JSON-LD.
    #[serde(default)]
    pub about_name: Option<String>,
}

fn default_min_inflesz() -> f64 {
    55.0
}
fn default_medical() -> bool {
    true
}
pub(crate) fn empty_map() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}
fn default_language() -> String {
    "en".to_owned()
}
fn default_review_max_age_days() -> u32 {
    365
}
fn default_max_reading_grade() -> f64 {
    10.0
}
fn default_paginate_by() -> usize {
    10
}
fn default_feed_limit() -> usize {
    20
}

/// What is wrong with a `base_url` (trailing slashes already trimmed), and what would be right.
fn check_base_url(url: &str) -> Result<(), (String, &'static str)> {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err((
            format!("`base_url` `{url}` is not an absolute address"),
            "write it as `https://example.org` or `https://user.github.io/repo/` (or pass `--base-url`)",
        ));
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if host.is_empty() {
        return Err((
            format!("`base_url` `{url}` has no host"),
            "write it as `https://example.org`",
        ));
    }
    if url.contains(['?', '#']) {
        return Err((
            format!("`base_url` `{url}` has a query or a fragment"),
            "give the address of the site's home page only, e.g. `https://user.github.io/repo/`",
        ));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err((
            format!("`base_url` `{url}` has a space, a backslash or a control character"),
            "percent-encode it (`%20`), or choose a path without one",
        ));
    }
    let bad_segment = path
        .split('/')
        .skip(1)
        .any(|s| s.is_empty() || s == "." || s == "..");
    if bad_segment {
        return Err((
            format!("`base_url` `{url}` has an empty, `.` or `..` segment in its path"),
            "write the path the site is served under, e.g. `https://user.github.io/repo/`",
        ));
    }
    Ok(())
}

impl Config {
    /// The path the site is served under: `""` at a domain's root, `/repo` for
    /// `https://user.github.io/repo/`. Its case is kept.
    pub fn base_path(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        rest.find('/').map_or("", |at| &rest[at..])
    }
}

/// The file name, relative to the site root.
pub const FILE: &str = "site.yaml";

impl Config {
    /// Parses and validates `site.yaml`'s text; `base_url` overrides the file's when given.
    pub fn parse(text: &str, base_url: Option<&str>) -> Result<Config, Vec<Diagnostic>> {
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        let is_blank = text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
        if is_blank {
            return Err(vec![Diagnostic::error(
                FILE,
                "config",
                "`site.yaml` is empty",
            )
            .at(1, 1)
            .help(
                "add at least `title: ...`, `base_url: ...` and `description: ...`",
            )]);
        }
        let (mut config, keys) = front_matter::parse::<Config>(FILE, &text, &text, 1)?;
        if let Some(url) = base_url {
            config.base_url = url.to_owned();
        }
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let mut errors = Vec::new();
        let mut bad = |key: &str, message: String, help: &str| {
            errors.push(
                Diagnostic::error(FILE, "config", message)
                    .at_in(&text, keys.line(key), 1)
                    .help(help),
            );
        };
        if let Err((message, help)) = check_base_url(&config.base_url) {
            bad("base_url", message, help);
        }
        if !config.extra.is_object() {
            bad(
                "extra",
                "`extra` is not a map".into(),
                "write it as keys and values: `extra:` then `  key: value` on the next lines",
            );
        }
        if let Some(url) = &config.report_url {
            let ok = url.starts_with("https://") || url.starts_with("mailto:");
            if !ok {
                bad(
                    "report_url",
                    format!("`report_url` `{url}` is not an `https://` or `mailto:` address"),
                    "give the page where readers report an error (e.g. the repository's issues page) or `mailto:address`",
                );
            }
        }
        if config.paginate_by == 0 {
            bad(
                "paginate_by",
                "`paginate_by` is 0".into(),
                "use a number of posts per page, e.g. 10",
            );
        }
        if config.title.trim().is_empty() {
            bad("title", "`title` is empty".into(), "give the site a name");
        }
        let language_ok = !config.language.is_empty()
            && config
                .language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !language_ok {
            bad(
                "language",
                format!("`language` `{}` is not a language tag", config.language),
                "use a BCP 47 tag such as `en` or `en-US`",
            );
        }
        for (code, language) in &config.languages {
            let at = keys.line("languages");
            let mut bad = |message: String, help: String| {
                errors.push(
                    Diagnostic::error(FILE, "config", message)
                        .at_in(&text, at, 1)
                        .help(help),
                );
            };
            let code_ok =
                (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
            if !code_ok {
                bad(
                    format!("`{code}` under `languages` is not a language code"),
                    "use a two- or three-letter lower-case ISO 639 code such as `es`".into(),
                );
            } else if *code == config.language {
                bad(
                    format!(
                        "`{code}` is the site's `language` and is listed under `languages` too"
                    ),
                    "list only the other languages under `languages`".into(),
                );
            }
            if language.title.trim().is_empty() {
                bad(
                    format!("`languages.{code}.title` is empty"),
                    "give the site's name in that language".into(),
                );
            }
            for (key, value) in [
                ("tags_path", &language.tags_path),
                ("search_path", &language.search_path),
                ("page_path", &language.page_path),
            ] {
                if let Some(v) = value.as_deref().filter(|v| !crate::page::is_slug(v)) {
                    bad(
                        format!("`languages.{code}.{key}` `{v}` is not a URL segment"),
                        "use lower-case letters, digits and hyphens, e.g. `temas`".into(),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_defaults_and_trims_the_base_url() {
        let config = Config::parse("title: T\nbase_url: https://x.org/\ndescription: D\n", None)
            .expect("valid");
        assert_eq!(config.base_url, "https://x.org");
        assert_eq!(config.base_path(), "");
        assert_eq!(config.review_max_age_days, 365);
        assert_eq!(config.language, "en");
    }

    #[test]
    fn rejects_unknown_keys_and_relative_urls() {
        let errors = Config::parse("title: T\nbase_url: /x\ndescription: D\nlang: en\n", None)
            .expect_err("unknown key");
        assert_eq!(errors[0].line, Some(4));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `language`?"));
        let errors =
            Config::parse("title: T\nbase_url: /x\ndescription: D\n", None).expect_err("relative");
        assert_eq!(errors[0].line, Some(2));
    }

    #[test]
    fn takes_a_base_path_with_or_without_a_slash_and_keeps_its_case() {
        for url in [
            "https://u.github.io/My-Repo",
            "https://u.github.io/My-Repo/",
        ] {
            let config = Config::parse(
                "title: T\nbase_url: https://x.org\ndescription: D\n",
                Some(url),
            )
            .expect("valid");
            assert_eq!(config.base_url, "https://u.github.io/My-Repo");
            assert_eq!(config.base_path(), "/My-Repo");
        }
        let config = Config::parse(
            "title: T\nbase_url: http://127.0.0.1:8000/a/b/\ndescription: D\n",
            None,
        )
        .expect("valid");
        assert_eq!(config.base_path(), "/a/b");
    }

    #[test]
    fn rejects_a_base_url_with_a_query_fragment_or_dot_segment() {
        for url in [
            "https://x.org/repo?x=1",
            "https://x.org/repo#top",
            "https://x.org/a/../b",
            "https://x.org/./b",
            "https://x.org//b",
            "https:///repo",
            "https://x.org/my repo",
        ] {
            let errors = Config::parse(
                &format!("title: T\nbase_url: {url}\ndescription: D\n"),
                None,
            )
            .expect_err(url);
            assert_eq!(errors[0].line, Some(2), "{url}");
            assert_eq!(errors[0].rule, "config", "{url}");
        }
    }
}
