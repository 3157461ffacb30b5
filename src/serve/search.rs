//! The search index between rebuilds: each page's entry, kept with a hash of what it was made
//! from, so a rebuild makes again only the entries of pages whose searchable data changed.

use crate::feeds;
use crate::publish::Output;
use crate::site::Site;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Each page's search entry as JSON with the hash of its data, in page order, and where each
/// URL's entry is.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchCache {
    entries: Vec<(u64, Arc<str>)>,
    by_url: HashMap<String, usize>,
}

impl SearchCache {
    /// Language `lang`'s index of `site`; the first language's call checks every page's entry
    /// against its hash (all languages' entries are kept together).
    pub(crate) fn index(&mut self, site: &Site, lang: usize) -> Output {
        if lang == 0 || self.entries.len() != site.pages.len() {
            self.refresh(site);
        }
        self.join(site, lang)
    }

    /// Every page's entry, checked against its hash.
    fn refresh(&mut self, site: &Site) {
        let entries: Vec<(u64, Arc<str>)> = site
            .pages
            .par_iter()
            .map(|page| {
                let hash = feeds::entry_hash(site, page);
                match self
                    .by_url
                    .get(&page.url)
                    .and_then(|&i| self.entries.get(i))
                {
                    Some((old, json)) if *old == hash => (hash, Arc::clone(json)),
                    _ => (hash, feeds::entry(site, page)),
                }
            })
            .collect();
        self.by_url = site
            .pages
            .iter()
            .enumerate()
            .map(|(i, page)| (page.url.clone(), i))
            .collect();
        self.entries = entries;
    }

    /// The index after only the articles at `pages` changed, keeping their URLs and places:
    /// only their entries are made again.
    /// (Called once per language; the first call, for language 0, updates the entries.)
    pub(crate) fn patch(&mut self, site: &Site, pages: &[usize], lang: usize) -> Output {
        if self.entries.len() != site.pages.len() {
            return self.index(site, lang);
        }
        if lang == 0 {
            for &p in pages {
                if let Some(page) = site.pages.get(p) {
                    self.entries[p] = (feeds::entry_hash(site, page), feeds::entry(site, page));
                }
            }
        }
        self.join(site, lang)
    }

    fn join(&self, site: &Site, lang: usize) -> Output {
        let json: Vec<&str> = self.entries.iter().map(|(_, e)| &**e).collect();
        let order: Vec<usize> = site.order_in(lang).collect();
        feeds::join_entries(&json, &order, &site.langs[lang])
    }
}
