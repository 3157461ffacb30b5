//! The route table: every output the site makes, each with its URL and its output path, from
//! one place. Pages, sections and tags get their URLs from the rules here (`section_url`,
//! `article_url`, `tag_url`, `tag_page_url`); [`table`] lists every output of an assembled
//! site; the duplicate-URL check, the link targets, the render jobs, the feeds and sitemap all
//! iterate it instead of spelling paths themselves.
//!
//! URLs are site-root URLs (`/alcohol/x/`), without the base path: that is added when a URL is
//! printed, so templates can compare them (`current_url == "/"`). Every rule takes a [`Lang`],
//! the language's part of the URL (empty for the default language), so a second language's
//! pages live under their own prefix with no second copy of the rules.

use crate::site::Site;

/// A language's part of every URL: empty for the site's default language, `es` for the
/// pages under `/es/`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lang<'a>(pub &'a str);

impl Lang<'_> {
    /// The site-root URL `rest` (which starts with `/`) in this language.
    pub fn url(self, rest: &str) -> String {
        if self.0.is_empty() {
            rest.to_owned()
        } else {
            format!("/{}{rest}", self.0)
        }
    }
}

/// A page rendered through a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// A language's home page, by index into `Site::langs`.
    Home(usize),
    /// A section, by index into `Site::sections`.
    Section(usize),
    /// An article, by index into `Site::pages`.
    Page(usize),
    /// A tag's list page `n` (1-based), by index into `Site::tags`.
    Tag(usize, usize),
    /// A language's tag index.
    Tags(usize),
    /// A language's page for a missing address (hosts serve the default language's).
    NotFound(usize),
    /// A language's search page (rendered when the site has `search.html`).
    Search(usize),
}

impl Job {
    /// The language of a page that is not about one article, section or tag.
    pub fn lang(self, site: &Site) -> usize {
        match self {
            Job::Home(l) | Job::Tags(l) | Job::NotFound(l) | Job::Search(l) => l,
            Job::Section(s) => site.sections[s].lang,
            Job::Page(p) => site.pages[p].lang,
            Job::Tag(t, _) => site.tags[t].text.lang,
        }
    }
}

/// What an output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A page rendered through a template.
    Template(Job),
    /// A language's Atom feed.
    Feed(usize),
    /// `sitemap.xml`.
    Sitemap,
    /// `robots.txt`.
    Robots,
    /// A language's search index: its manifest, standing for the whole folder the index's
    /// files are written in (`search-index/`, `es/search-index/`; `crate::search` names the
    /// files), which `site::check_routes` keeps for it.
    SearchIndex(usize),
    /// A redirect page: article `page`'s alias number `alias`.
    Alias {
        /// Index into `Site::pages`.
        page: usize,
        /// Index into that page's `aliases`.
        alias: usize,
    },
    /// A file from `static/`, by index into the prepared static outputs.
    Static(usize),
}

/// One output of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// What it is.
    pub kind: Kind,
    /// Its site-root URL (`/alcohol/x/`, `/atom.xml`).
    pub url: String,
    /// Its path in the output folder (`alcohol/x/index.html`, `atom.xml`).
    pub path: String,
}

impl Route {
    fn new(kind: Kind, url: String) -> Self {
        let path = path_of(&url);
        Self { kind, url, path }
    }

    /// The template job, when this output is rendered through a template.
    pub fn job(&self) -> Option<Job> {
        match self.kind {
            Kind::Template(job) => Some(job),
            _ => None,
        }
    }
}

/// How a site-root URL (`/alcohol/x/`) is printed in the output: under the site's base path
/// (`/repo/alcohol/x/`), or, in the offline copy, as a path to the file relative to the page
/// it is printed on (`../../alcohol/x/index.html`), which works from `file://`. Templates reach
/// it through `url(path=...)`, Markdown links through the link table, alias pages and the
/// live-reload script directly: nothing else adds a base path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Urls {
    /// `""` or `/repo`: the path of `base_url`.
    base_path: String,
    /// Relative file links instead of the base path.
    offline: bool,
}

impl Urls {
    /// The rule for a site at `base_path` (`""` or `/repo`), offline or not.
    pub fn new(base_path: &str, offline: bool) -> Self {
        Self {
            base_path: base_path.trim_end_matches('/').to_owned(),
            offline,
        }
    }

    /// The rule of a configured site.
    pub fn of(config: &crate::config::Config) -> Self {
        Self::new(config.base_path(), config.offline)
    }

    /// Whether links point at files relative to the page (`site build --offline`).
    pub fn offline(&self) -> bool {
        self.offline
    }

    /// `to` as written on the page whose site-root URL is `from`. `to` is a site path with or
    /// without its leading `/`, and may end in `?query` or `#anchor`; anything with a scheme
    /// (`https:`, `mailto:`), `//host`, or only an anchor is left as it is.
    pub fn href(&self, from: &str, to: &str) -> String {
        if to.starts_with(['#', '?']) || to.starts_with("//") || has_scheme(to) {
            return to.to_owned();
        }
        let path = to.trim_start_matches('/');
        if !self.offline {
            return format!("{}/{path}", self.base_path);
        }
        let at = path.find(['?', '#']).unwrap_or(path.len());
        let (file, rest) = path.split_at(at);
        let index = if file.is_empty() || file.ends_with('/') {
            "index.html"
        } else {
            ""
        };
        // One `../` for each folder the page's own file is in.
        let from = from.trim_start_matches('/');
        let depth = from.matches('/').count();
        let up = "../".repeat(depth);
        format!("{up}{file}{index}{rest}")
    }
}

/// Whether `url` starts with a scheme (`https:`, `mailto:`, `tel:`).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !scheme.contains('/')
}

/// The URL of the home page.
pub const HOME: &str = "/";
/// The URL of the page served for a missing address.
pub const NOT_FOUND: &str = "/404.html";
/// The URL of the Atom feed.
pub const FEED: &str = "/atom.xml";
/// The URL of the sitemap.
pub const SITEMAP: &str = "/sitemap.xml";
/// The URL of `robots.txt`.
pub const ROBOTS: &str = "/robots.txt";
/// The URL of the search index's manifest; every file of the index is in its folder (the
/// offline copy has `manifest.js` and scripts there instead: browsers refuse `fetch` on
/// `file://`, but run a classic `<script>`).
pub const SEARCH_INDEX: &str = "/search-index/manifest.json";
/// The URL of the search index's manifest as a script, in the offline copy.
pub const SEARCH_SCRIPT: &str = "/search-index/manifest.js";

/// The outputs every site has whatever its content, in the order the table lists them: each
/// language's (number `l` of `langs`), then the sitemap and `robots.txt`, which are the whole
/// site's.
pub fn fixed(langs: &[crate::lang::Language]) -> Vec<Route> {
    let mut routes = Vec::new();
    for (l, language) in langs.iter().enumerate() {
        let lang = language.lang();
        routes.extend([
            Route::new(Kind::Template(Job::Home(l)), lang.url(HOME)),
            Route::new(Kind::Template(Job::Tags(l)), tags_url(language)),
            Route::new(Kind::Template(Job::NotFound(l)), lang.url(NOT_FOUND)),
            Route::new(Kind::Template(Job::Search(l)), search_url(language)),
            Route::new(Kind::Feed(l), lang.url(FEED)),
            Route::new(Kind::SearchIndex(l), lang.url(SEARCH_INDEX)),
        ]);
    }
    routes.push(Route::new(Kind::Sitemap, SITEMAP.to_owned()));
    routes.push(Route::new(Kind::Robots, ROBOTS.to_owned()));
    routes
}

/// A language's tag index: `/tags/`, `/es/temas/`.
pub fn tags_url(language: &crate::lang::Language) -> String {
    language.lang().url(&format!("/{}/", language.tags_path))
}

/// A language's search page: `/search/`, `/es/buscar/`.
pub fn search_url(language: &crate::lang::Language) -> String {
    language.lang().url(&format!("/{}/", language.search_path))
}

/// A section's URL: `/<name>/`.
pub fn section_url(lang: Lang<'_>, name: &str) -> String {
    lang.url(&format!("/{name}/"))
}

/// An article's URL: `/<section>/<slug>/`, or `/<slug>/` outside any section.
pub fn article_url(lang: Lang<'_>, section: Option<&str>, slug: &str) -> String {
    match section {
        Some(section) => lang.url(&format!("/{section}/{slug}/")),
        None => lang.url(&format!("/{slug}/")),
    }
}

/// A tag's URL: `/<tags>/<name>/` (`tags` is the language's tag folder, `tags` in the
/// default language).
pub fn tag_url(lang: Lang<'_>, tags: &str, name: &str) -> String {
    lang.url(&format!("/{tags}/{name}/"))
}

/// The URL of page `n` (1-based) of a list whose first page is at `first`; `page` is the
/// language's word for the folder (`page`, `pagina`).
pub fn tag_page_url(first: &str, page: &str, n: usize) -> String {
    if n == 1 {
        first.to_owned()
    } else {
        format!("{first}{page}/{n}/")
    }
}

/// The URL of an alias (`/old/path`, `/old/page.html`): a folder unless it names an `.html`
/// file. The alias must have been checked by `page::alias_path`.
pub fn alias_url(alias: &str) -> String {
    if alias.ends_with(".html") || alias.ends_with('/') {
        alias.to_owned()
    } else {
        format!("{alias}/")
    }
}

/// The output path of a URL: a folder's `index.html` for URLs ending in `/`, else the file.
pub fn path_of(url: &str) -> String {
    let rel = url.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_owned()
    }
}

/// How many list pages a tag with `count` articles has at `per` a page (at least one).
pub fn tag_pages(count: usize, per: usize) -> usize {
    count.div_ceil(per.max(1)).max(1)
}

/// Every output of `site`, in a stable order: the fixed outputs, sections, articles, each
/// tag's list pages, alias redirects, then the static files (`statics`: their output paths).
pub fn table(site: &Site, statics: &[String]) -> Vec<Route> {
    let mut routes = fixed(&site.langs);
    routes.extend(
        site.sections
            .iter()
            .enumerate()
            .map(|(s, section)| Route::new(Kind::Template(Job::Section(s)), section.url.clone())),
    );
    routes.extend(
        site.pages
            .iter()
            .enumerate()
            .map(|(p, page)| Route::new(Kind::Template(Job::Page(p)), page.url.clone())),
    );
    for (t, tag) in site.tags.iter().enumerate() {
        let total = tag_pages(tag.pages.len(), site.config.paginate_by);
        routes.extend((1..=total).map(|n| {
            Route::new(
                Kind::Template(Job::Tag(t, n)),
                tag_page_url(&tag.url, &site.langs[tag.text.lang].page_path, n),
            )
        }));
    }
    for (p, page) in site.pages.iter().enumerate() {
        for (a, alias) in page.aliases.iter().enumerate() {
            if crate::page::alias_path(alias).is_ok() {
                routes.push(Route::new(
                    Kind::Alias { page: p, alias: a },
                    alias_url(alias),
                ));
            }
        }
    }
    routes.extend(statics.iter().enumerate().map(|(i, path)| Route {
        kind: Kind::Static(i),
        url: format!("/{path}"),
        path: path.clone(),
    }));
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_urls() {
        assert_eq!(path_of("/"), "index.html");
        assert_eq!(path_of("/alcohol/x/"), "alcohol/x/index.html");
        assert_eq!(path_of("/atom.xml"), "atom.xml");
        assert_eq!(path_of(&alias_url("/old")), "old/index.html");
        assert_eq!(path_of(&alias_url("/old/page.html")), "old/page.html");
        assert_eq!(tag_page_url("/tags/a/", "page", 1), "/tags/a/");
        assert_eq!(tag_page_url("/tags/a/", "page", 3), "/tags/a/page/3/");
        assert_eq!(
            tag_page_url("/es/temas/a/", "pagina", 2),
            "/es/temas/a/pagina/2/"
        );
        assert_eq!(tag_pages(0, 10), 1);
        assert_eq!(tag_pages(21, 10), 3);
    }

    #[test]
    fn urls_take_the_base_path_or_point_at_files_offline() {
        let root = Urls::new("", false);
        assert_eq!(root.href("/a/b/", "/alcohol/"), "/alcohol/");
        assert_eq!(root.href("/a/b/", "style.css"), "/style.css");
        assert_eq!(root.href("/a/b/", ""), "/");
        let repo = Urls::new("/Repo/", false);
        assert_eq!(repo.href("/", "/"), "/Repo/");
        assert_eq!(
            repo.href("/", "alcohol/x/#dosing"),
            "/Repo/alcohol/x/#dosing"
        );
        assert_eq!(repo.href("/", "/search/?q=a"), "/Repo/search/?q=a");
        let offline = Urls::new("/repo", true);
        assert_eq!(offline.href("/", "/"), "index.html");
        assert_eq!(offline.href("/", "/alcohol/"), "alcohol/index.html");
        assert_eq!(offline.href("/alcohol/x/", "/"), "../../index.html");
        assert_eq!(
            offline.href("/alcohol/x/", "/style.1.css"),
            "../../style.1.css"
        );
        assert_eq!(
            offline.href("/tags/a/page/2/", "/basics/y/#top"),
            "../../../../basics/y/index.html#top"
        );
        assert_eq!(offline.href("/404.html", "/tags/"), "tags/index.html");
        assert_eq!(offline.href("/old/page.html", "/a/"), "../a/index.html");
        assert_eq!(
            offline.href("/a/", "/search/?q=x"),
            "../search/index.html?q=x"
        );
        for kept in [
            "#ref-1",
            "https://x.org/",
            "mailto:a@b.org",
            "tel:988",
            "//cdn.org/x",
        ] {
            assert_eq!(offline.href("/a/", kept), kept);
            assert_eq!(repo.href("/a/", kept), kept);
        }
    }

    #[test]
    fn a_language_prefixes_every_rule() {
        let es = Lang("es");
        assert_eq!(section_url(es, "alcohol"), "/es/alcohol/");
        assert_eq!(article_url(es, Some("a"), "b"), "/es/a/b/");
        assert_eq!(tag_url(es, "temas", "x"), "/es/temas/x/");
        assert_eq!(path_of(&es.url(HOME)), "es/index.html");
        assert_eq!(tag_url(Lang::default(), "tags", "x"), "/tags/x/");
    }
}
