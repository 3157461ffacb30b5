//! The build record: the hash, length-checked modification time and path of every file the last
//! build published, so a rebuild can tell an unchanged file without reading it. It sits beside
//! the output folder (`.N.site-build`, see `names`) and names the folder it describes by device
//! and inode: a record whose folder is not the one at the output path (a build was killed
//! before its swap, someone replaced the folder) still marks the folder as ours, but its
//! entries are not believed, and files are compared byte for byte instead.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// A folder as the file system knows it: device and inode, which a rename keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    dev: u64,
    ino: u64,
}

impl Identity {
    /// The identity of the folder at `path`, when it can be read.
    #[cfg(unix)]
    pub fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        fs::symlink_metadata(path).ok().map(|m| Self {
            dev: m.dev(),
            ino: m.ino(),
        })
    }

    /// Without inodes no record is ever trusted, which is slower, never wrong.
    #[cfg(not(unix))]
    pub fn of(_: &Path) -> Option<Self> {
        None
    }
}

/// What the record says of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// XXH3 of its bytes.
    pub hash: u64,
    /// Its modification time in nanoseconds since 1970, as it was published.
    pub mtime: u128,
}

/// The last build's record.
#[derive(Debug, Default)]
pub struct Record {
    entries: HashMap<String, Entry>,
    /// The folder it describes, as its header says.
    tree: Option<Identity>,
    /// Whether its entries may be believed without reading the files.
    trusted: bool,
}

const TREE: &str = "# tree ";

impl Record {
    /// The record at `path`, if there is one (one that cannot be read is an empty record: it
    /// still marks the folder as ours).
    pub fn read(path: &Path) -> Option<Self> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => return Some(Self::default()),
        };
        let mut record = Self::default();
        for line in text.lines() {
            if let Some(tree) = line.strip_prefix(TREE) {
                let mut parts = tree.split_whitespace().map(str::parse);
                if let (Some(Ok(dev)), Some(Ok(ino))) = (parts.next(), parts.next()) {
                    record.tree = Some(Identity { dev, ino });
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, '\t');
            let entry = (|| {
                let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
                let mtime = parts.next()?.parse().ok()?;
                Some((parts.next()?.to_owned(), Entry { hash, mtime }))
            })();
            if let Some((path, entry)) = entry {
                record.entries.insert(path, entry);
            }
        }
        Some(record)
    }

    /// Believes the record when it describes `folder` (the folder now at the output path).
    pub fn trust_if_it_describes(&mut self, folder: Option<Identity>) {
        self.trusted = folder.is_some() && self.tree == folder;
    }

    /// Believes the record whatever its header says: an older version's record inside the
    /// folder it describes.
    pub fn trust(&mut self) {
        self.trusted = true;
    }

    /// What the record says of `path`, if it is trusted and has it.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        if self.trusted {
            self.entries.get(path)
        } else {
            None
        }
    }

    /// How many files it lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The text of a record describing folder `tree` (named `name` in messages) with `files`.
pub fn text<'a>(
    name: &str,
    tree: Option<Identity>,
    files: impl Iterator<Item = (&'a str, Entry)>,
) -> String {
    let mut text = format!(
        "# written by `site build`: the record of the folder `{name}` beside it, whose files are replaced on every build (not part of the site)\n"
    );
    if let Some(Identity { dev, ino }) = tree {
        let _ = writeln!(text, "{TREE}{dev} {ino}");
    }
    text.push_str("# hash\tmtime\tpath\n");
    for (path, Entry { hash, mtime }) in files {
        let _ = writeln!(text, "{hash:016x}\t{mtime}\t{path}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_trusted_only_for_its_own_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let here = Identity::of(dir.path());
        let entry = Entry { hash: 7, mtime: 9 };
        let path = dir.path().join("record");
        fs::write(
            &path,
            text("x", here, [("a/index.html", entry)].into_iter()),
        )
        .expect("write");
        let mut record = Record::read(&path).expect("a record");
        assert_eq!(record.len(), 1);
        assert_eq!(
            record.get("a/index.html"),
            None,
            "not trusted before it is checked"
        );
        record.trust_if_it_describes(here);
        assert_eq!(
            record.get("a/index.html"),
            here.map(|_| &entry),
            "trusted for its folder"
        );
        record.trust_if_it_describes(Identity::of(&path));
        assert_eq!(record.get("a/index.html"), None, "not for another one");
        assert!(Record::read(&dir.path().join("missing")).is_none());
    }
}
