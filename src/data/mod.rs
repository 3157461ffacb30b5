//! Data files: YAML (`.yaml`, `.yml`) and JSON under `data/`, read once by `source` and parsed
//! here, strictly, into what templates see as `data.<name>` and shortcodes read.
//!
//! `data/medications.yaml` is `data.medications`; one level of folders groups files
//! (`data/drugs/tablets.yaml` is `data.drugs.tablets`). A name must be a usable key (lower-case
//! letters, digits and `_`, starting with a letter), no two files may give the same key, and
//! YAML may not use anchors, aliases or tags (`yaml`). Fact sheets (`facts`) are checked for a
//! source on every fact. Every problem is reported at its file, line and column.

mod facts;
mod node;
mod yaml;

use crate::diagnostic::Diagnostic;
use crate::front_matter::Reference;
use crate::source::Source;
use node::Node;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// The largest data file read, in bytes (`source` refuses larger ones).
pub(crate) const MAX_BYTES: usize = 1024 * 1024;

/// Every data file, parsed: templates see it as `data`.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// Each top-level key: a file's value, or a folder's files by key.
    roots: BTreeMap<String, Root>,
    /// Each top-level key's hash (of its files' texts), for deciding what an edit re-renders.
    hashes: BTreeMap<String, u64>,
    /// The references of every fact sheet, by id.
    pub(crate) references: BTreeMap<String, Reference>,
}

#[derive(Debug, Clone)]
enum Root {
    File(Node),
    Folder(BTreeMap<String, Node>),
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.roots.len()))?;
        for (name, root) in &self.roots {
            match root {
                Root::File(node) => map.serialize_entry(name, node)?,
                Root::Folder(files) => map.serialize_entry(name, files)?,
            }
        }
        map.end()
    }
}

/// Which top-level keys of `data` some templates read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reads {
    /// These keys (`data.medications` reads `medications`).
    Some(BTreeSet<String>),
    /// `data` used whole, or in a way that cannot be told: every key.
    All,
}

impl Reads {
    /// Adds what `other` reads.
    pub(crate) fn join(&mut self, other: Reads) {
        match (&mut *self, other) {
            (Reads::All, _) => {}
            (_, Reads::All) => *self = Reads::All,
            (Reads::Some(mine), Reads::Some(theirs)) => mine.extend(theirs),
        }
    }
}

impl Data {
    /// A hash of the files `reads` names, to tell whether what a template showed changed.
    pub(crate) fn hash_of(&self, reads: &Reads) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = crate::hash::Hasher::default();
        for (name, hash) in &self.hashes {
            let read = match reads {
                Reads::All => true,
                Reads::Some(names) => names.contains(name),
            };
            if read {
                (name, hash).hash(&mut h);
            }
        }
        h.finish()
    }

    /// A hash of every fact sheet's references (what `cite` numbers and lists).
    pub(crate) fn references_hash(&self) -> u64 {
        crate::hash::of(&self.references)
    }
}

/// The top-level keys of `data` that a template's text reads: `data.<key>` or `data["key"]`
/// inside `{{ }}` and `{% %}`; any other use of `data` reads everything.
pub(crate) fn reads(template: &str) -> Reads {
    let mut names = BTreeSet::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{").into_iter().chain(rest.find("{%")).min() {
        let close = if rest[open..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        let inner_start = open + 2;
        let inner_end = rest[inner_start..]
            .find(close)
            .map_or(rest.len(), |i| inner_start + i);
        let inner = &rest[inner_start..inner_end];
        for (at, _) in inner.match_indices("data") {
            let before = inner[..at].chars().next_back();
            let after = &inner[at + 4..];
            let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
            if before.is_some_and(|c| ident(c) || c == '.') || after.starts_with(ident) {
                continue;
            }
            let name = if let Some(field) = after.strip_prefix('.') {
                field
                    .split(|c: char| !ident(c))
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            } else if let Some(index) = after.strip_prefix('[') {
                let index = index.trim_start();
                let quoted = index.strip_prefix(['"', '\'']);
                match quoted {
                    Some(q) if q.contains(['"', '\'']) => {
                        q.split(['"', '\'']).next().unwrap_or_default().to_owned()
                    }
                    _ => String::new(),
                }
            } else {
                String::new()
            };
            if name.is_empty() {
                return Reads::All;
            }
            names.insert(name);
        }
        rest = &rest[(inner_end + close.len()).min(rest.len())..];
    }
    Reads::Some(names)
}

/// Whether `name` can be a key of `data`: lower-case letters, digits and `_`, starting with a
/// letter (so `data.name` works in a template).
pub(crate) fn is_key(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The key a name would make: lower-case, other characters as `_`.
pub(crate) fn key_for(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let key = key.trim_end_matches('_').to_owned();
    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key
    } else {
        format!("data_{key}")
    }
}

/// Whether a file under `data/` is one the site reads (by its extension).
pub(crate) fn accept(rel: &str) -> Result<(), &'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
        Ok(())
    } else {
        Err("is not a YAML (`.yaml`, `.yml`) or JSON (`.json`) file and is ignored")
    }
}

/// [`parse`], its problems added to `diagnostics`.
pub(crate) fn parse_into(
    files: &[Source],
    diagnostics: &mut Vec<Diagnostic>,
) -> std::sync::Arc<Data> {
    let (data, mut found) = parse(files);
    diagnostics.append(&mut found);
    std::sync::Arc::new(data)
}

/// Parses every data file (`files` are the sources under `data/`, sorted by path).
pub fn parse(files: &[Source]) -> (Data, Vec<Diagnostic>) {
    let mut data = Data::default();
    let mut errors = Vec::new();
    // Which file gave each key path (`medications`, `drugs`, `drugs.tablets`).
    let mut given: BTreeMap<String, &str> = BTreeMap::new();
    let mut sheets: BTreeMap<String, &str> = BTreeMap::new();
    for file in files {
        let Some((root, inner)) = key_path(file, &mut errors) else {
            continue;
        };
        let path = match &inner {
            Some(inner) => format!("{root}.{inner}"),
            None => root.clone(),
        };
        let clash = match &inner {
            _ if given.contains_key(&path) => given.get(&path),
            Some(_) => given.get(&root),
            None => given
                .iter()
                .find(|(k, _)| k.starts_with(&format!("{root}.")))
                .map(|(_, f)| f),
        };
        if let Some(first) = clash {
            let key = if given.contains_key(&path) {
                &path
            } else {
                &root
            };
            errors.push(
                Diagnostic::error(
                    &file.path,
                    "data",
                    format!("`{}` and `{}` both give `data.{key}`", first, file.path),
                )
                .help("keep one of them, or rename one (a name is a key of `data`)"),
            );
            continue;
        }
        given.insert(path.clone(), &file.path);
        let node = match value(file) {
            Ok(node) => node,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        if facts::is_sheet(&node) {
            let (references, mut found) = facts::check(&file.path, &file.text, &node);
            errors.append(&mut found);
            for (id, reference) in references {
                match sheets.get(&id) {
                    Some(first) if data.references.get(&id) != Some(&reference) => errors.push(
                        Diagnostic::error(
                            &file.path,
                            "data",
                            format!("the reference id `{id}` is also used in `{first}` for another reference"),
                        )
                        .help("give each reference its own id: `cite` finds references by id across every fact sheet"),
                    ),
                    _ => {
                        sheets.insert(id.clone(), &file.path);
                        data.references.insert(id, reference);
                    }
                }
            }
        }
        let hash = crate::hash::of(&file.text);
        let entry = data.hashes.entry(root.clone()).or_insert(0);
        *entry = entry.wrapping_add(hash);
        match inner {
            None => {
                data.roots.insert(root, Root::File(node));
            }
            Some(inner) => {
                if let Root::Folder(files) = data
                    .roots
                    .entry(root)
                    .or_insert_with(|| Root::Folder(BTreeMap::new()))
                {
                    files.insert(inner, node);
                }
            }
        }
    }
    (data, errors)
}

/// The key path a file gives (`medications`, or `drugs` and `tablets`), or why it gives none.
fn key_path(file: &Source, errors: &mut Vec<Diagnostic>) -> Option<(String, Option<String>)> {
    let stem = |name: &str| {
        name.rsplit_once('.')
            .map_or(name, |(stem, _)| stem)
            .to_owned()
    };
    let parts: Vec<&str> = file.rel.split('/').collect();
    let (folder, name) = match parts.as_slice() {
        [name] => (None, stem(name)),
        [folder, name] => (Some((*folder).to_owned()), stem(name)),
        _ => {
            errors.push(
                Diagnostic::error(
                    &file.path,
                    "data",
                    format!("`{}` is nested too deeply: data files go in `data/` or one folder below it", file.path),
                )
                .help(format!(
                    "move it to `data/{}/{}`",
                    parts[0],
                    parts.last().copied().unwrap_or_default()
                )),
            );
            return None;
        }
    };
    let mut ok = true;
    for (what, part) in [("folder", folder.as_deref()), ("file", Some(name.as_str()))] {
        let Some(part) = part else { continue };
        if !is_key(part) {
            ok = false;
            let key = key_for(part);
            errors.push(
                Diagnostic::error(
                    &file.path,
                    "data",
                    format!("the {what} name `{part}` is not a usable key of `data`"),
                )
                .help(format!("use lower-case letters, digits and `_`, starting with a letter: rename it `{key}` (then it is `data.{}`)", match (&folder, what) {
                    (Some(f), "file") => format!("{f}.{key}"),
                    (_, "folder") => format!("{key}.{name}"),
                    _ => key.clone(),
                })),
            );
        }
    }
    if !ok {
        return None;
    }
    Some(match folder {
        Some(folder) => (folder, Some(name)),
        None => (name, None),
    })
}

/// A file's value: YAML through the located parser, JSON through serde_json (strict JSON).
fn value(file: &Source) -> Result<Node, Diagnostic> {
    if file.rel.ends_with(".json") {
        let parsed: serde_json::Value = serde_json::from_str(&file.text).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
            Diagnostic::error(&file.path, "data", format!("invalid JSON: {message}"))
                .at_in(&file.text, e.line().max(1), e.column().max(1))
                .help("JSON needs double quotes around keys and text, and no comma after the last item")
        })?;
        let node = Node::from_json(parsed);
        if node.depth() > yaml::MAX_DEPTH {
            return Err(Diagnostic::error(
                &file.path,
                "data",
                format!(
                    "values are nested more than {} levels deep",
                    yaml::MAX_DEPTH
                ),
            )
            .help("data files hold tables and lists: flatten the structure"));
        }
        return Ok(node);
    }
    yaml::parse(&file.text).map_err(|p| {
        let d =
            Diagnostic::error(&file.path, "data", p.message).at_in(&file.text, p.line, p.column);
        match p.help {
            Some(help) => d.help(help),
            None => d,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(rel: &str, text: &str) -> Source {
        Source::in_folder("data", rel, text)
    }

    fn messages(files: &[Source]) -> Vec<String> {
        parse(files).1.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn files_and_folders_become_keys() {
        let (data, errors) = parse(&[
            source("drugs/tablets.yaml", "dose: 50\n"),
            source("site.json", "{\"motto\": \"Plain words\"}"),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            serde_json::to_value(&data).expect("json"),
            serde_json::json!({ "drugs": { "tablets": { "dose": 50 } }, "site": { "motto": "Plain words" } })
        );
    }

    #[test]
    fn refuses_clashing_and_unusable_names() {
        assert_eq!(
            messages(&[source("a.json", "1"), source("a.yaml", "1\n")]),
            ["`data/a.json` and `data/a.yaml` both give `data.a`"]
        );
        assert_eq!(
            messages(&[source("drugs.yaml", "1\n"), source("drugs/x.yaml", "1\n")]),
            ["`data/drugs.yaml` and `data/drugs/x.yaml` both give `data.drugs`"]
        );
        assert_eq!(
            messages(&[source("Side-Effects.yaml", "1\n")]),
            ["the file name `Side-Effects` is not a usable key of `data`"]
        );
        assert_eq!(key_for("Side-Effects"), "side_effects");
        assert_eq!(key_for("2024 stats"), "data_2024_stats");
        assert_eq!(
            messages(&[source("a/b/c.yaml", "1\n")]),
            ["`data/a/b/c.yaml` is nested too deeply: data files go in `data/` or one folder below it"]
        );
    }

    #[test]
    fn tells_which_keys_a_template_reads() {
        let some = |names: &[&str]| Reads::Some(names.iter().map(|n| (*n).to_owned()).collect());
        assert_eq!(
            reads("<p data-x=1>{{ data.site.motto }}</p>{% for d in data[\"drugs\"] %}"),
            some(&["drugs", "site"])
        );
        assert_eq!(reads("{{ metadata.x }} {{ my_data }}"), some(&[]));
        assert_eq!(reads("{% set all = data %}"), Reads::All);
        assert_eq!(reads("{{ data[key] }}"), Reads::All);
    }
}
