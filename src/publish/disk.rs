//! Every change publishing makes to the file system, each counted as one operation for the
//! crash tests (`fault`), and the removal of whole trees (in parallel, the staging folder's
//! marker last, so a removal cut short leaves a folder recovery still recognises or an empty
//! one).

use super::fault::Faults;
use super::names::Staging;
use rayon::prelude::*;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use walkdir::WalkDir;

/// How many threads do file-system work that waits on the disk.
const IO_THREADS: usize = 8;

/// The file system, as publishing changes it.
#[derive(Clone)]
pub struct Disk {
    /// Counts each operation; may end the process after one (crash tests).
    pub faults: Arc<Faults>,
    /// Threads for work that waits on the disk, started when first needed.
    pool: Arc<OnceLock<Option<rayon::ThreadPool>>>,
}

impl Disk {
    /// The file system, with `faults` counting.
    pub fn new(faults: Arc<Faults>) -> Self {
        Self {
            faults,
            pool: Arc::default(),
        }
    }

    /// Writes `bytes` to a new file at `path`; returns its modification time.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<Option<u128>> {
        let mut file = fs::File::create(path)?;
        file.write_all(bytes)?;
        let stamp = file.metadata().ok().as_ref().and_then(mtime);
        drop(file);
        self.faults.op();
        Ok(stamp)
    }

    /// Makes the folder `path` (its parent must exist).
    pub fn make_dir(&self, path: &Path) -> io::Result<()> {
        fs::create_dir(path)?;
        self.faults.op();
        Ok(())
    }

    /// Gives the file `from` a second name `to`, or copies it where hard links fail.
    pub fn link(&self, from: &Path, to: &Path) -> io::Result<()> {
        if fs::hard_link(from, to).is_err() {
            fs::copy(from, to)?;
        }
        self.faults.op();
        Ok(())
    }

    /// Renames `from` to `to`.
    pub fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)?;
        self.faults.op();
        Ok(())
    }

    /// Trades the names of `a` and `b` in one step (`renameat2` with `RENAME_EXCHANGE`).
    #[cfg(target_os = "linux")]
    pub fn exchange(&self, a: &Path, b: &Path) -> io::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
        let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: both paths are NUL-terminated strings that outlive the call, which only reads
        // them. The raw system call is used because glibc's wrapper is younger than Linux's.
        let done = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if done != 0 {
            return Err(io::Error::last_os_error());
        }
        self.faults.op();
        Ok(())
    }

    /// Without `renameat2`, the two-rename swap is used.
    #[cfg(not(target_os = "linux"))]
    pub fn exchange(&self, _: &Path, _: &Path) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }

    /// Removes the file `path`.
    pub fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)?;
        self.faults.op();
        Ok(())
    }

    /// Removes the empty folder `path`.
    pub fn remove_dir(&self, path: &Path) -> io::Result<()> {
        fs::remove_dir(path)?;
        self.faults.op();
        Ok(())
    }

    /// Removes `path` and everything in it (files in parallel, then folders deepest first,
    /// each level in parallel); nothing when it does not exist. Symbolic links are removed,
    /// never followed.
    pub fn remove_tree(&self, path: &Path) -> io::Result<()> {
        if fs::symlink_metadata(path).is_err() {
            return Ok(());
        }
        let mut files = Vec::new();
        let mut levels: Vec<Vec<PathBuf>> = Vec::new();
        for entry in WalkDir::new(path) {
            let entry = entry.map_err(io::Error::other)?;
            if entry.file_type().is_dir() {
                if levels.len() <= entry.depth() {
                    levels.resize_with(entry.depth() + 1, Vec::new);
                }
                levels[entry.depth()].push(entry.into_path());
            } else {
                files.push(entry.into_path());
            }
        }
        self.in_parallel(|| {
            files
                .par_iter()
                .try_for_each(|file| self.remove_file(file).map_err(|e| named(e, file)))?;
            levels.iter().rev().try_for_each(|folders| {
                folders
                    .par_iter()
                    .try_for_each(|folder| self.remove_dir(folder).map_err(|e| named(e, folder)))
            })
        })
    }

    /// Runs `work` on threads for file-system work: more than the processors, because such
    /// work mostly waits for the disk (removing a tree with 8 threads took 2.1 s where one took
    /// 5.0 s, on a virtual disk mounted with `discard`). Runs it here if they cannot start.
    pub fn in_parallel<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        let pool = self.pool.get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(IO_THREADS)
                .thread_name(|i| format!("publish-io-{i}"))
                .build()
                .ok()
        });
        match pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Removes a staging folder: what it holds, then its marker, then the folder, so a removal
    /// cut short leaves either a folder still marked as ours or an empty one.
    pub fn remove_staging(&self, staging: &Staging) -> io::Result<()> {
        for entry in fs::read_dir(&staging.dir)? {
            let entry = entry?;
            let path = entry.path();
            if path == staging.marker {
                continue;
            }
            if entry.file_type()?.is_dir() {
                self.remove_tree(&path)?;
            } else {
                self.remove_file(&path).map_err(|e| named(e, &path))?;
            }
        }
        match self.remove_file(&staging.marker) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(named(e, &staging.marker)),
            _ => {}
        }
        self.remove_dir(&staging.dir)
            .map_err(|e| named(e, &staging.dir))
    }
}

/// `error`, saying which path it was about.
pub fn named(error: io::Error, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("`{}`: {error}", path.display()))
}

/// A file's modification time in nanoseconds since 1970.
pub fn mtime(meta: &fs::Metadata) -> Option<u128> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}
