//! Tags: each tag's own text (from `content/tags/<tag>.md`) joined with the pages that use it.
//! Every tag used must be declared; a declared tag nobody uses is left to `check` to warn about.

use crate::diagnostic::{closest, Diagnostic};
use crate::page::{Page, TagText};
use std::sync::Arc;

/// A tag with its pages.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The tag's text and front matter.
    pub text: TagText,
    /// `/tags/<name>/`.
    pub url: String,
    /// Indices into `Site::pages`, newest first.
    pub pages: Vec<usize>,
}

/// Joins tag texts with the pages that use them, listed in `order` (newest first). A page's
/// tags are its language's: a Spanish page tagged `liver` is listed on `tags/liver.es.md`'s
/// page.
pub fn assemble(
    texts: Vec<TagText>,
    pages: &[Arc<Page>],
    order: &[usize],
    langs: &[crate::lang::Language],
) -> (Vec<Tag>, Vec<Diagnostic>) {
    let mut tags: Vec<Tag> = texts
        .into_iter()
        .map(|text| Tag {
            url: text.url.clone(),
            text,
            pages: Vec::new(),
        })
        .collect();
    tags.sort_by(|a, b| (a.text.lang, &a.text.name).cmp(&(b.text.lang, &b.text.name)));
    // The tags by language and name, in the order of `tags`: a tag is found by a search that
    // copies nothing.
    let declared: Vec<(usize, String)> = tags
        .iter()
        .map(|t| (t.text.lang, t.text.name.clone()))
        .collect();
    let find = |lang: usize, name: &str| {
        declared.binary_search_by(|(l, tag)| (*l, tag.as_str()).cmp(&(lang, name)))
    };
    let mut diagnostics = Vec::new();
    for &p in order {
        let page = &pages[p];
        let line = || page.keys.line("tags");
        let mut seen = Vec::new();
        for name in &page.tags {
            if seen.contains(&name) {
                diagnostics.push(
                    Diagnostic::error(&page.file, "tags", format!("tag `{name}` is listed twice"))
                        .at(line(), 1)
                        .help("remove the repeated tag"),
                );
                continue;
            }
            seen.push(name);
            match find(page.lang, name) {
                Ok(t) => tags[t].pages.push(p),
                Err(_) => {
                    let lower = name.to_lowercase();
                    let file = crate::site::suffixed(&format!("tags/{name}.md"), langs, page.lang);
                    let names = declared
                        .iter()
                        .filter(|(l, _)| *l == page.lang)
                        .map(|(_, n)| n.as_str());
                    let in_original = page.lang > 0 && find(0, name).is_ok();
                    let help = if in_original {
                        format!("the tag has no page in this language: create `content/{file}` with `title`, `description`, `slug` and an intro")
                    } else if lower != *name && find(page.lang, &lower).is_ok() {
                        format!("tags are lower-case: write `{lower}`")
                    } else {
                        match closest(name, names) {
                        Some(s) => format!("did you mean `{s}`? Otherwise create `content/{file}` with `title`, `description` and an intro"),
                        None => format!("create `content/{file}` with `title`, `description` and an intro"),
                    }
                    };
                    let message = if in_original {
                        format!(
                            "tag `{name}` has no page in `{}`",
                            langs.get(page.lang).map_or("", |l| l.code.as_str())
                        )
                    } else {
                        format!("tag `{name}` is not declared")
                    };
                    diagnostics.push(
                        Diagnostic::error(&page.file, "undeclared-tag", message)
                            .at(line(), 1)
                            .help(help),
                    );
                }
            }
        }
    }
    (tags, diagnostics)
}
