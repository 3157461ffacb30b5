//! Fact sheets: data files that hold facts with their sources, such as
//! `data/medications.yaml`. A data file is a fact sheet when its top level has a `facts:` key;
//! it is then checked strictly, every problem at its line:
//!
//! ```yaml
//! references:                 # id → a reference, with the front matter's fields
//!   tablets-label: { title: "...", url: https://... }
//! facts:                      # id → the row label, per language
//!   how_often: { en: How often }
//! items:                      # id → a name and its facts
//!   tablets:
//!     name: { en: Tablets }
//!     facts:
//!       how_often: { en: Usually once a day, source: tablets-label }
//! ```
//!
//! Every text has English (`en`) and may have Spanish (`es`); every fact names its `source`
//! (one reference id, or a list), and every id it names must be under `references:`.

use super::node::{Key, Node};
use crate::diagnostic::{closest, Diagnostic};
use crate::front_matter::Reference;
use std::collections::BTreeMap;

/// The languages a text may have; the first is required.
pub(crate) const LANGUAGES: &[&str] = &["en", "es"];

/// Whether a data file's value is a fact sheet.
pub(crate) fn is_sheet(root: &Node) -> bool {
    root.get("facts").is_some()
}

/// Checks a fact sheet; its references by id, and every problem found.
pub(crate) fn check(
    file: &str,
    text: &str,
    root: &Node,
) -> (BTreeMap<String, Reference>, Vec<Diagnostic>) {
    let mut sheet = Sheet {
        file,
        text,
        errors: Vec::new(),
    };
    let references = sheet.references(root);
    let facts = sheet.fact_labels(root);
    sheet.items(root, &facts, &references);
    (references, sheet.errors)
}

struct Sheet<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<Diagnostic>,
}

impl Sheet<'_> {
    fn error(&mut self, at: (usize, usize), message: String, help: impl Into<String>) {
        self.errors.push(
            Diagnostic::error(self.file, "data", message)
                .at_in(self.text, at.0, at.1)
                .help(help),
        );
    }

    /// The entries of the mapping under `name`, or an error when it is missing or not one.
    fn section<'n>(&mut self, root: &'n Node, name: &str, what: &str) -> &'n [(Key, Node)] {
        match root.get(name) {
            Some((_, value)) => match value.entries() {
                Some(entries) => entries,
                None => {
                    self.error(
                        (value.line, value.column),
                        format!(
                            "`{name}` must be a mapping of {what}, not {}",
                            value.describe()
                        ),
                        format!("write one `id:` line per entry under `{name}:`"),
                    );
                    &[]
                }
            },
            None => {
                self.error(
                    (1, 1),
                    format!("a fact sheet needs `{name}:` ({what})"),
                    "a fact sheet has three parts: `references:`, `facts:` and `items:`",
                );
                &[]
            }
        }
    }

    fn references(&mut self, root: &Node) -> BTreeMap<String, Reference> {
        if let Some(entries) = root.entries() {
            for (key, _) in entries {
                if !["references", "facts", "items"].contains(&key.name.as_str()) {
                    self.error(
                        (key.line, key.column),
                        format!("unknown key `{}` in a fact sheet", key.name),
                        "a fact sheet has three parts: `references:`, `facts:` and `items:`",
                    );
                }
            }
        }
        let mut references = BTreeMap::new();
        for (key, value) in self.section(root, "references", "reference ids to references") {
            if !is_reference_id(&key.name) {
                self.error(
                    (key.line, key.column),
                    format!("the reference id `{}` is not usable", key.name),
                    "use lower-case letters, digits, `-` and `_`, e.g. `vivitrol-label`",
                );
                continue;
            }
            if let Some(reference) = self.reference(key, value) {
                references.insert(key.name.clone(), reference);
            }
        }
        references
    }

    fn reference(&mut self, key: &Key, value: &Node) -> Option<Reference> {
        let json = serde_json::to_value(value).unwrap_or_default();
        let at = (value.line, value.column);
        let reference = match serde_json::from_value::<Reference>(json) {
            Ok(r) => r,
            Err(e) => {
                let message = e
                    .to_string()
                    .replace("unknown field", "unknown key")
                    .replace("missing field", "missing key");
                self.error(
                    (key.line, key.column),
                    format!("the reference `{}`: {message}", key.name),
                    "a reference has `title` and one of `url`, `doi` or `pmid`; `publisher`, `year` and `note` are optional",
                );
                return None;
            }
        };
        if reference.title.trim().is_empty() {
            self.error(
                at,
                format!("the reference `{}` has an empty `title`", key.name),
                "write the document's title",
            );
        }
        match (&reference.url, &reference.doi, &reference.pmid) {
            (None, None, None) => self.error(
                (key.line, key.column),
                format!("the reference `{}` has no `url`, `doi` or `pmid`", key.name),
                "say where to read it: an `https://` address, a DOI or a PubMed id",
            ),
            (Some(url), _, _) if !url.starts_with("https://") => self.error(
                at,
                format!(
                    "the reference `{}` has a `url` that is not `https://`",
                    key.name
                ),
                "link the secure address",
            ),
            _ => {}
        }
        Some(reference)
    }

    /// The declared facts (row labels), by id.
    fn fact_labels(&mut self, root: &Node) -> Vec<String> {
        let mut ids = Vec::new();
        for (key, value) in self.section(root, "facts", "fact ids to their labels") {
            self.id(key, "fact");
            self.texts(value, &format!("the label of the fact `{}`", key.name), &[]);
            ids.push(key.name.clone());
        }
        ids
    }

    fn items(&mut self, root: &Node, facts: &[String], references: &BTreeMap<String, Reference>) {
        for (key, item) in self.section(root, "items", "item ids to their names and facts") {
            self.id(key, "item");
            let Some(entries) = item.entries() else {
                self.error(
                    (item.line, item.column),
                    format!(
                        "the item `{}` must be a mapping with `name:` and `facts:`",
                        key.name
                    ),
                    "write `name:` and `facts:` under it",
                );
                continue;
            };
            for (k, _) in entries {
                if k.name != "name" && k.name != "facts" {
                    self.error(
                        (k.line, k.column),
                        format!("unknown key `{}` in the item `{}`", k.name, key.name),
                        "an item has `name:` and `facts:`",
                    );
                }
            }
            match item.get("name") {
                Some((_, name)) => self.texts(name, &format!("the name of `{}`", key.name), &[]),
                None => self.error(
                    (key.line, key.column),
                    format!("the item `{}` has no `name:`", key.name),
                    "add `name: { en: ... }`",
                ),
            }
            let Some((_, item_facts)) = item.get("facts") else {
                continue;
            };
            let Some(item_facts) = item_facts.entries() else {
                self.error(
                    (item_facts.line, item_facts.column),
                    format!("the facts of `{}` must be a mapping of fact ids", key.name),
                    "write one `fact_id:` line per fact",
                );
                continue;
            };
            for (fact, value) in item_facts {
                if !facts.contains(&fact.name) {
                    let help = match closest(&fact.name, facts.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`? Facts are declared under `facts:`"),
                        None => "declare it under `facts:` with its label".to_owned(),
                    };
                    self.error(
                        (fact.line, fact.column),
                        format!(
                            "`{}` of `{}` is not a fact declared under `facts:`",
                            fact.name, key.name
                        ),
                        help,
                    );
                }
                let what = format!("the fact `{}` of `{}`", fact.name, key.name);
                self.texts(value, &what, &["source"]);
                self.source(fact, value, &what, references);
            }
        }
    }

    /// Checks an id's form (fact and item ids are template keys).
    fn id(&mut self, key: &Key, what: &str) {
        if !super::is_key(&key.name) {
            self.error(
                (key.line, key.column),
                format!("the {what} id `{}` is not usable", key.name),
                format!(
                    "use lower-case letters, digits and `_`, starting with a letter, e.g. `{}`",
                    super::key_for(&key.name)
                ),
            );
        }
    }

    /// Checks a text per language: a mapping with a non-empty `en` and maybe `es` (and the
    /// `extra` keys the caller checks itself).
    fn texts(&mut self, value: &Node, what: &str, extra: &[&str]) {
        let Some(entries) = value.entries() else {
            self.error(
                (value.line, value.column),
                format!(
                    "{what} must give its text per language, not {}",
                    value.describe()
                ),
                "write `en: ...` (and `es: ...` once translated) under it",
            );
            return;
        };
        for (key, text) in entries {
            if extra.contains(&key.name.as_str()) {
                continue;
            }
            if !LANGUAGES.contains(&key.name.as_str()) {
                let mut allowed: Vec<&str> = LANGUAGES.to_vec();
                allowed.extend(extra);
                self.error(
                    (key.line, key.column),
                    format!("unknown key `{}` in {what}", key.name),
                    format!(
                        "allowed here: {}",
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            match text.text() {
                Some(t) if !t.trim().is_empty() => {}
                _ => self.error(
                    (text.line, text.column),
                    format!("the `{}` text of {what} is empty or not text", key.name),
                    "write the text; leave a language out rather than leave it empty",
                ),
            }
        }
        if value.get("en").is_none() {
            self.error(
                (value.line, value.column),
                format!("{what} has no English text (`en:`)"),
                "every text needs `en:`; `es:` is added when the Spanish edition is written",
            );
        }
    }

    /// Checks a fact's `source`: one reference id or a list of them, each listed.
    fn source(
        &mut self,
        fact: &Key,
        value: &Node,
        what: &str,
        references: &BTreeMap<String, Reference>,
    ) {
        if value.entries().is_none() {
            return; // reported by `texts`
        }
        let Some((key, source)) = value.get("source") else {
            self.error(
                (fact.line, fact.column),
                format!("{what} has no `source`"),
                "name the reference it comes from: `source: <id>`, an id under `references:`",
            );
            return;
        };
        let ids: Vec<&Node> = match &source.kind {
            super::node::Kind::List(items) if !items.is_empty() => items.iter().collect(),
            super::node::Kind::Str(_) => vec![source],
            _ => {
                self.error(
                    (key.line, key.column),
                    format!("the `source` of {what} must be a reference id or a list of them"),
                    "write `source: <id>` or `source: [<id>, <id>]`",
                );
                return;
            }
        };
        for id in ids {
            match id.text() {
                Some(name) if references.contains_key(name) => {}
                Some(name) => {
                    let help = match closest(name, references.keys().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "add it under `references:`, or name one that is there".to_owned(),
                    };
                    self.error(
                        (id.line, id.column),
                        format!("{what} cites `{name}`, which is not under `references:`"),
                        help,
                    );
                }
                None => self.error(
                    (id.line, id.column),
                    format!(
                        "the `source` of {what} must name reference ids, not {}",
                        id.describe()
                    ),
                    "write the id as text",
                ),
            }
        }
    }
}

/// Reference ids: lower-case letters, digits, `-` and `_`.
pub(crate) fn is_reference_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(usize, String)> {
        let root = super::super::yaml::parse(text).expect("yaml");
        check("data/x.yaml", text, &root)
            .1
            .into_iter()
            .map(|d| (d.line.unwrap_or(0), d.message))
            .collect()
    }

    const GOOD: &str = "references:\n  lab: { title: A label, url: https://a.org/x }\nfacts:\n  often: { en: How often }\nitems:\n  pill:\n    name: { en: Pill }\n    facts:\n      often: { en: Daily, source: lab }\n";

    #[test]
    fn a_good_sheet_has_no_errors() {
        assert_eq!(errors(GOOD), Vec::<(usize, String)>::new());
    }

    #[test]
    fn a_fact_without_a_source_or_with_an_unknown_one_is_an_error() {
        let missing = GOOD.replace(", source: lab", "");
        assert_eq!(
            errors(&missing),
            [(9, "the fact `often` of `pill` has no `source`".to_owned())]
        );
        let unknown = GOOD.replace("source: lab", "source: [lab, labl]");
        assert_eq!(
            errors(&unknown),
            [(
                9,
                "the fact `often` of `pill` cites `labl`, which is not under `references:`"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn texts_need_english_and_known_languages() {
        let text = GOOD.replace(
            "{ en: Daily, source: lab }",
            "{ fr: Tous les jours, source: lab }",
        );
        let found = errors(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].1.contains("unknown key `fr`"));
        assert!(found[1].1.contains("has no English text"));
    }
}
