//! Publishing under fire, with the real binary on a generated 2,000-article site: a build is
//! killed (SIGKILL, through the hidden `SITE_FAULT`) at each named point of publishing and at
//! 30 random file-system operations, on the `renameat2` exchange and on the two-rename path
//! (`SITE_PUBLISH`). After every kill the output folder holds exactly one whole site, the old
//! one or the new one (or, between the two renames, none, which the next build puts back), with
//! nothing of ours inside it; and the next build gives the new site. Also: unchanged files keep
//! their inode and time, a failed build touches nothing, a second build waits for the lock,
//! the in-place way, the record of older versions inside the folder, and a foreign folder.
//!
//! No sleeps: a killed build has ended when `output()` returns, and the lock test waits for
//! the line that says the build is waiting.

mod common;

use common::TODAY;
use naltrexone_site::corpus::{self, Rng};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const ARTICLES: usize = 2_000;
const OLD: &str = "Title Alpha";
const NEW: &str = "Title Bravo";

/// A generated site and an output folder beside it, in a temporary folder.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// The folder that holds the output folder.
    parent: PathBuf,
    out: PathBuf,
}

impl Site {
    /// The corpus, with the site's title in every page's footer, so a title change reaches
    /// every HTML file, in a temporary folder on the usual disk.
    fn new() -> Self {
        Self::in_folder(tempfile::tempdir().expect("tempdir"))
    }

    /// The same in memory (`/dev/shm`, where there is one), for the crash tests, which build
    /// about 70 times: they test what a kill leaves, not the disk, and on the development
    /// machine's virtual disk (ext4, mounted with `discard`) making and removing the 2,400
    /// folders of each swapped tree took 2 s a build against 0.2 s in memory.
    fn in_memory() -> Self {
        let shm = Path::new("/dev/shm");
        let dir = match shm.is_dir() {
            true => tempfile::tempdir_in(shm).or_else(|_| tempfile::tempdir()),
            false => tempfile::tempdir(),
        };
        Self::in_folder(dir.expect("tempdir"))
    }

    fn in_folder(dir: tempfile::TempDir) -> Self {
        let root = dir.path().join("site");
        corpus::generate(&root, ARTICLES).expect("generate the corpus");
        let base = root.join("templates/base.html");
        let text = fs::read_to_string(&base).expect("read base.html");
        let footed = text.replace("</body>", "<footer>{{ config.title }}</footer></body>");
        assert_ne!(
            footed, text,
            "the corpus's base template changed; update this test"
        );
        fs::write(&base, footed).expect("write base.html");
        let parent = dir.path().join("www");
        let site = Self {
            out: parent.join("public"),
            parent,
            root,
            _dir: dir,
        };
        site.title(OLD);
        site
    }

    /// Sets the site's title.
    fn title(&self, title: &str) {
        let path = self.root.join("site.yaml");
        let text = fs::read_to_string(&path).expect("read site.yaml");
        let text: String = text
            .lines()
            .map(|line| {
                if line.starts_with("title:") {
                    format!("title: {title}\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        fs::write(path, text).expect("write site.yaml");
    }

    /// Runs `site build` into `out` with `env`.
    fn build_into(&self, out: &Path, env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_site"))
            .arg("--today")
            .arg(TODAY)
            .arg("--root")
            .arg(&self.root)
            .arg("build")
            .arg("--output")
            .arg(out)
            .env_remove("SITE_FAULT")
            .env_remove("SITE_PUBLISH")
            .env_remove("SITE_PUBLISH_OPS")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("the site binary runs")
    }

    /// Runs `site build` with `env`.
    fn build(&self, env: &[(&str, &str)]) -> Output {
        self.build_into(&self.out, env)
    }

    /// Builds and expects success; returns stdout.
    fn build_ok(&self, env: &[(&str, &str)]) -> String {
        let done = self.build(env);
        assert!(done.status.success(), "build failed:\n{}", said(&done));
        common::text(&done.stdout)
    }

    /// A clean build of the site with `title`, into a folder of its own.
    fn reference(&self, title: &str) -> Tree {
        self.title(title);
        let refs = self._dir.path().join("references");
        let out = refs.join(title.replace(' ', "-"));
        let done = self.build_into(&out, &[]);
        assert!(done.status.success(), "{}", said(&done));
        let tree = Tree::read(&out);
        fs::remove_dir_all(&refs).expect("remove the reference");
        tree
    }

    /// Everything beside the output folder (names of the folder that holds it).
    fn beside(&self) -> BTreeSet<String> {
        fs::read_dir(&self.parent)
            .expect("read the parent")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// Checks that nothing of a publish is left beside the folder: only it, its record and
    /// its lock.
    fn assert_clean_beside(&self) {
        let beside = self.beside();
        let expected: BTreeSet<String> = ["public", ".public.site-build", ".public.site-lock"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(beside, expected, "leftovers beside the output folder");
    }
}

/// What a command printed, for failure messages.
fn said(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        common::text(&output.stdout),
        common::text(&output.stderr)
    )
}

/// A built site as file paths and a hash of each file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tree(BTreeMap<String, u64>);

impl Tree {
    fn read(dir: &Path) -> Self {
        let mut files = BTreeMap::new();
        for entry in walkdir::WalkDir::new(dir).min_depth(1) {
            let entry = entry.expect("walk the output");
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry.path().strip_prefix(dir).expect("inside");
            let rel = rel.to_string_lossy().replace('\\', "/");
            let mut hasher = DefaultHasher::new();
            hasher.write(&fs::read(entry.path()).expect("read an output"));
            files.insert(rel, hasher.finish());
        }
        Self(files)
    }
}

/// Which of the two titles every HTML page of `dir` carries: `Some(title)` when all carry the
/// same one; fails on a mix.
fn title_of(dir: &Path) -> &'static str {
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk the output");
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        pages += 1;
        let page = fs::read_to_string(entry.path()).expect("read a page");
        for title in [OLD, NEW] {
            if page.contains(&format!("<footer>{title}</footer>")) {
                *seen.entry(title).or_default() += 1;
            }
        }
    }
    assert!(pages > ARTICLES, "only {pages} pages in {}", dir.display());
    assert_eq!(
        seen.len(),
        1,
        "a mix of old and new pages (of {pages}): {seen:?}"
    );
    let (title, count) = seen.into_iter().next().expect("one title");
    assert_eq!(count, pages, "some pages carry neither title");
    title
}

/// The two ways of swapping, as `SITE_PUBLISH` names them, and how the summary says them.
const WAYS: [(&str, &str); 2] = [
    ("exchange", "swapped in with renameat2"),
    ("rename", "swapped in by two renames"),
];

/// A build of title `target` killed at a point, what it left, and the next build.
struct Crash<'a> {
    site: &'a Site,
    /// Clean builds of the two titles.
    alpha: &'a Tree,
    bravo: &'a Tree,
    /// The title being built (the other one is on disk).
    target: &'static str,
}

impl Crash<'_> {
    /// Builds the new title with `fault` on `way`, which must kill the build unless `survives`;
    /// checks what the kill left; builds again and checks the new site. Returns the title the
    /// killed build left (`None`: no folder).
    fn run(&self, way: &str, fault: &str, survives: bool) -> Option<&'static str> {
        let site = self.site;
        let tree_of = |title: &str| if title == OLD { self.alpha } else { self.bravo };
        site.title(self.target);
        let killed = site.build(&[("SITE_PUBLISH", way), ("SITE_FAULT", fault)]);
        if survives {
            assert!(killed.status.success(), "{way} {fault}: {}", said(&killed));
        } else {
            assert_eq!(
                killed.status.signal(),
                Some(9),
                "{way} {fault}: not killed\n{}",
                said(&killed)
            );
        }
        let left = if site.out.exists() {
            let title = title_of(&site.out);
            let expected = tree_of(title);
            let tree = Tree::read(&site.out);
            assert!(
                tree == *expected,
                "{way} {fault}: the folder is not exactly a clean build of `{title}`: {}",
                differences(expected, &tree)
            );
            Some(title)
        } else {
            assert!(
                way == "rename",
                "{way} {fault}: the output folder is missing"
            );
            None
        };
        let next = site.build(&[("SITE_PUBLISH", way)]);
        assert!(
            next.status.success(),
            "{way} {fault}: the build after the kill failed\n{}",
            said(&next)
        );
        let tree = Tree::read(&site.out);
        assert!(
            tree == *tree_of(self.target),
            "{way} {fault}: the build after the kill is not the new site: {}",
            differences(tree_of(self.target), &tree)
        );
        site.assert_clean_beside();
        left
    }
}

/// The paths that differ between two trees, for failure messages.
fn differences(expected: &Tree, actual: &Tree) -> String {
    let mut lines = Vec::new();
    for (path, hash) in &expected.0 {
        match actual.0.get(path) {
            None => lines.push(format!("missing {path}")),
            Some(h) if h != hash => lines.push(format!("different {path}")),
            _ => {}
        }
    }
    for path in actual.0.keys().filter(|p| !expected.0.contains_key(*p)) {
        lines.push(format!("extra {path}"));
    }
    let total = lines.len();
    lines.truncate(12);
    format!("{total} paths: {}", lines.join(", "))
}

/// `site` built with the old title, and clean builds of both titles to compare with (the
/// first build is the old title's).
fn built_site(site: Site) -> (Site, Tree, Tree) {
    site.build_ok(&[]);
    let alpha = Tree::read(&site.out);
    let bravo = site.reference(NEW);
    site.title(OLD);
    (site, alpha, bravo)
}

#[test]
fn a_build_killed_at_each_named_point_leaves_one_whole_site() {
    let (site, alpha, bravo) = built_site(Site::in_memory());
    let mut on_disk = OLD;
    for (way, _) in WAYS {
        for (fault, leaves) in [
            ("mid-staging", Left::Old),
            ("after-staging", Left::Old),
            ("record", Left::Old),
            ("between-renames", Left::Nothing),
            ("after-swap", Left::New),
        ] {
            // Each round builds the title not on disk.
            let target = if on_disk == OLD { NEW } else { OLD };
            // The exchange has no second rename to be killed after.
            let survives = fault == "between-renames" && way == "exchange";
            let crash = Crash {
                site: &site,
                alpha: &alpha,
                bravo: &bravo,
                target,
            };
            let left = crash.run(way, fault, survives);
            let expected = match (leaves, survives) {
                (_, true) | (Left::New, _) => Some(target),
                (Left::Old, _) => Some(on_disk),
                (Left::Nothing, _) => None,
            };
            assert_eq!(left, expected, "{way} {fault}");
            on_disk = target;
        }
    }
}

/// What a kill at a named point leaves.
#[derive(Clone, Copy)]
enum Left {
    Old,
    New,
    Nothing,
}

/// Kills 30 builds at random file-system operations on `way`.
fn killed_at_random_operations(way: &str, summary: &str, seed: u64) {
    let (site, alpha, bravo) = built_site(Site::in_memory());
    // A full publish of a title change, counted.
    site.title(NEW);
    let counted = site.build(&[("SITE_PUBLISH", way), ("SITE_PUBLISH_OPS", "1")]);
    assert!(counted.status.success(), "{}", said(&counted));
    assert!(
        common::text(&counted.stdout).contains(summary),
        "{}",
        said(&counted)
    );
    let stderr = common::text(&counted.stderr);
    let total: usize = stderr
        .lines()
        .find_map(|l| l.strip_prefix("publish: "))
        .and_then(|l| l.strip_suffix(" file operations"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no operation count in:\n{stderr}"));
    assert!(total > 2 * ARTICLES, "{total} operations");
    let mut rng = Rng::new(seed);
    let mut on_disk = NEW;
    let mut lefts = BTreeMap::new();
    for _ in 0..30 {
        let n = 1 + rng.below(total);
        let target = if on_disk == OLD { NEW } else { OLD };
        let crash = Crash {
            site: &site,
            alpha: &alpha,
            bravo: &bravo,
            target,
        };
        let left = crash.run(way, &format!("ops:{n}"), false);
        let state = match left {
            None => "no folder",
            Some(t) if t == target => "new site",
            Some(_) => "old site",
        };
        *lefts.entry(state).or_insert(0) += 1;
        on_disk = target;
    }
    eprintln!("{way}: 30 kills among {total} operations left: {lefts:?}");
    assert!(
        lefts.contains_key("old site") && lefts.contains_key("new site"),
        "the kills should fall both before and after the swap: {lefts:?}"
    );
}

#[test]
fn builds_killed_at_random_operations_leave_one_whole_site_exchange() {
    killed_at_random_operations(WAYS[0].0, WAYS[0].1, 0x5eed_0001);
}

#[test]
fn builds_killed_at_random_operations_leave_one_whole_site_rename() {
    killed_at_random_operations(WAYS[1].0, WAYS[1].1, 0x5eed_0002);
}

/// Inode and modification time of a file.
fn stamp(path: &Path) -> (u64, i64, i64) {
    let meta = fs::metadata(path).expect("stat");
    (meta.ino(), meta.mtime(), meta.mtime_nsec())
}

#[test]
fn unchanged_files_keep_their_inode_and_time_when_others_change() {
    let site = Site::new();
    site.build_ok(&[]);
    let edited = site.root.join("content").join(corpus::article_path(5));
    let kept = site.out.join("s7/article-7/index.html");
    let changed = site.out.join("s5/article-5/index.html");
    assert!(
        kept.is_file() && changed.is_file(),
        "the corpus's URLs changed"
    );
    let (kept_before, changed_before) = (stamp(&kept), stamp(&changed));
    let folder_before = fs::metadata(&site.out).expect("stat").ino();
    let text = fs::read_to_string(&edited).expect("read");
    fs::write(&edited, format!("{text}\nOne more sentence at the end.\n")).expect("write");
    let said = site.build_ok(&[]);
    assert!(said.contains("swapped in with renameat2"), "{said}");
    assert_eq!(stamp(&kept), kept_before, "an unchanged page was rewritten");
    assert_ne!(
        stamp(&changed),
        changed_before,
        "the edited page was not written"
    );
    assert!(fs::read_to_string(&changed)
        .expect("read")
        .contains("One more sentence"));
    assert_ne!(
        fs::metadata(&site.out).expect("stat").ino(),
        folder_before,
        "a new folder was swapped in"
    );
    // And a rebuild with nothing changed leaves the folder itself alone.
    let folder = fs::metadata(&site.out).expect("stat").ino();
    let said = site.build_ok(&[]);
    assert!(
        said.contains("0 files written") && said.contains("nothing changed"),
        "{said}"
    );
    assert_eq!(fs::metadata(&site.out).expect("stat").ino(), folder);
    site.assert_clean_beside();
}

/// Every file of `dir` with its inode and time.
fn stamps(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .map(|e| (e.path().to_owned(), stamp(e.path())))
        .collect()
}

#[test]
fn a_failed_build_leaves_the_folder_and_its_inodes_untouched() {
    let site = Site::new();
    site.build_ok(&[]);
    let before = stamps(&site.out);
    let tree = Tree::read(&site.out);
    // A link to an article that does not exist: a content error.
    let edited = site.root.join("content").join(corpus::article_path(3));
    let text = fs::read_to_string(&edited).expect("read");
    fs::write(
        &edited,
        format!("{text}\n[gone](../s1/no-such-article.md)\n"),
    )
    .expect("write");
    let failed = site.build(&[]);
    assert_eq!(failed.status.code(), Some(1), "{}", said(&failed));
    let stderr = common::text(&failed.stderr);
    assert!(
        stderr.contains("was left untouched") && stderr.contains("no-such-article"),
        "{stderr}"
    );
    assert_eq!(stamps(&site.out), before, "inodes or times changed");
    assert_eq!(Tree::read(&site.out), tree);
    site.assert_clean_beside();
}

#[test]
fn a_second_build_waits_for_the_lock() {
    let site = Site::new();
    site.build_ok(&[]);
    site.title(NEW);
    let lock = fs::File::options()
        .read(true)
        .write(true)
        .open(site.parent.join(".public.site-lock"))
        .expect("open the lock");
    lock.lock().expect("take the lock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_site"))
        .arg("--today")
        .arg(TODAY)
        .arg("--root")
        .arg(&site.root)
        .arg("build")
        .arg("--output")
        .arg(&site.out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a build");
    let (lines, said) = mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let waiting = said
        .recv_timeout(common::PATIENCE)
        .expect("the build says it waits");
    assert_eq!(
        waiting,
        format!(
            "waiting for another build of `{}` to finish",
            site.out.display()
        )
    );
    assert!(
        child.try_wait().expect("poll").is_none(),
        "it waits while the lock is held"
    );
    assert_eq!(title_of(&site.out), OLD, "nothing written while it waits");
    lock.unlock().expect("release the lock");
    let status = child.wait().expect("the build ends");
    assert!(status.success(), "{status:?}");
    assert!(
        said.recv_timeout(Duration::from_secs(1)).is_err(),
        "it said it was waiting only once"
    );
    assert_eq!(title_of(&site.out), NEW);
}

#[test]
fn the_in_place_way_writes_into_the_folder() {
    let site = Site::new();
    site.build_ok(&[]);
    let files: Vec<String> = Tree::read(&site.out).0.into_keys().collect();
    let folder = fs::metadata(&site.out).expect("stat").ino();
    site.title(NEW);
    let said = site.build_ok(&[("SITE_PUBLISH", "in-place")]);
    assert!(
        said.contains("written in place: SITE_PUBLISH=in-place"),
        "{said}"
    );
    assert_eq!(fs::metadata(&site.out).expect("stat").ino(), folder);
    assert_eq!(title_of(&site.out), NEW);
    let now: Vec<String> = Tree::read(&site.out).0.into_keys().collect();
    assert_eq!(
        now, files,
        "the same files, no `*.site-tmp` or `*.site-old` left"
    );
    site.assert_clean_beside();
    // The record it wrote is believed by a swap: nothing is read or written again.
    let said = site.build_ok(&[]);
    assert!(said.contains("nothing changed"), "{said}");
}

#[test]
fn the_record_of_older_versions_inside_the_folder_is_migrated() {
    let site = Site::new();
    site.build_ok(&[]);
    let built = Tree::read(&site.out);
    for way in ["exchange", "in-place"] {
        // What older versions wrote: the record inside the folder, without a tree line.
        let record = site.parent.join(".public.site-build");
        let legacy: String = fs::read_to_string(&record)
            .expect("record")
            .lines()
            .filter(|l| !l.starts_with("# tree"))
            .map(|l| format!("{l}\n"))
            .collect();
        fs::write(site.out.join(".site-build"), legacy).expect("write the old record");
        fs::remove_file(&record).expect("remove the record");
        let said = site.build_ok(&[("SITE_PUBLISH", way)]);
        assert!(said.contains("0 files written"), "{way}: {said}");
        assert!(!site.out.join(".site-build").exists(), "{way}: {said}");
        assert_eq!(Tree::read(&site.out), built, "{way}");
        site.assert_clean_beside();
    }
}

#[test]
fn a_foreign_folder_is_refused_and_nothing_is_made_beside_it() {
    let site = Site::new();
    fs::create_dir_all(site.out.join("notes")).expect("mkdir");
    fs::write(site.out.join("index.html"), "someone else's").expect("write");
    fs::write(site.out.join("notes/precious.txt"), "keep me").expect("write");
    let before = stamps(&site.out);
    let refused = site.build(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(
        common::text(&refused.stderr).contains("is not empty and was not written by `site`"),
        "{}",
        said(&refused)
    );
    assert_eq!(stamps(&site.out), before);
    assert_eq!(site.beside(), BTreeSet::from(["public".to_owned()]));
    // A path that names no folder is refused before anything is read.
    for bad in ["/", "."] {
        let refused = site.build_into(Path::new(bad), &[]);
        assert!(
            common::text(&refused.stderr).contains("names no folder of its own"),
            "{bad}: {}",
            said(&refused)
        );
    }
}
