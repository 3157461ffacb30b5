//! Finishing a swap: when nothing changed, nothing happens (the staging folder goes, the output
//! folder is not touched); otherwise the unchanged files are hard-linked into the staged tree,
//! the record is written for the tree, and the tree takes the output folder's place — with
//! `renameat2(RENAME_EXCHANGE)`, else by two renames (the old folder into staging, the tree
//! into its place). The record names the tree's inode, which the renames keep: once the swap is
//! done it describes the output folder, and if the process dies before, it does not (and is
//! not believed). A swap the kernel refuses because the folder is a mount point (`EXDEV`,
//! `EBUSY`) is applied in place instead.

use super::disk::{mtime, named};
use super::fault::{self, Point};
use super::names::{Staging, LEGACY_RECORD};
use super::record::{self, Entry, Identity};
use super::stage::{sibling, Stager};
use super::{io_error, How, Way, Why, Written};
use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// What the old output folder holds that the new site does not.
#[derive(Default)]
struct Leftover {
    /// Files the new site does not have.
    stale: usize,
    /// Whether it has a folder the new site does not.
    folders: bool,
    /// Whether it holds an older version's record.
    legacy: bool,
}

/// How a swap went.
enum Swapped {
    /// Done, this way.
    Done(How),
    /// The kernel refused to move the output folder (a mount point or bind mount).
    Refused,
    /// It failed; the output folder is as it was.
    Failed(Diagnostic),
}

impl Stager {
    /// Swaps the staged site in (see the module's comment).
    pub fn swap(mut self) -> Result<Written, Vec<Diagnostic>> {
        let Some(staging) = self.plan.staging.clone() else {
            return self.apply(Why::SwapRefused);
        };
        let mut clock = crate::Stopwatch::new();
        let leftover = self.leftover();
        clock.lap("publish: old site walked");
        let unchanged = self.unchanged.len();
        if self.plan.exists
            && self.written.is_empty()
            && leftover.stale == 0
            && !leftover.folders
            && !leftover.legacy
        {
            let entries: Vec<(&str, Entry)> = self
                .unchanged
                .iter()
                .map(|(p, e)| (p.as_str(), *e))
                .collect();
            let recorded = self.write_record(Identity::of(&self.plan.names.out), entries);
            let removed = self.plan.disk.remove_staging(&staging);
            recorded.map_err(|d| vec![d])?;
            return Ok(Written {
                unchanged,
                warnings: removed
                    .err()
                    .map(|e| leftover_warning(&self.plan.names.shown, e))
                    .into_iter()
                    .collect(),
                ..Written::default()
            });
        }
        let linked = self.link_unchanged();
        clock.lap("publish: unchanged files linked");
        let staged = linked.and_then(|()| {
            self.plan.disk.faults.at(Point::AfterStaging);
            let entries: Vec<(&str, Entry)> = self
                .written
                .iter()
                .map(|s| (s.rel.as_str(), s.entry))
                .chain(self.unchanged.iter().map(|(p, e)| (p.as_str(), *e)))
                .collect();
            self.write_record(Identity::of(&staging.tree), entries)
        });
        if let Err(d) = staged {
            let _ = self.discard();
            return Err(vec![d]);
        }
        clock.lap("publish: record");
        let permissions = fs::metadata(&self.plan.names.out).map(|m| m.permissions());
        let how = match self.put_in_place(&staging) {
            Swapped::Done(how) => how,
            Swapped::Refused => return self.apply_staged(&staging),
            Swapped::Failed(d) => {
                let _ = self.discard();
                return Err(vec![d]);
            }
        };
        // The new folder gets the old one's permissions (after the swap: a folder that may not
        // be written could not have been filled, nor emptied again if the swap had failed).
        if let Ok(permissions) = permissions {
            let _ = fs::set_permissions(&self.plan.names.out, permissions);
        }
        clock.lap("publish: swap");
        self.plan.disk.faults.at(Point::AfterSwap);
        let removed = self.plan.disk.remove_staging(&staging);
        clock.lap("publish: old site removed");
        Ok(Written {
            written: self.written.len(),
            unchanged,
            removed: leftover.stale,
            how,
            warnings: removed
                .err()
                .map(|e| leftover_warning(&self.plan.names.shown, e))
                .into_iter()
                .collect(),
        })
    }

    /// What the old output folder holds beyond the new site's files and folders.
    fn leftover(&self) -> Leftover {
        let mut leftover = Leftover::default();
        if !self.plan.filled {
            return leftover;
        }
        let folders = folders_of(&self.seen);
        let out = &self.plan.names.out;
        for entry in WalkDir::new(out).min_depth(1) {
            let Ok(entry) = entry else {
                // Unreadable: swapping is the safe answer.
                leftover.folders = true;
                continue;
            };
            let rel = crate::source::relative(out, entry.path());
            if entry.file_type().is_dir() {
                leftover.folders |= !folders.contains(rel.as_str());
            } else if entry.depth() == 1 && rel == LEGACY_RECORD {
                leftover.legacy = true;
            } else if !self.seen.contains(&rel) {
                leftover.stale += 1;
            }
        }
        leftover
    }

    /// Hard-links every unchanged file of the old site into the staged tree (folders first,
    /// one level at a time; links in parallel).
    fn link_unchanged(&mut self) -> Result<(), Diagnostic> {
        let shown = self.plan.names.shown.clone();
        let mut levels: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
        let mut wanted = HashSet::new();
        for (rel, _) in &self.unchanged {
            let mut folder = Path::new(rel).parent();
            while let Some(f) = folder.filter(|f| !f.as_os_str().is_empty()) {
                if self.dirs.contains(f) || !wanted.insert(f.to_owned()) {
                    break;
                }
                levels
                    .entry(f.components().count())
                    .or_default()
                    .push(f.to_owned());
                folder = f.parent();
            }
        }
        let tree = self.plan.target().to_owned();
        let disk = &self.plan.disk;
        let out = &self.plan.names.out;
        let unchanged = &self.unchanged;
        disk.in_parallel(|| {
            for folders in levels.values() {
                folders.par_iter().try_for_each(|f| {
                    let path = tree.join(f);
                    disk.make_dir(&path)
                        .map_err(|e| io_error(&shown, "create", &path, &e))
                })?;
            }
            unchanged.par_iter().try_for_each(|(rel, _)| {
                let from = out.join(rel);
                disk.link(&from, &tree.join(rel))
                    .map_err(|e| io_error(&shown, "link", &from, &e))
            })
        })?;
        self.dirs.extend(wanted);
        Ok(())
    }

    /// Writes the build record for the folder `tree` (temporary file, renamed over the last).
    pub fn write_record(
        &self,
        tree: Option<Identity>,
        entries: Vec<(&str, Entry)>,
    ) -> Result<(), Diagnostic> {
        let names = &self.plan.names;
        let text = record::text(&names.name(), tree, entries.into_iter());
        let faults = &self.plan.disk.faults;
        if faults.wants(Point::Record) {
            let _ = fs::write(&names.record_tmp, &text.as_bytes()[..text.len() / 2]);
            fault::kill();
        }
        let disk = &self.plan.disk;
        disk.write(&names.record_tmp, text.as_bytes())
            .and_then(|_| disk.rename(&names.record_tmp, &names.record))
            .map_err(|e| io_error(&names.shown, "write the build record", &names.record, &e))
    }

    /// Puts the staged tree where the output folder is.
    fn put_in_place(&self, staging: &Staging) -> Swapped {
        let (shown, out, disk) = (
            &self.plan.names.shown,
            &self.plan.names.out,
            &self.plan.disk,
        );
        let tree = &staging.tree;
        let failed = |what: &str, e: &io::Error| Swapped::Failed(io_error(shown, what, out, e));
        if !self.plan.exists {
            return match disk.rename(tree, out) {
                Ok(()) => Swapped::Done(How::Created),
                Err(e) if is_refused(&e) => Swapped::Refused,
                Err(e) => failed("rename the new site into", &e),
            };
        }
        if self.plan.way == Way::Exchange {
            match disk.exchange(tree, out) {
                Ok(()) => return Swapped::Done(How::Exchanged),
                Err(e) if is_unsupported(&e) => {}
                Err(e) if is_refused(&e) => return Swapped::Refused,
                Err(e) => return failed("swap the new site into", &e),
            }
        }
        match disk.rename(out, &staging.old) {
            Ok(()) => {}
            Err(e) if is_refused(&e) => return Swapped::Refused,
            Err(e) => return failed("move aside the old site in", &e),
        }
        disk.faults.at(Point::BetweenRenames);
        match disk.rename(tree, out) {
            Ok(()) => Swapped::Done(How::Renamed),
            Err(e) => {
                let _ = fs::rename(&staging.old, out);
                failed("rename the new site into", &e)
            }
        }
    }

    /// The swap was refused: moves each changed file of the staged tree into the output
    /// folder beside the file it replaces, then finishes in place.
    fn apply_staged(mut self, staging: &Staging) -> Result<Written, Vec<Diagnostic>> {
        let shown = self.plan.names.shown.clone();
        let out = self.plan.names.out.clone();
        let disk = self.plan.disk.clone();
        let moved = self.written.iter_mut().try_for_each(|staged| {
            let to = out.join(&staged.rel);
            if let Some(folder) = to.parent() {
                fs::create_dir_all(folder).map_err(|e| named(e, folder))?;
            }
            let (from, to) = (staging.tree.join(&staged.rel), sibling(&to, ".site-tmp"));
            match disk.rename(&from, &to) {
                // Into a bind mount: a copy, with a time of its own for the record.
                Err(e) if is_refused(&e) => fs::copy(&from, &to).map(|_| {
                    let stamp = fs::metadata(&to).ok().as_ref().and_then(mtime);
                    staged.entry.mtime = stamp.unwrap_or(0);
                }),
                moved => moved,
            }
            .map_err(|e| named(e, &to))
        });
        self.plan.staging = None;
        let shown_too = shown.clone();
        let result = match moved {
            Ok(()) => self.apply(Why::SwapRefused),
            Err(e) => {
                let _ = self.discard();
                Err(vec![io_error(&shown, "write into", &out, &e)])
            }
        };
        let removed = disk.remove_staging(staging);
        result.map(|mut written| {
            written
                .warnings
                .extend(removed.err().map(|e| leftover_warning(&shown_too, e)));
            written
        })
    }
}

/// Every folder that holds one of `paths` (`a/b/c.html` → `a`, `a/b`).
pub fn folders_of(paths: &HashSet<String>) -> HashSet<&str> {
    let mut folders = HashSet::new();
    for path in paths {
        let mut rest = path.as_str();
        while let Some((folder, _)) = rest.rsplit_once('/') {
            if !folders.insert(folder) {
                break;
            }
            rest = folder;
        }
    }
    folders
}

/// The kernel cannot exchange two names here (an old kernel, a file system without it).
fn is_unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported
        || matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
        )
}

/// The kernel will not move this folder: another file system, or a mount point.
fn is_refused(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EXDEV | libc::EBUSY))
}

/// A warning about a staging folder that could not be removed after the new site went in.
fn leftover_warning(shown: &str, e: io::Error) -> Diagnostic {
    Diagnostic::warning(
        shown,
        "publish",
        format!("the new site is in place, but its staging folder could not be removed: {e}"),
    )
    .help("the next build tries again; if it keeps failing, remove the folder by hand")
}
