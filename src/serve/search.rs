//! The search index between rebuilds, per language: each page's entry (its scored terms,
//! phrase pairs and result metadata) with a key of the page it was made from, and the index
//! made of them (`search::Live`). A rebuild makes again only the entries of pages whose
//! searchable text changed (told by a key made of the page's fields and its body's hash, not
//! by reading the text again). When few changed, the kept index is edited: only those entries'
//! terms are encoded again, and when pages moved in the index's order (`search::order`:
//! newest first, then by URL; a new date or URL, a page added or removed) the lists of the
//! pages that moved are numbered again; otherwise the index is made afresh from the entries
//! (cheap next to stemming every page).

use crate::page::Page;
use crate::publish::Output;
use crate::search::{self, Language, Live};
use crate::site::Site;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Up to this many new or changed entries are edited into the kept index; more make it afresh.
const PATCH_MOST: usize = 64;

/// The last index of each language (by URL prefix).
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchCache {
    languages: HashMap<String, Kept>,
}

/// One language's last index, with each document's URL and key in document order.
#[derive(Debug, Clone, Default)]
struct Kept {
    docs: Vec<(String, u64)>,
    /// Each document's page (kept alive here, so an address is never another page's while
    /// it is compared), and [`context`] of the site the keys were made for: a key is reused
    /// for the same page while the context is the same.
    pages: Vec<Arc<Page>>,
    context: u64,
    live: Live,
}

impl SearchCache {
    /// Language `lang`'s index of `site`: every file with `all`, else only those that changed
    /// since the last call (the caller keeps the others: see [`SearchCache::has_file`]).
    pub(crate) fn index(&mut self, site: &Site, lang: usize, all: bool) -> Vec<Output> {
        self.update(site, lang, None, all)
    }

    /// The files of language `lang`'s index of `site` that changed since the last call, when
    /// only the articles `edited` (indices into `site.pages`) changed since (a patch: the other
    /// files are still served).
    pub(crate) fn patch(&mut self, site: &Site, lang: usize, edited: &[usize]) -> Vec<Output> {
        if edited.is_empty() {
            // Only intros changed, which search does not read.
            return Vec::new();
        }
        self.update(site, lang, Some(edited), false)
    }

    /// Whether `path` (in the output folder) is one of the files of the index of the language
    /// whose URLs start with `url_prefix`, as the last call left it.
    pub(crate) fn has_file(&self, url_prefix: &str, path: &str, offline: bool) -> bool {
        let Some(kept) = self.languages.get(url_prefix) else {
            return false;
        };
        let folder = search::folder(url_prefix);
        path.strip_prefix(folder.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| kept.live.has_file(name, offline))
    }

    /// Brings language `lang`'s kept index up to `site`; its files: all of them with `all`,
    /// else those that changed. With `edited`, those are the only articles that changed since
    /// this language's last call.
    fn update(
        &mut self,
        site: &Site,
        lang: usize,
        edited: Option<&[usize]>,
        all: bool,
    ) -> Vec<Output> {
        let mut clock = crate::Stopwatch::new();
        let language = &site.langs[lang];
        let words = Language::of(&language.code);
        let url_prefix = language.lang().url("");
        // The documents in order: each page's index into `site.pages`, and the page.
        let pages: Vec<(usize, &Page)> = search::order(site, lang)
            .into_iter()
            .filter_map(|p| site.pages.get(p).map(|page| (p, &**page)))
            .collect();
        let kept = self.languages.entry(url_prefix.clone()).or_default();
        let same_order = pages.len() == kept.docs.len()
            && pages.iter().zip(&kept.docs).all(|((_, p), d)| p.url == d.0);
        if let (Some(edited), true, false) = (edited, same_order, kept.docs.is_empty()) {
            kept.edit_in_place(site, words, &pages, edited);
        } else {
            kept.bring_up_to(site, words, &pages, edited, same_order, &mut clock);
        }
        clock.lap("serve: search index edited");
        let outputs = kept
            .live
            .outputs(words, &url_prefix, site.config.offline, !all);
        clock.lap("serve: search files");
        outputs
    }
}

impl Kept {
    /// A patch that moved no document (`pages` are the documents in the kept order): only the
    /// `edited` articles can have a new entry, and the others' keys, pages and entries stay
    /// where they are.
    fn edit_in_place(
        &mut self,
        site: &Site,
        words: Language,
        pages: &[(usize, &Page)],
        edited: &[usize],
    ) {
        for (i, (p, page)) in pages.iter().enumerate() {
            if !edited.contains(p) {
                continue;
            }
            let key = key(site, page);
            if self.docs[i].1 != key {
                self.docs[i].1 = key;
                let entry = search::entry(words, &search::doc(site, page));
                self.live.replace(i, Arc::new(entry));
            }
            if let Some(slot) = self.pages.get_mut(i) {
                *slot = Arc::clone(&site.pages[*p]);
            }
        }
    }

    /// Brings the kept index up to `pages` (the documents in order) in any other case: with
    /// `edited`, only those articles can have a new key; otherwise a key is reused while its
    /// page is the same `Arc` and the context is the same. Entries that stay are kept, and the
    /// index is edited, renumbered or made afresh.
    fn bring_up_to(
        &mut self,
        site: &Site,
        words: Language,
        pages: &[(usize, &Page)],
        edited: Option<&[usize]>,
        same_order: bool,
        clock: &mut crate::Stopwatch,
    ) {
        // The kept documents by URL, when the order changed.
        let before: HashMap<&str, usize> = if same_order {
            HashMap::new()
        } else {
            self.docs
                .iter()
                .enumerate()
                .map(|(o, (url, _))| (url.as_str(), o))
                .collect()
        };
        // Document `i`'s number in the kept index, if it was there.
        let old_number = |i: usize, url: &str| -> Option<usize> {
            let o = if same_order { i } else { *before.get(url)? };
            (o < self.docs.len()).then_some(o)
        };
        let keys: Vec<(String, u64)> = match edited {
            // Only the edited pages can have a new key.
            Some(edited) => pages
                .iter()
                .enumerate()
                .map(|(i, (p, page))| {
                    let key = match old_number(i, &page.url) {
                        Some(o) if !edited.contains(p) => self.docs[o].1,
                        _ => key(site, page),
                    };
                    (page.url.clone(), key)
                })
                .collect(),
            None => {
                let same_context = self.context == context(site);
                pages
                    .par_iter()
                    .enumerate()
                    .map(|(i, (p, page))| {
                        let reused = old_number(i, &page.url).filter(|&o| {
                            same_context
                                && self
                                    .pages
                                    .get(o)
                                    .is_some_and(|q| Arc::ptr_eq(q, &site.pages[*p]))
                        });
                        let key = match reused {
                            Some(o) => self.docs[o].1,
                            None => key(site, page),
                        };
                        (page.url.clone(), key)
                    })
                    .collect()
            }
        };
        // For each document, its number in the kept index when its entry can stay.
        let from: Vec<Option<usize>> = keys
            .iter()
            .enumerate()
            .map(|(i, (url, key))| old_number(i, url).filter(|&o| self.docs[o].1 == *key))
            .collect();
        let fresh = from.iter().filter(|f| f.is_none()).count();
        let entry = |((_, page), from): (&(usize, &Page), &Option<usize>)| match from {
            Some(o) => Arc::clone(&self.live.entries()[*o]),
            None => Arc::new(search::entry(words, &search::doc(site, page))),
        };
        // A few new entries are made here; many (the first build) on every core.
        let entries: Vec<Arc<search::Entry>> = if fresh > 16 {
            pages.par_iter().zip(&from).map(entry).collect()
        } else {
            pages.iter().zip(&from).map(entry).collect()
        };
        clock.lap("serve: search entries");
        if self.docs.is_empty() || fresh > PATCH_MOST {
            self.live = Live::new(entries);
        } else if same_order {
            for (i, entry) in entries.into_iter().enumerate() {
                if from[i].is_none() {
                    self.live.replace(i, entry);
                }
            }
        } else {
            self.live.reorder(entries, &from);
        }
        self.docs = keys;
        self.pages = pages
            .iter()
            .map(|(p, _)| Arc::clone(&site.pages[*p]))
            .collect();
        self.context = context(site);
    }
}

/// What the keys read of the site beside each page: every section's and every tag's title.
fn context(site: &Site) -> u64 {
    let sections = site.sections.iter().map(|s| (s.lang, &s.name, &s.title));
    let tags = site
        .tags
        .iter()
        .map(|t| (t.text.lang, &t.text.name, &t.text.title));
    crate::hash::of(&(sections.collect::<Vec<_>>(), tags.collect::<Vec<_>>()))
}

/// What a page's search entry is made from, as one number: the fields `search::doc` reads,
/// with the body by its hash (which covers its HTML, and so its headings and prose).
fn key(site: &Site, page: &Page) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::Hasher::default();
    (
        &page.title,
        &page.url,
        &page.description,
        page.body.hash,
        page.body.prose.len(),
    )
        .hash(&mut h);
    site.section_of(page).map(|s| &s.title).hash(&mut h);
    for tag in &page.tags {
        site.tag(page.lang, tag).map(|t| &t.text.title).hash(&mut h);
    }
    h.finish()
}
