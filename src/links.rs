//! Internal links: turning a link written to a source file (`../treatment/vivitrol.md#dosing`)
//! into the page's URL, and checking, once every page is rendered, that each `#anchor` exists.
//!
//! Markdown rendering asks [`LinkTable::resolve`] about each link as it meets it; anchors are
//! collected and checked across the whole site at the end, so every failure is reported at once.

use crate::diagnostic::{closest, Diagnostic};
use rayon::prelude::*;

/// Every address a link may point to.
#[derive(Debug, Clone, Default)]
pub struct LinkTable {
    /// Source path under `content/` → the page's URL.
    pub pages: crate::hash::Map<String, String>,
    /// Site-relative addresses that exist besides pages: static files, feed, tag index...
    pub files: crate::hash::Set<String>,
    /// Sources that exist but failed to parse: links to them are not reported again.
    pub unavailable: crate::hash::Set<String>,
    /// How the URLs links resolve to are printed (base path, offline).
    pub urls: crate::route::Urls,
    /// What Markdown needs of each language, the default language first.
    pub langs: Vec<LinkLang>,
}

/// What rendering Markdown needs of a language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkLang {
    /// Its code (`es`), the suffix of its files.
    pub code: String,
    /// What it shows after a link to a page that has no version in it ("(en inglés)").
    pub untranslated: String,
    /// The titles of alerts: note, tip, important, warning, caution.
    pub alerts: [String; 5],
}

impl LinkLang {
    /// A language's part, from its strings.
    pub fn of(language: &crate::lang::Language) -> Self {
        let s = &language.strings;
        Self {
            code: language.code.clone(),
            untranslated: s.get("in_default_language").to_owned(),
            alerts: [
                "alert_note",
                "alert_tip",
                "alert_important",
                "alert_warning",
                "alert_caution",
            ]
            .map(|k| s.get(k).to_owned()),
        }
    }
}

/// What a link destination turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Leave as written: another site, `mailto:`, `tel:`, an existing static file.
    External,
    /// A page of this site: its URL (with `#anchor`), its source and the anchor to check.
    Page {
        /// The URL to write in the HTML.
        href: String,
        /// The target's source path under `content/`.
        source: String,
        /// The anchor to check on the target, if any.
        anchor: Option<String>,
        /// Set when a translation links to a page that has no version in its language and
        /// gets the original: the original's language code and the note to show after it.
        untranslated: Option<(String, String)>,
    },
    /// Nothing by that name; the message and a suggestion.
    Broken {
        /// What is wrong.
        message: String,
        /// What would be right.
        help: String,
    },
}

/// The destinations one body asked the link table about, in order, and a hash of what they
/// resolved to. A body rendered against one table is still right against another while the
/// same questions get the same answers ([`Lookups::hold_in`]): a new page, a changed slug or a
/// deleted file re-renders only the bodies that link to it (or, for a broken link, whose
/// suggestion may now differ), not every body on the site. Which sources the answers read is
/// kept too, so that most bodies are found to hold without asking again
/// ([`Lookups::hold_after`]).
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    dests: Vec<Box<str>>,
    hash: u64,
    /// The sources under `content/` the answers read (a link's target and, from a
    /// translation, its version in the translation's language).
    reads: Vec<Box<str>>,
    /// Whether an answer read more than named sources: every source (a broken link's
    /// suggestion) or every page's URL and every file (a link by site path).
    reads_all: bool,
}

/// What answering a link read of the table besides its own destination.
enum Read<'a> {
    /// Whether this source exists, is unavailable, and its URL.
    Source(&'a str),
    /// Every source, URL or file.
    All,
}

/// What changed between two link tables with the same URL rule and languages: the sources
/// whose URL, existence or availability differs, and whether any file did.
#[derive(Debug, Default)]
pub struct Changes {
    sources: crate::hash::Set<String>,
    files: bool,
}

impl Changes {
    /// Whether nothing a link can read changed.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && !self.files
    }
}

impl Lookups {
    /// Whether every destination resolves in `table`, from the file `from`, as it did.
    pub fn hold_in(&self, table: &LinkTable, from: &str) -> bool {
        let again = self.dests.iter().fold(0, |hash, dest| {
            Self::chain(hash, dest, &table.resolve(from, dest))
        });
        again == self.hash
    }

    /// [`Lookups::hold_in`] for `table`, which differs from the table the body was rendered
    /// against by `changes`: when the answers read only named sources, none of which
    /// changed, they hold without being asked again.
    pub fn hold_after(&self, changes: &Changes, table: &LinkTable, from: &str) -> bool {
        if changes.is_empty() {
            return true;
        }
        if self.reads_all {
            return self.hold_in(table, from);
        }
        !self.reads.iter().any(|s| changes.sources.contains(&**s))
    }

    /// The hash so far with one more answer.
    fn chain(hash: u64, dest: &str, resolution: &Resolution) -> u64 {
        crate::hash::of(&(hash, dest, resolution))
    }
}

impl LinkTable {
    /// Resolves `dest`, written in the file `from` (a path under `content/`).
    pub fn resolve(&self, from: &str, dest: &str) -> Resolution {
        self.answer(from, dest, &mut |_| {})
    }

    /// [`LinkTable::resolve`], noting the question, its answer and what the answer read in
    /// `lookups`.
    pub fn resolve_into(&self, from: &str, dest: &str, lookups: &mut Lookups) -> Resolution {
        let resolution = self.answer(from, dest, &mut |read| match read {
            Read::Source(source) => lookups.reads.push(source.into()),
            Read::All => lookups.reads_all = true,
        });
        if matches!(resolution, Resolution::Broken { .. }) {
            // Its suggestion, if any, is the closest of every source.
            lookups.reads_all = true;
        }
        lookups.dests.push(dest.into());
        lookups.hash = Lookups::chain(lookups.hash, dest, &resolution);
        resolution
    }

    /// What changed since `last`, a table with the same URL rule and languages.
    pub fn changes_from(&self, last: &LinkTable) -> Changes {
        let mut sources = crate::hash::Set::default();
        for (source, url) in &self.pages {
            if last.pages.get(source) != Some(url) {
                sources.insert(source.clone());
            }
        }
        for source in last.pages.keys() {
            if !self.pages.contains_key(source) {
                sources.insert(source.clone());
            }
        }
        for source in self.unavailable.symmetric_difference(&last.unavailable) {
            sources.insert(source.clone());
        }
        Changes {
            sources,
            files: self.files != last.files,
        }
    }

    /// Resolves `dest` from `from`, telling `read` what of the table the answer depends on.
    fn answer(&self, from: &str, dest: &str, read: &mut dyn FnMut(Read<'_>)) -> Resolution {
        let dest = dest.trim();
        if dest.is_empty() {
            return Resolution::Broken {
                message: "empty link".into(),
                help: "write the address between the parentheses: `[text](../section/page.md)`"
                    .into(),
            };
        }
        if has_scheme(dest) || dest.starts_with("//") {
            return Resolution::External;
        }
        let (path, anchor) = match dest.split_once('#') {
            // `page.md#` points at the page itself.
            Some((path, "")) => (path, None),
            Some((path, anchor)) => (path, Some(anchor.to_owned())),
            None => (dest, None),
        };
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        if path.is_empty() {
            return Resolution::Page {
                href: dest.to_owned(),
                source: from.to_owned(),
                anchor,
                untranslated: None,
            };
        }
        if path.ends_with(".md") {
            return self.resolve_source(from, dest, path, anchor, read);
        }
        if let Some(absolute) = path.strip_prefix('/') {
            read(Read::All);
            let known = self.files.contains(absolute)
                || self
                    .files
                    .contains(&format!("{}/", absolute.trim_end_matches('/')))
                || self
                    .pages
                    .values()
                    .any(|url| url.trim_start_matches('/') == absolute);
            if known {
                return Resolution::External;
            }
            return Resolution::Broken {
                message: format!("link to `{dest}` matches no page and no file in `static/`"),
                help: "link to a page by its source file (`../section/page.md`), or to a file under `static/` by its path (`/images/x.png`)".into(),
            };
        }
        Resolution::Broken {
            message: format!("relative link `{dest}` is not a `.md` file"),
            help: "link to a page by its source file (`../section/page.md`), or to a file under `static/` by an absolute path (`/images/x.png`)".into(),
        }
    }

    /// The language of the content file `rel` when it is a translation (an index into
    /// `langs`), from its name.
    pub fn lang_of(&self, rel: &str) -> Option<usize> {
        let (_, code) = crate::lang::suffix(rel)?;
        self.langs
            .iter()
            .skip(1)
            .position(|l| l.code == code)
            .map(|i| i + 1)
    }

    fn resolve_source(
        &self,
        from: &str,
        dest: &str,
        path: &str,
        anchor: Option<String>,
        read: &mut dyn FnMut(Read<'_>),
    ) -> Resolution {
        let Some(target) = join(from, path) else {
            return Resolution::Broken {
                message: format!("link to `{dest}` leaves the `content/` folder"),
                help: "remove a `../`: links are relative to the file they are written in".into(),
            };
        };
        // A translation's link to an original's file goes to that page's version in the
        // translation's language when there is one.
        let lang = self.lang_of(from);
        let mut untranslated = None;
        let target = match lang {
            Some(l) if self.lang_of(&target).is_none() => {
                let translated = match target.strip_suffix(".md") {
                    Some(stem) => format!("{stem}.{}.md", self.langs[l].code),
                    None => target.clone(),
                };
                read(Read::Source(&translated));
                if self.pages.contains_key(&translated) || self.unavailable.contains(&translated) {
                    translated
                } else {
                    untranslated = self
                        .langs
                        .first()
                        .map(|first| (first.code.clone(), self.langs[l].untranslated.clone()));
                    target
                }
            }
            _ => target,
        };
        read(Read::Source(&target));
        if self.unavailable.contains(&target) {
            return Resolution::External;
        }
        match self.pages.get(&target) {
            Some(url) => Resolution::Page {
                href: match &anchor {
                    Some(a) => format!("{url}#{a}"),
                    None => url.clone(),
                },
                source: target,
                anchor,
                untranslated,
            },
            None => {
                read(Read::All);
                let suggestion = closest(&target, self.pages.keys().map(String::as_str))
                    .map(|s| format!("did you mean `{}`?", relative_to(from, s)))
                    .unwrap_or_else(|| {
                        "links are relative to the file they are written in, e.g. `../treatment/vivitrol.md`".into()
                    });
                Resolution::Broken {
                    message: format!(
                        "link to `{dest}`: `content/{target}` does not exist (or is a draft)"
                    ),
                    help: suggestion,
                }
            }
        }
    }
}

fn has_scheme(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        }
        None => false,
    }
}

/// Joins a link `path` onto the folder of `from`; `None` when it climbs out of `content/`.
pub fn join(from: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        from.split('/').collect()
    };
    if !path.starts_with('/') {
        parts.pop();
    }
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// How `to` (under `content/`) is written from the file `from`.
fn relative_to(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect();
    let from_dir = &from_dir[..from_dir.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<&str> = vec![".."; from_dir.len() - common];
    out.extend(&to_parts[common..]);
    out.join("/")
}

/// A `#anchor` a page links to, kept until every page's anchors are known.
#[derive(Debug, Clone)]
pub struct AnchorRef {
    /// The linking file (site-relative path, for the diagnostic).
    pub file: String,
    /// The linking line of that file.
    pub source_line: String,
    /// 1-based line of the link.
    pub line: usize,
    /// 1-based column of the link.
    pub column: usize,
    /// The target's source path under `content/`.
    pub target: String,
    /// The anchor, without `#`.
    pub anchor: String,
}

/// The anchors each page defines, by its source path under `content/`.
pub type Anchors<'a> = crate::hash::Map<&'a str, &'a crate::hash::Set<String>>;

/// Checks every anchor reference against the anchors each page defines (in parallel: there are
/// about twelve per article).
pub fn check_anchors(references: Vec<&AnchorRef>, anchors: &Anchors<'_>) -> Vec<Diagnostic> {
    references
        .into_par_iter()
        .filter_map(|r| {
            let defined = anchors.get(r.target.as_str())?;
            if defined.contains(&r.anchor) {
                return None;
            }
            let mut d = Diagnostic::error(
                &r.file,
                "broken-anchor",
                format!("`content/{}` has no anchor `#{}`", r.target, r.anchor),
            )
            .at(r.line, r.column);
            d.source_line = Some(r.source_line.clone());
            let help = match closest(&r.anchor, defined.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `#{s}`?"),
                None if defined.is_empty() => "that page has no headings to link to".to_owned(),
                None => {
                    let mut known: Vec<&str> = defined.iter().map(String::as_str).collect();
                    known.sort_unstable();
                    known.truncate(12);
                    format!(
                        "anchors there: {}",
                        known
                            .iter()
                            .map(|a| format!("`#{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            };
            Some(d.help(help))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> LinkTable {
        let mut t = LinkTable::default();
        t.pages.insert(
            "treatment/vivitrol.md".into(),
            "/treatment/vivitrol/".into(),
        );
        t.pages.insert("_index.md".into(), "/".into());
        t.files.insert("style.css".into());
        t
    }

    /// [`table`] with a Spanish edition beside the English one.
    fn bilingual() -> LinkTable {
        let mut t = table();
        t.langs = vec![
            LinkLang {
                code: "en".into(),
                ..LinkLang::default()
            },
            LinkLang {
                code: "es".into(),
                untranslated: "(en inglés)".into(),
                ..LinkLang::default()
            },
        ];
        t
    }

    #[test]
    fn a_translation_links_to_the_translated_page_or_says_it_is_the_original() {
        let mut t = bilingual();
        t.pages.insert("about.es.md".into(), "/es/acerca/".into());
        let to = |dest: &str| match t.resolve("alcohol/a.es.md", dest) {
            Resolution::Page {
                href, untranslated, ..
            } => (href, untranslated),
            other => panic!("{other:?}"),
        };
        assert_eq!(to("../about.md"), ("/es/acerca/".into(), None));
        assert_eq!(
            to("../treatment/vivitrol.md"),
            (
                "/treatment/vivitrol/".into(),
                Some(("en".into(), "(en inglés)".into()))
            )
        );
        // An original's link stays the original's.
        assert!(matches!(
            t.resolve("alcohol/a.md", "../about.md"),
            Resolution::Broken { .. }
        ));
    }

    #[test]
    fn resolves_source_links_relative_to_the_file() {
        let r = table().resolve("alcohol/a.md", "../treatment/vivitrol.md#dosing");
        assert_eq!(
            r,
            Resolution::Page {
                href: "/treatment/vivitrol/#dosing".into(),
                source: "treatment/vivitrol.md".into(),
                anchor: Some("dosing".into()),
                untranslated: None
            }
        );
        assert!(matches!(
            table().resolve("a.md", "https://x.org"),
            Resolution::External
        ));
        assert!(matches!(
            table().resolve("a.md", "/style.css"),
            Resolution::External
        ));
        assert!(matches!(
            table().resolve("a.md", "tel:988"),
            Resolution::External
        ));
    }

    #[test]
    fn suggests_the_closest_file() {
        match table().resolve("alcohol/a.md", "../treatment/vivitro.md") {
            Resolution::Broken { help, .. } => {
                assert_eq!(help, "did you mean `../treatment/vivitrol.md`?")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            table().resolve("a.md", "../../x.md"),
            Resolution::Broken { .. }
        ));
        assert!(matches!(
            table().resolve("a.md", "/nothing/"),
            Resolution::Broken { .. }
        ));
    }

    /// A body's answers told to hold after a change to the table, from the sources they read,
    /// do hold when every question is asked again; and they are told so nearly whenever they
    /// do (an answer that read a changed source is asked again, even when the change did not
    /// reach it: an unavailable page's new URL). Through random runs of pages added, removed,
    /// moved to another URL, unavailable or translated, and files added, for bodies with
    /// every kind of link.
    #[test]
    fn answers_told_to_hold_after_a_change_hold_when_asked_again() {
        let mut rng = crate::corpus::Rng::new(0x51f1_5e11_a7e5_0001);
        let mut next = move |below: usize| rng.below(below);
        let sources: Vec<String> = (0..4)
            .flat_map(|i| {
                [
                    format!("a/p{i}.md"),
                    format!("b/p{i}.md"),
                    format!("a/p{i}.es.md"),
                ]
            })
            .collect();
        let mut table = bilingual();
        for source in sources.iter().step_by(2) {
            table.pages.insert(source.clone(), format!("/{source}/"));
        }
        let dests = [
            "p1.md",
            "../b/p2.md#x",
            "../a/p3.md",
            "p4.md?q",
            "/a/p2.md/",
            "/style.css",
            "/new.png",
            "https://example.org/",
            "#top",
            "missing.md",
            "notes.txt",
            "../../out.md",
        ];
        let (mut held, mut asked, mut again) = (0, 0, 0);
        for step in 0..2000 {
            // Bodies written against this table: each from a file with a few links.
            let bodies: Vec<(String, Lookups)> = (0..8)
                .map(|_| {
                    let from = sources[next(sources.len())].clone();
                    let mut lookups = Lookups::default();
                    for _ in 0..1 + next(3) {
                        table.resolve_into(&from, dests[next(dests.len())], &mut lookups);
                    }
                    (from, lookups)
                })
                .collect();
            let last = table.clone();
            for _ in 0..1 + next(4) {
                let source = sources[next(sources.len())].clone();
                match next(5) {
                    0 => {
                        table.pages.remove(&source);
                    }
                    1 => {
                        table
                            .pages
                            .insert(source.clone(), format!("/moved/{step}/"));
                    }
                    2 => {
                        if !table.unavailable.remove(&source) {
                            table.unavailable.insert(source);
                        }
                    }
                    3 => {
                        table.files.insert(format!("new{}.png", next(3)));
                    }
                    _ => {
                        table.pages.insert(source.clone(), format!("/{source}/"));
                    }
                }
            }
            let changes = table.changes_from(&last);
            for (from, lookups) in &bodies {
                let quick = lookups.hold_after(&changes, &table, from);
                let hold = lookups.hold_in(&table, from);
                assert!(!quick || hold, "step {step}: {from} {lookups:?}");
                held += usize::from(hold);
                again += usize::from(hold && !quick);
                asked += 1;
            }
        }
        // Both answers came up often, and few that held were asked again.
        assert!(
            held > asked / 5 && asked - held > asked / 20,
            "{held} of {asked} held"
        );
        assert!(
            again * 20 < held,
            "{again} of {held} that held were asked again"
        );
    }
}
