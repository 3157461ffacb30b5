//! Writing the site: the only module that writes files.
//!
//! Outputs arrive complete (a failed build never gets here, so the previous site stays as it
//! was). Only files whose bytes changed are written, each through a temporary file renamed into
//! place, so a reader never sees half a page; files the site no longer has are removed. A folder
//! that exists but was not written by `site` is refused rather than emptied.

use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path};
use walkdir::WalkDir;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the output folder, `/`-separated (`alcohol/x/index.html`).
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// What a publish did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date, left alone.
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
}

/// Marks a folder as ours, so a rebuild may remove files from it.
pub const MARKER: &str = ".site-build";

/// Checks that every output stays inside the output folder and that no two share a path.
pub fn validate(outputs: &[Output]) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for output in outputs {
        let path = Path::new(&output.path);
        let inside = !output.path.is_empty()
            && path.components().all(|c| matches!(c, Component::Normal(_)))
            && !output.path.contains('\\');
        if !inside {
            errors.push(Diagnostic::error(
                "public",
                "output-path",
                format!(
                    "refusing to write `{}`: it is outside the output folder",
                    output.path
                ),
            ));
        } else if !seen.insert(output.path.as_str()) {
            errors.push(
                Diagnostic::error(
                    "public",
                    "duplicate-url",
                    format!("two outputs would be written at `{}`", output.path),
                )
                .help("a static file, an alias and a page may not share a path"),
            );
        }
    }
    errors
}

/// Makes `out` hold exactly `outputs`.
pub fn write(out: &Path, outputs: &[Output]) -> Result<Written, Vec<Diagnostic>> {
    let shown = out.display().to_string();
    let io_error = |what: &str, path: &Path, error: std::io::Error| {
        Diagnostic::error(
            shown.clone(),
            "io",
            format!("cannot {what} `{}`: {error}", path.display()),
        )
    };
    let mut errors = validate(outputs);
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.exists() {
        if !out.is_dir() {
            return Err(vec![Diagnostic::error(
                &shown,
                "io",
                format!("the output path `{shown}` is a file, not a folder"),
            )
            .help("remove it, or pass another folder with `--output`")]);
        }
        let has_files = fs::read_dir(out)
            .map_err(|e| vec![io_error("read", out, e)])?
            .next()
            .is_some();
        if has_files && !out.join(MARKER).exists() {
            return Err(vec![Diagnostic::error(&shown, "io", format!("`{shown}` is not empty and was not written by `site`; refusing to replace its files"))
                .help("empty it, or pass another folder with `--output`")]);
        }
    }
    let mut folders: BTreeSet<&Path> = BTreeSet::new();
    for output in outputs {
        if let Some(parent) = Path::new(&output.path).parent() {
            folders.insert(parent);
        }
    }
    fs::create_dir_all(out).map_err(|e| vec![io_error("create", out, e)])?;
    let folders: Vec<&Path> = folders.into_iter().collect();
    errors.extend(
        folders
            .par_iter()
            .filter_map(|folder| {
                let path = out.join(folder);
                fs::create_dir_all(&path)
                    .err()
                    .map(|e| io_error("create", &path, e))
            })
            .collect::<Vec<_>>(),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    // What the last build wrote (hash, length, mtime per file): a file whose entry matches both
    // the new bytes and the file on disk is left alone without being read.
    let manifest = Manifest::read(&out.join(MARKER));
    let results: Vec<Result<(bool, String), Diagnostic>> =
        outputs
            .par_iter()
            .map(|output| {
                let path = out.join(&output.path);
                let hash = crate::asset::content_hash(&output.bytes);
                let meta = fs::symlink_metadata(&path).ok();
                let unchanged = match &meta {
                    Some(meta) if meta.is_file() && meta.len() == output.bytes.len() as u64 => {
                        match manifest.get(&output.path) {
                            Some(entry) => entry.hash == hash && Some(entry.mtime) == mtime(meta),
                            None => is_same(&path, &output.bytes),
                        }
                    }
                    _ => false,
                };
                if !unchanged {
                    match meta {
                        // A new file: nobody can be reading it yet, so write it in place.
                        None => fs::write(&path, &output.bytes)
                            .map_err(|e| io_error("write", &path, e))?,
                        Some(_) => replace(&path, &output.bytes)
                            .map_err(|e| io_error("write", &path, e))?,
                    }
                }
                let stamp = fs::symlink_metadata(&path)
                    .ok()
                    .as_ref()
                    .and_then(mtime)
                    .unwrap_or(0);
                Ok((
                    !unchanged,
                    format!("{hash:016x}\t{stamp}\t{}\n", output.path),
                ))
            })
            .collect();
    let mut written = Written::default();
    let mut lines = String::from(MANIFEST_HEADER);
    for result in results {
        match result {
            Ok((changed, line)) => {
                if changed {
                    written.written += 1;
                } else {
                    written.unchanged += 1;
                }
                lines.push_str(&line);
            }
            Err(d) => errors.push(d),
        }
    }
    if let Err(e) = fs::write(out.join(MARKER), lines) {
        errors.push(io_error("write", &out.join(MARKER), e));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let keep: HashSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    written.removed = remove_stale(out, &keep).map_err(|e| vec![e])?;
    Ok(written)
}

const MANIFEST_HEADER: &str =
    "# written by `site build`: files here are replaced on every build\n# hash\tmtime\tpath\n";

/// The last build's record of each file it wrote.
struct Manifest(std::collections::HashMap<String, Entry>);

struct Entry {
    hash: u64,
    mtime: u128,
}

impl Manifest {
    fn read(path: &Path) -> Self {
        let text = fs::read_to_string(path).unwrap_or_default();
        let entries = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut parts = line.splitn(3, '\t');
                let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
                let mtime = parts.next()?.parse().ok()?;
                Some((parts.next()?.to_owned(), Entry { hash, mtime }))
            })
            .collect();
        Self(entries)
    }

    fn get(&self, path: &str) -> Option<&Entry> {
        self.0.get(path)
    }
}

fn mtime(meta: &fs::Metadata) -> Option<u128> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

fn is_same(path: &Path, bytes: &[u8]) -> bool {
    fs::read(path).is_ok_and(|old| old == bytes)
}

/// Writes through a temporary sibling and renames it into place.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".site-tmp");
    let tmp = Path::new(&tmp);
    let result = (|| {
        let mut file = fs::File::create(tmp)?;
        file.write_all(bytes)?;
        drop(file);
        if path.is_dir() {
            fs::remove_dir_all(path)?;
        }
        fs::rename(tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(tmp);
    }
    result
}

fn remove_stale(out: &Path, keep: &HashSet<&str>) -> Result<usize, Diagnostic> {
    let mut removed = 0;
    let mut folders = Vec::new();
    for entry in WalkDir::new(out).min_depth(1).contents_first(true) {
        let entry = entry.map_err(|e| {
            Diagnostic::error(
                out.display().to_string(),
                "io",
                format!("cannot read the output folder: {e}"),
            )
        })?;
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if entry.file_type().is_dir() {
            folders.push(entry.into_path());
        } else if rel != MARKER && !keep.contains(rel.as_str()) {
            fs::remove_file(entry.path()).map_err(|e| {
                Diagnostic::error(
                    out.display().to_string(),
                    "io",
                    format!("cannot remove stale `{}`: {e}", entry.path().display()),
                )
            })?;
            removed += 1;
        }
    }
    for folder in folders {
        // Only empty folders go; a non-empty one still holds outputs.
        let _ = fs::remove_dir(folder);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(path: &str, text: &str) -> Output {
        Output {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn writes_only_changes_and_removes_stale_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let first =
            write(&out, &[output("a/index.html", "a"), output("b.txt", "b")]).expect("first");
        assert_eq!(
            first,
            Written {
                written: 2,
                unchanged: 0,
                removed: 0
            }
        );
        let second =
            write(&out, &[output("a/index.html", "a"), output("c.txt", "c")]).expect("second");
        assert_eq!(
            second,
            Written {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!out.join("b.txt").exists());
        assert_eq!(
            fs::read_to_string(out.join("c.txt")).ok().as_deref(),
            Some("c")
        );
    }

    #[test]
    fn refuses_foreign_folders_and_escaping_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("precious.txt"), "keep").expect("write");
        assert!(write(dir.path(), &[output("index.html", "x")]).is_err());
        assert!(dir.path().join("precious.txt").exists());
        let out = dir.path().join("public");
        for bad in ["../x.html", "/etc/x", "a/../../x", ""] {
            assert!(write(&out, &[output(bad, "x")]).is_err(), "{bad}");
        }
    }
}
