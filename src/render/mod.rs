//! Rendering every page of the site through its template: the shared data (config,
//! navigation, asset URLs) goes into Tera's global context once, each page's own data into one
//! typed context (`context`). Produces outputs in memory; writing is `publish.rs`'s job.
//!
//! `template` loads templates and locates their errors; `json_ld` makes the structured data.

mod context;
mod json_ld;
pub mod template;

pub use context::Link;
pub use template::{load, template_of, template_uses};

use crate::diagnostic::Diagnostic;
use crate::publish::Output;
use crate::route::{Job, Route};
use crate::site::Site;
use crate::source::Source;
use context::Cards;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use template::diagnostic;
use tera::{Context, Kwargs, State, Tera};

#[derive(Serialize)]
struct Globals<'a> {
    config: &'a crate::config::Config,
    nav: Vec<Link>,
    assets: &'a BTreeMap<String, String>,
    /// True only in `site serve`.
    serve: bool,
    /// True only in the offline copy (`site build --offline`).
    offline: bool,
    /// The data files.
    data: &'a crate::data::Data,
}

/// Puts the data every template shares (config, navigation, assets) into Tera's global context.
pub fn set_globals(
    site: &Site,
    tera: &mut Tera,
    templates: &[Source],
    assets: &BTreeMap<String, String>,
    serve: bool,
) -> Result<(), Vec<Diagnostic>> {
    let globals = Globals {
        config: &site.config,
        nav: site
            .sections
            .iter()
            .map(|s| Link {
                title: s.title.clone(),
                url: s.url.clone(),
            })
            .collect(),
        assets,
        serve,
        offline: site.config.offline,
        data: &site.data,
    };
    let context =
        Context::from_serialize(&globals).map_err(|e| vec![diagnostic(&e, templates, None)])?;
    *tera.global_context() = context;
    register_url(
        tera,
        crate::route::Urls::of(&site.config),
        site.config.base_url.clone(),
    );
    Ok(())
}

/// Readies Tera for the shortcodes of bodies, which render before the site is assembled: no
/// global context (a shortcode sees only its own, the same in every run) and `url()` under the
/// site's rule.
pub fn prepare_bodies(tera: &mut Tera, config: &crate::config::Config) {
    *tera.global_context() = Context::new();
    register_url(
        tera,
        crate::route::Urls::of(config),
        config.base_url.clone(),
    );
}

/// Gives templates `url(path=...)` under the rule `urls`.
pub(crate) fn register_url(tera: &mut Tera, urls: crate::route::Urls, base_url: String) {
    tera.register_function("url", move |kwargs: Kwargs, state: &State| {
        url_function(&urls, &base_url, &kwargs, state)
    });
}

/// `url(path=...)`: a site path as the page being rendered must print it: under the base path
/// (or relative to the page, offline), whether or not `path` starts with `/`; with
/// `absolute=true`, the full address under `base_url` (for canonical and Open Graph URLs).
fn url_function(
    urls: &crate::route::Urls,
    base_url: &str,
    kwargs: &Kwargs,
    state: &State,
) -> tera::TeraResult<String> {
    for (key, _) in kwargs.iter() {
        let key = key.to_string();
        if key != "path" && key != "absolute" {
            return Err(tera::Error::message(format!(
                "`url` has no argument `{key}`: it takes `path` (a site path such as \"/tags/\") and `absolute` (true or false)"
            )));
        }
    }
    let path: &str = kwargs.must_get("path")?;
    if kwargs.get::<bool>("absolute")?.unwrap_or(false) {
        return Ok(format!("{base_url}/{}", path.trim_start_matches('/')));
    }
    let from: String = state.get("current_url")?.unwrap_or_default();
    Ok(urls.href(&from, path))
}

/// Renders the pages at `routes` (globals already set; routes that are not rendered through a
/// template are skipped); template errors are collected, one per place. The pages come back,
/// or go to the publisher as they are made when `sink` sends them.
pub fn render<'r>(
    site: &Site,
    tera: &Tera,
    templates: &[Source],
    routes: impl IntoParallelIterator<Item = &'r Route>,
    sink: crate::publish::Sink<'_>,
) -> Result<Vec<Output>, Vec<Diagnostic>> {
    let cards = Cards::new(site);
    let results: Vec<Result<Output, Diagnostic>> = routes
        .into_par_iter()
        .filter_map(|route| Some((route, route.job()?)))
        .map(|(route, job)| {
            let (template, view, file) = context::prepare(job, site, &cards);
            let context = view
                .context()
                .map_err(|e| diagnostic(&e, templates, Some(file)))?;
            let html = tera
                .render(template, &context)
                .map_err(|e| diagnostic(&e, templates, Some(file)))?;
            Ok(Output {
                path: route.path.clone(),
                bytes: html.into_bytes(),
            })
        })
        // Streaming, each page goes to the publisher as soon as it is made.
        .filter_map(|result| result.map(|output| sink.keep(output)).transpose())
        .collect();
    let mut outputs = Vec::with_capacity(results.len());
    let mut errors: BTreeMap<Place, (Diagnostic, usize)> = BTreeMap::new();
    for result in results {
        match result {
            Ok(output) => outputs.push(output),
            Err(d) => {
                // The same template mistake fails every page that uses it: report it once.
                let message = d
                    .message
                    .split(" (while rendering")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                errors
                    .entry((d.file.clone(), d.line, d.column, message))
                    .or_insert((d, 0))
                    .1 += 1;
            }
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors
            .into_values()
            .map(|(mut d, n)| {
                if n > 1 {
                    let others = if n == 2 {
                        "1 other page".to_owned()
                    } else {
                        format!("{} other pages", n - 1)
                    };
                    d.message = match d.message.strip_suffix(')') {
                        Some(head) => format!("{head} and {others})"),
                        None => format!("{} (and {others})", d.message),
                    };
                }
                d
            })
            .collect())
    }
}

/// The context of `job` as JSON, the way templates see it (for tests of what pages show).
#[cfg(test)]
pub(crate) fn context_json(site: &Site, job: Job) -> serde_json::Value {
    let cards = Cards::new(site);
    context::prepare(job, site, &cards).1.json()
}

/// Where a template error is: file, line, column, message.
type Place = (String, Option<usize>, Option<usize>, String);

/// Whether the site renders this job (search only with a `search.html` template).
pub fn wanted(job: Job, tera: &Tera) -> bool {
    job != Job::Search || tera.get_template_names().any(|n| n == "search.html")
}
