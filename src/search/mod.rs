//! Site search, one language at a time: an inverted index split into small files, so a
//! browser downloads only what a query needs (on a 10,000-article site, tens of kilobytes
//! where one whole index would be megabytes), and the same files as classic scripts for the
//! offline copy, where `fetch` is refused on `file://`.
//!
//! What it makes, under `{prefix}/search-index/` (`prefix` is `""` or a language's `/es`):
//! - `manifest.json`: the language's folding, stop words and suffixes (so `search.js` treats a
//!   query exactly as the index treated the pages), the number of documents, and the first term
//!   of each shard;
//! - `w/<n>.json`: shards of the word index, term -> postings (document, score), terms sorted,
//!   each shard up to [`index::SHARD_BYTES`] (a longer posting list has a shard of its own);
//! - `p/<n>.json`: shards of the phrase index: pairs of neighbouring terms in titles, headings
//!   and descriptions, for the phrase bonus;
//! - `d/<id>.json`: each document's title, URL, description, section and first words, fetched
//!   only for the results on screen.
//!
//! In the offline copy each file is `<name>.js` instead, a script that hands its data to
//! `window.siteSearch.add(name, data)`. This module knows nothing of `Site`: [`docs`] turns one
//! into plain [`Doc`]s, and a caller with several languages calls [`build`] once per language
//! with that language's documents.

mod index;
mod terms;
pub mod text;

pub use index::{entry, folder, Entry, Live, Out};
pub use text::Language;

use crate::page::Page;
use crate::site::Site;

/// The folder every language's search files live in, under the language's URL prefix.
pub const FOLDER: &str = "search-index";

/// One searchable page, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Doc<'a> {
    /// The page's title.
    pub title: &'a str,
    /// Its site-root URL (`/alcohol/x/`, `/es/alcohol/x/`).
    pub url: &'a str,
    /// Its description.
    pub description: &'a str,
    /// The title of its section, or empty.
    pub section: &'a str,
    /// Headings and tag titles.
    pub keys: Vec<&'a str>,
    /// The body as plain prose.
    pub body: &'a str,
}

/// The search files of one language's documents, newest (or most wanted first): `lang` is
/// the language code (`en`, `es`) that picks stop words and suffixes, `url_prefix` is `""` or
/// the language's part of the URL (`/es`), and `offline` makes scripts instead of JSON.
/// Ties in ranking go to the earlier document.
#[cfg(test)]
pub fn build(
    lang: &str,
    url_prefix: &str,
    docs: &[Doc<'_>],
    offline: bool,
) -> Vec<crate::publish::Output> {
    let mut outputs = Vec::new();
    index::build(Language::of(lang), url_prefix, docs, offline, &mut |o| {
        outputs.push(o);
    });
    outputs
}

/// The searchable pages of `site` in language `lang`, in [`order`].
pub fn docs(site: &Site, lang: usize) -> Vec<Doc<'_>> {
    order(site, lang)
        .into_iter()
        .filter_map(|p| site.pages.get(p))
        .map(|page| doc(site, page))
        .collect()
}

/// The documents of language `lang`'s index (indices into `site.pages`: the listed articles),
/// numbered in this order: newest first, then by URL. Ranking ties go to the earlier document,
/// so to the newer article. Not by title, as the site's lists are: then a title edit moves no
/// document, and `serve` edits the one document's entry instead of numbering the documents
/// between its old and new place again (and rewriting most of the index's files).
pub fn order(site: &Site, lang: usize) -> Vec<usize> {
    let mut order: Vec<usize> = site.order_in(lang).collect();
    // `order_in` is newest first already: only the articles of one date are sorted again.
    for same_date in order.chunk_by_mut(|&a, &b| site.pages[a].date == site.pages[b].date) {
        same_date.sort_unstable_by(|&a, &b| site.pages[a].url.cmp(&site.pages[b].url));
    }
    order
}

/// What search sees of `page`: its title, URL, description, section title, headings and tag
/// titles as keys, and its prose.
pub fn doc<'s>(site: &'s Site, page: &'s Page) -> Doc<'s> {
    let mut keys: Vec<&str> = page
        .body
        .headings
        .iter()
        .map(|h| h.title.as_str())
        .collect();
    keys.extend(
        page.tags
            .iter()
            .filter_map(|t| site.tag(page.lang, t))
            .map(|t| t.text.title.as_str()),
    );
    Doc {
        title: &page.title,
        url: &page.url,
        description: &page.description,
        section: site.section_of(page).map_or("", |s| s.title.as_str()),
        keys,
        body: &page.body.prose,
    }
}

/// The search files of `site`'s language `lang`, made afresh, each handed to `out` as soon as
/// it is made.
pub fn of_site(site: &Site, lang: usize, out: &mut index::Out<'_>) {
    let language = &site.langs[lang];
    index::build(
        Language::of(&language.code),
        &language.lang().url(""),
        &docs(site, lang),
        site.config.offline,
        out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPANISH_DOCS: [(&str, &str, &str); 4] = [
        (
            "Beber alcohol mientras toma naltrexona",
            "/es/alcohol/beber/",
            "Si bebe alcohol con naltrexona, la bebida le da menos placer. Beber poco es más seguro.",
        ),
        (
            "Embarazo y lactancia",
            "/es/vida/embarazo/",
            "Si está embarazada o busca un embarazo, hable con su médico antes de empezar.",
        ),
        (
            "Vivitrol, la inyección mensual",
            "/es/tratamiento/vivitrol/",
            "La inyección se pone en el músculo una vez al mes. Las inyecciones duelen poco.",
        ),
        (
            "Efectos secundarios",
            "/es/vida/efectos/",
            "Náuseas, dolor de cabeza y cansancio son los efectos más comunes.",
        ),
    ];
    const ENGLISH_DOCS: [(&str, &str, &str); 3] = [
        (
            "Drinking on naltrexone",
            "/alcohol/drinking-on-naltrexone/",
            "If you drink while taking naltrexone, drinks feel less rewarding.",
        ),
        (
            "Side effects",
            "/living/side-effects/",
            "Nausea and headache are the most common side effects of naltrexone.",
        ),
        (
            "Naltrexone and pregnancy",
            "/living/pregnancy/",
            "Talk to your prescriber if you are pregnant.",
        ),
    ];

    fn docs<'a>(table: &'a [(&'a str, &'a str, &'a str)]) -> Vec<Doc<'a>> {
        table
            .iter()
            .map(|&(title, url, body)| Doc {
                title,
                url,
                description: "",
                section: "",
                keys: vec![],
                body,
            })
            .collect()
    }

    #[test]
    fn a_site_gets_its_files_in_its_language_folder() {
        let out = build("es", "/es", &docs(&SPANISH_DOCS), false);
        assert!(out.iter().all(|o| o.path.starts_with("es/search-index/")));
        assert!(out
            .iter()
            .any(|o| o.path == "es/search-index/manifest.json"));
        // The route table's entry is the manifest, in this folder.
        assert_eq!(
            crate::route::SEARCH_INDEX,
            format!("/{FOLDER}/manifest.json")
        );
    }

    /// `static/search.js`, run by node on the files built here, must fold, stem and find as the
    /// Rust side does. Skipped when `node` is missing, unless `SITE_REQUIRE_NODE` is set (CI).
    #[test]
    fn the_browser_side_agrees() {
        let root = env!("CARGO_MANIFEST_DIR");
        let node = std::process::Command::new("node").arg("--version").output();
        if node.is_err() {
            assert!(
                std::env::var_os("SITE_REQUIRE_NODE").is_none(),
                "`node` is needed for this test (SITE_REQUIRE_NODE is set)"
            );
            eprintln!("skipped: `node` is not installed");
            return;
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let samples = [
            "Beber",
            "bebida",
            "BEBIDAS",
            "bebiendo",
            "embarazada",
            "Embarazo",
            "inyección",
            "INYECCIÓN",
            "inyeccio\u{301}n",
            "inyecciones",
            "naltrexona",
            "Drinking",
            "drinks",
            "stresses",
            "pregnancies",
            "ΟΔΟΣ",
            "straße",
            "Ærø",
            "año",
            "1-800-662-4357",
        ];
        let mut cases = Vec::new();
        for (lang, prefix, table, queries) in [
            (
                "es",
                "/es",
                &SPANISH_DOCS[..],
                json!([
                    {"q": "beber", "first": "/es/alcohol/beber/", "absent": ["/es/vida/embarazo/"]},
                    {"q": "bebidas", "first": "/es/alcohol/beber/"},
                    {"q": "embarazo", "first": "/es/vida/embarazo/", "absent": ["/es/alcohol/beber/"]},
                    {"q": "embarazada", "first": "/es/vida/embarazo/"},
                    {"q": "inyeccion", "first": "/es/tratamiento/vivitrol/"},
                    {"q": "Inyección mensual", "first": "/es/tratamiento/vivitrol/"},
                    {"q": "efectos secundarios", "first": "/es/vida/efectos/"},
                ]),
            ),
            (
                "en",
                "",
                &ENGLISH_DOCS[..],
                json!([
                    {"q": "drinking", "first": "/alcohol/drinking-on-naltrexone/", "absent": ["/living/pregnancy/"]},
                    {"q": "drink", "first": "/alcohol/drinking-on-naltrexone/"},
                    {"q": "Drinks", "first": "/alcohol/drinking-on-naltrexone/"},
                    {"q": "side effects", "first": "/living/side-effects/"},
                    {"q": "naltrex", "first": "/alcohol/drinking-on-naltrexone/"},
                    {"q": "pregnant", "first": "/living/pregnancy/"},
                ]),
            ),
        ] {
            let language = Language::of(lang);
            for offline in [false, true] {
                let outputs = build(lang, prefix, &docs(table), offline);
                let sub = dir.path().join(format!("{lang}-{offline}"));
                for output in &outputs {
                    let path = sub.join(&output.path);
                    std::fs::create_dir_all(path.parent().expect("a folder"))
                        .expect("the folder is made");
                    std::fs::write(&path, &output.bytes).expect("the file is written");
                }
                let folds: Vec<(&str, String)> =
                    samples.iter().map(|s| (*s, text::fold(s))).collect();
                let stems: Vec<(String, String)> = samples
                    .iter()
                    .flat_map(|s| {
                        text::words(&text::fold(s))
                            .map(|w| w.to_owned())
                            .collect::<Vec<_>>()
                    })
                    .map(|w| (w.clone(), language.stem(&w).into_owned()))
                    .collect();
                let terms: Vec<(&str, Vec<String>)> = table
                    .iter()
                    .flat_map(|(t, _, b)| [*t, *b])
                    .chain(samples)
                    .map(|s| {
                        // The query side drops repeated terms.
                        let mut terms = language.terms(s);
                        let mut seen = std::collections::HashSet::new();
                        terms.retain(|t| seen.insert(t.clone()));
                        (s, terms)
                    })
                    .collect();
                cases.push(json!({
                    "lang": lang,
                    "offline": offline,
                    "dir": sub.join(prefix.trim_start_matches('/')).join(FOLDER),
                    "folds": folds,
                    "stems": stems,
                    "terms": terms,
                    "queries": queries,
                }));
            }
        }
        let file = dir.path().join("cases.json");
        let all = json!({"script": format!("{root}/static/search.js"), "cases": cases});
        std::fs::write(&file, all.to_string()).expect("the cases are written");
        let out = std::process::Command::new("node")
            .arg(format!("{root}/scripts/search-test.mjs"))
            .arg(&file)
            .output()
            .expect("node runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "scripts/search-test.mjs failed:\n{text}"
        );
    }
}
