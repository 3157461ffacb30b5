//! Markdown → HTML in one pass over pulldown-cmark's events, collecting on the way what the
//! rest of the site needs: headings with unique ids (the table of contents), the summary, word
//! count, plain text and prose (for related articles, search and readability), images, and
//! links, which are resolved to page URLs through the [`LinkTable`].
//!
//! Alerts (`> [!WARNING]`) become labelled callouts. Broken links are diagnostics at the link's
//! line and column in the file; `#anchor`s are returned for the site-wide check in `links.rs`.
//! Shortcodes are expanded first (`shortcode`): Markdown reads the body with a placeholder of
//! the same length for each call, and the walker puts each call's output where its
//! placeholder comes out, so every offset, line and column stays the file's.

use crate::diagnostic::{Diagnostic, LineIndex};
use crate::front_matter::Reference;
use crate::links::{AnchorRef, LinkTable, Resolution};
use crate::shortcode::{self, Slot};
use pulldown_cmark::{
    html, BlockQuoteKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
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
    pub anchors: crate::hash::Set<String>,
    /// Words of text, code included.
    pub word_count: usize,
    /// Paragraph and list text only (no headings, tables or code), one block per line.
    pub prose: String,
    /// Images, for lint.
    pub images: Vec<Image>,
    /// Pages this body links to (source paths under `content/`).
    pub links_to: Vec<String>,
    /// What the body asked the link table, so a rebuild can tell whether it still holds.
    pub lookups: crate::links::Lookups,
    /// Anchors to check once every page is rendered.
    pub anchor_refs: Vec<AnchorRef>,
    /// Links with no text, as (line, column), for lint.
    pub empty_links: Vec<(usize, usize)>,
    /// Links and images to other sites (`http:`/`https:`), as (line, column, address), for
    /// `site check --external`.
    pub external: Vec<(usize, usize, String)>,
    /// Site-root addresses written in raw HTML (`<a href="/x/">`), as (line, column, address),
    /// for lint: raw HTML is copied as it is, so they cannot follow the base path.
    pub raw_root_links: Vec<(usize, usize, String)>,
    /// Links (line, column, target source) of a translation to a page that has no version in
    /// its language, which go to the original instead (`check --report` lists them).
    pub untranslated_links: Vec<(usize, usize, String)>,
    /// Broken links, duplicate heading ids and shortcode problems.
    pub diagnostics: Vec<Diagnostic>,
    /// Fact-sheet references the body's shortcodes cite that the front matter does not list:
    /// the page's numbered list goes on with them (`ref-<n>` after the front matter's).
    pub cited: Vec<Reference>,
    /// The shortcodes the body calls, sorted.
    pub shortcodes: Vec<String>,
    /// A hash of what those shortcodes' output depends on (`shortcode::Env::dependencies`):
    /// the body can be reused while it is the same.
    pub dependencies: u64,
    /// A hash of `html`, `summary` and `cited`, so a rebuild can tell whether the body changed.
    pub hash: u64,
}

/// The site-root addresses (`/x/`, not `//host/x`) in the `href`, `src` and `action`
/// attributes of raw HTML, with their byte offsets in `raw`.
fn root_addresses(raw: &str) -> Vec<(usize, &str)> {
    let lower = raw.to_ascii_lowercase();
    let mut found = Vec::new();
    for name in ["href", "src", "action"] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(name).map(|i| i + from) {
            from = at + name.len();
            // An attribute name starts after a space (not inside `data-href` or `xsrc`).
            if !raw[..at].ends_with(|c: char| c.is_ascii_whitespace()) {
                continue;
            }
            let rest = raw[from..].trim_start();
            let Some(rest) = rest.strip_prefix('=') else {
                continue;
            };
            let value = rest.trim_start();
            let start = raw.len() - value.len();
            let (value, start) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &value[1..];
                    (&inner[..inner.find(q).unwrap_or(inner.len())], start + 1)
                }
                _ => (
                    &value[..value
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .unwrap_or(value.len())],
                    start,
                ),
            };
            if value.starts_with('/') && !value.starts_with("//") {
                found.push((start, value));
            }
        }
    }
    found.sort_by_key(|&(at, _)| at);
    found
}

/// The Markdown dialect: CommonMark plus GFM tables, footnotes, strikethrough, task lists,
/// alerts, smart punctuation and `{#id}` heading attributes.
pub(crate) fn options() -> Options {
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
    /// The references the front matter lists: each gets an anchor `ref-<n>`, and shortcodes'
    /// citations of the same documents use their numbers.
    pub references: &'a [Reference],
    /// The site-root URL of the page the body is shown on: links are written relative to it in
    /// the offline copy.
    pub url: &'a str,
}

/// Renders `body` (found at `at`), resolving links through `links`, without shortcodes.
pub fn render(body: &str, at: &Location<'_>, links: &LinkTable) -> Rendered {
    render_with(body, at, links, &shortcode::Env::none())
}

/// Renders `body` (found at `at`), resolving links through `links` and expanding shortcodes
/// through `shortcodes`.
pub fn render_with(
    body: &str,
    at: &Location<'_>,
    links: &LinkTable,
    shortcodes: &shortcode::Env<'_>,
) -> Rendered {
    let expanded = shortcode::expand(body, at, shortcodes);
    let (text, slots) = match &expanded {
        Some(e) => (e.text.as_str(), &e.slots[..]),
        None => (body, &[][..]),
    };
    let mut walker = Walker::new(at, links, slots);
    if let Some(e) = &expanded {
        walker.out.diagnostics.extend(e.diagnostics.iter().cloned());
        walker.out.cited.clone_from(&e.cited);
        walker.out.shortcodes.clone_from(&e.names);
        walker.out.dependencies = shortcodes.dependencies(&e.names);
    }
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        walker.event(event, range.start);
    }
    walker.finish(body.len())
}

/// The state of one pass over a body's events: what is open (heading, link, image), how deep
/// the blocks are, and what has been collected so far. One method per kind of event.
struct Walker<'a, 'e> {
    at: &'a Location<'a>,
    links: &'a LinkTable,
    lines: LineIndex,
    out: Rendered,
    /// The events to turn into HTML, rewritten where needed (ids, hrefs, callouts).
    events: Vec<Event<'e>>,
    used_ids: HashSet<String>,
    /// A heading's events are held back until its end, when its text gives its id.
    heading: Option<OpenHeading<'e>>,
    image: Option<Image>,
    link: Option<OpenLink>,
    /// What the link being resolved needs when it falls back to an untranslated original:
    /// the original's language code and the note to show after the link.
    untranslated: Option<(String, String)>,
    /// How many tables and code blocks are open: their text is not prose.
    skip_prose: usize,
    /// How many blocks are open around the current one: the summary is a top-level paragraph.
    depth: usize,
    /// The index in `events` just after the first top-level paragraph.
    summary_end: Option<usize>,
    /// The index in `events` of the first `<!-- more -->`.
    more_at: Option<usize>,
    /// What each shortcode call writes, and whether it has been written.
    slots: &'e [Slot],
    placed: Vec<bool>,
    /// Inside an inline placeholder (an autolink): its text and end are dropped.
    in_placeholder: bool,
}

struct OpenHeading<'e> {
    /// Byte offset in the body.
    start: usize,
    level: HeadingLevel,
    /// The `{#id}` written in the file, if any.
    id: Option<String>,
    /// The events before the heading: while it is open, `events` collects its own.
    outer: Vec<Event<'e>>,
}

struct OpenLink {
    line: usize,
    column: usize,
    /// Whether the link has shown any text (or an image) so far.
    has_text: bool,
    /// The note shown after a link to an untranslated original ("(en inglés)").
    untranslated: Option<String>,
}

impl<'a, 'e> Walker<'a, 'e> {
    fn new(at: &'a Location<'a>, links: &'a LinkTable, slots: &'e [Slot]) -> Self {
        Self {
            at,
            links,
            lines: LineIndex::new(at.text),
            out: Rendered::default(),
            events: Vec::new(),
            used_ids: HashSet::new(),
            heading: None,
            image: None,
            link: None,
            untranslated: None,
            skip_prose: 0,
            depth: 0,
            summary_end: None,
            more_at: None,
            slots,
            placed: vec![false; slots.len()],
            in_placeholder: false,
        }
    }

    /// Sends one event to its method. Inside a heading every event is held back as it is.
    fn event(&mut self, event: Event<'e>, offset: usize) {
        if !self.slots.is_empty() {
            if let Some(event) = self.shortcode(event, offset) {
                self.dispatch(event, offset);
            }
        } else {
            self.dispatch(event, offset);
        }
    }

    /// A shortcode placeholder's events become the call's output; every other event passes.
    fn shortcode(&mut self, event: Event<'e>, offset: usize) -> Option<Event<'e>> {
        if self.in_placeholder {
            if matches!(event, Event::End(TagEnd::Link)) {
                self.in_placeholder = false;
            }
            return None;
        }
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                ref dest_url,
                ..
            }) => {
                let Some(i) = shortcode::placeholder_index(dest_url)
                    .filter(|&i| self.slots.get(i).is_some_and(|s| s.offset == offset))
                else {
                    return Some(event);
                };
                self.in_placeholder = true;
                self.placed[i] = true;
                let slot = &self.slots[i];
                if slot.literal {
                    Some(Event::Text(CowStr::from(slot.output.clone())))
                } else {
                    self.place_html(Event::InlineHtml(CowStr::from(slot.output.clone())));
                    None
                }
            }
            Event::Html(ref raw) if raw.starts_with("<sc>") => {
                let Some(i) = self
                    .slots
                    .iter()
                    .position(|s| s.block && s.offset + 1 == offset)
                else {
                    return Some(event);
                };
                self.placed[i] = true;
                let html = format!("{}\n", self.slots[i].output);
                self.place_html(Event::Html(CowStr::from(html)));
                None
            }
            Event::Html(ref raw) | Event::InlineHtml(ref raw) if raw.contains("<sc:") => {
                // A placeholder inside raw HTML: put the output into the HTML.
                let mut text = raw.to_string();
                for (i, slot) in self.slots.iter().enumerate() {
                    let Some(at) = text.find("<sc:") else { break };
                    let end = text[at..].find('>').map_or(text.len(), |e| at + e + 1);
                    if shortcode::placeholder_index(&text[at + 1..end - 1]) == Some(i) {
                        let output = if slot.literal {
                            escape(&slot.output)
                        } else {
                            slot.output.clone()
                        };
                        text.replace_range(at..end, &output);
                        self.placed[i] = true;
                    }
                }
                Some(match event {
                    Event::Html(_) => Event::Html(CowStr::from(text)),
                    _ => Event::InlineHtml(CowStr::from(text)),
                })
            }
            event => Some(event),
        }
    }

    /// A shortcode's HTML, written as it is (not scanned for site-root addresses: shortcodes
    /// print theirs with `url()`); inside a heading, `events` holds the heading's own.
    fn place_html(&mut self, event: Event<'e>) {
        self.events.push(event);
    }

    fn dispatch(&mut self, event: Event<'e>, offset: usize) {
        // Inside a heading, links and images are resolved and checked as anywhere else; the
        // rest is held as it is (its text is the heading's title, not prose).
        if self.heading.is_some() {
            match event {
                Event::End(TagEnd::Heading(_))
                | Event::Start(Tag::Link { .. } | Tag::Image { .. })
                | Event::End(TagEnd::Link | TagEnd::Image) => {}
                Event::Text(ref text) | Event::Code(ref text) => {
                    if let Some(image) = self.image.as_mut() {
                        image.alt.push_str(text);
                    }
                    if let Some(link) = self.link.as_mut() {
                        link.has_text |= !text.trim().is_empty();
                    }
                    self.events.push(event);
                    return;
                }
                event => {
                    self.events.push(event);
                    return;
                }
            }
        }
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => self.start_heading(offset, level, id),
            Event::End(TagEnd::Heading(_)) => self.end_heading(),
            Event::Start(Tag::BlockQuote(Some(kind))) => self.start_alert(kind),
            Event::End(TagEnd::BlockQuote(Some(_))) => self.end_alert(),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.start_link(offset, link_type, dest_url, title, id),
            Event::End(TagEnd::Link) => self.end_link(),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => self.start_image(offset, link_type, dest_url, title, id),
            Event::End(TagEnd::Image) => self.end_image(),
            Event::Start(Tag::FootnoteDefinition(label)) => self.start_footnote(label),
            Event::Start(tag @ (Tag::Table(_) | Tag::CodeBlock(_))) => {
                self.skip_prose += 1;
                self.open(Event::Start(tag));
            }
            Event::End(end @ (TagEnd::Table | TagEnd::CodeBlock)) => {
                self.skip_prose = self.skip_prose.saturating_sub(1);
                self.close(Event::End(end));
            }
            Event::Start(tag @ (Tag::BlockQuote(None) | Tag::List(_))) => {
                self.open(Event::Start(tag));
            }
            Event::End(
                end @ (TagEnd::BlockQuote(None) | TagEnd::List(_) | TagEnd::FootnoteDefinition),
            ) => self.close(Event::End(end)),
            Event::End(end @ (TagEnd::Paragraph | TagEnd::Item)) => self.end_block_text(end),
            Event::Text(text) => self.text(text, Event::Text),
            Event::Code(text) => self.text(text, Event::Code),
            Event::SoftBreak | Event::HardBreak => self.line_break(event),
            Event::Html(ref raw) | Event::InlineHtml(ref raw) if raw.trim() == "<!-- more -->" => {
                self.more(event);
            }
            Event::Html(ref raw) | Event::InlineHtml(ref raw) => {
                for (at, url) in root_addresses(raw) {
                    let (line, column) = self.locate(offset + at);
                    self.out.raw_root_links.push((line, column, url.to_owned()));
                }
                self.events.push(event);
            }
            event => self.events.push(event),
        }
    }

    /// The 1-based line and column of byte `offset` of the body, in the file.
    fn locate(&self, offset: usize) -> (usize, usize) {
        self.lines
            .locate(self.at.text, self.at.body_offset + offset)
    }

    fn source_line(&self, line: usize) -> String {
        self.lines.line(self.at.text, line).unwrap_or("").to_owned()
    }

    fn start_heading(&mut self, offset: usize, level: HeadingLevel, id: Option<CowStr<'e>>) {
        self.heading = Some(OpenHeading {
            start: offset,
            level,
            id: id.map(|i| i.to_string()),
            outer: std::mem::take(&mut self.events),
        });
    }

    /// Gives the heading its id (written or made from its text) and lets its events through.
    fn end_heading(&mut self) {
        let Some(heading) = self.heading.take() else {
            return;
        };
        let inner = std::mem::replace(&mut self.events, heading.outer);
        let title = plain(&inner);
        let (line, column) = self.locate(heading.start);
        let id = match heading.id {
            Some(id) => {
                if !self.used_ids.insert(id.clone()) {
                    self.out.diagnostics.push(
                        Diagnostic::error(
                            self.at.file,
                            "duplicate-anchor",
                            format!("the heading id `{id}` is used twice on this page"),
                        )
                        .at_in(self.at.text, line, column)
                        .help("give each `{#id}` a different name"),
                    );
                }
                id
            }
            None => unique(slugify(&title), &mut self.used_ids),
        };
        self.out.word_count += count_words(&title);
        self.out.headings.push(Heading {
            level: heading.level as u8,
            id: id.clone(),
            title,
            line,
        });
        self.events.push(Event::Start(Tag::Heading {
            level: heading.level,
            id: Some(CowStr::from(id)),
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
        self.events.extend(inner);
        self.events.push(Event::End(TagEnd::Heading(heading.level)));
    }

    fn start_alert(&mut self, kind: BlockQuoteKind) {
        self.depth += 1;
        let (class, english) = alert(kind);
        let lang = self.links.lang_of(self.at.rel).unwrap_or(0);
        let label = self
            .links
            .langs
            .get(lang)
            .map(|l| l.alerts[alert_index(kind)].as_str())
            .filter(|l| !l.is_empty())
            .unwrap_or(english);
        let label = escape(label);
        self.events.push(Event::Html(CowStr::from(format!(
            "<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{label}\">\n<p class=\"callout-title\">{label}</p>\n"
        ))));
    }

    fn end_alert(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.events.push(Event::Html(CowStr::from("</div>\n")));
    }

    fn start_link(
        &mut self,
        offset: usize,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
    ) {
        let (line, column) = self.locate(offset);
        let href = self.resolve_link(dest_url, line, column);
        let untranslated = self.untranslated.take();
        self.link = Some(OpenLink {
            line,
            column,
            has_text: false,
            untranslated: untranslated.as_ref().map(|(_, note)| note.clone()),
        });
        match untranslated {
            // The page is in another language: say so to browsers (`hreflang`) and readers.
            Some((code, _)) => {
                let title = if title.is_empty() {
                    String::new()
                } else {
                    format!(" title=\"{}\"", escape(&title))
                };
                self.events.push(Event::InlineHtml(CowStr::from(format!(
                    "<a href=\"{}\" hreflang=\"{}\"{title}>",
                    escape(&href),
                    escape(&code)
                ))));
            }
            None => self.events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: href,
                title,
                id,
            })),
        }
    }

    /// What `dest` is, asked of the link table and noted in the body's lookups.
    fn resolve(&mut self, dest: &str) -> Resolution {
        self.links
            .resolve_into(self.at.rel, dest, &mut self.out.lookups)
    }

    /// The `href` a link is written with: a page's URL for a link to its source file. Notes
    /// the link for the external check, the anchor check, the link graph or as broken.
    fn resolve_link(&mut self, dest_url: CowStr<'e>, line: usize, column: usize) -> CowStr<'e> {
        match self.resolve(&dest_url) {
            Resolution::External => {
                if is_web(&dest_url) {
                    self.out.external.push((line, column, dest_url.to_string()));
                }
                self.site_url(dest_url)
            }
            Resolution::Page {
                href,
                source,
                anchor,
                untranslated,
            } => {
                if let Some((code, note)) = untranslated {
                    self.out
                        .untranslated_links
                        .push((line, column, source.clone()));
                    self.untranslated = Some((code, note));
                }
                if let Some(anchor) = anchor {
                    self.out.anchor_refs.push(AnchorRef {
                        file: self.at.file.to_owned(),
                        source_line: self.source_line(line),
                        line,
                        column,
                        target: source.clone(),
                        anchor,
                    });
                }
                if source != self.at.rel {
                    self.out.links_to.push(source);
                }
                CowStr::from(self.links.urls.href(self.at.url, &href))
            }
            Resolution::Broken { message, help } => {
                self.out.diagnostics.push(
                    Diagnostic::error(self.at.file, "broken-link", message)
                        .at_in(self.at.text, line, column)
                        .help(help),
                );
                dest_url
            }
        }
    }

    /// A site-root address written in the Markdown (`/images/x.png`, `/atom.xml`) as the page
    /// must print it (under the base path, or relative offline); any other left as written.
    fn site_url(&self, dest_url: CowStr<'e>) -> CowStr<'e> {
        if dest_url.starts_with('/') && !dest_url.starts_with("//") {
            CowStr::from(self.links.urls.href(self.at.url, &dest_url))
        } else {
            dest_url
        }
    }

    fn end_link(&mut self) {
        let mut note = None;
        if let Some(link) = self.link.take() {
            if !link.has_text {
                self.out.empty_links.push((link.line, link.column));
            }
            note = link.untranslated;
        }
        match note {
            Some(note) => self.events.push(Event::InlineHtml(CowStr::from(format!(
                "</a> <span class=\"lang-note\">{}</span>",
                escape(&note)
            )))),
            None => self.events.push(Event::End(TagEnd::Link)),
        }
    }

    fn start_image(
        &mut self,
        offset: usize,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
    ) {
        let (line, column) = self.locate(offset);
        if is_web(&dest_url) {
            self.out.external.push((line, column, dest_url.to_string()));
        }
        self.check_image(&dest_url, line, column);
        // An image is a link's content: a linked image is not an empty link.
        if let Some(link) = self.link.as_mut() {
            link.has_text = true;
        }
        self.image = Some(Image {
            src: dest_url.to_string(),
            alt: String::new(),
            line,
            column,
        });
        self.events.push(Event::Start(Tag::Image {
            link_type,
            dest_url: self.site_url(dest_url),
            title,
            id,
        }));
    }

    /// Reports an image whose file is not there.
    fn check_image(&mut self, dest_url: &str, line: usize, column: usize) {
        let Resolution::Broken { message, help } = self.resolve(dest_url) else {
            return;
        };
        let help = if dest_url.ends_with(".md") {
            help
        } else {
            "put the image under `static/` (e.g. `static/images/x.png`) and write its path from there: `/images/x.png`".to_owned()
        };
        self.out.diagnostics.push(
            Diagnostic::error(
                self.at.file,
                "broken-image",
                message.replace("link to", "image"),
            )
            .at_in(self.at.text, line, column)
            .help(help),
        );
    }

    fn end_image(&mut self) {
        self.out.images.extend(self.image.take());
        self.events.push(Event::End(TagEnd::Image));
    }

    fn start_footnote(&mut self, label: CowStr<'e>) {
        self.out.anchors.insert(label.to_string());
        self.open(Event::Start(Tag::FootnoteDefinition(label)));
    }

    /// A block that holds others (list, quote, table, code, footnote) starts.
    fn open(&mut self, start: Event<'e>) {
        self.depth += 1;
        self.events.push(start);
    }

    fn close(&mut self, end: Event<'e>) {
        self.depth = self.depth.saturating_sub(1);
        self.events.push(end);
    }

    /// A paragraph or list item ends: a new line of prose, and maybe the end of the summary.
    fn end_block_text(&mut self, end: TagEnd) {
        let prose = &mut self.out.prose;
        if self.skip_prose == 0 && !prose.ends_with('\n') && !prose.is_empty() {
            prose.push('\n');
        }
        self.events.push(Event::End(end));
        if end == TagEnd::Paragraph && self.depth == 0 && self.summary_end.is_none() {
            self.summary_end = Some(self.events.len());
        }
    }

    /// Text or inline code (`wrap` says which): words, prose, alt text, a link's text.
    fn text(&mut self, text: CowStr<'e>, wrap: fn(CowStr<'e>) -> Event<'e>) {
        if let Some(image) = self.image.as_mut() {
            image.alt.push_str(&text);
        }
        if let Some(link) = self.link.as_mut() {
            link.has_text |= !text.trim().is_empty();
        }
        self.out.word_count += count_words(&text);
        if self.skip_prose == 0 {
            self.out.prose.push_str(&text);
        }
        self.events.push(wrap(text));
    }

    fn line_break(&mut self, event: Event<'e>) {
        if self.skip_prose == 0 {
            self.out.prose.push(' ');
        }
        self.events.push(event);
    }

    /// `<!-- more -->`: the summary is everything before the first one.
    fn more(&mut self, event: Event<'e>) {
        if self.more_at.is_none() {
            self.more_at = Some(self.events.len());
        }
        self.events.push(event);
    }

    /// Adds the anchors, writes the summary and the body as HTML, and hashes them.
    fn finish(mut self, body_len: usize) -> Rendered {
        // An unclosed heading cannot happen with pulldown-cmark, but never drop text if it did.
        if let Some(heading) = self.heading.take() {
            let inner = std::mem::replace(&mut self.events, heading.outer);
            self.events.extend(inner);
        }
        let mut out = self.out;
        for h in &out.headings {
            out.anchors.insert(h.id.clone());
        }
        for n in 1..=self.at.references.len() + out.cited.len() {
            out.anchors.insert(format!("ref-{n}"));
        }
        for (slot, placed) in self.slots.iter().zip(&self.placed) {
            if !placed && !slot.output.is_empty() {
                let (line, column) = self
                    .lines
                    .locate(self.at.text, self.at.body_offset + slot.offset);
                out.diagnostics.push(
                    Diagnostic::error(self.at.file, "shortcode", "this shortcode cannot be placed here")
                        .at_in(self.at.text, line, column)
                        .help("put it in a paragraph, a list item, a table cell or on a line of its own, not inside a link, an image or a heading's id"),
                );
            }
        }
        let summary = summary(&self.events, self.more_at, self.summary_end);
        html::push_html(&mut out.summary, summary.iter().cloned());
        out.html.reserve(body_len * 3 / 2);
        html::push_html(&mut out.html, self.events.into_iter());
        // Every page's body is held until the build ends: keep only what it uses.
        out.html.shrink_to_fit();
        out.prose.shrink_to_fit();
        out.hash = crate::hash::of(&(&out.html, &out.summary, &out.cited));
        out
    }
}

/// The summary's events: everything before `<!-- more -->`, else the first top-level paragraph.
fn summary<'x, 'e>(
    events: &'x [Event<'e>],
    more_at: Option<usize>,
    summary_end: Option<usize>,
) -> &'x [Event<'e>] {
    match (more_at, summary_end) {
        (Some(more), _) => &events[..more],
        (None, Some(end)) => {
            let start = events[..end]
                .iter()
                .rposition(|e| matches!(e, Event::Start(Tag::Paragraph)))
                .unwrap_or(0);
            &events[start..end]
        }
        (None, None) => &events[..0],
    }
}

/// `text` with HTML's special characters escaped, for an escaped call inside raw HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether a link goes to another web site.
fn is_web(dest: &str) -> bool {
    let lower = dest
        .trim_start()
        .get(..8)
        .unwrap_or(dest)
        .to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Where an alert's title is in `LinkLang::alerts`.
fn alert_index(kind: BlockQuoteKind) -> usize {
    match kind {
        BlockQuoteKind::Note => 0,
        BlockQuoteKind::Tip => 1,
        BlockQuoteKind::Important => 2,
        BlockQuoteKind::Warning => 3,
        BlockQuoteKind::Caution => 4,
    }
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
/// Letters and digits of every script are transliterated (`Straße` → `strasse`, `Ελλάδα` →
/// `ellada`); apostrophes are dropped; anything else (punctuation, symbols, emoji) separates
/// words. May be empty: a heading then gets `section`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() || !c.is_alphanumeric() {
            push_slug_char(&mut slug, c);
        } else {
            // `deunicode` knows no letter of a few scripts: those separate words as before.
            let ascii = deunicode::deunicode_char(c).unwrap_or("-");
            ascii.chars().for_each(|a| push_slug_char(&mut slug, a));
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

fn push_slug_char(slug: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        slug.push(c.to_ascii_lowercase());
    } else if !slug.ends_with('-') && !slug.is_empty() && c != '\'' && c != '’' {
        slug.push('-');
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

/// How many words `text` has: what `text.split_whitespace().count()` gives, counted a byte at a
/// time where the text is ASCII (nearly all of it), without decoding characters. Every text
/// event of every page is counted.
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    let mut count = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        // ASCII's white space as `char::is_whitespace` has it: tab, line feed, vertical tab,
        // form feed, carriage return, space.
        let space = b == b' ' || (b'\t'..=b'\r').contains(&b);
        count += usize::from(!space && !in_word);
        in_word = !space;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_as_a_split_on_white_space_counts_them() {
        let texts = [
            "",
            " ",
            "one",
            " one  two\tthree\nfour\rfive\x0bsix\x0cseven ",
            "a\u{a0}b c",
            "naïve café",
            "\u{2003}x\u{2003}",
            "x\u{85}y",
            "end ",
            "  lead",
        ];
        for text in texts {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
        for b in 0..128u8 {
            let text = format!("a{}b", b as char);
            assert_eq!(count_words(&text), text.split_whitespace().count(), "{b}");
        }
    }

    fn render_str(body: &str) -> Rendered {
        let mut links = LinkTable::default();
        links.pages.insert("b/other.md".into(), "/b/other/".into());
        let at = Location {
            file: "content/a/x.md",
            rel: "a/x.md",
            text: body,
            body_offset: 0,
            references: &[],
            url: "/a/x/",
        };
        render(body, &at, &links)
    }

    #[test]
    fn finds_site_root_addresses_in_raw_html() {
        let r = render_str("Intro <a href=\"/a/\">x</a> and <img alt=x src='/i.png'>.\n\n<div data-href=\"/no/\"><a href=//cdn.org/x>y</a> <a HREF = /up/>z</a></div>\n");
        let found: Vec<(usize, usize, &str)> = r
            .raw_root_links
            .iter()
            .map(|(l, c, u)| (*l, *c, u.as_str()))
            .collect();
        assert_eq!(found, [(1, 16, "/a/"), (1, 47, "/i.png"), (3, 59, "/up/")]);
    }

    #[test]
    fn slugifies_headings() {
        assert_eq!(slugify("Is it safe?"), "is-it-safe");
        assert_eq!(slugify("What's X:BOT — explained"), "whats-x-bot-explained");
        assert_eq!(slugify("Naltrexone & the liver"), "naltrexone-the-liver");
        assert_eq!(slugify("Über Café"), "uber-cafe");
    }

    #[test]
    fn slugifies_every_language() {
        assert_eq!(slugify("Straße"), "strasse");
        assert_eq!(slugify("¿Qué es la naltrexona?"), "que-es-la-naltrexona");
        assert_eq!(slugify("Niño"), "nino");
        assert_eq!(slugify("Ελληνικά"), "ellenika");
        assert_eq!(slugify("Русский язык"), "russkii-iazyk");
        assert_eq!(slugify("Ильич"), "ilich");
        assert_eq!(slugify("L’été d'Œdipe"), "lete-doedipe");
        assert_eq!(slugify("İstanbul"), "istanbul");
    }

    #[test]
    fn headings_of_emoji_or_punctuation_still_get_an_id() {
        assert_eq!(slugify("🙂 Tips 🙂"), "tips");
        assert_eq!(slugify("?!… — ¿"), "");
        let r = render_str("## 🙂🙂\n\n## ?!\n\n## ‘’\n");
        let ids: Vec<_> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["section", "section-1", "section-2"]);
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

    #[test]
    fn resolves_and_checks_links_and_images_in_headings() {
        let r = render_str(
            "## See [it](../b/other.md) ![pic](/gone.png)\n\n## Or [this](../b/nope.md)\n",
        );
        assert_eq!(r.headings[0].id, "see-it-pic");
        assert!(
            r.html
                .contains("<h2 id=\"see-it-pic\">See <a href=\"/b/other/\">it</a> "),
            "{}",
            r.html
        );
        assert_eq!(r.links_to, ["b/other.md"]);
        assert_eq!(r.images.len(), 1);
        assert_eq!(r.images[0].alt, "pic");
        let rules: Vec<(&str, Option<usize>)> =
            r.diagnostics.iter().map(|d| (d.rule, d.line)).collect();
        assert_eq!(rules, [("broken-image", Some(1)), ("broken-link", Some(3))]);
        assert_eq!(r.word_count, 5, "heading words count once, as the title");
    }

    #[test]
    fn an_image_inside_a_link_is_its_text() {
        let r = render_str("[![A cat](/cat.png)](../b/other.md) and [](../b/other.md)\n");
        assert!(
            r.html.contains(
                "<a href=\"/b/other/\"><img src=\"/cat.png\" alt=\"A cat\" /></a> and <a href=\"/b/other/\"></a>"
            ),
            "{}",
            r.html
        );
        assert_eq!(r.empty_links, [(1, 41)]);
        assert_eq!(r.links_to, ["b/other.md", "b/other.md"]);
        let image = &r.images[0];
        assert_eq!(
            (image.alt.as_str(), image.line, image.column),
            ("A cat", 1, 2)
        );
        assert_eq!(r.diagnostics[0].rule, "broken-image");
        assert_eq!(r.prose, "A cat and \n");
    }

    #[test]
    fn alerts_in_lists_and_footnotes_are_not_the_summary() {
        let r = render_str(
            "- item\n\n  > [!NOTE]\n  > Inside.\n\nAfter.[^n]\n\n[^n]: The note.\n\nLast.\n",
        );
        assert!(r
            .html
            .contains("<li>\n<p>item</p>\n<div class=\"callout callout-note\""));
        assert!(
            r.html.contains("<p>Inside.</p>\n</div>\n</li>"),
            "{}",
            r.html
        );
        assert_eq!(r.summary.matches("<p>").count(), 1, "{}", r.summary);
        assert!(r.summary.starts_with("<p>After."), "{}", r.summary);
        assert!(r.anchors.contains("n"));
        assert_eq!(r.prose, "item\nInside.\nAfter.\nThe note.\nLast.\n");
    }

    #[test]
    fn notes_web_links_and_images_with_their_position() {
        let r = render_str("Go [out](https://example.org/a).\n\n![x](HTTP://example.org/i.png)\n");
        assert_eq!(
            r.external,
            [
                (1, 4, "https://example.org/a".to_owned()),
                (3, 1, "HTTP://example.org/i.png".to_owned())
            ]
        );
        assert!(r.diagnostics.is_empty());
    }

    #[test]
    fn an_inline_more_marker_ends_the_summary() {
        let r = render_str("A `b` c <!-- more --> d.\n\nE.\n");
        assert_eq!(r.summary, "<p>A <code>b</code> c ");
        assert_eq!(r.word_count, 5);
    }
}
