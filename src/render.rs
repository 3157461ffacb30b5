//! Templates: loading them into Tera, and rendering every page of the site through them with one
//! typed context struct per template. Produces outputs in memory; writing is `publish.rs`'s job.
//!
//! The contexts are documented, field by field, in `docs/templates.md`. Shared data (config,
//! navigation, asset URLs) goes into Tera's global context once, not into every page's context.

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::front_matter::Reference;
use crate::page::{Page, Section};
use crate::publish::Output;
use crate::related;
use crate::site::Site;
use crate::source::Source;
use crate::taxonomy::Tag;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use tera::{Context, ErrorKind, Tera};

/// Templates every site must have.
pub const REQUIRED: &[&str] = &[
    "index.html",
    "section.html",
    "page.html",
    "tag.html",
    "tags.html",
    "404.html",
];

/// Loads every template under `templates/`; syntax errors are reported for all files at once.
pub fn load(templates: &[Source]) -> Result<Tera, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = templates
        .par_iter()
        .filter_map(|t| {
            let mut alone = Tera::default();
            match alone.add_raw_template(&t.rel, &t.text) {
                Err(e) if matches!(e.kind(), ErrorKind::SyntaxError(_)) => {
                    Some(diagnostic(&e, templates, None))
                }
                _ => None,
            }
        })
        .collect();
    for name in REQUIRED {
        if !templates.iter().any(|t| t.rel == *name) {
            errors.push(
                Diagnostic::error(format!("templates/{name}"), "template", format!("the template `{name}` is missing"))
                    .help("every site needs index.html, section.html, page.html, tag.html, tags.html and 404.html in `templates/`"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.add_raw_templates(templates.iter().map(|t| (t.rel.as_str(), &*t.text)))
        .map_err(|e| vec![diagnostic(&e, templates, None)])?;
    Ok(tera)
}

/// Turns a Tera error into a diagnostic at the template's line and column.
fn diagnostic(error: &tera::Error, templates: &[Source], page: Option<&str>) -> Diagnostic {
    let context = page
        .map(|p| format!(" (while rendering `{p}`)"))
        .unwrap_or_default();
    match error.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let name = report.filename();
            let span = report.span();
            let text = templates
                .iter()
                .find(|t| t.rel == name)
                .map_or("", |t| &*t.text);
            let message = report.message().replace('\n', " ");
            let kind = if matches!(error.kind(), ErrorKind::SyntaxError(_)) {
                "syntax error"
            } else {
                "render error"
            };
            Diagnostic::error(
                format!("templates/{name}"),
                "template",
                format!("template {kind}: {message}{context}"),
            )
            .at_in(text, span.start_line.max(1), span.start_col + 1)
        }
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            format!("templates/{current}"),
            "template",
            format!("`{current}` extends `{parent}`, which does not exist"),
        )
        .help(format!(
            "create `templates/{parent}` or fix the `extends` line"
        )),
        ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            format!("templates/{name}"),
            "template",
            format!("the template `{name}` does not exist{context}"),
        )
        .help("check the name in `include` or `extends`"),
        ErrorKind::CircularInclude { tpl, include_chain } => {
            // Report at the `include` that closes the loop: the one in the last template before
            // `tpl` comes round again.
            let culprit = include_chain
                .iter()
                .rev()
                .nth(1)
                .map_or(tpl.as_str(), String::as_str);
            let loop_text = include_chain
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            let d = Diagnostic::error(
                format!("templates/{culprit}"),
                "template",
                format!("including `{tpl}` here makes a loop: {loop_text}"),
            )
            .help("remove one of the `include`s");
            locate_name(d, templates, culprit, tpl)
        }
        ErrorKind::Msg(text) => located_message(text, templates, &context),
        other => Diagnostic::error(
            "templates",
            "template",
            format!("template error: {other}{context}"),
        ),
    }
}

/// Points a diagnostic at the first place `name` is quoted in the template `file`.
fn locate_name(d: Diagnostic, templates: &[Source], file: &str, name: &str) -> Diagnostic {
    let Some(source) = templates.iter().find(|t| t.rel == file) else {
        return d;
    };
    let at = ['"', '\'']
        .iter()
        .find_map(|q| source.text.find(&format!("{q}{name}{q}")));
    match at {
        Some(offset) => {
            let (line, column) =
                crate::diagnostic::LineIndex::new(&source.text).locate(&source.text, offset);
            d.at_in(&source.text, line, column)
        }
        None => d,
    }
}

/// Tera reports unknown filters, functions and templates as text with ` --> file:line:col`
/// inside; turn that into a located diagnostic with a hint.
fn located_message(text: &str, templates: &[Source], context: &str) -> Diagnostic {
    let first = text
        .lines()
        .next()
        .unwrap_or(text)
        .trim()
        .trim_start_matches("error: ")
        .to_owned();
    let position = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .and_then(|p| {
            let mut parts = p.rsplitn(3, ':');
            let column: usize = parts.next()?.trim().parse().ok()?;
            let line: usize = parts.next()?.trim().parse().ok()?;
            Some((parts.next()?.trim().to_owned(), line, column))
        });
    let name = first.split('`').nth(1).unwrap_or_default().to_owned();
    let (message, help) = if first.starts_with("Unknown template") {
        let file = position.as_ref().map_or("a template", |p| p.0.as_str());
        (
            format!("`{file}` includes `{name}`, which does not exist"),
            format!("create `templates/{name}` or fix the `include` line"),
        )
    } else if first.starts_with("Unknown filter") {
        (format!("unknown filter `{name}`"), "check the filter's name; the filters templates can use are listed in docs/templates.md".to_owned())
    } else if first.starts_with("Unknown function") {
        (
            format!("unknown function `{name}`"),
            "check the function's name; templates can use `range` and `throw`".to_owned(),
        )
    } else if first.starts_with("Unknown test") {
        (
            format!("unknown test `{name}`"),
            "check the test's name (`defined`, `starting_with`, ...)".to_owned(),
        )
    } else {
        (
            format!("template error: {first}"),
            "see the Tera 2 documentation for the syntax".to_owned(),
        )
    };
    match position {
        Some((file, line, column)) => {
            let source = templates
                .iter()
                .find(|t| t.rel == file)
                .map_or("", |t| &*t.text);
            Diagnostic::error(
                format!("templates/{file}"),
                "template",
                format!("{message}{context}"),
            )
            .at_in(source, line, column)
            .help(help)
        }
        None => {
            Diagnostic::error("templates", "template", format!("{message}{context}")).help(help)
        }
    }
}

/// A date as templates need it.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2026-11-27`, for `<time datetime>` and JSON-LD.
    pub iso: String,
    /// `November 27, 2026`, for people.
    pub long: String,
}

impl From<Date> for DateView {
    fn from(d: Date) -> Self {
        Self {
            iso: d.to_string(),
            long: d.long(),
        }
    }
}

/// A link to a page, section or tag.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Text to show.
    pub title: String,
    /// Site-relative URL.
    pub url: String,
}

/// A page as it appears in lists.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Site-relative URL.
    pub url: String,
    /// First published.
    pub date: DateView,
    /// Last medical review.
    pub reviewed: Option<DateView>,
    /// Minutes.
    pub reading_time: usize,
    /// The page's section.
    pub section: Option<Link>,
}

/// A reference, numbered.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceView {
    /// 1-based number; the list item's id is `ref-<n>`.
    pub n: usize,
    /// Title.
    pub title: String,
    /// Publisher.
    pub publisher: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Where to read it.
    pub href: Option<String>,
    /// DOI, if given.
    pub doi: Option<String>,
    /// PubMed id, if given.
    pub pmid: Option<String>,
    /// Note.
    pub note: Option<String>,
}

/// An article, for `page.html`.
#[derive(Debug, Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: &'a str,
    url: &'a str,
    permalink: String,
    date: DateView,
    updated: Option<DateView>,
    reviewed: Option<DateView>,
    reviewed_by: Option<&'a str>,
    medical: bool,
    draft: bool,
    tags: Vec<Link>,
    section: Option<Link>,
    breadcrumbs: Vec<Link>,
    content: &'a str,
    summary: &'a str,
    toc: Vec<&'a crate::markdown::Heading>,
    word_count: usize,
    reading_time: usize,
    references: Vec<ReferenceView>,
    related: Vec<&'a Card>,
    json_ld: String,
}

/// A section or the home page.
#[derive(Debug, Serialize)]
struct SectionView<'a> {
    title: &'a str,
    description: &'a str,
    url: &'a str,
    permalink: String,
    content: &'a str,
    breadcrumbs: Vec<Link>,
    pages: Vec<&'a Card>,
}

/// A tag's text, for `tag.html` and `tags.html`.
#[derive(Debug, Serialize)]
struct TagView<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    url: &'a str,
    permalink: String,
    content: &'a str,
    count: usize,
    references: Vec<ReferenceView>,
}

/// One page of a paginated list.
#[derive(Debug, Serialize)]
struct Paginator<'a> {
    pages: Vec<&'a Card>,
    number: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    links: Vec<PagerLink>,
}

#[derive(Debug, Serialize)]
struct PagerLink {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct PageContext<'a> {
    current_url: &'a str,
    page: PageView<'a>,
}

#[derive(Serialize)]
struct HomeContext<'a> {
    current_url: &'a str,
    home: SectionView<'a>,
    sections: Vec<SectionView<'a>>,
    recent: Vec<&'a Card>,
    json_ld: String,
}

#[derive(Serialize)]
struct SectionContext<'a> {
    current_url: &'a str,
    section: SectionView<'a>,
    json_ld: String,
}

#[derive(Serialize)]
struct TagContext<'a> {
    current_url: String,
    tag: TagView<'a>,
    paginator: Paginator<'a>,
    json_ld: String,
}

#[derive(Serialize)]
struct TagsContext<'a> {
    current_url: &'a str,
    tags: Vec<TagView<'a>>,
}

#[derive(Serialize)]
struct PlainContext<'a> {
    current_url: &'a str,
}

#[derive(Serialize)]
struct Globals<'a> {
    config: &'a crate::config::Config,
    nav: Vec<Link>,
    assets: &'a BTreeMap<String, String>,
    /// True only in `site serve`.
    serve: bool,
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
    };
    let context =
        Context::from_serialize(&globals).map_err(|e| vec![diagnostic(&e, templates, None)])?;
    *tera.global_context() = context;
    Ok(())
}

/// Renders every page of `site` through `tera`; template errors are collected, one per place.
pub fn render(
    site: &Site,
    tera: &mut Tera,
    templates: &[Source],
    assets: &BTreeMap<String, String>,
    serve: bool,
) -> Result<Vec<Output>, Vec<Diagnostic>> {
    set_globals(site, tera, templates, assets, serve)?;
    let jobs: Vec<Job> = jobs(site).into_iter().filter(|j| wanted(j, tera)).collect();
    render_jobs(site, tera, templates, &jobs)
}

/// Renders the given pages (globals already set); template errors are collected, one per place.
pub fn render_jobs(
    site: &Site,
    tera: &Tera,
    templates: &[Source],
    jobs: &[Job],
) -> Result<Vec<Output>, Vec<Diagnostic>> {
    let cards = Cards::new(site);
    let results: Vec<Result<Output, Diagnostic>> = jobs
        .par_iter()
        .map(|job| {
            let (template, context, file) = job.context(site, &cards);
            let context = context.map_err(|e| diagnostic(&e, templates, Some(file)))?;
            let html = tera
                .render(template, &context)
                .map_err(|e| diagnostic(&e, templates, Some(file)))?;
            Ok(Output {
                path: job.path(site),
                bytes: html.into_bytes(),
            })
        })
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

/// Where a template error is: file, line, column, message.
type Place = (String, Option<usize>, Option<usize>, String);

/// One output page to render: what it is, so the incremental rebuild can pick a subset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// The home page.
    Home,
    /// A section, by index.
    Section(usize),
    /// An article, by index.
    Page(usize),
    /// A tag's page `n` (1-based), by tag index.
    Tag(usize, usize),
    /// The tag index.
    Tags,
    /// `404.html`.
    NotFound,
    /// `search/index.html`, when the site has `search.html`.
    Search,
}

/// Every page the site has, in a stable order.
pub fn jobs(site: &Site) -> Vec<Job> {
    let mut jobs = vec![Job::Home, Job::Tags, Job::NotFound, Job::Search];
    jobs.extend((0..site.sections.len()).map(Job::Section));
    jobs.extend((0..site.pages.len()).map(Job::Page));
    for (t, tag) in site.tags.iter().enumerate() {
        let total = tag.pages.len().div_ceil(site.config.paginate_by).max(1);
        jobs.extend((1..=total).map(|n| Job::Tag(t, n)));
    }
    jobs
}

type Prepared<'a> = (&'static str, Result<Context, tera::Error>, &'a str);

impl Job {
    /// The output path of this page.
    pub fn path(&self, site: &Site) -> String {
        let dir = |url: &str| format!("{}index.html", url.trim_start_matches('/'));
        match self {
            Job::Home => "index.html".into(),
            Job::Section(s) => dir(&site.sections[*s].url),
            Job::Page(p) => dir(&site.pages[*p].url),
            Job::Tag(t, 1) => dir(&site.tags[*t].url),
            Job::Tag(t, n) => format!(
                "{}page/{n}/index.html",
                site.tags[*t].url.trim_start_matches('/')
            ),
            Job::Tags => "tags/index.html".into(),
            Job::NotFound => "404.html".into(),
            Job::Search => "search/index.html".into(),
        }
    }

    fn context<'a>(&self, site: &'a Site, cards: &'a Cards<'_>) -> Prepared<'a> {
        match self {
            Job::Home => {
                let home = section_view(site, cards, &site.home, 0);
                let context = HomeContext {
                    current_url: "/",
                    sections: site
                        .sections
                        .iter()
                        .map(|s| section_view(site, cards, s, 5))
                        .collect(),
                    recent: site.order.iter().take(10).map(|&p| cards.get(p)).collect(),
                    json_ld: website_json_ld(site),
                    home,
                };
                (
                    "index.html",
                    Context::from_serialize(&context),
                    site.home.file.as_str(),
                )
            }
            Job::Section(s) => {
                let section = &site.sections[*s];
                let view = section_view(site, cards, section, usize::MAX);
                let context = SectionContext {
                    current_url: &section.url,
                    json_ld: collection_json_ld(
                        site,
                        view.title,
                        view.description,
                        &section.url,
                        &view.breadcrumbs,
                    ),
                    section: view,
                };
                (
                    "section.html",
                    Context::from_serialize(&context),
                    section.file.as_str(),
                )
            }
            Job::Page(p) => {
                let page = &site.pages[*p];
                let context = PageContext {
                    current_url: &page.url,
                    page: page_view(site, cards, *p),
                };
                (
                    "page.html",
                    Context::from_serialize(&context),
                    page.file.as_str(),
                )
            }
            Job::Tag(t, n) => {
                let tag = &site.tags[*t];
                let paginator = paginate(site, cards, tag, *n);
                let current_url = paginator
                    .links
                    .get(n - 1)
                    .map_or_else(|| tag.url.clone(), |l| l.url.clone());
                let crumbs = [
                    Link {
                        title: "Home".into(),
                        url: "/".into(),
                    },
                    Link {
                        title: "All topics".into(),
                        url: "/tags/".into(),
                    },
                    Link {
                        title: tag.text.title.clone(),
                        url: current_url.clone(),
                    },
                ];
                let context = TagContext {
                    json_ld: collection_json_ld(
                        site,
                        &tag.text.title,
                        &tag.text.description,
                        &current_url,
                        &crumbs,
                    ),
                    current_url,
                    tag: tag_view(site, tag),
                    paginator,
                };
                (
                    "tag.html",
                    Context::from_serialize(&context),
                    tag.text.file.as_str(),
                )
            }
            Job::Tags => {
                let mut tags: Vec<TagView<'_>> =
                    site.tags.iter().map(|t| tag_view(site, t)).collect();
                tags.retain(|t| t.count > 0);
                (
                    "tags.html",
                    Context::from_serialize(&TagsContext {
                        current_url: "/tags/",
                        tags,
                    }),
                    "templates/tags.html",
                )
            }
            Job::NotFound => (
                "404.html",
                Context::from_serialize(&PlainContext {
                    current_url: "/404.html",
                }),
                "templates/404.html",
            ),
            Job::Search => (
                "search.html",
                Context::from_serialize(&PlainContext {
                    current_url: "/search/",
                }),
                "templates/search.html",
            ),
        }
    }
}

/// Whether the site renders this job (search only with a `search.html` template).
pub fn wanted(job: &Job, tera: &Tera) -> bool {
    !matches!(job, Job::Search) || tera.get_template_names().any(|n| n == "search.html")
}

fn permalink(site: &Site, url: &str) -> String {
    format!("{}{url}", site.config.base_url)
}

/// Every list shows the same cards: each page's is made once, when a page first needs it (a
/// `serve` rebuild that renders one page makes a handful, not one per article).
pub struct Cards<'s> {
    site: &'s Site,
    cells: Vec<std::sync::OnceLock<Card>>,
}

impl<'s> Cards<'s> {
    fn new(site: &'s Site) -> Self {
        Self {
            site,
            cells: (0..site.pages.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    fn get(&self, p: usize) -> &Card {
        self.cells[p].get_or_init(|| card(self.site, &self.site.pages[p]))
    }
}

fn card(site: &Site, page: &Page) -> Card {
    Card {
        title: page.title.clone(),
        description: page.description.clone(),
        url: page.url.clone(),
        date: page.date.into(),
        reviewed: page.reviewed.map(DateView::from),
        reading_time: page.reading_time(),
        section: site.section_of(page).map(|s| Link {
            title: s.title.clone(),
            url: s.url.clone(),
        }),
    }
}

fn references(refs: &[Reference]) -> Vec<ReferenceView> {
    refs.iter()
        .enumerate()
        .map(|(i, r)| ReferenceView {
            n: i + 1,
            title: r.title.clone(),
            publisher: r.publisher.clone(),
            year: r.year,
            href: r.href(),
            doi: r.doi.clone(),
            pmid: r.pmid.as_ref().map(|p| p.text()),
            note: r.note.clone(),
        })
        .collect()
}

fn tag_link(site: &Site, name: &str) -> Link {
    let title = site
        .tag(name)
        .map_or_else(|| name.to_owned(), |t| t.text.title.clone());
    Link {
        title,
        url: format!("/tags/{name}/"),
    }
}

fn page_view<'a>(site: &'a Site, cards: &'a Cards<'_>, p: usize) -> PageView<'a> {
    let page = &site.pages[p];
    let section = site.section_of(page).map(|s| Link {
        title: s.title.clone(),
        url: s.url.clone(),
    });
    let mut breadcrumbs = vec![Link {
        title: "Home".into(),
        url: "/".into(),
    }];
    breadcrumbs.extend(section.clone());
    breadcrumbs.push(Link {
        title: page.title.clone(),
        url: page.url.clone(),
    });
    let related: Vec<&Card> = site.related[p]
        .iter()
        .take(related::LIMIT)
        .map(|&q| cards.get(q))
        .collect();
    PageView {
        title: &page.title,
        description: &page.description,
        url: &page.url,
        permalink: permalink(site, &page.url),
        date: page.date.into(),
        updated: page.updated.map(DateView::from),
        reviewed: page.reviewed.map(DateView::from),
        reviewed_by: page.reviewed_by.as_deref(),
        medical: page.medical,
        draft: page.draft,
        tags: page.tags.iter().map(|t| tag_link(site, t)).collect(),
        section,
        json_ld: page_json_ld(site, page, &breadcrumbs),
        breadcrumbs,
        content: &page.body.html,
        summary: &page.body.summary,
        toc: page
            .body
            .headings
            .iter()
            .filter(|h| h.level == 2 || h.level == 3)
            .collect(),
        word_count: page.body.word_count,
        reading_time: page.reading_time(),
        references: references(&page.references),
        related,
    }
}

fn section_view<'a>(
    site: &'a Site,
    cards: &'a Cards<'_>,
    section: &'a Section,
    limit: usize,
) -> SectionView<'a> {
    let mut breadcrumbs = vec![Link {
        title: "Home".into(),
        url: "/".into(),
    }];
    if !section.name.is_empty() {
        breadcrumbs.push(Link {
            title: section.title.clone(),
            url: section.url.clone(),
        });
    }
    SectionView {
        title: &section.title,
        description: &section.description,
        url: &section.url,
        permalink: permalink(site, &section.url),
        content: &section.body.html,
        breadcrumbs,
        pages: section
            .pages
            .iter()
            .take(limit)
            .map(|&p| cards.get(p))
            .collect(),
    }
}

fn tag_view<'a>(site: &'a Site, tag: &'a Tag) -> TagView<'a> {
    TagView {
        name: &tag.text.name,
        title: &tag.text.title,
        description: &tag.text.description,
        url: &tag.url,
        permalink: permalink(site, &tag.url),
        content: &tag.text.body.html,
        count: tag.pages.len(),
        references: references(&tag.text.references),
    }
}

fn paginate<'a>(site: &'a Site, cards: &'a Cards<'_>, tag: &Tag, number: usize) -> Paginator<'a> {
    let per = site.config.paginate_by;
    let total = tag.pages.len().div_ceil(per).max(1);
    let url = |n: usize| {
        if n == 1 {
            tag.url.clone()
        } else {
            format!("{}page/{n}/", tag.url)
        }
    };
    Paginator {
        pages: tag
            .pages
            .iter()
            .skip((number - 1) * per)
            .take(per)
            .map(|&p| cards.get(p))
            .collect(),
        number,
        total,
        previous: (number > 1).then(|| url(number - 1)),
        next: (number < total).then(|| url(number + 1)),
        links: (1..=total)
            .map(|n| PagerLink {
                number: n,
                url: url(n),
                current: n == number,
            })
            .collect(),
    }
}

/// JSON for a `<script type="application/ld+json">` block.
fn json_ld(value: &serde_json::Value) -> String {
    // `<`, `>` and `&` as JSON escapes: nothing in the data can close the `<script>` or open a
    // comment inside it, and the JSON means the same.
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn page_json_ld(site: &Site, page: &Page, breadcrumbs: &[Link]) -> String {
    let url = permalink(site, &page.url);
    let mut main = serde_json::json!({
        "@context": "https://schema.org",
        "@type": if page.medical { "MedicalWebPage" } else { "Article" },
        "headline": page.title,
        "name": page.title,
        "description": page.description,
        "url": url,
        "inLanguage": site.config.language,
        "datePublished": page.date.to_string(),
        "dateModified": page.updated.unwrap_or(page.date).to_string(),
        "isPartOf": { "@type": "WebSite", "name": site.config.title, "url": format!("{}/", site.config.base_url) },
    });
    if page.medical {
        main["about"] = serde_json::json!({ "@type": "Drug", "name": "Naltrexone" });
        if let Some(reviewed) = page.reviewed {
            main["lastReviewed"] = serde_json::json!(reviewed.to_string());
        }
        if !page.references.is_empty() {
            main["citation"] = page
                .references
                .iter()
                .map(|r| serde_json::json!({ "@type": "CreativeWork", "name": r.title, "url": r.href() }))
                .collect();
        }
    }
    let crumbs = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": breadcrumbs.iter().enumerate().map(|(i, b)| serde_json::json!({
            "@type": "ListItem", "position": i + 1, "name": b.title, "item": permalink(site, &b.url)
        })).collect::<Vec<_>>(),
    });
    json_ld(&serde_json::json!([main, crumbs]))
}

/// JSON-LD for a list page (section or tag): a `CollectionPage` and its `BreadcrumbList`.
fn collection_json_ld(
    site: &Site,
    title: &str,
    description: &str,
    url: &str,
    breadcrumbs: &[Link],
) -> String {
    json_ld(&serde_json::json!([
        {
            "@context": "https://schema.org",
            "@type": "CollectionPage",
            "name": title,
            "description": description,
            "url": permalink(site, url),
            "inLanguage": site.config.language,
        },
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": breadcrumbs.iter().enumerate().map(|(i, b)| serde_json::json!({
                "@type": "ListItem", "position": i + 1, "name": b.title, "item": permalink(site, &b.url)
            })).collect::<Vec<_>>(),
        }
    ]))
}

fn website_json_ld(site: &Site) -> String {
    let base = &site.config.base_url;
    json_ld(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.config.title,
        "description": site.config.description,
        "url": format!("{base}/"),
        "inLanguage": site.config.language,
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{base}/search/?q={{search_term_string}}"),
            "query-input": "required name=search_term_string",
        },
    }))
}

/// A hash of everything job's context shows, so `serve` re-renders only the pages whose data
/// changed. It must cover every field the job's context struct (above) serializes; the serve
/// tests compare incremental rebuilds with full builds after each kind of edit to guard that.
///
/// The pages whose cards the job shows are pushed onto `reads`, so a rebuild that changes one
/// card knows which jobs to look at again.
pub fn fingerprint(job: &Job, site: &Site, cards: &[u64], reads: &mut Vec<usize>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut print = Print {
        h: crate::hash::Hasher::default(),
        cards,
        reads,
    };
    std::mem::discriminant(job).hash(&mut print.h);
    match job {
        Job::Home => {
            print.section(&site.home, 0);
            for s in &site.sections {
                print.section(s, 5);
            }
            for &p in site.order.iter().take(10) {
                print.card(p);
            }
        }
        Job::Section(s) => print.section(&site.sections[*s], usize::MAX),
        Job::Page(p) => {
            let page = &site.pages[*p];
            let h = &mut print.h;
            (
                &page.title,
                &page.description,
                &page.url,
                page.date,
                page.updated,
                page.reviewed,
            )
                .hash(h);
            (
                &page.reviewed_by,
                page.medical,
                page.draft,
                page.body.hash,
                page.body.word_count,
                &page.references,
            )
                .hash(h);
            for name in &page.tags {
                tag_link(site, name).title.hash(h);
                name.hash(h);
            }
            site.section_of(page).map(|s| (&s.title, &s.url)).hash(h);
            for &q in site.related[*p].iter().take(related::LIMIT) {
                print.card(q);
            }
        }
        Job::Tag(t, n) => {
            let t_ref = &site.tags[*t];
            print.tag(t_ref);
            n.hash(&mut print.h);
            let per = site.config.paginate_by;
            for &p in t_ref.pages.iter().skip((n - 1) * per).take(per) {
                print.card(p);
            }
        }
        Job::Tags => {
            for t in &site.tags {
                print.tag(t);
            }
        }
        Job::NotFound | Job::Search => {}
    }
    print.h.finish()
}

/// A fingerprint being made, and the cards it read.
struct Print<'a> {
    h: crate::hash::Hasher,
    cards: &'a [u64],
    reads: &'a mut Vec<usize>,
}

impl Print<'_> {
    fn card(&mut self, p: usize) {
        use std::hash::Hash;
        self.cards[p].hash(&mut self.h);
        self.reads.push(p);
    }

    fn section(&mut self, s: &Section, limit: usize) {
        use std::hash::Hash;
        (&s.title, &s.description, &s.url, &s.name, s.body.hash).hash(&mut self.h);
        for &p in s.pages.iter().take(limit) {
            self.card(p);
        }
    }

    fn tag(&mut self, t: &Tag) {
        use std::hash::Hash;
        (
            &t.text.name,
            &t.text.title,
            &t.text.description,
            &t.url,
            t.text.body.hash,
            t.pages.len(),
            &t.text.references,
        )
            .hash(&mut self.h);
    }
}

/// A hash of each page's card (what lists show of it), computed once for all fingerprints.
pub fn card_hashes(site: &Site) -> Vec<u64> {
    (0..site.pages.len())
        .into_par_iter()
        .map(|p| card_hash(site, p))
        .collect()
}

/// A hash of one page's card.
pub fn card_hash(site: &Site, p: usize) -> u64 {
    use std::hash::{Hash, Hasher};
    let page = &site.pages[p];
    let mut h = crate::hash::Hasher::default();
    (
        &page.title,
        &page.description,
        &page.url,
        page.date,
        page.reviewed,
        page.reading_time(),
    )
        .hash(&mut h);
    site.section_of(page)
        .map(|s| (&s.title, &s.url))
        .hash(&mut h);
    h.finish()
}

/// The templates each template extends, includes or imports (by name), for deciding what a
/// template edit re-renders.
pub fn template_uses(templates: &[Source]) -> BTreeMap<String, Vec<String>> {
    templates
        .iter()
        .map(|t| {
            let mut uses = Vec::new();
            for keyword in ["extends", "include", "import"] {
                for (at, _) in t.text.match_indices(keyword) {
                    let rest = t.text[at + keyword.len()..].trim_start();
                    if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
                        if let Some(name) = rest[1..].split(quote).next() {
                            uses.push(name.to_owned());
                        }
                    }
                }
            }
            (t.rel.clone(), uses)
        })
        .collect()
}

/// The top-level template a job renders.
pub fn template_of(job: &Job) -> &'static str {
    match job {
        Job::Home => "index.html",
        Job::Section(_) => "section.html",
        Job::Page(_) => "page.html",
        Job::Tag(..) => "tag.html",
        Job::Tags => "tags.html",
        Job::NotFound => "404.html",
        Job::Search => "search.html",
    }
}
