//! Finishing in place, where the output folder cannot be swapped (a mount point, a file system
//! without hard links such as FAT or exFAT, a refused swap, or `SITE_PUBLISH=in-place`): every
//! changed file was written beside the one it replaces (`*.site-tmp`); each is renamed over it,
//! the old file kept (`*.site-old`) until all are in, so a failure puts the previous site back.
//! Then the old files and the stale ones go and the record is written. Not crash-safe: a
//! process killed half-way leaves a mix of old and new files (and `*.site-tmp` or `*.site-old`
//! files, removed as stale by the next build).

use super::names::LEGACY_RECORD;
use super::record::{Entry, Identity};
use super::stage::{sibling, Stager};
use super::swap::folders_of;
use super::{io_error, How, Why, Written};
use crate::diagnostic::Diagnostic;
use std::fs;
use std::path::Path;
use walkdir::WalkDir;

impl Stager {
    /// Renames every staged file over the one it replaces, removes stale files, writes the
    /// record.
    pub fn apply(self, why: Why) -> Result<Written, Vec<Diagnostic>> {
        let shown = self.plan.names.shown.clone();
        let out = self.plan.names.out.clone();
        let disk = self.plan.disk.clone();
        let mut failure = None;
        for (i, staged) in self.written.iter().enumerate() {
            let path = out.join(&staged.rel);
            let (new, old) = (sibling(&path, ".site-tmp"), sibling(&path, ".site-old"));
            let swapped = (|| {
                if staged.existed {
                    disk.rename(&path, &old)?;
                }
                disk.rename(&new, &path).inspect_err(|_| {
                    if staged.existed {
                        let _ = fs::rename(&old, &path);
                    }
                })
            })();
            if let Err(e) = swapped {
                failure = Some((i, io_error(&shown, "replace", &path, &e)));
                break;
            }
        }
        if let Some((done, error)) = failure {
            self.roll_back(done);
            let _ = self.discard();
            return Err(vec![error]);
        }
        for staged in self.written.iter().filter(|s| s.existed) {
            let old = sibling(&out.join(&staged.rel), ".site-old");
            let _ = if old.is_dir() {
                disk.remove_tree(&old)
            } else {
                disk.remove_file(&old)
            };
        }
        let entries: Vec<(&str, Entry)> = self
            .written
            .iter()
            .map(|s| (s.rel.as_str(), s.entry))
            .chain(self.unchanged.iter().map(|(p, e)| (p.as_str(), *e)))
            .collect();
        self.write_record(Identity::of(&out), entries)
            .map_err(|d| vec![d])?;
        let (removed, touched) = self.remove_stale().map_err(|d| vec![d])?;
        Ok(Written {
            written: self.written.len(),
            unchanged: self.unchanged.len(),
            removed,
            how: if self.written.is_empty() && !touched {
                How::Untouched
            } else {
                How::InPlace(why)
            },
            warnings: Vec::new(),
        })
    }

    /// Puts back the old files of the first `done` renames, newest first.
    fn roll_back(&self, done: usize) {
        let out = &self.plan.names.out;
        for staged in self.written[..done].iter().rev() {
            let path = out.join(&staged.rel);
            let _ = fs::remove_file(&path);
            if staged.existed {
                let _ = fs::rename(sibling(&path, ".site-old"), &path);
            }
        }
    }

    /// Removes every file of the output folder the site no longer has (an older version's
    /// record too, uncounted), then the folders left empty; returns how many files went, and
    /// whether anything did.
    fn remove_stale(&self) -> Result<(usize, bool), Diagnostic> {
        let out = &self.plan.names.out;
        let shown = &self.plan.names.shown;
        let kept = folders_of(&self.seen);
        let mut removed = 0;
        let mut touched = false;
        let mut folders = Vec::new();
        for entry in WalkDir::new(out).min_depth(1).contents_first(true) {
            let entry = entry.map_err(|e| {
                Diagnostic::error(shown, "io", format!("cannot read the output folder: {e}"))
            })?;
            let rel = crate::source::relative(out, entry.path());
            if entry.file_type().is_dir() {
                if !kept.contains(rel.as_str()) {
                    folders.push(entry.into_path());
                }
            } else if !self.seen.contains(&rel) {
                self.plan
                    .disk
                    .remove_file(entry.path())
                    .map_err(|e| io_error(shown, "remove stale", entry.path(), &e))?;
                touched = true;
                if !(entry.depth() == 1 && rel == LEGACY_RECORD) {
                    removed += 1;
                }
            }
        }
        for folder in folders {
            // Only empty folders go; a folder that is not empty still holds outputs.
            touched |= self.plan.disk.remove_dir(Path::new(&folder)).is_ok();
        }
        Ok((removed, touched))
    }
}
