//! JSON-LD for search engines: `MedicalWebPage` (with `lastReviewed`) or `Article` for
//! articles, `CollectionPage` for lists, `WebSite` for the home page, each with its
//! `BreadcrumbList`. Escaped so nothing in the data can close the `<script>` it sits in.

use super::context::{permalink, Link};
use crate::page::Page;
use crate::site::Site;

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

pub(super) fn page_json_ld(site: &Site, page: &Page, breadcrumbs: &[Link]) -> String {
    let url = permalink(site, &page.url);
    let language = &site.langs[page.lang];
    let mut main = serde_json::json!({
        "@context": "https://schema.org",
        "@type": if page.medical { "MedicalWebPage" } else { "Article" },
        "headline": page.title,
        "name": page.title,
        "description": page.description,
        "url": url,
        "inLanguage": language.code,
        "datePublished": page.date.to_string(),
        "dateModified": page.updated.unwrap_or(page.date).to_string(),
        "isPartOf": { "@type": "WebSite", "name": language.title, "url": permalink(site, &language.home_url()) },
    });
    // A page's own author is a person; the site's is the publisher.
    if let Some(author) = &page.author {
        main["author"] = serde_json::json!({ "@type": "Person", "name": author });
    } else if let Some(publisher) = &site.config.author {
        main["author"] = serde_json::json!({ "@type": "Organization", "name": publisher });
    }
    if page.medical {
        if let Some(about) = &language.about {
            main["about"] = serde_json::json!({ "@type": about.kind, "name": about.name });
        }
        if let Some(reviewed) = page.reviewed {
            main["lastReviewed"] = serde_json::json!(reviewed.to_string());
        }
        // Only a review someone is named for is claimed as one.
        if let Some(reviewer) = &page.reviewed_by {
            main["reviewedBy"] = serde_json::json!({ "@type": "Person", "name": reviewer });
        }
        if page.numbered().next().is_some() {
            main["citation"] = page
                .numbered()
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
pub(super) fn collection_json_ld(
    site: &Site,
    lang: usize,
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
            "inLanguage": site.langs[lang].code,
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

pub(super) fn website_json_ld(site: &Site, lang: usize) -> String {
    let language = &site.langs[lang];
    json_ld(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": language.title,
        "description": language.description,
        "url": permalink(site, &language.home_url()),
        "inLanguage": language.code,
        "potentialAction": {
            "@type": "SearchAction",
            "target": format!("{}?q={{search_term_string}}", permalink(site, &crate::route::search_url(language))),
            "query-input": "required name=search_term_string",
        },
    }))
}
