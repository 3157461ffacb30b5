//! Content rules for `site check`: what makes a health site trustworthy beyond "it builds".
//! Medical review freshness, references, readability, descriptions, headings, images, orphans
//! and unused tags. Each rule has an id (listed in the README) and returns located diagnostics;
//! none of them stops the others.

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::front_matter::Reference;
use crate::page::Page;
use crate::readability;
use crate::site::Site;
use std::collections::{HashMap, HashSet};

/// One row of `site check --report`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The article's file.
    pub file: String,
    /// Flesch-Kincaid grade of its prose.
    pub grade: Option<f64>,
    /// Words in the body.
    pub words: usize,
    /// Minutes.
    pub reading_time: usize,
    /// Days since `reviewed`, if reviewed.
    pub review_age: Option<i64>,
}

/// Runs every rule over the site.
pub fn check(site: &Site, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for page in &site.pages {
        description(
            &page.file,
            &page.description,
            page.keys.line("description"),
            &mut out,
        );
        title(page, &mut out);
        review(site, page, today, &mut out);
        references(
            &page.file,
            &page.references,
            // References a shortcode cites from a fact sheet count (checked in `data`).
            page.medical && page.body.cited.is_empty(),
            page.keys.line("references"),
            &mut out,
        );
        body(&page.file, page, &mut out);
        readability_rule(site, page, &mut out);
    }
    for section in site.sections.iter().chain([&site.home]) {
        if section.title.is_empty() && section.description.is_empty() {
            continue; // the stand-in for a home page that failed to parse, reported already
        }
        description(
            &section.file,
            &section.description,
            section.keys.line("description"),
            &mut out,
        );
    }
    for tag in site.tags.iter() {
        description(
            &tag.text.file,
            &tag.text.description,
            tag.text.keys.line("description"),
            &mut out,
        );
        references(
            &tag.text.file,
            &tag.text.references,
            false,
            tag.text.keys.line("references"),
            &mut out,
        );
        if tag.pages.is_empty() {
            out.push(
                Diagnostic::warning(
                    &tag.text.file,
                    "unused-tag",
                    format!("no article uses the tag `{}`", tag.text.name),
                )
                .at(1, 1)
                .help("tag an article with it, or delete the file"),
            );
        }
    }
    let bodies = site
        .pages
        .iter()
        .map(|p| (&p.file, &p.body))
        .chain(
            site.sections
                .iter()
                .chain([&site.home])
                .map(|s| (&s.file, &s.body)),
        )
        .chain(site.tags.iter().map(|t| (&t.text.file, &t.text.body)));
    for (file, body) in bodies {
        raw_root_links(site, file, body, &mut out);
    }
    duplicate_titles(site, &mut out);
    orphans(site, &mut out);
    out
}

/// Site-root addresses in raw HTML (`<a href="/alcohol/">`): raw HTML is copied as it is, so
/// they skip the base path and the offline copy's file links. An error when the site has a
/// base path (the link is broken there), a warning otherwise.
fn raw_root_links(
    site: &Site,
    file: &str,
    body: &crate::markdown::Rendered,
    out: &mut Vec<Diagnostic>,
) {
    let base = site.config.base_path();
    for (line, column, url) in &body.raw_root_links {
        let message = format!("raw HTML links to the site-root address `{url}`");
        let d = if base.is_empty() {
            Diagnostic::warning(
                file,
                "raw-root-link",
                format!("{message}, which breaks in the offline copy and under a base path"),
            )
        } else {
            Diagnostic::error(
                file,
                "raw-root-link",
                format!("{message}, which misses the base path `{base}`"),
            )
        };
        out.push(d.at(*line, *column).help(
            "write it as a Markdown link, `[text](../section/page.md)` or `[text](/file.pdf)`, which follows the base path",
        ));
    }
}

/// The `--report` table: every article's grade, words, reading time and review age.
pub fn report(site: &Site, today: Date) -> Vec<Row> {
    let mut rows: Vec<Row> = site
        .pages
        .iter()
        .map(|p| Row {
            file: p.file.clone(),
            grade: readability::count(&p.body.prose).grade(),
            words: p.body.word_count,
            reading_time: p.reading_time(),
            review_age: p.reviewed.map(|r| today.days() - r.days()),
        })
        .collect();
    rows.sort_by(|a, b| a.file.cmp(&b.file));
    rows
}

fn description(file: &str, text: &str, line: usize, out: &mut Vec<Diagnostic>) {
    let n = text.trim().chars().count();
    if !(50..=160).contains(&n) {
        out.push(
            Diagnostic::error(file, "description-length", format!("`description` is {n} characters; it must be 50 to 160"))
                .at(line, 1)
                .help("one or two plain sentences saying what the reader will learn; search engines cut longer ones"),
        );
    }
}

fn title(page: &Page, out: &mut Vec<Diagnostic>) {
    let n = page.title.trim().chars().count();
    if !(10..=70).contains(&n) {
        out.push(
            Diagnostic::warning(
                &page.file,
                "title-length",
                format!("`title` is {n} characters; 10 to 70 reads best in results and tabs"),
            )
            .at(page.keys.line("title"), 1),
        );
    }
}

fn review(site: &Site, page: &Page, today: Date, out: &mut Vec<Diagnostic>) {
    if !page.medical {
        return;
    }
    let max = i64::from(site.config.review_max_age_days);
    let Some(reviewed) = page.reviewed else {
        out.push(
            Diagnostic::error(&page.file, "review-missing", "medical article has no `reviewed` date")
                .at(1, 1)
                .help("add `reviewed: YYYY-MM-DD` with the date of its last medical review, or `medical: false`"),
        );
        return;
    };
    let line = page.keys.line("reviewed");
    let age = today.days() - reviewed.days();
    if age < 0 {
        out.push(
            Diagnostic::error(
                &page.file,
                "review-future",
                format!("`reviewed` {reviewed} is in the future"),
            )
            .at(line, 1)
            .help(format!(
                "use the date the review happened, on or before {today}"
            )),
        );
    } else if age > 2 * max {
        out.push(
            Diagnostic::error(&page.file, "review-stale", format!("last medical review was {age} days ago ({reviewed}); the limit is {max}, and past {} it is an error", 2 * max))
                .at(line, 1)
                .help("have the article reviewed against current labels and guidelines, then update `reviewed`"),
        );
    } else if age > max {
        out.push(
            Diagnostic::warning(&page.file, "review-stale", format!("last medical review was {age} days ago ({reviewed}); review is due every {max} days"))
                .at(line, 1)
                .help("have the article reviewed against current labels and guidelines, then update `reviewed`"),
        );
    }
    if let (Some(updated), true) = (page.updated, page.updated.is_some_and(|u| u > today)) {
        out.push(
            Diagnostic::error(
                &page.file,
                "date-future",
                format!("`updated` {updated} is in the future"),
            )
            .at(page.keys.line("updated"), 1),
        );
    }
    if page.date > today {
        out.push(
            Diagnostic::warning(
                &page.file,
                "date-future",
                format!("`date` {} is in the future", page.date),
            )
            .at(page.keys.line("date"), 1),
        );
    }
}

fn references(
    file: &str,
    refs: &[Reference],
    required: bool,
    line: usize,
    out: &mut Vec<Diagnostic>,
) {
    if required && refs.is_empty() {
        out.push(
            Diagnostic::error(file, "references-missing", "medical article has no `references`")
                .at(line, 1)
                .help("cite the label, guideline or study each medical statement comes from, each with `title` and `url`"),
        );
    }
    let mut seen: HashSet<String> = HashSet::new();
    for (i, r) in refs.iter().enumerate() {
        let n = i + 1;
        if r.title.trim().is_empty() {
            out.push(
                Diagnostic::error(
                    file,
                    "reference-source",
                    format!("reference {n} has an empty `title`"),
                )
                .at(line, 1),
            );
        }
        match (&r.url, &r.doi, &r.pmid) {
            (Some(url), _, _) if !url.starts_with("https://") => out.push(
                Diagnostic::error(
                    file,
                    "reference-source",
                    format!(
                        "reference {n} (`{}`) has a `url` that is not `https://`",
                        r.title
                    ),
                )
                .at(line, 1)
                .help("link the secure address of the primary source"),
            ),
            (None, None, None) => out.push(
                Diagnostic::error(
                    file,
                    "reference-source",
                    format!(
                        "reference {n} (`{}`) has no `url`, `doi` or `pmid`",
                        r.title
                    ),
                )
                .at(line, 1)
                .help("add an `https://` `url` to the primary source, or its `doi` or `pmid`"),
            ),
            _ => {}
        }
        if let Some(doi) = &r.doi {
            if !doi.trim().starts_with("10.") {
                out.push(
                    Diagnostic::error(
                        file,
                        "reference-source",
                        format!("reference {n} has a `doi` `{doi}` that does not start with `10.`"),
                    )
                    .at(line, 1),
                );
            }
        }
        let key = r.href().unwrap_or_else(|| r.title.to_lowercase());
        if !seen.insert(key) {
            out.push(
                Diagnostic::warning(
                    file,
                    "reference-duplicate",
                    format!("reference {n} (`{}`) repeats an earlier one", r.title),
                )
                .at(line, 1),
            );
        }
    }
}

fn body(file: &str, page: &Page, out: &mut Vec<Diagnostic>) {
    for image in &page.body.images {
        if image.alt.trim().is_empty() {
            out.push(
                Diagnostic::error(
                    file,
                    "image-alt",
                    format!("image `{}` has no alt text", image.src),
                )
                .at(image.line, image.column)
                .help("describe what the image shows: `![what it shows](/images/x.png)`"),
            );
        }
    }
    for &(line, column) in &page.body.empty_links {
        out.push(
            Diagnostic::error(file, "empty-link", "link has no text")
                .at(line, column)
                .help("screen readers announce the link by its text: write what it leads to between the brackets"),
        );
    }
    let mut previous = 1u8;
    for h in &page.body.headings {
        if h.level == 1 {
            out.push(
                Diagnostic::warning(
                    file,
                    "heading-level",
                    format!(
                        "`# {}` is a level-1 heading; the page title is the only one",
                        h.title
                    ),
                )
                .at(h.line, 1)
                .help("use `##` for the article's sections"),
            );
        } else if h.level > previous + 1 {
            out.push(
                Diagnostic::warning(
                    file,
                    "heading-level",
                    format!(
                        "heading `{}` skips from level {previous} to level {}",
                        h.title, h.level
                    ),
                )
                .at(h.line, 1)
                .help(format!(
                    "use {} for it",
                    "#".repeat(usize::from(previous) + 1)
                )),
            );
        }
        previous = h.level;
    }
}

fn readability_rule(site: &Site, page: &Page, out: &mut Vec<Diagnostic>) {
    let Some(grade) = readability::count(&page.body.prose).grade() else {
        return;
    };
    let max = site.config.max_reading_grade;
    if grade > max {
        out.push(
            Diagnostic::warning(&page.file, "readability", format!("reading grade is {grade:.1} (Flesch-Kincaid); the site aims for {max:.0} or below"))
                .at(page.keys.line("title"), 1)
                .help("shorten sentences and use common words; explain medical terms in plain ones"),
        );
    }
}

fn duplicate_titles(site: &Site, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    // Newest first: the older of two pages is the one told it repeats a title.
    for page in site.order.iter().map(|&p| &site.pages[p]) {
        if let Some(other) = seen.insert(page.title.trim().to_lowercase(), &page.file) {
            out.push(
                Diagnostic::warning(
                    &page.file,
                    "duplicate-title",
                    format!("`{other}` has the same title"),
                )
                .at(page.keys.line("title"), 1)
                .help("readers and search results cannot tell them apart"),
            );
        }
    }
}

fn orphans(site: &Site, out: &mut Vec<Diagnostic>) {
    let mut linked: HashSet<&str> = HashSet::new();
    let bodies = site
        .pages
        .iter()
        .map(|p| &p.body)
        .chain(site.sections.iter().map(|s| &s.body))
        .chain([&site.home.body])
        .chain(site.tags.iter().map(|t| &t.text.body));
    for body in bodies {
        linked.extend(body.links_to.iter().map(String::as_str));
    }
    for page in &site.pages {
        // A page kept out of lists is reached from the templates (a footer link), not content.
        if page.listed && page.tags.is_empty() && !linked.contains(page.rel.as_str()) {
            out.push(
                Diagnostic::warning(
                    &page.file,
                    "orphan",
                    "no page links here and it has no tags",
                )
                .at(1, 1)
                .help("link to it from a related article, or tag it"),
            );
        }
    }
}
