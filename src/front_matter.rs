//! Front matter: splitting the `---` block off a file and parsing it, strictly, into the typed
//! structs of what the file says (`ArticleFront`, `SectionFront`, `TagFront`).
//!
//! YAML errors are located in the file, not in the block: the block starts on line 2, so every
//! serde_yaml location is shifted. Unknown keys are reported all at once, each at its own line,
//! with the closest allowed key suggested. Turning what a file says into what the site uses is
//! `page.rs`'s job.

use crate::date::Date;
use crate::diagnostic::{closest, Diagnostic};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A file cut at its front matter.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    /// The YAML between the `---` lines.
    pub yaml: &'a str,
    /// The Markdown after the closing `---` line.
    pub body: &'a str,
    /// Byte offset of `body` in the file, to locate Markdown diagnostics.
    pub body_offset: usize,
}

/// Cuts `text` (BOM removed, `\n` line ends) into front matter and body.
pub fn split<'a>(file: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        let message = if text.trim().is_empty() {
            "the file is empty".to_owned()
        } else {
            "the file does not start with front matter".to_owned()
        };
        return Err(Diagnostic::error(file, rule_for(file), message)
            .at_in(text, 1, 1)
            .help("start the file with a `---` line, then `title: ...`, `description: ...` and the other keys, then a closing `---` line"));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        if line.trim_end() == "---" {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                body: &text[offset + line.len()..],
                body_offset: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Err(
        Diagnostic::error(file, rule_for(file), "the front matter is never closed")
            .at_in(text, 1, 1)
            .help("add a line with just `---` after the last front-matter key"),
    )
}

/// Where each top-level key of a front-matter block is, as file lines.
#[derive(Debug, Clone, Default)]
pub struct KeyLines(std::sync::Arc<HashMap<String, usize>>);

impl KeyLines {
    fn scan(yaml: &str, first_line: usize) -> Self {
        let mut lines = HashMap::new();
        for (index, line) in yaml.lines().enumerate() {
            if let Some(key) = top_level_key(line) {
                lines.entry(key.to_owned()).or_insert(index + first_line);
            }
        }
        Self(std::sync::Arc::new(lines))
    }

    /// The file line of `key`, or line 1 (the opening `---`) when it is absent.
    pub fn line(&self, key: &str) -> usize {
        self.0.get(key).copied().unwrap_or(1)
    }

    fn key_at(&self, line: usize) -> Option<&str> {
        self.0
            .iter()
            .filter(|(_, &l)| l <= line)
            .max_by_key(|(_, &l)| l)
            .map(|(k, _)| k.as_str())
    }
}

fn top_level_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && line.starts_with(key);
    is_key.then_some(key)
}

/// Parses a YAML block whose first line is file line `first_line` into `T`, strictly.
///
/// `text` is the whole file, for the caret display. Every unknown key is reported, each at its
/// line; other errors are reported one at a time (serde stops at the first).
pub fn parse<T: DeserializeOwned>(
    file: &str,
    text: &str,
    yaml: &str,
    first_line: usize,
) -> Result<(T, KeyLines), Vec<Diagnostic>> {
    let keys = KeyLines::scan(yaml, first_line);
    if let Some(d) = too_deep(file, text, yaml, first_line) {
        return Err(vec![d]);
    }
    if yaml.trim().is_empty() {
        return Err(vec![Diagnostic::error(
            file,
            rule_for(file),
            "the front matter is empty",
        )
        .at_in(text, first_line.saturating_sub(1).max(1), 1)
        .help(
            "add at least `title:` and `description:` between the `---` lines",
        )]);
    }
    let error = match serde_yaml::from_str::<T>(yaml) {
        Ok(value) => return Ok((value, keys)),
        Err(error) => error,
    };
    let full = error.to_string();
    // serde_yaml appends (and sometimes embeds) " at line L column C[, while ...]": the
    // diagnostic carries the position itself.
    let message = match full.find(" at line ") {
        Some(at) => full[..at].to_owned(),
        None => full.clone(),
    };
    if message.starts_with("invalid type: sequence, expected struct") {
        let line = yaml
            .lines()
            .position(|l| l.trim_start().starts_with('-'))
            .map_or(first_line, |i| i + first_line);
        let (what, rule, second) = if file == crate::config::FILE {
            ("`site.yaml`", "config", "base_url")
        } else {
            ("the front matter", "front-matter", "description")
        };
        return Err(vec![Diagnostic::error(
            file,
            rule,
            format!("{what} is a list, not `key: value` lines"),
        )
        .at_in(text, line, 1)
        .help(format!(
            "remove the `- ` in front of each key: `title: ...`, `{second}: ...`, one per line"
        ))]);
    }
    let duplicate = message
        .strip_prefix("duplicate field `")
        .and_then(|r| r.split('`').next())
        .or_else(|| {
            message
                .strip_prefix("duplicate entry with key \"")
                .and_then(|r| r.split('"').next())
        });
    if let Some(key) = duplicate {
        let lines: Vec<usize> = yaml
            .lines()
            .enumerate()
            .filter(|(_, l)| top_level_key(l) == Some(key))
            .map(|(i, _)| i + first_line)
            .collect();
        if let [first, second, ..] = lines.as_slice() {
            return Err(vec![Diagnostic::error(
                file,
                rule_for(file),
                format!("the key `{key}` is given twice (first on line {first})"),
            )
            .at_in(text, *second, 1)
            .help(format!("keep only one `{key}:` line"))]);
        }
    }
    let (mut line, mut column) = error
        .location()
        .map_or((first_line, 1), |l| (l.line() + first_line - 1, l.column()));
    // Errors raised by a value's own parser (dates) are located at the block's start by
    // serde_yaml; find the line holding the quoted value instead.
    if line == first_line && column == 1 {
        if let Some(value) = message.split('`').nth(1).filter(|v| !v.is_empty()) {
            if let Some(index) = yaml.lines().position(|l| l.contains(value)) {
                line = index + first_line;
                column = yaml
                    .lines()
                    .nth(index)
                    .and_then(|l| l.find(value))
                    .map_or(1, |c| c + 1);
            }
        }
    }

    if let Some(expected) = unknown_field_expected(&message) {
        let unknown = unknown_keys(file, text, yaml, first_line, &expected);
        if !unknown.is_empty() {
            return Err(unknown);
        }
    }
    Err(vec![explain(file, text, &keys, &message, line, column)])
}

/// The rule id of a YAML problem: `config` in `site.yaml`, `front-matter` elsewhere.
fn rule_for(file: &str) -> &'static str {
    if file == crate::config::FILE {
        "config"
    } else {
        "front-matter"
    }
}

/// Front matter never needs more than a few levels; the YAML parser's time grows with the
/// square of the nesting depth, so a deeply nested block is refused before it is parsed.
const MAX_DEPTH: usize = 32;

fn too_deep(file: &str, text: &str, yaml: &str, first_line: usize) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (index, line) in yaml.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        for (column, c) in line.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth + indent / 2 > MAX_DEPTH {
                return Some(
                    Diagnostic::error(file, rule_for(file), format!("the front matter nests more than {MAX_DEPTH} levels deep"))
                        .at_in(text, index + first_line, column + 1)
                        .help("front matter holds flat keys and short lists; move long content to the body"),
                );
            }
        }
        quote = None;
    }
    None
}

/// The allowed keys listed in serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field_expected(message: &str) -> Option<Vec<String>> {
    let rest = message.strip_prefix("unknown field `")?;
    let (_, expected) = rest.split_once("`, expected ")?;
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect(),
    )
}

fn unknown_keys(
    file: &str,
    text: &str,
    yaml: &str,
    first_line: usize,
    allowed: &[String],
) -> Vec<Diagnostic> {
    let nested =
        yaml.lines().enumerate().filter_map(|(index, line)| {
            let key = top_level_key(line)?;
            if allowed.iter().any(|a| a == key) {
                return None;
            }
            let mut d = Diagnostic::error(file, rule_for(file), format!("unknown key `{key}`"))
                .at_in(text, index + first_line, 1);
            let suggestion = closest(key, allowed.iter().map(String::as_str));
            d = match suggestion {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("allowed keys here: {}", list(allowed))),
            };
            Some(d)
        });
    nested.collect()
}

fn list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites serde's wording into ours: names the key, says what would be right.
fn explain(
    file: &str,
    text: &str,
    keys: &KeyLines,
    message: &str,
    line: usize,
    column: usize,
) -> Diagnostic {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.trim_end_matches('`');
        return Diagnostic::error(
            file,
            rule_for(file),
            format!("missing required key `{key}`"),
        )
        .at_in(text, 1, 1)
        .help(format!("add `{key}: ...` between the `---` lines"));
    }
    let source_line = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    if source_line.contains('\t') || message.contains("cannot start any token") {
        return Diagnostic::error(file, rule_for(file), format!("invalid YAML: {message}"))
            .at_in(text, line, column)
            .help("YAML does not allow tabs for indentation; indent with spaces");
    }
    let key = keys.key_at(line);
    let message = match key {
        Some(key) if !message.starts_with("did not find") => {
            // serde_yaml already names nested paths (`description: invalid type...`).
            let message = message.strip_prefix(&format!("{key}: ")).unwrap_or(message);
            format!("`{key}`: {message}")
        }
        _ => format!("invalid YAML: {message}"),
    };
    let message = message
        .replace("expected i64", "expected a whole number")
        .replace("expected i32", "expected a whole number")
        .replace("expected u32", "expected a whole number")
        .replace("expected usize", "expected a whole number")
        .replace("expected f64", "expected a number");
    let help = if message.contains("is not a PubMed id") {
        Some("write the PubMed id as a number, e.g. `pmid: 24825644`".to_owned())
    } else if message.contains("invalid type: sequence") || message.contains("expected a string") {
        Some("quote text that contains `:` or starts with `[`, `{`, `*`, `&` or `#`".to_owned())
    } else if message.contains("expected a boolean") {
        Some("write `true` or `false`".to_owned())
    } else if message.contains("expected a whole number") {
        Some("write a number without quotes, e.g. `weight: 2`".to_owned())
    } else if message.contains("missing field `title`") {
        Some("every reference needs a `title:` line".to_owned())
    } else if message.contains("expected a sequence") {
        Some("write a list as `[a, b]` or as lines starting with `- `".to_owned())
    } else {
        None
    };
    let d = Diagnostic::error(file, rule_for(file), message).at_in(text, line, column);
    match help {
        Some(help) => d.help(help),
        None => d,
    }
}

/// What an article's front matter says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleFront {
    /// Page title.
    pub title: String,
    /// Meta description and card text.
    pub description: String,
    /// First published.
    pub date: Date,
    /// Last substantive change.
    pub updated: Option<Date>,
    /// Last medical review.
    pub reviewed: Option<Date>,
    /// Who reviewed it, when someone did.
    pub reviewed_by: Option<String>,
    /// Tag names; each needs `content/tags/<tag>.md`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Drafts are built only with `--drafts` (and by `serve`).
    #[serde(default)]
    pub draft: bool,
    /// URL slug; defaults to the file name.
    pub slug: Option<String>,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Whether review and reference rules apply; defaults to `site.yaml`'s `medical`.
    pub medical: Option<bool>,
    /// Order inside the section, before date and title.
    #[serde(default)]
    pub weight: i64,
    /// Sources, shown as a numbered list.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The template to render it with instead of `page.html` (a page such as "About" or a
    /// printable card).
    pub template: Option<String>,
    /// `false` keeps the page out of every list: home, sections, tags, feed, search and
    /// related articles (it is still built, and in the sitemap).
    #[serde(default = "yes")]
    pub listed: bool,
    /// Who wrote it, when the page names someone.
    pub author: Option<String>,
    /// Anything else, for templates (`page.extra.<key>`).
    #[serde(default = "crate::config::empty_map")]
    pub extra: serde_json::Value,
}

fn yes() -> bool {
    true
}

/// What a section's (or the home page's) `_index.md` says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionFront {
    /// Section title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Order in the navigation.
    #[serde(default)]
    pub weight: i64,
    /// The section's URL folder in a translation (`_index.es.md`: `tratamiento`); the
    /// original's is its folder name.
    #[serde(default)]
    pub slug: Option<String>,
}

/// What a tag's page `content/tags/<tag>.md` says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagFront {
    /// Tag title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Sources for the intro text.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The tag's URL segment in a translation (`tags/vivitrol.es.md`); the original's is its
    /// file name.
    #[serde(default)]
    pub slug: Option<String>,
}

/// One source an article cites.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Title of the document.
    pub title: String,
    /// Publisher, journal or agency.
    pub publisher: Option<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// An `https://` address.
    pub url: Option<String>,
    /// A DOI such as `10.1001/jama.2014.3628`.
    pub doi: Option<String>,
    /// A PubMed id.
    pub pmid: Option<Pmid>,
    /// A short note shown after the reference.
    pub note: Option<String>,
}

/// A PubMed id, written as a number or a string of digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Pmid {
    /// `pmid: 24825644`
    Number(u64),
    /// `pmid: "24825644"`
    Text(String),
}

impl<'de> Deserialize<'de> for Pmid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Pmid;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a PubMed id such as 24825644")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Pmid, E> {
                Ok(Pmid::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Pmid, E> {
                u64::try_from(v)
                    .map(Pmid::Number)
                    .map_err(|_| E::custom(format!("`{v}` is not a PubMed id")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Pmid, E> {
                Err(E::custom(format!("`{v}` is not a PubMed id")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Pmid, E> {
                let v = v.trim();
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Pmid::Text(v.to_owned()))
                } else {
                    Err(E::custom(format!("`{v}` is not a PubMed id")))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Pmid {
    /// The id as text.
    pub fn text(&self) -> String {
        match self {
            Pmid::Number(n) => n.to_string(),
            Pmid::Text(t) => t.trim().to_owned(),
        }
    }
}

impl Reference {
    /// The address a reader follows: the URL, else the DOI or PubMed page.
    pub fn href(&self) -> Option<String> {
        if let Some(url) = &self.url {
            return Some(url.clone());
        }
        if let Some(doi) = &self.doi {
            return Some(format!("https://doi.org/{}", doi.trim()));
        }
        self.pmid
            .as_ref()
            .map(|p| format!("https://pubmed.ncbi.nlm.nih.gov/{}/", p.text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(text: &str) -> Result<ArticleFront, Vec<Diagnostic>> {
        let s = split("a.md", text).map_err(|d| vec![d])?;
        parse::<ArticleFront>("a.md", text, s.yaml, 2).map(|(a, _)| a)
    }

    #[test]
    fn splits_front_matter_and_body() {
        let text = "---\ntitle: x\n---\n# Body\n";
        let s = split("a.md", text).expect("splits");
        assert_eq!(s.yaml, "title: x\n");
        assert_eq!(s.body, "# Body\n");
        assert_eq!(&text[s.body_offset..], "# Body\n");
        assert!(split("a.md", "---\ntitle: x\n").is_err());
        assert!(split("a.md", "").is_err());
        assert!(split("a.md", "title: x").is_err());
    }

    #[test]
    fn reports_every_unknown_key_at_its_line() {
        let errors = article("---\ntitel: x\ndescription: d\ndate: 2026-01-01\nwriter: me\n---\n")
            .expect_err("unknown keys");
        let lines: Vec<_> = errors
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(2), "unknown key `titel`"),
                (Some(5), "unknown key `writer`")
            ]
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn locates_type_errors_in_the_file() {
        let errors = article("---\ntitle: x\ndescription: d\ndate: 2026-02-30\n---\n")
            .expect_err("bad date");
        assert_eq!(errors[0].line, Some(4));
        assert!(
            errors[0].message.starts_with("`date`: "),
            "{}",
            errors[0].message
        );
        assert!(errors[0].message.contains("not a real calendar date"));
    }

    #[test]
    fn names_missing_keys() {
        let errors = article("---\ntitle: x\ndate: 2026-01-01\n---\n").expect_err("missing");
        assert_eq!(errors[0].message, "missing required key `description`");
    }
}
