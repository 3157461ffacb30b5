//! Content rules for `site check`: what makes a health site trustworthy beyond "it builds".
//! Medical review freshness, references, readability, descriptions, headings, images, orphans
//! and unused tags; the rules about translations are in `lint::translation`. Each rule has an
//! id (listed in the README) and returns located diagnostics; none of them stops the others.
//!
//! Readability is measured by the page's language: the Flesch-Kincaid grade for English, the
//! Szigriszt-Pazos index on the INFLESZ scale for Spanish (both in `readability`), nothing for
//! a language without a formula here.

mod translation;

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
    /// Its language's code (`en`, `es`).
    pub lang: String,
    /// Whether it is a translation (not in the site's default language).
    pub translation: bool,
    /// Flesch-Kincaid grade of its prose (English pages).
    pub grade: Option<f64>,
    /// Szigriszt-Pazos index of its prose, read on the INFLESZ scale (Spanish pages).
    pub inflesz: Option<f64>,
    /// Words in the body.
    pub words: usize,
    /// Minutes.
    pub reading_time: usize,
    /// Days since `reviewed`, if reviewed.
    pub review_age: Option<i64>,
    /// For an original: the codes of the site's other languages it has no published
    /// translation in (empty for a translation).
    pub untranslated: Vec<String>,
    /// For a translation: its links to pages that have no version in its language, which go
    /// to the original instead.
    pub untranslated_links: Vec<UntranslatedLink>,
}

/// A translation's link to a page with no version in the translation's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UntranslatedLink {
    /// 1-based line of the link in the translation's file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The target's file (`content/alcohol/x.md`).
    pub target: String,
}

/// The readability formula a language's pages are measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Formula {
    /// English: the Flesch-Kincaid grade, lower is easier.
    FleschKincaid,
    /// Spanish: the Szigriszt-Pazos index on the INFLESZ scale, higher is easier.
    Szigriszt,
}

impl Formula {
    /// The formula for a language code (`en`, `en-US`, `es`), by its primary subtag; none for
    /// a language neither formula was made for.
    fn of(code: &str) -> Option<Self> {
        match code
            .split(['-', '_'])
            .next()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("en") => Some(Self::FleschKincaid),
            Some("es") => Some(Self::Szigriszt),
            _ => None,
        }
    }

    /// The formula for `page`'s language.
    fn of_page(site: &Site, page: &Page) -> Option<Self> {
        site.langs.get(page.lang).and_then(|l| Self::of(&l.code))
    }

    /// The score of `prose`, or `None` when it has no words.
    fn score(self, prose: &str) -> Option<f64> {
        match self {
            Self::FleschKincaid => readability::count(prose).grade(),
            Self::Szigriszt => readability::count_es(prose).szigriszt(),
        }
    }
}

/// Runs every rule over the site. `files` are the paths under `content/` of every Markdown
/// file there, read or not, parsed or not: a translation's original is gone only when none of
/// them is its file.
pub fn check(site: &Site, files: &[String], today: Date) -> Vec<Diagnostic> {
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
    for section in site.sections.iter().chain(&site.homes) {
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
                .chain(&site.homes)
                .map(|s| (&s.file, &s.body)),
        )
        .chain(site.tags.iter().map(|t| (&t.text.file, &t.text.body)));
    for (file, body) in bodies {
        raw_root_links(site, file, body, &mut out);
    }
    duplicate_titles(site, &mut out);
    orphans(site, &mut out);
    translation::check(site, files, &mut out);
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

/// The `--report` table: every article's readability, words, reading time and review age,
/// the languages an original has no translation in, and a translation's links that go to an
/// untranslated original.
pub fn report(site: &Site, today: Date) -> Vec<Row> {
    let mut rows: Vec<Row> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let formula = Formula::of_page(site, p);
            let score = |f: Formula| {
                formula
                    .filter(|&g| g == f)
                    .and_then(|f| f.score(&p.body.prose))
            };
            let untranslated = if p.lang == 0 {
                let have: Vec<usize> = site.versions(i).iter().map(|(l, _)| *l).collect();
                site.langs
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(l, _)| !have.contains(l))
                    .map(|(_, language)| language.code.clone())
                    .collect()
            } else {
                Vec::new()
            };
            Row {
                file: p.file.clone(),
                lang: site
                    .langs
                    .get(p.lang)
                    .map(|l| l.code.clone())
                    .unwrap_or_default(),
                translation: p.lang > 0,
                grade: score(Formula::FleschKincaid),
                inflesz: score(Formula::Szigriszt),
                words: p.body.word_count,
                reading_time: p.reading_time(),
                review_age: p.reviewed.map(|r| today.days() - r.days()),
                untranslated,
                untranslated_links: p
                    .body
                    .untranslated_links
                    .iter()
                    .map(|(line, column, target)| UntranslatedLink {
                        line: *line,
                        column: *column,
                        target: format!("content/{target}"),
                    })
                    .collect(),
            }
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

/// `readability`, one rule for every language with a formula: the Flesch-Kincaid grade above
/// `max_reading_grade` for English, the Szigriszt-Pazos index below `min_inflesz` for Spanish.
fn readability_rule(site: &Site, page: &Page, out: &mut Vec<Diagnostic>) {
    let Some(formula) = Formula::of_page(site, page) else {
        return;
    };
    let Some(score) = formula.score(&page.body.prose) else {
        return;
    };
    let line = page.keys.line("title");
    match formula {
        Formula::FleschKincaid => {
            let max = site.config.max_reading_grade;
            if score > max {
                out.push(
                    Diagnostic::warning(&page.file, "readability", format!("reading grade is {score:.1} (Flesch-Kincaid); the site aims for {max:.0} or below"))
                        .at(line, 1)
                        .help("shorten sentences and use common words; explain medical terms in plain ones"),
                );
            }
        }
        Formula::Szigriszt => {
            let min = site.config.min_inflesz;
            if score < min {
                let band = readability::Inflesz::of(score).label();
                out.push(
                    Diagnostic::warning(&page.file, "readability", format!("the Szigriszt-Pazos index is {score:.1} ({band} on the INFLESZ scale); the site aims for {min:.0} or above"))
                        .at(line, 1)
                        .help("use shorter sentences and shorter, common words; explain each medical word in plain ones"),
                );
            }
        }
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
        .chain(site.homes.iter().map(|h| &h.body))
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
