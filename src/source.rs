//! Reading the site's inputs: `site.yaml`, the Markdown under `content/`, the templates, the
//! data files under `data/` and the static files. The only module that reads them; everything after works on the returned data.
//!
//! Hidden files, editor leftovers (`.x.swp`, `x~`, `#x#`, vim's `4913`) are skipped; symlink
//! loops are reported as warnings and survived. Text is checked for UTF-8 (with the position of
//! the first bad byte), its BOM removed and CRLF turned into LF, so later stages see one form.

use crate::diagnostic::{Diagnostic, LineIndex};
use rayon::prelude::*;
use std::collections::BTreeMap;
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

#[cfg(test)]
impl Source {
    /// A file `rel` under `folder` (`templates`, `data`) with `text`, for tests.
    pub(crate) fn in_folder(folder: &str, rel: &str, text: &str) -> Self {
        Self {
            path: format!("{folder}/{rel}"),
            rel: rel.to_owned(),
            text: text.into(),
        }
    }
}

/// A file copied as is from `static/`.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path relative to `static/` (`css/style.css`).
    pub rel: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Everything a build reads, and what went wrong reading it.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `site.yaml`'s text, if the file could be read.
    pub config: Option<String>,
    /// Markdown files under `content/`, sorted by path.
    pub content: Vec<Source>,
    /// Files under `templates/`, sorted by path.
    pub templates: Vec<Source>,
    /// YAML and JSON files under `data/` (optional), sorted by path; parsed by `data`.
    pub data: Vec<Source>,
    /// Interface strings, one YAML file per language under `i18n/` (optional), sorted by path;
    /// parsed by `lang`.
    pub i18n: Vec<Source>,
    /// Files under `static/`, sorted by path.
    pub statics: Vec<StaticFile>,
    /// Markdown files under `content/` that could not be read (paths under `content/`), so
    /// links to them are not reported as broken on top of the read error.
    pub unreadable: Vec<String>,
    /// Problems met while reading, by the file (or folder) they are about: the one place they
    /// are kept, so reading a file again replaces exactly that file's problems.
    problems: BTreeMap<String, Vec<Diagnostic>>,
}

/// What reading one path again changed, for deciding how much to rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing the site reads (an editor's leftover, a file outside the site's folders).
    Nothing,
    /// The text of a content file that was already there.
    Text,
    /// Anything else: a file added, removed or unreadable, a template, a static file, the
    /// configuration.
    Shape,
    /// A folder, or a path that cannot be placed: only reading everything again is sure.
    Everything,
}

impl Inputs {
    /// Every problem met while reading, file by file.
    pub fn problems(&self) -> impl Iterator<Item = &Diagnostic> {
        self.problems.values().flatten()
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems().any(Diagnostic::is_error)
    }

    fn note(&mut self, diagnostic: Diagnostic) {
        self.problems
            .entry(diagnostic.file.clone())
            .or_default()
            .push(diagnostic);
    }

    /// Reads the site-relative path `rel` again (it changed, appeared or went away) and says
    /// what that changed.
    pub fn reload(&mut self, root: &Path, rel: &str) -> Change {
        let full = root.join(rel);
        if full.is_dir() {
            return Change::Everything;
        }
        if is_ignored(rel.rsplit('/').next().unwrap_or(rel)) {
            return Change::Nothing;
        }
        self.problems.remove(rel);
        if rel == crate::config::FILE {
            self.config = read_config(root).map_err(|d| self.note(d)).ok();
            return Change::Shape;
        }
        let Some((folder, inner)) = rel.split_once('/') else {
            return Change::Everything;
        };
        match folder {
            "content" => self.reload_text(Folder::Content, rel, inner, &full),
            "templates" => self.reload_text(Folder::Templates, rel, inner, &full),
            "data" => self.reload_text(Folder::Data, rel, inner, &full),
            "i18n" => self.reload_text(Folder::I18n, rel, inner, &full),
            "static" => self.reload_static(rel, inner, &full),
            _ => Change::Nothing,
        }
    }

    /// Reads a content file or a template again (`inner` is its path under its folder).
    fn reload_text(&mut self, folder: Folder, rel: &str, inner: &str, full: &Path) -> Change {
        let exists = full.is_file();
        let list = self.list(folder);
        let prefix = format!("{inner}/");
        if !exists && list.iter().any(|s| s.rel.starts_with(&prefix)) {
            // A folder that went away, reported as a path.
            return Change::Everything;
        }
        let had = list.binary_search_by(|s| s.rel.as_str().cmp(inner));
        if let Ok(i) = had {
            list.remove(i);
        }
        self.unreadable.retain(|r| r != inner);
        if !exists {
            return Change::Shape;
        }
        if folder != Folder::Templates {
            let accept = match folder {
                Folder::Data => crate::data::accept,
                Folder::I18n => crate::lang::accept,
                _ => accept_content,
            };
            if let Err(why) = accept(inner) {
                self.note(Diagnostic::warning(
                    rel,
                    "ignored-file",
                    format!("`{rel}` {why}"),
                ));
                return Change::Shape;
            }
        }
        let read = std::fs::read(full)
            .map_err(|error| cannot_read(rel, &error))
            .and_then(|bytes| limit(folder, rel, bytes))
            .and_then(|bytes| text(rel, bytes));
        let text = match read {
            Ok(text) => text,
            Err(d) => {
                if folder == Folder::Content {
                    self.unreadable.push(inner.to_owned());
                }
                self.note(d);
                return Change::Shape;
            }
        };
        let source = Source {
            path: rel.to_owned(),
            rel: inner.to_owned(),
            text: text.into(),
        };
        let list = self.list(folder);
        match list.binary_search_by(|s| s.rel.cmp(&source.rel)) {
            Ok(i) => list[i] = source,
            Err(i) => list.insert(i, source),
        }
        if folder == Folder::Content && had.is_ok() {
            Change::Text
        } else {
            Change::Shape
        }
    }

    fn list(&mut self, folder: Folder) -> &mut Vec<Source> {
        match folder {
            Folder::Content => &mut self.content,
            Folder::Templates => &mut self.templates,
            Folder::Data => &mut self.data,
            Folder::I18n => &mut self.i18n,
        }
    }

    /// Reads a static file again (`inner` is its path under `static/`).
    fn reload_static(&mut self, rel: &str, inner: &str, full: &Path) -> Change {
        self.statics.retain(|f| f.rel != inner);
        if full.is_file() {
            match std::fs::read(full) {
                Ok(bytes) => {
                    let file = StaticFile {
                        rel: inner.to_owned(),
                        bytes,
                    };
                    let at = self
                        .statics
                        .binary_search_by(|f| f.rel.cmp(&file.rel))
                        .unwrap_or_else(|i| i);
                    self.statics.insert(at, file);
                }
                Err(error) => self.note(cannot_read(rel, &error)),
            }
        }
        Change::Shape
    }
}

/// The folders of text files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folder {
    Content,
    Templates,
    Data,
    I18n,
}

/// Reads the whole site at `root`; problems are kept in [`Inputs`], next to what was read.
pub fn load(root: &Path) -> Inputs {
    let mut diagnostics = Vec::new();
    let config = read_config(root).map_err(|d| diagnostics.push(d)).ok();
    let (content, unreadable, mut found) = texts(root, "content", accept_content);
    diagnostics.append(&mut found);
    let (templates, _, mut found) = texts(root, "templates", |_| Ok(()));
    diagnostics.append(&mut found);
    let (data, _, mut found) = texts(root, "data", crate::data::accept);
    diagnostics.append(&mut found);
    let (i18n, _, mut found) = texts(root, "i18n", crate::lang::accept);
    diagnostics.append(&mut found);
    let (statics, mut found) = files(root, "static");
    diagnostics.append(&mut found);
    let mut inputs = Inputs {
        config,
        content,
        templates,
        data,
        i18n,
        statics: statics
            .into_iter()
            .map(|(rel, bytes)| StaticFile { rel, bytes })
            .collect(),
        unreadable,
        problems: BTreeMap::new(),
    };
    for d in diagnostics {
        inputs.note(d);
    }
    inputs
}

/// Reads `site.yaml`.
fn read_config(root: &Path) -> Result<String, Diagnostic> {
    let file = crate::config::FILE;
    match std::fs::read(root.join(file)) {
        Ok(bytes) => text(file, bytes),
        Err(error) => Err(Diagnostic::error(
            file,
            "config",
            format!("cannot read `{file}`: {error}"),
        )
        .help("run `site` from the site's folder, which holds `site.yaml`, `content/` and `templates/`")),
    }
}

/// Whether a file under `content/` is one the site reads.
fn accept_content(rel: &str) -> Result<(), &'static str> {
    if rel.ends_with(".md") {
        Ok(())
    } else {
        Err("is not Markdown and is ignored; put images and other files in `static/`")
    }
}

fn cannot_read(rel: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(rel, "io", format!("cannot read `{rel}`: {error}"))
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
        let read = if folder == "data" {
            limit(Folder::Data, &path, bytes)
        } else {
            Ok(bytes)
        };
        match read.and_then(|bytes| text(&path, bytes)) {
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
        if folder != "static" && folder != "data" && folder != "i18n" {
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

/// Refuses a data file larger than `data::MAX_BYTES` (data is read whole into every build).
fn limit(folder: Folder, rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Diagnostic> {
    if folder == Folder::Data && bytes.len() > crate::data::MAX_BYTES {
        return Err(Diagnostic::error(
            rel,
            "data",
            format!(
                "`{rel}` is {} KB, more than the {} KB a data file may have",
                bytes.len().div_ceil(1024),
                crate::data::MAX_BYTES / 1024
            ),
        )
        .help("split it into smaller files in a folder (`data/<name>/<part>.yaml`), or keep large data out of the site"));
    }
    Ok(bytes)
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
    fn refuses_a_data_file_over_the_limit() {
        let big = vec![b'a'; crate::data::MAX_BYTES + 1];
        let d = limit(Folder::Data, "data/big.yaml", big).expect_err("too large");
        assert_eq!(
            d.message,
            "`data/big.yaml` is 1025 KB, more than the 1024 KB a data file may have"
        );
        assert!(limit(
            Folder::Content,
            "content/a.md",
            vec![b'a'; crate::data::MAX_BYTES + 1]
        )
        .is_ok());
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
