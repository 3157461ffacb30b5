//! The whole single-file pipeline: a file (first byte picks where it sits: article, section,
//! home or tag page) through `page::parse` (front matter, place, URL), its aliases checked,
//! its body rendered with links resolved, turned into a `Page`/`Section`/`TagText`, and every
//! diagnostic displayed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use naltrexone_site::internals::config::Config;
use naltrexone_site::internals::lang;
use naltrexone_site::internals::links::LinkTable;
use naltrexone_site::internals::page::{self, Front};
use naltrexone_site::internals::source::Source;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // What `source` does to every file before parsing: no BOM, `\n` line ends.
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let rel = match kind % 8 {
        0 => "care/x.md",
        1 => "care/_index.md",
        2 => "_index.md",
        3 => "tags/care.md",
        4 => "care/x.es.md",
        5 => "care/_index.es.md",
        6 => "tags/care.es.md",
        _ => "x.md",
    };
    // A site in English and Spanish.
    let Ok(config) = Config::parse(
        "title: T\nbase_url: https://x.org\ndescription: D\nlanguages:\n  es:\n    title: T\n    description: D\n",
        None,
    ) else {
        return;
    };
    let langs = lang::languages(&config, &[], &mut Vec::new());
    let source = Source {
        path: format!("content/{rel}"),
        rel: rel.to_owned(),
        text: text.into(),
    };
    let parsed = match page::parse(source, &langs) {
        Ok(parsed) => parsed,
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed parse says why");
            errors.iter().for_each(|d| drop(d.to_string()));
            return;
        }
    };
    assert!(
        parsed.url.starts_with('/') && parsed.url.ends_with('/'),
        "{}",
        parsed.url
    );
    assert!(!parsed.url.contains(".."), "{}", parsed.url);
    if let Front::Article(front) = &parsed.front {
        for alias in &front.aliases {
            if let Ok(path) = page::alias_path(alias) {
                assert!(
                    !path.split('/').any(|s| s == ".." || s == "."),
                    "alias `{alias}` escapes: {path}"
                );
            }
        }
    }
    let mut table = LinkTable::default();
    table.langs = langs
        .iter()
        .map(naltrexone_site::internals::links::LinkLang::of)
        .collect();
    table
        .pages
        .insert(parsed.source.rel.clone(), parsed.url.clone());
    table
        .pages
        .insert("care/other.md".into(), "/care/other/".into());
    table.pages.insert("_index.md".into(), "/".into());
    table.files.insert("style.css".into());
    let body = Arc::new(parsed.render(&table));
    body.diagnostics.iter().for_each(|d| drop(d.to_string()));
    match &parsed.front {
        Front::Article(front) => {
            let page = page::article(&parsed, front, Arc::clone(&body), true);
            let _ = page.reading_time();
        }
        Front::Section(front) => drop(page::section(&parsed, front, body)),
        Front::Tag(front) => drop(page::tag(&parsed, front, body)),
    }
});
