//! Related articles: up to five per page, scored first by shared tags weighted by rarity (a tag
//! on few pages says more than one on every page), then by text similarity (shared keywords),
//! ties broken by newer date, then title, then URL. Never the page itself; deterministic.
//!
//! Candidates come from an inverted index (tag → pages, keyword → pages), never all pairs.

use crate::page::Page;
use crate::taxonomy::Tag;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// How many related articles a page lists.
pub const LIMIT: usize = 5;
const KEYWORDS: usize = 16;
/// Keywords on more pages than this share of the site are too common to mean anything.
const COMMON: f64 = 0.2;

/// A fast, deterministic hasher for the many short words this module counts (FNV-1a).
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Word counts of what a page says it is about (title, description and headings), sorted by
/// word: what text similarity is computed from. Headings summarise an article far better per
/// word than its body does, and counting them costs next to nothing on a large site.
pub fn terms(page: &Page) -> Vec<(Box<str>, u32)> {
    let mut counts: FnvMap<Box<str>, u32> = FnvMap::default();
    let mut add = |text: &str| {
        each_word(text, |word| {
            if let Some(n) = counts.get_mut(word) {
                *n += 1;
            } else {
                counts.insert(word.into(), 1);
            }
            true
        });
    };
    add(&page.title);
    add(&page.description);
    for heading in &page.body.headings {
        add(&heading.title);
    }
    let mut terms: Vec<(Box<str>, u32)> = counts.into_iter().collect();
    terms.sort_unstable();
    terms
}

/// Calls `f` with each lower-cased word of four letters or more that is not a stop word, until
/// `f` returns false.
fn each_word(text: &str, mut f: impl FnMut(&str) -> bool) {
    let mut word = String::with_capacity(32);
    for token in text.split(|c: char| !c.is_alphanumeric()) {
        if token.len() < 4 || token.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        word.clear();
        if token.is_ascii() {
            word.push_str(token);
            word.make_ascii_lowercase();
        } else {
            word.extend(token.chars().flat_map(char::to_lowercase));
            if word.chars().count() < 4 {
                continue;
            }
        }
        if STOP.binary_search(&word.as_str()).is_err() && !f(&word) {
            return;
        }
    }
}

/// A hash of everything [`compute`] reads, in page order: tags with their page counts, and each
/// page's tags, title, description, headings, date and URL.
pub fn inputs_hash(pages: &[Page]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    pages.len().hash(&mut h);
    for page in pages {
        (
            &page.tags,
            &page.title,
            &page.description,
            page.date,
            &page.url,
        )
            .hash(&mut h);
        for heading in &page.body.headings {
            heading.title.hash(&mut h);
        }
    }
    h.finish()
}

/// For each page (by index), the indices of its related pages, best first.
pub fn compute(pages: &[Page], tags: &[Tag]) -> Vec<Vec<usize>> {
    let n = pages.len();
    if n < 2 {
        return vec![Vec::new(); n];
    }
    let by_tag: HashMap<&str, &Tag> = tags.iter().map(|t| (t.text.name.as_str(), t)).collect();
    let weight = |tag: &Tag| (1.0 + n as f64 / tag.pages.len().max(1) as f64).ln();
    let keywords = keywords(pages);
    let mut by_keyword: FnvMap<&str, Vec<usize>> = FnvMap::default();
    for (p, words) in keywords.iter().enumerate() {
        for w in words {
            by_keyword.entry(&**w).or_default().push(p);
        }
    }
    (0..n)
        .into_par_iter()
        .map_init(
            // Per-thread scratch: a dense score per page and the pages touched, reset after use.
            || (vec![0.0f64; n], Vec::<usize>::new()),
            |(scores, touched), p| {
                for name in &pages[p].tags {
                    if let Some(tag) = by_tag.get(name.as_str()) {
                        let w = weight(tag);
                        for &q in &tag.pages {
                            if q != p {
                                if scores[q] == 0.0 {
                                    touched.push(q);
                                }
                                scores[q] += w;
                            }
                        }
                    }
                }
                let mut candidates: Vec<(usize, f64)> =
                    touched.iter().map(|&q| (q, scores[q])).collect();
                for &q in touched.iter() {
                    scores[q] = 0.0;
                }
                touched.clear();
                if candidates.len() < LIMIT {
                    let have: HashSet<usize> = candidates.iter().map(|c| c.0).collect();
                    let mut extra: Vec<usize> = keywords[p]
                        .iter()
                        .filter_map(|w| by_keyword.get(&**w))
                        .flatten()
                        .copied()
                        .filter(|&q| q != p && !have.contains(&q))
                        .collect();
                    extra.sort_unstable();
                    extra.dedup();
                    candidates.extend(extra.into_iter().map(|q| (q, 0.0)));
                }
                // Only the best few matter: find the fifth-best tag score, then compare text
                // only for the candidates that reach it (ties at the cutoff included).
                if candidates.len() > LIMIT {
                    candidates.select_nth_unstable_by(LIMIT - 1, |a, b| b.1.total_cmp(&a.1));
                    let cutoff = candidates[LIMIT - 1].1;
                    candidates.retain(|c| c.1 >= cutoff);
                }
                let mut scored: Vec<(usize, f64, usize)> = candidates
                    .into_iter()
                    .map(|(q, s)| (q, s, shared(&keywords[p], &keywords[q])))
                    .collect();
                let order = |a: &(usize, f64, usize), b: &(usize, f64, usize)| {
                    b.1.total_cmp(&a.1)
                        .then(b.2.cmp(&a.2))
                        .then_with(|| tie(&pages[a.0], &pages[b.0]))
                };
                if scored.len() > LIMIT {
                    scored.select_nth_unstable_by(LIMIT - 1, order);
                    scored.truncate(LIMIT);
                }
                scored.sort_by(order);
                scored.into_iter().map(|(q, _, _)| q).collect()
            },
        )
        .collect()
}

fn tie(a: &Page, b: &Page) -> Ordering {
    b.date
        .cmp(&a.date)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// Words two sorted keyword lists share.
fn shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Each page's most distinctive words (tf-idf over the site), sorted.
fn keywords(pages: &[Page]) -> Vec<Vec<Box<str>>> {
    let terms: Vec<Vec<(Box<str>, u32)>> = pages.par_iter().map(terms).collect();
    let mut df: FnvMap<&str, u32> = FnvMap::default();
    for page in &terms {
        for (word, _) in page {
            *df.entry(word).or_default() += 1;
        }
    }
    let n = pages.len() as f64;
    let common = (n * COMMON).max(2.0);
    terms
        .par_iter()
        .map(|page| {
            let mut scored: Vec<(&str, f64)> = page
                .iter()
                .filter_map(|(word, tf)| {
                    let df = f64::from(*df.get(&**word)?);
                    (df > 1.0 && df <= common).then(|| (&**word, f64::from(*tf) * (n / df).ln()))
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut top: Vec<Box<str>> = scored
                .into_iter()
                .take(KEYWORDS)
                .map(|(w, _)| w.into())
                .collect();
            top.sort_unstable();
            top
        })
        .collect()
}

/// Sorted, for binary search.
const STOP: &[&str] = &[
    "about", "after", "also", "because", "been", "before", "being", "both", "could", "does",
    "each", "even", "from", "have", "into", "just", "like", "many", "more", "most", "much", "only",
    "other", "over", "same", "should", "some", "such", "than", "that", "their", "them", "then",
    "there", "these", "they", "this", "those", "very", "were", "what", "when", "where", "which",
    "while", "will", "with", "would", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn finds_words_without_stop_words_or_short_ones() {
        let mut words = Vec::new();
        each_word(
            "The Naltrexone tablet; naltrexone WITH the tablets, 2026 and ÉTUDE",
            |w| {
                words.push(w.to_owned());
                true
            },
        );
        assert_eq!(
            words,
            ["naltrexone", "tablet", "naltrexone", "tablets", "étude"]
        );
    }

    #[test]
    fn shared_counts_common_sorted_words() {
        assert_eq!(shared(&["a", "c", "e"], &["b", "c", "d", "e"]), 2);
    }
}
