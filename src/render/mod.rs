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
    /// `site.yaml`, with `title`, `description` and `language` those of the edition.
    config: crate::config::Config,
    /// The edition's language and its URLs.
    lang: LangView<'a>,
    nav: Vec<Link>,
    assets: &'a BTreeMap<String, String>,
    /// True only in `site serve`.
    serve: bool,
    /// True only in the offline copy (`site build --offline`).
    offline: bool,
    /// The data files.
    data: &'a crate::data::Data,
}

/// A language as templates see it (`lang.code`, `lang.home`, `lang.tags`, `lang.search`,
/// `lang.feed`): the URLs of the pages every edition has.
#[derive(Serialize)]
struct LangView<'a> {
    code: &'a str,
    home: String,
    tags: String,
    search: String,
    feed: String,
    search_index: String,
    search_script: String,
    not_found: String,
}

/// One Tera per language ("edition"), each with the data every template of that language
/// shares (config, language, navigation, assets) in its global context, and `url()` and
/// `t()` registered. The compiled templates are shared by cloning.
pub fn editions(
    site: &Site,
    tera: &Tera,
    templates: &[Source],
    assets: &BTreeMap<String, String>,
    serve: bool,
) -> Result<Vec<Tera>, Vec<Diagnostic>> {
    let mut editions = Vec::with_capacity(site.langs.len());
    for (l, language) in site.langs.iter().enumerate() {
        let mut tera = tera.clone();
        let mut config = site.config.clone();
        config.title.clone_from(&language.title);
        config.description.clone_from(&language.description);
        config.language.clone_from(&language.code);
        let lang = language.lang();
        let globals = Globals {
            config,
            lang: LangView {
                code: &language.code,
                home: language.home_url(),
                tags: crate::route::tags_url(language),
                search: crate::route::search_url(language),
                feed: lang.url(crate::route::FEED),
                search_index: lang.url(crate::route::SEARCH_INDEX),
                search_script: lang.url(crate::route::SEARCH_SCRIPT),
                not_found: lang.url(crate::route::NOT_FOUND),
            },
            nav: site
                .sections_in(l)
                .map(|(_, s)| Link {
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
            &mut tera,
            crate::route::Urls::of(&site.config),
            site.config.base_url.clone(),
        );
        register_t(&mut tera, language.strings.clone());
        editions.push(tera);
    }
    Ok(editions)
}

/// Gives templates `t(key=...)`: the interface string `key` in the edition's language, with
/// any other argument put in for its `{name}` (`t(key="page_of", n=2, total=5)`).
pub(crate) fn register_t(tera: &mut Tera, strings: crate::lang::Strings) {
    tera.register_function("t", move |kwargs: Kwargs, _: &State| {
        let key: &str = kwargs.must_get("key")?;
        let Some(text) = strings.all().get(key) else {
            return Err(tera::Error::message(format!(
                "`t`: there is no interface string `{key}`; add it to `i18n/<language>.yaml` (the built-in keys are in docs/languages.md)"
            )));
        };
        let mut text = text.clone();
        for (name, value) in kwargs.iter() {
            let name = name.to_string();
            if name != "key" {
                let value = match value.as_str() {
                    Some(s) => s.to_string(),
                    None => value.to_string(),
                };
                text = text.replace(&format!("{{{name}}}"), &value);
            }
        }
        Ok(text)
    });
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
    editions: &[Tera],
    templates: &[Source],
    routes: impl IntoParallelIterator<Item = &'r Route>,
    sink: crate::publish::Sink<'_>,
) -> Result<Vec<Output>, Vec<Diagnostic>> {
    let cards = Cards::new(site);
    let json_ld = names_json_ld(templates);
    let results: Vec<Result<Output, Diagnostic>> = routes
        .into_par_iter()
        .filter_map(|route| Some((route, route.job()?)))
        .map(|(route, job)| {
            let (template, view, file) = context::prepare(job, site, &cards, json_ld);
            let mut context = view
                .context()
                .map_err(|e| diagnostic(&e, templates, Some(file)))?;
            let (alternates, switcher) = versions(site, job);
            context.insert("alternates", &alternates);
            context.insert("switcher", &switcher);
            let tera = &editions[job.lang(site).min(editions.len() - 1)];
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
    cards.free_elsewhere();
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

/// Whether any template names `json_ld` (or dumps its whole context): only then is each
/// page's structured data made. A template reaches a context variable by its name, so one
/// that never spells it cannot print it.
fn names_json_ld(templates: &[Source]) -> bool {
    templates
        .iter()
        .any(|t| t.text.contains("json_ld") || t.text.contains("__tera_context"))
}

/// One version of a page in a language, for `hreflang` links and the language switcher.
#[derive(Serialize)]
struct Version<'a> {
    /// The language code (`hreflang`, `lang`).
    lang: &'a str,
    /// The language's own name ("Español").
    name: &'a str,
    /// The site-root URL.
    url: String,
}

/// The page's versions in every language (`alternates`: itself included, empty when it has
/// none), and for each other language where its switcher link goes: the same page, the same
/// list, or that language's home page when the page has no version there.
fn versions(site: &Site, job: Job) -> (Vec<Version<'_>>, Vec<Version<'_>>) {
    if site.langs.len() < 2 {
        // One language: no page has another version, and there is nowhere to switch to.
        return (Vec::new(), Vec::new());
    }
    let found = site.alternates(job);
    let here = job.lang(site);
    let version = |l: usize, url: String| Version {
        lang: &site.langs[l].code,
        name: site.langs[l].strings.get("language_name"),
        url,
    };
    let switcher = (0..site.langs.len())
        .filter(|&l| l != here)
        .map(|l| {
            let url = found
                .iter()
                .find(|(x, _)| *x == l)
                .map(|(_, url)| url.clone())
                .or_else(|| match job {
                    // A later page of a list that is shorter there: its first page.
                    Job::Tag(t, _) => site
                        .tag(l, &site.tags[t].text.name)
                        .filter(|t| !t.pages.is_empty())
                        .map(|t| t.url.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| site.langs[l].home_url());
            version(l, url)
        })
        .collect();
    let alternates = found.into_iter().map(|(l, url)| version(l, url)).collect();
    (alternates, switcher)
}

/// The URLs of `job`'s versions and switcher links, for `serve`'s fingerprints.
pub(crate) fn version_urls(site: &Site, job: Job) -> Vec<String> {
    let (alternates, switcher) = versions(site, job);
    alternates
        .into_iter()
        .chain(switcher)
        .map(|v| format!("{} {}", v.lang, v.url))
        .collect()
}

/// The context of `job` as JSON, the way templates see it (for tests of what pages show).
#[cfg(test)]
pub(crate) fn context_json(site: &Site, job: Job) -> serde_json::Value {
    let cards = Cards::new(site);
    context::prepare(job, site, &cards, true).1.json()
}

/// Where a template error is: file, line, column, message.
type Place = (String, Option<usize>, Option<usize>, String);

/// Whether the site renders this job (search only with a `search.html` template).
pub fn wanted(job: Job, tera: &Tera) -> bool {
    !matches!(job, Job::Search(_)) || tera.get_template_names().any(|n| n == "search.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rel: &str, text: &str) -> Source {
        Source::in_folder("templates", rel, text)
    }

    #[test]
    fn structured_data_is_made_when_a_template_can_print_it() {
        let plain = template("page.html", "<h1>{{ page.title }}</h1>");
        let base = template(
            "base.html",
            r#"<script type="application/ld+json">{{ page.json_ld | safe }}</script>"#,
        );
        let dump = template("debug.html", "{{ __tera_context }}");
        assert!(!names_json_ld(std::slice::from_ref(&plain)));
        // Named in any template, an extended one included.
        assert!(names_json_ld(&[plain.clone(), base]));
        assert!(names_json_ld(&[plain, dump]));
    }
}
