//! The results file (`.site-external-cache.json` beside `site.yaml`, git-ignored): each
//! target's outcome and when it was found, so a second run within a day asks nothing again.
//! Good results are kept 7 days, failures 1 day. Entries are sorted by key and written
//! pretty-printed, so the file is the same for the same results; a damaged or unreadable file
//! is treated as empty and replaced.

use super::Outcome;
use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DAY: u64 = 24 * 60 * 60;
const GOOD_FOR: u64 = 7 * DAY;
const FAILED_FOR: u64 = DAY;
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// When the outcome was found, in seconds since 1970.
    checked: u64,
    #[serde(flatten)]
    outcome: Outcome,
}

/// The results read at the start of a run, with this run's added.
pub(super) struct Cache {
    path: Option<PathBuf>,
    now: u64,
    entries: BTreeMap<String, Entry>,
}

impl Cache {
    /// Reads `path`, keeping only entries still fresh at `now`; `None` keeps nothing.
    pub(super) fn load(path: Option<&Path>, now: u64) -> Self {
        let entries = path
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| serde_json::from_str::<File>(&text).ok())
            .filter(|file| file.version == VERSION)
            .map(|file| file.entries)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, entry)| is_fresh(entry, now))
            .collect();
        Self {
            path: path.map(Path::to_path_buf),
            now,
            entries,
        }
    }

    /// The outcome found for `key`, if it is still fresh.
    pub(super) fn get(&self, key: &str) -> Option<Outcome> {
        self.entries.get(key).map(|entry| entry.outcome.clone())
    }

    /// Records an outcome found now.
    pub(super) fn put(&mut self, key: String, outcome: Outcome) {
        let checked = self.now;
        self.entries.insert(key, Entry { checked, outcome });
    }

    /// Writes the file (through a temporary file renamed into place, so a killed run leaves
    /// the old one), unless it would not change.
    pub(super) fn save(&self) -> Result<(), Diagnostic> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let file = File {
            version: VERSION,
            entries: self.entries.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, &text)
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|error| {
                let _ = std::fs::remove_file(&temporary);
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                Diagnostic::warning(
                    name.clone(),
                    "external-cache",
                    format!("cannot write the external-link cache `{name}`: {error}"),
                )
                .help("make the site's folder writable; the next run will check every link again")
            })
    }
}

fn is_fresh(entry: &Entry, now: u64) -> bool {
    let keep = if entry.outcome.is_good() {
        GOOD_FOR
    } else {
        FAILED_FOR
    };
    entry.checked <= now && now - entry.checked < keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_good_results_a_week_and_failures_a_day() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("cache.json");
        let mut cache = Cache::load(Some(&path), 1_000_000);
        cache.put("url:https://ok.org/".into(), Outcome::Ok);
        cache.put("url:https://gone.org/".into(), Outcome::NoDoi);
        cache.save().expect("written");
        let first = std::fs::read_to_string(&path).expect("readable");
        cache.save().expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), first);

        let later = Cache::load(Some(&path), 1_000_000 + 2 * DAY);
        assert_eq!(later.get("url:https://ok.org/"), Some(Outcome::Ok));
        assert_eq!(later.get("url:https://gone.org/"), None);
        let much_later = Cache::load(Some(&path), 1_000_000 + 8 * DAY);
        assert_eq!(much_later.get("url:https://ok.org/"), None);
    }

    #[test]
    fn a_damaged_file_counts_as_empty() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("cache.json");
        std::fs::write(&path, "{not json").expect("written");
        assert_eq!(Cache::load(Some(&path), 0).get("url:x"), None);
    }
}
