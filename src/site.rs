//! The site model: every section, page and tag, assembled once from the parsed sources and then
//! immutable. Assembly is where cross-file facts are checked: duplicate URLs, undeclared tags,
//! links and anchors between pages, sections without an `_index.md`.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::links::{self, LinkTable};
use crate::markdown::Rendered;
use crate::page::{self, Front, Page, Parsed, Place, Section, TagText};
use crate::related;
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
    /// The home page (`content/_index.md`).
    pub home: Section,
    /// Sections, by weight then title.
    pub sections: Vec<Section>,
    /// Articles, by source path: an article's index is its identity, which edits to its date
    /// or title do not move.
    pub pages: Vec<Page>,
    /// Indices into `pages`, newest first (then title, then URL): the order lists show.
    pub order: Vec<usize>,
    /// Tags, by name.
    pub tags: Vec<Tag>,
    /// For each page, its related pages (indices into `pages`), best first.
    pub related: Arc<Vec<Vec<usize>>>,
}

/// Addresses the build writes besides pages, which links may point to.
pub const GENERATED: &[&str] = &[
    "atom.xml",
    "sitemap.xml",
    "robots.txt",
    "404.html",
    "tags/",
    "search/",
    "search-index.json",
];

/// One file's parse, shared with the cache, or its errors.
type ParseResult = Result<Arc<Parsed>, Vec<Diagnostic>>;

/// What one assembly keeps so the next can skip unchanged files: each file's parsed front
/// matter and rendered body, valid while the link table (every page's URL) stays the same.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    table: LinkTable,
    entries: HashMap<String, (Arc<Parsed>, Arc<Rendered>)>,
    /// The related lists and their index, with a hash of everything they were computed from.
    related: Option<(u64, related::Index)>,
    /// Whether the index is kept ready for updates (`serve`), not just for one build.
    updatable: bool,
}

impl Cache {
    /// An empty cache for a session of edits (`serve`): it also keeps what patching a page needs.
    pub fn for_edits() -> Self {
        Self {
            updatable: true,
            ..Self::default()
        }
    }
}

impl Site {
    /// Builds the model from the sources under `content/`.
    ///
    /// `files` are the other addresses links may target (static files). Every problem found is
    /// returned; a site comes back only when there is no error.
    pub fn assemble(
        config: Config,
        content: Vec<Source>,
        files: &[String],
        drafts: bool,
    ) -> Result<Site, Vec<Diagnostic>> {
        match Self::assemble_cached(config, content, files, &[], drafts, Cache::default()) {
            (Some(site), diagnostics, _) if !diagnostics.iter().any(Diagnostic::is_error) => {
                Ok(site)
            }
            (_, diagnostics, _) => Err(diagnostics),
        }
    }

    /// [`Site::assemble`], reusing what `cache` holds for files whose text did not change, and
    /// returning the cache for the next run. The site comes back even when some files failed
    /// (without them), so `check` can still run its rules on the rest; it is `None` only when
    /// the configuration is unusable.
    pub fn assemble_cached(
        config: Config,
        content: Vec<Source>,
        files: &[String],
        unreadable: &[String],
        drafts: bool,
        mut cache: Cache,
    ) -> (Option<Site>, Vec<Diagnostic>, Cache) {
        let mut clock = crate::Stopwatch::new();
        let mut errors = Vec::new();
        let mut table = LinkTable::default();
        table.unavailable.extend(unreadable.iter().cloned());
        let results: Vec<(String, ParseResult)> = content
            .into_par_iter()
            .map(|source| {
                let rel = source.rel.clone();
                match cache.entries.get(&rel) {
                    Some((parsed, _)) if same_text(&parsed.source.text, &source.text) => {
                        (rel, Ok(Arc::clone(parsed)))
                    }
                    _ => (rel, page::parse(source).map(Arc::new)),
                }
            })
            .collect();
        let mut parsed: Vec<Arc<Parsed>> = Vec::new();
        for (rel, result) in results {
            match result {
                Ok(p) if p.is_draft() && !drafts => {}
                Ok(p) => parsed.push(p),
                Err(mut d) => {
                    table.unavailable.insert(rel);
                    errors.append(&mut d);
                }
            }
        }
        errors.extend(duplicate_urls(&parsed, files));
        clock.lap("front matter");

        table.files.extend(files.iter().cloned());
        table
            .files
            .extend(GENERATED.iter().map(|s| (*s).to_owned()));
        for p in &parsed {
            table.pages.insert(p.source.rel.clone(), p.url.clone());
        }
        let reuse = table.pages == cache.table.pages
            && table.files == cache.table.files
            && table.unavailable == cache.table.unavailable;
        let rendered: Vec<Arc<Rendered>> = parsed
            .par_iter()
            .map(|p| {
                if reuse {
                    if let Some((old, body)) = cache.entries.get(&p.source.rel) {
                        if same_text(&old.source.text, &p.source.text) {
                            return Arc::clone(body);
                        }
                    }
                }
                Arc::new(p.render(&table))
            })
            .collect();
        clock.lap("markdown");
        let mut next = Cache {
            related: None,
            updatable: cache.updatable,
            entries: parsed
                .iter()
                .zip(&rendered)
                .map(|(p, r)| (p.source.rel.clone(), (Arc::clone(p), Arc::clone(r))))
                .collect(),
            table,
        };

        let mut home = None;
        let mut sections = Vec::new();
        let mut pages = Vec::new();
        let mut texts: Vec<TagText> = Vec::new();
        for (p, body) in parsed.iter().zip(rendered) {
            errors.extend(body.diagnostics.iter().cloned());
            match (&p.front, &p.place) {
                (Front::Article(front), _) => pages.push(page::article(p, front, body)),
                (Front::Section(front), Place::Home) => home = Some(page::section(p, front, body)),
                (Front::Section(front), _) => sections.push(page::section(p, front, body)),
                (Front::Tag(front), _) => texts.push(page::tag(p, front, body)),
            }
        }
        let order = newest_first(&pages);
        sections.sort_by(|a, b| a.weight.cmp(&b.weight).then_with(|| a.title.cmp(&b.title)));
        errors.extend(attach(&mut sections, &pages));
        let (tags, mut tag_errors) = taxonomy::assemble(texts, &pages, &order);
        errors.append(&mut tag_errors);
        errors.extend(check_anchors(&pages, &sections, home.as_ref(), &tags));

        let home = match home {
            Some(home) => home,
            None => {
                // A home page that failed to parse was reported already; one that is missing is
                // reported here. Either way the rest of the site is still checked.
                if !next.table.unavailable.contains("_index.md") {
                    errors.push(
                        Diagnostic::error(
                            "content/_index.md",
                            "content-layout",
                            "the home page `content/_index.md` is missing",
                        )
                        .help("create it with `title`, `description` and an intro"),
                    );
                }
                placeholder_home()
            }
        };
        clock.lap("model, tags, anchors");
        // Related lists depend on little (tags, titles, descriptions, headings, dates): an edit
        // that changes none of it, like most body edits in `serve`, reuses the last ones.
        let inputs = related::inputs_hash(&pages);
        let index = match cache.related.take() {
            Some((hash, index)) if hash == inputs => index,
            _ => related::Index::build(&pages, &tags, cache.updatable),
        };
        let related = Arc::clone(&index.lists);
        next.related = Some((inputs, index));
        clock.lap("related");
        (
            Some(Site {
                config,
                home,
                sections,
                pages,
                order,
                tags,
                related,
            }),
            errors,
            next,
        )
    }

    /// The tag called `name` (tags are sorted by name).
    pub fn tag(&self, name: &str) -> Option<&Tag> {
        self.tag_index(name).map(|i| &self.tags[i])
    }

    /// The index of the tag called `name` in `tags`.
    pub fn tag_index(&self, name: &str) -> Option<usize> {
        self.tags
            .binary_search_by(|t| t.text.name.as_str().cmp(name))
            .ok()
    }

    /// The section a page belongs to.
    pub fn section_of(&self, page: &Page) -> Option<&Section> {
        let name = page.section.as_deref()?;
        self.sections.iter().find(|s| s.name == name)
    }

    /// Applies edits to existing articles in place, the fast path of `serve` for the edits an
    /// author makes most: the text, and front matter that leaves the site's shape alone.
    ///
    /// `changed` are the sources that changed since `cache` was made (the cache this site was
    /// assembled with). An edit qualifies when the article keeps its URL, aliases, tags and
    /// draft state: then no other page's URL or tag list changes, and no index moves (pages
    /// are kept by source path). Its title, description, dates, weight, references and body
    /// may change. The checks that read bodies run again (the new bodies' links, every anchor
    /// reference), the orders it is in are redone (the site's, its section's, its tags'), and
    /// the related lists it can change are redone (`related::Index::update`).
    ///
    /// Returns `None`, having changed nothing, when an edit is more than that: the caller
    /// assembles the whole site instead. Returns the errors, having changed nothing, when the
    /// new bodies are wrong.
    pub fn patch_pages(
        &mut self,
        changed: &[Source],
        cache: &mut Cache,
    ) -> Option<Result<Patched, Vec<Diagnostic>>> {
        let mut edits = Vec::new();
        for source in changed {
            let (old, old_body) = cache.entries.get(&source.rel)?;
            if same_text(&old.source.text, &source.text) {
                continue;
            }
            let index = self.pages.iter().position(|p| p.rel == source.rel)?;
            let parsed = page::parse(source.clone()).ok()?;
            let (Front::Article(front), Front::Article(old_front)) = (&parsed.front, &old.front)
            else {
                return None;
            };
            let same_shape = parsed.url == old.url
                && parsed.place == old.place
                && front.aliases == old_front.aliases
                && front.tags == old_front.tags
                && front.draft == old_front.draft;
            if !same_shape {
                return None;
            }
            // The body is rendered again only when it, or the number of references it may
            // point to, changed.
            let body = (parsed.body() == old.body()
                && parsed.reference_count() == old.reference_count())
            .then(|| Arc::clone(old_body));
            let front = front.clone();
            edits.push((index, Arc::new(parsed), front, body));
        }
        let bodies: Vec<(Arc<Rendered>, bool)> = edits
            .par_iter()
            .map(|(_, p, _, body)| match body {
                Some(body) => (Arc::clone(body), false),
                None => (Arc::new(p.render(&cache.table)), true),
            })
            .collect();
        let mut old_pages = Vec::with_capacity(edits.len());
        for ((index, parsed, front, _), (body, _)) in edits.iter().zip(&bodies) {
            let page = page::article(parsed, front, Arc::clone(body));
            old_pages.push(std::mem::replace(&mut self.pages[*index], page));
        }
        let undo = |site: &mut Site, old_pages: Vec<Page>| {
            for ((index, ..), old) in edits.iter().zip(old_pages) {
                site.pages[*index] = old;
            }
        };
        let mut errors: Vec<Diagnostic> = bodies
            .iter()
            .filter(|(_, fresh)| *fresh)
            .flat_map(|(b, _)| b.diagnostics.iter().cloned())
            .collect();
        if bodies.iter().any(|(_, fresh)| *fresh) {
            errors.extend(check_anchors(
                &self.pages,
                &self.sections,
                Some(&self.home),
                &self.tags,
            ));
        }
        if !errors.is_empty() {
            undo(self, old_pages);
            return Some(Err(errors));
        }
        // The related lists, when what they read changed.
        let moved: Vec<usize> = edits
            .iter()
            .zip(&old_pages)
            .filter(|((index, ..), old)| {
                related::page_hash(*index, old) != related::page_hash(*index, &self.pages[*index])
            })
            .map(|((index, ..), _)| *index)
            .collect();
        let mut related_changed = Vec::new();
        if !moved.is_empty() {
            let Some((hash, index)) = cache.related.as_mut() else {
                undo(self, old_pages);
                return None;
            };
            let before = Arc::clone(&index.lists);
            if !index.update(&self.pages, &self.tags, &moved) {
                undo(self, old_pages);
                return None;
            }
            for ((i, ..), old) in edits.iter().zip(&old_pages) {
                *hash = hash
                    .wrapping_sub(related::page_hash(*i, old))
                    .wrapping_add(related::page_hash(*i, &self.pages[*i]));
            }
            related_changed = (0..self.pages.len())
                .filter(|&p| before[p] != index.lists[p])
                .collect();
            self.related = Arc::clone(&index.lists);
        }
        // The lists whose order may have changed: the site's, its sections', its tags'.
        let mut sections = Vec::new();
        let mut tags = Vec::new();
        let mut reordered = false;
        for ((index, ..), old) in edits.iter().zip(&old_pages) {
            let page = &self.pages[*index];
            if (old.weight, old.date, &old.title) == (page.weight, page.date, &page.title) {
                continue;
            }
            reordered |= (old.date, &old.title) != (page.date, &page.title);
            if let Some(s) = self
                .sections
                .iter()
                .position(|s| Some(&s.name) == page.section.as_ref())
            {
                if !sections.contains(&s) {
                    sections.push(s);
                }
            }
            for t in page.tags.iter().filter_map(|name| self.tag_index(name)) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
        }
        for &s in &sections {
            let pages = &self.pages;
            self.sections[s]
                .pages
                .sort_by(|&a, &b| section_order(&pages[a], &pages[b]));
        }
        let order = if reordered {
            newest_first(&self.pages)
        } else {
            Vec::new()
        };
        let reordered = reordered && order != self.order;
        if reordered {
            self.order = order;
            let mut rank = vec![0; self.pages.len()];
            for (at, &p) in self.order.iter().enumerate() {
                rank[p] = at;
            }
            for &t in &tags {
                self.tags[t].pages.sort_by_key(|&p| rank[p]);
            }
        } else {
            tags.clear();
        }
        for ((index, parsed, ..), (body, _)) in edits.iter().zip(bodies) {
            cache
                .entries
                .insert(self.pages[*index].rel.clone(), (Arc::clone(parsed), body));
        }
        Some(Ok(Patched {
            pages: edits.into_iter().map(|(index, ..)| index).collect(),
            related: related_changed,
            sections,
            reordered,
            tags,
        }))
    }
}

/// What [`Site::patch_pages`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    /// The edited articles, as indices into `pages`.
    pub pages: Vec<usize>,
    /// The articles whose related lists changed.
    pub related: Vec<usize>,
    /// The sections whose order was redone.
    pub sections: Vec<usize>,
    /// Whether the site's newest-first order changed.
    pub reordered: bool,
    /// The tags whose lists were put in the new order.
    pub tags: Vec<usize>,
}

/// The indices of `pages`, newest first.
fn newest_first(pages: &[Page]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pages.len()).collect();
    order.sort_by(|&a, &b| page_order(&pages[a], &pages[b]));
    order
}

/// The order of articles: newest first, then title, then URL.
fn page_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    b.date
        .cmp(&a.date)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// The order of articles in a section: weight, then newest first, then title, then URL.
fn section_order(a: &Page, b: &Page) -> std::cmp::Ordering {
    a.weight
        .cmp(&b.weight)
        .then(b.date.cmp(&a.date))
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// Whether two texts are equal; the same shared text (the usual case in `serve`) without reading it.
fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// Stands in for a home page that is missing or broken, so the rest of the site can be checked.
fn placeholder_home() -> Section {
    Section {
        file: "content/_index.md".into(),
        rel: "_index.md".into(),
        name: String::new(),
        url: "/".into(),
        title: String::new(),
        description: String::new(),
        weight: 0,
        body: Arc::default(),
        pages: Vec::new(),
        keys: Default::default(),
    }
}

/// Attaches pages to their sections; a page whose folder has no `_index.md` is an error.
fn attach(sections: &mut [Section], pages: &[Page]) -> Vec<Diagnostic> {
    let index: HashMap<String, usize> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    let mut missing: BTreeMap<&str, &str> = BTreeMap::new();
    for (p, page) in pages.iter().enumerate() {
        if let Some(name) = &page.section {
            match index.get(name) {
                Some(&s) => sections[s].pages.push(p),
                None => {
                    missing.entry(name).or_insert(&page.file);
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
        .map(|(name, file)| {
            Diagnostic::error(
                format!("content/{name}/_index.md"),
                "content-layout",
                format!("the section `{name}` has no `_index.md` (needed by `{file}`)"),
            )
            .help(format!(
                "create `content/{name}/_index.md` with `title`, `description` and an intro"
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

/// What the site generates besides pages, as output paths.
const GENERATED_OUTPUTS: &[&str] = &[
    "tags/index.html",
    "search/index.html",
    "404.html",
    "atom.xml",
    "sitemap.xml",
    "robots.txt",
    "search-index.json",
];

/// The first owner of `out`, of a folder above it, or of a file below it (a file and a folder
/// cannot share a name).
fn owner_of<'a>(taken: &HashMap<String, Owner<'a>>, out: &str) -> Option<Owner<'a>> {
    if let Some(owner) = taken.get(out) {
        return Some(*owner);
    }
    out.match_indices('/')
        .find_map(|(i, _)| taken.get(&out[..i]).copied())
}

/// Two files, an alias, a static file or a generated file that would be written at the same path.
fn duplicate_urls(parsed: &[Arc<Parsed>], files: &[String]) -> Vec<Diagnostic> {
    let mut taken: HashMap<String, Owner<'_>> = HashMap::new();
    for out in GENERATED_OUTPUTS {
        taken.insert((*out).to_owned(), Owner::Generated);
    }
    for file in files {
        taken.entry(file.clone()).or_insert(Owner::Static(file));
    }
    let mut errors = Vec::new();
    let mut sorted: Vec<&Parsed> = parsed.iter().map(|p| &**p).collect();
    sorted.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    // Pages first, so a clash with an alias is reported at the alias.
    for p in &sorted {
        let file = p.source.path.as_str();
        let out = format!("{}index.html", p.url.trim_start_matches('/'));
        match owner_of(&taken, &out) {
            None => {
                taken.insert(out, Owner::Page(file));
            }
            Some(Owner::Static(f)) => errors.push(
                Diagnostic::error(format!("static/{f}"), "duplicate-url", format!("the static file `static/{f}` and `{file}` would both be written at `{out}`"))
                    .help("move or rename the static file, or change the page's slug"),
            ),
            Some(other) => errors.push(
                Diagnostic::error(file, "duplicate-url", format!("`{file}` and {} would both be written at `{}`", other.describe(), p.url))
                    .help("set a different `slug:` in one of them"),
            ),
        }
    }
    for p in &sorted {
        let file = p.source.path.as_str();
        let Front::Article(front) = &p.front else {
            continue;
        };
        let line = p.keys.line("aliases");
        for alias in &front.aliases {
            match page::alias_path(alias) {
                Err((why, help)) => {
                    let d = Diagnostic::error(file, "alias", why).at_in(&p.source.text, line, 1);
                    errors.push(match help {
                        Some(help) => d.help(help),
                        None => d,
                    });
                }
                Ok(out) => match owner_of(&taken, &out) {
                    None => {
                        taken.insert(out, Owner::Page(file));
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
                        .at_in(&p.source.text, line, 1)
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

fn check_anchors(
    pages: &[Page],
    sections: &[Section],
    home: Option<&Section>,
    tags: &[Tag],
) -> Vec<Diagnostic> {
    let bodies = pages
        .iter()
        .map(|p| (p.rel.as_str(), &*p.body))
        .chain(
            sections
                .iter()
                .chain(home)
                .map(|s| (s.rel.as_str(), &*s.body)),
        )
        .chain(tags.iter().map(|t| (t.text.rel.as_str(), &*t.text.body)));
    let mut anchors: HashMap<&str, &HashSet<String>> = HashMap::new();
    let mut refs = Vec::new();
    for (rel, body) in bodies {
        anchors.insert(rel, &body.anchors);
        refs.push(&body.anchor_refs);
    }
    links::check_anchors(refs.into_iter().flatten(), &anchors)
}
