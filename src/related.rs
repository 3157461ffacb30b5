//! Related articles: up to five per page, scored first by shared tags weighted by rarity (a tag
//! on few pages says more than one on every page), then by text similarity (shared keywords),
//! ties broken by newer date, then title, then URL. Never the page itself; deterministic.
//!
//! Candidates come from an inverted index (tag → pages, keyword → pages), never all pairs; a
//! one-off build reads them level by level of tag score ([`levels`]) and stops when the list is
//! full.

mod levels;

use crate::page::Page;
use crate::taxonomy::Tag;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// How many related articles a page lists.
pub const LIMIT: usize = 5;
const KEYWORDS: usize = 16;
/// Keywords on more pages than this share of the site are too common to mean anything.
const COMMON: f64 = 0.2;

type WordMap<K, V> = crate::hash::WordMap<K, V>;

/// A page's word counts ([`terms`]), shared between an index and the next one built after an
/// edit.
type Terms = Arc<[(Box<str>, u32)]>;

/// Word counts of what a page says it is about (title, description and headings), sorted by
/// word (a translation's marked with its language): what text similarity is computed from. Headings summarise an article far better per
/// word than its body does, and counting them costs next to nothing on a large site.
pub fn terms(page: &Page) -> Vec<(Box<str>, u32)> {
    if !page.listed {
        // A page in no list (`listed: false`) has no tags and no words here: it neither
        // appears in a related list nor moves another page's.
        return Vec::new();
    }
    let mut counts: WordMap<Box<str>, u32> = WordMap::default();
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
    let mut terms: Vec<(Box<str>, u32)> = if page.lang == 0 {
        counts.into_iter().collect()
    } else {
        // A translation's words are its language's: counted apart from the default's, so
        // adding translations changes no list of another language.
        counts
            .into_iter()
            .map(|(w, n)| (format!("{}:{w}", page.lang).into(), n))
            .collect()
    };
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
        if !crate::search::text::among(&STOP_KEYS, &word) && !f(&word) {
            return;
        }
    }
}

/// One hash per page of everything [`Index::build`] reads of it: its index, tags, title,
/// description, headings, date, URL and whether it is listed. Where two lists differ, those
/// pages changed.
pub fn page_hashes(pages: &[Arc<Page>]) -> Vec<u64> {
    pages
        .par_iter()
        .enumerate()
        .map(|(i, page)| page_hash(i, page))
        .collect()
}

/// One page's part of [`page_hashes`].
pub fn page_hash(i: usize, page: &Page) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::Hasher::default();
    (
        i,
        &page.tags,
        &page.title,
        &page.description,
        page.date,
        &page.url,
        page.listed,
    )
        .hash(&mut h);
    for heading in &page.body.headings {
        heading.title.hash(&mut h);
    }
    h.finish()
}

/// The related lists, with what they were computed from, so that an edit which keeps every
/// page's tags redoes only the lists it can change ([`Index::update`]).
///
/// The tag score of a candidate is the sum of the weights of the tags it shares, added in the
/// order of the page's tags (by tag index). A one-off build takes the candidates level by level
/// of that score, best first, and reads only what fills the list ([`levels`]): linear in the
/// site's size where scoring every page of a broad tag is quadratic. An updatable index scores
/// every candidate that can reach the list and keeps each list's cutoff (the fifth best tag
/// score), from which [`Index::update`] works out whose lists considered a page: most of the
/// best share two tags or more, so they are looked up first in an index of tag pairs; only when
/// that cannot settle the top five (a page sharing a single tag might still reach them) is
/// every page of every tag scored. Every way gives the same lists.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// For each page, its related pages, best first.
    pub lists: Arc<Vec<Vec<usize>>>,
    weights: Vec<f64>,
    /// Each page's tags, as sorted tag indices (the taxonomy has dropped repeats).
    page_tags: Vec<Vec<usize>>,
    /// Pages by pair of tags they both have.
    pairs: HashMap<(usize, usize), Vec<usize>>,
    /// The pages in tie order, for the level search (empty in an updatable index).
    ranked: levels::Ranked,
    /// Each page's word counts ([`terms`]), how many pages use each word, and which.
    terms: Vec<Terms>,
    /// The page each entry of `terms` was counted from (in an updatable index): a build
    /// after an edit takes the counts of every page that is still the same `Arc`.
    counted: Vec<Arc<Page>>,
    df: WordMap<Box<str>, Word>,
    by_term: WordMap<Box<str>, Vec<usize>>,
    /// The number the next new word gets.
    next_word: u32,
    /// Each page's keywords (their numbers, sorted), and the pages by keyword number.
    keywords: Vec<Vec<u32>>,
    by_keyword: Vec<Vec<usize>>,
    /// Each page's cutoff: the tag score of the fifth best candidate, which every page in its
    /// list reaches (minus infinity when it had no more than five).
    cutoff: Vec<f64>,
    /// Whether a page's candidates came partly from shared keywords (too few shared tags).
    by_words: Vec<bool>,
    /// Pages whose list the level search or the tag-pair shortcut settled (for tests).
    settled: usize,
    /// Whether it was built to be updated.
    updatable: bool,
    /// How many pages each language has: a language's lists are made as if it were the site.
    sizes: Vec<usize>,
    /// Which tags the site has ([`tags_key`]): an update keeps them.
    tags_key: u64,
}

/// A tag's weight: the rarer in its language, the more sharing it says.
fn weight(tag: &Tag, sizes: &[usize], n: usize) -> f64 {
    let n = sizes.get(tag.text.lang).copied().unwrap_or(n);
    (1.0 + n as f64 / tag.pages.len().max(1) as f64).ln()
}

/// The site's tags by language and name: the numbers the index knows them by.
fn tags_key(tags: &[Tag]) -> u64 {
    crate::hash::of(
        &tags
            .iter()
            .map(|t| (t.text.lang, t.text.name.as_str()))
            .collect::<Vec<_>>(),
    )
}

/// A word of the site: how many pages use it, and its number. Keywords are compared by number,
/// not spelling: comparing the keywords of a page with each candidate's was most of the time a
/// list took.
#[derive(Debug, Clone, Copy)]
struct Word {
    pages: u32,
    id: u32,
}

/// Counts one more page using `word`; a word new to the site gets the number `next`.
fn count_word(df: &mut WordMap<Box<str>, Word>, next: &mut u32, word: &str) {
    if let Some(known) = df.get_mut(word) {
        known.pages += 1;
    } else {
        df.insert(
            word.into(),
            Word {
                pages: 1,
                id: *next,
            },
        );
        *next += 1;
    }
}

/// The pairs of a page's tags (sorted tag numbers), each once, in order.
fn tag_pairs(mine: &[usize]) -> impl Iterator<Item = (usize, usize)> + '_ {
    mine.iter()
        .enumerate()
        .flat_map(move |(i, &a)| mine[i + 1..].iter().map(move |&b| (a, b)))
}

/// How a build chooses the lists; every way gives the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The level search ([`levels`]), and scoring where it cannot settle a list.
    Levels,
    /// Scoring, the pages sharing two tags first (what an update does; built so only to test
    /// it against the others).
    #[cfg(test)]
    Pairs,
    /// Scoring every page of every tag (the reference the others are tested against).
    Scan,
}

/// Per-thread scratch space for the scans: a dense score and tag mask per page, and the pages
/// touched. Made at the first scan, not per rayon task: a build whose lists the level search
/// settles never zeroes a page-sized buffer.
#[derive(Default)]
struct Scratch {
    scores: Vec<f64>,
    shares: Vec<u64>,
    touched: Vec<usize>,
}

impl Scratch {
    fn ready(&mut self, n: usize) {
        if self.scores.len() != n {
            self.scores = vec![0.0; n];
            self.shares = vec![0; n];
            self.touched.clear();
        }
    }
}

/// One page's list.
struct Chosen {
    list: Vec<usize>,
    cutoff: f64,
    by_words: bool,
    settled: bool,
}

/// For each of `len` earlier pages, its place now, from each page's earlier place (`was`,
/// as [`crate::site::same_pages`] gives it): `None` for a page that is not there now.
fn places_now(was: &[Option<usize>], len: usize) -> Vec<Option<usize>> {
    let mut now = vec![None; len];
    for (p, &o) in was.iter().enumerate() {
        if let Some(slot) = o.and_then(|o| now.get_mut(o)) {
            *slot = Some(p);
        }
    }
    now
}

/// How many pages use each word, each word's number, and (in an updatable index) which pages
/// use it, sorted.
struct Words {
    df: WordMap<Box<str>, Word>,
    next_word: u32,
    by_term: WordMap<Box<str>, Vec<usize>>,
}

impl Words {
    /// Counted from every page's words; which pages use a word only when `updatable`.
    fn counted(terms: &[Terms], updatable: bool) -> Self {
        let mut words = Words {
            df: WordMap::default(),
            next_word: 0,
            by_term: WordMap::default(),
        };
        for (p, page) in terms.iter().enumerate() {
            for (word, _) in page.iter() {
                count_word(&mut words.df, &mut words.next_word, word);
                if !updatable {
                } else if let Some(list) = words.by_term.get_mut(word) {
                    list.push(p);
                } else {
                    words.by_term.insert(word.clone(), vec![p]);
                }
            }
        }
        words
    }

    /// The counts of `last`, an updatable index, carried over to pages whose word counts are
    /// `terms`, where page `p` is page `counted[p]` of `last` when that is the same page: the
    /// words of `last`'s other pages (deleted, or counted again) leave, those of the pages
    /// not carried come in, and every page is given its new number. What [`Words::counted`]
    /// makes, but for the words' numbers, which choose nothing (keywords are ranked by
    /// spelling among equal scores and compared only for equality).
    fn carried(last: Index, counted: &[Option<usize>], terms: &[Terms]) -> Self {
        let Index {
            terms: old_terms,
            mut df,
            mut next_word,
            mut by_term,
            ..
        } = last;
        let now = places_now(counted, old_terms.len());
        for (o, words) in old_terms.iter().enumerate() {
            if now[o].is_some() {
                continue;
            }
            for (word, _) in words.iter() {
                if let Some(known) = df.get_mut(&**word) {
                    known.pages = known.pages.saturating_sub(1);
                    if known.pages == 0 {
                        df.remove(&**word);
                    }
                }
            }
        }
        by_term.retain(|_, list| {
            list.retain_mut(|q| match now.get(*q).copied().flatten() {
                Some(p) => {
                    *q = p;
                    true
                }
                None => false,
            });
            if !list.is_sorted() {
                list.sort_unstable();
            }
            !list.is_empty()
        });
        for (p, words) in terms.iter().enumerate() {
            if counted.get(p).copied().flatten().is_some() {
                continue;
            }
            for (word, _) in words.iter() {
                count_word(&mut df, &mut next_word, word);
                let list = match by_term.get_mut(word) {
                    Some(list) => list,
                    None => by_term.entry(word.clone()).or_default(),
                };
                if let Err(at) = list.binary_search(&p) {
                    list.insert(at, p);
                }
            }
        }
        Words {
            df,
            next_word,
            by_term,
        }
    }
}

impl Index {
    /// Computes every list; with `updatable`, also what [`Index::update`] needs (which pages use
    /// each word, each list's cutoff), which a one-off build can skip.
    pub fn build(pages: &[Arc<Page>], tags: &[Tag], updatable: bool) -> Self {
        Self::build_with(pages, tags, updatable, Way::Levels, None)
    }

    /// [`Index::build`] (updatable) after an edit the last index, `last`, could not take in
    /// (an article added, deleted or renamed: every weight depends on the number of pages):
    /// the word counts of every page that is still the same `Arc` are taken from `last`, the
    /// lists are all chosen again.
    pub fn build_after(pages: &[Arc<Page>], tags: &[Tag], last: Index) -> Self {
        Self::build_with(pages, tags, true, Way::Levels, Some(last))
    }

    fn build_with(
        pages: &[Arc<Page>],
        tags: &[Tag],
        updatable: bool,
        way: Way,
        last: Option<Index>,
    ) -> Self {
        let pairs_first = way != Way::Scan;
        let n = pages.len();
        let sizes = sizes(pages);
        let weights: Vec<f64> = tags.iter().map(|tag| weight(tag, &sizes, n)).collect();
        let mut page_tags: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (t, tag) in tags.iter().enumerate() {
            for &p in &tag.pages {
                if let Some(list) = page_tags.get_mut(p) {
                    list.push(t);
                }
            }
        }
        // The level search makes every list of a build, updatable or not; an update redoes a
        // few lists by scoring (the ranks would not follow its edits), so they are dropped.
        let ranked = if way == Way::Levels {
            levels::Ranked::new(pages, &page_tags)
        } else {
            levels::Ranked::default()
        };
        let mut pairs: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (p, mine) in page_tags.iter().enumerate() {
            for pair in tag_pairs(mine) {
                pairs.entry(pair).or_default().push(p);
            }
        }
        // For each page, the page of `last` whose word counts it takes: the same `Arc`.
        let counted: Option<Vec<Option<usize>>> = last.as_ref().map(|last| {
            crate::site::same_pages(pages, &last.counted)
                .into_iter()
                .map(|o| o.filter(|&o| o < last.terms.len()))
                .collect()
        });
        let terms: Vec<Terms> = pages
            .par_iter()
            .enumerate()
            .map(|(p, page)| {
                let was = |last: &Index| last.terms.get(counted.as_ref()?[p]?).cloned();
                last.as_ref()
                    .and_then(was)
                    .unwrap_or_else(|| terms(page).into())
            })
            .collect();
        let Words {
            df,
            next_word,
            by_term,
        } = match (last, &counted) {
            (Some(last), Some(counted)) if updatable && last.updatable => {
                Words::carried(last, counted, &terms)
            }
            _ => Words::counted(&terms, updatable),
        };
        let keywords: Vec<Vec<u32>> = terms
            .par_iter()
            .enumerate()
            .map(|(p, words)| select_keywords(words, &df, sizes[pages[p].lang]))
            .collect();
        let mut by_keyword: Vec<Vec<usize>> = vec![Vec::new(); next_word as usize];
        for (p, words) in keywords.iter().enumerate() {
            for &w in words {
                by_keyword[w as usize].push(p);
            }
        }
        let mut index = Index {
            lists: Arc::default(),
            weights,
            page_tags,
            pairs,
            ranked,
            terms,
            counted: if updatable {
                pages.to_vec()
            } else {
                Vec::new()
            },
            df,
            by_term,
            next_word,
            keywords,
            by_keyword,
            cutoff: Vec::new(),
            by_words: Vec::new(),
            settled: 0,
            updatable,
            sizes,
            tags_key: tags_key(tags),
        };
        let chosen: Vec<Chosen> = (0..n)
            .into_par_iter()
            .map_init(Scratch::default, |scratch, p| {
                index.choose(pages, tags, p, scratch, pairs_first)
            })
            .collect();
        let mut lists = Vec::with_capacity(n);
        for c in chosen {
            index.settled += usize::from(c.settled);
            lists.push(c.list);
            if updatable {
                index.cutoff.push(c.cutoff);
                index.by_words.push(c.by_words);
            }
        }
        if updatable {
            index.ranked = levels::Ranked::default();
        }
        index.lists = Arc::new(lists);
        index
    }

    /// Notes that the word counts are those of `pages` now, which have the same page hashes
    /// ([`page_hashes`]) as the pages they were counted from (a new `Arc` of the same page,
    /// its body rendered again): the old pages are not held for the next
    /// [`Index::build_after`].
    pub fn counted_from(&mut self, pages: &[Arc<Page>]) {
        if self.updatable && self.counted.len() == pages.len() {
            self.counted.clone_from_slice(pages);
        }
    }

    /// Follows the site's pages to new places, as when a file is renamed (the pages between
    /// its old and new place in source-path order move by one): every page still the same
    /// `Arc` as one the index last counted gets its new number everywhere in the index, and
    /// each page the index has not seen takes the number and data of one it counted that is
    /// gone. Returns those pages, for [`Index::update`]; `None`, having changed nothing, when
    /// the site has another number of pages or the index was not built to be updated.
    pub fn follow_moves(&mut self, pages: &[Arc<Page>]) -> Option<Vec<usize>> {
        let n = pages.len();
        if !self.updatable || self.counted.len() != n || self.terms.len() != n {
            return None;
        }
        let found = crate::site::same_pages(pages, &self.counted);
        let mut now = places_now(&found, n);
        let unseen: Vec<usize> = (0..n).filter(|&p| found[p].is_none()).collect();
        let gone = (0..n).filter(|&o| now[o].is_none()).collect::<Vec<_>>();
        for (&o, &p) in gone.iter().zip(&unseen) {
            now[o] = Some(p);
        }
        let now: Vec<usize> = now.into_iter().collect::<Option<_>>()?;
        self.renumber(&now);
        Some(unseen)
    }

    /// Gives page `o` the number `now[o]` everywhere (`now` is a permutation): the per-page
    /// data moves to its new place, and every list of pages holds the new numbers, sorted
    /// where it was sorted.
    fn renumber(&mut self, now: &[usize]) {
        fn moved<T: Default>(data: &mut Vec<T>, now: &[usize]) {
            let mut placed: Vec<T> = (0..data.len()).map(|_| T::default()).collect();
            for (o, item) in data.drain(..).enumerate() {
                if let Some(slot) = now.get(o).and_then(|&p| placed.get_mut(p)) {
                    *slot = item;
                }
            }
            *data = placed;
        }
        let new = |q: usize| now.get(q).copied().unwrap_or(q);
        let sorted = |list: &mut Vec<usize>| {
            list.iter_mut().for_each(|q| *q = new(*q));
            list.sort_unstable();
        };
        // The lists are shared with the last site: made anew rather than cloned and changed.
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); self.lists.len()];
        for (o, list) in self.lists.iter().enumerate() {
            if let Some(slot) = now.get(o).and_then(|&p| lists.get_mut(p)) {
                *slot = list.iter().map(|&q| new(q)).collect();
            }
        }
        self.lists = Arc::new(lists);
        moved(&mut self.page_tags, now);
        self.pairs.values_mut().for_each(sorted);
        moved(&mut self.terms, now);
        let mut counted: Vec<Option<Arc<Page>>> = std::mem::take(&mut self.counted)
            .into_iter()
            .map(Some)
            .collect();
        moved(&mut counted, now);
        self.counted = counted.into_iter().flatten().collect();
        self.by_term.values_mut().for_each(sorted);
        moved(&mut self.keywords, now);
        self.by_keyword.iter_mut().for_each(sorted);
        moved(&mut self.cutoff, now);
        moved(&mut self.by_words, now);
    }

    /// Takes in edits to the pages at `changed` that kept the site's pages and its list of
    /// tags (titles, descriptions, dates, headings, URLs and which tags a page has may change),
    /// and redoes the lists they can change: those of the edited pages, of pages whose keywords
    /// moved (a word's page count changed), of every page whose list considered one of those,
    /// and of every page of a tag that gained or lost a page (its weight changed). Returns
    /// false, having changed nothing, when the edit is more than that; build again then.
    pub fn update(&mut self, pages: &[Arc<Page>], tags: &[Tag], changed: &[usize]) -> bool {
        let n = pages.len();
        if !self.updatable
            || n != self.terms.len()
            || changed.iter().any(|&p| p >= n)
            || tags_key(tags) != self.tags_key
            // A page of another language at a changed place moves every weight of both.
            || sizes(pages) != self.sizes
        {
            return false;
        }
        let mut retagged: Vec<(usize, Vec<usize>)> = Vec::new();
        for &p in changed {
            let lang = pages[p].lang;
            let mine: Vec<usize> = pages[p]
                .tags
                .iter()
                .filter_map(|name| {
                    tags.binary_search_by(|t| {
                        (t.text.lang, t.text.name.as_str()).cmp(&(lang, name))
                    })
                    .ok()
                })
                .collect::<BTreeSet<usize>>()
                .into_iter()
                .collect();
            if mine != self.page_tags[p] {
                // A page's tags and its tags' pages say the same, or this is not an edit the
                // index can follow.
                let listed = |t: usize| tags[t].pages.contains(&p);
                if !mine.iter().all(|&t| listed(t))
                    || self.page_tags[p]
                        .iter()
                        .any(|t| !mine.contains(t) && listed(*t))
                {
                    return false;
                }
                retagged.push((p, mine));
            }
        }
        // Tags that gained or lost a page: their pages' tag pairs and their weights.
        let mut moved_tags: BTreeSet<usize> = BTreeSet::new();
        for (p, mine) in retagged {
            let old = std::mem::replace(&mut self.page_tags[p], mine);
            for pair in tag_pairs(&old) {
                if let Some(list) = self.pairs.get_mut(&pair) {
                    list.retain(|&q| q != p);
                }
            }
            let mine = &self.page_tags[p];
            for pair in tag_pairs(mine) {
                let list = self.pairs.entry(pair).or_default();
                if let Err(at) = list.binary_search(&p) {
                    list.insert(at, p);
                }
            }
            moved_tags.extend(old.iter().filter(|t| !mine.contains(t)));
            moved_tags.extend(mine.iter().filter(|t| !old.contains(t)));
        }
        for &t in &moved_tags {
            self.weights[t] = weight(&tags[t], &self.sizes, n);
        }
        // Words whose page counts changed, and the pages that use them.
        let mut moved_words: BTreeSet<Box<str>> = BTreeSet::new();
        for &p in changed {
            let new: Terms = terms(&pages[p]).into();
            let old = std::mem::replace(&mut self.terms[p], new);
            if let Some(counted) = self.counted.get_mut(p) {
                *counted = Arc::clone(&pages[p]);
            }
            let old_words: BTreeSet<&str> = old.iter().map(|(w, _)| &**w).collect();
            let new_words: BTreeSet<&str> = self.terms[p].iter().map(|(w, _)| &**w).collect();
            for &gone in old_words.difference(&new_words) {
                if let Some(known) = self.df.get_mut(gone) {
                    known.pages -= 1;
                    if known.pages == 0 {
                        self.df.remove(gone);
                    }
                }
                if let Some(list) = self.by_term.get_mut(gone) {
                    list.retain(|&q| q != p);
                    if list.is_empty() {
                        self.by_term.remove(gone);
                    }
                }
                moved_words.insert(gone.into());
            }
            for &came in new_words.difference(&old_words) {
                count_word(&mut self.df, &mut self.next_word, came);
                let list = self.by_term.entry(came.into()).or_default();
                if let Err(at) = list.binary_search(&p) {
                    list.insert(at, p);
                }
                moved_words.insert(came.into());
            }
        }
        let mut rekey: BTreeSet<usize> = changed.iter().copied().collect();
        for word in &moved_words {
            rekey.extend(self.by_term.get(word).into_iter().flatten().copied());
        }
        // Pages whose keywords changed.
        let mut rekeyed = Vec::new();
        for p in rekey {
            let size = self.sizes.get(pages[p].lang).copied().unwrap_or(n);
            let new = select_keywords(&self.terms[p], &self.df, size);
            if new != self.keywords[p] {
                let old = std::mem::replace(&mut self.keywords[p], new);
                for &w in &old {
                    if let Some(list) = self.by_keyword.get_mut(w as usize) {
                        list.retain(|&q| q != p);
                    }
                }
                for &w in &self.keywords[p] {
                    let w = w as usize;
                    if self.by_keyword.len() <= w {
                        self.by_keyword.resize(w + 1, Vec::new());
                    }
                    let list = &mut self.by_keyword[w];
                    if let Err(at) = list.binary_search(&p) {
                        list.insert(at, p);
                    }
                }
                rekeyed.push((p, old));
            }
        }
        // Lists to redo: the edited pages', the rekeyed pages', those that considered either,
        // and those that take candidates from shared words with a rekeyed page.
        let mut redo: BTreeSet<usize> = changed.iter().copied().collect();
        for &p in changed {
            self.considering(tags, p, &mut redo);
        }
        for &t in &moved_tags {
            redo.extend(tags[t].pages.iter().copied());
        }
        for (p, old) in &rekeyed {
            redo.insert(*p);
            // `considering` covers the pages sharing its keywords now; these shared the old.
            self.considering(tags, *p, &mut redo);
            for &w in old {
                for &q in self.by_keyword.get(w as usize).into_iter().flatten() {
                    if self.by_words[q] {
                        redo.insert(q);
                    }
                }
            }
        }
        let redo: Vec<usize> = redo.into_iter().collect();
        let chosen: Vec<Chosen> = redo
            .par_iter()
            .map_init(Scratch::default, |scratch, &p| {
                self.choose(pages, tags, p, scratch, true)
            })
            .collect();
        let lists = Arc::make_mut(&mut self.lists);
        for (&p, c) in redo.iter().zip(chosen) {
            lists[p] = c.list;
            self.cutoff[p] = c.cutoff;
            self.by_words[p] = c.by_words;
        }
        true
    }

    /// What scoring would have kept of page `p`'s `list` made by the level search: its cutoff
    /// (the tag score of its fifth, which is the fifth best, as the tag score orders the list
    /// first) and whether it took candidates from shared keywords (fewer than five pages share
    /// a tag with it).
    fn bounds(&self, tags: &[Tag], p: usize, list: &[usize]) -> (f64, bool) {
        let mine = &self.page_tags[p];
        let mut sharing: HashSet<usize> = HashSet::new();
        'tags: for &t in mine {
            for &q in tags.get(t).map_or(&[][..], |tag| &tag.pages) {
                if q != p && sharing.insert(q) && sharing.len() >= LIMIT {
                    break 'tags;
                }
            }
        }
        let cutoff = match list.get(LIMIT - 1) {
            Some(&q) => self.tag_score(p, q),
            None => f64::NEG_INFINITY,
        };
        (cutoff, sharing.len() < LIMIT)
    }

    /// The tag score of page `q` as a candidate for page `p`: the weights of the tags they
    /// share, added in p's tag order, as `choose` adds them.
    fn tag_score(&self, p: usize, q: usize) -> f64 {
        let theirs = &self.page_tags[q];
        self.page_tags[p]
            .iter()
            .filter(|t| theirs.binary_search(t).is_ok())
            .map(|&t| self.weights[t])
            .sum()
    }

    /// Adds to `out` every page whose list considered page `q` when it was chosen: those
    /// sharing a tag with `q` at a tag score that reaches their list's cutoff (any page scoring
    /// below it could not enter the list, whatever its words or date), and those that took
    /// candidates from shared keywords and share one with `q`. Worked out when asked, not
    /// kept: on a site with broad tags each page has thousands of candidates tied at its
    /// cutoff, and keeping them grew with the square of the site (20 GB at 100,000 pages).
    fn considering(&self, tags: &[Tag], q: usize, out: &mut BTreeSet<usize>) {
        let theirs = &self.page_tags[q];
        let mut seen: HashSet<usize> = HashSet::new();
        for &t in theirs {
            for &p in tags.get(t).map_or(&[][..], |tag| &tag.pages) {
                if p == q || !seen.insert(p) {
                    continue;
                }
                let score = self.tag_score(p, q);
                // A hair below, so that rounding can only add a page to redo, never drop one.
                if score >= self.cutoff[p] - 1e-9 {
                    out.insert(p);
                }
            }
        }
        for &w in &self.keywords[q] {
            for &p in self.by_keyword.get(w as usize).into_iter().flatten() {
                if p != q && self.by_words[p] {
                    out.insert(p);
                }
            }
        }
    }

    /// Chooses page `p`'s list.
    fn choose(
        &self,
        pages: &[Arc<Page>],
        tags: &[Tag],
        p: usize,
        scratch: &mut Scratch,
        pairs_first: bool,
    ) -> Chosen {
        let n = pages.len();
        if n < 2 {
            return Chosen {
                list: Vec::new(),
                cutoff: f64::NEG_INFINITY,
                by_words: false,
                settled: false,
            };
        }
        if pairs_first && !self.ranked.rank.is_empty() {
            if let Some(list) = self.by_levels(pages, &self.ranked, p) {
                let (cutoff, by_words) = if self.updatable {
                    self.bounds(tags, p, &list)
                } else {
                    (f64::NEG_INFINITY, false)
                };
                return Chosen {
                    list,
                    cutoff,
                    by_words,
                    settled: true,
                };
            }
        }
        scratch.ready(n);
        let Scratch {
            scores,
            shares,
            touched,
        } = scratch;
        let mine = &self.page_tags[p];
        let weights = &self.weights;
        let by_weight = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1);
        let mut candidates: Vec<(usize, f64)> = Vec::new();
        let mut settled = false;
        if pairs_first && (2..=64).contains(&mine.len()) {
            // Bit i of `shares[q]`: q has p's i-th tag. Every tag of a page sharing two or more
            // turns up in some pair, so the bits are exact for those pages.
            for (i, &a) in mine.iter().enumerate() {
                for (j, &b) in mine.iter().enumerate().skip(i + 1) {
                    for &q in self.pairs.get(&(a, b)).into_iter().flatten() {
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
                // The weights of the shared tags, added in p's order as the scan adds them.
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
        if !settled {
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
        let by_words = candidates.len() < LIMIT;
        if by_words {
            let have: HashSet<usize> = candidates.iter().map(|c| c.0).collect();
            let mut extra: Vec<usize> = self.keywords[p]
                .iter()
                .filter_map(|&w| self.by_keyword.get(w as usize))
                .flatten()
                .copied()
                // Related lists stay within one language.
                .filter(|&q| q != p && !have.contains(&q) && pages[q].lang == pages[p].lang)
                .collect();
            extra.sort_unstable();
            extra.dedup();
            candidates.extend(extra.into_iter().map(|q| (q, 0.0)));
        }
        // Only the best few matter: find the fifth-best tag score, then compare text only for
        // the candidates that reach it (ties at the cutoff included).
        let mut cutoff = f64::NEG_INFINITY;
        if candidates.len() > LIMIT {
            candidates.select_nth_unstable_by(LIMIT - 1, by_weight);
            cutoff = candidates[LIMIT - 1].1;
            candidates.retain(|c| c.1 >= cutoff);
        }
        let mut scored: Vec<(usize, f64, usize)> = candidates
            .iter()
            .map(|&(q, s)| (q, s, shared(&self.keywords[p], &self.keywords[q])))
            .collect();
        let order = |a: &(usize, f64, usize), b: &(usize, f64, usize)| {
            b.1.total_cmp(&a.1)
                .then(b.2.cmp(&a.2))
                .then_with(|| tie(&pages[a.0], &pages[b.0]))
                // Only pages alike in date, title and URL (a duplicate URL, an error) get here.
                .then(a.0.cmp(&b.0))
        };
        if scored.len() > LIMIT {
            scored.select_nth_unstable_by(LIMIT - 1, order);
            scored.truncate(LIMIT);
        }
        scored.sort_by(order);
        Chosen {
            list: scored.into_iter().map(|(q, _, _)| q).collect(),
            cutoff,
            by_words,
            settled,
        }
    }
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

/// A page's most distinctive words (tf-idf over the site), as their numbers, sorted.
fn select_keywords(terms: &[(Box<str>, u32)], df: &WordMap<Box<str>, Word>, n: usize) -> Vec<u32> {
    let n = n as f64;
    let common = (n * COMMON).max(2.0);
    let mut scored: Vec<(&str, u32, f64)> = terms
        .iter()
        .filter_map(|(word, tf)| {
            let known = df.get(&**word)?;
            let df = f64::from(known.pages);
            (df > 1.0 && df <= common).then(|| (&**word, known.id, f64::from(*tf) * (n / df).ln()))
        })
        .collect();
    // The order among equal scores is the spelling's, so the choice does not depend on how
    // the words were numbered.
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(b.0)));
    let mut top: Vec<u32> = scored
        .into_iter()
        .take(KEYWORDS)
        .map(|(_, id, _)| id)
        .collect();
    top.sort_unstable();
    top
}

/// How many listed pages each language has (by `Page::lang`).
fn sizes(pages: &[Arc<Page>]) -> Vec<usize> {
    let mut sizes = vec![0; pages.iter().map(|p| p.lang + 1).max().unwrap_or(1)];
    for page in pages.iter().filter(|p| p.listed) {
        sizes[page.lang] += 1;
    }
    sizes
}

/// [`STOP`] as numbers (each word has at most eight bytes), compared as the words are.
const STOP_KEYS: [u64; STOP.len()] = crate::search::text::keys(STOP);

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
    use std::collections::BTreeMap;

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

    /// A generated site: `articles` articles with 2-5 of `tags` tags each.
    /// With `tags` 0, the realistic corpus (40 tags, some on many more pages than others).
    fn generated(articles: usize, tags: usize) -> crate::site::Site {
        let tmp = tempfile::tempdir().expect("tempdir");
        if tags == 0 {
            crate::corpus::generate_kind(tmp.path(), articles, crate::corpus::Kind::Realistic)
        } else {
            crate::corpus::generate_with(tmp.path(), articles, tags)
        }
        .expect("generate");
        let inputs = crate::source::load(tmp.path());
        let config =
            crate::config::Config::parse(inputs.config.as_deref().expect("site.yaml"), None)
                .expect("config");
        let mut errors = Vec::new();
        let langs = std::sync::Arc::new(crate::lang::languages(&config, &inputs.i18n, &mut errors));
        let site = crate::site::assemble(
            config,
            langs,
            &inputs.content,
            &[],
            &[],
            false,
            &crate::shortcode::Env::none(),
            &mut crate::site::Memo::default(),
            &mut errors,
        );
        assert!(errors.is_empty(), "the generated site builds: {errors:?}");
        site
    }

    /// The level search and the tag-pair shortcut give the lists a full scan gives, on
    /// generated sites with broad tags (where the shortcut settles most pages) and with few,
    /// narrow ones (where it falls back).
    #[test]
    fn the_pair_shortcut_changes_nothing() {
        let (mut settled, mut fell_back) = (0, 0);
        for (articles, tags) in [(400, 40), (300, 6), (120, 90), (600, 0)] {
            let site = generated(articles, tags);
            let levels = Index::build_with(&site.pages, &site.tags, true, Way::Levels, None);
            let pairs = Index::build_with(&site.pages, &site.tags, true, Way::Pairs, None);
            let full = Index::build_with(&site.pages, &site.tags, false, Way::Scan, None);
            assert_eq!(levels.lists, full.lists, "{articles} articles, {tags} tags");
            assert_eq!(pairs.lists, full.lists, "{articles} articles, {tags} tags");
            assert_eq!(full.settled, 0);
            assert_eq!(
                levels.settled, articles,
                "every page has at most eight tags"
            );
            settled += pairs.settled;
            fell_back += articles - pairs.settled;
        }
        // Both ways of the shortcut were exercised.
        assert!(
            settled > 600 && fell_back > 100,
            "{settled} settled, {fell_back} not"
        );
    }

    /// Every page's list, ranked the plainest way: every other page scored by the tags it
    /// shares (weights added in the page's order) or, when fewer than five share one, also by
    /// keywords alone; then the whole order. Quadratic: the reference the fast ways must match.
    fn brute_force(index: &Index, pages: &[Arc<Page>]) -> Vec<Vec<usize>> {
        let n = pages.len();
        (0..n)
            .map(|p| {
                if n < 2 {
                    return Vec::new();
                }
                let mine = &index.page_tags[p];
                let mut tagged: Vec<(usize, f64)> = Vec::new();
                for q in (0..n).filter(|&q| q != p) {
                    let theirs = &index.page_tags[q];
                    let mut score = 0.0;
                    let mut any = false;
                    for &t in mine.iter().filter(|t| theirs.contains(t)) {
                        score += index.weights[t];
                        any = true;
                    }
                    if any {
                        tagged.push((q, score));
                    }
                }
                if tagged.len() < LIMIT {
                    let extra: Vec<usize> = (0..n)
                        .filter(|&q| {
                            q != p
                                && pages[q].lang == pages[p].lang
                                && !tagged.iter().any(|c| c.0 == q)
                                && shared(&index.keywords[p], &index.keywords[q]) > 0
                        })
                        .collect();
                    tagged.extend(extra.into_iter().map(|q| (q, 0.0)));
                }
                let mut all: Vec<(usize, f64, usize)> = tagged
                    .into_iter()
                    .map(|(q, s)| (q, s, shared(&index.keywords[p], &index.keywords[q])))
                    .collect();
                all.sort_by(|a, b| {
                    b.1.total_cmp(&a.1)
                        .then(b.2.cmp(&a.2))
                        .then_with(|| tie(&pages[a.0], &pages[b.0]))
                        .then(a.0.cmp(&b.0))
                });
                all.into_iter().take(LIMIT).map(|c| c.0).collect()
            })
            .collect()
    }

    /// Tag lists as `pick` gives them, page by page, in place of a site's own: one tag on
    /// every page, pages without tags, many pages with the same set, a page with many tags.
    fn retagged(
        site: &crate::site::Site,
        count: usize,
        mut pick: impl FnMut(usize) -> Vec<usize>,
    ) -> Vec<Tag> {
        let Some(model) = site.tags.first() else {
            return Vec::new();
        };
        let mut tags: Vec<Tag> = (0..count)
            .map(|t| {
                let mut tag = model.clone();
                tag.text.name = format!("t{t:03}");
                tag.pages = Vec::new();
                tag
            })
            .collect();
        for p in 0..site.pages.len() {
            let mut mine = pick(p);
            mine.sort_unstable();
            mine.dedup();
            for t in mine {
                tags[t].pages.push(p);
            }
        }
        tags
    }

    /// Title and heading words of the generated test sites.
    const TEST_WORDS: &[&str] = &[
        "naltrexone",
        "craving",
        "liver",
        "injection",
        "tablet",
        "relapse",
        "opioid",
        "alcohol",
        "withdrawal",
        "overdose",
        "family",
        "prescriber",
        "pregnancy",
        "sleep",
        "nausea",
        "counseling",
        "recovery",
        "dose",
        "monthly",
        "daily",
        "label",
        "trial",
    ];

    /// The level search gives exactly the brute-force ranking, on sites of a few hundred
    /// pages with tags spread every way that stresses it, titles from a small vocabulary (many
    /// keyword ties) and shared dates (many ties decided by title).
    #[test]
    fn the_level_search_is_the_brute_force_ranking() {
        // A small vocabulary: many keyword ties.
        let words: &[&str] = &TEST_WORDS[..13];
        let mut rng = crate::corpus::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move |below: usize| rng.below(below.max(1));
        let base = generated(320, 12);
        let pages_without_headings = {
            let mut body = (*base.pages[0].body).clone();
            body.headings.clear();
            Arc::new(body)
        };
        for case in 0..12 {
            let mut pages = base.pages.clone();
            // Titles that share words with many pages, with a few, or the generated ones.
            if case % 3 != 2 {
                for page in &mut pages {
                    let page = Arc::make_mut(page);
                    page.title = (0..1 + next(3))
                        .map(|_| {
                            if case % 3 == 0 {
                                words[next(words.len())].to_owned()
                            } else {
                                format!("word{}", next(400))
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    page.description = String::new();
                    if next(2) == 0 {
                        page.body = Arc::clone(&pages_without_headings);
                    }
                }
            }
            if case % 2 == 0 {
                let dates: Vec<_> = pages.iter().take(4).map(|p| p.date).collect();
                for page in &mut pages {
                    Arc::make_mut(page).date = dates[next(dates.len())];
                }
            }
            let tags = match case {
                // One tag on every page, a few others.
                0 | 1 => retagged(&base, 6, |_| {
                    let mut mine = vec![0];
                    mine.extend((0..next(3)).map(|_| 1 + next(5)));
                    mine
                }),
                // A third without tags, the rest one to three of eight.
                2 | 3 => retagged(&base, 8, |_| {
                    if next(3) == 0 {
                        Vec::new()
                    } else {
                        (0..1 + next(3)).map(|_| next(8)).collect()
                    }
                }),
                // Four tag sets, shared by many pages each.
                4 => retagged(&base, 6, |_| match next(4) {
                    0 => vec![0, 1],
                    1 => vec![0, 1, 2],
                    2 => vec![3],
                    _ => vec![2, 4, 5],
                }),
                // The realistic skew: 2-5 of 40, the first ones far more common; one page with
                // twelve tags (the full scan's way) and one with all of one kind.
                5 | 6 => retagged(&base, 40, |p| match p {
                    7 => (0..12).collect(),
                    9 => vec![0, 1, 2, 3, 4, 5, 6, 7],
                    _ => (0..2 + next(4)).map(|_| next(40) * next(40) / 39).collect(),
                }),
                // Narrow tags (a page or two each): keywords decide most lists.
                7 => retagged(&base, 200, |_| (0..next(3)).map(|_| next(200)).collect()),
                // No tags at all.
                8 => retagged(&base, 1, |_| Vec::new()),
                // Big levels: two or three of four tags on every page.
                _ => retagged(&base, 4, |_| (0..2 + next(2)).map(|_| next(4)).collect()),
            };
            let levels = Index::build(&pages, &tags, false);
            let reference = brute_force(&levels, &pages);
            for (p, expected) in reference.iter().enumerate() {
                assert_eq!(
                    &levels.lists[p], expected,
                    "case {case}, page {p}: tags {:?}",
                    levels.page_tags[p]
                );
            }
            let updatable = Index::build(&pages, &tags, true);
            assert!(
                updatable.lists[..] == reference[..],
                "case {case}: pair path"
            );
            let full = Index::build_with(&pages, &tags, false, Way::Scan, None);
            assert!(full.lists[..] == reference[..], "case {case}: full scan");
        }
    }

    /// Pages are found by the same `Arc` across a deleted, an added and an edited article.
    #[test]
    fn same_pages_are_found_across_added_and_deleted_articles() {
        use crate::site::same_pages;
        let p = generated(6, 2).pages;
        let mut edited = Arc::clone(&p[3]);
        Arc::make_mut(&mut edited).title.push_str(" again");
        let last = p[..5].to_vec();
        // The second deleted, the fourth edited (a new `Arc`), the sixth added.
        let pages = vec![
            Arc::clone(&p[0]),
            Arc::clone(&p[2]),
            edited,
            Arc::clone(&p[4]),
            Arc::clone(&p[5]),
        ];
        assert_eq!(
            same_pages(&pages, &last),
            [Some(0), Some(2), None, Some(4), None]
        );
        assert_eq!(
            same_pages(&last, &pages),
            [Some(0), None, Some(1), None, Some(3)]
        );
        assert_eq!(same_pages(&last, &last), [0, 1, 2, 3, 4].map(Some));
        assert!(same_pages(&pages, &[]).iter().all(Option::is_none));
    }

    /// An index told that the pages are new `Arc`s of the same pages holds the new ones, not
    /// the old (their bodies may be large), and a build after it takes every count.
    #[test]
    fn the_index_holds_the_pages_it_was_last_told_of() {
        let site = generated(20, 4);
        let mut index = Index::build(&site.pages, &site.tags, true);
        assert!(site.pages.iter().all(|p| Arc::strong_count(p) == 2));
        let again: Vec<Arc<Page>> = site.pages.iter().map(|p| Arc::new((**p).clone())).collect();
        index.counted_from(&again);
        assert!(site.pages.iter().all(|p| Arc::strong_count(p) == 1));
        let after = Index::build_after(&again, &site.tags, index.clone());
        assert!((0..again.len()).all(|p| Arc::ptr_eq(&after.terms[p], &index.terms[p])));
    }

    /// Each page's keywords by spelling, sorted: what an index chose, whatever numbers it gave
    /// the words.
    fn keyword_words(index: &Index) -> Vec<Vec<&str>> {
        let spelling: HashMap<u32, &str> =
            index.df.iter().map(|(w, known)| (known.id, &**w)).collect();
        index
            .keywords
            .iter()
            .map(|ids| {
                let mut words: Vec<&str> = ids.iter().map(|id| spelling[id]).collect();
                words.sort_unstable();
                words
            })
            .collect()
    }

    /// The pages that have each keyword, by the keyword's spelling, as the index holds them
    /// (in its order).
    fn keyword_pages(index: &Index) -> BTreeMap<&str, &[usize]> {
        index
            .df
            .iter()
            .filter_map(|(w, known)| {
                let pages = index.by_keyword.get(known.id as usize)?;
                (!pages.is_empty()).then_some((&**w, pages.as_slice()))
            })
            .collect()
    }

    /// Which pages use each word, by spelling, and how many: the same in an index carried
    /// over from the last one as in one counted afresh.
    fn word_pages(index: &Index) -> BTreeSet<(&str, u32, &[usize])> {
        index
            .df
            .iter()
            .map(|(w, known)| {
                let pages = index.by_term.get(w).map_or(&[][..], Vec::as_slice);
                (&**w, known.pages, pages)
            })
            .collect()
    }

    /// A build after an edit takes the word counts of the pages that stayed the same `Arc`
    /// from the last index and counts the others again, and carries its counts of words over
    /// to the new pages' numbers: the same index as a fresh build, through edits, new pages
    /// and deleted ones.
    #[test]
    fn a_build_after_an_edit_gives_what_a_fresh_build_gives() {
        let mut rng = crate::corpus::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move |below: usize| rng.below(below);
        let site = generated(160, 12);
        let mut pages = site.pages.clone();
        let mut tags: Vec<Tag> = site.tags.to_vec();
        for page in &mut pages {
            let title = (0..3)
                .map(|_| TEST_WORDS[next(TEST_WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ");
            Arc::make_mut(page).title = title;
        }
        let mut last = Index::build(&pages, &tags, true);
        let (mut added, mut deleted) = (0, 0);
        for step in 0..24 {
            let mut edited = pages.clone();
            let mut edited_tags = tags.clone();
            for _ in 0..1 + step % 3 {
                let p = next(edited.len());
                let word = TEST_WORDS[next(TEST_WORDS.len())];
                Arc::make_mut(&mut edited[p]).title = format!("{word} {step}");
            }
            match step % 4 {
                // A page deleted: the pages after it move up one.
                1 => {
                    let gone = next(edited.len());
                    edited.remove(gone);
                    for tag in &mut edited_tags {
                        tag.pages.retain(|&q| q != gone);
                        tag.pages
                            .iter_mut()
                            .filter(|q| **q > gone)
                            .for_each(|q| *q -= 1);
                    }
                    deleted += 1;
                }
                // A page added after another (pages are in source-path order), with words of
                // its own and the other's tags.
                3 => {
                    let model = next(edited.len());
                    let at = model + 1;
                    let mut page = (*edited[model]).clone();
                    page.title = format!("{} new{step}", TEST_WORDS[next(TEST_WORDS.len())]);
                    page.url = format!("/new-{step}/");
                    page.rel = format!("{}-new{step}", page.rel);
                    edited.insert(at, Arc::new(page));
                    for tag in &mut edited_tags {
                        let had = tag.pages.contains(&model);
                        tag.pages
                            .iter_mut()
                            .filter(|q| **q >= at)
                            .for_each(|q| *q += 1);
                        if had {
                            tag.pages.push(at);
                        }
                    }
                    added += 1;
                }
                _ => {}
            }
            let after = Index::build_after(&edited, &edited_tags, last.clone());
            let fresh = Index::build(&edited, &edited_tags, true);
            assert!(after.lists == fresh.lists, "step {step}: lists");
            assert_eq!(
                keyword_words(&after),
                keyword_words(&fresh),
                "step {step}: keywords"
            );
            assert_eq!(word_pages(&after), word_pages(&fresh), "step {step}: words");
            assert_eq!(after.terms, fresh.terms, "step {step}: word counts");
            let shared = (0..edited.len())
                .filter(|&p| last.terms.iter().any(|t| Arc::ptr_eq(&after.terms[p], t)))
                .count();
            assert!(shared + 4 >= edited.len(), "step {step}: {shared} shared");
            (pages, tags, last) = (edited, edited_tags, after);
        }
        assert_eq!((added, deleted), (6, 6));
    }

    /// A file renamed moves the pages between its old and new place (in source-path order)
    /// by one: the index follows them to their new numbers and updates the renamed page's
    /// lists, and those it reaches, as a fresh build makes them; also when the renamed page
    /// changed its title too.
    #[test]
    fn an_index_follows_the_pages_a_renamed_file_moves() {
        let mut rng = crate::corpus::Rng::new(0x0dd5_eed5_0f5e_a5e5);
        let mut next = move |below: usize| rng.below(below);
        // Broad tags, and narrow ones (lists filled from shared keywords).
        let mut by_words = 0;
        for (articles, tag_count) in [(160, 12), (120, 90)] {
            by_words += follow_renames(generated(articles, tag_count), &mut next);
        }
        assert!(by_words > 0);
    }

    /// Renames in `site` as [`an_index_follows_the_pages_a_renamed_file_moves`] makes them;
    /// how many lists the index ends with that took pages by shared keywords.
    fn follow_renames(site: crate::site::Site, next: &mut impl FnMut(usize) -> usize) -> usize {
        let mut pages: Vec<Arc<Page>> = site.pages.to_vec();
        let mut tags: Vec<Tag> = site.tags.to_vec();
        let mut index = Index::build(&pages, &tags, true);
        for step in 0..16 {
            let (a, b) = (next(pages.len()), next(pages.len()));
            let mut renamed = (*pages[a]).clone();
            renamed.rel = format!("{}~{step}", pages[b].rel);
            renamed.url = format!("/renamed-{step}/");
            if step % 3 == 0 {
                renamed.title = format!("{} {step}", TEST_WORDS[next(TEST_WORDS.len())]);
            }
            let renamed = Arc::new(renamed);
            let mut moved: Vec<Arc<Page>> = pages
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != a)
                .map(|(_, p)| Arc::clone(p))
                .chain([Arc::clone(&renamed)])
                .collect();
            moved.sort_by(|x, y| x.rel.cmp(&y.rel));
            let place = |old: usize| {
                let page = if old == a { &renamed } else { &pages[old] };
                moved.iter().position(|p| Arc::ptr_eq(p, page))
            };
            let moved_tags: Vec<Tag> = tags
                .iter()
                .map(|tag| {
                    let mut tag = tag.clone();
                    tag.pages = tag.pages.iter().filter_map(|&q| place(q)).collect();
                    tag
                })
                .collect();
            let unseen = index.follow_moves(&moved).expect("as many pages");
            assert_eq!(
                unseen,
                place(a).into_iter().collect::<Vec<_>>(),
                "step {step}"
            );
            assert!(index.update(&moved, &moved_tags, &unseen), "step {step}");
            let fresh = Index::build(&moved, &moved_tags, true);
            assert!(index.lists == fresh.lists, "step {step}: lists");
            assert_eq!(keyword_words(&index), keyword_words(&fresh), "step {step}");
            assert_eq!(word_pages(&index), word_pages(&fresh), "step {step}: words");
            assert_eq!(index.page_tags, fresh.page_tags, "step {step}: tags");
            assert_eq!(index.cutoff, fresh.cutoff, "step {step}: cutoffs");
            assert_eq!(index.by_words, fresh.by_words, "step {step}: by words");
            assert_eq!(
                keyword_pages(&index),
                keyword_pages(&fresh),
                "step {step}: pages by keyword"
            );
            (pages, tags) = (moved, moved_tags);
        }
        index.by_words.iter().filter(|&&b| b).count()
    }

    /// After any run of edits to titles, descriptions, headings and dates, updating the index
    /// gives the lists that building it from scratch gives.
    #[test]
    fn an_update_gives_the_lists_a_new_build_gives() {
        const WORDS: &[&str] = TEST_WORDS;
        let mut rng = crate::corpus::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = move |below: usize| rng.below(below);
        let phrase = |n: usize, next: &mut dyn FnMut(usize) -> usize| {
            (0..n)
                .map(|_| WORDS[next(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (articles, tags) in [(240, 30), (160, 6), (120, 90)] {
            let site = generated(articles, tags);
            let mut pages = site.pages.clone();
            // Titles from a small vocabulary, so keywords are shared and matter.
            for page in &mut pages {
                Arc::make_mut(page).title = phrase(3, &mut next);
            }
            let mut index = Index::build(&pages, &site.tags, true);
            for step in 0..60 {
                let edited: Vec<usize> = (0..1 + step % 2).map(|_| next(articles)).collect();
                for &p in &edited {
                    let q = next(articles);
                    match step % 4 {
                        0 => Arc::make_mut(&mut pages[p]).title = phrase(1 + next(4), &mut next),
                        1 => Arc::make_mut(&mut pages[p]).description = phrase(5, &mut next),
                        2 => {
                            let body = Arc::clone(&pages[q].body);
                            Arc::make_mut(&mut pages[p]).body = body;
                        }
                        _ => {
                            let date = pages[q].date;
                            Arc::make_mut(&mut pages[p]).date = date;
                        }
                    }
                }
                assert!(index.update(&pages, &site.tags, &edited));
                let fresh = Index::build(&pages, &site.tags, false);
                assert!(
                    index.lists == fresh.lists,
                    "{articles} articles, {tags} tags: step {step} ({edited:?}) differs"
                );
            }
        }
    }

    /// Adding, removing and swapping a page's tags changes the weight of every tag that gained
    /// or lost it: the update redoes what a new build would give, on sites with few broad tags
    /// and with many narrow ones.
    #[test]
    fn an_update_that_changes_tags_gives_the_lists_a_new_build_gives() {
        let mut rng = crate::corpus::Rng::new(0x94d0_49bb_1331_11eb);
        let mut next = move |below: usize| rng.below(below);
        for (articles, count) in [(200, 6), (150, 40)] {
            let site = generated(articles, 4);
            let mut pages = site.pages.clone();
            let mut chosen: Vec<Vec<usize>> = (0..articles)
                .map(|_| (0..1 + next(4)).map(|_| next(count)).collect())
                .collect();
            let apply = |pages: &mut Vec<Arc<Page>>, chosen: &mut Vec<Vec<usize>>| {
                for (page, mine) in pages.iter_mut().zip(chosen.iter_mut()) {
                    mine.sort_unstable();
                    mine.dedup();
                    Arc::make_mut(page).tags = mine.iter().map(|t| format!("t{t:03}")).collect();
                }
                retagged(&site, count, |p| chosen[p].clone())
            };
            let mut tags = apply(&mut pages, &mut chosen);
            let mut index = Index::build(&pages, &tags, true);
            for step in 0..40 {
                let edited: Vec<usize> = (0..1 + step % 2).map(|_| next(articles)).collect();
                for &p in &edited {
                    match step % 3 {
                        0 => chosen[p].push(next(count)),
                        1 => {
                            chosen[p].pop();
                        }
                        _ => chosen[p] = vec![next(count), next(count)],
                    }
                }
                tags = apply(&mut pages, &mut chosen);
                assert!(index.update(&pages, &tags, &edited), "step {step}");
                let fresh = Index::build(&pages, &tags, false);
                assert!(
                    index.lists == fresh.lists,
                    "{articles} articles, {count} tags: step {step} ({edited:?}) differs"
                );
            }
        }
    }

    /// A page in no list (`listed: false`, so no tags) is in no related list either, even
    /// where lists fall back on shared keywords (narrow tags) and its words are everyone's.
    #[test]
    fn an_unlisted_page_is_in_no_related_list() {
        let site = generated(120, 0);
        let mut pages = site.pages.clone();
        // Page 1 has no tags, so its list is made of shared keywords; page 0 takes its words.
        let (title, description, body) = (
            pages[1].title.clone(),
            pages[1].description.clone(),
            Arc::clone(&pages[1].body),
        );
        let page = Arc::make_mut(&mut pages[0]);
        page.tags.clear();
        (page.title, page.description, page.body) = (title, description, body);
        Arc::make_mut(&mut pages[1]).tags.clear();
        let tags: Vec<Tag> = site
            .tags
            .iter()
            .cloned()
            .map(|mut t| {
                t.pages.retain(|&p| p > 1);
                t
            })
            .collect();
        // Listed, it is in page 1's list; not listed, in none.
        assert!(Index::build(&pages, &tags, false).lists[1].contains(&0));
        Arc::make_mut(&mut pages[0]).listed = false;
        for updatable in [false, true] {
            let index = Index::build(&pages, &tags, updatable);
            assert!(
                index.lists.iter().all(|list| !list.contains(&0)),
                "updatable {updatable}"
            );
        }
    }

    #[test]
    fn an_update_the_index_cannot_follow_is_refused() {
        let site = generated(60, 8);
        let mut pages = site.pages.clone();
        let mut index = Index::build(&pages, &site.tags, true);
        Arc::make_mut(&mut pages[3]).title = "Another title".into();
        assert!(!index.update(&pages, &site.tags[1..], &[3]));
        // Another language's page in its place (no tags, so the tags agree): every weight of
        // both languages moves.
        let mut other = pages.clone();
        let page = Arc::make_mut(&mut other[3]);
        page.lang = 1;
        page.tags.clear();
        let untagged: Vec<Tag> = site
            .tags
            .iter()
            .cloned()
            .map(|mut t| {
                t.pages.retain(|&p| p != 3);
                t
            })
            .collect();
        assert!(!index.update(&other, &untagged, &[3]));
        // A page's tags that its tags' pages do not say.
        let other = site
            .tags
            .iter()
            .find(|t| !t.pages.contains(&3))
            .expect("a tag without page 3");
        Arc::make_mut(&mut pages[3]).tags = vec![other.text.name.clone()];
        assert!(!index.update(&pages, &site.tags, &[3]));
    }

    #[test]
    fn shared_counts_common_sorted_words() {
        assert_eq!(shared(&["a", "c", "e"], &["b", "c", "d", "e"]), 2);
    }
}
