//! JSON-LD for search engines: `MedicalWebPage` (with `lastReviewed`) or `Article` for
//! articles, `CollectionPage` for lists, `WebSite` for the home page, each with its
//! `BreadcrumbList`. Escaped so nothing in the data can close the `<script>` it sits in.
//!
//! Written from typed records, not `serde_json::json!` trees: every article's page has one,
//! and building a map per object was about a sixth of rendering with the bundled templates.
//! Each record lists its keys in byte order, the order the trees printed them in.

use super::context::{permalink, Link};
use crate::page::Page;
use crate::site::Site;
use serde::Serialize;

const CONTEXT: &str = "https://schema.org";

/// JSON for a `<script type="application/ld+json">` block.
fn json_ld(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    // `<`, `>` and `&` as JSON escapes: nothing in the data can close the `<script>` or open a
    // comment inside it, and the JSON means the same.
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A thing with a type and a name (`Person`, `Organization`, the `about` of a medical page).
#[derive(Serialize)]
struct Named<'a> {
    #[serde(rename = "@type")]
    kind: &'a str,
    name: &'a str,
}

/// A thing with a type, a name and an address (the site a page is part of, a cited work).
#[derive(Serialize)]
struct Linked<'a> {
    #[serde(rename = "@type")]
    kind: &'a str,
    name: &'a str,
    url: Option<String>,
}

/// An article's page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebPage<'a> {
    #[serde(rename = "@context")]
    context: &'a str,
    #[serde(rename = "@type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    about: Option<Named<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<Named<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    citation: Option<Vec<Linked<'a>>>,
    date_modified: String,
    date_published: String,
    description: &'a str,
    headline: &'a str,
    in_language: &'a str,
    is_part_of: Linked<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_reviewed: Option<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reviewed_by: Option<Named<'a>>,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BreadcrumbList {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    item_list_element: Vec<ListItem>,
}

#[derive(Serialize)]
struct ListItem {
    #[serde(rename = "@type")]
    kind: &'static str,
    item: String,
    name: String,
    position: usize,
}

fn breadcrumb_list(site: &Site, breadcrumbs: &[Link]) -> BreadcrumbList {
    BreadcrumbList {
        context: CONTEXT,
        kind: "BreadcrumbList",
        item_list_element: breadcrumbs
            .iter()
            .enumerate()
            .map(|(i, b)| ListItem {
                kind: "ListItem",
                item: permalink(site, &b.url),
                name: b.title.clone(),
                position: i + 1,
            })
            .collect(),
    }
}

pub(super) fn page_json_ld(site: &Site, page: &Page, breadcrumbs: &[Link]) -> String {
    let language = &site.langs[page.lang];
    // A page's own author is a person; the site's is the publisher.
    let author = match (&page.author, &site.config.author) {
        (Some(author), _) => Some(Named {
            kind: "Person",
            name: author,
        }),
        (None, Some(publisher)) => Some(Named {
            kind: "Organization",
            name: publisher,
        }),
        (None, None) => None,
    };
    // A medical page says what it is about, when it was last reviewed and by whom, and what
    // it cites.
    let medical = page.medical;
    let main = WebPage {
        context: CONTEXT,
        kind: if medical { "MedicalWebPage" } else { "Article" },
        about: language
            .about
            .as_ref()
            .filter(|_| medical)
            .map(|about| Named {
                kind: &about.kind,
                name: &about.name,
            }),
        author,
        citation: (medical && page.numbered().next().is_some()).then(|| {
            page.numbered()
                .map(|r| Linked {
                    kind: "CreativeWork",
                    name: &r.title,
                    url: r.href(),
                })
                .collect()
        }),
        date_modified: page.updated.unwrap_or(page.date).to_string(),
        date_published: page.date.to_string(),
        description: &page.description,
        headline: &page.title,
        in_language: &language.code,
        is_part_of: Linked {
            kind: "WebSite",
            name: &language.title,
            url: Some(permalink(site, &language.home_url())),
        },
        last_reviewed: page.reviewed.filter(|_| medical).map(|d| d.to_string()),
        name: &page.title,
        // Only a review someone is named for is claimed as one.
        reviewed_by: page
            .reviewed_by
            .as_deref()
            .filter(|_| medical)
            .map(|reviewer| Named {
                kind: "Person",
                name: reviewer,
            }),
        url: permalink(site, &page.url),
    };
    json_ld(&(main, breadcrumb_list(site, breadcrumbs)))
}

/// A list page (`CollectionPage`: a section or a tag) or the home page's site (`WebSite`,
/// with its search).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Described<'a> {
    #[serde(rename = "@context")]
    context: &'a str,
    #[serde(rename = "@type")]
    kind: &'a str,
    description: &'a str,
    in_language: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    potential_action: Option<SearchAction>,
    url: String,
}

/// JSON-LD for a list page (section or tag): a `CollectionPage` and its `BreadcrumbList`.
pub(super) fn collection_json_ld(
    site: &Site,
    lang: usize,
    title: &str,
    description: &str,
    url: &str,
    breadcrumbs: &[Link],
) -> String {
    let page = Described {
        context: CONTEXT,
        kind: "CollectionPage",
        description,
        in_language: &site.langs[lang].code,
        name: title,
        potential_action: None,
        url: permalink(site, url),
    };
    json_ld(&(page, breadcrumb_list(site, breadcrumbs)))
}

#[derive(Serialize)]
struct SearchAction {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "query-input")]
    query_input: &'static str,
    target: String,
}

pub(super) fn website_json_ld(site: &Site, lang: usize) -> String {
    let language = &site.langs[lang];
    let search = permalink(site, &crate::route::search_url(language));
    json_ld(&Described {
        context: CONTEXT,
        kind: "WebSite",
        description: &language.description,
        in_language: &language.code,
        name: &language.title,
        potential_action: Some(SearchAction {
            kind: "SearchAction",
            query_input: "required name=search_term_string",
            target: format!("{search}?q={{search_term_string}}"),
        }),
        url: permalink(site, &language.home_url()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The bundled site, built as `site build` builds it.
    fn bundled() -> Site {
        let options = crate::Options {
            root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            drafts: true,
            base_url: None,
            offline: false,
            serve: false,
            today: crate::Date::parse("2026-12-07").expect("a date"),
        };
        crate::build(&options)
            .expect("the bundled site builds")
            .site
    }

    /// What a record printed must be what a JSON tree of the same data prints: the keys in
    /// byte order, `<`, `>` and `&` escaped (the form these blocks always had).
    fn as_a_tree_prints(json: &str) -> serde_json::Value {
        let tree: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        assert_eq!(json_ld(&tree), json, "keys in order, escaped");
        tree
    }

    #[test]
    fn every_page_s_structured_data_is_what_a_json_tree_prints() {
        let site = bundled();
        let crumbs = [
            Link {
                title: "Home".into(),
                url: "/".into(),
            },
            Link {
                title: "A <section> & more".into(),
                url: "/alcohol/".into(),
            },
        ];
        let mut medical = 0;
        for page in &site.pages {
            let tree = as_a_tree_prints(&page_json_ld(&site, page, &crumbs));
            let main = &tree[0];
            assert_eq!(main["headline"], page.title.as_str());
            assert_eq!(tree[1]["itemListElement"][1]["position"], 2);
            let cited = page.numbered().count();
            if page.medical {
                medical += 1;
                assert_eq!(main["@type"], "MedicalWebPage");
                assert_eq!(main["lastReviewed"].is_string(), page.reviewed.is_some());
                assert_eq!(main["reviewedBy"].is_object(), page.reviewed_by.is_some());
                let citations = main["citation"].as_array().map_or(0, Vec::len);
                assert_eq!(citations, cited, "{}", page.url);
            } else {
                assert_eq!(main["@type"], "Article");
                for key in ["about", "citation", "lastReviewed", "reviewedBy"] {
                    assert!(main.get(key).is_none(), "{key} on {}", page.url);
                }
            }
        }
        assert!(medical > 0, "the bundled site has medical pages");
        // The optional parts: a named author and reviewer, and text that could close the
        // `<script>` the block sits in.
        let mut page = Arc::clone(&site.pages[0]);
        let edited = Arc::make_mut(&mut page);
        edited.author = Some("A. Writer".into());
        edited.reviewed_by = Some("Dr. <b>Reviewer</b>".into());
        edited.title = "Naltrexone </script> & you".into();
        edited.medical = true;
        let json = page_json_ld(&site, &page, &crumbs);
        assert!(!json.contains('<') && !json.contains('&'), "{json}");
        let tree = as_a_tree_prints(&json);
        assert_eq!(tree[0]["author"]["@type"], "Person");
        assert_eq!(tree[0]["reviewedBy"]["name"], "Dr. <b>Reviewer</b>");
        for lang in 0..site.langs.len() {
            as_a_tree_prints(&website_json_ld(&site, lang));
            as_a_tree_prints(&collection_json_ld(
                &site, lang, "T & <t>", "D", "/x/", &crumbs,
            ));
        }
    }
}
