//! The machine-read outputs, built as data without templates: Atom feed, sitemap, robots.txt,
//! alias redirect pages and the search index. Everything is derived from dates in the content,
//! never from the clock, so two builds of the same input are byte-identical.

use crate::date::Date;
use crate::page;
use crate::publish::Output;
use crate::site::Site;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Every machine-read output of the site.
pub fn render(site: &Site) -> Vec<Output> {
    render_cached(site, &mut SearchCache::default())
}

/// [`render`], reusing the search entries of pages whose searchable data did not change
/// (what `serve` does on every edit).
pub fn render_cached(site: &Site, cache: &mut SearchCache) -> Vec<Output> {
    render_with(site, cache, None)
}

/// [`render_cached`] after only the articles at `pages` (indices) changed, keeping their
/// URLs, tags and places: only their search entries are made again.
pub fn render_patch(site: &Site, pages: &[usize], cache: &mut SearchCache) -> Vec<Output> {
    render_with(site, cache, Some(pages))
}

/// Every machine-read output; the search index from `cache`, either checking every entry or
/// making again only those of the `edited` pages.
fn render_with(site: &Site, cache: &mut SearchCache, edited: Option<&[usize]>) -> Vec<Output> {
    let ((atom, sitemap), (index, aliases)) = rayon::join(
        || (atom(site), sitemap(site)),
        || {
            let index = match edited {
                Some(pages) if cache.entries.len() == site.pages.len() => {
                    for &p in pages {
                        if let Some(page) = site.pages.get(p) {
                            cache.entries[p] = (entry_hash(site, page), entry_json(site, page));
                        }
                    }
                    join_entries(&cache.entries, &site.order)
                }
                _ => search_index(site, cache),
            };
            (index, aliases(site))
        },
    );
    let mut outputs = vec![atom, sitemap, robots(site), index];
    outputs.extend(aliases);
    outputs
}

/// Each page's search entry as JSON, with a hash of what it was made from, in page order; and
/// where each URL's entry is.
#[derive(Debug, Clone, Default)]
pub struct SearchCache {
    entries: Vec<(u64, Arc<str>)>,
    by_url: HashMap<String, usize>,
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

fn latest(site: &Site) -> Date {
    site.pages
        .iter()
        .map(|p| p.updated.unwrap_or(p.date).max(p.date))
        .max()
        .unwrap_or_else(|| Date::from_days(0))
}

fn atom(site: &Site) -> Output {
    let base = &site.config.base_url;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        xml,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <subtitle>{}</subtitle>\n  <link href=\"{base}/atom.xml\" rel=\"self\" type=\"application/atom+xml\"/>\n  <link href=\"{base}/\"/>\n  <id>{base}/</id>\n  <updated>{}T00:00:00Z</updated>\n",
        escape(&site.config.language),
        escape(&site.config.title),
        escape(&site.config.description),
        latest(site),
    );
    if let Some(author) = &site.config.author {
        let _ = writeln!(xml, "  <author><name>{}</name></author>", escape(author));
    } else {
        let _ = writeln!(
            xml,
            "  <author><name>{}</name></author>",
            escape(&site.config.title)
        );
    }
    let mut pages: Vec<&page::Page> = site.pages.iter().collect();
    pages.sort_by(|a, b| {
        let (ua, ub) = (a.updated.unwrap_or(a.date), b.updated.unwrap_or(b.date));
        ub.cmp(&ua).then_with(|| a.url.cmp(&b.url))
    });
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
        path: "atom.xml".into(),
        bytes: xml.into_bytes(),
    }
}

fn sitemap(site: &Site) -> Output {
    let base = &site.config.base_url;
    let mut entries: Vec<(String, Option<Date>)> =
        vec![("/".into(), Some(latest(site))), ("/tags/".into(), None)];
    for section in &site.sections {
        let newest = section
            .pages
            .iter()
            .map(|&p| site.pages[p].updated.unwrap_or(site.pages[p].date))
            .max();
        entries.push((section.url.clone(), newest));
    }
    for page in &site.pages {
        let modified = [Some(page.date), page.updated, page.reviewed]
            .into_iter()
            .flatten()
            .max();
        entries.push((page.url.clone(), modified));
    }
    for tag in &site.tags {
        if !tag.pages.is_empty() {
            let newest = tag
                .pages
                .iter()
                .map(|&p| site.pages[p].updated.unwrap_or(site.pages[p].date))
                .max();
            entries.push((tag.url.clone(), newest));
        }
    }
    entries.sort();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (url, modified) in entries {
        let _ = write!(
            xml,
            "  <url>\n    <loc>{}</loc>\n",
            escape(&format!("{base}{url}"))
        );
        if let Some(date) = modified {
            let _ = writeln!(xml, "    <lastmod>{date}</lastmod>");
        }
        xml.push_str("  </url>\n");
    }
    xml.push_str("</urlset>\n");
    Output {
        path: "sitemap.xml".into(),
        bytes: xml.into_bytes(),
    }
}

fn robots(site: &Site) -> Output {
    let text = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        site.config.base_url
    );
    Output {
        path: "robots.txt".into(),
        bytes: text.into_bytes(),
    }
}

fn aliases(site: &Site) -> Vec<Output> {
    let mut outputs = Vec::new();
    for page in &site.pages {
        let target = format!("{}{}", site.config.base_url, page.url);
        for alias in &page.aliases {
            let Ok(path) = page::alias_path(alias) else {
                continue;
            };
            let html = format!(
                "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting to {title}</title>\n<link rel=\"canonical\" href=\"{url}\">\n<meta name=\"robots\" content=\"noindex\">\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{url}\">{title}</a>.</p>\n</body>\n</html>\n",
                lang = escape(&site.config.language),
                title = escape(&page.title),
                url = escape(&target),
            );
            outputs.push(Output {
                path,
                bytes: html.into_bytes(),
            });
        }
    }
    outputs
}

/// One searchable page.
#[derive(Serialize)]
struct Entry<'a> {
    /// Title.
    t: &'a str,
    /// URL.
    u: &'a str,
    /// Description.
    d: &'a str,
    /// Section title.
    s: &'a str,
    /// Headings and tag titles, for matching.
    k: String,
    /// The start of the text, for matching and snippets.
    b: String,
}

/// Words of body text kept per page: enough to match on, small enough for a phone.
const BODY_WORDS: usize = 200;

fn search_index(site: &Site, cache: &mut SearchCache) -> Output {
    use rayon::prelude::*;
    let entries: Vec<(u64, Arc<str>)> = site
        .pages
        .par_iter()
        .map(|page| {
            let hash = entry_hash(site, page);
            match cache
                .by_url
                .get(&page.url)
                .and_then(|&i| cache.entries.get(i))
            {
                Some((old, json)) if *old == hash => (hash, Arc::clone(json)),
                _ => (hash, entry_json(site, page)),
            }
        })
        .collect();
    cache.by_url = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| (page.url.clone(), i))
        .collect();
    cache.entries = entries;
    join_entries(&cache.entries, &site.order)
}

/// The titles of a page's tags.
fn tag_titles<'s>(site: &'s Site, page: &'s page::Page) -> Vec<&'s str> {
    page.tags
        .iter()
        .filter_map(|t| site.tag(t))
        .map(|t| t.text.title.as_str())
        .collect()
}

/// A hash of everything a page's search entry is made from.
fn entry_hash(site: &Site, page: &page::Page) -> u64 {
    use std::hash::{Hash, Hasher};
    let section = site.section_of(page).map_or("", |s| s.title.as_str());
    let mut h = crate::hash::Hasher::default();
    (
        &page.title,
        &page.description,
        section,
        tag_titles(site, page),
        page.body.hash,
    )
        .hash(&mut h);
    h.finish()
}

/// A page's search entry.
fn entry_json(site: &Site, page: &page::Page) -> Arc<str> {
    let mut keys: Vec<&str> = page
        .body
        .headings
        .iter()
        .map(|h| h.title.as_str())
        .collect();
    keys.extend(tag_titles(site, page));
    let entry = Entry {
        t: &page.title,
        u: &page.url,
        d: &page.description,
        s: site.section_of(page).map_or("", |s| s.title.as_str()),
        k: keys.join(" · "),
        b: page
            .body
            .prose
            .split_whitespace()
            .take(BODY_WORDS)
            .collect::<Vec<_>>()
            .join(" "),
    };
    serde_json::to_string(&entry).unwrap_or_default().into()
}

/// The search index: every page's entry, newest first, as one JSON array.
fn join_entries(entries: &[(u64, Arc<str>)], order: &[usize]) -> Output {
    let mut json = String::with_capacity(entries.iter().map(|e| e.1.len() + 1).sum::<usize>() + 2);
    json.push('[');
    for (i, (_, entry)) in order.iter().filter_map(|&p| entries.get(p)).enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(entry);
    }
    json.push(']');
    Output {
        path: "search-index.json".into(),
        bytes: json.into_bytes(),
    }
}
