//! Reading the site's inputs: `site.yaml`, the Markdown under `content/`, the templates and the
//! static files. The only module that reads them; everything after works on the returned data.
//!
//! Hidden files, editor leftovers (`.x.swp`, `x~`, `#x#`, vim's `4913`) are skipped; symlink
//! loops are reported as warnings and survived. Text is checked for UTF-8 (with the position of
//! the first bad byte), its BOM removed and CRLF turned into LF, so later stages see one form.

use crate::diagnostic::{Diagnostic, LineIndex};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A text file of the site.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the site root, `/`-separated (`content/alcohol/x.md`).
    pub path: String,
    /// Path relative to its folder (`alcohol/x.md` under `content/`).
    pub rel: String,
    /// The text, without BOM, with `\n` line ends (shared: rebuilds clone sources often).
    pub text: std::sync::Arc<str>,
}

/// A file copied as is from `static/`.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path relative to `static/` (`css/style.css`).
    pub rel: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Everything a build reads.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `site.yaml`'s text, if the file could be read.
    pub config: Option<String>,
    /// Markdown files under `content/`, sorted by path.
    pub content: Vec<Source>,
    /// Files under `templates/`, sorted by path.
    pub templates: Vec<Source>,
    /// Files under `static/`, sorted by path.
    pub statics: Vec<StaticFile>,
    /// Markdown files under `content/` that could not be read (paths under `content/`), so
    /// links to them are not reported as broken on top of the read error.
    pub unreadable: Vec<String>,
}

/// Reads the whole site at `root`; problems come back as diagnostics next to what was read.
pub fn load(root: &Path) -> (Inputs, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let config = match std::fs::read(root.join(crate::config::FILE)) {
        Ok(bytes) => text(crate::config::FILE, bytes)
            .map_err(|d| diagnostics.push(d))
            .ok(),
        Err(error) => {
            diagnostics.push(
                Diagnostic::error(
                    crate::config::FILE,
                    "config",
                    format!("cannot read `{}`: {error}", crate::config::FILE),
                )
                .help("run `site` from the site's folder, which holds `site.yaml`, `content/` and `templates/`"),
            );
            None
        }
    };
    let (content, unreadable, mut found) = texts(root, "content", |rel| {
        if rel.ends_with(".md") {
            Ok(())
        } else {
            Err("is not Markdown and is ignored; put images and other files in `static/`")
        }
    });
    diagnostics.append(&mut found);
    let (templates, _, mut found) = texts(root, "templates", |_| Ok(()));
    diagnostics.append(&mut found);
    let (statics, mut found) = files(root, "static");
    diagnostics.append(&mut found);
    let inputs = Inputs {
        config,
        content,
        templates,
        statics: statics
            .into_iter()
            .map(|(rel, bytes)| StaticFile { rel, bytes })
            .collect(),
        unreadable,
    };
    (inputs, diagnostics)
}

/// Reads one content file again, for incremental rebuilds.
pub fn load_one(root: &Path, path: &str) -> Result<Source, Diagnostic> {
    let bytes = std::fs::read(root.join(path))
        .map_err(|error| Diagnostic::error(path, "io", format!("cannot read `{path}`: {error}")))?;
    let text = text(path, bytes)?;
    let rel = path.split_once('/').map_or(path, |(_, rel)| rel).to_owned();
    Ok(Source {
        path: path.to_owned(),
        rel,
        text: text.into(),
    })
}

fn texts(
    root: &Path,
    folder: &str,
    accept: impl Fn(&str) -> Result<(), &'static str>,
) -> (Vec<Source>, Vec<String>, Vec<Diagnostic>) {
    let (files, mut diagnostics) = files(root, folder);
    let mut sources = Vec::new();
    let mut unreadable = Vec::new();
    for (rel, bytes) in files {
        let path = format!("{folder}/{rel}");
        if let Err(why) = accept(&rel) {
            diagnostics.push(Diagnostic::warning(
                &path,
                "ignored-file",
                format!("`{path}` {why}"),
            ));
            continue;
        }
        match text(&path, bytes) {
            Ok(text) => sources.push(Source {
                path,
                rel,
                text: text.into(),
            }),
            Err(d) => {
                unreadable.push(rel);
                diagnostics.push(d);
            }
        }
    }
    (sources, unreadable, diagnostics)
}

/// Every regular file under `root/folder`, read in parallel, sorted by relative path.
fn files(root: &Path, folder: &str) -> (Vec<(String, Vec<u8>)>, Vec<Diagnostic>) {
    let base = root.join(folder);
    let mut diagnostics = Vec::new();
    if !base.is_dir() {
        if folder != "static" {
            diagnostics.push(
                Diagnostic::error(folder, "io", format!("the folder `{folder}/` is missing"))
                    .help(format!("create `{folder}/` next to `site.yaml`")),
            );
        }
        return (Vec::new(), diagnostics);
    }
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    let walk = WalkDir::new(&base)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !is_ignored(&entry.file_name().to_string_lossy())
        });
    for entry in walk {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let rel = relative(&base, entry.path());
                paths.push((rel, entry.into_path()));
            }
            Ok(_) => {}
            Err(error) => {
                let at = error.path().map_or_else(
                    || folder.to_owned(),
                    |p| format!("{folder}/{}", relative(&base, p)),
                );
                let message = if error.loop_ancestor().is_some() {
                    format!("`{at}` is a symlink loop; skipped")
                } else {
                    format!("cannot read `{at}`: {error}")
                };
                diagnostics.push(Diagnostic::warning(at, "io", message));
            }
        }
    }
    // By the relative path as a string, the order lookups (`binary_search`) assume; a walk
    // sorted by name goes folder by folder, which puts `news/x.md` before `news-old/y.md`.
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    let read: Vec<_> = paths
        .into_par_iter()
        .map(|(rel, path)| match std::fs::read(&path) {
            Ok(bytes) => Ok((rel, bytes)),
            Err(error) => Err(Diagnostic::error(
                format!("{folder}/{rel}"),
                "io",
                format!("cannot read `{folder}/{rel}`: {error}"),
            )),
        })
        .collect();
    let mut files = Vec::new();
    for item in read {
        match item {
            Ok(file) => files.push(file),
            Err(d) => diagnostics.push(d),
        }
    }
    (files, diagnostics)
}

/// `path` relative to `base`, with `/` separators on every platform.
pub fn relative(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Hidden files and the leftovers editors write next to the file being edited.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
}

/// Checks UTF-8 (locating the first bad byte), removes a BOM and turns CRLF into LF.
fn text(path: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text = text
                .strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text);
            Ok(if text.contains('\r') {
                text.replace("\r\n", "\n")
            } else {
                text
            })
        }
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let (line, column) = LineIndex::new(&prefix).locate(&prefix, prefix.len());
            Err(Diagnostic::error(path, "encoding", "the file is not valid UTF-8")
                .at(line, column)
                .help("save the file as UTF-8 (text pasted from a word processor is often Windows-1252)"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_editor_leftovers() {
        for name in [".x.md.swp", "x.md~", "#x.md#", ".hidden.md", "4913"] {
            assert!(is_ignored(name), "{name}");
        }
        assert!(!is_ignored("x.md"));
    }

    #[test]
    fn normalizes_text_and_locates_bad_bytes() {
        assert_eq!(
            text("a", b"\xef\xbb\xbfa\r\nb".to_vec()).ok(),
            Some("a\nb".to_owned())
        );
        let d = text("a", b"ok\nab\xff".to_vec()).expect_err("invalid");
        assert_eq!((d.line, d.column), (Some(2), Some(3)));
    }
}
