//! Markdown → HTML in one pass over pulldown-cmark's events, collecting on the way what the
//! rest of the site needs: headings with unique ids (the table of contents), the summary, word
//! count, plain text and prose (for related articles, search and readability), images, and
//! links, which are resolved to page URLs through the [`LinkTable`].
//!
//! Alerts (`> [!WARNING]`) become labelled callouts. Broken links are diagnostics at the link's
//! line and column in the file; `#anchor`s are returned for the site-wide check in `links.rs`.

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::links::{AnchorRef, LinkTable, Resolution};
use pulldown_cmark::{
    html, BlockQuoteKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;
use std::collections::HashSet;

/// A heading, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` attribute, unique on the page.
    pub id: String,
    /// The heading's text.
    pub title: String,
    /// 1-based line in the file, for lint rules.
    #[serde(skip)]
    pub line: usize,
}

/// An image in the body, for the alt-text and file checks.
#[derive(Debug, Clone)]
pub struct Image {
    /// The `src` as written.
    pub src: String,
    /// The alt text (may be empty).
    pub alt: String,
    /// 1-based line and column.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Everything one Markdown body turns into.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body as HTML.
    pub html: String,
    /// The first paragraph, or everything before `<!-- more -->`, as HTML.
    pub summary: String,
    /// Every heading, in order.
    pub headings: Vec<Heading>,
    /// Every id a link may target on this page (headings, footnotes).
    pub anchors: HashSet<String>,
    /// Words of text, code included.
    pub word_count: usize,
    /// Paragraph and list text only (no headings, tables or code), one block per line.
    pub prose: String,
    /// Images, for lint.
    pub images: Vec<Image>,
    /// Pages this body links to (source paths under `content/`).
    pub links_to: Vec<String>,
    /// Anchors to check once every page is rendered.
    pub anchor_refs: Vec<AnchorRef>,
    /// Links with no text, as (line, column), for lint.
    pub empty_links: Vec<(usize, usize)>,
    /// Links and images to other sites (`http:`/`https:`), as (line, column, address), for
    /// `site check --external`.
    pub external: Vec<(usize, usize, String)>,
    /// Broken links and duplicate heading ids.
    pub diagnostics: Vec<Diagnostic>,
    /// A hash of `html` and `summary`, so a rebuild can tell whether the body changed.
    pub hash: u64,
}

/// The Markdown dialect: CommonMark plus GFM tables, footnotes, strikethrough, task lists,
/// alerts, smart punctuation and `{#id}` heading attributes.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Where a body sits in its file, for locating diagnostics.
pub struct Location<'a> {
    /// Site-relative path (`content/alcohol/x.md`).
    pub file: &'a str,
    /// Path under `content/`, to resolve relative links.
    pub rel: &'a str,
    /// The whole file.
    pub text: &'a str,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
    /// How many references the front matter lists: each gets an anchor `ref-<n>`.
    pub reference_count: usize,
}

/// Renders `body` (found at `at`), resolving links through `links`.
pub fn render(body: &str, at: &Location<'_>, links: &LinkTable) -> Rendered {
    let lines = LineIndex::new(at.text);
    let locate = |offset: usize| lines.locate(at.text, at.body_offset + offset);
    let source_line = |line: usize| at.text.lines().nth(line - 1).unwrap_or("").to_owned();
    let mut out = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut heading: Option<(usize, HeadingLevel, Option<String>, Vec<Event<'_>>)> = None;
    let mut image: Option<Image> = None;
    let mut skip_prose = 0usize;
    let mut summary_end: Option<usize> = None;
    let mut more_at: Option<usize> = None;
    let mut depth = 0usize;
    let mut link: Option<(usize, usize, bool)> = None;

    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        if let Some((_, _, _, inner)) = heading.as_mut() {
            if !matches!(event, Event::End(TagEnd::Heading(_))) {
                inner.push(event);
                continue;
            }
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((range.start, level, id.map(|i| i.to_string()), Vec::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((start, level, id, inner)) = heading.take() else {
                    continue;
                };
                let title = plain(&inner);
                let (line, column) = locate(start);
                let id = match id {
                    Some(id) => {
                        if !used_ids.insert(id.clone()) {
                            out.diagnostics.push(
                                Diagnostic::error(
                                    at.file,
                                    "duplicate-anchor",
                                    format!("the heading id `{id}` is used twice on this page"),
                                )
                                .at_in(at.text, line, column)
                                .help("give each `{#id}` a different name"),
                            );
                        }
                        id
                    }
                    None => unique(slugify(&title), &mut used_ids),
                };
                out.word_count += title.split_whitespace().count();
                out.headings.push(Heading {
                    level: level as u8,
                    id: id.clone(),
                    title,
                    line,
                });
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(id)),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }));
                events.extend(inner);
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                depth += 1;
                let (class, label) = alert(kind);
                events.push(Event::Html(CowStr::from(format!(
                    "<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{label}\">\n<p class=\"callout-title\">{label}</p>\n"
                ))));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                depth = depth.saturating_sub(1);
                events.push(Event::Html(CowStr::from("</div>\n")));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (line, column) = locate(range.start);
                let href = match links.resolve(at.rel, &dest_url) {
                    Resolution::External => {
                        if is_web(&dest_url) {
                            out.external.push((line, column, dest_url.to_string()));
                        }
                        dest_url
                    }
                    Resolution::Page {
                        href,
                        source,
                        anchor,
                    } => {
                        if let Some(anchor) = anchor {
                            out.anchor_refs.push(AnchorRef {
                                file: at.file.to_owned(),
                                source_line: source_line(line),
                                line,
                                column,
                                target: source.clone(),
                                anchor,
                            });
                        }
                        if source != at.rel {
                            out.links_to.push(source);
                        }
                        CowStr::from(href)
                    }
                    Resolution::Broken { message, help } => {
                        out.diagnostics.push(
                            Diagnostic::error(at.file, "broken-link", message)
                                .at_in(at.text, line, column)
                                .help(help),
                        );
                        dest_url
                    }
                };
                link = Some((line, column, false));
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: href,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                if let Some((line, column, false)) = link.take() {
                    out.empty_links.push((line, column));
                }
                events.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (line, column) = locate(range.start);
                if is_web(&dest_url) {
                    out.external.push((line, column, dest_url.to_string()));
                }
                if let Resolution::Broken { message, help } = links.resolve(at.rel, &dest_url) {
                    out.diagnostics.push(
                        Diagnostic::error(
                            at.file,
                            "broken-image",
                            message.replace("link to", "image"),
                        )
                        .at_in(at.text, line, column)
                        .help(if dest_url.ends_with(".md") {
                            help
                        } else {
                            "put the image under `static/` (e.g. `static/images/x.png`) and write its path from there: `/images/x.png`".to_owned()
                        }),
                    );
                }
                if let Some(link) = link.as_mut() {
                    link.2 = true;
                }
                image = Some(Image {
                    src: dest_url.to_string(),
                    alt: String::new(),
                    line,
                    column,
                });
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Image) => {
                out.images.extend(image.take());
                events.push(Event::End(TagEnd::Image));
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                out.anchors.insert(label.to_string());
                depth += 1;
                events.push(Event::Start(Tag::FootnoteDefinition(label)));
            }
            Event::Start(tag @ (Tag::Table(_) | Tag::CodeBlock(_))) => {
                skip_prose += 1;
                depth += 1;
                events.push(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Table | TagEnd::CodeBlock)) => {
                skip_prose = skip_prose.saturating_sub(1);
                depth = depth.saturating_sub(1);
                events.push(Event::End(end));
            }
            Event::Start(tag @ (Tag::BlockQuote(None) | Tag::List(_))) => {
                depth += 1;
                events.push(Event::Start(tag));
            }
            Event::End(
                end @ (TagEnd::BlockQuote(None) | TagEnd::List(_) | TagEnd::FootnoteDefinition),
            ) => {
                depth = depth.saturating_sub(1);
                events.push(Event::End(end));
            }
            Event::End(end @ (TagEnd::Paragraph | TagEnd::Item)) => {
                if skip_prose == 0 && !out.prose.ends_with('\n') && !out.prose.is_empty() {
                    out.prose.push('\n');
                }
                events.push(Event::End(end));
                if end == TagEnd::Paragraph && depth == 0 && summary_end.is_none() {
                    summary_end = Some(events.len());
                }
            }
            Event::Text(ref text) | Event::Code(ref text) => {
                if let Some(image) = image.as_mut() {
                    image.alt.push_str(text);
                }
                if let Some(link) = link.as_mut() {
                    link.2 |= !text.trim().is_empty();
                }
                out.word_count += text.split_whitespace().count();
                if skip_prose == 0 {
                    out.prose.push_str(text);
                }
                events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                if skip_prose == 0 {
                    out.prose.push(' ');
                }
                events.push(event);
            }
            Event::Html(ref raw) | Event::InlineHtml(ref raw) if raw.trim() == "<!-- more -->" => {
                if more_at.is_none() {
                    more_at = Some(events.len());
                }
                events.push(event);
            }
            event => events.push(event),
        }
    }
    // An unclosed heading cannot happen with pulldown-cmark, but never drop text if it did.
    if let Some((_, _, _, inner)) = heading.take() {
        events.extend(inner);
    }
    for h in &out.headings {
        out.anchors.insert(h.id.clone());
    }
    for n in 1..=at.reference_count {
        out.anchors.insert(format!("ref-{n}"));
    }
    let summary_events = match (more_at, summary_end) {
        (Some(more), _) => &events[..more],
        (None, Some(end)) => {
            let start = events[..end]
                .iter()
                .rposition(|e| matches!(e, Event::Start(Tag::Paragraph)))
                .unwrap_or(0);
            &events[start..end]
        }
        (None, None) => &events[..0],
    };
    html::push_html(&mut out.summary, summary_events.iter().cloned());
    out.html.reserve(body.len() * 3 / 2);
    html::push_html(&mut out.html, events.into_iter());
    out.hash = crate::hash::of(&(&out.html, &out.summary));
    out
}

/// Whether a link goes to another web site.
fn is_web(dest: &str) -> bool {
    let lower = dest.trim_start().get(..8).unwrap_or(dest).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn alert(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

fn plain(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            text.push_str(t);
        }
    }
    text.trim().to_owned()
}

/// Lower-case ASCII letters and digits joined by single hyphens (`Is it safe?` → `is-it-safe`).
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = fold(c);
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() && c != '\'' && c != '’' {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Folds common accented Latin letters to ASCII so slugs stay readable.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        c => c,
    }
}

fn unique(base: String, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() {
        "section".to_owned()
    } else {
        base
    };
    if used.insert(base.clone()) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(body: &str) -> Rendered {
        let mut links = LinkTable::default();
        links.pages.insert("b/other.md".into(), "/b/other/".into());
        let at = Location {
            file: "content/a/x.md",
            rel: "a/x.md",
            text: body,
            body_offset: 0,
            reference_count: 0,
        };
        render(body, &at, &links)
    }

    #[test]
    fn slugifies_headings() {
        assert_eq!(slugify("Is it safe?"), "is-it-safe");
        assert_eq!(slugify("What's X:BOT — explained"), "whats-x-bot-explained");
        assert_eq!(slugify("Naltrexone & the liver"), "naltrexone-the-liver");
        assert_eq!(slugify("Über Café"), "uber-cafe");
    }

    #[test]
    fn gives_headings_unique_ids_and_a_toc() {
        let r = render_str("## Dosing\n\n## Dosing\n\n### Why {#why}\n");
        let ids: Vec<_> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["dosing", "dosing-1", "why"]);
        assert!(r.html.contains("<h2 id=\"dosing-1\">Dosing</h2>"));
        assert_eq!(r.headings[2].line, 5);
    }

    #[test]
    fn renders_alerts_as_callouts() {
        let r = render_str("> [!WARNING]\n> Be careful.\n");
        assert!(
            r.html
                .contains("class=\"callout callout-warning\" role=\"note\" aria-label=\"Warning\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<p>Be careful.</p>"));
    }

    #[test]
    fn resolves_links_and_reports_broken_ones_with_position() {
        let r = render_str("See [it](../b/other.md#top).\n\nAnd [gone](../b/missing.md).\n");
        assert!(r.html.contains("href=\"/b/other/#top\""));
        assert_eq!(r.anchor_refs[0].anchor, "top");
        assert_eq!(r.links_to, ["b/other.md"]);
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(
            (r.diagnostics[0].line, r.diagnostics[0].column),
            (Some(3), Some(5))
        );
    }

    #[test]
    fn summarizes_first_paragraph_or_up_to_more() {
        let r = render_str("# T\n\nFirst *one*.\n\nSecond.\n");
        assert_eq!(r.summary, "<p>First <em>one</em>.</p>\n");
        let r = render_str("A.\n\nB.\n\n<!-- more -->\n\nC.\n");
        assert_eq!(r.summary, "<p>A.</p>\n<p>B.</p>\n");
    }

    #[test]
    fn keeps_prose_apart_from_tables_and_code() {
        let r = render_str(
            "Some words here.\n\n| a | b |\n|---|---|\n| c | d |\n\n```\ncode\n```\n\n- item one\n",
        );
        assert_eq!(r.prose, "Some words here.\nitem one\n");
        assert_eq!(r.word_count, 3 + 4 + 1 + 2);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let body = format!("{}x\n", "> ".repeat(5000));
        let r = render_str(&body);
        assert!(r.html.contains('x'));
    }
}
