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
    // Writing into a folder that is missing or empty (a cold build) needs no look at what is
    // there: nothing to compare, nothing stale.
    let mut fresh = true;
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
        fresh = !has_files;
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
    // Phase 1, in parallel: find what changed and write its new bytes beside the old file.
    let steps: Vec<Result<Step<'_>, Diagnostic>> = outputs
        .par_iter()
        .map(|output| {
            let path = out.join(&output.path);
            let hash = crate::hash::bytes(&output.bytes);
            let meta = if fresh {
                None
            } else {
                fs::symlink_metadata(&path).ok()
            };
            let unchanged = match &meta {
                Some(meta) if meta.is_file() && meta.len() == output.bytes.len() as u64 => {
                    match manifest.get(&output.path) {
                        Some(entry) => entry.hash == hash && Some(entry.mtime) == mtime(meta),
                        None => is_same(&path, &output.bytes),
                    }
                }
                _ => false,
            };
            if unchanged {
                let stamp = meta.as_ref().and_then(mtime).unwrap_or(0);
                return Ok(Step::Unchanged(format!(
                    "{hash:016x}\t{stamp}\t{}\n",
                    output.path
                )));
            }
            // A new file goes straight to its place (removing it undoes it); a file that
            // exists gets its new bytes beside it, swapped in once everything is written.
            let existed = meta.is_some();
            let staged = if existed {
                sibling(&path, ".site-tmp")
            } else {
                path.clone()
            };
            // The modification time for the manifest comes from the open file (a rename keeps it).
            let stamp = write_file(&staged, &output.bytes).map_err(|e| {
                let _ = fs::remove_file(&staged);
                io_error("write", &path, e)
            })?;
            Ok(Step::Staged {
                rel: &output.path,
                path,
                staged,
                existed,
                hash,
                stamp,
            })
        })
        .collect();
    let mut unchanged_lines = Vec::new();
    let mut staged = Vec::new();
    for step in steps {
        match step {
            Ok(Step::Unchanged(line)) => unchanged_lines.push(line),
            Ok(step @ Step::Staged { .. }) => staged.push(step),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        discard(&staged);
        return Err(errors);
    }
    // Phase 2: swap the new files in, keeping each old one until every swap has worked, so a
    // failure (a full disk, a locked file) puts the previous site back as it was.
    let mut done: Vec<&Step<'_>> = Vec::new();
    for step in &staged {
        let Step::Staged {
            path,
            staged: new,
            existed,
            ..
        } = step
        else {
            continue;
        };
        if !existed {
            done.push(step);
            continue;
        }
        let swapped = (|| {
            if *existed {
                fs::rename(path, sibling(path, ".site-old"))?;
            }
            fs::rename(new, path).inspect_err(|_| {
                if *existed {
                    let _ = fs::rename(sibling(path, ".site-old"), path);
                }
            })
        })();
        if let Err(e) = swapped {
            errors.push(io_error("replace", path, e));
            roll_back(&done);
            discard(&staged);
            return Err(errors);
        }
        done.push(step);
    }
    // Phase 3: the new site is in place; drop the old files and record what was written.
    let mut written = Written {
        written: staged.len(),
        unchanged: unchanged_lines.len(),
        removed: 0,
    };
    let mut lines = String::from(MANIFEST_HEADER);
    for line in &unchanged_lines {
        lines.push_str(line);
    }
    for step in &staged {
        if let Step::Staged {
            rel,
            path,
            existed,
            hash,
            stamp,
            ..
        } = step
        {
            if *existed {
                let old = sibling(path, ".site-old");
                let _ = if old.is_dir() {
                    fs::remove_dir_all(&old)
                } else {
                    fs::remove_file(&old)
                };
            }
            let stamp = stamp.unwrap_or(0);
            lines.push_str(&format!("{hash:016x}\t{stamp}\t{rel}\n"));
        }
    }
    if let Err(e) = fs::write(out.join(MARKER), lines) {
        errors.push(io_error("write", &out.join(MARKER), e));
        return Err(errors);
    }
    if !fresh {
        let keep: HashSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        written.removed = remove_stale(out, &keep, &folders).map_err(|e| vec![e])?;
    }
    Ok(written)
}

/// What publishing does with one output.
enum Step<'a> {
    /// Already on disk as it should be; its manifest line.
    Unchanged(String),
    /// New bytes written beside the file, waiting to be swapped in.
    Staged {
        rel: &'a str,
        path: std::path::PathBuf,
        staged: std::path::PathBuf,
        existed: bool,
        hash: u64,
        /// Its modification time once written.
        stamp: Option<u128>,
    },
}

fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Removes staged files that were never swapped in.
fn discard(staged: &[Step<'_>]) {
    for step in staged {
        if let Step::Staged { staged, .. } = step {
            let _ = fs::remove_file(staged);
        }
    }
}

/// Puts back the old files of the swaps already done (newest first).
fn roll_back(done: &[&Step<'_>]) {
    for step in done.iter().rev() {
        if let Step::Staged { path, existed, .. } = step {
            if *existed {
                let _ = fs::remove_file(path);
                let _ = fs::rename(sibling(path, ".site-old"), path);
            } else {
                let _ = fs::remove_file(path);
            }
        }
    }
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

/// Writes `bytes` to a new file at `path`; returns its modification time.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<Option<u128>> {
    use std::io::Write;
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    Ok(file.metadata().ok().as_ref().and_then(mtime))
}

fn is_same(path: &Path, bytes: &[u8]) -> bool {
    fs::read(path).is_ok_and(|old| old == bytes)
}

/// Removes every file under `out` that is not in `keep` (nor the manifest), then every folder
/// left empty; `kept` are the folders that hold outputs, which are left alone.
fn remove_stale(out: &Path, keep: &HashSet<&str>, kept: &[&Path]) -> Result<usize, Diagnostic> {
    let kept: HashSet<&Path> = kept.iter().copied().collect();
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
        let rel = crate::source::relative(out, entry.path());
        if entry.file_type().is_dir() {
            if !kept.contains(Path::new(&rel)) {
                folders.push(entry.into_path());
            }
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
