//! Fingerprints: a hash of what each page shows, so a rebuild in `serve` re-renders only the
//! pages whose data changed. Each page's card (what lists show of it) is hashed once, and each
//! fingerprint records which cards it read, so a changed card finds the pages that show it.
//!
//! The fields hashed here mirror the template contexts in `render::context`; a test below
//! fails when a context gains a field this module does not know about, and
//! `tests/incremental.rs` compares every kind of rebuild with a full build.

use crate::hash;
use crate::page::{Page, Section};
use crate::related;
use crate::route::Job;
use crate::site::Site;
use crate::source::Source;
use crate::taxonomy::Tag;
use crate::Assets;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A hash of everything job's context shows, so `serve` re-renders only the pages whose data
/// changed. It must cover every field the job's context struct (`render::context`) serializes; the serve
/// tests compare incremental rebuilds with full builds after each kind of edit to guard that.
///
/// The pages whose cards the job shows are pushed onto `reads`, so a rebuild that changes one
/// card knows which jobs to look at again.
pub(crate) fn fingerprint(
    job: Job,
    site: &Site,
    own: &Own,
    cards: &[u64],
    reads: &mut Vec<usize>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut print = Print {
        h: hash::Hasher::default(),
        cards,
        reads,
    };
    // The kind of page and its language, not its index: an article added or removed moves
    // every index after it, and a page whose data is the same must keep its fingerprint.
    // (What the index points to is hashed below, its URL first among it.)
    std::mem::discriminant(&job).hash(&mut print.h);
    let lang = job.lang(site);
    site.langs[lang].code.hash(&mut print.h);
    // The interface strings its template prints with `t()`.
    site.langs[lang].strings_hash.hash(&mut print.h);
    // The other languages' versions (`hreflang` links, the language switcher).
    crate::render::version_urls(site, job).hash(&mut print.h);
    match job {
        Job::Home(l) => {
            print.section(&site.homes[l], 0);
            for (_, s) in site.sections_in(l) {
                print.section(s, 5);
            }
            for p in site.order_in(l).take(10) {
                print.card(p);
            }
        }
        Job::Section(s) => print.section(&site.sections[s], usize::MAX),
        Job::Page(p) => {
            let page = &site.pages[p];
            let h = &mut print.h;
            own.parts[p].print.hash(h);
            site.config.author.as_deref().hash(h);
            for name in &page.tags {
                site.tag(page.lang, name)
                    .map_or(name.as_str(), |t| t.text.title.as_str())
                    .hash(h);
                name.hash(h);
            }
            site.section_of(page).map(|s| (&s.title, &s.url)).hash(h);
            for &q in site.related[p].iter().take(related::LIMIT) {
                print.card(q);
            }
        }
        Job::Tag(t, n) => {
            let t_ref = &site.tags[t];
            print.tag(t_ref);
            n.hash(&mut print.h);
            let per = site.config.paginate_by;
            for &p in t_ref.pages.iter().skip((n - 1) * per).take(per) {
                print.card(p);
            }
        }
        Job::Tags(l) => {
            for t in site.tags.iter().filter(|t| t.text.lang == l) {
                print.tag(t);
            }
        }
        Job::NotFound(_) | Job::Search(_) => {}
    }
    print.h.finish()
}

/// A fingerprint being made, and the cards it read.
struct Print<'a> {
    h: hash::Hasher,
    cards: &'a [u64],
    reads: &'a mut Vec<usize>,
}

impl Print<'_> {
    fn card(&mut self, p: usize) {
        use std::hash::Hash;
        self.cards[p].hash(&mut self.h);
        self.reads.push(p);
    }

    fn section(&mut self, s: &Section, limit: usize) {
        use std::hash::Hash;
        (&s.title, &s.description, &s.url, &s.name, s.body.hash).hash(&mut self.h);
        for &p in s.pages.iter().take(limit) {
            self.card(p);
        }
    }

    fn tag(&mut self, t: &Tag) {
        use std::hash::Hash;
        (
            &t.text.name,
            &t.text.title,
            &t.text.description,
            &t.url,
            t.text.body.hash,
            t.pages.len(),
            &t.text.references,
        )
            .hash(&mut self.h);
    }
}

/// A hash of each page's card (what lists show of it), computed once for all fingerprints.
pub(crate) fn card_hashes(site: &Site, own: &Own) -> Vec<u64> {
    (0..site.pages.len())
        .into_par_iter()
        .map(|p| card_hash(site, own, p))
        .collect()
}

/// What each page's fingerprint and card hash take from the page alone (its fields,
/// references and body hash), by page as the last good build had them. The next model shares
/// an unchanged page (the same `Arc`), and the page keeps its parts wherever it is now
/// (`site::per_same_page`): a rebuild hashes again only the pages it made anew.
#[derive(Debug, Clone, Default)]
pub(crate) struct Own {
    parts: Vec<Parts>,
    /// Whether the card parts cover the summary (when a template shows cards' summaries).
    summaries: bool,
}

#[derive(Debug, Clone, Copy)]
struct Parts {
    print: u64,
    card: u64,
}

impl Own {
    /// The parts of `site`'s pages, taken from `last` (the parts of the last good build's
    /// pages, `last_pages`) for the pages it shares.
    pub(crate) fn of(site: &Site, last_pages: &[Arc<Page>], last: &Own, summaries: bool) -> Self {
        let fresh = |page: &Page| Parts::of(page, summaries);
        let parts = if last.summaries == summaries {
            crate::site::per_same_page(&site.pages, last_pages, &last.parts, fresh)
        } else {
            crate::site::per_same_page(&site.pages, &[], &[], fresh)
        };
        Self { parts, summaries }
    }

    /// The parts again for the pages at `patched`, which a patch made anew.
    pub(crate) fn patch(&mut self, site: &Site, patched: &[usize]) {
        for &p in patched {
            self.parts[p] = Parts::of(&site.pages[p], self.summaries);
        }
    }
}

impl Parts {
    fn of(page: &Page, summaries: bool) -> Self {
        Self {
            print: print_part(page),
            card: card_part(page, summaries),
        }
    }
}

/// The part of an article's fingerprint that comes from the page alone.
fn print_part(page: &Page) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = hash::Hasher::default();
    (
        &page.title,
        &page.description,
        &page.url,
        page.date,
        page.updated,
        page.reviewed,
    )
        .hash(&mut h);
    // `extra` is free-form: hashed as its JSON text.
    (
        &page.author,
        page.listed,
        &page.template,
        page.extra.to_string(),
    )
        .hash(&mut h);
    (
        &page.reviewed_by,
        page.medical,
        page.draft,
        page.body.hash,
        page.body.word_count,
        &page.references,
    )
        .hash(&mut h);
    h.finish()
}

/// The part of a page's card hash that comes from the page alone.
fn card_part(page: &Page, summaries: bool) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = hash::Hasher::default();
    (
        &page.title,
        &page.description,
        &page.url,
        page.date,
        page.reviewed,
        &page.reviewed_by,
        page.reading_time(),
    )
        .hash(&mut h);
    if summaries {
        page.body.summary.hash(&mut h);
    }
    h.finish()
}

/// Whether any template may print a card's `summary` (anything but `page.summary` that says
/// `summary` inside a `{{ }}` or `{% %}` tag). Most themes do not, and then an edit to an
/// article's first paragraph re-renders only the article, not every list it is in.
pub(crate) fn cards_show_summary(templates: &[Source]) -> bool {
    templates.iter().any(|t| {
        let text = t.text.replace("page.summary", "");
        let mut rest = text.as_str();
        while let Some(open) = rest.find(['{']) {
            rest = &rest[open + 1..];
            let close = match rest.chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                _ => continue,
            };
            let end = rest.find(close).unwrap_or(rest.len());
            if rest[..end].contains("summary") {
                return true;
            }
            rest = &rest[end..];
        }
        false
    })
}

/// A hash of one page's card.
pub(crate) fn card_hash(site: &Site, own: &Own, p: usize) -> u64 {
    use std::hash::{Hash, Hasher};
    let page = &site.pages[p];
    let mut h = hash::Hasher::default();
    own.parts[p].card.hash(&mut h);
    site.section_of(page)
        .map(|s| (&s.title, &s.url))
        .hash(&mut h);
    for name in &page.tags {
        site.tag(page.lang, name)
            .map_or(name.as_str(), |t| t.text.title.as_str())
            .hash(&mut h);
        name.hash(&mut h);
    }
    h.finish()
}

/// A hash of what every page shows: config, navigation, asset URLs, and the data files the
/// page templates read (those only shortcodes read change the bodies that call them instead).
pub(crate) fn shared_hash(site: &Site, assets: &Assets, templates: &[Source]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = hash::Hasher::default();
    let mut reads = crate::data::Reads::Some(BTreeSet::new());
    for t in templates
        .iter()
        .filter(|t| !t.rel.starts_with("shortcodes/"))
    {
        reads.join(crate::data::reads(&t.text));
    }
    site.data.hash_of(&reads).hash(&mut h);
    serde_json::to_string(&site.config)
        .unwrap_or_default()
        .hash(&mut h);
    for s in site.sections.iter() {
        (&s.title, &s.url).hash(&mut h);
    }
    assets.hash(&mut h);
    h.finish()
}

/// Top-level templates that use (directly or through others) any changed template.
pub(crate) fn affected_templates(
    templates: &[Source],
    changed: &BTreeSet<&str>,
) -> BTreeSet<String> {
    let uses = crate::render::template_uses(templates);
    let mut affected: BTreeSet<String> = changed.iter().map(|s| (*s).to_owned()).collect();
    loop {
        let before = affected.len();
        for (name, used) in &uses {
            if used.iter().any(|u| affected.contains(u)) {
                affected.insert(name.clone());
            }
        }
        if affected.len() == before {
            return affected;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::route::Job;
    use std::collections::BTreeSet;

    /// Every key path in a JSON value (`page.tags[].title`).
    fn paths(value: &serde_json::Value, at: &str, out: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    let path = if at.is_empty() {
                        key.clone()
                    } else {
                        format!("{at}.{key}")
                    };
                    out.insert(path.clone());
                    paths(inner, &path, out);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    paths(item, &format!("{at}[]"), out);
                }
            }
            _ => {}
        }
    }

    /// A numbered reference, as articles and tag pages show them.
    const REFERENCES: &[&str] = &[
        "references",
        "references[].n",
        "references[].title",
        "references[].publisher",
        "references[].year",
        "references[].href",
        "references[].doi",
        "references[].pmid",
        "references[].note",
    ];

    const CARD: &[&str] = &[
        "date",
        "date.iso",
        "date.long",
        "description",
        "reading_time",
        "reviewed",
        "reviewed.iso",
        "reviewed.long",
        "reviewed_by",
        "section",
        "section.title",
        "section.url",
        "summary",
        "tags",
        "tags[].title",
        "tags[].url",
        "title",
        "url",
    ];

    /// What each template's context holds, as `fingerprint` and `card_hash` hash it. A context
    /// that gains a field fails here until the field is hashed and listed.
    fn covered(job: Job) -> BTreeSet<String> {
        fn cards(prefix: &str) -> Vec<String> {
            CARD.iter().map(|c| format!("{prefix}[].{c}")).collect()
        }
        fn section(p: &str) -> Vec<String> {
            let fields = [
                "title",
                "description",
                "url",
                "permalink",
                "content",
                "breadcrumbs",
            ];
            let mut all: Vec<String> = fields.iter().map(|f| format!("{p}.{f}")).collect();
            all.extend(
                ["title", "url"]
                    .iter()
                    .map(|f| format!("{p}.breadcrumbs[].{f}")),
            );
            all.push(format!("{p}.pages"));
            all.extend(cards(&format!("{p}.pages")));
            all
        }
        let mut set: BTreeSet<String> = ["current_url".to_owned()].into();
        match job {
            Job::Home(_) => {
                set.extend(["home", "sections", "recent", "json_ld"].map(String::from));
                set.extend(section("home"));
                set.extend(section("sections[]"));
                set.extend(cards("recent"));
            }
            Job::Section(_) => {
                set.extend(["section", "json_ld"].map(String::from));
                set.extend(section("section"));
            }
            Job::Page(_) => {
                let fields = [
                    "title",
                    "description",
                    "url",
                    "permalink",
                    "date",
                    "date.iso",
                    "date.long",
                    "updated",
                    "updated.iso",
                    "updated.long",
                    "reviewed",
                    "reviewed.iso",
                    "reviewed.long",
                    "reviewed_by",
                    "author",
                    "medical",
                    "draft",
                    "listed",
                    "extra",
                    "tags",
                    "tags[].title",
                    "tags[].url",
                    "section",
                    "section.title",
                    "section.url",
                    "breadcrumbs",
                    "breadcrumbs[].title",
                    "breadcrumbs[].url",
                    "content",
                    "summary",
                    "toc",
                    "toc[].level",
                    "toc[].id",
                    "toc[].title",
                    "word_count",
                    "reading_time",
                    "related",
                    "json_ld",
                ];
                set.insert("page".into());
                set.extend(fields.iter().chain(REFERENCES).map(|f| format!("page.{f}")));
                set.extend(cards("page.related"));
            }
            Job::Tag(..) | Job::Tags(_) => {
                let tag = [
                    "name",
                    "title",
                    "description",
                    "url",
                    "permalink",
                    "content",
                    "count",
                ];
                if matches!(job, Job::Tags(_)) {
                    set.insert("tags".into());
                    set.extend(tag.iter().chain(REFERENCES).map(|f| format!("tags[].{f}")));
                } else {
                    set.extend(["tag", "paginator", "json_ld"].map(String::from));
                    set.extend(tag.iter().chain(REFERENCES).map(|f| format!("tag.{f}")));
                    let pager = [
                        "pages",
                        "number",
                        "total",
                        "previous",
                        "next",
                        "links",
                        "links[].number",
                        "links[].url",
                        "links[].current",
                    ];
                    set.extend(pager.iter().map(|f| format!("paginator.{f}")));
                    set.extend(cards("paginator.pages"));
                }
            }
            Job::NotFound(_) | Job::Search(_) => {}
        }
        set
    }

    #[test]
    fn fingerprints_cover_every_field_a_context_has() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites/features");
        let options = crate::Options {
            root,
            drafts: true,
            base_url: None,
            offline: false,
            serve: false,
            today: crate::date::Date::from_days(0),
        };
        let built = crate::build(&options).expect("the fixture builds");
        let site = &built.site;
        let mut jobs = vec![
            Job::Home(0),
            Job::Tags(0),
            Job::NotFound(0),
            Job::Section(0),
        ];
        jobs.extend((0..site.pages.len()).map(Job::Page));
        jobs.extend((0..site.tags.len()).map(|t| Job::Tag(t, 1)));
        for job in jobs {
            let mut found = BTreeSet::new();
            paths(&crate::render::context_json(site, job), "", &mut found);
            let known = covered(job);
            // `page.extra` is free-form and hashed whole (as its JSON text).
            let unknown: Vec<&String> = found
                .difference(&known)
                .filter(|f| !f.starts_with("page.extra."))
                .collect();
            assert!(
                unknown.is_empty(),
                "{job:?}'s context has {unknown:?}, which serve's fingerprints do not hash: \
                 hash it in serve/fingerprint.rs and list it in this test"
            );
        }
    }
}
