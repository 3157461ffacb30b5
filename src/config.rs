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
    /// Absolute address the site is published at, without a trailing slash.
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
    /// Addresses `site check --external` leaves alone: a prefix (`https://example.org/private/`)
    /// or a host, which covers its subdomains (`example.org`).
    #[serde(default)]
    pub external_skip: Vec<String>,
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
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            bad(
                "base_url",
                format!(
                    "`base_url` `{}` is not an absolute address",
                    config.base_url
                ),
                "write it as `https://example.org` (or pass `--base-url`)",
            );
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
}
