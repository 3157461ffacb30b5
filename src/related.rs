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
///
/// The tag score of a candidate is the sum of the weights of the tags it shares, added in the
/// order of the page's tags (by tag index). Most of the best candidates share two tags or more,
/// so they are looked up first in an index of tag pairs; only when that cannot settle the top
/// five (a page sharing a single tag might still reach them) is every page of every tag scored.
/// Both ways give the same lists; the first touches a few hundred pages instead of thousands on
/// a large site with broad tags.
pub fn compute(pages: &[Page], tags: &[Tag]) -> Vec<Vec<usize>> {
    compute_with(pages, tags, true).0
}

/// [`compute`], with or without the tag-pair shortcut (without, for testing that it changes
/// nothing); also says for how many pages the shortcut settled the list.
fn compute_with(pages: &[Page], tags: &[Tag], pairs_first: bool) -> (Vec<Vec<usize>>, usize) {
    let n = pages.len();
    if n < 2 {
        return (vec![Vec::new(); n], 0);
    }
    let settled_count = std::sync::atomic::AtomicUsize::new(0);
    let weights: Vec<f64> = tags
        .iter()
        .map(|tag| (1.0 + n as f64 / tag.pages.len().max(1) as f64).ln())
        .collect();
    // Each page's tags, as sorted tag indices (the taxonomy has dropped repeats).
    let mut page_tags: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (t, tag) in tags.iter().enumerate() {
        for &p in &tag.pages {
            if let Some(list) = page_tags.get_mut(p) {
                list.push(t);
            }
        }
    }
    let mut pairs: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (p, mine) in page_tags.iter().enumerate() {
        for (i, &a) in mine.iter().enumerate() {
            for &b in &mine[i + 1..] {
                pairs.entry((a, b)).or_default().push(p);
            }
        }
    }
    let by_weight = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1);
    let keywords = keywords(pages);
    let mut by_keyword: FnvMap<&str, Vec<usize>> = FnvMap::default();
    for (p, words) in keywords.iter().enumerate() {
        for w in words {
            by_keyword.entry(&**w).or_default().push(p);
        }
    }
    let lists = (0..n)
        .into_par_iter()
        .map_init(
            // Per-thread scratch: a dense score per page and the pages touched, reset after use.
            || (vec![0.0f64; n], vec![0u64; n], Vec::<usize>::new()),
            |(scores, shares, touched), p| {
                let mine = &page_tags[p];
                let mut candidates: Vec<(usize, f64)> = Vec::new();
                let mut settled = false;
                if pairs_first && (2..=64).contains(&mine.len()) {
                    // Bit i of `shares[q]`: q has p's i-th tag. Every tag of a page sharing two
                    // or more turns up in some pair, so the bits are exact for those pages.
                    for (i, &a) in mine.iter().enumerate() {
                        for (j, &b) in mine.iter().enumerate().skip(i + 1) {
                            for &q in pairs.get(&(a, b)).into_iter().flatten() {
                                if q != p {
                                    if shares[q] == 0 {
                                        touched.push(q);
                                    }
                                    shares[q] |= (1 << i) | (1 << j);
                                }
                            }
                        }
                    }
                    for &q in touched.iter() {
                        // The weights of the shared tags, added in p's order as the scan does.
                        let mut bits = std::mem::take(&mut shares[q]);
                        let mut score = 0.0;
                        while bits != 0 {
                            score += weights[mine[bits.trailing_zeros() as usize]];
                            bits &= bits - 1;
                        }
                        candidates.push((q, score));
                    }
                    touched.clear();
                    if candidates.len() >= LIMIT {
                        // A page sharing one tag scores at most the heaviest of them.
                        let single = mine.iter().map(|&t| weights[t]).fold(0.0, f64::max);
                        candidates.select_nth_unstable_by(LIMIT - 1, by_weight);
                        settled = candidates[LIMIT - 1].1 > single;
                    }
                }
                if settled {
                    settled_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    for &t in mine {
                        let w = weights[t];
                        for &q in &tags[t].pages {
                            if q != p {
                                if scores[q] == 0.0 {
                                    touched.push(q);
                                }
                                scores[q] += w;
                            }
                        }
                    }
                    candidates = touched.iter().map(|&q| (q, scores[q])).collect();
                    for &q in touched.iter() {
                        scores[q] = 0.0;
                    }
                    touched.clear();
                }
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
                    candidates.select_nth_unstable_by(LIMIT - 1, by_weight);
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
        .collect();
    (lists, settled_count.into_inner())
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

    /// The tag-pair shortcut gives the lists a full scan gives, on generated sites with broad
    /// tags (where it settles most pages) and with few, narrow ones (where it falls back).
    #[test]
    fn the_pair_shortcut_changes_nothing() {
        let (mut settled_all, mut fell_back) = (0, 0);
        for (articles, tags) in [(400, 40), (300, 6), (120, 90)] {
            let tmp = tempfile::tempdir().expect("tempdir");
            crate::bench::generate_with(tmp.path(), articles, tags).expect("generate");
            let (inputs, _) = crate::source::load(tmp.path());
            let config =
                crate::config::Config::parse(inputs.config.as_deref().expect("site.yaml"), None)
                    .expect("config");
            let site = crate::site::Site::assemble(config, inputs.content, &[], false)
                .expect("the generated site builds");
            let (fast, settled) = compute_with(&site.pages, &site.tags, true);
            let (full, none) = compute_with(&site.pages, &site.tags, false);
            assert_eq!(fast, full, "{articles} articles, {tags} tags");
            assert_eq!(none, 0);
            settled_all += settled;
            fell_back += articles - settled;
        }
        // Both ways were exercised: the shortcut settles pages with broad tags and falls back
        // with narrow ones.
        assert!(
            settled_all > 300 && fell_back > 100,
            "{settled_all} settled, {fell_back} not"
        );
    }

    #[test]
    fn shared_counts_common_sorted_words() {
        assert_eq!(shared(&["a", "c", "e"], &["b", "c", "d", "e"]), 2);
    }
}
