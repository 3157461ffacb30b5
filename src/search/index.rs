//! The index itself: each document's terms with their scores ([`entry`], which `serve` keeps
//! between rebuilds), and the files made from all of them ([`assemble`]): shards of postings,
//! the phrase shards, one small file per document, and the manifest.
//!
//! A posting list is a string: for each document that has the term, the gap from the previous
//! document's number and the score, each as a base-64 variable-length number (5 bits a
//! character, the sixth says "more follows"), so a term in every document of a 10,000-article
//! site costs about 20 KB, a tenth of a JSON array of numbers.

use super::terms::Terms;
use super::text::{self, Language};
use super::{Doc, FOLDER};
use crate::publish::Output;
use serde::Serialize;
use std::sync::Arc;

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
    terms: Terms,
    /// Each pair of neighbouring terms (`"drink naltrexon"`) in the title, headings and
    /// description, with its phrase bonus, sorted.
    pairs: Terms,
    /// What a result shows, as JSON: title, URL, description, section, first words.
    meta: Box<str>,
    /// A hash of all the above.
    hash: u64,
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
    use std::borrow::Cow;
    // Each field folded, with its number in `FIELDS` and the phrase bonus of its pairs.
    let mut fields = vec![(0, text::fold(doc.title), Some(PAIR_TITLE))];
    fields.extend(
        doc.keys
            .iter()
            .map(|k| (1, text::fold(k), Some(PAIR_OTHER))),
    );
    fields.push((2, text::fold(doc.description), Some(PAIR_OTHER)));
    fields.push((3, text::fold(doc.section), None));
    fields.push((4, text::fold(doc.body), None));
    // Occurrences per distinct word first: a page repeats its words, so the stop list and the
    // stemmer see each word of a document once, not each of its thousand occurrences.
    let mut seen: ByWord<&str, [u16; 5]> = ByWord::with_capacity(1024);
    for (field, folded, _) in &fields {
        for word in text::words(folded) {
            seen.update(word, |c| c[*field] = c[*field].saturating_add(1));
        }
    }
    // Each word that is not a stop word, as its term, in term order: words with one stem are
    // neighbours then, and their occurrences are added up as the terms are stored.
    let mut stems: Vec<(Cow<'_, str>, [u16; 5])> = Vec::with_capacity(seen.len());
    stems.extend(
        seen.iter()
            .filter(|(word, _)| !language.is_stop(word))
            .map(|(word, c)| (language.stem(word), *c)),
    );
    // Sorted as pairs of numbers, the term's first bytes and its place in `stems` (cheap to
    // compare and to move), then the few runs of terms with the same first eight bytes by
    // their text.
    let mut order: Vec<(u64, u32)> = stems
        .iter()
        .zip(0u32..)
        .map(|((term, _), i)| (text::key(term.as_bytes()), i))
        .collect();
    let text = |i: u32| stems.get(i as usize).map_or("", |(term, _)| &**term);
    order.sort_unstable_by_key(|&(key, _)| key);
    for same_start in order.chunk_by_mut(|a, b| a.0 == b.0) {
        if same_start.len() > 1 {
            same_start.sort_unstable_by(|a, b| text(a.1).cmp(text(b.1)));
        }
    }
    let same_term = |a: &(u64, u32), b: &(u64, u32)| a.0 == b.0 && text(a.1) == text(b.1);
    let terms = Terms::from_sorted(order.chunk_by(same_term).map(|same| {
        let mut total = [0u16; 5];
        for (_, c) in same.iter().filter_map(|&(_, i)| stems.get(i as usize)) {
            for (t, n) in total.iter_mut().zip(c) {
                *t = t.saturating_add(*n);
            }
        }
        (same.first().map_or("", |&(_, i)| text(i)), score(&total))
    }));
    let mut pairs: crate::hash::WordMap<String, u8> = crate::hash::WordMap::default();
    let mut pair = String::new();
    for (_, folded, bonus) in &fields {
        let Some(bonus) = *bonus else { continue };
        let mut last: Option<Cow<'_, str>> = None;
        for word in text::words(folded).filter(|w| !language.is_stop(w)) {
            let term = language.stem(word);
            if let Some(last) = &last {
                pair.clear();
                pair.push_str(last);
                pair.push(' ');
                pair.push_str(&term);
                match pairs.get_mut(pair.as_str()) {
                    Some(p) => *p = (*p).max(bonus),
                    None => {
                        pairs.insert(pair.clone(), bonus);
                    }
                }
            }
            last = Some(term);
        }
    }
    let mut pairs: Vec<(u64, String, u8)> = pairs
        .into_iter()
        .map(|(p, s)| (text::key(p.as_bytes()), p, s))
        .collect();
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let pairs = Terms::from_sorted(pairs.iter().map(|(_, p, s)| (p.as_str(), *s)));
    let meta = Meta {
        t: doc.title,
        u: doc.url,
        d: doc.description,
        s: doc.section,
        b: first_words(doc.body, BODY_WORDS),
    };
    let meta: Box<str> = serde_json::to_string(&meta).unwrap_or_default().into();
    let hash = crate::hash::of(&(&terms, &pairs, &meta));
    Entry {
        terms,
        pairs,
        meta,
        hash,
    }
}

/// The first `n` words of `text`, one space between each two.
fn first_words(text: &str, n: usize) -> String {
    let mut out = String::with_capacity(text.len().min(n * 8));
    for word in text.split_whitespace().take(n) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
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

/// The search files of `entries` (document `i` is `entries[i]`), under `url_prefix`: what a
/// fresh index makes, which the tests hold [`build`] and [`Live`]'s edits to.
#[cfg(test)]
pub fn assemble(
    language: Language,
    url_prefix: &str,
    entries: &[Arc<Entry>],
    offline: bool,
) -> Vec<Output> {
    Live::new(entries.to_vec()).outputs(language, url_prefix, offline, false)
}

/// Documents per run of [`build`] and [`Gather::add`]: enough to keep every thread busy, few
/// enough to hold. Two runs' entries and one run's postings are held at once, and they come
/// at the top of a one-off build's memory: at 10,000 articles 256 takes the build's peak 26 MB
/// below 512's, in the same time, and 128 another 10 MB below, a little slower.
const RUN: usize = 256;

/// The search files of `docs` (document `i` is `docs[i]`) for a one-off build, each handed
/// to `out` as soon as it is made. Entries are made a run of documents at a time, on the
/// thread pool, while the run before is folded into the posting lists; only each document's
/// hash is kept after that, so the terms of the whole site (about five million pairs at
/// 10,000 articles) are never held at once. The same files as [`assemble`] of every entry,
/// in another order: the documents' files first, then the shards, the manifest last.
pub fn build(
    language: Language,
    url_prefix: &str,
    docs: &[Doc<'_>],
    offline: bool,
    out: &mut Out<'_>,
) {
    use rayon::prelude::*;
    let make =
        |run: &[Doc<'_>]| -> Vec<Entry> { run.par_iter().map(|d| entry(language, d)).collect() };
    let folder = Folder {
        language,
        url_prefix,
        offline,
    };
    // Each file goes out as soon as it is made, so the index is never held whole: a
    // document's file as soon as its entry is folded into the lists, the lists' shards as they
    // are packed (freeing the lists as they go), and the manifest last.
    let mut clock = crate::Stopwatch::new();
    let (mut words, mut pairs) = (Gather::new(), Gather::new());
    let mut hashes: Vec<u64> = Vec::with_capacity(docs.len());
    let mut runs = docs.chunks(RUN);
    let mut current = runs.next().map(make);
    while let Some(entries) = current.take() {
        let next = runs.next();
        let (made, ()) = rayon::join(
            || next.map(make),
            || {
                let first = u32::try_from(hashes.len()).unwrap_or(u32::MAX);
                words.add(first, entries.iter().map(|e| &e.terms));
                pairs.add(first, entries.iter().map(|e| &e.pairs));
                for e in entries {
                    out(folder.file(&format!("d/{}", hashes.len()), e.meta.into()));
                    hashes.push(e.hash);
                }
            },
        );
        current = made;
    }
    clock.lap("search: entries, gathered");
    let (words, pairs) = rayon::join(|| words.into_parts(), || pairs.into_parts());
    clock.lap("search: lists sorted");
    let mut stamp = crate::hash::Hasher::default();
    let mut firsts: [Vec<Box<str>>; 2] = Default::default();
    for ((kind, parts), firsts) in [("w", words), ("p", pairs)].into_iter().zip(&mut firsts) {
        pack_once(parts, |first, json| {
            std::hash::Hasher::write_u64(&mut stamp, crate::hash::bytes(json.as_bytes()));
            out(folder.file(&format!("{kind}/{}", firsts.len()), json));
            firsts.push(first);
        });
    }
    for hash in &hashes {
        std::hash::Hasher::write_u64(&mut stamp, *hash);
    }
    let [words, pairs] = firsts.each_ref().map(|f| f.iter().map(|s| &**s).collect());
    out(folder.manifest(hashes.len(), [words, pairs], &stamp));
    clock.lap("search: packed");
}

/// Where a one-off build hands each file as it is made.
pub type Out<'o> = dyn FnMut(Output) + Send + 'o;

/// Lists for a one-off build per batch: enough to keep every thread busy while they are
/// encoded, few enough that their JSON is a small part of the index.
const PACK_BATCH: usize = 16_384;

/// Packs `parts` (each sorted by term, the parts in term order: [`Gather::into_parts`]) into
/// shards as [`Lists::pack`] does, handing each to `shard` (its first term and JSON) as soon as
/// it is full. The lists are encoded a batch at a time on the thread pool and freed as they go.
fn pack_once(parts: Vec<Vec<(Box<str>, Encoded)>>, mut shard: impl FnMut(Box<str>, String)) {
    use rayon::prelude::*;
    let mut parts = parts.into_iter().filter(|p| !p.is_empty()).peekable();
    let mut filling: Option<(Box<str>, String)> = None;
    while parts.peek().is_some() {
        let mut batch = Vec::new();
        let mut lists = 0;
        while lists < PACK_BATCH {
            let Some(part) = parts.next() else { break };
            lists += part.len();
            batch.push(part);
        }
        let encoded: Vec<Vec<(Box<str>, String)>> = batch
            .into_par_iter()
            .map(|part| {
                part.into_iter()
                    .map(|(term, encoded)| {
                        let json = list_json(&term, &encoded.text);
                        (term, json)
                    })
                    .collect()
            })
            .collect();
        for (term, part) in encoded.into_iter().flatten() {
            match &mut filling {
                Some((_, json)) if !overflows(json.len(), part.len()) => {
                    json.push(',');
                    json.push_str(&part);
                }
                _ => {
                    if let Some((first, mut json)) = filling.take() {
                        json.push('}');
                        shard(first, json);
                    }
                    let mut json = String::with_capacity(SHARD_BYTES + 64);
                    json.push('{');
                    json.push_str(&part);
                    filling = Some((term, json));
                }
            }
        }
    }
    if let Some((first, mut json)) = filling {
        json.push('}');
        shard(first, json);
    }
}

/// Whether a shard whose JSON is `length` bytes so far (`{`, its parts and the commas between
/// them) is full for a part of `part` bytes: it would pass [`SHARD_BYTES`] with the part, its
/// comma and the closing `}`. A shard always takes its first part, however long.
fn overflows(length: usize, part: usize) -> bool {
    length + part + 2 > SHARD_BYTES
}

/// A term's part of its shard, `"term":"postings"`, from its postings as [`encode`] writes them.
fn list_json(term: &str, encoded: &str) -> String {
    let mut json = String::with_capacity(term.len() + encoded.len() + 5);
    write_part(&mut json, term, |out| out.push_str(encoded));
    json
}

/// Writes a term's part of its shard, `"term":"postings"`, into `out` (emptied first, its
/// room kept), the postings' text by `postings`. A term with nothing to escape in JSON (every
/// folded word) is copied as it is.
fn write_part(out: &mut String, term: &str, postings: impl FnOnce(&mut String)) {
    out.clear();
    if term.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(term);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(term).unwrap_or_default());
    }
    out.push_str(":\"");
    postings(out);
    out.push('"');
}

/// Posting lists being gathered from documents in order, kept apart by the first two bytes of
/// their term: each part's table is small enough to stay in the processor's cache (one table
/// of every term was most of the index's time at 100,000 articles, waiting on memory), the
/// parts are filled in parallel, and the parts in the order of their bytes hold the terms in
/// order, so each is sorted alone.
struct Gather {
    /// Every part, made when its first term comes: most of the 65,536 are never used, and an
    /// empty part's two tables would take 64 bytes each.
    parts: Vec<Option<Box<Part>>>,
}

/// Values by word or term: words of at most eight bytes (most of them) found by their key, a
/// number hashed with one multiply (no word or term has a zero byte, so no two that short
/// share a key), longer ones by their text. A page's entry counts its words in one; each
/// [`Gather`] part keeps its posting lists in one.
#[derive(Debug)]
struct ByWord<S, V> {
    short: crate::hash::NumberMap<u64, (S, V)>,
    long: crate::hash::WordMap<S, V>,
}

impl<S, V> Default for ByWord<S, V> {
    fn default() -> Self {
        Self {
            short: Default::default(),
            long: Default::default(),
        }
    }
}

impl<S: std::borrow::Borrow<str> + std::hash::Hash + Eq, V: Default> ByWord<S, V> {
    /// Room for `n` short words before the table grows.
    fn with_capacity(n: usize) -> Self {
        Self {
            short: crate::hash::NumberMap::with_capacity_and_hasher(n, Default::default()),
            long: Default::default(),
        }
    }

    /// Calls `f` with the value of `word`, made with `V::default()` the first time (and `word`
    /// stored as an `S` then, never on later calls).
    fn update<'w>(&mut self, word: &'w str, f: impl FnOnce(&mut V))
    where
        S: From<&'w str>,
    {
        if word.len() <= 8 {
            let (_, value) = self
                .short
                .entry(text::key(word.as_bytes()))
                .or_insert_with(|| (S::from(word), V::default()));
            f(value);
        } else if let Some(value) = self.long.get_mut(word) {
            f(value);
        } else {
            f(self.long.entry(S::from(word)).or_default());
        }
    }

    /// How many words there are.
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// Every word and its value, in no order.
    fn iter(&self) -> impl Iterator<Item = (&S, &V)> {
        let short = self.short.values().map(|(word, value)| (word, value));
        short.chain(&self.long)
    }

    /// Every word and its value, in no order.
    fn into_iter(self) -> impl Iterator<Item = (S, V)> {
        self.short.into_values().chain(self.long)
    }
}

/// The lists of one [`Gather`] part.
type Part = ByWord<Box<str>, Encoded>;

/// A term's documents, in order, each with the term's score there.
type Postings = Vec<(u32, u8)>;

/// A term's postings as they are gathered, encoded as they come (a third of the memory of
/// [`Postings`]): the text [`encode`] makes of them, and the last document's number, which
/// the next gap is counted from.
#[derive(Debug, Default)]
struct Encoded {
    last: u32,
    text: String,
}

impl Encoded {
    /// Document `doc` (after every document so far) has the term with `score`.
    fn push(&mut self, doc: u32, score: u8) {
        vlq(&mut self.text, doc.saturating_sub(self.last));
        vlq(&mut self.text, u32::from(score));
        self.last = doc;
    }

    /// The postings again.
    fn postings(&self) -> Postings {
        let mut postings = Vec::with_capacity(self.text.len() / 2);
        let (mut number, mut shift, mut gap, mut last) = (0u32, 0u32, None, 0u32);
        for byte in self.text.bytes() {
            let digit = digit(byte);
            number |= (digit & 31).checked_shl(shift).unwrap_or(0);
            shift += 5;
            if digit & 32 == 0 {
                match gap.take() {
                    None => gap = Some(number),
                    Some(g) => {
                        last = last.saturating_add(g);
                        postings.push((last, u8::try_from(number).unwrap_or(u8::MAX)));
                    }
                }
                (number, shift) = (0, 0);
            }
        }
        postings
    }
}

impl Gather {
    /// How many parts: one for each first two bytes.
    const PARTS: usize = 1 << 16;

    fn new() -> Self {
        Self {
            parts: (0..Self::PARTS).map(|_| Default::default()).collect(),
        }
    }

    /// The part of a term: its first two bytes (a one-byte term's second is taken as 0, which
    /// sorts before any longer term with the same first byte, as the term does).
    fn part(term: &str) -> usize {
        match term.as_bytes() {
            [a, b, ..] => usize::from(*a) << 8 | usize::from(*b),
            [a] => usize::from(*a) << 8,
            [] => 0,
        }
    }

    /// The terms of documents `first`, `first + 1`, ... join their lists.
    fn add<'a>(&mut self, first: u32, docs: impl Iterator<Item = &'a Terms>) {
        use rayon::prelude::*;
        // Every posting with its part, put in order of part by counting (keeping the order of
        // documents within a part), then each part's postings go into its table.
        let mut postings: Vec<(u16, &str, u32, u8)> = Vec::new();
        for (i, terms) in docs.enumerate() {
            let doc = first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
            postings.extend(terms.iter().map(|(term, score)| {
                let part = u16::try_from(Self::part(term)).unwrap_or(u16::MAX);
                (part, term, doc, score)
            }));
        }
        let mut starts = vec![0usize; Self::PARTS + 1];
        for posting in &postings {
            starts[usize::from(posting.0) + 1] += 1;
        }
        for p in 0..Self::PARTS {
            starts[p + 1] += starts[p];
        }
        let mut next = starts.clone();
        let mut sorted: Vec<(&str, u32, u8)> = vec![("", 0, 0); postings.len()];
        for (part, term, doc, score) in postings {
            let at = &mut next[usize::from(part)];
            sorted[*at] = (term, doc, score);
            *at += 1;
        }
        self.parts
            .par_iter_mut()
            .enumerate()
            .filter(|(p, _)| starts[*p] < starts[p + 1])
            .for_each(|(p, lists)| {
                let lists = lists.get_or_insert_with(Box::default);
                for &(term, doc, score) in &sorted[starts[p]..starts[p + 1]] {
                    lists.update(term, |list| list.push(doc, score));
                }
            });
    }

    /// The gathered lists, each part sorted by term, the parts in term order.
    fn into_parts(self) -> Vec<Vec<(Box<str>, Encoded)>> {
        use rayon::prelude::*;
        self.parts
            .into_par_iter()
            .map(|part| {
                let mut part: Vec<(Box<str>, Encoded)> =
                    part.map(|p| p.into_iter().collect()).unwrap_or_default();
                part.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                part
            })
            .collect()
    }

    /// The gathered lists, sorted by term.
    fn lists(self) -> Lists {
        Lists::in_order(self.into_parts().into_iter().flatten())
    }
}

/// An index kept between `serve` rebuilds: the entries, every term's posting list and its
/// encoding, and the shards last made, so that a rebuild after a few documents changed (or
/// moved) re-encodes only their terms' lists, packs again only the shards those are in, and
/// [`Live::outputs`] can name just the files that changed.
#[derive(Debug, Clone, Default)]
pub struct Live {
    entries: Vec<Arc<Entry>>,
    words: Lists,
    pairs: Lists,
    /// Documents whose entry (or number) changed since the last outputs.
    replaced: Vec<usize>,
}

impl Live {
    /// The index of `entries`, document `i` being `entries[i]`.
    pub fn new(entries: Vec<Arc<Entry>>) -> Self {
        let (words, pairs) = rayon::join(
            || Lists::of(&entries, |e| &e.terms),
            || Lists::of(&entries, |e| &e.pairs),
        );
        Self {
            replaced: (0..entries.len()).collect(),
            entries,
            words,
            pairs,
        }
    }

    /// Whether `name` (a path inside the index's folder: `w/3.json`, `manifest.json`) is one
    /// of the files [`Live::outputs`] gives for this index.
    pub fn has_file(&self, name: &str, offline: bool) -> bool {
        let Some((kind, number)) = name.split_once('/') else {
            return name == file_name("manifest", offline);
        };
        let count = match kind {
            "w" => self.words.shards.len(),
            "p" => self.pairs.shards.len(),
            "d" => self.entries.len(),
            _ => return false,
        };
        number
            .split_once('.')
            .and_then(|(n, _)| n.parse::<usize>().ok())
            .is_some_and(|n| n < count && name == file_name(&format!("{kind}/{n}"), offline))
    }

    /// The entries, in document order.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// Document `doc`'s entry is now `entry`: only the terms whose score changed, appeared or
    /// went away touch their lists.
    pub fn replace(&mut self, doc: usize, entry: Arc<Entry>) {
        let Some(old) = self.entries.get_mut(doc) else {
            return;
        };
        let n = u32::try_from(doc).unwrap_or(u32::MAX);
        let old = std::mem::replace(old, Arc::clone(&entry));
        self.change(n, Some(&old), Some(&entry));
        self.replaced.push(doc);
    }

    /// The documents are now `entries`, in a new order: `from[i]` is the number new document
    /// `i` had before when its entry is unchanged (`None` for a new or changed entry). The
    /// lists of the documents that moved get their numbers again; those of new, changed and
    /// removed documents are edited as [`Live::replace`] does. The result is what
    /// [`Live::new`] makes of `entries`.
    pub fn reorder(&mut self, entries: Vec<Arc<Entry>>, from: &[Option<usize>]) {
        let old = std::mem::take(&mut self.entries);
        let mut kept = vec![false; old.len()];
        for &o in from.iter().flatten() {
            if let Some(k) = kept.get_mut(o) {
                *k = true;
            }
        }
        // Documents gone, or whose entry changed: their postings leave under their old number.
        for (o, e) in old.iter().enumerate() {
            if !kept[o] {
                self.change(u32::try_from(o).unwrap_or(u32::MAX), Some(e), None);
            }
        }
        // Documents kept under a new number: their lists are numbered again.
        let mut number = vec![u32::MAX; old.len()];
        let mut moved = Vec::new();
        for (i, o) in from.iter().enumerate() {
            if let Some(o) = *o {
                if let Some(slot) = number.get_mut(o) {
                    *slot = u32::try_from(i).unwrap_or(u32::MAX);
                }
                if o != i && o < old.len() {
                    moved.push(o);
                }
            }
        }
        if moved.len() * 4 > old.len() {
            // Most documents moved (an article new at the top of the order moves every one):
            // every list is numbered again, and packed afresh.
            self.words.renumber_all(&number);
            self.pairs.renumber_all(&number);
        } else {
            self.words
                .renumber(&number, moved.iter().map(|&o| &old[o].terms));
            self.pairs
                .renumber(&number, moved.iter().map(|&o| &old[o].pairs));
        }
        // New and changed documents: their postings join under their new number.
        for (i, e) in entries.iter().enumerate() {
            if from.get(i).is_none_or(Option::is_none) {
                self.change(u32::try_from(i).unwrap_or(u32::MAX), None, Some(e));
            }
        }
        self.replaced.extend(
            (0..entries.len()).filter(|&i| old.get(i).is_none_or(|o| !Arc::ptr_eq(o, &entries[i]))),
        );
        self.entries = entries;
    }

    /// Document `n`'s entry was `old` and is `new` (`None`: it had none, or has none now): the
    /// word and phrase lists of the terms that differ are edited.
    fn change(&mut self, n: u32, old: Option<&Entry>, new: Option<&Entry>) {
        let none = Terms::default();
        let (old_terms, new_terms) = (
            old.map_or(&none, |e| &e.terms),
            new.map_or(&none, |e| &e.terms),
        );
        self.words.change(n, old_terms.iter(), new_terms.iter());
        let (old_pairs, new_pairs) = (
            old.map_or(&none, |e| &e.pairs),
            new.map_or(&none, |e| &e.pairs),
        );
        self.pairs.change(n, old_pairs.iter(), new_pairs.iter());
    }

    /// The search files under `url_prefix`: all of them, or with `changed` only those that
    /// differ from the last call's.
    pub fn outputs(
        &mut self,
        language: Language,
        url_prefix: &str,
        offline: bool,
        changed: bool,
    ) -> Vec<Output> {
        let mut replaced = std::mem::take(&mut self.replaced);
        replaced.sort_unstable();
        replaced.dedup();
        let docs = self.entries.iter().map(|e| (e.hash, &*e.meta));
        let wanted = |doc: usize| !changed || replaced.binary_search(&doc).is_ok();
        let folder = Folder {
            language,
            url_prefix,
            offline,
        };
        folder.files([&mut self.words, &mut self.pairs], docs, wanted, changed)
    }
}

/// The output folder of the index of the language whose URLs start with `url_prefix`
/// (`search-index`, `es/search-index`).
pub fn folder(url_prefix: &str) -> String {
    match url_prefix.trim_matches('/') {
        "" => FOLDER.to_owned(),
        prefix => format!("{prefix}/{FOLDER}"),
    }
}

/// The name of an index file inside its folder: `w/3.json`, or `w/3.js` offline.
fn file_name(stem: &str, offline: bool) -> String {
    if offline {
        format!("{stem}.js")
    } else {
        format!("{stem}.json")
    }
}

/// Where a language's search files go, and in which form.
struct Folder<'a> {
    language: Language,
    url_prefix: &'a str,
    /// Classic scripts for `file://` instead of JSON.
    offline: bool,
}

impl Folder<'_> {
    /// The files of an index: the word and phrase lists packed into shards (every shard, or
    /// with `changed` only those new since the last pack), each document's file whose number
    /// is `wanted`, and the manifest. `docs` gives each document's hash and metadata, in order.
    fn files<'d>(
        &self,
        [words, pairs]: [&mut Lists; 2],
        docs: impl ExactSizeIterator<Item = (u64, &'d str)>,
        wanted: impl Fn(usize) -> bool,
        changed: bool,
    ) -> Vec<Output> {
        rayon::join(|| words.pack(), || pairs.pack());
        let mut stamp = crate::hash::Hasher::default();
        let mut outputs = Vec::new();
        for (kind, lists) in [("w", &*words), ("p", &*pairs)] {
            for (i, shard) in lists.shards.iter().enumerate() {
                std::hash::Hasher::write_u64(&mut stamp, shard.hash);
                if !changed || shard.fresh {
                    outputs.push(self.file(&format!("{kind}/{i}"), shard.json.clone()));
                }
            }
        }
        let count = docs.len();
        for (i, (hash, meta)) in docs.enumerate() {
            std::hash::Hasher::write_u64(&mut stamp, hash);
            if wanted(i) {
                outputs.push(self.file(&format!("d/{i}"), meta.to_owned()));
            }
        }
        let [words, pairs] =
            [&*words, &*pairs].map(|l| l.shards.iter().map(|s| &*s.first).collect());
        outputs.push(self.manifest(count, [words, pairs], &stamp));
        outputs
    }

    /// The file `name` (`w/3`, `d/12`, `manifest`) holding `json`: the JSON itself online,
    /// a classic script that hands it to `window.siteSearch.add` offline.
    fn file(&self, name: &str, json: String) -> Output {
        Output {
            path: format!(
                "{}/{}",
                folder(self.url_prefix),
                file_name(name, self.offline)
            ),
            bytes: if self.offline {
                format!("window.siteSearch.add(\"{name}\",{json});\n").into_bytes()
            } else {
                json.into_bytes()
            },
        }
    }

    /// The manifest of an index of `docs` documents whose word and phrase shards begin with
    /// `firsts`, stamped with the hash of every other file (`stamp`).
    fn manifest(
        &self,
        docs: usize,
        [words, pairs]: [Vec<&str>; 2],
        stamp: &crate::hash::Hasher,
    ) -> Output {
        let language = self.language;
        let manifest = Manifest {
            format: FORMAT,
            lang: language.code,
            fold: [text::FOLD_FROM, text::FOLD_TO],
            stop: language.stop,
            suffixes: language.suffixes,
            min_stem: text::MIN_STEM,
            max_word: text::MAX_WORD,
            docs,
            words,
            pairs,
            stamp: format!("{:016x}", std::hash::Hasher::finish(stamp)),
        };
        self.file(
            "manifest",
            serde_json::to_string(&manifest).unwrap_or_default(),
        )
    }
}

/// Every term's posting list (document, score), in document order and by term, with its part
/// of a shard made once and kept until the list changes; and the shards last packed. Packing
/// again after a few lists changed copies only the shards they are in.
#[derive(Debug, Clone, Default)]
struct Lists {
    lists: std::collections::BTreeMap<Box<str>, List>,
    /// The terms whose list changed, appeared or went away since the last pack.
    dirty: std::collections::BTreeSet<Box<str>>,
    /// The shards of the last pack, in term order.
    shards: Vec<Shard>,
}

#[derive(Debug, Clone, Default)]
struct List {
    postings: Vec<(u32, u8)>,
    /// The term's part of its shard, `"term":"postings"`, or empty when the list changed since.
    json: String,
}

impl List {
    /// Gives its documents their new numbers (`number[old]`), in document order again, and
    /// says whether any number changed: its part of a shard is then to be made anew.
    fn renumber(&mut self, number: &[u32]) -> bool {
        let mut moved = false;
        for posting in &mut self.postings {
            if let Some(&n) = number.get(posting.0 as usize) {
                moved |= n != posting.0;
                posting.0 = n;
            }
        }
        if moved {
            if !self.postings.is_sorted_by_key(|p| p.0) {
                self.postings.sort_unstable_by_key(|p| p.0);
            }
            self.json.clear();
        }
        moved
    }

    /// Makes its part of a shard, `"term":"postings"`, again.
    fn encode(&mut self, term: &str) {
        let List { postings, json } = self;
        write_part(json, term, |out| encode_into(out, postings));
    }
}

/// One shard: its first term, how many terms it holds, its JSON object, and whether it is new
/// since the pack before.
#[derive(Debug, Clone)]
struct Shard {
    first: Box<str>,
    terms: usize,
    json: String,
    /// The JSON's hash, which the manifest's stamp is made of (one number a shard, so a pack
    /// that keeps most shards does not read them all again).
    hash: u64,
    fresh: bool,
}

impl Lists {
    /// The lists of `entries`, as `field` gives each one's terms, gathered a run of entries
    /// at a time as a one-off build gathers them.
    fn of(entries: &[Arc<Entry>], field: impl Fn(&Entry) -> &Terms) -> Self {
        let mut gather = Gather::new();
        for (r, run) in entries.chunks(RUN).enumerate() {
            let first = u32::try_from(r * RUN).unwrap_or(u32::MAX);
            gather.add(first, run.iter().map(|e| field(e)));
        }
        gather.lists()
    }

    /// Lists from each term's postings, given in term order, each term once; not packed yet.
    fn in_order(lists: impl Iterator<Item = (Box<str>, Encoded)>) -> Self {
        Self {
            lists: lists
                .map(|(term, encoded)| {
                    let postings = encoded.postings();
                    let json = String::new();
                    (term, List { postings, json })
                })
                .collect(),
            dirty: Default::default(),
            shards: Vec::new(),
        }
    }

    /// Document `doc`'s terms were `old` and are `new` (each sorted by term): the lists of the
    /// terms that appeared, went away or changed their score are edited.
    fn change<'a>(
        &mut self,
        doc: u32,
        old: impl Iterator<Item = (&'a str, u8)>,
        new: impl Iterator<Item = (&'a str, u8)>,
    ) {
        let (mut a, mut b) = (old.peekable(), new.peekable());
        loop {
            let order = match (a.peek(), b.peek()) {
                (None, None) => return,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.0.cmp(y.0),
            };
            match order {
                std::cmp::Ordering::Less => {
                    if let Some((term, _)) = a.next() {
                        self.remove(doc, term);
                    }
                }
                std::cmp::Ordering::Greater => {
                    if let Some((term, score)) = b.next() {
                        self.insert(doc, term, score);
                    }
                }
                std::cmp::Ordering::Equal => {
                    if let (Some(x), Some((term, score))) = (a.next(), b.next()) {
                        if x.1 != score {
                            self.insert(doc, term, score);
                        }
                    }
                }
            }
        }
    }

    fn remove(&mut self, doc: u32, term: &str) {
        let Some(list) = self.lists.get_mut(term) else {
            return;
        };
        if let Ok(at) = list.postings.binary_search_by_key(&doc, |p| p.0) {
            list.postings.remove(at);
            list.json.clear();
            self.dirty.insert(term.into());
        }
        if list.postings.is_empty() {
            self.lists.remove(term);
        }
    }

    fn insert(&mut self, doc: u32, term: &str, score: u8) {
        let list = match self.lists.get_mut(term) {
            Some(list) => list,
            None => self.lists.entry(term.into()).or_default(),
        };
        match list.postings.binary_search_by_key(&doc, |p| p.0) {
            Ok(at) => list.postings[at].1 = score,
            Err(at) => list.postings.insert(at, (doc, score)),
        }
        list.json.clear();
        self.dirty.insert(term.into());
    }

    /// Gives the documents new numbers (`number[old]`) in the lists of `terms` (the terms of
    /// the documents that moved): every posting in those lists is renumbered, and the lists
    /// put in document order again.
    fn renumber<'a>(&mut self, number: &[u32], terms: impl Iterator<Item = &'a Terms>) {
        let mut touched: Vec<&str> = terms.flat_map(|t| t.iter().map(|(t, _)| t)).collect();
        touched.sort_unstable();
        touched.dedup();
        for term in touched {
            let Some(list) = self.lists.get_mut(term) else {
                continue;
            };
            if list.renumber(number) {
                self.dirty.insert(term.into());
            }
        }
    }

    /// [`Lists::renumber`] for every list, without finding the terms first, each list whose
    /// numbers changed encoded again while it is at hand; the next pack makes every shard again.
    fn renumber_all(&mut self, number: &[u32]) {
        use rayon::prelude::*;
        self.lists.par_iter_mut().for_each(|(term, list)| {
            if list.renumber(number) {
                list.encode(term);
            }
        });
        self.dirty.clear();
        self.shards.clear();
    }

    /// Packs every term's part, in term order, into shards of about [`SHARD_BYTES`]
    /// (`Lists::shards`): the same shards every time for the same lists. A shard that starts
    /// where one of the last pack started, holds as many terms, and none that changed since,
    /// is that shard again, not made anew.
    fn pack(&mut self) {
        use rayon::prelude::*;
        use std::ops::Bound;
        if self.shards.is_empty() || self.dirty.len() > 1024 {
            self.lists
                .par_iter_mut()
                .filter(|(_, list)| list.json.is_empty())
                .for_each(|(term, list)| list.encode(term));
        } else {
            for term in &self.dirty {
                if let Some(list) = self.lists.get_mut(&**term) {
                    list.encode(term);
                }
            }
        }
        let mut old = std::mem::take(&mut self.shards);
        // Each old shard's JSON, moved into the same shard of this pack when it is that again.
        let mut kept: Vec<String> = old
            .iter_mut()
            .map(|s| std::mem::take(&mut s.json))
            .collect();
        let mut again = |o: usize, shard: &Shard| Shard {
            first: shard.first.clone(),
            terms: shard.terms,
            json: kept.get_mut(o).map(std::mem::take).unwrap_or_default(),
            hash: shard.hash,
            fresh: false,
        };
        let old = old;
        let dirty = std::mem::take(&mut self.dirty);
        let unchanged = |from: &str, to: Bound<&str>| {
            dirty
                .range::<str, _>((Bound::Included(from), to))
                .next()
                .is_none()
        };
        let mut shards: Vec<Shard> = Vec::with_capacity(old.len());
        // The next old shard that may start where a new one starts.
        let mut o = 0;
        // Where the next shard starts.
        let mut at: Bound<&str> = Bound::Unbounded;
        while let Some((first, _)) = self.lists.range::<str, _>((at, Bound::Unbounded)).next() {
            let first: &str = first;
            while old.get(o).is_some_and(|s| &*s.first < first) {
                o += 1;
            }
            // An old shard starting here whose terms, and the first term after them (which
            // closed it), are all unchanged is that shard again: its terms are not read.
            if let Some(shard) = old.get(o).filter(|s| &*s.first == first) {
                let next = old.get(o + 1).map(|n| &*n.first);
                if unchanged(first, next.map_or(Bound::Unbounded, Bound::Included)) {
                    shards.push(again(o, shard));
                    o += 1;
                    match next {
                        Some(next) => at = Bound::Included(next),
                        None => break,
                    }
                    continue;
                }
            }
            // Filled term by term: its parts, and its length as JSON (`{`, the parts and a
            // comma between each two).
            let mut parts: Vec<(&str, &str)> = Vec::new();
            let mut length = 0;
            let mut after = None;
            for (term, list) in self.lists.range::<str, _>((at, Bound::Unbounded)) {
                if !parts.is_empty() && overflows(length, list.json.len()) {
                    after = Some(&**term);
                    break;
                }
                length = if parts.is_empty() { 1 } else { length + 1 } + list.json.len();
                parts.push((term, &list.json));
            }
            let last = parts.last().map_or(first, |p| p.0);
            let same = old.get(o).filter(|s| {
                &*s.first == first
                    && s.terms == parts.len()
                    && unchanged(first, Bound::Included(last))
            });
            shards.push(match same {
                Some(shard) => again(o, shard),
                None => {
                    let mut json = String::with_capacity(SHARD_BYTES + 64);
                    json.push('{');
                    for (i, (_, part)) in parts.iter().enumerate() {
                        if i > 0 {
                            json.push(',');
                        }
                        json.push_str(part);
                    }
                    json.push('}');
                    Shard {
                        first: first.into(),
                        terms: parts.len(),
                        hash: crate::hash::bytes(json.as_bytes()),
                        json,
                        fresh: true,
                    }
                }
            });
            match after {
                Some(after) => at = Bound::Included(after),
                None => break,
            }
        }
        self.shards = shards;
    }
}

/// A posting list as a string: gap and score per document, each [`vlq`].
#[cfg(test)]
fn encode(list: &[(u32, u8)]) -> String {
    let mut text = String::with_capacity(list.len() * 2);
    encode_into(&mut text, list);
    text
}

/// Appends [`encode`] of `list` to `out`.
fn encode_into(out: &mut String, list: &[(u32, u8)]) {
    let mut last = 0;
    for &(doc, score) in list {
        vlq(out, doc.saturating_sub(last));
        vlq(out, u32::from(score));
        last = doc;
    }
}

const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The value of a character of [`DIGITS`] (0 for any other).
fn digit(byte: u8) -> u32 {
    u32::from(match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => 0,
    })
}

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

    fn entries_of(language: Language, docs: &[Doc<'_>]) -> Vec<Arc<Entry>> {
        docs.iter().map(|d| Arc::new(entry(language, d))).collect()
    }

    /// Every word term and its encoded postings, sorted.
    fn word_lists(live: &Live) -> Vec<(&str, String)> {
        let mut lists: Vec<(&str, String)> = live
            .words
            .lists
            .iter()
            .map(|(t, l)| (&**t, encode(&l.postings)))
            .collect();
        lists.sort();
        lists
    }

    #[test]
    fn an_index_has_exactly_the_files_it_gives() {
        let bodies = ["alpha beta", "beta gamma", "gamma delta"];
        let docs: Vec<Doc<'_>> = bodies.iter().map(|b| doc("Title", "/x/", b)).collect();
        let mut live = Live::new(entries_of(ENGLISH, &docs));
        for offline in [false, true] {
            let files = live.outputs(ENGLISH, "/es", offline, false);
            for file in &files {
                let name = file
                    .path
                    .strip_prefix("es/search-index/")
                    .expect("in its folder");
                assert!(live.has_file(name, offline), "{name}");
                assert!(!live.has_file(name, !offline), "{name} in the other form");
            }
            let ext = if offline { "js" } else { "json" };
            for name in [
                "d/3",
                "d/03",
                "w/9",
                "x/0",
                "d/x",
                "manifest.txt",
                "d/1.json.bak",
            ] {
                assert!(!live.has_file(&format!("{name}.{ext}"), offline), "{name}");
            }
        }
    }

    #[test]
    fn replacing_an_entry_makes_what_a_fresh_index_makes() {
        let bodies = ["alpha beta", "beta gamma", "gamma delta", "delta alpha"];
        let docs: Vec<Doc<'_>> = bodies
            .iter()
            .map(|b| doc("Title words", "/x/", b))
            .collect();
        let mut live = Live::new(entries_of(ENGLISH, &docs));
        let first = live.outputs(ENGLISH, "", false, false);
        assert!(
            live.outputs(ENGLISH, "", false, true).len() == 1,
            "only the manifest"
        );
        let mut edited = docs.clone();
        edited[1].body = "epsilon beta beta";
        edited[1].title = "Other title";
        let fresh = assemble(ENGLISH, "", &entries_of(ENGLISH, &edited), false);
        live.replace(1, Arc::new(entry(ENGLISH, &edited[1])));
        let changed = live.outputs(ENGLISH, "", false, true);
        let mut all = first.clone();
        for c in &changed {
            match all.iter_mut().find(|o| o.path == c.path) {
                Some(o) => *o = c.clone(),
                None => all.push(c.clone()),
            }
        }
        all.sort_by(|a, b| a.path.cmp(&b.path));
        let mut fresh = fresh;
        fresh.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(all, fresh);
        assert!(changed.iter().any(|o| o.path == "search-index/d/1.json"));
        assert!(!changed.iter().any(|o| o.path == "search-index/d/0.json"));
    }

    /// The files a server holds after `changed` (a rebuild's changed files) replace theirs in
    /// `served`; a file no longer made is one the manifest no longer names.
    fn serve(served: &mut Vec<Output>, changed: Vec<Output>) {
        for c in changed {
            match served.iter_mut().find(|o| o.path == c.path) {
                Some(o) => *o = c,
                None => served.push(c),
            }
        }
    }

    /// Only the files a fresh index names, sorted: what a browser can reach.
    fn reachable(mut files: Vec<Output>, fresh: &[Output]) -> Vec<Output> {
        files.retain(|f| fresh.iter().any(|g| g.path == f.path));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// One step of edits: from the documents before, the documents after and, for each, its
    /// number before when its entry is the same.
    type Step<'a> = dyn Fn(&[Arc<Entry>]) -> (Vec<Arc<Entry>>, Vec<Option<usize>>) + 'a;

    #[test]
    fn a_kept_index_edited_and_reordered_serves_what_a_fresh_index_makes() {
        // Enough documents and words for many shards of both kinds.
        let texts: Vec<(String, String)> = (0..1500)
            .map(|i| {
                (
                    format!("Title {} of w{} and w{}", i % 97, i % 13, i % 31),
                    format!(
                        "word{i} common w{} text{} naltrexone n{}",
                        i % 7,
                        i % 11,
                        i / 3
                    ),
                )
            })
            .collect();
        let docs: Vec<Doc<'_>> = texts.iter().map(|(t, b)| doc(t, "/x/", b)).collect();
        let mut entries = entries_of(ENGLISH, &docs);
        let mut live = Live::new(entries.clone());
        let mut served = live.outputs(ENGLISH, "", false, false);
        assert!(
            live.words.shards.len() > 4 && live.pairs.shards.len() > 2,
            "{} word shards, {} phrase shards",
            live.words.shards.len(),
            live.pairs.shards.len()
        );
        let fresh_entry =
            |title: &str, body: &str| Arc::new(entry(ENGLISH, &doc(title, "/x/", body)));
        // Every document kept, under its number.
        let kept = |e: &[Arc<Entry>]| -> Vec<(Arc<Entry>, Option<usize>)> {
            e.iter()
                .cloned()
                .enumerate()
                .map(|(i, x)| (x, Some(i)))
                .collect()
        };
        // Each step: the new documents, and for each its old number when unchanged.
        let steps: Vec<Box<Step<'_>>> = vec![
            // One document changed in place.
            Box::new(|e: &[Arc<Entry>]| {
                let mut next = e.to_vec();
                next[700] = fresh_entry("Edited title", "a brand new zzzword body");
                let from = (0..e.len()).map(|i| (i != 700).then_some(i)).collect();
                (next, from)
            }),
            // One document moved from near the end to the front, another a few places.
            Box::new(|e: &[Arc<Entry>]| {
                let mut order: Vec<usize> = (0..e.len()).collect();
                let last = order.remove(1400);
                order.insert(0, last);
                let third = order.remove(300);
                order.insert(305, third);
                (
                    order.iter().map(|&o| Arc::clone(&e[o])).collect(),
                    order.into_iter().map(Some).collect(),
                )
            }),
            // One added in the middle, one removed, one changed and moved.
            Box::new(|e: &[Arc<Entry>]| {
                let mut next = kept(e);
                next.remove(20);
                next.insert(800, (fresh_entry("New page", "aaa new words alpha"), None));
                let moved = next.remove(1000);
                next.insert(
                    10,
                    (fresh_entry("Moved and edited", "word1000 text3"), None),
                );
                drop(moved);
                next.into_iter().unzip()
            }),
            // One added at the front and the last removed: every document moves, so every
            // list is numbered again at once.
            Box::new(|e: &[Arc<Entry>]| {
                let mut next = kept(e);
                next.pop();
                next.insert(0, (fresh_entry("Newest page", "word3 fresh words"), None));
                next.into_iter().unzip()
            }),
        ];
        for (k, step) in steps.iter().enumerate() {
            let (next, from) = step(&entries);
            let fresh = assemble(ENGLISH, "", &next, false);
            if from
                .iter()
                .enumerate()
                .all(|(i, f)| *f == Some(i) || f.is_none())
                && next.len() == entries.len()
            {
                for (i, f) in from.iter().enumerate() {
                    if f.is_none() {
                        live.replace(i, Arc::clone(&next[i]));
                    }
                }
            } else {
                live.reorder(next.clone(), &from);
            }
            let changed = live.outputs(ENGLISH, "", false, true);
            if k == 0 {
                // One document's terms: its file, a few shards and the manifest.
                assert!(
                    changed.len() < 20,
                    "{} of {} files made again",
                    changed.len(),
                    fresh.len()
                );
            }
            serve(&mut served, changed);
            let mut want = fresh.clone();
            want.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(reachable(served.clone(), &fresh), want, "step {k}");
            entries = next;
        }
    }

    /// Decodes a posting string back into (document, score) pairs.
    fn decode(s: &str) -> Vec<(u32, u32)> {
        let encoded = Encoded {
            last: 0,
            text: s.to_owned(),
        };
        encoded
            .postings()
            .into_iter()
            .map(|(doc, score)| (doc, u32::from(score)))
            .collect()
    }

    #[test]
    fn shards_follow_random_edits_as_a_fresh_index_packs_them() {
        // Few words in many documents: long lists whose lengths every edit changes, so shard
        // boundaries move (a shard's closing term growing or shrinking) from step to step.
        let words: Vec<String> = (0..300).map(|i| format!("term{i:03}x")).collect();
        let mut rng = crate::corpus::Rng::new(0x5eed_1234_abcd_0001);
        let body = |rng: &mut crate::corpus::Rng| {
            let n = 10 + rng.below(50);
            (0..n)
                .map(|_| words[rng.below(words.len())].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut bodies: Vec<String> = (0..1200).map(|_| body(&mut rng)).collect();
        let entries_now = |bodies: &[String]| -> Vec<Arc<Entry>> {
            let docs: Vec<Doc<'_>> = bodies.iter().map(|b| doc("Title", "/x/", b)).collect();
            entries_of(ENGLISH, &docs)
        };
        let mut live = Live::new(entries_now(&bodies));
        let mut served = live.outputs(ENGLISH, "", false, false);
        assert!(live.words.shards.len() >= 8, "{}", live.words.shards.len());
        for step in 0..60 {
            let mut edits: Vec<(usize, String)> = (0..1 + rng.below(3))
                .map(|_| (rng.below(bodies.len()), body(&mut rng)))
                .collect();
            if step % 20 == 10 {
                // Only this: the term that closed a shard (the first of the next) keeps one
                // document, so its part shrinks and the shard before, unchanged itself, may
                // take it now.
                edits.clear();
                let closing = live.words.shards[step / 20 + 1].first.to_string();
                let having: Vec<usize> = (0..bodies.len())
                    .filter(|&d| bodies[d].split(' ').any(|w| w == closing))
                    .collect();
                assert!(having.len() > 10, "{closing} in {} documents", having.len());
                edits.extend(having[1..].iter().map(|&d| {
                    let kept: Vec<&str> = bodies[d].split(' ').filter(|w| *w != closing).collect();
                    (d, kept.join(" "))
                }));
            }
            for (d, text) in edits {
                bodies[d] = text;
                let edited = entries_now(&bodies[d..=d]).remove(0);
                live.replace(d, edited);
            }
            let fresh = assemble(ENGLISH, "", &entries_now(&bodies), false);
            serve(&mut served, live.outputs(ENGLISH, "", false, true));
            let mut want = fresh.clone();
            want.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(reachable(served.clone(), &fresh), want, "step {step}");
        }
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
        let score = |t: &str| e.terms.iter().find(|(x, _)| *x == t).map(|(_, s)| s);
        assert_eq!(score("drink"), Some(12 + 6 + 4 + 6));
        assert_eq!(score("alcohol"), Some(2));
        assert_eq!(score("less"), Some(6));
        assert!(e
            .pairs
            .iter()
            .any(|(p, s)| p == "drink less" && s == PAIR_OTHER));
    }

    #[test]
    fn an_entry_holds_each_term_once_in_order_with_the_occurrences_of_all_its_words() {
        // Words that share their first eight bytes, words of one stem, stop words, accents,
        // digits and a word too long to index.
        let body = "treatments treatment treating treated treatmentplan pharmacology \
            pharmacologist pharmacologists the and of a inyección inyecciones naïve 2024 \
            abcdefghabcdefghabcdefghabcdefghabcdefghz drinks drinking drink takes taking";
        for language in [ENGLISH, SPANISH] {
            let d = Doc {
                title: "Treatment of drinking",
                url: "/a/",
                description: "Pharmacology, treated.",
                section: "Alcohol",
                keys: vec!["Taking treatments", "Drinks"],
                body,
            };
            let e = entry(language, &d);
            // The same counts the slow way: every word of every field, stemmed, per field.
            let fields = [
                d.title,
                d.keys[0],
                d.keys[1],
                d.description,
                d.section,
                d.body,
            ];
            let field_of = [0, 1, 1, 2, 3, 4];
            let mut counts: std::collections::BTreeMap<String, [u16; 5]> = Default::default();
            for (text, &field) in fields.iter().zip(&field_of) {
                for term in language.terms(text) {
                    counts.entry(term).or_default()[field] += 1;
                }
            }
            let want: Vec<(String, u8)> =
                counts.iter().map(|(t, c)| (t.clone(), score(c))).collect();
            let got: Vec<(String, u8)> = e.terms.iter().map(|(t, s)| (t.to_string(), s)).collect();
            assert_eq!(got, want, "{}", language.code);
        }
    }

    #[test]
    fn every_term_of_every_document_has_its_posting() {
        let docs = [
            doc(
                "Beber con naltrexona",
                "/es/a/",
                "Si bebe alcohol, la bebida pesa menos.",
            ),
            doc(
                "Embarazo",
                "/es/b/",
                "Durante el embarazo o si está embarazada.",
            ),
            doc(
                "Inyección mensual",
                "/es/c/",
                "La inyección se pone cada mes.",
            ),
        ];
        let entries = entries_of(SPANISH, &docs);
        let live = Live::new(entries.clone());
        let words = word_lists(&live);
        for (i, e) in entries.iter().enumerate() {
            for (term, score) in e.terms.iter() {
                let list = words
                    .iter()
                    .find(|(t, _)| *t == term)
                    .map(|(_, l)| decode(l));
                assert!(
                    list.is_some_and(|l| l.contains(&(i as u32, u32::from(score)))),
                    "{term} in {i}"
                );
            }
        }
        let beb = words
            .iter()
            .find(|(t, _)| *t == "beb")
            .map(|(_, l)| decode(l));
        assert_eq!(beb.map(|l| l.len()), Some(1));
        assert!(words.iter().any(|(t, _)| *t == "inyeccion"));
        assert!(words.iter().all(|(t, _)| *t != "la" && *t != "si"));
    }

    #[test]
    fn shards_stay_small_sorted_and_complete() {
        let bodies: Vec<String> = (0..3000)
            .map(|i| format!("word{i} common text{} naltrexone", i % 7))
            .collect();
        let docs: Vec<Doc<'_>> = bodies.iter().map(|b| doc("T", "/x/", b)).collect();
        let mut live = Live::new(entries_of(ENGLISH, &docs));
        let count = word_lists(&live).len();
        live.words.pack();
        let shards: Vec<(&str, &str)> = live
            .words
            .shards
            .iter()
            .map(|s| (&*s.first, s.json.as_str()))
            .collect();
        assert!(shards.len() > 1);
        let mut seen = 0;
        for (i, &(first, json)) in shards.iter().enumerate() {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(json).expect("a shard is a JSON object");
            assert!(json.len() <= SHARD_BYTES || map.len() == 1);
            assert_eq!(map.keys().next().map(String::as_str), Some(first));
            if let Some((next, _)) = shards.get(i + 1) {
                assert!(map.keys().all(|k| k.as_str() < *next));
            }
            seen += map.len();
        }
        assert_eq!(seen, count);
    }

    #[test]
    fn a_one_off_build_makes_what_the_entries_make() {
        // More documents than one run, the last run short, words shared across runs and
        // words only one run has, online and offline.
        let bodies: Vec<String> = (0..1300)
            .map(|i| {
                format!(
                    "drinking word{} common{} naltrexone stresses item{i}",
                    i % 97,
                    i / 512
                )
            })
            .collect();
        let titles: Vec<String> = (0..1300).map(|i| format!("Title {}", i % 13)).collect();
        let docs: Vec<Doc<'_>> = bodies
            .iter()
            .zip(&titles)
            .map(|(b, t)| doc(t, "/x/", b))
            .collect();
        let built = |docs: &[Doc<'_>], offline| {
            let mut files = Vec::new();
            build(ENGLISH, "/es", docs, offline, &mut |o| files.push(o));
            files
        };
        for offline in [false, true] {
            let mut streamed = built(&docs, offline);
            // The manifest comes last, once every other file is out (it holds their stamp);
            // the order of the others is theirs.
            assert!(streamed.last().is_some_and(|o| o.path.contains("manifest")));
            let mut whole = assemble(ENGLISH, "/es", &entries_of(ENGLISH, &docs), offline);
            let shards = whole.iter().filter(|o| o.path.contains("/w/")).count();
            assert!(shards >= 3, "{shards} word shards: too few to test packing");
            streamed.sort_by(|a, b| a.path.cmp(&b.path));
            whole.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(streamed, whole, "offline: {offline}");
        }
        assert_eq!(built(&[], false), assemble(ENGLISH, "/es", &[], false));
    }

    #[test]
    fn gathered_postings_read_back_as_they_were_given() {
        let lists: [&[(u32, u8)]; 5] = [
            &[],
            &[(0, 0)],
            &[(0, 58), (1, 1), (31, 32), (32, 255), (1_000_000, 7)],
            &[(u32::MAX - 1, 3), (u32::MAX, 200)],
            &[(5, 12), (1023, 31), (1024, 64), (40_000, 1)],
        ];
        for list in lists {
            let mut gathered = Encoded::default();
            for &(doc, score) in list {
                gathered.push(doc, score);
            }
            assert_eq!(gathered.text, encode(list));
            assert_eq!(gathered.postings(), list);
        }
    }

    #[test]
    fn files_sit_under_the_language_folder() {
        let docs = [doc("Texto largo", "/es/uno/", "texto")];
        let entries = entries_of(SPANISH, &docs);
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
        let manifest = offline
            .last()
            .map(|o| String::from_utf8_lossy(&o.bytes).into_owned());
        assert!(manifest.is_some_and(|m| m.starts_with("window.siteSearch.add(\"manifest\",{")));
        assert!(offline.iter().all(|o| o.path.starts_with("search-index/")));
    }

    #[test]
    fn an_empty_site_has_a_manifest() {
        let out = assemble(ENGLISH, "", &[], false);
        assert_eq!(out.len(), 1);
        assert!(String::from_utf8_lossy(&out[0].bytes).contains("\"docs\":0"));
    }
}
