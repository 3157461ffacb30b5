//! The index itself: each document's terms with their scores ([`entry`], which `serve` keeps
//! between rebuilds), and the files made from all of them ([`assemble`]): shards of postings,
//! the phrase shards, one small file per document, and the manifest.
//!
//! A posting list is a string: for each document that has the term, the gap from the previous
//! document's number and the score, each as a base-64 variable-length number (5 bits a
//! character, the sixth says "more follows"), so a term in every document of a 10,000-article
//! site costs about 20 KB, a tenth of a JSON array of numbers.

use super::text::{self, Language};
use super::{Doc, FOLDER};
use crate::publish::Output;
use serde::Serialize;
use std::fmt::Write as _;

/// A shard's size the packing aims under, in bytes. Smaller means less to download for one
/// term and more files; a term whose postings are longer has a shard of its own.
pub const SHARD_BYTES: usize = 12_000;
/// Words of the body kept in a document's file for its snippet.
const BODY_WORDS: usize = 200;
/// The format `search.js` reads; change it with the reader.
const FORMAT: u32 = 1;
/// Weights and caps of a term's occurrences in each field: title, headings and tags,
/// description, section, body.
const FIELDS: [(u32, u16); 5] = [(12, 2), (6, 3), (4, 2), (2, 1), (1, 6)];
/// The phrase bonus of a pair of neighbouring terms in the title, and elsewhere.
const PAIR_TITLE: u8 = 30;
const PAIR_OTHER: u8 = 8;

/// One document's part of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Each term and its score, sorted by term.
    terms: Vec<(Box<str>, u8)>,
    /// Each pair of neighbouring terms (`"drink naltrexon"`) in the title, headings and
    /// description, with its phrase bonus, sorted.
    pairs: Vec<(Box<str>, u8)>,
    /// What a result shows, as JSON: title, URL, description, section, first words.
    meta: Box<str>,
}

/// What a result shows.
#[derive(Serialize)]
struct Meta<'a> {
    /// Title.
    t: &'a str,
    /// URL.
    u: &'a str,
    /// Description.
    d: &'a str,
    /// Section title.
    s: &'a str,
    /// The start of the body, for the snippet.
    b: String,
}

/// A document's entry: its terms scored by where they occur, its phrase pairs, its metadata.
pub fn entry(language: Language, doc: &Doc<'_>) -> Entry {
    let mut counts: crate::hash::Map<String, [u16; 5]> = crate::hash::Map::default();
    let mut pairs: crate::hash::Map<String, u8> = crate::hash::Map::default();
    let mut count = |field: usize, text: &str, pair: Option<u8>| {
        let terms = language.terms(text);
        for term in &terms {
            match counts.get_mut(term.as_str()) {
                Some(c) => c[field] = c[field].saturating_add(1),
                None => {
                    let mut c = [0; 5];
                    c[field] = 1;
                    counts.insert(term.clone(), c);
                }
            }
        }
        if let Some(bonus) = pair {
            for w in terms.windows(2) {
                let p = pairs.entry(format!("{} {}", w[0], w[1])).or_insert(0);
                *p = (*p).max(bonus);
            }
        }
    };
    count(0, doc.title, Some(PAIR_TITLE));
    for key in &doc.keys {
        count(1, key, Some(PAIR_OTHER));
    }
    count(2, doc.description, Some(PAIR_OTHER));
    count(3, doc.section, None);
    count(4, doc.body, None);
    let mut terms: Vec<(Box<str>, u8)> = counts
        .into_iter()
        .map(|(term, c)| (term.into_boxed_str(), score(&c)))
        .collect();
    terms.sort_unstable();
    let mut pairs: Vec<(Box<str>, u8)> = pairs
        .into_iter()
        .map(|(p, s)| (p.into_boxed_str(), s))
        .collect();
    pairs.sort_unstable();
    let meta = Meta {
        t: doc.title,
        u: doc.url,
        d: doc.description,
        s: doc.section,
        b: doc
            .body
            .split_whitespace()
            .take(BODY_WORDS)
            .collect::<Vec<_>>()
            .join(" "),
    };
    Entry {
        terms,
        pairs,
        meta: serde_json::to_string(&meta).unwrap_or_default().into(),
    }
}

/// A term's score in a document from its occurrences per field: each field's weight times its
/// capped count (at most 58).
fn score(counts: &[u16; 5]) -> u8 {
    let total: u32 = FIELDS
        .iter()
        .zip(counts)
        .map(|(&(weight, cap), &n)| weight * u32::from(n.min(cap)))
        .sum();
    u8::try_from(total).unwrap_or(u8::MAX)
}

/// The manifest: what `search.js` needs before it can look a word up.
#[derive(Serialize)]
struct Manifest<'a> {
    /// The file format.
    format: u32,
    /// The language's code.
    lang: &'a str,
    /// The folding table: letters and what they become.
    fold: [&'a str; 2],
    /// Stop words.
    stop: &'a [&'a str],
    /// Suffixes and their replacements, in the order they are tried.
    suffixes: &'a [(&'a str, &'a str)],
    /// The fewest characters a suffix may leave.
    min_stem: usize,
    /// The longest word indexed.
    max_word: usize,
    /// How many documents (`d/0` .. `d/<docs-1>`).
    docs: usize,
    /// The first term of each word shard (`w/0`, `w/1`, ...).
    words: Vec<&'a str>,
    /// The first pair of each phrase shard (`p/0`, ...).
    pairs: Vec<&'a str>,
    /// A hash of every other file, added to their URLs online so a browser never mixes files
    /// of two builds from its cache.
    stamp: String,
}

/// The search files of `entries` (document `i` is `entries[i]`), under `url_prefix`.
pub fn assemble<E: std::borrow::Borrow<Entry> + Sync>(
    language: Language,
    url_prefix: &str,
    entries: &[E],
    offline: bool,
) -> Vec<Output> {
    let folder = match url_prefix.trim_matches('/') {
        "" => FOLDER.to_owned(),
        prefix => format!("{prefix}/{FOLDER}"),
    };
    let file = |name: &str, json: &str| {
        if offline {
            Output {
                path: format!("{folder}/{name}.js"),
                bytes: format!("window.siteSearch.add(\"{name}\",{json});\n").into_bytes(),
            }
        } else {
            Output {
                path: format!("{folder}/{name}.json"),
                bytes: json.as_bytes().to_vec(),
            }
        }
    };
    let (words, pairs) = rayon::join(
        || postings(entries, |e| &e.terms),
        || postings(entries, |e| &e.pairs),
    );
    let word_shards = pack(&words);
    let pair_shards = pack(&pairs);
    let mut outputs = Vec::with_capacity(entries.len() + word_shards.len() + pair_shards.len() + 1);
    for (i, (_, json)) in word_shards.iter().enumerate() {
        outputs.push(file(&format!("w/{i}"), json));
    }
    for (i, (_, json)) in pair_shards.iter().enumerate() {
        outputs.push(file(&format!("p/{i}"), json));
    }
    for (i, e) in entries.iter().enumerate() {
        outputs.push(file(&format!("d/{i}"), &e.borrow().meta));
    }
    let mut stamp = crate::hash::Hasher::default();
    for output in &outputs {
        std::hash::Hasher::write(&mut stamp, &output.bytes);
    }
    let manifest = Manifest {
        format: FORMAT,
        lang: language.code,
        fold: [text::FOLD_FROM, text::FOLD_TO],
        stop: language.stop,
        suffixes: language.suffixes,
        min_stem: text::MIN_STEM,
        max_word: text::MAX_WORD,
        docs: entries.len(),
        words: word_shards.iter().map(|(first, _)| *first).collect(),
        pairs: pair_shards.iter().map(|(first, _)| *first).collect(),
        stamp: format!("{:016x}", std::hash::Hasher::finish(&stamp)),
    };
    let json = serde_json::to_string(&manifest).unwrap_or_default();
    outputs.push(file("manifest", &json));
    outputs
}

/// Every term of `entries` (as `field` gives them) with its encoded posting list, sorted.
fn postings<'e, E: std::borrow::Borrow<Entry> + Sync>(
    entries: &'e [E],
    field: impl Fn(&'e Entry) -> &'e Vec<(Box<str>, u8)>,
) -> Vec<(&'e str, String)> {
    use rayon::prelude::*;
    let mut lists: crate::hash::Map<&str, Vec<(u32, u8)>> = crate::hash::Map::default();
    for (doc, e) in entries.iter().enumerate() {
        let doc = u32::try_from(doc).unwrap_or(u32::MAX);
        for (term, score) in field(e.borrow()) {
            lists.entry(&**term).or_default().push((doc, *score));
        }
    }
    let mut lists: Vec<(&str, Vec<(u32, u8)>)> = lists.into_iter().collect();
    lists.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    lists
        .into_par_iter()
        .map(|(term, list)| (term, encode(&list)))
        .collect()
}

/// A posting list as a string: gap and score per document, each [`vlq`].
fn encode(list: &[(u32, u8)]) -> String {
    let mut out = String::with_capacity(list.len() * 2);
    let mut last = 0;
    for &(doc, score) in list {
        vlq(&mut out, doc - last);
        vlq(&mut out, u32::from(score));
        last = doc;
    }
    out
}

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `n` in base 32, lowest digits first, each digit a character of [`DIGITS`] with
/// 32 added while more digits follow.
fn vlq(out: &mut String, mut n: u32) {
    loop {
        let digit = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(char::from(DIGITS[digit]));
            return;
        }
        out.push(char::from(DIGITS[digit | 32]));
    }
}

/// Sorted terms and their postings packed into shards of about [`SHARD_BYTES`]: each shard's
/// first term and its JSON object.
fn pack<'t>(terms: &[(&'t str, String)]) -> Vec<(&'t str, String)> {
    let mut shards: Vec<(&str, String)> = Vec::new();
    for (term, list) in terms {
        let key = serde_json::to_string(term).unwrap_or_default();
        let size = key.len() + list.len() + 4;
        match shards.last_mut() {
            Some((_, json)) if json.len() + size <= SHARD_BYTES => json.push(','),
            _ => shards.push((term, String::from("{"))),
        }
        if let Some((_, json)) = shards.last_mut() {
            let _ = write!(json, "{key}:\"{list}\"");
        }
    }
    for (_, json) in &mut shards {
        json.push('}');
    }
    shards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::text::{ENGLISH, SPANISH};

    fn doc<'a>(title: &'a str, url: &'a str, body: &'a str) -> Doc<'a> {
        Doc {
            title,
            url,
            description: "",
            section: "",
            keys: vec![],
            body,
        }
    }

    /// Decodes a posting string back into (document, score) pairs.
    fn decode(s: &str) -> Vec<(u32, u32)> {
        let mut numbers = Vec::new();
        let (mut n, mut shift) = (0u32, 0);
        for c in s.bytes() {
            let d = DIGITS.iter().position(|&x| x == c).unwrap_or(0) as u32;
            n |= (d & 31) << shift;
            if d & 32 == 0 {
                numbers.push(n);
                (n, shift) = (0, 0);
            } else {
                shift += 5;
            }
        }
        let mut doc = 0;
        numbers
            .chunks(2)
            .map(|p| {
                doc += p[0];
                (doc, p.get(1).copied().unwrap_or(0))
            })
            .collect()
    }

    #[test]
    fn numbers_round_trip() {
        let list = [(0, 1), (1, 58), (40, 6), (100_000, 12), (100_001, 0)];
        let got = decode(&encode(&list));
        let want: Vec<(u32, u32)> = list.iter().map(|&(d, s)| (d, u32::from(s))).collect();
        assert_eq!(got, want);
        let mut s = String::new();
        vlq(&mut s, 31);
        vlq(&mut s, 32);
        assert_eq!(s, "fgB");
    }

    #[test]
    fn fields_weigh_in_order() {
        let d = Doc {
            title: "Drinking",
            url: "/a/",
            description: "drinks",
            section: "Alcohol",
            keys: vec!["Drink less"],
            body: "drink drink drink drink drink drink drink drink",
        };
        let e = entry(ENGLISH, &d);
        let score = |t: &str| e.terms.iter().find(|(x, _)| &**x == t).map(|(_, s)| *s);
        assert_eq!(score("drink"), Some(12 + 6 + 4 + 6));
        assert_eq!(score("alcohol"), Some(2));
        assert_eq!(score("less"), Some(6));
        assert!(e.pairs.iter().any(|(p, s)| &**p == "drink less" && *s == PAIR_OTHER));
    }

    #[test]
    fn every_term_of_every_document_has_its_posting() {
        let docs = [
            doc("Beber con naltrexona", "/es/a/", "Si bebe alcohol, la bebida pesa menos."),
            doc("Embarazo", "/es/b/", "Durante el embarazo o si está embarazada."),
            doc("Inyección mensual", "/es/c/", "La inyección se pone cada mes."),
        ];
        let entries: Vec<Entry> = docs.iter().map(|d| entry(SPANISH, d)).collect();
        let words = postings(&entries, |e| &e.terms);
        for (i, e) in entries.iter().enumerate() {
            for (term, score) in &e.terms {
                let list = words.iter().find(|(t, _)| t == &&**term).map(|(_, l)| decode(l));
                assert!(
                    list.is_some_and(|l| l.contains(&(i as u32, u32::from(*score)))),
                    "{term} in {i}"
                );
            }
        }
        let beb = words.iter().find(|(t, _)| *t == "beb").map(|(_, l)| decode(l));
        assert_eq!(beb.map(|l| l.len()), Some(1));
        assert!(words.iter().any(|(t, _)| *t == "inyeccion"));
        assert!(words.iter().all(|(t, _)| *t != "la" && *t != "si"));
    }

    #[test]
    fn shards_stay_small_sorted_and_complete() {
        let bodies: Vec<String> = (0..300)
            .map(|i| format!("word{i} common text{} naltrexone", i % 7))
            .collect();
        let docs: Vec<Doc<'_>> = bodies.iter().map(|b| doc("T", "/x/", b)).collect();
        let entries: Vec<Entry> = docs.iter().map(|d| entry(ENGLISH, d)).collect();
        let words = postings(&entries, |e| &e.terms);
        let shards = pack(&words);
        assert!(shards.len() > 1);
        let mut seen = 0;
        for (i, (first, json)) in shards.iter().enumerate() {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(json).expect("a shard is a JSON object");
            assert!(json.len() <= SHARD_BYTES || map.len() == 1);
            assert_eq!(map.keys().next().map(String::as_str), Some(*first));
            if let Some((next, _)) = shards.get(i + 1) {
                assert!(map.keys().all(|k| k.as_str() < *next));
            }
            seen += map.len();
        }
        assert_eq!(seen, words.len());
    }

    #[test]
    fn files_sit_under_the_language_folder() {
        let docs = [doc("Uno dos", "/es/uno/", "texto")];
        let entries: Vec<Entry> = docs.iter().map(|d| entry(SPANISH, d)).collect();
        let online = assemble(SPANISH, "/es", &entries, false);
        let paths: Vec<&str> = online.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "es/search-index/w/0.json",
                "es/search-index/p/0.json",
                "es/search-index/d/0.json",
                "es/search-index/manifest.json"
            ]
        );
        let offline = assemble(SPANISH, "", &entries, true);
        let manifest = offline.last().map(|o| String::from_utf8_lossy(&o.bytes).into_owned());
        assert!(manifest.is_some_and(|m| m.starts_with("window.siteSearch.add(\"manifest\",{")));
        assert!(offline.iter().all(|o| o.path.starts_with("search-index/")));
    }

    #[test]
    fn an_empty_site_has_a_manifest() {
        let out = assemble(ENGLISH, "", &Vec::<Entry>::new(), false);
        assert_eq!(out.len(), 1);
        assert!(String::from_utf8_lossy(&out[0].bytes).contains("\"docs\":0"));
    }
}
