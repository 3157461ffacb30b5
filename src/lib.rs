//! `naltrexone-site`: a fast, strict static site generator for health content.
//!
//! The pipeline runs one way over plain data: **load** (`source`) reads every input; **parse**
//! (`front_matter`, `page`) turns files into typed front matter; **assemble** (`site`, with
//! `markdown`, `links`, `taxonomy`, `related`) builds the immutable site model, checking links,
//! anchors, tags and URLs across all files; **render** (`render`, `feeds`, `asset`) produces
//! every output in memory; **publish** (`publish`) writes only what changed. `check` adds
//! content rules (`lint`) and stops before publish. Every stage returns all of its diagnostics,
//! so one run reports every problem.

// Diagnostics are the error type everywhere; they travel the cold path and boxing them would
// only add noise at every call site.
#![allow(clippy::result_large_err)]

pub mod asset;
pub mod bench;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod external;
pub mod feeds;
pub mod front_matter;
pub mod hash;
pub mod links;
pub mod lint;
pub mod markdown;
pub mod page;
pub mod publish;
pub mod readability;
pub mod related;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod source;
pub mod taxonomy;

use config::Config;
use date::Date;
use diagnostic::Diagnostic;
use publish::Output;
use site::Site;
use std::path::PathBuf;

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
    /// The day review ages are measured from.
    pub today: Date,
}

/// A site rendered in memory.
#[derive(Debug, Clone)]
pub struct Built {
    /// The model it was rendered from.
    pub site: Site,
    /// Every file of the output folder.
    pub outputs: Vec<Output>,
    /// Warnings met on the way (errors fail the build instead).
    pub warnings: Vec<Diagnostic>,
}

/// What `build` and `check` both start from: every input read and the model assembled, with
/// every problem found so far.
struct Assembled {
    inputs: source::Inputs,
    diagnostics: Vec<Diagnostic>,
    site: Option<Site>,
    tera: Result<tera::Tera, Vec<Diagnostic>>,
    statics: Vec<Output>,
    assets: std::collections::BTreeMap<String, String>,
}

fn assemble(options: &Options, clock: &mut Stopwatch) -> Assembled {
    let (mut inputs, mut diagnostics) = source::load(&options.root);
    clock.lap("load");
    let config = inputs
        .config
        .as_deref()
        .map(|text| Config::parse(text, options.base_url.as_deref()));
    let tera = render::load(&inputs.templates);
    let (statics, assets) = asset::prepare(&inputs.statics);
    let files = asset::link_targets(&assets);
    clock.lap("config, templates, static");
    let site = match config {
        Some(Ok(config)) => {
            let content = std::mem::take(&mut inputs.content);
            let (site, mut found, _) = Site::assemble_cached(
                config,
                content,
                &files,
                &inputs.unreadable,
                options.drafts,
                site::Cache::default(),
            );
            diagnostics.append(&mut found);
            site
        }
        Some(Err(mut errors)) => {
            diagnostics.append(&mut errors);
            None
        }
        None => None,
    };
    clock.lap("parse, markdown, assemble");
    Assembled {
        inputs,
        diagnostics,
        site,
        tera,
        statics,
        assets,
    }
}

/// Everything `site check` finds: build errors, warnings and the content rules, together.
///
/// Files that fail to parse are left out of the model, and the rules run on the rest, so one
/// run reports every problem. The model comes back for `--report` when there is one.
pub fn check(options: &Options) -> (Option<Site>, Vec<Diagnostic>) {
    let Assembled {
        inputs,
        mut diagnostics,
        site,
        tera,
        statics: mut outputs,
        assets,
    } = assemble(options, &mut Stopwatch::new());
    let Some(site) = site else {
        return (None, diagnostics);
    };
    diagnostics.extend(lint::check(&site, options.today));
    match tera {
        Err(mut errors) => diagnostics.append(&mut errors),
        Ok(mut tera) => {
            match render::render(&site, &mut tera, &inputs.templates, &assets, options.serve) {
                Ok(pages) => {
                    outputs.extend(pages);
                    outputs.extend(feeds::render(&site));
                    diagnostics.extend(publish::validate(&outputs));
                }
                Err(mut errors) => diagnostics.append(&mut errors),
            }
        }
    }
    (Some(site), diagnostics)
}

/// Loads, assembles and renders the whole site; writes nothing.
pub fn build(options: &Options) -> Result<Built, Vec<Diagnostic>> {
    let mut clock = Stopwatch::new();
    let Assembled {
        inputs,
        mut diagnostics,
        site,
        tera,
        statics: mut outputs,
        assets,
    } = assemble(options, &mut clock);
    let (site, mut tera) = match (site, tera) {
        (Some(site), Ok(tera)) if !diagnostics.iter().any(Diagnostic::is_error) => (site, tera),
        (_, tera) => {
            diagnostics.extend(tera.err().unwrap_or_default());
            return Err(diagnostics);
        }
    };
    let pages = render::render(&site, &mut tera, &inputs.templates, &assets, options.serve);
    clock.lap("templates");
    outputs.extend(pages.map_err(|mut errors| {
        errors.append(&mut diagnostics);
        errors
    })?);
    outputs.extend(feeds::render(&site));
    clock.lap("feeds, sitemap, search index");
    diagnostics.extend(publish::validate(&outputs));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    clock.lap("validate");
    Ok(Built {
        site,
        outputs,
        warnings: diagnostics,
    })
}

/// Stage timings on stderr when `SITE_TIMINGS` is set, for performance work.
pub struct Stopwatch {
    last: std::time::Instant,
    on: bool,
}

impl Stopwatch {
    /// Starts timing (silently unless `SITE_TIMINGS` is set).
    pub fn new() -> Self {
        Self {
            last: std::time::Instant::now(),
            on: std::env::var_os("SITE_TIMINGS").is_some(),
        }
    }

    /// Prints the time since the last lap.
    pub fn lap(&mut self, what: &str) {
        if self.on {
            eprintln!(
                "{what:>32}: {:>8.1} ms",
                self.last.elapsed().as_secs_f64() * 1e3
            );
        }
        self.last = std::time::Instant::now();
    }
}

impl Default for Stopwatch {
    fn default() -> Self {
        Self::new()
    }
}
