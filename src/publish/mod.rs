//! Writing the site: the only module that writes files.
//!
//! Outputs stream in while the site renders ([`Publisher`]): a thread of its own, the only
//! writer, takes them from a bounded channel and stages them, so the whole site is never held
//! in memory. By default (the *swap*) the new site is staged whole in a folder beside the
//! output, `D/.N.site-staging/tree/`: changed files written, unchanged ones hard-linked from
//! the old site (so they keep their inode and time), and when everything is there the staged
//! tree and the output folder trade places in one `renameat2(RENAME_EXCHANGE)` (or two renames
//! where the file system has no exchange). A process killed at any moment leaves either the
//! old site or the new one, never a mix, and the next build cleans up (`recover`). A build
//! whose output did not change touches nothing; a failed build deletes its staging and leaves
//! the output as it was. Where hard links or swaps are impossible (FAT and exFAT, a mount
//! point) files are written *in place*, each through a temporary file renamed over the old one,
//! which is not crash-safe. A folder that is not empty and was not written by `site` is
//! refused rather than emptied. `docs/publishing.md` tells the whole story.
//!
//! `plan` decides the way before rendering starts, `stage` takes the outputs, `swap` and
//! `in_place` finish; `names` spells every path beside the output, `record` is the build
//! record, `disk` every change to the file system, `fault` the crash tests' switches.

mod disk;
mod fault;
mod in_place;
mod names;
mod plan;
mod record;
mod recover;
mod stage;
mod swap;

use crate::diagnostic::Diagnostic;
use disk::Disk;
use fault::Faults;
use names::Names;
use stage::Stager;
use std::collections::HashSet;
use std::path::{Component, Path};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the output folder, `/`-separated (`alcohol/x/index.html`).
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Files created or changed.
    pub written: usize,
    /// Files already up to date, left alone (or linked into the new tree).
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
    /// How the output folder was changed.
    pub how: How,
    /// Problems that did not stop the publish (a leftover that could not be removed).
    pub warnings: Vec<Diagnostic>,
}

/// How a publish changed the output folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum How {
    /// Not at all: nothing changed, or the build failed.
    #[default]
    Untouched,
    /// The staged tree and the old folder traded places (`renameat2` with `RENAME_EXCHANGE`).
    Exchanged,
    /// The old folder was moved aside and the staged tree renamed into its place.
    Renamed,
    /// There was no output folder: the staged tree was renamed into place.
    Created,
    /// Written file by file into the folder.
    InPlace(Why),
}

/// Why a publish wrote into the output folder instead of swapping a new one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `SITE_PUBLISH=in-place`.
    Forced,
    /// The folder is a mount point: it cannot be renamed.
    MountPoint,
    /// The folder is a bind mount: files cannot be linked out of it into the staging folder.
    BindMount,
    /// The file system cannot hard-link (FAT, exFAT), so unchanged files could not be kept.
    NoHardLinks,
    /// The swap was refused (`EXDEV` or `EBUSY`: a mount point or bind mount).
    SwapRefused,
}

impl std::fmt::Display for How {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            How::Untouched => f.write_str("nothing changed"),
            How::Exchanged => f.write_str("swapped in with renameat2"),
            How::Renamed => f.write_str("swapped in by two renames"),
            How::Created => f.write_str("renamed into place"),
            How::InPlace(why) => write!(f, "written in place: {why}"),
        }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Why::Forced => "SITE_PUBLISH=in-place",
            Why::MountPoint => "the output folder is a mount point",
            Why::BindMount => "the output folder is a bind mount",
            Why::NoHardLinks => "this file system cannot hard-link files",
            Why::SwapRefused => "the output folder cannot be renamed (a mount point or bind mount)",
        })
    }
}

/// The way a build reaches the output folder, decided before rendering starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Staged, then swapped in with `renameat2(RENAME_EXCHANGE)` (two renames if unsupported).
    Exchange,
    /// Staged, then swapped in by two renames.
    Rename,
    /// Written into the folder.
    InPlace(Why),
}

/// Where a run's outputs go: kept in the run (`build`, `check`, `serve`), or sent to a
/// [`Publisher`] as they are made (`build_into`).
#[derive(Clone, Copy)]
pub(crate) enum Sink<'a> {
    /// Keep every output in memory.
    Collect,
    /// Send each output to the publisher.
    Send(&'a SyncSender<Output>),
}

impl Sink<'_> {
    /// `output` back when outputs are collected; when they are sent, sends it and gives back
    /// nothing. (A publisher that stopped has kept its own error, reported when it finishes.)
    pub(crate) fn keep(&self, output: Output) -> Option<Output> {
        match self {
            Sink::Collect => Some(output),
            Sink::Send(sender) => {
                let _ = sender.send(output);
                None
            }
        }
    }
}

/// Checks that every output stays inside the output folder and that no two share a path.
pub fn validate(outputs: &[Output]) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for output in outputs {
        if let Some(d) = outside(&output.path) {
            errors.push(d);
        } else if !seen.insert(output.path.as_str()) {
            errors.push(duplicate(&output.path));
        }
    }
    errors
}

/// The error for an output path that would leave the output folder, if `path` would.
pub(crate) fn outside(path: &str) -> Option<Diagnostic> {
    let inside = !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && !path.contains('\\');
    (!inside).then(|| {
        Diagnostic::error(
            "public",
            "output-path",
            format!("refusing to write `{path}`: it is outside the output folder"),
        )
    })
}

/// The error for a second output at `path`.
pub(crate) fn duplicate(path: &str) -> Diagnostic {
    Diagnostic::error(
        "public",
        "duplicate-url",
        format!("two outputs would be written at `{path}`"),
    )
    .help("a static file, an alias and a page may not share a path")
}

/// Makes `out` hold exactly `outputs` (all in memory: tests and small callers; a build
/// streams them through a [`Publisher`]).
pub fn write(out: &Path, outputs: &[Output]) -> Result<Written, Vec<Diagnostic>> {
    let errors = validate(outputs);
    if !errors.is_empty() {
        return Err(errors);
    }
    let publisher = Publisher::start(out)?;
    for output in outputs {
        publisher.sender().send(output.clone()).ok();
    }
    publisher.finish(true)
}

/// How many rendered outputs may wait for the publisher: enough to keep it busy, few enough
/// that memory holds a few pages, not the site.
const QUEUE: usize = 256;

/// Publishes one build into one output folder: holds the folder's lock from [`start`] to
/// [`finish`], and a thread that stages the outputs sent to it.
///
/// [`start`]: Publisher::start
/// [`finish`]: Publisher::finish
pub struct Publisher {
    names: Names,
    /// Held until the publisher is finished: no other build of this folder runs meanwhile.
    lock: std::fs::File,
    sender: SyncSender<Output>,
    worker: JoinHandle<Stager>,
    /// What recovery could not clean up.
    warnings: Vec<Diagnostic>,
}

impl Publisher {
    /// Takes the output folder's lock (waiting for another build of it to finish), cleans up
    /// after a build that was killed, decides how to publish and makes the staging folder.
    pub fn start(out: &Path) -> Result<Self, Vec<Diagnostic>> {
        let faults = Arc::new(Faults::from_env().map_err(|d| vec![d])?);
        let forced = plan::forced().map_err(|d| vec![d])?;
        let names = Names::of(out).map_err(|d| vec![d])?;
        // Refused before anything is made beside it: a foreign folder gets no lock file.
        if let Some(refusal) = plan::refusal(&names) {
            return Err(vec![refusal]);
        }
        let lock = plan::lock(&names)?;
        let disk = Disk::new(faults);
        let warnings = recover::recover(&names, &disk)?;
        let plan = plan::Plan::make(names.clone(), forced, disk)?;
        let (sender, outputs) = sync_channel(QUEUE);
        let stager = Stager::new(plan);
        let worker = std::thread::Builder::new()
            .name("publish".into())
            .spawn(move || stager.receive(outputs))
            .map_err(|e| {
                vec![Diagnostic::error(
                    &names.shown,
                    "io",
                    format!("cannot start the thread that writes `{}`: {e}", names.shown),
                )]
            })?;
        Ok(Self {
            names,
            lock,
            sender,
            worker,
            warnings,
        })
    }

    /// Where to send the outputs. Send each path once; every sender must be gone (borrows
    /// ended) before [`finish`](Publisher::finish).
    pub fn sender(&self) -> &SyncSender<Output> {
        &self.sender
    }

    /// Completes the publish when `ok` (swaps the staged site in, or writes in place); when the
    /// build failed, deletes what was staged and leaves the output folder as it was.
    pub fn finish(self, ok: bool) -> Result<Written, Vec<Diagnostic>> {
        let Self {
            names,
            lock,
            sender,
            worker,
            mut warnings,
        } = self;
        drop(sender);
        let Ok(stager) = worker.join() else {
            return Err(vec![Diagnostic::error(
                &names.shown,
                "io",
                format!("the thread writing `{}` stopped unexpectedly", names.shown),
            )
            .help("the output folder was left as it was; run the build again")]);
        };
        let result = stager.complete(ok);
        drop(lock);
        result.map(|mut written| {
            warnings.append(&mut written.warnings);
            written.warnings = warnings;
            written
        })
    }
}

/// An I/O error about `path` while publishing into the folder shown as `shown`.
fn io_error(shown: &str, what: &str, path: &Path, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        shown,
        "io",
        format!("cannot {what} `{}`: {error}", path.display()),
    )
}

#[cfg(test)]
mod tests;
