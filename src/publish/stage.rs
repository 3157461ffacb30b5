//! The publisher thread: takes each output as it arrives, checks its path, tells whether the
//! file on disk already holds its bytes (the record, else a byte comparison), and writes what
//! changed: into the staged tree for a swap, beside the old file (`*.site-tmp`) in place.
//! Unchanged files are only remembered; `swap` links them at the end, if anything changed.

use super::disk::{mtime, named};
use super::fault::{self, Point};
use super::plan::Plan;
use super::record::Entry;
use super::{duplicate, io_error, outside, Output, Way, Written};
use crate::diagnostic::Diagnostic;
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

/// What the publisher thread has staged.
pub struct Stager {
    /// How this build publishes.
    pub plan: Plan,
    /// Every output path received.
    pub seen: HashSet<String>,
    /// Folders known to exist in the target (relative to it).
    pub dirs: HashSet<PathBuf>,
    /// Folders this build made inside the output folder (in place), to remove if it fails.
    pub made: Vec<PathBuf>,
    /// Files written (into the tree, or beside the old file in place).
    pub written: Vec<Staged>,
    /// Files whose bytes are already on disk, with what the record says of them.
    pub unchanged: Vec<(String, Entry)>,
    /// What went wrong; once there is an error, outputs are only drained.
    pub errors: Vec<Diagnostic>,
}

/// One file written by this build.
pub struct Staged {
    /// Its path in the site.
    pub rel: String,
    /// Its record entry.
    pub entry: Entry,
    /// Whether the output folder had a file at that path.
    pub existed: bool,
}

/// What is on disk at an output's path.
enum OnDisk {
    /// The same bytes, with this modification time.
    Same(u128),
    /// Something else, or nothing (`existed`).
    Different { existed: bool },
}

impl Stager {
    /// A stager for `plan`, with nothing received yet.
    pub fn new(plan: Plan) -> Self {
        Self {
            plan,
            seen: HashSet::new(),
            dirs: HashSet::new(),
            made: Vec::new(),
            written: Vec::new(),
            unchanged: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Stages every output sent until the senders are gone; returns itself for `complete`.
    pub fn receive(mut self, outputs: Receiver<Output>) -> Self {
        let half = self.plan.record.as_ref().map_or(0, |r| r.len() / 2).max(1);
        let kill_midway = self.plan.disk.faults.wants(Point::MidStaging);
        for output in outputs {
            if self.errors.is_empty() {
                self.take(output);
            }
            if kill_midway && self.seen.len() == half {
                fault::kill();
            }
        }
        self
    }

    fn take(&mut self, output: Output) {
        if let Some(d) = outside(&output.path) {
            self.errors.push(d);
            return;
        }
        if !self.seen.insert(output.path.clone()) {
            self.errors.push(duplicate(&output.path));
            return;
        }
        let hash = crate::hash::bytes(&output.bytes);
        let existed = match self.on_disk(&output, hash) {
            OnDisk::Same(mtime) => {
                self.unchanged.push((output.path, Entry { hash, mtime }));
                return;
            }
            OnDisk::Different { existed } => existed,
        };
        let rel = Path::new(&output.path);
        if let Some(folder) = rel.parent() {
            if let Err(e) = self.ensure_dir(folder) {
                let d = io_error(&self.plan.names.shown, "create the folder for", rel, &e);
                self.errors.push(d);
                return;
            }
        }
        let path = self.plan.target().join(rel);
        let to = match self.plan.way {
            Way::InPlace(_) => sibling(&path, ".site-tmp"),
            Way::Exchange | Way::Rename => path,
        };
        match self.plan.disk.write(&to, &output.bytes) {
            Ok(stamp) => self.written.push(Staged {
                rel: output.path,
                entry: Entry {
                    hash,
                    mtime: stamp.unwrap_or(0),
                },
                existed,
            }),
            Err(e) => {
                let _ = fs::remove_file(&to);
                let d = io_error(&self.plan.names.shown, "write", &to, &e);
                self.errors.push(d);
            }
        }
    }

    /// Whether the output folder already has `output`'s bytes at its path.
    fn on_disk(&self, output: &Output, hash: u64) -> OnDisk {
        if !self.plan.filled {
            return OnDisk::Different { existed: false };
        }
        let path = self.plan.names.out.join(&output.path);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            return OnDisk::Different { existed: false };
        };
        if meta.is_file() && meta.len() == output.bytes.len() as u64 {
            let stamp = mtime(&meta);
            let same = match self.plan.record.as_ref().and_then(|r| r.get(&output.path)) {
                Some(entry) => entry.hash == hash && Some(entry.mtime) == stamp,
                None => fs::read(&path).is_ok_and(|old| old == output.bytes),
            };
            if same {
                return OnDisk::Same(stamp.unwrap_or(0));
            }
        }
        OnDisk::Different { existed: true }
    }

    /// Makes `folder` (relative to the target) and the folders above it, once each.
    pub fn ensure_dir(&mut self, folder: &Path) -> io::Result<()> {
        if folder.as_os_str().is_empty() || self.dirs.contains(folder) {
            return Ok(());
        }
        if let Some(parent) = folder.parent() {
            self.ensure_dir(parent)?;
        }
        let path = self.plan.target().join(folder);
        let in_place = matches!(self.plan.way, Way::InPlace(_));
        match self.plan.disk.make_dir(&path) {
            Ok(()) if in_place => self.made.push(folder.to_owned()),
            Ok(()) => {}
            Err(e) if in_place && e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(named(e, &path)),
        }
        self.dirs.insert(folder.to_owned());
        Ok(())
    }

    /// Finishes the publish (`ok`) or throws away what was staged (the build failed).
    pub fn complete(mut self, ok: bool) -> Result<Written, Vec<Diagnostic>> {
        let result = if !ok {
            Ok(Written::default())
        } else if !self.errors.is_empty() {
            Err(std::mem::take(&mut self.errors))
        } else {
            let faults = std::sync::Arc::clone(&self.plan.disk.faults);
            let result = match self.plan.way {
                Way::InPlace(why) => self.apply(why),
                Way::Exchange | Way::Rename => self.swap(),
            };
            faults.report();
            return result;
        };
        self.discard().map_err(|d| vec![d])?;
        result
    }

    /// Removes what this build staged: the staging folder, or in place the `*.site-tmp` files
    /// and the folders it made.
    pub fn discard(&self) -> Result<(), Diagnostic> {
        if let Some(staging) = &self.plan.staging {
            return self
                .plan
                .disk
                .remove_staging(staging)
                .map_err(|e| io_error(&self.plan.names.shown, "remove", &staging.dir, &e));
        }
        for staged in &self.written {
            let _ = fs::remove_file(sibling(&self.plan.names.out.join(&staged.rel), ".site-tmp"));
        }
        for folder in self.made.iter().rev() {
            let _ = fs::remove_dir(self.plan.names.out.join(folder));
        }
        Ok(())
    }
}

/// `path` with `suffix` added to its file name (`index.html.site-tmp`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    name.into()
}
