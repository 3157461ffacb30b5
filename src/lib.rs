//! `naltrexone-site`: a fast, strict static site generator for health content.
//!
//! The pipeline runs one way over plain data: **load** (`source`) reads every input; **parse**
//! (`front_matter`, `page`) turns files into typed front matter; **assemble** (`site`, with
//! `markdown`, `links`, `taxonomy`, `related`) builds the immutable site model, checking links,
//! anchors, tags and URLs across all files; **render** (`render`, `feeds`, `asset`) produces
//! every output, which streams to **publish** (`publish`): staged beside the output folder and
//! swapped in whole, so the site is never held in memory and a killed build never leaves a
//! mix. `check` adds content rules (`lint`) and stops before publish. Every stage returns all
//! of its diagnostics, so one run reports every problem.

// Diagnostics are the error type everywhere; they travel the cold path and boxing them would
// only add noise at every call site.
#![allow(clippy::result_large_err)]

// The stages, in pipeline order. Private: the crate's surface is the entry points below.

// Read.
mod source;
// Parse.
mod config;
mod data;
mod date;
mod front_matter;
mod markdown;
mod page;
mod readability;
mod shortcode;
// Assemble.
mod lang;
mod links;
mod related;
mod route;
mod search;
mod site;
mod taxonomy;
// Render.
mod asset;
mod feeds;
mod render;
// Check.
mod external;
mod lint;
// Write.
mod publish;
// Around the pipeline.
pub mod diagnostic;
mod hash;
mod scaffold;
pub mod serve;

/// `site bench`: not part of the generator, compiled only with `--features bench`.
#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod bench;
/// The synthetic corpus the benchmark builds and the tests edit.
#[doc(hidden)]
pub mod corpus;

pub use date::Date;
pub use diagnostic::Diagnostic;
pub use external::{check as check_external, ExternalOptions};
pub use lint::{report, Row, UntranslatedLink};
pub use publish::{write, How, Output, Publisher, Why, Written};
pub use scaffold::{article as new_article, init, tag as new_tag};
pub use site::Site;

/// The stages' own types and functions, for the fuzz targets and the tests that drive one
/// stage alone. Not a stable interface.
#[doc(hidden)]
pub mod internals {
    /// See `src/config.rs`.
    pub mod config {
        pub use crate::config::*;
    }
    /// See `src/front_matter.rs`.
    pub mod front_matter {
        pub use crate::front_matter::*;
    }
    /// See `src/lang/mod.rs`.
    pub mod lang {
        pub use crate::lang::*;
    }
    /// See `src/links.rs`.
    pub mod links {
        pub use crate::links::*;
    }
    /// See `src/markdown.rs`.
    pub mod markdown {
        pub use crate::markdown::*;
    }
    /// See `src/page.rs`.
    pub mod page {
        pub use crate::page::*;
    }
    /// See `src/source.rs`.
    pub mod source {
        pub use crate::source::*;
    }
}

use config::Config;
use publish::Sink;
use route::Route;
use source::{Inputs, Source};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to build, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site's folder (holds `site.yaml`, `content/`, `templates/`, `static/`).
    pub root: PathBuf,
    /// Include drafts.
    pub drafts: bool,
    /// Overrides `base_url` from `site.yaml`.
    pub base_url: Option<String>,
    /// Inject the live-reload script (only `site serve`).
    pub serve: bool,
    /// Make the offline copy: links point at files relative to each page, and search loads its
    /// index as a script, so the site works from `file://` (`site build --offline`).
    pub offline: bool,
    /// The day review ages are measured from.
    pub today: Date,
}

/// A site rendered in memory.
#[derive(Debug, Clone)]
pub struct Built {
    /// The model it was rendered from.
    pub site: Site,
    /// Every file of the output folder, sorted by path.
    pub outputs: Vec<Output>,
    /// Warnings met on the way (errors fail the build instead).
    pub warnings: Vec<Diagnostic>,
}

/// Loads, assembles and renders the whole site; writes nothing.
pub fn build(options: &Options) -> Result<Built, Vec<Diagnostic>> {
    let inputs = source::load(&options.root);
    let run = run(
        options,
        &inputs,
        &mut Caches::default(),
        &mut Fresh,
        Mode::Build,
        Sink::Collect,
    );
    match run.site {
        Some(site) if !run.diagnostics.iter().any(Diagnostic::is_error) => {
            let mut outputs = run.outputs;
            outputs.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(Built {
                site,
                outputs,
                warnings: run.diagnostics,
            })
        }
        _ => Err(run.diagnostics),
    }
}

/// A site built into its output folder.
#[derive(Debug, Clone)]
pub struct Published {
    /// Articles built.
    pub pages: usize,
    /// Sections built.
    pub sections: usize,
    /// Tags with at least one article.
    pub tags: usize,
    /// What publishing did, and how.
    pub written: Written,
    /// Warnings met on the way, publishing's among them.
    pub warnings: Vec<Diagnostic>,
}

/// Why [`build_into`] published nothing.
#[derive(Debug, Clone)]
pub struct Unpublished {
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the site built and writing it failed (else the content had errors).
    pub while_writing: bool,
}

/// Builds the site into the folder `out`: the outputs stream to a [`Publisher`] as they are
/// rendered, which swaps the new site in when the build succeeds and leaves `out` as it was
/// when it fails.
pub fn build_into(options: &Options, out: &Path) -> Result<Published, Unpublished> {
    let writing = |diagnostics| Unpublished {
        diagnostics,
        while_writing: true,
    };
    let mut clock = Stopwatch::new();
    let publisher = Publisher::start(out).map_err(writing)?;
    let inputs = source::load(&options.root);
    clock.lap("read the site's files");
    let mut caches = Caches::default();
    let run = run(
        options,
        &inputs,
        &mut caches,
        &mut Fresh,
        Mode::Build,
        Sink::Send(publisher.sender()),
    );
    // The run timed its own stages.
    let mut clock = Stopwatch::new();
    let mut diagnostics = run.diagnostics;
    let built = match run.site {
        Some(site) if !diagnostics.iter().any(Diagnostic::is_error) => site,
        _ => {
            diagnostics.extend(publisher.finish(false).err().into_iter().flatten());
            return Err(Unpublished {
                diagnostics,
                while_writing: false,
            });
        }
    };
    let tags = built.tags.iter().filter(|t| !t.pages.is_empty()).count();
    let (pages, sections) = (built.pages.len(), built.sections.len());
    // Freeing the sources, the caches and the model (every page, body and search entry:
    // about 0.2 s at 10,000 articles) is left to a thread of its own, so that publishing and
    // the report need not wait for it. A process that exits before it is done loses nothing.
    // (Without a thread, they are freed here.)
    free_elsewhere((inputs, caches, built));
    clock.lap("sources and model handed off to be freed");
    let mut written = publisher.finish(true).map_err(writing)?;
    clock.lap("publish (after rendering)");
    diagnostics.append(&mut written.warnings);
    Ok(Published {
        pages,
        sections,
        tags,
        written,
        warnings: diagnostics,
    })
}

/// Everything `site check` finds: build errors, warnings and the content rules, together.
///
/// Files that fail to parse are left out of the model, and the rules run on the rest, so one
/// run reports every problem. The model comes back for `--report` when there is one.
pub fn check(options: &Options) -> (Option<Site>, Vec<Diagnostic>) {
    let inputs = source::load(&options.root);
    let run = run(
        options,
        &inputs,
        &mut Caches::default(),
        &mut Fresh,
        Mode::Check,
        Sink::Collect,
    );
    let mut diagnostics = run.diagnostics;
    if let Some(site) = &run.site {
        // Every content file, read or not: a translation's original may have failed to read
        // or parse, or be a draft, and still be there (lint's `translation-orphan`).
        let files: Vec<String> = (inputs.content.iter().map(|s| s.rel.clone()))
            .chain(inputs.unreadable.iter().cloned())
            .collect();
        diagnostics.extend(lint::check(site, &files, options.today));
    }
    (run.site, diagnostics)
}

/// How far a run goes when something is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Stop before rendering at the first error: the output would be thrown away.
    Build,
    /// Render whatever assembled, to report template errors with the rest (`site check`).
    Check,
}

/// What a run keeps for the next one. A one-off build starts from an empty one; `serve` keeps
/// one for the whole session, which is what makes its full rebuilds fast.
#[derive(Default)]
pub(crate) struct Caches {
    /// Each file's parse and body, and the related lists (see `site::Memo`).
    pub(crate) memo: site::Memo,
    /// The compiled templates, and the texts they were compiled from.
    pub(crate) templates: Option<(tera::Tera, TemplateTexts)>,
    /// The last run's editions of them, one per language with its globals (`serve`'s fast
    /// path renders with these).
    pub(crate) editions: Vec<tera::Tera>,
}

/// Each template's name and text, as compiled.
pub(crate) type TemplateTexts = Vec<(String, Arc<str>)>;

/// What a caller that keeps outputs between runs plugs into the pipeline (`serve`); a one-off
/// build uses [`Fresh`], which keeps nothing.
pub(crate) trait Reuse: Send {
    /// For each route, whether to render it now; the caller keeps its last output of the others.
    fn select(
        &mut self,
        site: &Site,
        routes: &[Route],
        templates: &[Source],
        assets: &Assets,
    ) -> Vec<bool>;

    /// The search index's files for `site`'s pages in language `lang`.
    fn search_index(&mut self, site: &Site, lang: usize, out: &mut search::Out<'_>);
}

/// Reuses nothing: renders every route, makes the search index afresh.
pub(crate) struct Fresh;

impl Reuse for Fresh {
    fn select(&mut self, _: &Site, routes: &[Route], _: &[Source], _: &Assets) -> Vec<bool> {
        vec![true; routes.len()]
    }

    fn search_index(&mut self, site: &Site, lang: usize, out: &mut search::Out<'_>) {
        search::of_site(site, lang, out);
    }
}

/// Static files' site paths and the URLs templates print for them (fingerprinted stylesheets).
pub(crate) type Assets = BTreeMap<String, String>;

/// What one run of the pipeline made.
pub(crate) struct Run {
    /// The model, when the configuration was usable (even when some files failed).
    pub(crate) site: Option<Site>,
    /// Every output the site has, with its URL and path.
    pub(crate) routes: Vec<Route>,
    /// The outputs made this time: every one, or those `Reuse::select` chose and the feeds.
    pub(crate) outputs: Vec<Output>,
    /// Static files' URLs, as templates see them.
    pub(crate) assets: Assets,
    /// Every problem found.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// The pipeline `build`, `check` and `serve` all run: configuration, templates and static
/// files; the model; the route table and its checks; the pages through their templates; the
/// feeds, sitemap and search index.
pub(crate) fn run(
    options: &Options,
    inputs: &Inputs,
    caches: &mut Caches,
    reuse: &mut dyn Reuse,
    mode: Mode,
    sink: Sink<'_>,
) -> Run {
    let mut clock = Stopwatch::new();
    let mut diagnostics: Vec<Diagnostic> = inputs.problems().cloned().collect();
    let config = configure(options, inputs, &mut diagnostics);
    let templates_ok = caches.load_templates(&inputs.templates, &mut diagnostics);
    let data = data::parse_into(&inputs.data, &mut diagnostics);
    let (statics, assets) = asset::prepare(&inputs.statics);
    let files = asset::link_targets(&assets);
    clock.lap("config, templates, static");
    let mut run = Run {
        site: None,
        routes: Vec::new(),
        outputs: Vec::new(),
        assets,
        diagnostics: Vec::new(),
    };
    let Some(config) = config else {
        run.diagnostics = diagnostics;
        return run;
    };
    let tera = caches.templates.as_mut().map(|(tera, _)| tera);
    let shortcodes =
        shortcode::Env::for_run(tera, &inputs.templates, data, &config, &mut diagnostics);
    let langs = Arc::new(lang::languages(&config, &inputs.i18n, &mut diagnostics));
    let site = site::assemble(
        config,
        langs,
        &inputs.content,
        &files,
        &inputs.unreadable,
        options.drafts,
        &shortcodes,
        &mut caches.memo,
        &mut diagnostics,
    );
    let statics_at: Vec<String> = statics.iter().map(|o| o.path.clone()).collect();
    let routes = route::table(&site, &statics_at);
    diagnostics.extend(site::check_routes(&site, &routes, &files));
    clock.lap("routes");
    let stop = mode == Mode::Build && diagnostics.iter().any(Diagnostic::is_error);
    if let (Some((tera, _)), true, false) = (caches.templates.as_mut(), templates_ok, stop) {
        match render::editions(&site, tera, &inputs.templates, &run.assets, options.serve) {
            Ok(editions) => {
                let chosen = reuse.select(&site, &routes, &inputs.templates, &run.assets);
                let todo: Vec<&Route> = routes
                    .iter()
                    .zip(chosen)
                    .filter(|(r, chosen)| {
                        *chosen && r.job().is_some_and(|j| render::wanted(j, tera))
                    })
                    .map(|(r, _)| r)
                    .collect();
                match render::render(&site, &editions, &inputs.templates, todo, sink) {
                    Ok(pages) => run.outputs = pages,
                    Err(mut errors) => diagnostics.append(&mut errors),
                }
                caches.editions = editions;
            }
            Err(mut errors) => diagnostics.append(&mut errors),
        }
        clock.lap("templates");
        let search_index = |l, out: &mut search::Out<'_>| reuse.search_index(&site, l, out);
        let keep = |output| sink.keep(output);
        run.outputs
            .extend(feeds::render(&site, &routes, |_| true, search_index, keep));
        run.outputs.extend(statics.into_iter().filter_map(keep));
        clock.lap("feeds, sitemap, search index");
        diagnostics.extend(publish::validate(&run.outputs));
    }
    run.diagnostics = diagnostics;
    run.site = Some(site);
    run.routes = routes;
    run
}

/// `site.yaml`, with `--base-url` applied.
fn configure(
    options: &Options,
    inputs: &Inputs,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Config> {
    // A `site.yaml` that could not be read was reported when it was read.
    match Config::parse(inputs.config.as_deref()?, options.base_url.as_deref()) {
        Ok(mut config) => {
            config.offline = options.offline;
            Some(config)
        }
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            None
        }
    }
}

impl Caches {
    /// Compiles the templates unless they are the ones compiled last time; false when they
    /// have errors (reported in `diagnostics`).
    fn load_templates(&mut self, templates: &[Source], diagnostics: &mut Vec<Diagnostic>) -> bool {
        let texts: TemplateTexts = templates
            .iter()
            .map(|t| (t.rel.clone(), Arc::clone(&t.text)))
            .collect();
        if matches!(&self.templates, Some((_, old)) if *old == texts) {
            return true;
        }
        match render::load(templates) {
            Ok(tera) => {
                self.templates = Some((tera, texts));
                true
            }
            Err(mut errors) => {
                self.templates = None;
                diagnostics.append(&mut errors);
                false
            }
        }
    }
}

/// Frees `value` on a thread of its own, so that nothing waits for it (freed here when no
/// thread can be started): what a build is done with but takes long to free.
pub(crate) fn free_elsewhere<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

/// Stage timings on stderr when `SITE_TIMINGS` is set, for performance work.
pub struct Stopwatch {
    last: std::time::Instant,
    /// The process's CPU seconds (every thread, user and system) at the last lap.
    cpu: f64,
    on: bool,
}

impl Stopwatch {
    /// Starts timing (silently unless `SITE_TIMINGS` is set).
    pub fn new() -> Self {
        let on = std::env::var_os("SITE_TIMINGS").is_some();
        Self {
            last: std::time::Instant::now(),
            cpu: if on { cpu_seconds() } else { 0.0 },
            on,
        }
    }

    /// Prints the time since the last lap, the CPU time all threads spent in it (a stage that
    /// keeps both of two cores busy shows twice its wall time), and the memory the process
    /// holds now and at most so far where the system says (Linux).
    pub fn lap(&mut self, what: &str) {
        if self.on {
            let cpu = cpu_seconds();
            let spent = (cpu - std::mem::replace(&mut self.cpu, cpu)) * 1e3;
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let kb = |key: &str| {
                let line = status.lines().find(|l| l.starts_with(key))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            };
            let memory = match (kb("VmRSS:"), kb("VmHWM:")) {
                (Some(now), Some(peak)) => {
                    format!("  rss {:>5} MB, peak {:>5} MB", now / 1024, peak / 1024)
                }
                _ => String::new(),
            };
            eprintln!(
                "{what:>32}: {:>8.1} ms, cpu {spent:>8.1} ms{memory}",
                self.last.elapsed().as_secs_f64() * 1e3
            );
        }
        self.last = std::time::Instant::now();
    }
}

/// The CPU time the process has used so far, every thread's, in seconds (0 where the system
/// does not say).
#[cfg(unix)]
fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` only writes the struct it is handed, which is all zeroes to start
    // with and has no invariants.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

#[cfg(not(unix))]
fn cpu_seconds() -> f64 {
    0.0
}

impl Default for Stopwatch {
    fn default() -> Self {
        Self::new()
    }
}
