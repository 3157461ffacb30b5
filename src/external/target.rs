//! What `--external` checks and where it is cited: every `http`/`https` link of every page's
//! body (collected by `markdown`) and every reference's `url`, `doi` and `pmid`, each placed on
//! the line and column it was written at. Distinct targets are gathered once, with all their
//! places; what is not `http`/`https` (`mailto:`, `tel:`) is left out here.

use super::http;
use crate::front_matter::{KeyLines, Reference};
use crate::site::Site;
use std::collections::BTreeMap;

/// What is checked: an address, a DOI or a PubMed id. Its text form is the cache key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Target {
    /// An `http`/`https` address, without its `#fragment`.
    Url(String),
    /// A DOI, lower-case (DOIs are case-insensitive).
    Doi(String),
    /// A PubMed id, digits only.
    Pmid(String),
}

impl Target {
    pub(super) fn key(&self) -> String {
        match self {
            Target::Url(url) => format!("url:{url}"),
            Target::Doi(doi) => format!("doi:{doi}"),
            Target::Pmid(pmid) => format!("pmid:{pmid}"),
        }
    }

    /// The address a reader would follow, which the skip list is matched against.
    pub(super) fn address(&self) -> String {
        match self {
            Target::Url(url) => url.clone(),
            Target::Doi(doi) => format!("https://doi.org/{doi}"),
            Target::Pmid(pmid) => format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
        }
    }
}

/// Where a target is cited.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub(super) file: String,
    pub(super) line: usize,
    pub(super) column: usize,
    pub(super) source_line: Option<String>,
    /// The text as written there (an address with its fragment, a DOI as typed).
    pub(super) written: String,
}

/// Whether `address` matches an entry of `external_skip`: an address prefix
/// (`https://example.org/private/`) or a host, which covers its subdomains (`example.org`).
pub(super) fn is_skipped(address: &str, skip: &[String]) -> bool {
    let host = http::host(address).unwrap_or_default();
    skip.iter().map(|s| s.trim()).any(|entry| {
        if entry.contains("://") {
            address.starts_with(entry)
        } else {
            let entry = entry.trim_end_matches('/').to_ascii_lowercase();
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry.as_str())
                        .is_some_and(|rest| rest.ends_with('.')))
        }
    })
}

/// Every target of every page, with the places it is cited.
pub(super) fn collect(site: &Site) -> BTreeMap<Target, Vec<Place>> {
    let mut targets: BTreeMap<Target, Vec<Place>> = BTreeMap::new();
    let bodies = site
        .homes
        .iter()
        .chain(site.sections.iter())
        .map(|s| (&s.file, &s.body, &[][..], &s.keys, &s.text))
        .chain(
            site.pages
                .iter()
                .map(|p| (&p.file, &p.body, &p.references[..], &p.keys, &p.text)),
        )
        .chain(site.tags.iter().map(|t| {
            (
                &t.text.file,
                &t.text.body,
                &t.text.references[..],
                &t.text.keys,
                &t.text.text,
            )
        }));
    for (file, body, references, keys, text) in bodies {
        let text: &str = text;
        let source_line = |line: usize| text.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        for (line, column, address) in &body.external {
            let place = Place {
                file: file.clone(),
                line: *line,
                column: *column,
                source_line: source_line(*line),
                written: address.clone(),
            };
            add(&mut targets, url_target(address), place);
        }
        for (target, written, (line, column)) in reference_targets(references, keys, text) {
            let place = Place {
                file: file.clone(),
                line,
                column,
                source_line: source_line(line),
                written,
            };
            add(&mut targets, Some(target), place);
        }
    }
    targets
}

fn add(targets: &mut BTreeMap<Target, Vec<Place>>, target: Option<Target>, place: Place) {
    if let Some(target) = target {
        targets.entry(target).or_default().push(place);
    }
}

/// The target of an address, without its fragment; `None` for what is not `http`/`https`
/// (`mailto:`, `tel:`), which is not checked.
fn url_target(address: &str) -> Option<Target> {
    let address = address.trim();
    let lower = address.get(..8).unwrap_or(address).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    let without = address.split_once('#').map_or(address, |(a, _)| a);
    Some(Target::Url(without.to_owned()))
}

/// A DOI as written, without a resolver prefix, lower-case.
fn doi_target(doi: &str) -> Option<Target> {
    let mut doi = doi.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ] {
        let has_prefix = doi
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix));
        if has_prefix {
            doi = doi.get(prefix.len()..).unwrap_or_default().trim();
        }
    }
    // lint reports a DOI that does not start with `10.`; there is nothing to look up.
    doi.starts_with("10.")
        .then(|| Target::Doi(doi.to_lowercase()))
}

/// Each reference's `url`, `doi` and `pmid`, with what was written and where: the line of the
/// value inside its list item when the item can be found, else the `references:` key.
fn reference_targets(
    references: &[Reference],
    keys: &KeyLines,
    text: &str,
) -> Vec<(Target, String, (usize, usize))> {
    let key_line = keys.line("references");
    let items = item_lines(text, key_line);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (n, reference) in references.iter().enumerate() {
        let range = match (items.len() == references.len(), items.get(n)) {
            (true, Some(&range)) => range,
            _ => (key_line, lines.len()),
        };
        let locate = |key: &str, value: &str| {
            (range.0..=range.1)
                .filter_map(|line| Some((line, *lines.get(line.checked_sub(1)?)?)))
                .find_map(|(line, l)| {
                    let at = l.find(value)?;
                    l[..at]
                        .contains(key)
                        .then(|| (line, l[..at].chars().count() + 1))
                })
                .unwrap_or((key_line, 1))
        };
        if let Some(url) = &reference.url {
            let at = locate("url", url.trim());
            if let Some(target) = url_target(url) {
                out.push((target, url.trim().to_owned(), at));
            }
        }
        if let Some(doi) = &reference.doi {
            let at = locate("doi", doi.trim());
            if let Some(target) = doi_target(doi) {
                out.push((target, doi.trim().to_owned(), at));
            }
        }
        if let Some(pmid) = &reference.pmid {
            let id = pmid.text();
            let at = locate("pmid", &id);
            out.push((Target::Pmid(id.clone()), id, at));
        }
    }
    out
}

/// The first and last line of each item of the block list under the `references:` key at
/// `key_line`; empty for a flow list (`references: [...]`).
fn item_lines(text: &str, key_line: usize) -> Vec<(usize, usize)> {
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut indent = None;
    for (index, line) in text.lines().enumerate().skip(key_line) {
        let number = index + 1;
        let trimmed = line.trim_start();
        if trimmed == "---" || (!line.starts_with([' ', '-']) && !trimmed.is_empty()) {
            break;
        }
        let depth = line.len() - trimmed.len();
        let starts_item = (trimmed.starts_with("- ") || trimmed == "-")
            && indent.is_none_or(|indent| depth == indent);
        if starts_item {
            indent = Some(depth);
            items.push((number, number));
        } else if let Some(last) = items.last_mut() {
            last.1 = number;
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_list_matches_prefixes_and_hosts_with_subdomains() {
        let skip = vec![
            "example.org".to_owned(),
            "https://x.com/private/".to_owned(),
        ];
        assert!(is_skipped("https://example.org/a", &skip));
        assert!(is_skipped("https://www.example.org/a", &skip));
        assert!(!is_skipped("https://badexample.org/a", &skip));
        assert!(is_skipped("https://x.com/private/page", &skip));
        assert!(!is_skipped("https://x.com/public", &skip));
    }

    #[test]
    fn targets_drop_fragments_and_other_schemes() {
        assert_eq!(
            url_target("https://a.org/p#s"),
            Some(Target::Url("https://a.org/p".into()))
        );
        assert_eq!(url_target("mailto:x@y.org"), None);
        assert_eq!(url_target("tel:+1555"), None);
        assert_eq!(
            doi_target("https://doi.org/10.1001/JAMA.2014.3628"),
            Some(Target::Doi("10.1001/jama.2014.3628".into()))
        );
        assert_eq!(doi_target("not-a-doi"), None);
        assert_eq!(doi_target("éééééééééé"), None);
    }

    #[test]
    fn references_are_placed_on_their_own_lines() {
        let text = "---\ntitle: t\nreferences:\n  - title: a\n    url: https://a.org/x\n  - title: b\n    doi: 10.1/b\n    pmid: 123\ntags: []\n---\n";
        let refs = vec![
            Reference {
                title: "a".into(),
                publisher: None,
                year: None,
                url: Some("https://a.org/x".into()),
                doi: None,
                pmid: None,
                note: None,
            },
            Reference {
                title: "b".into(),
                publisher: None,
                year: None,
                url: None,
                doi: Some("10.1/b".into()),
                pmid: Some(crate::front_matter::Pmid::Number(123)),
                note: None,
            },
        ];
        assert_eq!(item_lines(text, 3), vec![(4, 5), (6, 8)]);
        let keys = crate::front_matter::parse::<serde_yaml::Value>(
            "a.md",
            text,
            "title: t\nreferences:\n  - title: a\n    url: https://a.org/x\n  - title: b\n    doi: 10.1/b\n    pmid: 123\ntags: []\n",
            2,
        )
        .map(|(_, keys)| keys)
        .expect("valid yaml");
        let found: Vec<_> = reference_targets(&refs, &keys, text)
            .into_iter()
            .map(|(_, written, at)| (written, at))
            .collect();
        assert_eq!(
            found,
            vec![
                ("https://a.org/x".to_owned(), (5, 10)),
                ("10.1/b".to_owned(), (7, 10)),
                ("123".to_owned(), (8, 11)),
            ]
        );
    }
}
