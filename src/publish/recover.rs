//! Cleaning up after a build that was killed, at the start of every build (under the lock, so
//! no build is using what is removed). A build killed between the two renames of the fallback
//! swap left no output folder and the previous site in its staging folder's `old/`: it is put
//! back. Then staging folders and the temporary record are removed: only names of ours
//! (`.N.site-staging*`, `.N.site-build.tmp`), and a staging folder only when it holds the
//! marker `.site-staging` (or is empty: a removal cut short after the marker went).

use super::disk::Disk;
use super::io_error;
use super::names::Names;
use crate::diagnostic::Diagnostic;
use std::fs;

/// Recovers the output folder beside `names`; returns warnings about leftovers that could not
/// be removed (the build then stages elsewhere), or the error that stops the build.
pub fn recover(names: &Names, disk: &Disk) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let shown = &names.shown;
    let (staging, tmp) = names
        .leftovers()
        .map_err(|e| vec![io_error(shown, "read the folder", &names.parent, &e)])?;
    if fs::symlink_metadata(&names.out).is_err() {
        if let Some(old) = staging.iter().find(|s| s.is_ours() && s.old.is_dir()) {
            disk.rename(&old.old, &names.out).map_err(|e| {
                vec![
                    io_error(shown, "put back the previous site from", &old.old, &e)
                        .help(format!("move it back to `{shown}` by hand")),
                ]
            })?;
        }
    }
    let mut warnings = Vec::new();
    for folder in &staging {
        if folder.is_ours() {
            if let Err(e) = disk.remove_staging(folder) {
                warnings.push(
                    Diagnostic::warning(
                        shown,
                        "publish",
                        format!("cannot remove the staging folder an earlier build left: {e}"),
                    )
                    .help("remove it by hand; until then builds stage in another folder beside it"),
                );
            }
        } else {
            // Empty, or not ours: `remove_dir` removes only an empty folder.
            let _ = fs::remove_dir(&folder.dir);
        }
    }
    if tmp {
        disk.remove_file(&names.record_tmp)
            .map_err(|e| vec![io_error(shown, "remove", &names.record_tmp, &e)])?;
    }
    Ok(warnings)
}
