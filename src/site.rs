//! The site model: every section, page and tag, assembled from the parsed sources and then
//! immutable. Assembly is where cross-file facts are checked: duplicate URLs, undeclared tags,
//! links and anchors between pages, sections without an `_index.md`.
//!
//! [`assemble`] runs in named steps: parse every file, make the link table, render the bodies,
//! put the model together, make the related lists. A [`Memo`] carries each file's parse and
//! body, and the related lists, from one assembly to the next, so `serve` redoes only what an
//! edit touched; a one-off build passes an empty one.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::links::{self, LinkTable};
use crate::markdown::Rendered;
use crate::page::{self, Front, Page, Parsed, Place, Section, TagText};
use crate::related;
use crate::route::{Kind, Route};
use crate::source::Source;
use crate::taxonomy::{self, Tag};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The whole site, ready to render.
#[derive(Debug, Clone)]
pub struct Site {
    /// `site.yaml`.
    pub config: Config,
    /// The languages, the default first (`Page::lang` and the others index it).
    pub langs: Arc<Vec<crate::lang::Language>>,
    /// Each language's home page (`content/_index.md`, `content/_index.es.md`).
    pub homes: Vec<Section>,
    /// Sections of every language, by language, then weight, then title (shared between a
    /// model and its patched copies).
    pub sections: Arc<Vec<Section>>,
    /// Articles, by source path: an article's index is its identity, which edits to its date
    /// or title do not move. Shared, so a changed copy of the site shares unchanged pages.
    pub pages: Vec<Arc<Page>>,
    /// Indices into `pages`, newest first (then title, then URL): the order lists show.
    pub order: Vec<usize>,
    /// Tags, by language and then name (shared between a model and its patched copies).
    pub tags: Arc<Vec<Tag>>,
    /// Each original's path (`Page::original`) → its pages in every language.
    pub translations: Arc<crate::hash::Map<String, Vec<usize>>>,
    /// For each page, its related pages (indices into `pages`), best first.
    pub related: Arc<Vec<Vec<usize>>>,
    /// The data files (`data.<name>` in templates).
    pub data: Arc<crate::data::Data>,
}

/// One file's parse, shared with the memo, or its errors.
type ParseResult = Result<Arc<Parsed>, Vec<Diagnostic>>;

/// What one assembly keeps so the next can skip unchanged files: each file's parsed front
/// matter and rendered body (reused while what its links resolve to stays the same), and
/// the related lists with what they were made from.
#[derive(Debug, Clone, Default)]
pub struct Memo {
    pub(crate) table: LinkTable,
    pub(crate) entries: crate::hash::Map<String, (Arc<Parsed>, Arc<Rendered>)>,
    /// The related lists and their index, with each page's hash of what they were computed
    /// from (`related::page_hashes`).
    pub(crate) related: Option<(Vec<u64>, related::Index)>,
    /// The last model's articles in order, with its newest-first order and translations
    /// (`serve`): a page the next model shares (the same `Arc`, kept alive here) at the same
    /// place keeps its related-list hash, and when only pages that keep their place in these
    /// changed, the next model takes the order and translations as they are.
    pub(crate) last: Last,
    /// Whether the memo serves a next run (`serve`): it keeps each file's parse and body, the
    /// last model's pages, and a related index ready for updates. A one-off build keeps none
    /// of it, so its parses are freed once the pages are made.
    pub(crate) updatable: bool,
    /// The languages the parses were made with.
    pub(crate) langs: Arc<Vec<crate::lang::Language>>,
    /// The last model's articles by source path, kept (`serve`) so the next model shares those
    /// made from the same parse and body.
    pub(crate) pages: crate::hash::Map<String, Arc<Page>>,
    /// The last anchor check's answer for each body (`serve`): see [`check_anchors_again`].
    pub(crate) anchors: Vec<AnchorAnswer>,
}

/// See [`Memo::last`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Last {
    pages: Vec<Arc<Page>>,
    order: Vec<usize>,
    translations: Arc<crate::hash::Map<String, Vec<usize>>>,
}

/// Each page's value from `make` (given its place and the page), taken from `kept` (the
/// values made for `last`, the last model's pages) for a page that is the same `Arc` at the
/// same place. The caller holds `last`, so an address it compares is never another page's.
pub(crate) fn per_page<T: Copy + Send + Sync>(
    pages: &[Arc<Page>],
    last: &[Arc<Page>],
    kept: &[T],
    make: impl Fn(usize, &Page) -> T + Sync,
) -> Vec<T> {
    let aligned = last.len() == pages.len() && kept.len() == pages.len();
    pages
        .par_iter()
        .enumerate()
        .map(|(i, page)| {
            if aligned && Arc::ptr_eq(page, &last[i]) {
                kept[i]
            } else {
                make(i, page)
            }
        })
        .collect()
}

/// For each of `pages`, `kept`'s value (one per page of `last`) where `last` has the same
/// page (the same `Arc`), else `make` of the page: [`per_page`] for values that do not depend
/// on a page's place, so an article added or deleted keeps every other page's.
pub(crate) fn per_same_page<T: Copy + Send + Sync>(
    pages: &[Arc<Page>],
    last: &[Arc<Page>],
    kept: &[T],
    make: impl Fn(&Page) -> T + Sync,
) -> Vec<T> {
    let found = same_pages(pages, last);
    pages
        .par_iter()
        .zip(found)
        .map(|(page, at)| match at.and_then(|at| kept.get(at)) {
            Some(value) => *value,
            None => make(page),
        })
        .collect()
}

/// For each of `pages`, the place in `last` of the same page (the same `Arc`), when it is
/// there. Both are in source-path order, as a model's pages are: one walk through both finds
/// them, so an article added or deleted leaves every other page found.
pub(crate) fn same_pages(pages: &[Arc<Page>], last: &[Arc<Page>]) -> Vec<Option<usize>> {
    let mut at = 0;
    pages
        .iter()
        .map(|page| {
            while last
                .get(at)
                .is_some_and(|l| !Arc::ptr_eq(l, page) && l.rel < page.rel)
            {
                at += 1;
            }
            let found = last.get(at).is_some_and(|l| Arc::ptr_eq(l, page));
            found.then_some(at)
        })
        .collect()
}

impl Last {
    /// The places where `pages` has another page than the last model, when it has as many.
    fn changed(&self, pages: &[Arc<Page>]) -> Option<Vec<usize>> {
        (self.pages.len() == pages.len()).then(|| {
            (0..pages.len())
                .filter(|&i| !Arc::ptr_eq(&pages[i], &self.pages[i]))
                .collect()
        })
    }
}

impl Memo {
    /// An empty memo for a session of edits (`serve`): it also keeps what patching a page needs.
    pub fn for_edits() -> Self {
        Self {
            updatable: true,
            ..Self::default()
        }
    }
}

/// Builds the model from the sources under `content/`, reusing what `memo` holds for files
/// whose text did not change and leaving in it what the next assembly can reuse.
///
/// `files` are the other addresses links may target (static files); `unreadable` are content
/// files that could not be read; `shortcodes` renders the bodies' shortcodes and holds the
/// data files. Problems go to `errors`. The site comes back even when some files failed
/// (without them), so `check` can still run its rules on the rest.
#[allow(clippy::too_many_arguments)] // the pipeline's inputs, each from another stage
pub fn assemble(
    config: Config,
    langs: Arc<Vec<crate::lang::Language>>,
    content: &[Source],
    files: &[String],
    unreadable: &[String],
    drafts: bool,
    shortcodes: &crate::shortcode::Env<'_>,
    memo: &mut Memo,
    errors: &mut Vec<Diagnostic>,
) -> Site {
    let mut clock = crate::Stopwatch::new();
    if memo.langs != langs {
        // A page's language and URL come from the languages: parse everything again.
        memo.entries.clear();
        memo.langs = Arc::clone(&langs);
    }
    let (mut parsed, unavailable) = parse_all(content, &langs, drafts, memo, errors);
    place_translations(&mut parsed, &langs);
    clock.lap("front matter");
    let urls = crate::route::Urls::of(&config);
    let table = link_table(&parsed, &langs, files, unreadable, unavailable, urls);
    let bodies = render_bodies(&parsed, &table, shortcodes, memo);
    clock.lap("markdown");
    if memo.updatable {
        memo.entries = parsed
            .iter()
            .zip(&bodies)
            .map(|(p, r)| (p.source.rel.clone(), (Arc::clone(p), Arc::clone(r))))
            .collect();
    }
    memo.table = table;
    let mut site = model(config, langs, &parsed, bodies, memo, errors);
    // A one-off build's parses are done with: the pages hold what they need of them.
    drop(parsed);
    if memo.updatable {
        memo.pages = site
            .pages
            .iter()
            .map(|page| (page.rel.clone(), Arc::clone(page)))
            .collect();
    }
    site.data = Arc::clone(shortcodes.data());
    clock.lap("model, tags, anchors");
    site.related = relate(&site, memo);
    if memo.updatable {
        memo.last = Last {
            pages: site.pages.clone(),
            order: site.order.clone(),
            translations: Arc::clone(&site.translations),
        };
    }
    clock.lap("related");
    site
}

/// Step 1: every file's front matter, from the memo when its text did not change. Drafts are
/// left out unless asked for; files that fail are reported and named in the second list.
fn parse_all(
    content: &[Source],
    langs: &[crate::lang::Language],
    drafts: bool,
    memo: &Memo,
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Arc<Parsed>>, crate::hash::Set<String>) {
    let results: Vec<(String, ParseResult)> = content
        .par_iter()
        .map(|source| {
            let rel = source.rel.clone();
            match memo.entries.get(&rel) {
                Some((parsed, _)) if same_text(&parsed.source.text, &source.text) => {
                    (rel, Ok(Arc::clone(parsed)))
                }
                _ => (rel, page::parse(source.clone(), langs).map(Arc::new)),
            }
        })
        .collect();
    let mut parsed = Vec::new();
    let mut failed = crate::hash::Set::default();
    for (rel, result) in results {
        match result {
            Ok(p) if p.is_draft() && !drafts => {}
            Ok(p) => parsed.push(p),
            Err(mut d) => {
                failed.insert(rel);
                errors.append(&mut d);
            }
        }
    }
    (parsed, failed)
}

/// Step 1b: a translated article's URL takes its section's translated slug (`/es/tratamiento/x/`
/// for `treatment/x.es.md` when `treatment/_index.es.md` says `slug: tratamiento`), which only
/// the section's own file knows.
fn place_translations(parsed: &mut [Arc<Parsed>], langs: &[crate::lang::Language]) {
    let mut folders: HashMap<(usize, &str), String> = HashMap::new();
    for p in parsed.iter() {
        if let (Place::Section(name), Front::Section(front)) = (&p.place, &p.front) {
            if p.lang > 0 {
                let slug = front.slug.clone().unwrap_or_else(|| name.clone());
                folders.insert((p.lang, name.as_str()), slug);
            }
        }
    }
    let folders: HashMap<(usize, String), String> = folders
        .into_iter()
        .map(|((l, name), slug)| ((l, name.to_owned()), slug))
        .collect();
    for p in parsed.iter_mut() {
        let Place::Article {
            section: Some(section),
            ..
        } = &p.place
        else {
            continue;
        };
        let Some(folder) = folders.get(&(p.lang, section.clone())) else {
            continue;
        };
        if folder == section || p.lang == 0 {
            continue;
        }
        let lang = langs[p.lang].lang();
        let slug = p
            .url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let url = crate::route::article_url(lang, Some(folder), slug);
        if url != p.url {
            Arc::make_mut(p).url = url;
        }
    }
}

/// Step 2: every address a link may point to: the pages, the static files and the outputs
/// every site has.
fn link_table(
    parsed: &[Arc<Parsed>],
    langs: &[crate::lang::Language],
    files: &[String],
    unreadable: &[String],
    failed: crate::hash::Set<String>,
    urls: crate::route::Urls,
) -> LinkTable {
    let mut table = LinkTable {
        unavailable: failed,
        urls,
        langs: langs.iter().map(links::LinkLang::of).collect(),
        ..LinkTable::default()
    };
    table.unavailable.extend(unreadable.iter().cloned());
    table.files.extend(files.iter().cloned());
    table.files.extend(
        crate::route::fixed(langs)
            .into_iter()
            .map(|r| r.url.trim_start_matches('/').to_owned())
            .filter(|url| !url.is_empty()),
    );
    for p in parsed {
        table.pages.insert(p.source.rel.clone(), p.url.clone());
    }
    table
}

/// Step 3: every body as HTML, reused from the memo when neither the text, the page's URL
/// (offline links are relative to it), what its links resolve to nor what its shortcodes read
/// changed.
fn render_bodies(
    parsed: &[Arc<Parsed>],
    table: &LinkTable,
    shortcodes: &crate::shortcode::Env<'_>,
    memo: &Memo,
) -> Vec<Arc<Rendered>> {
    let reuse = table.urls == memo.table.urls;
    // The same table gives the same answers: only a body whose answers read what changed is
    // asked again.
    let changes = if reuse {
        table.changes_from(&memo.table)
    } else {
        crate::links::Changes::default()
    };
    parsed
        .par_iter()
        .map(|p| {
            if reuse {
                if let Some((old, body)) = memo.entries.get(&p.source.rel) {
                    if same_text(&old.source.text, &p.source.text)
                        && old.url == p.url
                        && body.dependencies == shortcodes.dependencies(&body.shortcodes)
                        && body.lookups.hold_after(&changes, table, &p.source.rel)
                    {
                        return Arc::clone(body);
                    }
                }
            }
            Arc::new(p.render_with(table, shortcodes))
        })
        .collect()
}

/// Step 4: the model: home, sections with their pages, articles in order, tags, and the
/// anchor check across all of them.
fn model(
    config: Config,
    langs: Arc<Vec<crate::lang::Language>>,
    parsed: &[Arc<Parsed>],
    bodies: Vec<Arc<Rendered>>,
    memo: &mut Memo,
    errors: &mut Vec<Diagnostic>,
) -> Site {
    let table = &memo.table;
    let mut homes: Vec<Option<Section>> = vec![None; langs.len()];
    let mut sections = Vec::new();
    let mut texts: Vec<TagText> = Vec::new();
    let mut articles: Vec<Option<Arc<Page>>> = parsed
        .par_iter()
        .zip(&bodies)
        .map(|(p, body)| {
            let Front::Article(front) = &p.front else {
                return None;
            };
            if let Some(last) = memo.pages.get(&p.source.rel) {
                // Made from this very parse and body: the same page.
                if Arc::ptr_eq(&last.body, body)
                    && Arc::ptr_eq(&last.text, &p.source.text)
                    && last.url == p.url
                    && last.medical == front.medical.unwrap_or(config.medical)
                {
                    return Some(Arc::clone(last));
                }
            }
            Some(Arc::new(page::article(
                p,
                front,
                Arc::clone(body),
                config.medical,
            )))
        })
        .collect();
    let mut pages = Vec::with_capacity(articles.len());
    for ((p, body), article) in parsed.iter().zip(bodies).zip(&mut articles) {
        errors.extend(body.diagnostics.iter().cloned());
        match (&p.front, &p.place) {
            (Front::Article(_), _) => pages.extend(article.take()),
            (Front::Section(front), Place::Home) => {
                if let Some(home) = homes.get_mut(p.lang) {
                    *home = Some(page::section(p, front, body));
                }
            }
            (Front::Section(front), _) => sections.push(page::section(p, front, body)),
            (Front::Tag(front), _) => texts.push(page::tag(p, front, body)),
        }
    }
    // Only pages that keep their place changed (serve): what depends on little of them may
    // be the last model's.
    let changed = if memo.updatable {
        memo.last.changed(&pages)
    } else {
        None
    };
    let kept = |same: fn(&Page, &Page) -> bool| {
        changed
            .as_ref()
            .is_some_and(|c| c.iter().all(|&i| same(&pages[i], &memo.last.pages[i])))
    };
    let order = if kept(|a, b| {
        (a.listed, a.date, &a.title, &a.url) == (b.listed, b.date, &b.title, &b.url)
    }) {
        memo.last.order.clone()
    } else {
        newest_first(&pages)
    };
    sections.sort_by(|a, b| {
        a.lang
            .cmp(&b.lang)
            .then(a.weight.cmp(&b.weight))
            .then_with(|| a.title.cmp(&b.title))
    });
    errors.extend(attach(&mut sections, &pages, &langs, &table.unavailable));
    let (tags, mut tag_errors) = taxonomy::assemble(texts, &pages, &order, &langs);
    errors.append(&mut tag_errors);
    let homes: Vec<Section> = homes
        .into_iter()
        .enumerate()
        .map(|(l, home)| {
            home.unwrap_or_else(|| {
                // A home page that failed to parse was reported already; one that is missing
                // is reported here. Either way the rest of the site is still checked.
                let rel = suffixed("_index.md", &langs, l);
                if !table.unavailable.contains(&rel) {
                    errors.push(
                        Diagnostic::error(
                            format!("content/{rel}"),
                            "content-layout",
                            format!("the home page `content/{rel}` is missing"),
                        )
                        .help("create it with `title`, `description` and an intro"),
                    );
                }
                placeholder_home(&rel, l, &langs[l])
            })
        })
        .collect();
    if memo.updatable {
        let all = self::bodies(&pages, &sections, &homes, &tags).collect();
        let (found, answers) = check_anchors_again(all, std::mem::take(&mut memo.anchors));
        errors.extend(found);
        memo.anchors = answers;
    } else {
        errors.extend(check_anchors(&pages, &sections, &homes, &tags));
    }
    let translations = if kept(|a, b| a.original == b.original) {
        Arc::clone(&memo.last.translations)
    } else {
        let mut translations: crate::hash::Map<String, Vec<usize>> = crate::hash::Map::default();
        for (p, page) in pages.iter().enumerate() {
            translations
                .entry(page.original.clone())
                .or_default()
                .push(p);
        }
        Arc::new(translations)
    };
    Site {
        config,
        langs,
        homes,
        sections: Arc::new(sections),
        translations,
        pages,
        order,
        tags: Arc::new(tags),
        related: Arc::default(),
        data: Arc::default(),
    }
}

/// `rel` (an original's path) as language `l` names it: `_index.es.md`.
pub(crate) fn suffixed(rel: &str, langs: &[crate::lang::Language], l: usize) -> String {
    match (l, rel.strip_suffix(".md")) {
        (0, _) | (_, None) => rel.to_owned(),
        (_, Some(stem)) => format!("{stem}.{}.md", langs[l].code),
    }
}

/// Step 5: the related lists. They depend on little (tags, titles, descriptions, headings,
/// dates, URLs): an edit that changes none of it, like most body edits in `serve`, reuses the
/// last; one that changes a few pages but keeps every page's tags (a slug, a title) updates
/// an updatable index in place; anything else builds it again.
fn relate(site: &Site, memo: &mut Memo) -> Arc<Vec<Vec<usize>>> {
    let hashes = match &memo.related {
        Some((old, _)) => per_page(&site.pages, &memo.last.pages, old, related::page_hash),
        None => related::page_hashes(&site.pages),
    };
    let index = match memo.related.take() {
        Some((old, index)) if old == hashes => index,
        Some((old, mut index)) if memo.updatable => {
            let changed: Vec<usize> = (0..hashes.len())
                .filter(|&i| old.get(i) != hashes.get(i))
                .collect();
            // Past a few pages a new index is as quick as redoing what they touch.
            if old.len() == hashes.len()
                && changed.len() <= UPDATED_AT_MOST
                && index.update(&site.pages, &site.tags, &changed)
            {
                index
            } else if changed.len() > UPDATED_AT_MOST
                && index.follow_moves(&site.pages).is_some_and(|unseen| {
                    unseen.len() <= UPDATED_AT_MOST
                        && index.update(&site.pages, &site.tags, &unseen)
                })
            {
                // A file renamed: the pages between its old and new place moved by one.
                index
            } else {
                // An update that gave up may have redone some pages' word counts: they are
                // kept with the page they were counted from, so the new index takes only
                // those of pages that are still the same.
                related::Index::build_after(&site.pages, &site.tags, index)
            }
        }
        _ => related::Index::build(&site.pages, &site.tags, memo.updatable),
    };
    let mut index = index;
    index.counted_from(&site.pages);
    let lists = Arc::clone(&index.lists);
    memo.related = Some((hashes, index));
    lists
}

/// The most changed pages [`relate`] updates the related lists for, rather than build them.
const UPDATED_AT_MOST: usize = 64;

impl Site {
    /// The tag called `name` in language `lang` (tags are sorted by language, then name).
    pub fn tag(&self, lang: usize, name: &str) -> Option<&Tag> {
        self.tag_index(lang, name).map(|i| &self.tags[i])
    }

    /// The index of the tag called `name` in language `lang` in `tags`.
    pub fn tag_index(&self, lang: usize, name: &str) -> Option<usize> {
        self.tags
            .binary_search_by(|t| (t.text.lang, t.text.name.as_str()).cmp(&(lang, name)))
            .ok()
    }

    /// The section a page belongs to (in the page's language).
    pub fn section_of(&self, page: &Page) -> Option<&Section> {
        let name = page.section.as_deref()?;
        self.sections
            .iter()
            .find(|s| s.lang == page.lang && s.name == name)
    }

    /// Every version of the page `job` renders (itself included) as (language, URL), by
    /// language, when it has another; empty when it is in one language only. The same list
    /// goes in every version's `hreflang` links and sitemap entry, so they are reciprocal.
    pub fn alternates(&self, job: crate::route::Job) -> Vec<(usize, String)> {
        use crate::route::{self, Job};
        let mut found: Vec<(usize, String)> = match job {
            Job::Home(_) => self
                .homes
                .iter()
                .filter(|h| !h.title.is_empty())
                .map(|h| (h.lang, h.url.clone()))
                .collect(),
            Job::Tags(_) | Job::Search(_) => self
                .langs
                .iter()
                .enumerate()
                .map(|(l, language)| {
                    let url = match job {
                        Job::Tags(_) => route::tags_url(language),
                        _ => route::search_url(language),
                    };
                    (l, url)
                })
                .collect(),
            Job::NotFound(_) => Vec::new(),
            Job::Section(s) => {
                let name = &self.sections[s].name;
                self.sections
                    .iter()
                    .filter(|x| &x.name == name)
                    .map(|x| (x.lang, x.url.clone()))
                    .collect()
            }
            Job::Page(p) => self
                .versions(p)
                .into_iter()
                .map(|(l, page)| (l, page.url.clone()))
                .collect(),
            Job::Tag(t, n) => {
                let name = &self.tags[t].text.name;
                let per = self.config.paginate_by;
                self.tags
                    .iter()
                    .filter(|x| &x.text.name == name && !x.pages.is_empty())
                    .filter(|x| n <= route::tag_pages(x.pages.len(), per))
                    .map(|x| {
                        let page = &self.langs[x.text.lang].page_path;
                        (x.text.lang, route::tag_page_url(&x.url, page, n))
                    })
                    .collect()
            }
        };
        found.sort();
        if found.len() < 2 {
            found.clear();
        }
        found
    }

    /// The default language's home page.
    pub fn home(&self) -> &Section {
        &self.homes[0]
    }

    /// The sections of language `lang`, in navigation order.
    pub fn sections_in(&self, lang: usize) -> impl Iterator<Item = (usize, &Section)> {
        self.sections
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.lang == lang)
    }

    /// The listed articles of language `lang`, newest first.
    pub fn order_in(&self, lang: usize) -> impl Iterator<Item = usize> + '_ {
        self.order
            .iter()
            .copied()
            .filter(move |&p| self.pages[p].lang == lang)
    }

    /// Every published version of the page `p` (itself included), by language: the original
    /// and its translations. Drafts are never a version of another page.
    pub fn versions(&self, p: usize) -> Vec<(usize, &Page)> {
        let page = &self.pages[p];
        let mut found: Vec<(usize, &Page)> = self
            .translations
            .get(&page.original)
            .into_iter()
            .flatten()
            .map(|&q| (self.pages[q].lang, &*self.pages[q]))
            .filter(|(_, q)| !q.draft || std::ptr::eq(*q, &**page))
            .collect();
        found.sort_by_key(|(l, _)| *l);
        found
    }
}

/// The listed articles (`listed: false` pages are in no list), newest first.
pub(crate) fn newest_first(pages: &[Arc<Page>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pages.len()).filter(|&p| pages[p].listed).collect();
    order.sort_by(|&a, &b| page_order(&pages[a], &pages[b]));
    order
}

/// The order of articles: newest first, then title, then URL.
pub(crate) fn page_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    b.date
        .cmp(&a.date)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// The order of articles in a section: weight, then newest first, then title, then URL.
pub(crate) fn section_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    a.weight
        .cmp(&b.weight)
        .then(b.date.cmp(&a.date))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// Whether two texts are equal; the same shared text (the usual case in `serve`) without reading it.
pub(crate) fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// Stands in for a home page that is missing or broken, so the rest of the site can be checked.
fn placeholder_home(rel: &str, lang: usize, language: &crate::lang::Language) -> Section {
    Section {
        file: format!("content/{rel}"),
        rel: rel.to_owned(),
        lang,
        name: String::new(),
        url: language.home_url(),
        title: String::new(),
        description: String::new(),
        weight: 0,
        body: Arc::default(),
        pages: Vec::new(),
        keys: Default::default(),
        text: Arc::default(),
    }
}

/// Attaches pages to their sections; a page whose folder has no `_index.md` is an error.
fn attach(
    sections: &mut [Section],
    pages: &[Arc<Page>],
    langs: &[crate::lang::Language],
    unavailable: &crate::hash::Set<String>,
) -> Vec<Diagnostic> {
    let index: HashMap<(usize, String), usize> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.lang, s.name.clone()), i))
        .collect();
    let mut missing: BTreeMap<String, &str> = BTreeMap::new();
    for (p, page) in pages.iter().enumerate() {
        if let Some(name) = page.section.as_ref().filter(|_| page.listed) {
            match index.get(&(page.lang, name.clone())) {
                Some(&s) => sections[s].pages.push(p),
                None => {
                    let rel = suffixed(&format!("{name}/_index.md"), langs, page.lang);
                    // One that failed to parse was reported already.
                    if !unavailable.contains(&rel) {
                        missing.entry(rel).or_insert(&page.file);
                    }
                }
            }
        }
    }
    for section in sections.iter_mut() {
        section
            .pages
            .sort_by(|&a, &b| section_order(&pages[a], &pages[b]));
    }
    missing
        .into_iter()
        .map(|(rel, file)| {
            let (folder, index) = rel.split_once('/').unwrap_or((&rel, "_index.md"));
            Diagnostic::error(
                format!("content/{rel}"),
                "content-layout",
                format!("the section `{folder}` has no `{index}` (needed by `{file}`)"),
            )
            .help(format!(
                "create `content/{rel}` with `title`, `description` and an intro"
            ))
        })
        .collect()
}

/// Who writes an output path.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Generated,
    Static(&'a str),
    Page(&'a str),
}

impl Owner<'_> {
    fn describe(&self) -> String {
        match self {
            Owner::Generated => "the generated pages".to_owned(),
            Owner::Static(f) => format!("the static file `static/{f}`"),
            Owner::Page(f) => quote(f),
        }
    }
}

/// The output paths claimed so far, and by whom: the routes' paths borrowed, an alias's made.
type Taken<'a> = crate::hash::Map<std::borrow::Cow<'a, str>, Owner<'a>>;

/// The first owner of `out`, of a folder above it, or of a file below it (a file and a folder
/// cannot share a name).
fn owner_of<'a>(taken: &Taken<'a>, out: &str) -> Option<Owner<'a>> {
    if let Some(owner) = taken.get(out) {
        return Some(*owner);
    }
    out.match_indices('/')
        .find_map(|(i, _)| taken.get(&out[..i]).copied())
}

impl Site {
    /// The source file that makes a content route (home, a section, an article, a tag's first
    /// page), for reporting clashes at it.
    fn file_of(&self, kind: Kind) -> Option<&str> {
        use crate::route::Job;
        match kind {
            // A home page that is missing or broken (the placeholder) makes no page of its own.
            Kind::Template(Job::Home(l)) if !self.homes[l].title.is_empty() => {
                Some(&self.homes[l].file)
            }
            Kind::Template(Job::Section(s)) => Some(&self.sections[s].file),
            Kind::Template(Job::Page(p)) => Some(&self.pages[p].file),
            Kind::Template(Job::Tag(t, 1)) => Some(&self.tags[t].text.file),
            _ => None,
        }
    }
}

/// Two files, an alias, a static file or a generated file that would be written at the same
/// path, and aliases that are not plain site paths. `files` are the static files as written
/// and as published (links may use either).
pub fn check_routes(site: &Site, routes: &[Route], files: &[String]) -> Vec<Diagnostic> {
    let mut taken = Taken::default();
    let mut pages: Vec<(&str, &Route)> = Vec::new();
    for route in routes {
        match route.kind {
            Kind::Alias { .. } | Kind::Static(_) => {}
            Kind::Template(crate::route::Job::Tag(_, n)) if n > 1 => {}
            kind => match site.file_of(kind) {
                Some(file) => pages.push((file, route)),
                None if matches!(kind, Kind::Template(crate::route::Job::Home(_))) => {}
                None => {
                    taken.insert(route.path.as_str().into(), Owner::Generated);
                }
            },
        }
    }
    for file in files {
        taken
            .entry(file.as_str().into())
            .or_insert(Owner::Static(file));
    }
    // Pages first, in source order, so a clash with an alias is reported at the alias.
    let mut errors = claim_pages(&mut taken, pages);
    errors.extend(claim_aliases(&mut taken, site));
    if errors.is_empty() {
        errors = check_paths(routes);
    }
    errors
}

/// Every output path inside the output folder and taken once: outputs stream to the publisher
/// as they are rendered, so a clash must be found before rendering starts. The checks above
/// name the files behind the clashes they know; this one catches the rest (a tag's later list
/// page and an alias, say).
fn check_paths(routes: &[Route]) -> Vec<Diagnostic> {
    let mut seen = crate::hash::Set::default();
    // The search index writes files of its own choosing in its route's folder.
    let search: Vec<&str> = routes
        .iter()
        .filter(|r| matches!(r.kind, Kind::SearchIndex(_)))
        .filter_map(|r| r.path.rsplit_once('/').map(|(folder, _)| folder))
        .collect();
    routes
        .iter()
        .filter_map(|route| match crate::publish::outside(&route.path) {
            Some(outside) => Some(outside),
            None if !seen.insert(route.path.as_str()) => {
                Some(crate::publish::duplicate(&route.path))
            }
            None if !matches!(route.kind, Kind::SearchIndex(_)) => search
                .iter()
                .find(|f| {
                    route
                        .path
                        .strip_prefix(**f)
                        .is_some_and(|r| r.starts_with('/'))
                })
                .map(|folder| {
                    Diagnostic::error(
                        "public",
                        "duplicate-url",
                        format!(
                            "`{}` is inside `{folder}/`, where the search index is written",
                            route.path
                        ),
                    )
                    .help("move the page, alias or static file to another folder")
                }),
            None => None,
        })
        .collect()
}

/// Claims each page's output path, reporting those already taken.
fn claim_pages<'a>(taken: &mut Taken<'a>, mut pages: Vec<(&'a str, &'a Route)>) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    pages.sort_by(|a, b| a.0.cmp(b.0));
    for (file, route) in pages {
        let out = &route.path;
        match owner_of(taken, out) {
            None => {
                taken.insert(out.as_str().into(), Owner::Page(file));
            }
            Some(Owner::Static(f)) => errors.push(
                Diagnostic::error(format!("static/{f}"), "duplicate-url", format!("the static file `static/{f}` and `{file}` would both be written at `{out}`"))
                    .help("move or rename the static file, or change the page's slug"),
            ),
            Some(other) => errors.push(
                Diagnostic::error(file, "duplicate-url", format!("`{file}` and {} would both be written at `{}`", other.describe(), route.url))
                    .help("set a different `slug:` in one of them"),
            ),
        }
    }
    errors
}

/// Checks each alias and claims its output path, reporting those already taken.
fn claim_aliases<'a>(taken: &mut Taken<'a>, site: &'a Site) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut articles: Vec<&Arc<Page>> = site.pages.iter().collect();
    articles.sort_by(|a, b| a.file.cmp(&b.file));
    for page in articles {
        let file = page.file.as_str();
        let line = page.keys.line("aliases");
        for alias in &page.aliases {
            match page::alias_path(alias) {
                Err((why, help)) => {
                    let d = Diagnostic::error(file, "alias", why).at_in(&page.text, line, 1);
                    errors.push(match help {
                        Some(help) => d.help(help),
                        None => d,
                    });
                }
                Ok(out) => match owner_of(taken, &out) {
                    None => {
                        taken.insert(out.into(), Owner::Page(file));
                    }
                    Some(other) => errors.push(
                        Diagnostic::error(
                            file,
                            "duplicate-url",
                            format!(
                                "alias `{alias}` is also the address of {}",
                                other.describe()
                            ),
                        )
                        .at_in(&page.text, line, 1)
                        .help("remove the alias or change the other page's slug"),
                    ),
                },
            }
        }
    }
    errors
}

fn quote(file: &str) -> String {
    if file.contains('/') {
        format!("`{file}`")
    } else {
        file.to_owned()
    }
}

/// Every body of the site with its source path under `content/`.
fn bodies<'a>(
    pages: &'a [Arc<Page>],
    sections: &'a [Section],
    homes: &'a [Section],
    tags: &'a [Tag],
) -> impl Iterator<Item = (&'a str, &'a Arc<Rendered>)> {
    pages
        .iter()
        .map(|p| (p.rel.as_str(), &p.body))
        .chain(
            sections
                .iter()
                .chain(homes)
                .map(|s| (s.rel.as_str(), &s.body)),
        )
        .chain(tags.iter().map(|t| (t.text.rel.as_str(), &t.text.body)))
}

/// One body's answer from the anchor check, kept for the next check in a session of edits.
#[derive(Debug, Clone)]
pub(crate) struct AnchorAnswer {
    /// The body's source path under `content/`.
    rel: String,
    /// The body checked: a kept body is the same allocation, which this keeps alive, so a
    /// body of the same address is the same body.
    body: Arc<Rendered>,
    /// Its links to anchors that do not exist.
    broken: Vec<Diagnostic>,
}

/// [`check_anchors`] in a session of edits, from the last check's answers (`last`, in the
/// order of [`bodies`]). A body's answer depends only on its own links and on the anchors of
/// the bodies they point to, so it is checked again only when it changed, or when one it
/// links to was added, removed, or changed its anchors. An edit that changes only front
/// matter (a tag, an alias, a slug) checks one body. Comes back with the answers in the order
/// the whole check gives them, and the next memo.
fn check_anchors_again(
    all: Vec<(&str, &Arc<Rendered>)>,
    last: Vec<AnchorAnswer>,
) -> (Vec<Diagnostic>, Vec<AnchorAnswer>) {
    // Where each body was last time: at the same place unless files were added or removed.
    let aligned = last.len() == all.len()
        && all
            .iter()
            .zip(&last)
            .all(|((rel, body), a)| Arc::ptr_eq(&a.body, body) || a.rel == *rel);
    let was: Vec<Option<usize>> = if aligned {
        (0..all.len()).map(Some).collect()
    } else {
        let at: crate::hash::Map<&str, usize> = last
            .iter()
            .enumerate()
            .map(|(i, a)| (a.rel.as_str(), i))
            .collect();
        all.iter().map(|(rel, _)| at.get(rel).copied()).collect()
    };
    let mut matched = vec![false; last.len()];
    let mut moved: Vec<&str> = Vec::new();
    let mut again: Vec<bool> = Vec::with_capacity(all.len());
    for ((rel, body), was) in all.iter().zip(&was) {
        let old = was.map(|i| {
            matched[i] = true;
            &last[i].body
        });
        let same = old.is_some_and(|old| Arc::ptr_eq(old, body));
        if !old.is_some_and(|old| same || old.anchors == body.anchors) {
            moved.push(rel);
        }
        again.push(!same);
    }
    // Bodies gone: links to them no longer name a page whose anchors are checked.
    moved.extend(
        last.iter()
            .zip(&matched)
            .filter(|(_, m)| !**m)
            .map(|(a, _)| a.rel.as_str()),
    );
    if !moved.is_empty() {
        let moved = Paths::of(moved.into_iter());
        for ((_, body), again) in all.iter().zip(again.iter_mut()) {
            *again = *again
                || body
                    .anchor_refs
                    .iter()
                    .any(|r| moved.contains(r.target.as_str()));
        }
    }
    let mut fresh: Vec<Option<Vec<Diagnostic>>> = vec![None; all.len()];
    if again.contains(&true) {
        let anchors: links::Anchors = all
            .iter()
            .map(|(rel, body)| (*rel, &body.anchors))
            .collect();
        let answers: Vec<(usize, Vec<Diagnostic>)> = all
            .par_iter()
            .enumerate()
            .filter(|(i, _)| again[*i])
            .map(|(i, (_, body))| {
                let refs = body.anchor_refs.iter().collect();
                (i, links::check_anchors(refs, &anchors))
            })
            .collect();
        for (i, answer) in answers {
            fresh[i] = Some(answer);
        }
    }
    let mut last: Vec<Option<AnchorAnswer>> = last.into_iter().map(Some).collect();
    let mut found = Vec::new();
    let mut next = Vec::with_capacity(all.len());
    for (((rel, body), was), fresh) in all.into_iter().zip(was).zip(fresh) {
        let answer = match fresh {
            Some(broken) => AnchorAnswer {
                rel: rel.to_owned(),
                body: Arc::clone(body),
                broken,
            },
            None => match was.and_then(|i| last[i].take()) {
                Some(kept) => kept,
                // Not checked again means it was there last time.
                None => AnchorAnswer {
                    rel: rel.to_owned(),
                    body: Arc::clone(body),
                    broken: Vec::new(),
                },
            },
        };
        found.extend(answer.broken.iter().cloned());
        next.push(answer);
    }
    (found, next)
}

/// Checks every `#anchor` link of the site against the anchors its target defines.
pub(crate) fn check_anchors(
    pages: &[Arc<Page>],
    sections: &[Section],
    homes: &[Section],
    tags: &[Tag],
) -> Vec<Diagnostic> {
    let mut anchors: links::Anchors = links::Anchors::default();
    let mut refs = Vec::new();
    for (rel, body) in bodies(pages, sections, homes, tags) {
        anchors.insert(rel, &body.anchors);
        refs.extend(&body.anchor_refs);
    }
    links::check_anchors(refs, &anchors)
}

/// [`check_anchors`] for a site whose other bodies all passed it: only the `#anchor` links
/// that the bodies of `edited` (source paths under `content/`: articles, sections, the home
/// page, tags) make, and those that the bodies of `reanchored` (those of `edited` whose anchors
/// changed) receive. A body whose anchors stayed the same answers every link to it as it did,
/// so a text edit that moves no heading scans none of the site's other links.
pub(crate) fn check_anchors_of(
    site: &Site,
    edited: &[&str],
    reanchored: &[&str],
) -> Vec<Diagnostic> {
    let all = || bodies(&site.pages, &site.sections, &site.homes, &site.tags);
    let edited = &Paths::of(edited.iter().copied());
    let mut refs: Vec<&links::AnchorRef> = all()
        .filter(|(rel, _)| edited.contains(rel))
        .flat_map(|(_, body)| &body.anchor_refs)
        .collect();
    if !reanchored.is_empty() {
        let reanchored = &Paths::of(reanchored.iter().copied());
        // Links from the edited bodies are in already.
        refs.extend(
            all()
                .filter(|(rel, _)| !edited.contains(rel))
                .flat_map(|(_, body)| &body.anchor_refs)
                .filter(|r| reanchored.contains(r.target.as_str())),
        );
    }
    let targets: HashSet<&str> = refs.iter().map(|r| r.target.as_str()).collect();
    let anchors: links::Anchors = all()
        .filter(|(rel, _)| targets.contains(rel))
        .map(|(rel, body)| (rel, &body.anchors))
        .collect();
    links::check_anchors(refs, &anchors)
}

/// The paths of a patch's edited pages, which every anchor reference of the site (about 100,000
/// at 10,000 articles) is checked against. A patch edits one page or a few: comparing with each
/// rules most references out on their length, without hashing their path (which made the
/// check most of a body edit's time); many edits are hashed.
enum Paths<'a> {
    Few(Vec<&'a str>),
    Many(HashSet<&'a str>),
}

impl<'a> Paths<'a> {
    /// More than this many are hashed.
    const FEW: usize = 16;

    fn of(paths: impl Iterator<Item = &'a str>) -> Self {
        let few: Vec<&str> = paths.collect();
        if few.len() > Self::FEW {
            Paths::Many(few.into_iter().collect())
        } else {
            Paths::Few(few)
        }
    }

    fn contains(&self, path: &str) -> bool {
        match self {
            Paths::Few(few) => few.contains(&path),
            Paths::Many(many) => many.contains(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(kind: Kind, path: &str) -> Route {
        Route {
            kind,
            url: format!("/{path}"),
            path: path.to_owned(),
        }
    }

    #[test]
    fn edited_paths_are_found_however_many() {
        for n in [0, 1, Paths::FEW, Paths::FEW + 1, 100] {
            let names: Vec<String> = (0..n).map(|i| format!("a/{i}.md")).collect();
            let paths = Paths::of(names.iter().map(String::as_str));
            assert_eq!(matches!(paths, Paths::Many(_)), n > Paths::FEW);
            assert!(names.iter().all(|p| paths.contains(p)));
            assert!(!paths.contains("a/x.md") && !paths.contains(&format!("a/{n}.md")));
        }
    }

    #[test]
    fn output_paths_are_checked_before_rendering() {
        let fine = [
            route(Kind::Feed(0), "atom.xml"),
            route(Kind::Sitemap, "sitemap.xml"),
        ];
        assert!(check_paths(&fine).is_empty());
        // A tag's second list page and an alias at its address: no check above names them.
        let clash = [
            route(
                Kind::Template(crate::route::Job::Tag(0, 2)),
                "tags/a/page/2/index.html",
            ),
            route(
                Kind::Alias { page: 0, alias: 0 },
                "tags/a/page/2/index.html",
            ),
            route(Kind::Robots, "../robots.txt"),
        ];
        let errors = check_paths(&clash);
        let rules: Vec<&str> = errors.iter().map(|d| d.rule).collect();
        assert_eq!(rules, ["duplicate-url", "output-path"], "{errors:?}");
    }
}
