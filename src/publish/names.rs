//! Where publishing keeps its things. The output folder `P` is published as it is; what `site`
//! needs beside it lives in its parent `D`, named after its name `N`, so no host ever serves
//! it: the record `.N.site-build`, its temporary `.N.site-build.tmp`, the lock `.N.site-lock`
//! and the staging folders `.N.site-staging*/` (each holding the marker `.site-staging`, the
//! new site in `tree/`, and in the two-rename swap the previous site in `old/`). Only this
//! file spells those names.

use crate::diagnostic::Diagnostic;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// The record older versions kept inside the output folder.
pub const LEGACY_RECORD: &str = ".site-build";

/// The file that marks a staging folder as ours.
const STAGING_MARKER: &str = ".site-staging";

/// How many staging folders may be stuck (an old file that cannot be removed) before a build
/// gives up finding a free name.
const STAGING_NAMES: usize = 16;

/// Every path publishing uses for one output folder.
#[derive(Debug, Clone)]
pub struct Names {
    /// The output folder as the user named it, for messages.
    pub shown: String,
    /// The output folder (`P`), symbolic links resolved.
    pub out: PathBuf,
    /// The folder that holds it (`D`).
    pub parent: PathBuf,
    /// Its file name (`N`).
    name: OsString,
    /// The record of the last build (`D/.N.site-build`).
    pub record: PathBuf,
    /// The record being written (`D/.N.site-build.tmp`).
    pub record_tmp: PathBuf,
    /// The lock (`D/.N.site-lock`).
    pub lock: PathBuf,
    /// The record older versions kept inside the folder (`P/.site-build`).
    pub legacy: PathBuf,
}

/// One staging folder and what it holds.
#[derive(Debug, Clone)]
pub struct Staging {
    /// The folder (`D/.N.site-staging`).
    pub dir: PathBuf,
    /// The new site (`tree/`); after an exchange, the previous one.
    pub tree: PathBuf,
    /// The previous site during the two-rename swap (`old/`).
    pub old: PathBuf,
    /// The file that says the folder is ours.
    pub marker: PathBuf,
}

impl Staging {
    fn at(dir: PathBuf) -> Self {
        Self {
            tree: dir.join("tree"),
            old: dir.join("old"),
            marker: dir.join(STAGING_MARKER),
            dir,
        }
    }

    /// Whether `dir` is a staging folder of ours: it holds the marker.
    pub fn is_ours(&self) -> bool {
        self.marker.is_file()
    }
}

impl Names {
    /// The names for output folder `out` (`public` is `./public`). Refuses a path without a
    /// file name (`/`, `.`, `..`); follows a symbolic link to the folder it names.
    pub fn of(out: &Path) -> Result<Self, Diagnostic> {
        let shown = out.display().to_string();
        let mut real = out.to_path_buf();
        if fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
            // The folder the link names; a link to a folder not made yet names where it goes.
            real = fs::canonicalize(out)
                .or_else(|_| {
                    fs::read_link(out).map(|target| match out.parent() {
                        Some(parent) if target.is_relative() => parent.join(target),
                        _ => target,
                    })
                })
                .map_err(|e| {
                    Diagnostic::error(
                        &shown,
                        "io",
                        format!(
                            "the output path `{shown}` is a symbolic link that cannot be read: {e}"
                        ),
                    )
                    .help("point it at a folder, or pass another folder with `--output`")
                })?;
        }
        let Some(name) = real.file_name().map(OsStr::to_owned) else {
            return Err(Diagnostic::error(
                &shown,
                "io",
                format!("the output path `{shown}` names no folder of its own"),
            )
            .help("`site` replaces the whole output folder and keeps its record beside it: pass a folder such as `--output public`"));
        };
        let parent = match real.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let beside = |suffix: &str| {
            let mut file = OsString::from(".");
            file.push(&name);
            file.push(suffix);
            parent.join(file)
        };
        let out = parent.join(&name);
        Ok(Self {
            shown,
            record: beside(".site-build"),
            record_tmp: beside(".site-build.tmp"),
            lock: beside(".site-lock"),
            legacy: out.join(LEGACY_RECORD),
            out,
            parent,
            name,
        })
    }

    /// The output folder's name (`N`), for messages.
    pub fn name(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    /// The prefix every staging folder's name starts with (`.N.site-staging`).
    fn staging_prefix(&self) -> OsString {
        let mut prefix = OsString::from(".");
        prefix.push(&self.name);
        prefix.push(".site-staging");
        prefix
    }

    /// The staging folder a build uses: the first of `.N.site-staging`, `.N.site-staging.2`, ...
    /// that does not exist (one that could not be removed is skipped until it can).
    pub fn free_staging(&self) -> Option<Staging> {
        let prefix = self.staging_prefix();
        (1..=STAGING_NAMES)
            .map(|n| {
                let mut name = prefix.clone();
                if n > 1 {
                    name.push(format!(".{n}"));
                }
                self.parent.join(name)
            })
            .find(|dir| fs::symlink_metadata(dir).is_err())
            .map(Staging::at)
    }

    /// The staging folders beside the output (ours or not: see [`Staging::is_ours`]), and the
    /// temporary record if there is one.
    pub fn leftovers(&self) -> std::io::Result<(Vec<Staging>, bool)> {
        let prefix = self.staging_prefix();
        let tmp_name = self.record_tmp.file_name();
        let mut staging = Vec::new();
        let mut tmp = false;
        for entry in fs::read_dir(&self.parent)? {
            let entry = entry?;
            let name = entry.file_name();
            if Some(name.as_os_str()) == tmp_name {
                tmp = true;
            } else if name
                .as_encoded_bytes()
                .starts_with(prefix.as_encoded_bytes())
                && entry.file_type().is_ok_and(|t| t.is_dir())
            {
                staging.push(Staging::at(entry.path()));
            }
        }
        staging.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok((staging, tmp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sit_beside_the_output_folder() {
        let names = Names::of(Path::new("public")).expect("names");
        assert_eq!(names.out, Path::new("./public"));
        assert_eq!(names.record, Path::new("./.public.site-build"));
        assert_eq!(names.lock, Path::new("./.public.site-lock"));
        assert_eq!(names.legacy, Path::new("./public/.site-build"));
        let names = Names::of(Path::new("/srv/www/site/")).expect("names");
        assert_eq!(names.record_tmp, Path::new("/srv/www/.site.site-build.tmp"));
        for bad in ["/", ".", "..", "public/.."] {
            assert!(Names::of(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
