//! The search index between rebuilds, per language: each page's entry (its scored terms,
//! phrase pairs and result metadata) with a hash of the document it was made from, and the
//! index made of them (`search::Live`). A rebuild makes again only the entries of pages whose
//! searchable text changed; when the pages are the same ones in the same order and few changed,
//! only those entries' terms are re-encoded in the kept index, else the index is made afresh
//! from the entries (cheap next to stemming every page again).

use crate::publish::Output;
use crate::search::{self, Doc, Language, Live};
use crate::site::Site;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Up to this many changed pages are patched into the kept index; more make it afresh.
const PATCH_MOST: usize = 64;

/// The last index of each language (by URL prefix).
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchCache {
    languages: HashMap<String, Kept>,
}

/// One language's last index, with each document's URL and hash in document order.
#[derive(Debug, Clone, Default)]
struct Kept {
    docs: Vec<(String, u64)>,
    live: Live,
}

impl SearchCache {
    /// Every file of language `lang`'s index of `site`.
    pub(crate) fn index(&mut self, site: &Site, lang: usize) -> Vec<Output> {
        let language = &site.langs[lang];
        let docs = search::docs(site, lang);
        self.language(
            &language.code,
            &language.lang().url(""),
            &docs,
            site.config.offline,
            false,
        )
    }

    /// The files of language `lang`'s index of `site` that changed since the last call (a
    /// patch: the other files are still served).
    pub(crate) fn patch(&mut self, site: &Site, _pages: &[usize], lang: usize) -> Vec<Output> {
        let language = &site.langs[lang];
        let docs = search::docs(site, lang);
        self.language(
            &language.code,
            &language.lang().url(""),
            &docs,
            site.config.offline,
            true,
        )
    }

    /// The files of one language's index (`lang` and `url_prefix` as for `search::build`):
    /// all of them, or with `changed` those that changed since this language's last call.
    pub(crate) fn language(
        &mut self,
        lang: &str,
        url_prefix: &str,
        docs: &[Doc<'_>],
        offline: bool,
        changed: bool,
    ) -> Vec<Output> {
        let mut clock = crate::Stopwatch::new();
        let language = Language::of(lang);
        let kept = self.languages.entry(url_prefix.to_owned()).or_default();
        let hashes: Vec<(String, u64)> = docs
            .par_iter()
            .map(|doc| (doc.url.to_owned(), crate::hash::of(doc)))
            .collect();
        let same_pages = hashes.len() == kept.docs.len()
            && hashes.iter().zip(&kept.docs).all(|(a, b)| a.0 == b.0);
        let edited: Vec<usize> = (0..hashes.len())
            .filter(|&i| kept.docs.get(i) != hashes.get(i))
            .collect();
        clock.lap("serve: search documents hashed");
        if same_pages && edited.len() <= PATCH_MOST {
            for &i in &edited {
                kept.live
                    .replace(i, Arc::new(search::entry(language, &docs[i])));
            }
        } else {
            let old: HashMap<&str, (u64, &Arc<search::Entry>)> = kept
                .docs
                .iter()
                .zip(kept.live.entries())
                .map(|((url, hash), e)| (url.as_str(), (*hash, e)))
                .collect();
            let entries: Vec<Arc<search::Entry>> = docs
                .par_iter()
                .zip(&hashes)
                .map(|(doc, (url, hash))| match old.get(url.as_str()) {
                    Some((h, e)) if h == hash => Arc::clone(e),
                    _ => Arc::new(search::entry(language, doc)),
                })
                .collect();
            kept.live = Live::new(entries);
        }
        kept.docs = hashes;
        clock.lap("serve: search entries");
        let outputs = kept.live.outputs(language, url_prefix, offline, changed);
        clock.lap("serve: search files");
        outputs
    }
}
