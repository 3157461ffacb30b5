//! Languages: the site's default language and its translations, each with its URL prefix, its
//! name and description, and its interface strings ("Published", "On this page", month
//! names...). The default language's strings are built in (`en.yaml` beside this file) and a
//! site may override any of them in `i18n/<code>.yaml`; every other language must give every
//! key in its own `i18n/<code>.yaml`, and a key missing there is an error at that file.
//!
//! A page's language is part of its file name: `vivitrol.es.md` is the Spanish translation of
//! `vivitrol.md` beside it, so a translation sorts next to its original in any file list and
//! is found from it by name alone. Translations live under `/<code>/`.

use crate::config::Config;
use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::source::Source;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The built-in interface strings, in English.
const ENGLISH: &str = include_str!("en.yaml");

/// One language of the site.
#[derive(Debug, Clone, PartialEq)]
pub struct Language {
    /// `en`, `es`: `<html lang>`, `hreflang`, the file-name suffix of translations.
    pub code: String,
    /// The URL prefix: empty for the default language, the code for the others.
    pub prefix: String,
    /// The site's name in this language.
    pub title: String,
    /// The site's description in this language.
    pub description: String,
    /// The URL folder of tag pages (`tags`, `temas`).
    pub tags_path: String,
    /// The URL folder of the search page (`search`, `buscar`).
    pub search_path: String,
    /// The URL folder of a list's later pages (`page` in `/tags/x/page/2/`, `pagina`).
    pub page_path: String,
    /// What the language's medical pages are about, for JSON-LD (the site's `about` in this
    /// language's words).
    pub about: Option<crate::config::About>,
    /// The interface strings.
    pub strings: Strings,
    /// A hash of `strings`, made once (`serve`'s fingerprints read it for every page).
    pub strings_hash: u64,
}

/// A language's interface strings.
#[derive(Debug, Clone, Default, PartialEq, Hash)]
pub struct Strings {
    text: BTreeMap<String, String>,
    months: Vec<String>,
}

impl Strings {
    /// The string `key`; the key itself when there is none (which `languages` reported).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.text.get(key).map_or(key, String::as_str)
    }

    /// A hash of every string (`serve` re-renders a language's pages when it changes).
    pub fn hash(&self) -> u64 {
        crate::hash::of(self)
    }

    /// Every string, by key (for templates' `t()`).
    pub fn all(&self) -> &BTreeMap<String, String> {
        &self.text
    }

    /// A date as people read it in this language ("November 27, 2026", "27 de noviembre de
    /// 2026").
    pub fn date(&self, date: Date) -> String {
        date.written(self.get("date_format"), &self.months)
    }
}

impl Language {
    /// The route rules' view of this language.
    pub fn lang(&self) -> crate::route::Lang<'_> {
        crate::route::Lang(&self.prefix)
    }

    /// The home page's URL (`/`, `/es/`).
    pub fn home_url(&self) -> String {
        self.lang().url("/")
    }
}

/// Whether a file under `i18n/` is one the site reads: `<code>.yaml`.
pub fn accept(rel: &str) -> Result<(), &'static str> {
    match rel.strip_suffix(".yaml") {
        Some(code) if !code.contains('/') => Ok(()),
        _ => Err("is not a language's strings (`i18n/<code>.yaml`) and is ignored"),
    }
}

/// A value in a strings file: a string, or the list of month names.
#[derive(Deserialize)]
#[serde(untagged)]
enum Value {
    Text(String),
    List(Vec<String>),
}

/// Reads one strings file: its strings and months, with problems at their lines.
fn read(
    file: &str,
    text: &str,
) -> Result<(Strings, crate::front_matter::KeyLines), Vec<Diagnostic>> {
    let (values, keys) =
        crate::front_matter::parse::<BTreeMap<String, Value>>(file, text, text, 1)?;
    let mut strings = Strings::default();
    let mut errors = Vec::new();
    for (key, value) in values {
        match (key.as_str(), value) {
            ("months", Value::List(months)) if months.len() == 12 => strings.months = months,
            ("months", _) => errors.push(
                Diagnostic::error(file, "i18n", "`months` is not a list of 12 month names")
                    .at_in(text, keys.line("months"), 1)
                    .help("write the names January first: `months: [January, February, ...]`"),
            ),
            (_, Value::Text(s)) => {
                strings.text.insert(key, s);
            }
            (_, Value::List(_)) => errors.push(
                Diagnostic::error(file, "i18n", format!("`{key}` is a list, not a string"))
                    .at_in(text, keys.line(&key), 1)
                    .help("write the text on the same line: `key: text`"),
            ),
        }
    }
    if errors.is_empty() {
        Ok((strings, keys))
    } else {
        Err(errors)
    }
}

/// The built-in English strings.
fn english() -> Strings {
    read("src/lang/en.yaml", ENGLISH).map_or_else(|_| Strings::default(), |(s, _)| s)
}

/// The site's languages, the default one first and then the others by code, with their
/// strings from `i18n/`. Problems (a file that does not parse, a key missing or unknown, a
/// file for a language the site does not have) go to `errors`; a missing string falls back to
/// the default language's, so the rest of the site still builds and is checked.
pub fn languages(config: &Config, i18n: &[Source], errors: &mut Vec<Diagnostic>) -> Vec<Language> {
    let mut files: BTreeMap<&str, &Source> = BTreeMap::new();
    for source in i18n {
        let code = source.rel.trim_end_matches(".yaml");
        if code == config.language || config.languages.contains_key(code) {
            files.insert(code, source);
        } else {
            errors.push(
                Diagnostic::warning(
                    &source.path,
                    "i18n",
                    format!(
                        "`{}` is not a language of this site and is ignored",
                        source.path
                    ),
                )
                .help(format!(
                    "add `{code}` under `languages` in site.yaml, or remove the file"
                )),
            );
        }
    }
    let builtin = english();
    let parsed = |code: &str,
                  errors: &mut Vec<Diagnostic>|
     -> Option<(Strings, crate::front_matter::KeyLines, &Source)> {
        let source = files.get(code)?;
        match read(&source.path, &source.text) {
            Ok((strings, keys)) => Some((strings, keys, source)),
            Err(mut found) => {
                errors.append(&mut found);
                None
            }
        }
    };
    // The default language: the built-in strings, any of them replaced by its own file, which
    // may add keys of the site's own (for its templates).
    let mut base = builtin.clone();
    if let Some((own, _, _)) = parsed(&config.language, errors) {
        base.text.extend(own.text);
        if !own.months.is_empty() {
            base.months = own.months;
        }
    }
    let mut languages = vec![Language {
        code: config.language.clone(),
        prefix: String::new(),
        title: config.title.clone(),
        description: config.description.clone(),
        tags_path: "tags".into(),
        search_path: "search".into(),
        page_path: "page".into(),
        about: config.about.clone(),
        strings: base.clone(),
        strings_hash: base.hash(),
    }];
    for (code, settings) in &config.languages {
        let strings = match parsed(code, errors) {
            Some((own, keys, source)) => {
                let mut strings = own.clone();
                for key in own.text.keys() {
                    if !base.text.contains_key(key) {
                        errors.push(unknown_key(source, &keys, key, &base));
                    }
                }
                let missing: Vec<&str> = base
                    .text
                    .keys()
                    .filter(|k| !own.text.contains_key(*k))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    errors.push(
                        Diagnostic::error(
                            &source.path,
                            "i18n",
                            format!(
                                "`{}` has no {}: {}",
                                source.path,
                                if missing.len() == 1 {
                                    "string"
                                } else {
                                    "strings"
                                },
                                missing
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .at(1, 1)
                        .help(format!(
                            "add {} in `{code}`'s words, with the keys of the default language's strings (src/lang/en.yaml and i18n/{}.yaml)",
                            if missing.len() == 1 { "it" } else { "them" },
                            config.language
                        )),
                    );
                }
                for key in missing {
                    strings
                        .text
                        .insert(key.to_owned(), base.get(key).to_owned());
                }
                if strings.months.is_empty() {
                    errors.push(
                        Diagnostic::error(
                            &source.path,
                            "i18n",
                            format!("`{}` has no `months`", source.path),
                        )
                        .at(1, 1)
                        .help("add `months: [...]`, the 12 month names, January first"),
                    );
                    strings.months.clone_from(&base.months);
                }
                strings
            }
            None => {
                if !files.contains_key(code.as_str()) {
                    errors.push(
                        Diagnostic::error(
                            format!("i18n/{code}.yaml"),
                            "i18n",
                            format!("the language `{code}` has no strings file `i18n/{code}.yaml`"),
                        )
                        .help("create it with every interface string in that language (the keys are those of the default language: see docs/languages.md)"),
                    );
                }
                base.clone()
            }
        };
        languages.push(Language {
            code: code.clone(),
            prefix: code.clone(),
            title: settings.title.clone(),
            description: settings.description.clone(),
            tags_path: settings.tags_path.clone().unwrap_or_else(|| "tags".into()),
            search_path: settings
                .search_path
                .clone()
                .unwrap_or_else(|| "search".into()),
            page_path: settings.page_path.clone().unwrap_or_else(|| "page".into()),
            about: match (&config.about, &settings.about_name) {
                (Some(about), Some(name)) => Some(crate::config::About {
                    kind: about.kind.clone(),
                    name: name.clone(),
                }),
                (about, _) => about.clone(),
            },
            strings_hash: strings.hash(),
            strings,
        });
    }
    languages
}

fn unknown_key(
    source: &Source,
    keys: &crate::front_matter::KeyLines,
    key: &str,
    known: &Strings,
) -> Diagnostic {
    let help = match crate::diagnostic::closest(key, known.text.keys().map(String::as_str)) {
        Some(k) => format!("did you mean `{k}`?"),
        None => "remove it: templates and the generator use only the keys of the built-in strings"
            .into(),
    };
    Diagnostic::error(
        &source.path,
        "i18n",
        format!("`{key}` is not an interface string"),
    )
    .at_in(&source.text, keys.line(key), 1)
    .help(help)
}

/// What a content file's name says of its language: the code of its language suffix
/// (`x.es.md` is `es`) when that is one of `codes` (the site's other languages), and the name
/// without it.
pub fn split_suffix(rel: &str, codes: &[String]) -> (Option<usize>, String) {
    if let Some((base, code)) = suffix(rel) {
        if let Some(i) = codes.iter().position(|c| c == code) {
            return (Some(i + 1), format!("{base}.md"));
        }
    }
    (None, rel.to_owned())
}

/// The last dotted part of a content file's name, which may name a language (`x.es.md` →
/// (`x`, `es`)), whether or not the site has it: the one reading of a file name's suffix.
pub fn suffix(rel: &str) -> Option<(&str, &str)> {
    let stem = rel.strip_suffix(".md")?;
    let (base, code) = stem.rsplit_once('.')?;
    (!code.contains('/')).then_some((base, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_strings_parse_and_have_twelve_months() {
        let (strings, _) = read("en.yaml", ENGLISH).expect("built-in strings parse");
        assert_eq!(strings.months.len(), 12);
        assert_eq!(
            strings.date(Date::parse("2026-11-27").expect("date")),
            "November 27, 2026"
        );
    }

    #[test]
    fn a_translation_names_its_original() {
        let codes = vec!["es".to_owned()];
        assert_eq!(
            split_suffix("treatment/vivitrol.es.md", &codes),
            (Some(1), "treatment/vivitrol.md".to_owned())
        );
        assert_eq!(
            split_suffix("_index.es.md", &codes),
            (Some(1), "_index.md".to_owned())
        );
        assert_eq!(
            split_suffix("a/node.js.md", &codes),
            (None, "a/node.js.md".to_owned())
        );
    }
}
