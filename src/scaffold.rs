//! `site new`: scaffolds a correctly-formed article or tag page, so authors start from the
//! schema instead of from memory. Refuses to overwrite; rejects unknown sections and tags with
//! the list of known ones.

use crate::date::Date;
use crate::diagnostic::{closest, Diagnostic};
use crate::markdown::slugify;
use std::fs;
use std::path::{Path, PathBuf};

/// Sections (folders of `content/` with an `_index.md`) and tags (`content/tags/*.md`).
fn known(root: &Path) -> (Vec<String>, Vec<String>) {
    let content = root.join("content");
    let mut sections = Vec::new();
    if let Ok(entries) = fs::read_dir(&content) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "tags" && entry.path().join("_index.md").is_file() {
                sections.push(name);
            }
        }
    }
    let mut tags = Vec::new();
    if let Ok(entries) = fs::read_dir(content.join("tags")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".md") {
                if !crate::source::is_ignored(&name) {
                    tags.push(stem.to_owned());
                }
            }
        }
    }
    sections.sort();
    tags.sort();
    (sections, tags)
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        return "none yet".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes `content/<section>/<slug>.md` for a new article and returns its path.
pub fn article(
    root: &Path,
    title: &str,
    section: Option<&str>,
    tags: &[String],
    today: Date,
) -> Result<PathBuf, Diagnostic> {
    let (sections, known_tags) = known(root);
    let section = match section {
        Some(s) if sections.iter().any(|k| k == s) => s.to_owned(),
        Some(s) => {
            let hint = closest(s, sections.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            return Err(
                Diagnostic::error("content", "new", format!("unknown section `{s}`"))
                    .help(format!("{hint}known sections: {}", listed(&sections))),
            );
        }
        None if sections.len() == 1 => sections[0].clone(),
        None => {
            return Err(
                Diagnostic::error("content", "new", "choose a section with `--section`")
                    .help(format!("known sections: {}", listed(&sections))),
            );
        }
    };
    for tag in tags {
        if !known_tags.contains(tag) {
            let hint = closest(tag, known_tags.iter().map(String::as_str))
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            return Err(
                Diagnostic::error("content", "new", format!("unknown tag `{tag}`")).help(format!(
                    "{hint}create it with `site new tag {tag}`; known tags: {}",
                    listed(&known_tags)
                )),
            );
        }
    }
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(Diagnostic::error(
            "content",
            "new",
            format!("the title `{title}` gives an empty slug"),
        )
        .help("use a title with letters or digits"));
    }
    let rel = format!("content/{section}/{slug}.md");
    let text = format!(
        "---\n\
title: {title}\n\
description: \"\"   # 50-160 characters: what the reader will learn, in plain words\n\
date: {today}\n\
# updated: {today}   # the last substantive change\n\
# reviewed: {today}  # required: the date of the last medical review\n\
tags: [{tags}]\n\
draft: true          # remove when it is ready to publish\n\
references: []\n\
# references:        # at least one for a medical article\n\
#   - title: \"Vivitrol (naltrexone) prescribing information\"\n\
#     publisher: \"Alkermes / U.S. Food and Drug Administration\"\n\
#     year: 2022\n\
#     url: https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=vivitrol\n\
---\n\
\n\
Start with a plain two- or three-sentence answer to the title's question.\n\
\n\
## What is it?\n\
\n\
Short sentences. Explain each medical word the first time you use it.\n\
\n\
## What should I ask my prescriber?\n\
\n\
> [!NOTE]\n\
> Talk to your prescriber before you start, change or stop a medicine.\n",
        title = quoted(title),
        tags = tags.join(", "),
    );
    create(root, &rel, &text)
}

/// Writes `content/tags/<name>.md` for a new tag and returns its path.
pub fn tag(root: &Path, name: &str) -> Result<PathBuf, Diagnostic> {
    if slugify(name) != name {
        return Err(Diagnostic::error(
            "content/tags",
            "new",
            format!("the tag name `{name}` is not a URL segment"),
        )
        .help(format!(
            "use lower-case letters, digits and hyphens, e.g. `{}`",
            slugify(name)
        )));
    }
    let title = name.replace('-', " ");
    let rel = format!("content/tags/{name}.md");
    let text = format!(
        "---\ntitle: {}\ndescription: \"\"   # 50-160 characters\n# references:\n#   - title: \"...\"\n#     url: https://...\n---\n\nIntro shown at the top of the tag's page: 150-400 plain words on what the tag covers, with links to its key articles.\n",
        quoted(&title)
    );
    create(root, &rel, &text)
}

fn create(root: &Path, rel: &str, text: &str) -> Result<PathBuf, Diagnostic> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| {
            Diagnostic::error(
                rel,
                "io",
                format!("cannot create the folder of `{rel}`: {e}"),
            )
        })?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Diagnostic::error(
                    rel,
                    "new",
                    format!("`{rel}` already exists; not overwriting it"),
                )
                .help("choose another title, or edit the existing file")
            } else {
                Diagnostic::error(rel, "io", format!("cannot create `{rel}`: {e}"))
            }
        })?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| Diagnostic::error(rel, "io", format!("cannot write `{rel}`: {e}")))?;
    Ok(path)
}

/// The starter site `site init` writes: a neutral site (no health rules, no helpline) that
/// builds and passes `site check` as it is. The files live in `starter/` in the repository.
const STARTER: &[(&str, &str)] = &[
    ("site.yaml", include_str!("../starter/site.yaml")),
    (
        "content/_index.md",
        include_str!("../starter/content/_index.md"),
    ),
    (
        "content/notes/_index.md",
        include_str!("../starter/content/notes/_index.md"),
    ),
    (
        "content/notes/first-note.md",
        include_str!("../starter/content/notes/first-note.md"),
    ),
    (
        "content/tags/welcome.md",
        include_str!("../starter/content/tags/welcome.md"),
    ),
    (
        "templates/base.html",
        include_str!("../starter/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../starter/templates/index.html"),
    ),
    (
        "templates/list.html",
        include_str!("../starter/templates/list.html"),
    ),
    (
        "templates/section.html",
        include_str!("../starter/templates/section.html"),
    ),
    (
        "templates/page.html",
        include_str!("../starter/templates/page.html"),
    ),
    (
        "templates/tag.html",
        include_str!("../starter/templates/tag.html"),
    ),
    (
        "templates/tags.html",
        include_str!("../starter/templates/tags.html"),
    ),
    (
        "templates/404.html",
        include_str!("../starter/templates/404.html"),
    ),
    (
        "static/style.css",
        include_str!("../starter/static/style.css"),
    ),
];

/// `site init DIR`: writes the starter site into `dir`, which must be missing or empty; the
/// first article is dated `today`. Returns the files written.
pub fn init(dir: &Path, today: Date) -> Result<Vec<PathBuf>, Diagnostic> {
    let shown = dir.display().to_string();
    let io = |what: &str, path: &Path, e: std::io::Error| {
        Diagnostic::error(
            &shown,
            "io",
            format!("cannot {what} `{}`: {e}", path.display()),
        )
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(
                Diagnostic::error(&shown, "io", format!("`{shown}` is a file"))
                    .help("give the path of a new folder: `site init my-site`"),
            );
        }
        let mut entries = fs::read_dir(dir).map_err(|e| io("read", dir, e))?;
        if entries.next().is_some() {
            return Err(Diagnostic::error(
                &shown,
                "io",
                format!("`{shown}` is not empty; `site init` writes a new site only into an empty folder"),
            )
            .help("give the path of a new folder: `site init my-site`"));
        }
    }
    let mut written = Vec::new();
    for (rel, text) in STARTER {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        let text = text.replace("__DATE__", &today.to_string());
        fs::write(&path, text).map_err(|e| io("write", &path, e))?;
        written.push(path);
    }
    Ok(written)
}
