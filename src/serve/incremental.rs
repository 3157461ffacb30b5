//! Incremental rebuilds for `site serve`: the one place that decides what an edit re-renders.
//!
//! There are two ways, chosen by what changed since the last good build:
//!
//! **Patch** (only existing articles changed, each keeping its URL, aliases, tags and draft
//! state): the last model is kept and each edited page is put in place (`Site::patch_pages`);
//! pages are indexed by source path, so a new date or title moves nothing but the lists'
//! orders. Its body is rendered again only if it changed. Body links and every anchor reference
//! are checked again, the orders it is in are redone (the site's, its section's, its tags'),
//! and the related lists the edit can change are redone (`related::Index::update`).
//! Re-rendered: the edited pages, the pages that show one of their cards when the card changed
//! (each fingerprint records which cards it read, so that set is known without a scan), the
//! pages whose related lists changed, and every re-ordered list (home, a section, each page of
//! a tag). The feed, sitemap and redirects are redone, the search index from cached entries.
//!
//! **Assemble** (anything else: a URL, slug, alias, tag or draft change, a section or tag page,
//! a file added or removed, a template, a static file, the configuration):
//! 1. Reading: only the changed files are read again (a folder event reloads everything).
//! 2. Parsing and Markdown: a file whose text did not change reuses its parsed front matter and
//!    rendered body; all bodies are re-rendered only when some page's URL set changed (links
//!    resolve to URLs). See `site::Cache`.
//! 3. Assembly (sorting, tags, related lists, link checks) runs over the whole site.
//! 4. Rendering: a page is re-rendered when the fingerprint of the data its template shows
//!    changed (`render::fingerprint`), when a template it uses (through `extends`, `include`
//!    or `import`) changed, or when the shared data (config, navigation, assets) changed.
//! 5. Feeds, sitemap, search index and static files are regenerated.
//!
//! A failed rebuild keeps the last good outputs, and the next rebuild is measured against
//! them: a failed patch changes nothing, and after a failed assembly the next rebuild
//! assembles. `tests/incremental.rs` compares every kind of edit with a full build.

use crate::asset;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::feeds;
use crate::publish::{self, Output};
use crate::render::{self, Job};
use crate::site::{Cache, Site};
use crate::source::{self, Inputs, Source, StaticFile};
use crate::Options;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use tera::Tera;

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
}

/// The last good build: its model, what each page showed, and every file.
struct Last {
    site: Site,
    /// Every page rendered through a template, and each one's output path and fingerprint.
    jobs: Vec<Job>,
    paths: Vec<Arc<str>>,
    fingerprints: Vec<u64>,
    /// For each job, the articles whose cards it shows; for each article, the index of its own
    /// job and of the jobs that show its card.
    reads: Vec<Vec<usize>>,
    page_jobs: Vec<usize>,
    readers: Vec<Vec<usize>>,
    /// Each article's card hash.
    cards: Vec<u64>,
    templates: HashMap<String, Arc<str>>,
    shared: u64,
    files: Arc<Files>,
}

/// A serve session: the inputs as last read, the caches, and the last good build.
pub struct Session {
    options: Options,
    inputs: Inputs,
    load_diagnostics: BTreeMap<String, Diagnostic>,
    cache: Cache,
    search: feeds::SearchCache,
    tera: Option<(Tera, HashMap<String, Arc<str>>)>,
    last: Option<Last>,
    /// Content files (under `content/`) whose text was read again since the last good build.
    dirty: BTreeSet<String>,
    /// Whether anything but content text changed since the last good build: a file added or
    /// removed, a template, a static file, the configuration.
    structural: bool,
    /// Whether `cache` and `last` describe the same build, so a body edit can patch it.
    patchable: bool,
}

impl Session {
    /// Reads the whole site once.
    pub fn new(mut options: Options) -> Self {
        // Watchers report absolute paths: keep the root absolute to match them.
        if let Ok(root) = options.root.canonicalize() {
            options.root = root;
        }
        let (inputs, diagnostics) = source::load(&options.root);
        Self {
            load_diagnostics: keyed(diagnostics),
            options,
            inputs,
            cache: Cache::for_edits(),
            search: feeds::SearchCache::default(),
            tera: None,
            last: None,
            dirty: BTreeSet::new(),
            structural: true,
            patchable: false,
        }
    }

    /// Takes note of changed paths (absolute or relative to the site root): reads those files
    /// again, or everything when a folder changed or a path is not one of the site's files.
    pub fn changed(&mut self, paths: &[std::path::PathBuf]) {
        let root = self.options.root.clone();
        for path in paths {
            let rel = source::relative(&root, path);
            if !self.reload_one(&rel) {
                self.structural = true;
                let (inputs, diagnostics) = source::load(&root);
                self.inputs = inputs;
                self.load_diagnostics = keyed(diagnostics);
                return;
            }
        }
    }

    /// Reloads one file; false when it takes a full reload to be sure. Notes whether the change
    /// was only a content file's text (`dirty`) or more (`structural`).
    fn reload_one(&mut self, rel: &str) -> bool {
        let root = &self.options.root;
        let full = root.join(rel);
        if full.is_dir() {
            return false;
        }
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if source::is_ignored(name) {
            return true;
        }
        self.load_diagnostics.remove(rel);
        let is_text_edit = rel.starts_with("content/") && rel.ends_with(".md") && full.is_file();
        if !is_text_edit {
            self.structural = true;
        }
        if rel == crate::config::FILE {
            self.inputs.config = std::fs::read_to_string(&full).ok();
            return true;
        }
        let Some((folder, inner)) = rel.split_once('/') else {
            return false;
        };
        let exists = full.is_file();
        match folder {
            "content" | "templates" => {
                let list = if folder == "content" {
                    &mut self.inputs.content
                } else {
                    &mut self.inputs.templates
                };
                if !exists {
                    if list.iter().any(|s| s.rel.starts_with(&format!("{inner}/"))) {
                        return false;
                    }
                    list.retain(|s| s.rel != inner);
                    if folder == "content" {
                        self.inputs.unreadable.retain(|r| r != inner);
                    }
                    return true;
                }
                if folder == "content" && !rel.ends_with(".md") {
                    return true;
                }
                let is_content = folder == "content";
                match source::load_one(root, rel) {
                    Ok(source) => {
                        if is_content {
                            if list.binary_search_by(|s| s.rel.cmp(&source.rel)).is_err() {
                                self.structural = true;
                            }
                            self.dirty.insert(source.rel.clone());
                            self.inputs.unreadable.retain(|r| r != inner);
                        }
                        upsert(list, source);
                    }
                    Err(d) => {
                        self.structural = true;
                        list.retain(|s| s.rel != inner);
                        if is_content && !self.inputs.unreadable.iter().any(|r| r == inner) {
                            self.inputs.unreadable.push(inner.to_owned());
                        }
                        self.load_diagnostics.insert(rel.to_owned(), d);
                    }
                }
                true
            }
            "static" => {
                self.inputs.statics.retain(|f| f.rel != inner);
                if exists {
                    match std::fs::read(&full) {
                        Ok(bytes) => {
                            self.inputs.statics.push(StaticFile {
                                rel: inner.to_owned(),
                                bytes,
                            });
                            self.inputs.statics.sort_by(|a, b| a.rel.cmp(&b.rel));
                        }
                        Err(e) => {
                            self.load_diagnostics.insert(
                                rel.to_owned(),
                                Diagnostic::error(rel, "io", format!("cannot read `{rel}`: {e}")),
                            );
                        }
                    }
                }
                true
            }
            _ => true,
        }
    }

    /// Rebuilds what the changes since the last good build require: patches the last model
    /// when only existing articles changed and kept the site's shape, assembles the whole site
    /// otherwise.
    pub fn rebuild(&mut self) -> Result<Rebuild, Vec<Diagnostic>> {
        let result = match self.patch() {
            Some(result) => result,
            None => self.assemble(),
        };
        if result.is_ok() {
            self.dirty.clear();
            self.structural = false;
        }
        result
    }

    /// The fast path: `None` when the changes are more than it can patch (see the module
    /// notes).
    fn patch(&mut self) -> Option<Result<Rebuild, Vec<Diagnostic>>> {
        let mut clock = crate::Stopwatch::new();
        if self.structural
            || !self.patchable
            || self.load_diagnostics.values().any(Diagnostic::is_error)
        {
            return None;
        }
        let Session {
            inputs,
            load_diagnostics,
            cache,
            search,
            tera,
            last,
            dirty,
            patchable,
            ..
        } = self;
        let last = last.as_mut()?;
        let (tera, _) = tera.as_ref()?;
        let mut changed = Vec::with_capacity(dirty.len());
        for rel in dirty.iter() {
            let i = inputs
                .content
                .binary_search_by(|s| s.rel.as_str().cmp(rel))
                .ok()?;
            changed.push(inputs.content[i].clone());
        }
        let warnings: Vec<Diagnostic> = load_diagnostics.values().cloned().collect();
        let patched = match last.site.patch_pages(&changed, cache)? {
            Ok(patched) => patched,
            Err(mut errors) => {
                errors.extend(warnings);
                return Some(Err(errors));
            }
        };
        clock.lap("serve: patch pages");
        let site = &last.site;
        // The jobs that may show something that changed: the edited pages, the pages that show
        // their cards (when a card changed), the pages whose related lists changed, and the
        // lists whose order changed (home, a section, every page of a tag).
        let mut cards = last.cards.clone();
        let mut look = BTreeSet::new();
        for &p in &patched.pages {
            look.insert(last.page_jobs[p]);
            let card = render::card_hash(site, p);
            if card != cards[p] {
                cards[p] = card;
                look.extend(last.readers[p].iter().copied());
            }
        }
        look.extend(patched.related.iter().map(|&p| last.page_jobs[p]));
        if patched.reordered || !patched.sections.is_empty() {
            for (j, job) in last.jobs.iter().enumerate() {
                let relisted = match job {
                    Job::Home => true,
                    Job::Section(s) => patched.sections.contains(s),
                    Job::Tag(t, _) => patched.tags.contains(t),
                    _ => false,
                };
                if relisted {
                    look.insert(j);
                }
            }
        }
        let fingerprints: Vec<(usize, u64, Vec<usize>)> = look
            .into_iter()
            .map(|j| {
                let mut reads = Vec::new();
                let print = render::fingerprint(&last.jobs[j], site, &cards, &mut reads);
                (j, print, reads)
            })
            .collect();
        let todo: Vec<Job> = fingerprints
            .iter()
            .filter(|(j, print, _)| last.fingerprints[*j] != *print)
            .map(|(j, ..)| last.jobs[*j].clone())
            .collect();
        clock.lap("serve: fingerprints");
        let rendered = match render::render_jobs(site, tera, &inputs.templates, &todo) {
            Ok(rendered) => rendered,
            Err(errors) => {
                // The model is patched but its pages are not: assemble it all next time.
                *patchable = false;
                return Some(Err(errors));
            }
        };
        clock.lap("serve: render");
        let feeds = feeds::render_patch(site, &patched.pages, search);
        clock.lap("serve: feeds");
        for (j, print, reads) in fingerprints {
            last.fingerprints[j] = print;
            if reads != last.reads[j] {
                for &p in &last.reads[j] {
                    last.readers[p].retain(|&x| x != j);
                }
                for &p in &reads {
                    last.readers[p].push(j);
                }
                last.reads[j] = reads;
            }
        }
        last.cards = cards;
        let files = Arc::make_mut(&mut last.files);
        let mut names: Vec<String> = rendered.iter().map(|o| o.path.clone()).collect();
        for output in rendered.into_iter().chain(feeds) {
            files.insert(output.path.into(), Arc::new(output.bytes));
        }
        names.sort();
        clock.lap("serve: files");
        Some(Ok(Rebuild {
            files: Arc::clone(&last.files),
            rendered: names,
            warnings,
            patched: true,
        }))
    }

    /// The whole path: assembles the site again (reusing what the cache holds for unchanged
    /// files) and re-renders the pages whose fingerprints changed.
    fn assemble(&mut self) -> Result<Rebuild, Vec<Diagnostic>> {
        self.patchable = false;
        let mut clock = crate::Stopwatch::new();
        let mut diagnostics: Vec<Diagnostic> = self.load_diagnostics.values().cloned().collect();
        let config = match self
            .inputs
            .config
            .as_deref()
            .map(|t| Config::parse(t, self.options.base_url.as_deref()))
        {
            Some(Ok(config)) => Some(config),
            Some(Err(mut errors)) => {
                diagnostics.append(&mut errors);
                None
            }
            None => {
                diagnostics.push(Diagnostic::error(
                    crate::config::FILE,
                    "config",
                    "cannot read `site.yaml`",
                ));
                None
            }
        };
        let texts: HashMap<String, Arc<str>> = self
            .inputs
            .templates
            .iter()
            .map(|t| (t.rel.clone(), t.text.clone()))
            .collect();
        let tera_ok = match &self.tera {
            Some((_, old)) if *old == texts => true,
            _ => match render::load(&self.inputs.templates) {
                Ok(tera) => {
                    self.tera = Some((tera, texts.clone()));
                    true
                }
                Err(mut errors) => {
                    diagnostics.append(&mut errors);
                    false
                }
            },
        };
        clock.lap("serve: config, templates");
        let (static_outputs, assets) = asset::prepare(&self.inputs.statics);
        let files = asset::link_targets(&assets);
        let Some(config) = config else {
            return Err(diagnostics);
        };
        let (site, mut found, cache) = Site::assemble_cached(
            config,
            self.inputs.content.clone(),
            &files,
            &self.inputs.unreadable,
            self.options.drafts,
            std::mem::replace(&mut self.cache, Cache::for_edits()),
        );
        self.cache = cache;
        diagnostics.append(&mut found);
        let site = match site {
            Some(site) if tera_ok && !diagnostics.iter().any(Diagnostic::is_error) => site,
            _ => return Err(diagnostics),
        };
        let Some((tera, _)) = self.tera.as_mut() else {
            return Err(diagnostics);
        };
        render::set_globals(
            &site,
            tera,
            &self.inputs.templates,
            &assets,
            self.options.serve,
        )?;
        let tera: &Tera = tera;

        clock.lap("serve: assemble");
        let shared = shared_hash(&site, &assets);
        let changed_templates: BTreeSet<&str> = match &self.last {
            Some(last) => texts
                .iter()
                .filter(|(name, text)| last.templates.get(*name) != Some(*text))
                .map(|(name, _)| name.as_str())
                .chain(
                    last.templates
                        .keys()
                        .filter(|n| !texts.contains_key(*n))
                        .map(String::as_str),
                )
                .collect(),
            None => texts.keys().map(String::as_str).collect(),
        };
        let affected = affected_templates(&self.inputs.templates, &changed_templates);
        let jobs: Vec<Job> = render::jobs(&site)
            .into_iter()
            .filter(|j| render::wanted(j, tera))
            .collect();
        let paths: Vec<Arc<str>> = jobs.iter().map(|j| j.path(&site).into()).collect();
        let cards = render::card_hashes(&site);
        let (fingerprints, reads) = fingerprint_all(&site, &jobs, &cards);
        let mut readers = vec![Vec::new(); site.pages.len()];
        for (j, read) in reads.iter().enumerate() {
            for &p in read {
                readers[p].push(j);
            }
        }
        let before: HashMap<&str, u64> = match &self.last {
            Some(last) if last.shared == shared => last
                .paths
                .iter()
                .map(|p| &**p)
                .zip(last.fingerprints.iter().copied())
                .collect(),
            _ => HashMap::new(),
        };
        let todo: Vec<Job> = jobs
            .iter()
            .zip(&paths)
            .zip(&fingerprints)
            .filter(|((job, path), print)| {
                before.get(&***path) != Some(*print)
                    || affected.contains(render::template_of(job))
                    || !self
                        .last
                        .as_ref()
                        .is_some_and(|last| last.files.contains_key(&***path))
            })
            .map(|((job, _), _)| job.clone())
            .collect();
        clock.lap("serve: fingerprints");
        let rendered = render::render_jobs(&site, tera, &self.inputs.templates, &todo)?;

        clock.lap("serve: render");
        let mut outputs: Vec<Output> = static_outputs;
        outputs.extend(feeds::render_cached(&site, &mut self.search));
        clock.lap("serve: feeds");
        let mut errors = publish::validate(&outputs);
        let mut files: Files = outputs
            .into_iter()
            .map(|o| (o.path.into(), Arc::new(o.bytes)))
            .collect();
        let mut names: Vec<String> = Vec::with_capacity(rendered.len());
        for output in rendered {
            names.push(output.path.clone());
            if files
                .insert(output.path.as_str().into(), Arc::new(output.bytes))
                .is_some()
            {
                errors.push(Diagnostic::error(
                    "public",
                    "duplicate-url",
                    format!("two outputs would be written at `{}`", output.path),
                ));
            }
        }
        if let Some(last) = &self.last {
            for path in &paths {
                if !files.contains_key(path) {
                    if let Some(bytes) = last.files.get(path) {
                        files.insert(Arc::clone(path), Arc::clone(bytes));
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        names.sort();
        let mut page_jobs = vec![0; site.pages.len()];
        for (j, job) in jobs.iter().enumerate() {
            if let Job::Page(p) = job {
                page_jobs[*p] = j;
            }
        }
        let files = Arc::new(files);
        let old = self.last.replace(Last {
            site,
            jobs,
            paths,
            fingerprints,
            reads,
            page_jobs,
            readers,
            cards,
            templates: texts,
            shared,
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
        })
    }
}

/// Every job's fingerprint, and the articles whose cards it shows.
fn fingerprint_all(site: &Site, jobs: &[Job], cards: &[u64]) -> (Vec<u64>, Vec<Vec<usize>>) {
    use rayon::prelude::*;
    jobs.par_iter()
        .map(|job| {
            let mut reads = Vec::new();
            let print = render::fingerprint(job, site, cards, &mut reads);
            (print, reads)
        })
        .unzip()
}

fn keyed(diagnostics: Vec<Diagnostic>) -> BTreeMap<String, Diagnostic> {
    diagnostics
        .into_iter()
        .enumerate()
        .map(|(i, d)| (format!("{}#{i}", d.file), d))
        .collect()
}

fn upsert(list: &mut Vec<Source>, source: Source) {
    match list.binary_search_by(|s| s.rel.cmp(&source.rel)) {
        Ok(i) => list[i] = source,
        Err(i) => list.insert(i, source),
    }
}

/// Top-level templates that use (directly or through others) any changed template.
fn affected_templates(templates: &[Source], changed: &BTreeSet<&str>) -> BTreeSet<String> {
    let uses = render::template_uses(templates);
    let mut affected: BTreeSet<String> = changed.iter().map(|s| (*s).to_owned()).collect();
    loop {
        let before = affected.len();
        for (name, used) in &uses {
            if used.iter().any(|u| affected.contains(u)) {
                affected.insert(name.clone());
            }
        }
        if affected.len() == before {
            return affected;
        }
    }
}

/// A hash of what every page shows: config, navigation and asset URLs.
fn shared_hash(site: &Site, assets: &BTreeMap<String, String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::Hasher::default();
    serde_json::to_string(&site.config)
        .unwrap_or_default()
        .hash(&mut h);
    for s in &site.sections {
        (&s.title, &s.url).hash(&mut h);
    }
    assets.hash(&mut h);
    h.finish()
}

/// The site root's relative form of a path, for messages.
pub fn display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
