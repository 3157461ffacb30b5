//! What the site uses, resolved from what a file says: [`Page`] (an article), [`Section`]
//! (a section or the home page) and [`TagText`] (a tag's own page text).
//!
//! Each is built by destructuring its front-matter struct, so a new front-matter field does not
//! compile until it is handled here. Slugs, URLs and aliases are validated here: a slug or alias
//! that would write outside the output folder is an error at its line.

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::front_matter::{self, ArticleFront, KeyLines, Reference, SectionFront, TagFront};
use crate::lang::Language;
use crate::markdown::{slugify, Rendered};
use crate::source::Source;
use std::sync::Arc;

/// What kind of file a content path is, by where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// `content/_index.md`.
    Home,
    /// `content/<section>/_index.md`.
    Section(String),
    /// `content/tags/<tag>.md`.
    Tag(String),
    /// `content/<section>/<file>.md`, or `content/<file>.md` with no section.
    Article {
        /// The section folder, if any.
        section: Option<String>,
        /// The file name without `.md`.
        stem: String,
    },
}

impl Place {
    /// Classifies a path under `content/`.
    pub fn of(rel: &str) -> Result<Place, String> {
        let parts: Vec<&str> = rel.split('/').collect();
        let stem = |name: &str| name.trim_end_matches(".md").to_owned();
        match parts.as_slice() {
            ["_index.md"] => Ok(Place::Home),
            ["tags", "_index.md"] => {
                Err("the tag index is generated; remove `content/tags/_index.md`".into())
            }
            ["tags", name] => Ok(Place::Tag(stem(name))),
            [section, "_index.md"] => Ok(Place::Section((*section).to_owned())),
            [name] => Ok(Place::Article {
                section: None,
                stem: stem(name),
            }),
            [section, name] => Ok(Place::Article {
                section: Some((*section).to_owned()),
                stem: stem(name),
            }),
            _ => Err(
                "articles live at `content/<section>/<slug>.md`; nested folders are not supported"
                    .into(),
            ),
        }
    }
}

/// An article: resolved, rendered, ready for templates.
#[derive(Debug, Clone)]
pub struct Page {
    /// The page's language: an index into `Site::langs` (0, the default language, for an
    /// original).
    pub lang: usize,
    /// The original's path under `content/` (`alcohol/x.md` for `alcohol/x.es.md`; its own
    /// for an original): what a page and its translations share.
    pub original: String,
    /// Site-relative path of the source (`content/alcohol/x.md`).
    pub file: String,
    /// Path under `content/` (`alcohol/x.md`), the key links use.
    pub rel: String,
    /// The section folder, if any.
    pub section: Option<String>,
    /// The last URL segment.
    pub slug: String,
    /// Site-relative URL with slashes (`/alcohol/x/`).
    pub url: String,
    /// Title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// First published.
    pub date: Date,
    /// Last substantive change.
    pub updated: Option<Date>,
    /// Last medical review.
    pub reviewed: Option<Date>,
    /// Reviewer, when named.
    pub reviewed_by: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Whether the page is a draft.
    pub draft: bool,
    /// Redirect URLs (`/old/path/`).
    pub aliases: Vec<String>,
    /// Whether review and reference rules apply.
    pub medical: bool,
    /// Order inside the section.
    pub weight: i64,
    /// Sources.
    pub references: Vec<Reference>,
    /// The template it is rendered with, when not `page.html`.
    pub template: Option<String>,
    /// Whether it appears in lists (home, sections, tags, feed, search, related).
    pub listed: bool,
    /// Who wrote it, when named.
    pub author: Option<String>,
    /// Free-form values for templates (a map).
    pub extra: serde_json::Value,
    /// The rendered body (shared with the rebuild cache).
    pub body: Arc<Rendered>,
    /// Lines of the front-matter keys, for diagnostics.
    pub keys: KeyLines,
    /// The source file's text (shared), for diagnostics that quote a line of it.
    pub text: Arc<str>,
}

impl Page {
    /// Reading time in minutes at 200 words a minute, at least 1.
    pub fn reading_time(&self) -> usize {
        self.body.word_count.div_ceil(200).max(1)
    }

    /// The page's numbered references: the front matter's, then those its shortcodes cite
    /// from fact sheets (`ref-<n>` is the n-th).
    pub fn numbered(&self) -> impl Iterator<Item = &Reference> {
        self.references.iter().chain(&self.body.cited)
    }
}

/// A section or the home page.
#[derive(Debug, Clone)]
pub struct Section {
    /// Site-relative path of `_index.md`.
    pub file: String,
    /// Path under `content/`.
    pub rel: String,
    /// The section's language (an index into `Site::langs`).
    pub lang: usize,
    /// The folder name; empty for the home page. A translation has its original's.
    pub name: String,
    /// `/alcohol/`, or `/` for home.
    pub url: String,
    /// Title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Order in the navigation.
    pub weight: i64,
    /// The intro (shared with the rebuild cache).
    pub body: Arc<Rendered>,
    /// Indices into `Site::pages`, in section order.
    pub pages: Vec<usize>,
    /// Lines of the front-matter keys.
    pub keys: KeyLines,
    /// The source file's text (shared), for diagnostics that quote a line of it.
    pub text: Arc<str>,
}

/// A tag's own page text, from `content/tags/<tag>.md`.
#[derive(Debug, Clone)]
pub struct TagText {
    /// Site-relative path.
    pub file: String,
    /// Path under `content/`.
    pub rel: String,
    /// The tag text's language (an index into `Site::langs`).
    pub lang: usize,
    /// The tag's name (the file name, without a language suffix): what pages list.
    pub name: String,
    /// The tag's first list page (`/tags/<name>/`, `/es/temas/<slug>/`).
    pub url: String,
    /// Title.
    pub title: String,
    /// Meta description.
    pub description: String,
    /// Sources for the intro.
    pub references: Vec<Reference>,
    /// The intro (shared with the rebuild cache).
    pub body: Arc<Rendered>,
    /// Lines of the front-matter keys.
    pub keys: KeyLines,
    /// The source file's text (shared), for diagnostics that quote a line of it.
    pub text: Arc<str>,
}

/// A file with its front matter parsed, before its body is rendered.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The source.
    pub source: Source,
    /// Where it sits (by the original's name, for a translation).
    pub place: Place,
    /// Its language: an index into the site's languages (0 for an original).
    pub lang: usize,
    /// The original's path under `content/` (its own for an original).
    pub original: String,
    /// What its front matter says.
    pub front: Front,
    /// Lines of the keys.
    pub keys: KeyLines,
    /// Byte offset of the body.
    pub body_offset: usize,
    /// The URL it will have.
    pub url: String,
}

/// Front matter of any kind of file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Front {
    /// An article's.
    Article(Box<ArticleFront>),
    /// A section's or the home page's.
    Section(SectionFront),
    /// A tag's.
    Tag(TagFront),
}

impl Parsed {
    /// The Markdown body.
    pub fn body(&self) -> &str {
        &self.source.text[self.body_offset..]
    }

    /// Renders the body, resolving its links through `table` (without shortcodes).
    pub fn render(&self, table: &crate::links::LinkTable) -> Rendered {
        self.render_with(table, &crate::shortcode::Env::none())
    }

    /// Renders the body, resolving its links through `table` and expanding its shortcodes.
    pub(crate) fn render_with(
        &self,
        table: &crate::links::LinkTable,
        shortcodes: &crate::shortcode::Env<'_>,
    ) -> Rendered {
        let at = crate::markdown::Location {
            file: &self.source.path,
            rel: &self.source.rel,
            text: &self.source.text,
            body_offset: self.body_offset,
            references: self.references(),
            url: &self.url,
        };
        crate::markdown::render_with(self.body(), &at, table, shortcodes)
    }

    /// The references the front matter lists.
    pub fn references(&self) -> &[Reference] {
        match &self.front {
            Front::Article(a) => &a.references,
            Front::Tag(t) => &t.references,
            Front::Section(_) => &[],
        }
    }

    /// How many references the front matter lists.
    pub fn reference_count(&self) -> usize {
        self.references().len()
    }

    /// Whether this is a draft article.
    pub fn is_draft(&self) -> bool {
        matches!(&self.front, Front::Article(a) if a.draft)
    }
}

/// Splits and parses one file's front matter and works out its URL.
pub fn parse(source: Source, langs: &[Language]) -> Result<Parsed, Vec<Diagnostic>> {
    let file = source.path.clone();
    let codes: Vec<String> = langs.iter().skip(1).map(|l| l.code.clone()).collect();
    let (lang, original) = crate::lang::split_suffix(&source.rel, &codes);
    let lang = lang.unwrap_or(0);
    if let Some(code) = unknown_language(&original) {
        return Err(vec![Diagnostic::error(
            &file,
            "content-layout",
            format!("`{file}` looks like a translation into `{code}`, which is not a language of this site"),
        )
        .help(format!(
            "add `{code}` under `languages` in site.yaml, or rename the file without `.{code}`"
        ))]);
    }
    let place = Place::of(&original).map_err(|why| {
        vec![Diagnostic::error(
            &file,
            "content-layout",
            format!("`{file}` is not where content can be"),
        )
        .help(why)]
    })?;
    let split = front_matter::split(&file, &source.text).map_err(|d| vec![d])?;
    let text = &source.text;
    let (front, keys) = match &place {
        Place::Article { .. } => {
            let (front, keys) = front_matter::parse::<ArticleFront>(&file, text, split.yaml, 2)?;
            (Front::Article(Box::new(front)), keys)
        }
        Place::Home | Place::Section(_) => {
            let (front, keys) = front_matter::parse::<SectionFront>(&file, text, split.yaml, 2)?;
            (Front::Section(front), keys)
        }
        Place::Tag(_) => {
            let (front, keys) = front_matter::parse::<TagFront>(&file, text, split.yaml, 2)?;
            (Front::Tag(front), keys)
        }
    };
    let (title, description) = match &front {
        Front::Article(a) => (&a.title, &a.description),
        Front::Section(s) => (&s.title, &s.description),
        Front::Tag(t) => (&t.title, &t.description),
    };
    let mut empty = Vec::new();
    // A draft may be half-written; `check` still flags its description.
    let is_draft = matches!(&front, Front::Article(a) if a.draft);
    for (key, value, help) in [
        ("title", title, "write the page's title after `title: `"),
        (
            "description",
            description,
            "write one or two sentences after `description: `",
        ),
    ] {
        if value.trim().is_empty() && !(is_draft && key == "description") {
            empty.push(
                Diagnostic::error(&file, "front-matter", format!("`{key}` is empty"))
                    .at_in(text, keys.line(key), 1)
                    .help(help),
            );
        }
    }
    if let Front::Article(a) = &front {
        let mut bad = |key: &str, message: &str, help: &str| {
            empty.push(
                Diagnostic::error(&file, "front-matter", message)
                    .at_in(text, keys.line(key), 1)
                    .help(help),
            );
        };
        if !a.extra.is_object() {
            bad(
                "extra",
                "`extra` is not a map",
                "write it as keys and values: `extra:` then `  key: value` on the next lines",
            );
        }
        if !a.listed && !a.tags.is_empty() {
            bad(
                "tags",
                "a page with `listed: false` is in no list, so it cannot have tags",
                "remove `tags`, or remove `listed: false`",
            );
        }
        let template_ok = a.template.as_deref().is_none_or(|t| {
            t.ends_with(".html")
                && !t.starts_with('/')
                && t.split('/').all(|part| !part.is_empty() && part != "..")
        });
        if !template_ok {
            bad(
                "template",
                "`template` is not the name of a template file",
                "give a file under `templates/`, e.g. `template: about.html`",
            );
        }
    }
    if !empty.is_empty() {
        return Err(empty);
    }
    let translated_slug = match &front {
        Front::Section(f) => f.slug.as_ref(),
        Front::Tag(f) => f.slug.as_ref(),
        Front::Article(_) => None,
    };
    if let Some(slug) = translated_slug {
        let wrong = if lang == 0 {
            Some(format!("an original's URL comes from its file or folder name, so `slug` is only for translations; rename `{original}` instead"))
        } else if matches!(place, Place::Home) {
            Some("the home page has no slug: remove it".to_owned())
        } else if !is_slug(slug) {
            Some(format!(
                "use lower-case letters, digits and hyphens, e.g. `{}`",
                slugify(slug)
            ))
        } else {
            None
        };
        if let Some(help) = wrong {
            return Err(vec![Diagnostic::error(
                &file,
                "slug",
                format!("`slug: {slug}` cannot be used here"),
            )
            .at_in(text, keys.line("slug"), 1)
            .help(help)]);
        }
    }
    let language = &langs[lang.min(langs.len().saturating_sub(1))];
    let url = url(&file, text, &place, &front, &keys, language)?;
    let body_offset = split.body_offset;
    Ok(Parsed {
        source,
        lang,
        original,
        place,
        front,
        keys,
        body_offset,
        url,
    })
}

pub(crate) fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// The language code of a file name that looks translated (`x.fr.md`) into a language the
/// site does not have (after the site's own suffixes were taken off).
fn unknown_language(rel: &str) -> Option<&str> {
    let (_, code) = crate::lang::suffix(rel)?;
    ((2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(code)
}

/// The URL of a file in `language`. A translated article's section part is the section's
/// folder here; `site` puts the translated section's slug in once every file is parsed.
fn url(
    file: &str,
    text: &str,
    place: &Place,
    front: &Front,
    keys: &KeyLines,
    language: &Language,
) -> Result<String, Vec<Diagnostic>> {
    let lang = language.lang();
    let own_slug = match front {
        Front::Section(f) => f.slug.clone(),
        Front::Tag(f) => f.slug.clone(),
        Front::Article(_) => None,
    };
    let folder_error = |name: &str, what: &str| {
        vec![Diagnostic::error(
            file,
            "slug",
            format!("the {what} name `{name}` cannot be used in a URL"),
        )
        .help(format!(
            "rename it to `{}` (lower-case letters, digits and hyphens)",
            slugify(name)
        ))]
    };
    match place {
        Place::Home => Ok(language.home_url()),
        Place::Section(name) if is_slug(name) => Ok(crate::route::section_url(
            lang,
            own_slug.as_deref().unwrap_or(name),
        )),
        Place::Section(name) => Err(folder_error(name, "section folder")),
        Place::Tag(name) if is_slug(name) => Ok(crate::route::tag_url(
            lang,
            &language.tags_path,
            own_slug.as_deref().unwrap_or(name),
        )),
        Place::Tag(name) => Err(folder_error(name, "tag file")),
        Place::Article { section, stem } => {
            let slug = match front {
                Front::Article(a) => a.slug.clone(),
                _ => None,
            };
            let slug = match slug {
                Some(slug) if is_slug(&slug) => slug,
                Some(slug) => {
                    return Err(vec![Diagnostic::error(
                        file,
                        "slug",
                        format!("the slug `{slug}` is not a URL segment"),
                    )
                    .at_in(text, keys.line("slug"), 1)
                    .help(format!(
                        "use lower-case letters, digits and hyphens, e.g. `{}`",
                        slugify(&slug)
                    ))]);
                }
                None => slugify(stem),
            };
            if slug.len() > 240 {
                return Err(vec![Diagnostic::error(
                    file,
                    "slug",
                    "the slug is longer than 240 bytes, too long for a file name",
                )
                .at_in(text, keys.line("slug"), 1)
                .help("use a shorter `slug:` (or file name)")]);
            }
            if slug.is_empty() {
                return Err(vec![Diagnostic::error(
                    file,
                    "slug",
                    format!("the file name `{stem}.md` gives an empty slug"),
                )
                .help("rename the file with letters or digits, or set `slug:`")]);
            }
            match section {
                Some(section) if !is_slug(section) => Err(folder_error(section, "section folder")),
                section => Ok(crate::route::article_url(lang, section.as_deref(), &slug)),
            }
        }
    }
}

/// Checks an alias and turns it into the output path of its redirect page; an error is the
/// message and, when there is one, a hint.
pub fn alias_path(alias: &str) -> Result<String, (String, Option<String>)> {
    let help = "write an alias as a site path such as `/old/path/`";
    if !alias.starts_with('/') || alias.starts_with("//") {
        return Err((
            format!("alias `{alias}` must start with a single `/`; {help}"),
            None,
        ));
    }
    let ok_chars = alias
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    let segments: Vec<&str> = alias.trim_matches('/').split('/').collect();
    if !ok_chars
        || segments
            .iter()
            .any(|s| *s == ".." || *s == "." || s.is_empty())
    {
        return Err((format!("alias `{alias}` is not a plain site path (no `..`, `.`, `//` or special characters); {help}"), None));
    }
    if segments.iter().any(|s| s.len() > 240) {
        return Err((
            format!("alias `{alias}` has a part longer than 240 bytes, too long for a file name"),
            Some("shorten the alias".to_owned()),
        ));
    }
    let rel = alias.trim_start_matches('/');
    Ok(if rel.ends_with(".html") {
        rel.to_owned()
    } else {
        format!("{}/index.html", rel.trim_end_matches('/'))
    })
}

/// Turns a parsed article and its rendered body into a [`Page`].
/// `medical` is the site's default for articles that do not say.
pub fn article(
    parsed: &Parsed,
    front: &ArticleFront,
    body: Arc<Rendered>,
    medical_default: bool,
) -> Page {
    let ArticleFront {
        title,
        description,
        date,
        updated,
        reviewed,
        reviewed_by,
        tags,
        draft,
        slug: _,
        aliases,
        medical,
        weight,
        references,
        template,
        listed,
        author,
        extra,
    } = front.clone();
    let section = match &parsed.place {
        Place::Article { section, .. } => section.clone(),
        _ => None,
    };
    let slug = parsed
        .url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    Page {
        lang: parsed.lang,
        original: parsed.original.clone(),
        file: parsed.source.path.clone(),
        rel: parsed.source.rel.clone(),
        section,
        slug,
        url: parsed.url.clone(),
        title,
        description,
        date,
        updated,
        reviewed,
        reviewed_by,
        tags,
        draft,
        aliases,
        medical: medical.unwrap_or(medical_default),
        weight,
        references,
        template,
        listed,
        author,
        extra,
        body,
        keys: parsed.keys.clone(),
        text: Arc::clone(&parsed.source.text),
    }
}

/// Turns a parsed `_index.md` into a [`Section`] (pages are attached later).
pub fn section(parsed: &Parsed, front: &SectionFront, body: Arc<Rendered>) -> Section {
    let SectionFront {
        title,
        description,
        weight,
        slug: _,
    } = front.clone();
    let name = match &parsed.place {
        Place::Section(name) => name.clone(),
        _ => String::new(),
    };
    Section {
        file: parsed.source.path.clone(),
        rel: parsed.source.rel.clone(),
        lang: parsed.lang,
        name,
        url: parsed.url.clone(),
        title,
        description,
        weight,
        body,
        pages: Vec::new(),
        keys: parsed.keys.clone(),
        text: Arc::clone(&parsed.source.text),
    }
}

/// Turns a parsed tag file into a [`TagText`].
pub fn tag(parsed: &Parsed, front: &TagFront, body: Arc<Rendered>) -> TagText {
    let TagFront {
        title,
        description,
        references,
        slug: _,
    } = front.clone();
    let name = match &parsed.place {
        Place::Tag(name) => name.clone(),
        _ => String::new(),
    };
    TagText {
        file: parsed.source.path.clone(),
        rel: parsed.source.rel.clone(),
        lang: parsed.lang,
        name,
        url: parsed.url.clone(),
        title,
        description,
        references,
        body,
        keys: parsed.keys.clone(),
        text: Arc::clone(&parsed.source.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_files_by_path() {
        assert_eq!(Place::of("_index.md"), Ok(Place::Home));
        assert_eq!(
            Place::of("alcohol/_index.md"),
            Ok(Place::Section("alcohol".into()))
        );
        assert_eq!(Place::of("tags/liver.md"), Ok(Place::Tag("liver".into())));
        assert_eq!(
            Place::of("alcohol/x.md"),
            Ok(Place::Article {
                section: Some("alcohol".into()),
                stem: "x".into()
            })
        );
        assert!(Place::of("a/b/c.md").is_err());
    }

    #[test]
    fn aliases_stay_inside_the_output() {
        assert_eq!(alias_path("/old/path/"), Ok("old/path/index.html".into()));
        assert_eq!(alias_path("/old.html"), Ok("old.html".into()));
        for bad in [
            "../x",
            "/../x/",
            "//evil.org/",
            "/a/./b",
            "relative/",
            "/a b/",
            "/a\\..\\b",
        ] {
            assert!(alias_path(bad).is_err(), "{bad}");
        }
        assert!(alias_path(&format!("/{}/", "a".repeat(300))).is_err());
    }
}
