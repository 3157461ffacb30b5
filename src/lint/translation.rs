//! The rules about translations. A translation is `<name>.<code>.md` beside its original
//! `<name>.md` (`lang::split_suffix` tells which file is which; `Site::translations` joins an
//! article with its versions):
//!
//! * `translation-orphan`: a translation whose original has no file at all. An original that
//!   is a draft or failed to parse still has its file, so its translations are no orphans.
//! * `translation-stale`: the original was updated or reviewed after the translation was last
//!   dated, updated or reviewed: a medical change may not have reached the translation.
//! * `translation-numbers`: the numbers in a translation's body differ from its original's, as
//!   multisets (order is free: "27 de noviembre de 2026" has the numbers of "November 27,
//!   2026"). Thousands separators are ignored (`23,000` is `23000`), but a decimal comma is no
//!   decimal: `0,5` is the numbers 0 and 5, so it differs from `0.5`, as a dose must never be
//!   written in a way a reader of the original could misread. Link targets, citation markers
//!   (`[1](#ref-1)`), autolinks, code blocks, raw HTML and shortcode calls are not text.

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::page::{Page, Place};
use crate::site::Site;
use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, HashSet};

/// Runs the translation rules; `files` are every Markdown file's path under `content/`.
pub(super) fn check(site: &Site, files: &[String], out: &mut Vec<Diagnostic>) {
    orphans(site, files, out);
    for page in &site.pages {
        stale(site, page, out);
    }
    for (translation, original) in pairs(site) {
        numbers(translation, original, out);
    }
}

/// `translation-orphan`: a translation with no file of its original.
fn orphans(site: &Site, files: &[String], out: &mut Vec<Diagnostic>) {
    let codes: Vec<String> = site.langs.iter().skip(1).map(|l| l.code.clone()).collect();
    let present: HashSet<&str> = files.iter().map(String::as_str).collect();
    for rel in files {
        let (Some(_), original) = crate::lang::split_suffix(rel, &codes) else {
            continue;
        };
        if present.contains(original.as_str()) {
            continue;
        }
        let what = match Place::of(&original) {
            Ok(Place::Home) => "home page",
            Ok(Place::Section(_)) => "section page",
            Ok(Place::Tag(_)) => "tag page",
            _ => "article",
        };
        out.push(
            Diagnostic::error(
                format!("content/{rel}"),
                "translation-orphan",
                format!("this translates the {what} `content/{original}`, which does not exist"),
            )
            .at(1, 1)
            .help(format!(
                "restore `content/{original}`, rename this file after the original it translates, or delete it"
            )),
        );
    }
}

/// `translation-stale`: the original's last update or review is later than everything the
/// translation's dates say.
fn stale(site: &Site, page: &Page, out: &mut Vec<Diagnostic>) {
    if page.lang == 0 {
        return;
    }
    let Some(original) = site
        .translations
        .get(&page.original)
        .into_iter()
        .flatten()
        .map(|&q| &*site.pages[q])
        .find(|q| q.lang == 0)
    else {
        return; // gone (`translation-orphan`) or failed to parse (reported already)
    };
    let Some((theirs_key, theirs)) = latest(&[
        ("updated", original.updated),
        ("reviewed", original.reviewed),
    ]) else {
        return;
    };
    let (ours_key, ours) = latest(&[
        ("date", Some(page.date)),
        ("updated", page.updated),
        ("reviewed", page.reviewed),
    ])
    .unwrap_or(("date", page.date));
    if theirs <= ours {
        return;
    }
    out.push(
        Diagnostic::warning(
            &page.file,
            "translation-stale",
            format!(
                "the original `{}` was {theirs_key} on {theirs} (`{theirs_key}`), after this translation's latest date, `{ours_key}` {ours}",
                original.file
            ),
        )
        .at_in(&page.text, page.keys.line(ours_key), 1)
        .help("re-check the translation against the original and set `updated:` (or `reviewed:`)"),
    );
}

/// The latest of the dates given, with its key; a later key wins a tie.
fn latest<'a>(
    dates: &[(&'a str, Option<crate::date::Date>)],
) -> Option<(&'a str, crate::date::Date)> {
    dates
        .iter()
        .filter_map(|&(key, date)| date.map(|d| (key, d)))
        .max_by_key(|&(_, d)| d)
}

/// A file the numbers rule reads: its path and its whole text.
type Document<'a> = (&'a str, &'a str);

/// Every translation with its original, for articles, sections, home pages and tag pages.
fn pairs(site: &Site) -> Vec<(Document<'_>, Document<'_>)> {
    let mut found = Vec::new();
    for page in site.pages.iter().filter(|p| p.lang > 0) {
        let original = site
            .translations
            .get(&page.original)
            .into_iter()
            .flatten()
            .map(|&q| &site.pages[q])
            .find(|q| q.lang == 0);
        if let Some(original) = original {
            found.push((
                (page.file.as_str(), &*page.text),
                (original.file.as_str(), &*original.text),
            ));
        }
    }
    for section in site.sections.iter().filter(|s| s.lang > 0) {
        let original = site
            .sections
            .iter()
            .find(|s| s.lang == 0 && s.name == section.name);
        if let Some(original) = original {
            found.push((
                (section.file.as_str(), &*section.text),
                (original.file.as_str(), &*original.text),
            ));
        }
    }
    // A home page that failed to parse has a stand-in without title or description.
    let is_real = |h: &&crate::page::Section| !h.title.is_empty() || !h.description.is_empty();
    if let Some(home) = site.homes.first().filter(is_real) {
        for other in site.homes.iter().skip(1).filter(is_real) {
            found.push((
                (other.file.as_str(), &*other.text),
                (home.file.as_str(), &*home.text),
            ));
        }
    }
    for tag in site.tags.iter().filter(|t| t.text.lang > 0) {
        if let Some(original) = site.tag(0, &tag.text.name) {
            found.push((
                (tag.text.file.as_str(), &*tag.text.text),
                (original.text.file.as_str(), &*original.text.text),
            ));
        }
    }
    found
}

/// `translation-numbers`: the two bodies' numbers, compared as multisets.
fn numbers(translation: Document<'_>, original: Document<'_>, out: &mut Vec<Diagnostic>) {
    let (file, text) = translation;
    let ours = tally(numbers_in(text));
    let theirs = tally(numbers_in(original.1));
    let lines = |places: Option<&Vec<(usize, usize)>>| -> Vec<usize> {
        places.map_or_else(Vec::new, |p| p.iter().map(|&(line, _)| line).collect())
    };
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let mut first_extra: Option<(usize, usize)> = None;
    let values: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for value in values {
        let here = lines(ours.get(value));
        let there = lines(theirs.get(value));
        if here.len() < there.len() {
            let mut item = format!("`{value}` (original {}", place(&there));
            if !here.is_empty() {
                item.push_str(&format!("; here {}", place(&here)));
            }
            missing.push(item + ")");
        } else if here.len() > there.len() {
            let mut item = format!("`{value}` ({}", place(&here));
            if !there.is_empty() {
                item.push_str(&format!("; original {}", place(&there)));
            }
            extra.push(item + ")");
            let at = ours.get(value).and_then(|p| p.get(there.len())).copied();
            if let Some(at) = at {
                first_extra = Some(first_extra.map_or(at, |first| first.min(at)));
            }
        }
    }
    if missing.is_empty() && extra.is_empty() {
        return; // the same numbers, in another order
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("extra {}", extra.join(", ")));
    }
    let (line, column) = first_extra.unwrap_or((1, 1));
    out.push(
        Diagnostic::warning(
            file,
            "translation-numbers",
            format!(
                "the numbers differ from the original `{}`: {}",
                original.0,
                parts.join("; ")
            ),
        )
        .at_in(text, line, column)
        .help("give every number, dose and day of the original; write decimals with a point (`0.5`, never `0,5`)"),
    );
}

/// `line 12` or `lines 12, 30`.
fn place(lines: &[usize]) -> String {
    let list: Vec<String> = lines.iter().map(usize::to_string).collect();
    match list.len() {
        1 => format!("line {}", list[0]),
        _ => format!("lines {}", list.join(", ")),
    }
}

/// Each number's places (line, column), by value.
fn tally(numbers: Vec<(String, usize, usize)>) -> BTreeMap<String, Vec<(usize, usize)>> {
    let mut found: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (value, line, column) in numbers {
        found.entry(value).or_default().push((line, column));
    }
    found
}

/// The numbers in the text of a file's Markdown body, normalised, each with its line and
/// column in the file.
fn numbers_in(text: &str) -> Vec<(String, usize, usize)> {
    let Ok(split) = crate::front_matter::split("", text) else {
        return Vec::new();
    };
    let body = split.body;
    let calls = shortcode_calls(body);
    let index = LineIndex::new(text);
    let mut found = Vec::new();
    let mut run = Run::default();
    // Whether each open link's text is hidden (a citation marker, an autolink).
    let mut links: Vec<bool> = Vec::new();
    let mut code = false;
    let parser = Parser::new_ext(body, crate::markdown::options()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Text(t) if !code && !links.contains(&true) => run.push(&t, range.start),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) => {
                run.flush(&mut found);
                let hidden = matches!(link_type, LinkType::Autolink | LinkType::Email)
                    || dest_url.starts_with("#ref-");
                links.push(hidden);
            }
            Event::End(TagEnd::Link) => {
                run.flush(&mut found);
                links.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => {
                run.flush(&mut found);
                code = true;
            }
            Event::End(TagEnd::CodeBlock) => code = false,
            _ => run.flush(&mut found),
        }
    }
    run.flush(&mut found);
    found
        .into_iter()
        .filter(|(_, at)| !calls.iter().any(|c| c.contains(at)))
        .map(|(value, at)| {
            let (line, column) = index.locate(text, split.body_offset + at);
            (value, line, column)
        })
        .collect()
}

/// Text events in a row, joined so a number split across two of them is still one, with
/// where each piece starts in the body.
#[derive(Default)]
struct Run {
    text: String,
    /// (offset in `text`, offset in the body) of each piece.
    pieces: Vec<(usize, usize)>,
}

impl Run {
    fn push(&mut self, text: &str, at: usize) {
        self.pieces.push((self.text.len(), at));
        self.text.push_str(text);
    }

    /// The run's numbers, at their offsets in the body, into `found`; the run starts again.
    fn flush(&mut self, found: &mut Vec<(String, usize)>) {
        for (offset, value) in scan(&self.text) {
            let piece = self.pieces.partition_point(|&(start, _)| start <= offset);
            let (start, at) = self.pieces[piece.saturating_sub(1)];
            found.push((value, at + (offset - start)));
        }
        self.text.clear();
        self.pieces.clear();
    }
}

/// The byte ranges of the shortcode calls in `body` (`{{ ... }}`, `{% ... %}`): their
/// arguments are not text.
fn shortcode_calls(body: &str) -> Vec<std::ops::Range<usize>> {
    let mut calls = Vec::new();
    for (open, close) in [("{{", "}}"), ("{%", "%}")] {
        let mut from = 0;
        while let Some(start) = body[from..].find(open).map(|i| i + from) {
            let Some(end) = body[start..].find(close).map(|i| i + start + close.len()) else {
                break;
            };
            calls.push(start..end);
            from = end;
        }
    }
    calls
}

/// The numbers in `text`, normalised, with their byte offsets: `23,000` is `23000` (a comma
/// before exactly three digits, after at most three, groups thousands), `0.50` is `0.5`, and a
/// comma before any other count of digits ends the number (`0,5` is 0 and 5).
fn scan(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !digit(i) {
            i += 1;
            continue;
        }
        let start = i;
        while digit(i) {
            i += 1;
        }
        let mut whole = text[start..i].to_owned();
        if whole.len() <= 3 {
            while bytes.get(i) == Some(&b',') && (1..=3).all(|k| digit(i + k)) && !digit(i + 4) {
                whole.push_str(&text[i + 1..i + 4]);
                i += 4;
            }
        }
        let mut fraction = "";
        if bytes.get(i) == Some(&b'.') && digit(i + 1) {
            let from = i + 1;
            i = from;
            while digit(i) {
                i += 1;
            }
            fraction = &text[from..i];
        }
        found.push((start, normalise(&whole, fraction)));
    }
    found
}

/// `007` is `7`, `2.50` is `2.5`, `3.0` is `3`.
fn normalise(whole: &str, fraction: &str) -> String {
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    match fraction.trim_end_matches('0') {
        "" => whole.to_owned(),
        fraction => format!("{whole}.{fraction}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        scan(text).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn thousands_separators_are_ignored_and_decimal_commas_are_not_decimals() {
        assert_eq!(
            values("23,000 people, 1,000,000 doses"),
            ["23000", "1000000"]
        );
        assert_eq!(values("23000"), ["23000"]);
        assert_eq!(values("0.5 mg"), ["0.5"]);
        assert_eq!(values("0,5 mg"), ["0", "5"]);
        assert_eq!(
            values("1,5 o 1,50 o 1,5000"),
            ["1", "5", "1", "50", "1", "5000"]
        );
        assert_eq!(values("2.50 y 3.0 y 007"), ["2.5", "3", "7"]);
        assert_eq!(values("1-800-662-4357"), ["1", "800", "662", "4357"]);
        assert_eq!(values("el 9.8% en 2026."), ["9.8", "2026"]);
        assert_eq!(values("1234,567"), ["1234", "567"]);
        assert_eq!(values("1.ª dosis, día 3…"), ["1", "3"]);
    }

    #[test]
    fn numbers_skip_link_targets_citations_code_and_shortcodes() {
        let text = "---\ntitle: x\n---\nTake [50 mg](../a/b-2.md#dose-3) daily[1](#ref-1).\n\n<https://example.org/12>\n\n```\n99\n```\n\n{{ cite(id=\"x7\") }} and {% note(n=4) %}for 30 days{% end %}\n\n| 1 | 2 |\n|---|---|\n| 380 | 4 |\n";
        let found = numbers_in(text);
        let values: Vec<&str> = found.iter().map(|(v, _, _)| v.as_str()).collect();
        assert_eq!(values, ["50", "30", "1", "2", "380", "4"]);
        assert_eq!(
            (found[0].1, found[0].2),
            (4, 7),
            "line and column in the file"
        );
        assert_eq!(found[1].1, 12);
    }
}
