//! Incremental rebuilds for `site serve`: the one place that decides what an edit re-renders.
//!
//! The rules, in order:
//! 1. Reading: only the changed files are read again (a folder event reloads everything).
//! 2. Parsing and Markdown: a file whose text did not change reuses its parsed front matter and
//!    rendered body; all bodies are re-rendered only when some page's URL set changed (links
//!    resolve to URLs). See `site::Cache`.
//! 3. Assembly (sorting, tags, related lists, link checks) always runs over the whole site:
//!    it is cheap and is what makes cross-page effects right.
//! 4. Rendering: a page is re-rendered when the fingerprint of the data its template shows
//!    changed (`render::fingerprint`), when a template it uses (through `extends`, `include`
//!    or `import`) changed, or when the shared data (config, navigation, assets) changed.
//! 5. Feeds, sitemap, search index and static files are regenerated every time.
//!
//! A failed rebuild keeps the last good outputs; the next good one is compared with that.

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

/// Every file of the site, shared cheaply between rebuilds and the server.
pub type Files = BTreeMap<String, Arc<Vec<u8>>>;

/// What one rebuild produced.
#[derive(Debug, Clone)]
pub struct Rebuild {
    /// Every file of the site.
    pub files: Files,
    /// Output paths of the pages rendered through templates this time, sorted.
    pub rendered: Vec<String>,
    /// Warnings (errors fail the rebuild instead).
    pub warnings: Vec<Diagnostic>,
}

struct Last {
    fingerprints: HashMap<String, u64>,
    templates: HashMap<String, Arc<str>>,
    shared: u64,
    files: Files,
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
            cache: Cache::default(),
            search: feeds::SearchCache::default(),
            tera: None,
            last: None,
        }
    }

    /// Takes note of changed paths (absolute or relative to the site root): reads those files
    /// again, or everything when a folder changed or a path is not one of the site's files.
    pub fn changed(&mut self, paths: &[std::path::PathBuf]) {
        let root = self.options.root.clone();
        for path in paths {
            let rel = source::relative(&root, path);
            if !self.reload_one(&rel) {
                let (inputs, diagnostics) = source::load(&root);
                self.inputs = inputs;
                self.load_diagnostics = keyed(diagnostics);
                return;
            }
        }
    }

    /// Reloads one file; false when it takes a full reload to be sure.
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
                        upsert(list, source);
                        if is_content {
                            self.inputs.unreadable.retain(|r| r != inner);
                        }
                    }
                    Err(d) => {
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

    /// Rebuilds what the changes since the last rebuild require.
    pub fn rebuild(&mut self) -> Result<Rebuild, Vec<Diagnostic>> {
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
            &self.cache,
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
        let cards = render::card_hashes(&site);
        let mut fingerprints = HashMap::with_capacity(jobs.len());
        let mut todo = Vec::new();
        for job in &jobs {
            let path = job.path(&site);
            let fp = render::fingerprint(job, &site, &cards);
            let same = self.last.as_ref().is_some_and(|last| {
                last.shared == shared
                    && last.fingerprints.get(&path) == Some(&fp)
                    && last.files.contains_key(&path)
            });
            if !same || affected.contains(render::template_of(job)) {
                todo.push(job.clone());
            }
            fingerprints.insert(path, fp);
        }
        clock.lap("serve: fingerprints");
        let rendered = render::render_jobs(&site, tera, &self.inputs.templates, &todo)?;

        clock.lap("serve: render");
        let mut outputs: Vec<Output> = static_outputs;
        outputs.extend(feeds::render_cached(&site, &mut self.search));
        clock.lap("serve: feeds");
        let mut errors = publish::validate(&outputs);
        let mut files: Files = outputs
            .into_iter()
            .map(|o| (o.path, Arc::new(o.bytes)))
            .collect();
        let mut names: Vec<String> = Vec::with_capacity(rendered.len());
        for output in rendered {
            names.push(output.path.clone());
            if files
                .insert(output.path.clone(), Arc::new(output.bytes))
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
            for path in fingerprints.keys() {
                if !files.contains_key(path) {
                    if let Some(bytes) = last.files.get(path) {
                        files.insert(path.clone(), Arc::clone(bytes));
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        names.sort();
        self.last = Some(Last {
            fingerprints,
            templates: texts,
            shared,
            files: files.clone(),
        });
        Ok(Rebuild {
            files,
            rendered: names,
            warnings: diagnostics,
        })
    }
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
    let mut h = std::collections::hash_map::DefaultHasher::new();
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
