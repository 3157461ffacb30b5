//! The machine-read outputs, built as data without templates: Atom feed, sitemap, robots.txt,
//! alias redirect pages and the search index, each at the path its route gives. Everything is derived from dates in the content,
//! never from the clock, so two builds of the same input are byte-identical.

use crate::date::Date;
use crate::page;
use crate::publish::Output;
use crate::route::{Job, Kind, Route};
use crate::site::Site;
use std::fmt::Write as _;

/// The machine-read outputs of the site's routes: feed, sitemap, robots.txt and alias pages,
/// with the search index's files made by the caller's `search_index` (fresh with
/// `search::of_site`, or from `serve`'s cache of entries), on another thread while the feed and
/// sitemap are made. Each output goes to `keep` as soon as it is made (which may send it on,
/// so that a large index is never held whole); what `keep` gives back is returned, feed and
/// sitemap first, then the search files, then the alias pages.
pub fn render(
    site: &Site,
    routes: &[Route],
    wanted: impl Fn(&Route) -> bool + Sync,
    mut search_index: impl FnMut(usize, &mut crate::search::Out<'_>) + Send,
    keep: impl Fn(Output) -> Option<Output> + Sync,
) -> Vec<Output> {
    let chosen: Vec<&Route> = routes.iter().filter(|r| wanted(r)).collect();
    let (atom_and_sitemap, (search_index, aliases)) = rayon::join(
        || {
            chosen
                .iter()
                .filter_map(|route| match route.kind {
                    Kind::Feed(l) => Some(atom(site, l, route)),
                    Kind::Sitemap => Some(sitemap(site, routes, route)),
                    Kind::Robots => Some(robots(site, route)),
                    _ => None,
                })
                .filter_map(&keep)
                .collect::<Vec<_>>()
        },
        || {
            let mut indexes = Vec::new();
            for lang in 0..site.langs.len() {
                search_index(lang, &mut |output| indexes.extend(keep(output)));
            }
            let aliases: Vec<Output> = aliases(site, &chosen)
                .into_iter()
                .filter_map(&keep)
                .collect();
            (indexes, aliases)
        },
    );
    let mut outputs = atom_and_sitemap;
    outputs.extend(search_index);
    outputs.extend(aliases);
    outputs
}

/// Which of [`render`]'s outputs edits in place can change: `serve`'s patch changes no URL,
/// listing or template, no other article's alias, and never `site.yaml`, so robots.txt and the
/// alias pages of every other article stay as they are; the sitemap changes only with a date
/// or an article's tags (a tag's page is listed with its newest article's date), and a
/// language's feed only with a date or an edit to one of the articles it shows.
pub struct Touched {
    sitemap: bool,
    /// By language.
    feeds: Vec<bool>,
    /// The edited articles, sorted.
    pages: Vec<usize>,
}

impl Touched {
    /// What editing articles `edited` (indices into both sites' pages) of `old` into `new`
    /// can change.
    pub fn by_edits(old: &Site, new: &Site, edited: &[usize]) -> Self {
        let dated = edited
            .iter()
            .any(|&i| match (old.pages.get(i), new.pages.get(i)) {
                (Some(a), Some(b)) => {
                    (a.date, a.updated, a.reviewed) != (b.date, b.updated, b.reviewed)
                }
                _ => true,
            });
        // A tag's page is in the sitemap with its newest article's date: a tag an edited
        // article joined or left changes the sitemap when that date moved.
        let retagged = edited
            .iter()
            .any(|&i| match (old.pages.get(i), new.pages.get(i)) {
                (Some(a), Some(b)) => {
                    let left = a.tags.iter().filter(|t| !b.tags.contains(t));
                    let joined = b.tags.iter().filter(|t| !a.tags.contains(t));
                    left.chain(joined).any(|name| {
                        let dated = |site: &Site, lang: usize| {
                            site.tag(lang, name).and_then(|t| newest(site, &t.pages))
                        };
                        dated(old, a.lang) != dated(new, b.lang)
                    })
                }
                _ => true,
            });
        let feeds = (0..new.langs.len())
            .map(|l| {
                dated
                    || edited.iter().any(|&i| {
                        new.pages
                            .get(i)
                            .is_some_and(|p| p.lang == l && in_feed(new, p))
                    })
            })
            .collect();
        let mut pages = edited.to_vec();
        pages.sort_unstable();
        Self {
            sitemap: dated || retagged,
            feeds,
            pages,
        }
    }

    /// Whether `route`'s output may have changed (the search index is the caller's to say).
    pub fn wants(&self, route: &Route) -> bool {
        match route.kind {
            Kind::Feed(l) => self.feeds.get(l).copied().unwrap_or(true),
            Kind::Sitemap => self.sitemap,
            Kind::Alias { page, .. } => self.pages.binary_search(&page).is_ok(),
            _ => false,
        }
    }
}

/// The order of a language's feed: newest first by last update, then by URL.
fn feed_order(a: &page::Page, b: &page::Page) -> std::cmp::Ordering {
    let (ua, ub) = (a.updated.unwrap_or(a.date), b.updated.unwrap_or(b.date));
    ub.cmp(&ua).then_with(|| a.url.cmp(&b.url))
}

/// Whether `page` is among the articles its language's feed shows.
fn in_feed(site: &Site, page: &page::Page) -> bool {
    page.listed
        && site
            .pages
            .iter()
            .filter(|q| q.listed && q.lang == page.lang)
            .filter(|q| feed_order(q, page).is_lt())
            .count()
            < site.config.feed_limit
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The newest date of language `lang`'s articles.
fn latest(site: &Site, lang: usize) -> Date {
    site.pages
        .iter()
        .filter(|p| p.lang == lang)
        .map(|p| p.updated.unwrap_or(p.date).max(p.date))
        .max()
        .unwrap_or_else(|| Date::from_days(0))
}

/// Language `lang`'s feed: its newest articles.
fn atom(site: &Site, lang: usize, route: &Route) -> Output {
    let base = &site.config.base_url;
    let language = &site.langs[lang];
    let home = language.home_url();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        xml,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <subtitle>{}</subtitle>\n  <link href=\"{base}{self_url}\" rel=\"self\" type=\"application/atom+xml\"/>\n  <link href=\"{base}{home}\"/>\n  <id>{base}{home}</id>\n  <updated>{}T00:00:00Z</updated>\n",
        escape(&language.code),
        escape(&language.title),
        escape(&language.description),
        latest(site, lang),
        self_url = route.url,
    );
    if let Some(author) = &site.config.author {
        let _ = writeln!(xml, "  <author><name>{}</name></author>", escape(author));
    } else {
        let _ = writeln!(
            xml,
            "  <author><name>{}</name></author>",
            escape(&language.title)
        );
    }
    let mut pages: Vec<&page::Page> = site
        .pages
        .iter()
        .filter(|p| p.listed && p.lang == lang)
        .map(|p| &**p)
        .collect();
    pages.sort_by(|a, b| feed_order(a, b));
    for page in pages.into_iter().take(site.config.feed_limit) {
        let url = format!("{base}{}", page.url);
        let _ = write!(
            xml,
            "  <entry>\n    <title>{}</title>\n    <link href=\"{url}\"/>\n    <id>{url}</id>\n    <published>{}T00:00:00Z</published>\n    <updated>{}T00:00:00Z</updated>\n    <summary>{}</summary>\n",
            escape(&page.title),
            page.date,
            page.updated.unwrap_or(page.date),
            escape(&page.description),
        );
        for tag in &page.tags {
            let _ = writeln!(xml, "    <category term=\"{}\"/>", escape(tag));
        }
        let _ = write!(
            xml,
            "    <content type=\"html\">{}</content>\n  </entry>\n",
            escape(&page.body.html)
        );
    }
    xml.push_str("</feed>\n");
    Output {
        path: route.path.clone(),
        bytes: xml.into_bytes(),
    }
}

/// The last change of the newest of `pages` (indices into `site.pages`): what the sitemap
/// gives a section's or a tag's page.
fn newest(site: &Site, pages: &[usize]) -> Option<Date> {
    pages
        .iter()
        .filter_map(|&p| site.pages.get(p))
        .map(|page| page.updated.unwrap_or(page.date))
        .max()
}

fn sitemap(site: &Site, routes: &[Route], route: &Route) -> Output {
    let base = &site.config.base_url;
    // Each page's URL, last change and versions in other languages.
    type Entry<'a> = (&'a str, Option<Date>, Vec<(usize, String)>);
    let mut entries: Vec<Entry<'_>> = routes
        .iter()
        .filter_map(|r| {
            let job = r.job()?;
            let modified = match job {
                Job::Home(l) => Some(latest(site, l)),
                Job::Tags(_) => None,
                Job::Section(s) => newest(site, &site.sections[s].pages),
                Job::Page(p) => {
                    let page = &site.pages[p];
                    [Some(page.date), page.updated, page.reviewed]
                        .into_iter()
                        .flatten()
                        .max()
                }
                Job::Tag(t, 1) if !site.tags[t].pages.is_empty() => {
                    newest(site, &site.tags[t].pages)
                }
                Job::Tag(..) | Job::NotFound(_) | Job::Search(_) => return None,
            };
            Some((r.url.as_str(), modified, site.alternates(job)))
        })
        .collect();
    entries.sort();
    let multilingual = site.langs.len() > 1;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"");
    if multilingual {
        xml.push_str(" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"");
    }
    xml.push_str(">\n");
    for (url, modified, alternates) in entries {
        let _ = write!(
            xml,
            "  <url>\n    <loc>{}</loc>\n",
            escape(&format!("{base}{url}"))
        );
        if let Some(date) = modified {
            let _ = writeln!(xml, "    <lastmod>{date}</lastmod>");
        }
        // Every version of the page, itself included, and the default language's as x-default.
        for (l, href) in &alternates {
            let _ = writeln!(
                xml,
                "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                escape(&site.langs[*l].code),
                escape(&format!("{base}{href}"))
            );
        }
        if let Some((_, href)) = alternates.iter().find(|(l, _)| *l == 0) {
            let _ = writeln!(
                xml,
                "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>",
                escape(&format!("{base}{href}"))
            );
        }
        xml.push_str("  </url>\n");
    }
    xml.push_str("</urlset>\n");
    Output {
        path: route.path.clone(),
        bytes: xml.into_bytes(),
    }
}

fn robots(site: &Site, route: &Route) -> Output {
    let text = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}{}\n",
        site.config.base_url,
        crate::route::SITEMAP
    );
    Output {
        path: route.path.clone(),
        bytes: text.into_bytes(),
    }
}

fn aliases(site: &Site, routes: &[&Route]) -> Vec<Output> {
    let urls = crate::route::Urls::of(&site.config);
    routes
        .iter()
        .filter_map(|route| {
            let Kind::Alias { page, .. } = route.kind else {
                return None;
            };
            let page = &site.pages[page];
            let language = &site.langs[page.lang];
            let strings = &language.strings;
            // The canonical address names the published site; the redirect itself stays on the
            // site it is read from (a preview, a sub-path, the offline copy).
            let canonical = format!("{}{}", site.config.base_url, page.url);
            let target = urls.href(&route.url, &page.url);
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{moved_title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"icon\" href=\"data:,\">\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n<p>{moved_before}<a href=\"{url}\">{title}</a>{moved_after}</p>\n</body>\n</html>\n",
                lang = escape(&language.code),
                moved_title = escape(&strings.get("moved_title").replace("{title}", &page.title)),
                moved_before = escape(strings.get("moved_before")),
                moved_after = escape(strings.get("moved_after")),
                title = escape(&page.title),
                canonical = escape(&canonical),
                url = escape(&target),
            );
            Some(Output {
                path: route.path.clone(),
                bytes: html.into_bytes(),
            })
        })
        .collect()
}
