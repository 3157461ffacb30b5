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

/// For each page (by index), the indices of its related pages, best first.
pub fn compute(pages: &[Page], tags: &[Tag]) -> Vec<Vec<usize>> {
    let n = pages.len();
    if n < 2 {
        return vec![Vec::new(); n];
    }
    let by_tag: HashMap<&str, &Tag> = tags.iter().map(|t| (t.text.name.as_str(), t)).collect();
    let weight = |tag: &Tag| (1.0 + n as f64 / tag.pages.len().max(1) as f64).ln();
    let keywords = keywords(pages);
    let mut by_keyword: HashMap<&str, Vec<usize>> = HashMap::new();
    for (p, words) in keywords.iter().enumerate() {
        for w in words {
            by_keyword.entry(w.as_str()).or_default().push(p);
        }
    }
    (0..n)
        .into_par_iter()
        .map(|p| {
            let mut scores: HashMap<usize, f64> = HashMap::new();
            for name in &pages[p].tags {
                if let Some(tag) = by_tag.get(name.as_str()) {
                    let w = weight(tag);
                    for &q in &tag.pages {
                        if q != p {
                            *scores.entry(q).or_default() += w;
                        }
                    }
                }
            }
            let mut candidates: Vec<(usize, f64)> = scores.into_iter().collect();
            if candidates.len() < LIMIT {
                let have: HashSet<usize> = candidates.iter().map(|c| c.0).collect();
                let mut extra: Vec<usize> = keywords[p]
                    .iter()
                    .filter_map(|w| by_keyword.get(w.as_str()))
                    .flatten()
                    .copied()
                    .filter(|&q| q != p && !have.contains(&q))
                    .collect();
                extra.sort_unstable();
                extra.dedup();
                candidates.extend(extra.into_iter().map(|q| (q, 0.0)));
            }
            let mut scored: Vec<(usize, f64, usize)> = candidates
                .into_iter()
                .map(|(q, s)| (q, s, shared(&keywords[p], &keywords[q])))
                .collect();
            scored.sort_by(|a, b| {
                b.1.total_cmp(&a.1)
                    .then(b.2.cmp(&a.2))
                    .then_with(|| tie(&pages[a.0], &pages[b.0]))
            });
            scored.truncate(LIMIT);
            scored.into_iter().map(|(q, _, _)| q).collect()
        })
        .collect()
}

fn tie(a: &Page, b: &Page) -> Ordering {
    b.date
        .cmp(&a.date)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

fn shared(a: &[String], b: &[String]) -> usize {
    a.iter().filter(|w| b.contains(w)).count()
}

/// Each page's most distinctive words (tf-idf over the site), sorted.
fn keywords(pages: &[Page]) -> Vec<Vec<String>> {
    let counts: Vec<HashMap<String, u32>> = pages
        .par_iter()
        .map(|page| {
            let mut counts = HashMap::new();
            for word in words(&page.title).chain(words(&page.body.text)) {
                *counts.entry(word).or_insert(0) += 1;
            }
            counts
        })
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for c in &counts {
        for word in c.keys() {
            *df.entry(word.as_str()).or_default() += 1;
        }
    }
    let n = pages.len() as f64;
    counts
        .par_iter()
        .map(|c| {
            let mut scored: Vec<(&String, f64)> = c
                .iter()
                .filter_map(|(word, &tf)| {
                    let df = *df.get(word.as_str())? as f64;
                    (df > 1.0 && df <= (n * COMMON).max(2.0))
                        .then(|| (word, f64::from(tf) * (n / df).ln()))
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut top: Vec<String> = scored
                .into_iter()
                .take(KEYWORDS)
                .map(|(w, _)| w.clone())
                .collect();
            top.sort_unstable();
            top
        })
        .collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
}

const STOP: &[&str] = &[
    "about", "after", "also", "because", "been", "before", "being", "could", "does", "each",
    "from", "have", "into", "just", "like", "more", "most", "much", "only", "other", "over",
    "same", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they",
    "this", "those", "very", "what", "when", "where", "which", "while", "will", "with", "your",
    "would", "were", "should", "many", "even", "both",
];
