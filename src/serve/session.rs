//! Incremental rebuilds for `site serve`: the one place that decides what an edit re-renders.
//!
//! There are two ways, chosen by what changed since the last good build:
//!
//! **Patch** (only existing articles changed, each keeping its URL, aliases, tags and draft
//! state): `patch::patch` puts the edits into a copy of the last model. Re-rendered: the edited
//! pages, the pages that show one of their cards when the card changed (each fingerprint
//! records which cards it read), the pages whose related lists changed, and every re-ordered
//! list (home, a section, each page of a tag). The feed, sitemap and redirects are redone, the
//! search index from cached entries.
//!
//! **Full** (anything else: a URL, slug, alias, tag or draft change, a section or tag page, a
//! file added or removed, a template, a static file, the configuration): the pipeline every
//! command runs (`crate::run`), with this session's caches: unchanged files keep their parse
//! and body, unchanged templates stay compiled, and only the pages whose fingerprint changed,
//! or whose template did, are rendered; the others keep their last output.
//!
//! Only changed files are read again (`source::Inputs::reload`; a folder event reads
//! everything). A failed rebuild keeps the last good outputs, and the next rebuild is measured
//! against them. `tests/incremental.rs` compares every kind of edit with a full build.

use super::fingerprint::{self, affected_templates, card_hash, card_hashes, shared_hash, Own};
use super::patch;
use super::search::SearchCache;
use crate::diagnostic::Diagnostic;
use crate::feeds;
use crate::publish::Output;
use crate::route::{Job, Route};
use crate::site::{Memo, Site};
use crate::source::{self, Change, Inputs, Source};
use crate::{Assets, Caches, Mode, Options, Reuse};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Every file of the site by output path, shared cheaply between rebuilds and the server.
pub type Files = BTreeMap<Arc<str>, Arc<Vec<u8>>>;

/// What one rebuild produced.
#[derive(Debug, Clone)]
pub struct Rebuild {
    /// Every file of the site.
    pub files: Arc<Files>,
    /// Output paths of the pages rendered through templates this time, sorted.
    pub rendered: Vec<String>,
    /// Warnings (errors fail the rebuild instead).
    pub warnings: Vec<Diagnostic>,
    /// Whether the last model was patched instead of assembled again (only existing articles
    /// changed, keeping the site's shape).
    pub patched: bool,
    /// The path the site is served under (`""`, `/repo`): the base path of its `base_url`.
    pub base_path: String,
}

/// What each page of the last good build showed, for deciding what the next re-renders.
#[derive(Debug, Clone, Default)]
struct Prints {
    /// Indices into the routes of the pages rendered through templates.
    jobs: Vec<usize>,
    /// Each job's fingerprint.
    fingerprints: Vec<u64>,
    /// For each job, the articles whose cards it shows.
    reads: Vec<Vec<usize>>,
    /// For each article, the index of its own job, and of the jobs that show its card.
    page_jobs: Vec<usize>,
    readers: Vec<Vec<usize>>,
    /// Each article's card hash.
    cards: Vec<u64>,
    /// What the card hashes and the articles' fingerprints take from each article alone.
    own: fingerprint::Own,
    /// A hash of what every page shows (config, navigation, assets).
    shared: u64,
}

/// A job's new fingerprint and the cards it read: (index into `Prints::jobs`, print, reads).
type Fresh = Vec<(usize, u64, Vec<usize>)>;

impl Prints {
    /// The new card hashes, and the new fingerprints of the jobs that may show something a
    /// patch changed: the edited pages, the pages that show their cards (when a card changed),
    /// the pages whose related lists changed, the lists whose order changed (home, a section,
    /// every page of a tag), every page of a tag an article joined or left and the tag index
    /// (it shows each tag's count), and every list when an intro changed (the home page shows
    /// its sections', the tag index its tags').
    fn refresh(
        &self,
        site: &Site,
        routes: &[Route],
        patched: &patch::Patched,
    ) -> (Vec<u64>, fingerprint::Own, Fresh) {
        let mut cards = self.cards.clone();
        let mut own = self.own.clone();
        own.patch(site, &patched.pages);
        let mut look = BTreeSet::new();
        for &p in &patched.pages {
            look.insert(self.page_jobs[p]);
            let card = card_hash(site, &own, p);
            if card != cards[p] {
                cards[p] = card;
                look.extend(self.readers[p].iter().copied());
            }
        }
        look.extend(patched.related.iter().map(|&p| self.page_jobs[p]));
        if patched.reordered
            || !patched.sections.is_empty()
            || !patched.tags.is_empty()
            || patched.intros
        {
            for (j, &r) in self.jobs.iter().enumerate() {
                let relisted = match routes[r].job() {
                    Some(Job::Home(_)) => {
                        patched.reordered || patched.intros || !patched.sections.is_empty()
                    }
                    Some(Job::Section(s)) => patched.intros || patched.sections.contains(&s),
                    Some(Job::Tag(t, _)) => patched.intros || patched.tags.contains(&t),
                    Some(Job::Tags(_)) => patched.intros || patched.retagged,
                    _ => false,
                };
                if relisted {
                    look.insert(j);
                }
            }
        }
        let fresh = look
            .into_iter()
            .filter_map(|j| {
                let job = routes[self.jobs[j]].job()?;
                let mut reads = Vec::new();
                let print = fingerprint::fingerprint(job, site, &own, &cards, &mut reads);
                Some((j, print, reads))
            })
            .collect();
        (cards, own, fresh)
    }

    /// Keeps the new fingerprints and card hashes, and who reads which card.
    fn record(&mut self, fresh: Fresh, cards: Vec<u64>, own: fingerprint::Own) {
        self.own = own;
        for (j, print, reads) in fresh {
            self.fingerprints[j] = print;
            if reads != self.reads[j] {
                for &p in &self.reads[j] {
                    self.readers[p].retain(|&x| x != j);
                }
                for &p in &reads {
                    self.readers[p].push(j);
                }
                self.reads[j] = reads;
            }
        }
        self.cards = cards;
    }

    /// Every job's fingerprint on a freshly assembled site.
    fn of(
        site: &Site,
        routes: &[Route],
        shared: u64,
        summaries: bool,
        last: Option<&Last>,
    ) -> Self {
        let jobs: Vec<usize> = (0..routes.len())
            .filter(|&r| routes[r].job().is_some())
            .collect();
        let own = match last {
            Some(last) => Own::of(site, &last.site.pages, &last.prints.own, summaries),
            None => Own::of(site, &[], &Own::default(), summaries),
        };
        let cards = card_hashes(site, &own);
        let (fingerprints, reads): (Vec<u64>, Vec<Vec<usize>>) = jobs
            .par_iter()
            .filter_map(|&r| routes[r].job())
            .map(|job| {
                let mut reads = Vec::new();
                let print = fingerprint::fingerprint(job, site, &own, &cards, &mut reads);
                (print, reads)
            })
            .unzip();
        let mut readers = vec![Vec::new(); site.pages.len()];
        for (j, read) in reads.iter().enumerate() {
            for &p in read {
                readers[p].push(j);
            }
        }
        let mut page_jobs = vec![0; site.pages.len()];
        for (j, &r) in jobs.iter().enumerate() {
            if let Some(Job::Page(p)) = routes[r].job() {
                page_jobs[p] = j;
            }
        }
        Self {
            jobs,
            fingerprints,
            reads,
            page_jobs,
            readers,
            cards,
            own,
            shared,
        }
    }
}

/// The last good build: its model, routes, what each page showed, and every file.
struct Last {
    site: Site,
    routes: Vec<Route>,
    /// The paths a link may name a static file by (`asset::link_targets`), for checking a
    /// patch's new routes.
    link_targets: Vec<String>,
    prints: Prints,
    templates: HashMap<String, Arc<str>>,
    files: Arc<Files>,
}

/// A serve session: the inputs as last read, the caches, and the last good build.
pub struct Session {
    options: Options,
    inputs: Inputs,
    caches: Caches,
    search: SearchCache,
    last: Option<Last>,
    /// Content files (under `content/`) whose text was read again since the last good build.
    dirty: BTreeSet<String>,
    /// Whether anything but content text changed since the last good build.
    reshaped: bool,
    /// Whether the caches and `last` describe the same build, so a body edit can patch it.
    patchable: bool,
}

impl Session {
    /// Reads the whole site once.
    pub fn new(mut options: Options) -> Self {
        // Watchers report absolute paths: keep the root absolute to match them.
        if let Ok(root) = options.root.canonicalize() {
            options.root = root;
        }
        Self {
            inputs: source::load(&options.root),
            options,
            caches: Caches {
                memo: Memo::for_edits(),
                templates: None,
                editions: Vec::new(),
            },
            search: SearchCache::default(),
            last: None,
            dirty: BTreeSet::new(),
            reshaped: true,
            patchable: false,
        }
    }

    /// Takes note of changed paths (absolute or relative to the site root): reads those files
    /// again, or everything when a folder changed or a path cannot be placed.
    pub fn changed(&mut self, paths: &[std::path::PathBuf]) {
        let root = self.options.root.clone();
        for path in paths {
            let rel = source::relative(&root, path);
            match self.inputs.reload(&root, &rel) {
                Change::Nothing => {}
                Change::Text => {
                    let inner = rel.strip_prefix("content/").unwrap_or(&rel);
                    self.dirty.insert(inner.to_owned());
                }
                Change::Shape => self.reshaped = true,
                Change::Everything => {
                    self.reshaped = true;
                    self.inputs = source::load(&root);
                    return;
                }
            }
        }
    }

    /// Rebuilds what the changes since the last good build require: patches the last model
    /// when only existing articles changed and kept the site's shape, runs the pipeline
    /// otherwise.
    pub fn rebuild(&mut self) -> Result<Rebuild, Vec<Diagnostic>> {
        let result = match self.patch() {
            Some(result) => result,
            None => self.full(),
        };
        if result.is_ok() {
            self.dirty.clear();
            self.reshaped = false;
        }
        result
    }

    /// The fast path: `None` when the changes are more than it can patch (see the module
    /// notes).
    fn patch(&mut self) -> Option<Result<Rebuild, Vec<Diagnostic>>> {
        let mut clock = crate::Stopwatch::new();
        if self.reshaped || !self.patchable || self.inputs.has_errors() {
            return None;
        }
        let last = self.last.as_mut()?;
        let (tera, _) = self.caches.templates.as_ref()?;
        let mut changed: Vec<Source> = Vec::with_capacity(self.dirty.len());
        for rel in &self.dirty {
            let content = &self.inputs.content;
            let i = content.binary_search_by(|s| s.rel.as_str().cmp(rel)).ok()?;
            changed.push(content[i].clone());
        }
        let warnings: Vec<Diagnostic> = self.inputs.problems().cloned().collect();
        // Shortcodes in the new bodies render as in a full run: without the pages' globals
        // (which only the editions have).
        let (shortcodes, _) = crate::shortcode::Env::new(
            Some(tera),
            &self.inputs.templates,
            Arc::clone(&last.site.data),
            &last.site.config.language,
        );
        let given = patch::Given {
            routes: &last.routes,
            link_targets: &last.link_targets,
            drafts: self.options.drafts,
        };
        let patched = patch::patch(
            &last.site,
            &changed,
            &mut self.caches.memo,
            &shortcodes,
            &given,
        );
        drop(shortcodes);
        let patched = match patched? {
            Ok(patched) => patched,
            Err(mut errors) => {
                errors.extend(warnings);
                return Some(Err(errors));
            }
        };
        clock.lap("serve: patch pages");
        let site = &patched.site;
        let (cards, own, fresh) = last.prints.refresh(site, &last.routes, &patched);
        let todo: Vec<&Route> = fresh
            .iter()
            .filter(|(j, print, _)| last.prints.fingerprints[*j] != *print)
            .map(|(j, ..)| &last.routes[last.prints.jobs[*j]])
            .collect();
        clock.lap("serve: fingerprints");
        let rendered = match crate::render::render(
            site,
            &self.caches.editions,
            &self.inputs.templates,
            todo,
            crate::publish::Sink::Collect,
        ) {
            Ok(rendered) => rendered,
            Err(errors) => {
                // The memo holds the patched pages but the outputs do not: run it all next time.
                self.patchable = false;
                return Some(Err(errors));
            }
        };
        clock.lap("serve: render");
        let search = &mut self.search;
        let search_index = |l, out: &mut crate::search::Out<'_>| {
            search
                .patch(site, l, &patched.pages)
                .into_iter()
                .for_each(out);
        };
        let touched = feeds::Touched::by_edits(&last.site, site, &patched.pages);
        let wanted = |route: &Route| touched.wants(route);
        let routes = patched.routes.as_ref().unwrap_or(&last.routes);
        let feeds = feeds::render(site, routes, wanted, search_index, Some);
        clock.lap("serve: feeds");
        last.prints.record(fresh, cards, own);
        let files = Arc::make_mut(&mut last.files);
        if let Some(routes) = patched.routes {
            // An alias taken away: its page goes. (New ones are among the feeds' outputs.)
            let now: crate::hash::Set<&str> = routes.iter().map(|r| r.path.as_str()).collect();
            for gone in last
                .routes
                .iter()
                .filter(|r| !now.contains(r.path.as_str()))
            {
                files.remove(gone.path.as_str());
            }
            drop(now);
            last.routes = routes;
        }
        let mut names: Vec<String> = rendered.iter().map(|o| o.path.clone()).collect();
        for output in rendered.into_iter().chain(feeds) {
            files.insert(output.path.into(), Arc::new(output.bytes));
        }
        names.sort();
        // The old model shares every page but the edited ones with the new: dropping it here
        // frees little, and a thread for it would compete with the next render.
        last.site = patched.site;
        clock.lap("serve: files");
        Some(Ok(Rebuild {
            files: Arc::clone(&last.files),
            rendered: names,
            warnings,
            patched: true,
            base_path: last.site.config.base_path().to_owned(),
        }))
    }

    /// The whole pipeline, with this session's caches, rendering only the pages whose
    /// fingerprints or templates changed.
    fn full(&mut self) -> Result<Rebuild, Vec<Diagnostic>> {
        // The search index's files the last good build served are the kept index's (a run
        // that failed after the index moved on leaves `patchable` false): then only the
        // changed files are made again.
        let all_search = !self.patchable;
        self.patchable = false;
        let mut clock = crate::Stopwatch::new();
        let texts: HashMap<String, Arc<str>> = self
            .inputs
            .templates
            .iter()
            .map(|t| (t.rel.clone(), Arc::clone(&t.text)))
            .collect();
        let mut select = Select {
            last: self.last.as_ref(),
            texts: &texts,
            search: &mut self.search,
            all_search,
            prints: Prints::default(),
        };
        let run = crate::run(
            &self.options,
            &self.inputs,
            &mut self.caches,
            &mut select,
            Mode::Build,
            crate::publish::Sink::Collect,
        );
        let prints = select.prints;
        let (site, diagnostics) = match run.site {
            Some(site) if !run.diagnostics.iter().any(Diagnostic::is_error) => {
                (site, run.diagnostics)
            }
            _ => return Err(run.diagnostics),
        };
        clock.lap("serve: pipeline");
        let base_path = site.config.base_path().to_owned();
        let search = &self.search;
        let index_file = |path: &str| {
            site.langs.iter().any(|language| {
                search.has_file(&language.lang().url(""), path, site.config.offline)
            })
        };
        let (files, names) = merge(run.outputs, &run.routes, self.last.as_ref(), index_file);
        let files = Arc::new(files);
        let old = self.last.replace(Last {
            site,
            routes: run.routes,
            link_targets: crate::asset::link_targets(&run.assets),
            prints,
            templates: texts,
            files: Arc::clone(&files),
        });
        // Freeing the last model (every page, body and file) takes milliseconds on a large
        // site: the reply does not need to wait for it.
        if let Some(old) = old {
            std::thread::spawn(move || drop(old));
        }
        self.patchable = true;
        clock.lap("serve: files");
        Ok(Rebuild {
            files,
            rendered: names,
            warnings: diagnostics,
            patched: false,
            base_path,
        })
    }
}

/// Every file of a full run: the outputs made this time, and the last output of every route
/// not rendered again and of every search index file (`index_file`) not made again. Also the
/// paths of the pages rendered through templates, sorted.
///
/// The last files are walked in their order, not looked up route by route, and the map is
/// built from sorted entries in one pass: at 10,000 articles there are about 25,000 files, and
/// a lookup and an insert for each was most of what a rebuild that renders nothing took after
/// the pipeline.
fn merge(
    outputs: Vec<Output>,
    routes: &[Route],
    last: Option<&Last>,
    index_file: impl Fn(&str) -> bool,
) -> (Files, Vec<String>) {
    let templated: crate::hash::Set<&str> = routes
        .iter()
        .filter(|r| r.job().is_some())
        .map(|r| r.path.as_str())
        .collect();
    let mut names = Vec::new();
    let mut made: Vec<(Arc<str>, Arc<Vec<u8>>)> = outputs
        .into_iter()
        .map(|Output { path, bytes }| {
            if templated.contains(path.as_str()) {
                names.push(path.clone());
            }
            (Arc::from(path), Arc::new(bytes))
        })
        .collect();
    made.sort_by(|a, b| a.0.cmp(&b.0));
    let mut files: Vec<(Arc<str>, Arc<Vec<u8>>)> = Vec::with_capacity(routes.len() + made.len());
    if let Some(last) = last {
        let routed: crate::hash::Set<&str> = routes.iter().map(|r| r.path.as_str()).collect();
        let mut made = made.into_iter().peekable();
        for (path, bytes) in last.files.iter() {
            // The outputs made this time that sort before this one, then it, unless made again.
            while let Some(next) = made.next_if(|(p, _)| p <= path) {
                files.push(next);
            }
            let made_again = files.last().is_some_and(|(p, _)| p == path);
            if made_again || !(routed.contains(&**path) || index_file(path)) {
                continue;
            }
            files.push((Arc::clone(path), Arc::clone(bytes)));
        }
        files.extend(made);
    } else {
        files = made;
    }
    // The same path twice cannot happen (the route checks ran); the map keeps the last.
    names.sort();
    (files.into_iter().collect(), names)
}

/// Serve's part in a full run: renders the pages whose fingerprint or template changed since
/// the last good build, and keeps the fingerprints for the next.
struct Select<'a> {
    last: Option<&'a Last>,
    texts: &'a HashMap<String, Arc<str>>,
    search: &'a mut SearchCache,
    /// Whether to make every file of the search index, or only those that changed.
    all_search: bool,
    prints: Prints,
}

impl Select<'_> {
    /// The templates added, changed or removed since the last good build (all of them at first).
    fn changed_templates(&self) -> BTreeSet<&str> {
        let Some(last) = self.last else {
            return self.texts.keys().map(String::as_str).collect();
        };
        self.texts
            .iter()
            .filter(|(name, text)| last.templates.get(*name) != Some(*text))
            .map(|(name, _)| name.as_str())
            .chain(
                last.templates
                    .keys()
                    .filter(|n| !self.texts.contains_key(*n))
                    .map(String::as_str),
            )
            .collect()
    }
}

impl Reuse for Select<'_> {
    fn select(
        &mut self,
        site: &Site,
        routes: &[Route],
        templates: &[Source],
        assets: &Assets,
    ) -> Vec<bool> {
        let prints = Prints::of(
            site,
            routes,
            shared_hash(site, assets, templates),
            fingerprint::cards_show_summary(templates),
            self.last,
        );
        let affected = affected_templates(templates, &self.changed_templates());
        let last = self.last.filter(|last| last.prints.shared == prints.shared);
        // Each job's last fingerprint: by place when the routes are the ones of last time
        // (then so are the jobs: every edit that adds or removes no page), else by path.
        let same_routes = last.is_some_and(|last| last.routes == routes);
        let before: crate::hash::Map<&str, u64> = match last {
            Some(last) if !same_routes => last
                .prints
                .jobs
                .iter()
                .map(|&r| last.routes[r].path.as_str())
                .zip(last.prints.fingerprints.iter().copied())
                .collect(),
            _ => crate::hash::Map::default(),
        };
        let mut chosen = vec![true; routes.len()];
        for (j, (&r, print)) in prints.jobs.iter().zip(&prints.fingerprints).enumerate() {
            let route = &routes[r];
            let Some(job) = route.job() else { continue };
            let was = match last {
                Some(last) if same_routes => last.prints.fingerprints.get(j),
                _ => before.get(route.path.as_str()),
            };
            let kept = was == Some(print)
                && !affected.contains(crate::render::template_of(job, site))
                && self
                    .last
                    .is_some_and(|last| last.files.contains_key(route.path.as_str()));
            chosen[r] = !kept;
        }
        self.prints = prints;
        chosen
    }

    fn search_index(&mut self, site: &Site, lang: usize, out: &mut crate::search::Out<'_>) {
        self.search
            .index(site, lang, self.all_search)
            .into_iter()
            .for_each(out);
    }
}

/// The site root's relative form of a path, for messages.
pub fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
