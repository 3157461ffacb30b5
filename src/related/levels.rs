//! The one-off build's way to choose a page's list: by level of tag score, best first, reading
//! only as many candidates as the list needs. It gives exactly the lists the full scan gives
//! (the test `the_level_search_is_the_brute_force_ranking` in `related` compares them with an
//! all-pairs ranking); [`super::Index::update`] keeps the full scan, which also records every
//! candidate it looked at.
//!
//! Why it is exact. A candidate's tag score depends only on which of the page's tags it shares
//! (its mask), so the candidates fall into levels: the masks of equal score, in descending
//! score. Inside a level the order is shared keywords (more first), then the tie order (newer,
//! title, URL), which is one order for the whole site: the pages are ranked by it once, and
//! listed in that order under every set of tags they have. A level that fits in the places left is taken
//! whole; the level that fills the list needs only its pages that share a keyword with the page
//! (from the keyword index, however many) and, after them, its first pages in rank order, which
//! are a prefix of each mask's list. Nothing below that level can reach the list.
//!
//! Why it is linear in practice. On a large site the best level is usually the page's own tag
//! set or a big part of it, and it fills the list: the work per page is its keyword matches and
//! a prefix of that set's list, not the thousands of pages that share its broad tags. A page of
//! another level turns up in a level's list only when it has more of the page's tags, and
//! those levels, above, held fewer than five pages.

use super::{Index, LIMIT};
use crate::page::Page;
use std::cmp::{Ordering, Reverse};
use std::sync::Arc;

/// The most tags a page may have for the level search (2^8 masks); a page with more falls back
/// to the full scan.
const MOST_TAGS: usize = 8;

/// The pages in tie order, and by every set of tags they have, in that order.
#[derive(Debug, Clone, Default)]
pub(super) struct Ranked {
    /// Each page's place in the tie order ([`super::tie`], then index).
    pub(super) rank: Vec<usize>,
    /// For each set of tags (sorted), the pages having all of them, in tie order: every page of
    /// at most [`MOST_TAGS`] tags is under each non-empty subset of its tags (a page of five,
    /// 31 times), so a level's pages are read without wading through pages of other levels.
    supersets: crate::hash::Map<Box<[usize]>, Vec<usize>>,
    /// The pages with more tags than that, in tie order, read by every search.
    wide: Vec<usize>,
}

impl Ranked {
    pub(super) fn new(pages: &[Arc<Page>], page_tags: &[Vec<usize>]) -> Self {
        let mut order: Vec<usize> = (0..pages.len()).collect();
        order.sort_by(|&a, &b| super::tie(&pages[a], &pages[b]).then(a.cmp(&b)));
        let mut rank = vec![0; pages.len()];
        for (r, &p) in order.iter().enumerate() {
            rank[p] = r;
        }
        let mut supersets: crate::hash::Map<Box<[usize]>, Vec<usize>> = Default::default();
        let mut wide = Vec::new();
        let mut key: Vec<usize> = Vec::with_capacity(MOST_TAGS);
        for &p in &order {
            let mine = &page_tags[p];
            if mine.len() > MOST_TAGS {
                wide.push(p);
                continue;
            }
            for mask in 1u64..1 << mine.len() {
                key.clear();
                key.extend(
                    (0..mine.len())
                        .filter(|&i| mask & (1 << i) != 0)
                        .map(|i| mine[i]),
                );
                if let Some(list) = supersets.get_mut(&key[..]) {
                    list.push(p);
                } else {
                    supersets.insert(key.as_slice().into(), vec![p]);
                }
            }
        }
        Self {
            rank,
            supersets,
            wide,
        }
    }
}

/// Page `p`'s search: its tags and the masks of them.
struct Search<'a> {
    index: &'a Index,
    ranked: &'a Ranked,
    p: usize,
    mine: &'a [usize],
}

impl Search<'_> {
    /// Which of p's tags page `q` has: bit i for p's i-th tag (both lists are sorted).
    fn mask_of(&self, q: usize) -> u64 {
        let theirs = &self.index.page_tags[q];
        let (mut i, mut j, mut mask) = (0, 0, 0u64);
        while i < self.mine.len() && j < theirs.len() {
            match self.mine[i].cmp(&theirs[j]) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    mask |= 1 << i;
                    i += 1;
                    j += 1;
                }
            }
        }
        mask
    }

    /// The score of sharing the tags in `mask`: their weights added in p's order, as the full
    /// scan adds them, so equal masks give bit-equal scores.
    fn score(&self, mut mask: u64) -> f64 {
        let mut score = 0.0;
        while mask != 0 {
            score += self.index.weights[self.mine[mask.trailing_zeros() as usize]];
            mask &= mask - 1;
        }
        score
    }

    /// Up to `limit` of the pages (not p) that share exactly the tags in `mask`, in rank order,
    /// and whether they are all of them.
    fn stream(&self, mask: u64, limit: usize, out: &mut Vec<usize>) -> bool {
        let key: Vec<usize> = (0..self.mine.len())
            .filter(|&i| mask & (1 << i) != 0)
            .map(|i| self.mine[i])
            .collect();
        let exact = |q: &&usize| **q != self.p && self.mask_of(**q) == mask;
        let narrow = self
            .ranked
            .supersets
            .get(&key[..])
            .map_or(&[][..], Vec::as_slice);
        let mut narrow = narrow.iter().filter(exact).peekable();
        let mut wide = self.ranked.wide.iter().filter(exact).peekable();
        let rank = &self.ranked.rank;
        let mut taken = 0;
        loop {
            let next = match (narrow.peek(), wide.peek()) {
                (None, None) => return true,
                (Some(&&a), Some(&&b)) if rank[b] < rank[a] => b,
                (Some(&&a), _) => a,
                (None, Some(&&b)) => b,
            };
            if taken == limit {
                return false;
            }
            if narrow.peek() == Some(&&next) {
                narrow.next();
            } else {
                wide.next();
            }
            out.push(next);
            taken += 1;
        }
    }

    /// The pages (not p) sharing keywords with p, with how many, by page index.
    fn keyword_matches(&self) -> Vec<(usize, usize)> {
        let index = self.index;
        let mut all: Vec<usize> = index.keywords[self.p]
            .iter()
            .filter_map(|&w| index.by_keyword.get(w as usize))
            .flatten()
            .copied()
            .filter(|&q| q != self.p)
            .collect();
        all.sort_unstable();
        let mut matches: Vec<(usize, usize)> = Vec::new();
        for q in all {
            match matches.last_mut() {
                Some((last, n)) if *last == q => *n += 1,
                _ => matches.push((q, 1)),
            }
        }
        matches
    }

    /// The order inside a level: more shared keywords first, then rank.
    fn key(&self, (q, shared): (usize, usize)) -> (Reverse<usize>, usize) {
        (Reverse(shared), self.ranked.rank[q])
    }
}

impl Index {
    /// Page `p`'s list by levels of tag score; `None` when the page has more tags than the
    /// search takes or a tag weight that is not positive (then the caller scans).
    pub(super) fn by_levels(
        &self,
        pages: &[Arc<Page>],
        ranked: &Ranked,
        p: usize,
    ) -> Option<Vec<usize>> {
        let mine = self.page_tags.get(p)?.as_slice();
        if mine.len() > MOST_TAGS
            || mine
                .iter()
                .any(|&t| self.weights[t].partial_cmp(&0.0) != Some(Ordering::Greater))
        {
            return None;
        }
        let search = Search {
            index: self,
            ranked,
            p,
            mine,
        };
        let mut masks: Vec<(u64, f64)> = (1u64..1 << mine.len())
            .map(|m| (m, search.score(m)))
            .collect();
        masks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut list: Vec<usize> = Vec::with_capacity(LIMIT);
        let mut found: Vec<usize> = Vec::new();
        let mut at = 0;
        while at < masks.len() && list.len() < LIMIT {
            let score = masks[at].1;
            let end = at
                + masks[at..]
                    .iter()
                    .take_while(|m| m.1.total_cmp(&score).is_eq())
                    .count();
            let level = &masks[at..end];
            at = end;
            let need = LIMIT - list.len();
            found.clear();
            let mut complete = true;
            for &(mask, _) in level {
                complete &= search.stream(mask, need, &mut found);
            }
            if complete && found.len() <= need {
                // The whole level fits.
                let mut whole: Vec<(usize, usize)> = found
                    .iter()
                    .map(|&q| (q, super::shared(&self.keywords[p], &self.keywords[q])))
                    .collect();
                whole.sort_by_key(|&c| search.key(c));
                list.extend(whole.into_iter().map(|c| c.0));
                continue;
            }
            // This level fills the list: first its pages sharing keywords, then the rest by
            // rank. Each mask's first `need` pages hold at most as many sharing pages as are
            // taken, so the rest of them are enough to fill the places left: the first of the
            // rest by rank are among `found`.
            let matched: Vec<(usize, usize)> = search
                .keyword_matches()
                .into_iter()
                .filter(|&(q, _)| {
                    let mask = search.mask_of(q);
                    level.iter().any(|l| l.0 == mask)
                })
                .collect();
            let mut sharing = matched.clone();
            sharing.sort_by_key(|&c| search.key(c));
            list.extend(sharing.iter().take(need).map(|c| c.0));
            if list.len() < LIMIT {
                // `matched` is by page index.
                let mut rest: Vec<usize> = found
                    .iter()
                    .copied()
                    .filter(|q| matched.binary_search_by(|c| c.0.cmp(q)).is_err())
                    .collect();
                rest.sort_by_key(|&q| ranked.rank[q]);
                list.extend(rest.into_iter().take(LIMIT - list.len()));
            }
            break;
        }
        if list.len() < LIMIT {
            // Fewer than five pages share a tag, and all are listed: then come the pages that
            // only share keywords (in the page's language), as if of score zero.
            let lang = pages[p].lang;
            let mut extra: Vec<(usize, usize)> = search
                .keyword_matches()
                .into_iter()
                .filter(|&(q, _)| search.mask_of(q) == 0 && pages[q].lang == lang)
                .collect();
            extra.sort_by_key(|&c| search.key(c));
            let room = LIMIT - list.len();
            list.extend(extra.into_iter().take(room).map(|c| c.0));
        }
        Some(list)
    }
}
