//! Deciding, before anything is rendered, how this build reaches the output folder: whether
//! the folder may be replaced at all (ours, or empty, or missing), what the last build's record
//! can be believed for, and the way: staged and swapped in (the default), or written in place
//! when the folder is a mount point or its file system cannot hard-link unchanged files into
//! the staged tree. Also the lock that keeps two builds of one folder apart.

use super::disk::Disk;
use super::names::{Names, Staging};
use super::record::{Identity, Record};
use super::{io_error, Way, Why};
use crate::diagnostic::Diagnostic;
use std::fs::{self, File, TryLockError};
use std::path::Path;

/// How this build publishes, and what it knows of the folder it replaces.
pub struct Plan {
    /// Every path beside the output.
    pub names: Names,
    /// Swap or in place.
    pub way: Way,
    /// The staging folder (the swap ways only).
    pub staging: Option<Staging>,
    /// The last build's record (beside the folder, or an older version's inside it).
    pub record: Option<Record>,
    /// Whether the output folder exists.
    pub exists: bool,
    /// Whether it exists and holds something (else there is nothing to compare or keep).
    pub filled: bool,
    /// The file system, counted.
    pub disk: Disk,
}

/// The way `SITE_PUBLISH` forces (for tests), if it is set.
pub fn forced() -> Result<Option<Way>, Diagnostic> {
    let Some(value) = std::env::var_os("SITE_PUBLISH") else {
        return Ok(None);
    };
    match value.to_string_lossy().as_ref() {
        "exchange" => Ok(Some(Way::Exchange)),
        "rename" => Ok(Some(Way::Rename)),
        "in-place" => Ok(Some(Way::InPlace(Why::Forced))),
        other => Err(Diagnostic::error(
            "SITE_PUBLISH",
            "publish",
            format!("unknown way of publishing `{other}`"),
        )
        .help("use exchange, rename or in-place")),
    }
}

/// Why the output folder may not be written, if it may not: it is a file, or it holds files
/// and no build record marks it as ours.
pub fn refusal(names: &Names) -> Option<Diagnostic> {
    let shown = &names.shown;
    let meta = fs::symlink_metadata(&names.out).ok()?;
    if !meta.is_dir() {
        return Some(
            Diagnostic::error(
                shown,
                "io",
                format!("the output path `{shown}` is a file, not a folder"),
            )
            .help("remove it, or pass another folder with `--output`"),
        );
    }
    let empty = fs::read_dir(&names.out).is_ok_and(|mut entries| entries.next().is_none());
    let ours = names.record.exists() || names.legacy.is_file();
    (!empty && !ours).then(|| {
        Diagnostic::error(
            shown,
            "io",
            format!("`{shown}` is not empty and was not written by `site`; refusing to replace its files"),
        )
        .help("empty it, or pass another folder with `--output`")
    })
}

/// Takes the output folder's lock, waiting (and saying so once) while another build holds it.
pub fn lock(names: &Names) -> Result<File, Vec<Diagnostic>> {
    let shown = &names.shown;
    let beside = |what: &str, e: &std::io::Error| {
        vec![io_error(shown, what, &names.lock, e).help(format!(
            "`site` keeps its lock, record and staging folder beside `{shown}`, in `{}`: that folder must be writable",
            names.parent.display()
        ))]
    };
    fs::create_dir_all(&names.parent).map_err(|e| beside("create the folder of", &e))?;
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&names.lock)
        .map_err(|e| beside("create the lock", &e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!("waiting for another build of `{shown}` to finish");
            file.lock().map_err(|e| beside("lock", &e))?;
        }
        Err(TryLockError::Error(e)) => return Err(beside("lock", &e)),
    }
    Ok(file)
}

impl Plan {
    /// Looks at the output folder (under the lock, after recovery) and chooses the way;
    /// makes the staging folder for a swap.
    pub fn make(names: Names, forced: Option<Way>, disk: Disk) -> Result<Self, Vec<Diagnostic>> {
        if let Some(refusal) = refusal(&names) {
            return Err(vec![refusal]);
        }
        let shown = names.shown.clone();
        let exists = names.out.is_dir();
        let filled =
            exists && fs::read_dir(&names.out).is_ok_and(|mut entries| entries.next().is_some());
        let legacy = names.legacy.is_file();
        let record = match Record::read(&names.record) {
            Some(mut record) => {
                record.trust_if_it_describes(Identity::of(&names.out));
                Some(record)
            }
            None if legacy => Record::read(&names.legacy).map(|mut record| {
                record.trust();
                record
            }),
            None => None,
        };
        let mut way = forced.unwrap_or(Way::Exchange);
        if forced.is_none() && exists && is_mount_point(&names.out, &names.parent) {
            way = Way::InPlace(Why::MountPoint);
        }
        let mut plan = Self {
            names,
            way,
            staging: None,
            record,
            exists,
            filled,
            disk,
        };
        match plan.way {
            Way::InPlace(_) => {
                if !exists {
                    fs::create_dir_all(&plan.names.out)
                        .map_err(|e| vec![io_error(&shown, "create", &plan.names.out, &e)])?;
                }
            }
            Way::Exchange | Way::Rename => {
                let staging = plan.make_staging()?;
                if filled && forced.is_none() {
                    if let Some(why) = links_refused(&plan.names.out, &staging) {
                        plan.way = Way::InPlace(why);
                    }
                }
                if matches!(plan.way, Way::InPlace(_)) {
                    plan.disk
                        .remove_staging(&staging)
                        .map_err(|e| vec![io_error(&shown, "remove", &staging.dir, &e)])?;
                } else {
                    plan.staging = Some(staging);
                }
            }
        }
        Ok(plan)
    }

    /// Where outputs are written: the staged tree, or the output folder itself.
    pub fn target(&self) -> &Path {
        match &self.staging {
            Some(staging) => &staging.tree,
            None => &self.names.out,
        }
    }

    /// Makes a staging folder: the folder, its marker, then `tree/`, so a folder without the
    /// marker is always empty.
    fn make_staging(&self) -> Result<Staging, Vec<Diagnostic>> {
        let shown = &self.names.shown;
        let Some(staging) = self.names.free_staging() else {
            return Err(vec![Diagnostic::error(
                shown,
                "io",
                format!("every staging folder beside `{shown}` is taken by an earlier build that could not be cleaned up"),
            )
            .help(format!("remove the `.{}.site-staging*` folders in `{}`", self.names.out.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(), self.names.parent.display()))]);
        };
        let made = (|| {
            self.disk.make_dir(&staging.dir)?;
            self.disk.write(
                &staging.marker,
                b"`site build` stages the new site here; the next build removes this folder\n",
            )?;
            self.disk.make_dir(&staging.tree)
        })();
        made.map_err(|e| vec![io_error(shown, "create", &staging.dir, &e)])?;
        Ok(staging)
    }
}

/// Whether `out` is on another file system than its parent (a mount point cannot be renamed).
#[cfg(unix)]
fn is_mount_point(out: &Path, parent: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(out), fs::metadata(parent)) {
        (Ok(out), Ok(parent)) => out.dev() != parent.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_mount_point(_: &Path, _: &Path) -> bool {
    false
}

/// Why unchanged files could not be hard-linked from the output folder into the staging
/// folder, if they could not: a file of the old site is linked there as a probe. Linking out
/// of a bind mount fails (`EXDEV`) even on one file system; a file that may not be linked
/// (immutable, or another user's) says nothing of the file system, so then a file made in the
/// staging folder is linked instead, which FAT and exFAT cannot do. (A file that cannot be
/// linked when the time comes is copied.)
fn links_refused(out: &Path, staging: &Staging) -> Option<Why> {
    let link = staging.dir.join("probe-link");
    let old = walkdir::WalkDir::new(out)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file());
    if let Some(old) = old {
        match fs::hard_link(old.path(), &link) {
            Ok(()) => {
                let _ = fs::remove_file(&link);
                return None;
            }
            Err(e) if e.raw_os_error() == Some(libc::EXDEV) => return Some(Why::BindMount),
            Err(_) => {}
        }
    }
    let file = staging.dir.join("probe");
    let linked = fs::write(&file, b"").is_ok() && fs::hard_link(&file, &link).is_ok();
    let _ = fs::remove_file(&link);
    let _ = fs::remove_file(&file);
    (!linked).then_some(Why::NoHardLinks)
}
