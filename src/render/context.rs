//! The template contexts: one typed, serializable struct per template, made from the site
//! model for one page. The fields are documented for template authors in `docs/templates.md`.

use super::json_ld::{collection_json_ld, page_json_ld, website_json_ld};
use crate::date::Date;
use crate::front_matter::Reference;
use crate::page::{Page, Section};
use crate::related;
use crate::route::{self, Job};
use crate::site::Site;
use crate::taxonomy::Tag;
use serde::Serialize;
use tera::Context;

/// A date as templates need it.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// `2026-11-27`, for `<time datetime>` and JSON-LD.
    pub iso: String,
    /// `November 27, 2026`, for people.
    pub long: String,
}

impl DateView {
    /// `date` as language `lang` of `site` writes it.
    fn of(site: &Site, lang: usize, date: Date) -> Self {
        Self {
            iso: date.to_string(),
            long: site.langs[lang].strings.date(date),
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
    /// Who reviewed it, when the front matter names someone.
    pub reviewed_by: Option<String>,
    /// Minutes.
    pub reading_time: usize,
    /// The page's section.
    pub section: Option<Link>,
    /// The first paragraph (or everything before `<!-- more -->`), as HTML.
    pub summary: String,
    /// Its tags.
    pub tags: Vec<Link>,
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
    author: Option<&'a str>,
    medical: bool,
    draft: bool,
    listed: bool,
    extra: &'a serde_json::Value,
    tags: Vec<Link>,
    section: Option<Link>,
    breadcrumbs: Vec<Link>,
    content: &'a str,
    summary: &'a str,
    toc: Vec<&'a crate::markdown::Heading>,
    word_count: usize,
    reading_time: usize,
    references: Vec<ReferenceView>,
    related: Vec<&'a tera::Value>,
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
    pages: Vec<&'a tera::Value>,
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
    pages: Vec<&'a tera::Value>,
    number: usize,
    total: usize,
    previous: Option<String>,
    next: Option<String>,
    /// Added by [`View::context`] from the tag's shared links ([`Cards::pager`]): every page of
    /// the list links to every other, so a tag of `k` list pages has `k * k` links in all.
    #[serde(skip)]
    links: Links<'a>,
}

/// A tag's pager links, made once per render, with the one for the page shown.
#[derive(Debug)]
struct Links<'a> {
    /// Every list page's link with `current: false`.
    plain: &'a [tera::Value],
    /// The page shown (1-based).
    current: usize,
    /// Its link with `current: true`.
    mine: tera::Value,
}

impl Links<'_> {
    /// The links as templates see them.
    fn value(&self) -> tera::Value {
        let mut links = self.plain.to_vec();
        if let Some(link) = links.get_mut(self.current - 1) {
            *link = self.mine.clone();
        }
        tera::Value::from(links)
    }
}

#[derive(Debug, Serialize)]
struct PagerLink {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
pub(crate) struct PageContext<'a> {
    current_url: &'a str,
    page: PageView<'a>,
}

#[derive(Serialize)]
pub(crate) struct HomeContext<'a> {
    current_url: &'a str,
    home: SectionView<'a>,
    sections: Vec<SectionView<'a>>,
    recent: Vec<&'a tera::Value>,
    json_ld: String,
}

#[derive(Serialize)]
pub(crate) struct SectionContext<'a> {
    current_url: &'a str,
    section: SectionView<'a>,
    json_ld: String,
}

#[derive(Serialize)]
pub(crate) struct TagContext<'a> {
    current_url: String,
    tag: TagView<'a>,
    paginator: Paginator<'a>,
    json_ld: String,
}

#[derive(Serialize)]
pub(crate) struct TagsContext<'a> {
    current_url: String,
    tags: Vec<TagView<'a>>,
}

#[derive(Serialize)]
pub(crate) struct PlainContext {
    current_url: String,
}

/// One page's context, whichever template it is for.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum View<'a> {
    Home(HomeContext<'a>),
    Section(SectionContext<'a>),
    Page(Box<PageContext<'a>>),
    Tag(TagContext<'a>),
    Tags(TagsContext<'a>),
    Plain(PlainContext),
}

impl View<'_> {
    /// The context as Tera takes it.
    pub(crate) fn context(&self) -> Result<Context, tera::Error> {
        let mut context = Context::from_serialize(self)?;
        if let View::Tag(tag) = self {
            // The pager links are shared values, cloned rather than serialized for each page.
            if let Some(mut paginator) = context.remove("paginator").and_then(|v| v.into_map()) {
                paginator.insert("links".into(), tag.paginator.links.value());
                context.insert_value("paginator", tera::Value::from(paginator));
            }
        }
        Ok(context)
    }

    /// The context as JSON, the way templates see it.
    #[cfg(test)]
    pub(crate) fn json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        if let (View::Tag(tag), Some(paginator)) = (self, json.get_mut("paginator")) {
            paginator["links"] =
                serde_json::to_value(tag.paginator.links.value()).unwrap_or_default();
        }
        json
    }
}

type Prepared<'a> = (&'a str, View<'a>, &'a str);

/// The template, context and source file (for errors) of one page. The structured data
/// (`json_ld`) is made only when `json_ld` says a template names it: it is the dearest part
/// of a page's context. Otherwise the field is empty, still listed among a page's fields
/// when a template misspells one.
pub(crate) fn prepare<'a>(
    job: Job,
    site: &'a Site,
    cards: &'a Cards<'_>,
    json_ld: bool,
) -> Prepared<'a> {
    let ld = |make: &dyn Fn() -> String| if json_ld { make() } else { String::new() };
    match job {
        Job::Home(l) => {
            let home = &site.homes[l];
            let context = HomeContext {
                current_url: &home.url,
                sections: site
                    .sections_in(l)
                    .map(|(_, s)| section_view(site, cards, s, 5))
                    .collect(),
                recent: site.order_in(l).take(10).map(|p| cards.get(p)).collect(),
                json_ld: ld(&|| website_json_ld(site, l)),
                home: section_view(site, cards, home, 0),
            };
            ("index.html", View::Home(context), home.file.as_str())
        }
        Job::Section(s) => {
            let section = &site.sections[s];
            let view = section_view(site, cards, section, usize::MAX);
            let context = SectionContext {
                current_url: &section.url,
                json_ld: ld(&|| {
                    collection_json_ld(
                        site,
                        section.lang,
                        view.title,
                        view.description,
                        &section.url,
                        &view.breadcrumbs,
                    )
                }),
                section: view,
            };
            (
                "section.html",
                View::Section(context),
                section.file.as_str(),
            )
        }
        Job::Page(p) => {
            let page = &site.pages[p];
            let context = PageContext {
                current_url: &page.url,
                page: page_view(site, cards, p, json_ld),
            };
            (
                super::template_of(job, site),
                View::Page(Box::new(context)),
                page.file.as_str(),
            )
        }
        Job::Tag(t, n) => {
            let tag = &site.tags[t];
            let paginator = paginate(site, cards, t, n);
            let page = &site.langs[tag.text.lang].page_path;
            let current_url = if n <= paginator.total {
                route::tag_page_url(&tag.url, page, n)
            } else {
                tag.url.clone()
            };
            let language = &site.langs[tag.text.lang];
            let crumbs = [
                Link {
                    title: language.strings.get("home").to_owned(),
                    url: language.home_url(),
                },
                Link {
                    title: language.strings.get("all_topics").to_owned(),
                    url: route::tags_url(language),
                },
                Link {
                    title: tag.text.title.clone(),
                    url: current_url.clone(),
                },
            ];
            let context = TagContext {
                json_ld: ld(&|| {
                    collection_json_ld(
                        site,
                        tag.text.lang,
                        &tag.text.title,
                        &tag.text.description,
                        &current_url,
                        &crumbs,
                    )
                }),
                current_url,
                tag: tag_view(site, tag),
                paginator,
            };
            ("tag.html", View::Tag(context), tag.text.file.as_str())
        }
        Job::Tags(l) => {
            let mut tags: Vec<TagView<'_>> = site
                .tags
                .iter()
                .filter(|t| t.text.lang == l)
                .map(|t| tag_view(site, t))
                .collect();
            tags.retain(|t| t.count > 0);
            (
                "tags.html",
                View::Tags(TagsContext {
                    current_url: route::tags_url(&site.langs[l]),
                    tags,
                }),
                "templates/tags.html",
            )
        }
        Job::NotFound(l) => (
            "404.html",
            View::Plain(PlainContext {
                current_url: site.langs[l].lang().url(route::NOT_FOUND),
            }),
            "templates/404.html",
        ),
        Job::Search(l) => (
            "search.html",
            View::Plain(PlainContext {
                current_url: route::search_url(&site.langs[l]),
            }),
            "templates/search.html",
        ),
    }
}

pub(super) fn permalink(site: &Site, url: &str) -> String {
    format!("{}{url}", site.config.base_url)
}

/// Every list shows the same cards: each page's is made once, when a page first needs it (a
/// `serve` rebuild that renders one page makes a handful, not one per article).
pub struct Cards<'s> {
    site: &'s Site,
    /// Each page's card as Tera's value: a context that shows a card clones the value (a
    /// reference count) instead of serializing the card again for every list it is in.
    cells: Vec<std::sync::OnceLock<tera::Value>>,
    /// Each tag's pager links, all with `current: false`, made when its first list page is.
    pagers: Vec<std::sync::OnceLock<Vec<tera::Value>>>,
}

impl<'s> Cards<'s> {
    pub(crate) fn new(site: &'s Site) -> Self {
        Self {
            site,
            cells: (0..site.pages.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            pagers: (0..site.tags.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// Frees the cards on a thread of their own: at 10,000 articles they take some 25 ms to
    /// free, at the end of rendering, with nothing else running. (Freed here when no thread
    /// can be started.)
    pub(crate) fn free_elsewhere(self) {
        let Cards { cells, pagers, .. } = self;
        crate::free_elsewhere((cells, pagers));
    }

    /// Tag `t`'s pager links.
    fn pager(&self, t: usize) -> &[tera::Value] {
        self.pagers[t].get_or_init(|| {
            let tag = &self.site.tags[t];
            let total = route::tag_pages(tag.pages.len(), self.site.config.paginate_by);
            (1..=total)
                .map(|n| pager_link(self.site, tag, n, false))
                .collect()
        })
    }

    fn get(&self, p: usize) -> &tera::Value {
        self.cells[p]
            .get_or_init(|| tera::Value::from_serializable(&card(self.site, &self.site.pages[p])))
    }
}

fn card(site: &Site, page: &Page) -> Card {
    Card {
        title: page.title.clone(),
        description: page.description.clone(),
        url: page.url.clone(),
        date: DateView::of(site, page.lang, page.date),
        reviewed: page.reviewed.map(|d| DateView::of(site, page.lang, d)),
        reviewed_by: page.reviewed_by.clone(),
        reading_time: page.reading_time(),
        section: site.section_of(page).map(|s| Link {
            title: s.title.clone(),
            url: s.url.clone(),
        }),
        summary: page.body.summary.clone(),
        tags: page
            .tags
            .iter()
            .map(|t| tag_link(site, page.lang, t))
            .collect(),
    }
}

fn references<'r>(refs: impl IntoIterator<Item = &'r Reference>) -> Vec<ReferenceView> {
    refs.into_iter()
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

fn tag_link(site: &Site, lang: usize, name: &str) -> Link {
    match site.tag(lang, name) {
        Some(t) => Link {
            title: t.text.title.clone(),
            url: t.url.clone(),
        },
        None => Link {
            title: name.to_owned(),
            url: route::tag_url(site.langs[lang].lang(), &site.langs[lang].tags_path, name),
        },
    }
}

fn page_view<'a>(site: &'a Site, cards: &'a Cards<'_>, p: usize, json_ld: bool) -> PageView<'a> {
    let page = &site.pages[p];
    let section = site.section_of(page).map(|s| Link {
        title: s.title.clone(),
        url: s.url.clone(),
    });
    let language = &site.langs[page.lang];
    let mut breadcrumbs = vec![Link {
        title: language.strings.get("home").to_owned(),
        url: language.home_url(),
    }];
    breadcrumbs.extend(section.clone());
    breadcrumbs.push(Link {
        title: page.title.clone(),
        url: page.url.clone(),
    });
    let related: Vec<&tera::Value> = site.related[p]
        .iter()
        .take(related::LIMIT)
        .map(|&q| cards.get(q))
        .collect();
    PageView {
        title: &page.title,
        description: &page.description,
        url: &page.url,
        permalink: permalink(site, &page.url),
        date: DateView::of(site, page.lang, page.date),
        updated: page.updated.map(|d| DateView::of(site, page.lang, d)),
        reviewed: page.reviewed.map(|d| DateView::of(site, page.lang, d)),
        reviewed_by: page.reviewed_by.as_deref(),
        author: page.author.as_deref().or(site.config.author.as_deref()),
        medical: page.medical,
        draft: page.draft,
        listed: page.listed,
        extra: &page.extra,
        tags: page
            .tags
            .iter()
            .map(|t| tag_link(site, page.lang, t))
            .collect(),
        section,
        json_ld: if json_ld {
            page_json_ld(site, page, &breadcrumbs)
        } else {
            String::new()
        },
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
        references: references(page.numbered()),
        related,
    }
}

fn section_view<'a>(
    site: &'a Site,
    cards: &'a Cards<'_>,
    section: &'a Section,
    limit: usize,
) -> SectionView<'a> {
    let language = &site.langs[section.lang];
    let mut breadcrumbs = vec![Link {
        title: language.strings.get("home").to_owned(),
        url: language.home_url(),
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

fn pager_link(site: &Site, tag: &Tag, number: usize, current: bool) -> tera::Value {
    tera::Value::from_serializable(&PagerLink {
        number,
        url: route::tag_page_url(&tag.url, &site.langs[tag.text.lang].page_path, number),
        current,
    })
}

fn paginate<'a>(site: &'a Site, cards: &'a Cards<'_>, t: usize, number: usize) -> Paginator<'a> {
    let tag = &site.tags[t];
    let per = site.config.paginate_by;
    let total = route::tag_pages(tag.pages.len(), per);
    let page = &site.langs[tag.text.lang].page_path;
    let url = |n: usize| route::tag_page_url(&tag.url, page, n);
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
        links: Links {
            plain: cards.pager(t),
            current: number,
            mine: pager_link(site, tag, number, true),
        },
    }
}
