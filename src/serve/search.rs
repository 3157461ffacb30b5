//! The search index between rebuilds: each page's entry (its scored terms, phrase pairs and
//! result metadata), kept by URL with a hash of the document it was made from, so a rebuild
//! makes again only the entries of pages whose searchable text changed, then packs the shards
//! from the entries (`search::assemble`: cheap next to stemming every page again).

use crate::publish::Output;
use crate::search::{self, Entry, Language};
use crate::site::Site;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Each page's search entry with the hash of its document, by URL.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchCache {
    entries: HashMap<String, (u64, Arc<Entry>)>,
}

impl SearchCache {
    /// The index of `site`, checking every page's document against its hash.
    pub(crate) fn index(&mut self, site: &Site) -> Vec<Output> {
        let language = Language::of(&site.config.language);
        let docs = search::docs(site);
        let entries: Vec<(u64, Arc<Entry>)> = docs
            .par_iter()
            .map(|doc| {
                let hash = crate::hash::of(doc);
                match self.entries.get(doc.url) {
                    Some((old, entry)) if *old == hash => (hash, Arc::clone(entry)),
                    _ => (hash, Arc::new(search::entry(language, doc))),
                }
            })
            .collect();
        let outputs = search::assemble(language, "", &entries_of(&entries), site.config.offline);
        self.entries = docs
            .iter()
            .zip(entries)
            .map(|(doc, e)| (doc.url.to_owned(), e))
            .collect();
        outputs
    }

    /// The index after only the articles at `pages` changed: the hashes find them.
    pub(crate) fn patch(&mut self, site: &Site, _pages: &[usize]) -> Vec<Output> {
        self.index(site)
    }
}

fn entries_of(entries: &[(u64, Arc<Entry>)]) -> Vec<Arc<Entry>> {
    entries.iter().map(|(_, e)| Arc::clone(e)).collect()
}
