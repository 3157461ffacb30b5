//! The bundled site in two languages: every page's `hreflang` links are reciprocal, name the
//! page itself and an `x-default` in the default language, agree with the page's own `lang`
//! and with the sitemap; every switcher link goes to a page that exists.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const BASE: &str = "https://naltrexone.example.org";

/// The value of attribute `name` in the tag `tag` (the text between `<` and `>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &tag[at..];
    Some(&rest[..rest.find('"')?])
}

/// Every tag `<name ...>` in `html`.
fn tags<'a>(html: &'a str, name: &str) -> std::vec::IntoIter<&'a str> {
    let open = format!("<{name} ");
    html.match_indices(&open)
        .filter_map(|(at, _)| html[at..].find('>').map(|end| &html[at..at + end]))
        .collect::<Vec<_>>()
        .into_iter()
}

/// A page's alternates: hreflang → absolute URL.
fn alternates(html: &str) -> BTreeMap<String, String> {
    tags(html, "link")
        .filter(|t| attr(t, "rel") == Some("alternate"))
        .filter_map(|t| Some((attr(t, "hreflang")?.to_owned(), attr(t, "href")?.to_owned())))
        .collect()
}

/// The site-root URL of an output path (`es/x/index.html` → `/es/x/`).
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{path}"),
    }
}

#[test]
fn every_page_s_language_versions_are_reciprocal_and_in_the_sitemap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result = common::site(root, &["build", "--output", out.to_str().expect("utf-8")]);
    assert!(result.status.success(), "{}", common::text(&result.stderr));
    let files = common::snapshot(&out);
    let pages: BTreeMap<String, String> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (url_of(path), String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let mut checked = 0;
    let mut spanish = 0;
    for (url, html) in &pages {
        let own_lang = tags(html, "html")
            .find_map(|t| attr(t, "lang"))
            .unwrap_or_default()
            .to_owned();
        if own_lang == "es" {
            spanish += 1;
        }
        let versions = alternates(html);
        // Every switcher link goes to a page of the site.
        for link in
            tags(html, "a").filter(|t| attr(t, "lang").is_some() && attr(t, "hreflang").is_some())
        {
            let href = attr(link, "href").unwrap_or_default();
            assert!(
                pages.contains_key(href),
                "{url}: switcher link {href} goes nowhere"
            );
        }
        if versions.is_empty() {
            continue;
        }
        checked += 1;
        let me = format!("{BASE}{url}");
        assert_eq!(
            versions.get(&own_lang),
            Some(&me),
            "{url}: names itself in its own language"
        );
        assert_eq!(
            versions.get("x-default"),
            versions.get("en"),
            "{url}: x-default is the English version"
        );
        for (lang, href) in versions.iter().filter(|(l, _)| *l != "x-default") {
            let there = href.strip_prefix(BASE).expect("an address of the site");
            let other = pages
                .get(there)
                .unwrap_or_else(|| panic!("{url}: alternate {href} does not exist"));
            assert_eq!(
                alternates(other),
                versions,
                "{url} and {there} list the same versions"
            );
            let other_lang = tags(other, "html").find_map(|t| attr(t, "lang"));
            assert_eq!(other_lang, Some(lang.as_str()), "{there} is in {lang}");
        }
    }
    assert!(spanish >= 12 + 1 + 5, "Spanish pages: {spanish}");
    assert!(checked >= 2 * 12, "pages with versions: {checked}");
    // The sitemap lists the same versions for every page it names.
    let sitemap = String::from_utf8_lossy(&files["sitemap.xml"]).into_owned();
    for entry in sitemap.split("<url>").skip(1) {
        let loc = &entry[entry.find("<loc>").expect("loc") + 5..entry.find("</loc>").expect("loc")];
        let listed: BTreeMap<String, String> = tags(entry, "xhtml:link")
            .filter_map(|t| Some((attr(t, "hreflang")?.to_owned(), attr(t, "href")?.to_owned())))
            .collect();
        let page = &pages[loc.strip_prefix(BASE).expect("an address of the site")];
        assert_eq!(
            listed,
            alternates(page),
            "{loc}: the sitemap and the page agree"
        );
    }
    let langs: BTreeSet<&str> = ["en", "es"].into();
    assert!(pages.values().all(|h| {
        tags(h, "html")
            .find_map(|t| attr(t, "lang"))
            .is_some_and(|l| langs.contains(l))
    }));
}
