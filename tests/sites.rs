//! Golden-output tests: every fixture site under `tests/sites/<case>/` is built and its output
//! compared, file by file, with `tests/sites/<case>/expected/`. `BLESS=1 cargo test` rewrites
//! the expected files; review the diff before committing it.

mod common;

use common::{bless, copy_dir, site, snapshot, text};
use std::fs;

fn cases() -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = fs::read_dir(common::fixtures().join("sites"))
        .expect("tests/sites exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("site.yaml").exists())
        .collect();
    cases.sort();
    cases
}

/// The builds of a case: the plain one into `expected/`, and one per line of its `variants`
/// file (`name: --build --args`) into `expected-<name>/`.
fn builds(case: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let mut builds = vec![("expected".to_owned(), Vec::new())];
    let variants = fs::read_to_string(case.join("variants")).unwrap_or_default();
    for line in variants.lines().filter(|l| !l.trim().is_empty()) {
        let (name, args) = line.split_once(':').expect("`name: args` in variants");
        builds.push((
            format!("expected-{}", name.trim()),
            args.split_whitespace().map(str::to_owned).collect(),
        ));
    }
    builds
}

#[test]
fn fixture_sites_match_their_golden_output() {
    let mut failures = Vec::new();
    for (case, (expected_name, args)) in cases()
        .into_iter()
        .flat_map(|case| builds(&case).into_iter().map(move |b| (case.clone(), b)))
    {
        let case = case.as_path();
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let mut command = vec!["build", "--output", out.to_str().expect("utf-8 path")];
        command.extend(args.iter().map(String::as_str));
        let result = site(case, &command);
        assert!(
            result.status.success(),
            "{}: {}",
            case.display(),
            text(&result.stderr)
        );
        // The build's own record sits beside the folder, not in it.
        let actual = snapshot(&out);
        let expected_dir = case.join(&expected_name);
        if bless() {
            let _ = fs::remove_dir_all(&expected_dir);
            copy_dir(&out, &expected_dir);
            continue;
        }
        let expected = snapshot(&expected_dir);
        let names =
            |m: &std::collections::BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
        if names(&actual) != names(&expected) {
            failures.push(format!(
                "{}: files differ from {expected_name}/\n  actual:   {:?}\n  expected: {:?}",
                case.display(),
                names(&actual),
                names(&expected)
            ));
            continue;
        }
        for (path, bytes) in &actual {
            if expected.get(path) != Some(bytes) {
                failures.push(format!(
                    "{}: {path} differs from {expected_name}/\n--- expected\n{}\n--- actual\n{}",
                    case.display(),
                    text(expected.get(path).map_or(&[][..], Vec::as_slice)),
                    text(bytes)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run `BLESS=1 cargo test --test sites` to accept)",
        failures.join("\n\n")
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let case = common::fixtures().join("sites/features");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let result = site(&case, &["build", "--output", out.to_str().expect("utf-8")]);
        assert!(result.status.success(), "{}", text(&result.stderr));
    }
    // The build's own record (it holds file times) sits beside each folder, not in it.
    assert!(snapshot(&a) == snapshot(&b), "two builds differ");
}

#[test]
fn a_rebuild_rewrites_nothing_that_did_not_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&common::fixtures().join("sites/features"), tmp.path());
    let first = site(tmp.path(), &["build"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let page = tmp.path().join("public/guide/other/index.html");
    let before = stamp(&page);
    let second = site(tmp.path(), &["build"]);
    assert!(
        text(&second.stdout).contains("0 files written"),
        "{}",
        text(&second.stdout)
    );
    // A rewrite replaces the file (new inode) and gives it a new time, however soon it runs.
    assert_eq!(stamp(&page), before, "an unchanged page was written again");
    // A page whose time was changed behind the build's back is written again: its time is set
    // far from any clock reading, so the rewrite shows without waiting for the clock to move.
    let touched = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&page)
        .and_then(|f| f.set_modified(touched))
        .expect("set the page's time");
    let third = site(tmp.path(), &["build"]);
    assert!(
        text(&third.stdout).contains("1 files written"),
        "{}",
        text(&third.stdout)
    );
    assert_ne!(
        fs::metadata(&page)
            .and_then(|m| m.modified())
            .expect("mtime"),
        touched,
        "the touched page was written again"
    );
    // Removing an article removes its page on the next build.
    fs::remove_file(tmp.path().join("content/guide/other.md")).expect("remove");
    fs::write(
        tmp.path().join("content/guide/everything.md"),
        fs::read_to_string(tmp.path().join("content/guide/everything.md"))
            .expect("read")
            .replace("[the other guide](other.md)", "the other guide"),
    )
    .expect("write");
    let _ = fs::write(
        tmp.path().join("content/_index.md"),
        fs::read_to_string(tmp.path().join("content/_index.md")).expect("read"),
    );
    let fourth = site(tmp.path(), &["build"]);
    assert!(fourth.status.success(), "{}", text(&fourth.stderr));
    assert!(!page.exists(), "stale page was removed");
}

/// What changes when a file is written again: its modification time and, where there are
/// inodes, its inode (the build writes beside the old file and renames over it).
fn stamp(path: &std::path::Path) -> (std::time::SystemTime, u64) {
    let meta = fs::metadata(path).expect("metadata");
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    (meta.modified().expect("mtime"), inode)
}

#[test]
fn drafts_are_built_only_when_asked() {
    let case = common::fixtures().join("sites/features");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let result = site(
        &case,
        &[
            "build",
            "--drafts",
            "--output",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(out.join("news/draft/index.html").exists());
    let result = site(&case, &["build", "--output", out.to_str().expect("utf-8")]);
    assert!(result.status.success());
    assert!(!out.join("news/draft/index.html").exists());
}

#[test]
fn base_url_can_be_overridden() {
    let case = common::fixtures().join("sites/features");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let result = site(
        &case,
        &[
            "build",
            "--base-url",
            "https://preview.example.net/",
            "--output",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    let sitemap = fs::read_to_string(out.join("sitemap.xml")).expect("sitemap");
    assert!(
        sitemap.contains("<loc>https://preview.example.net/guide/everything/</loc>"),
        "{sitemap}"
    );
}

/// The bundled site names no reviewer, so no page may claim a medical review: pages and cards
/// say "Checked against its sources", and JSON-LD has no `reviewedBy`.
#[test]
fn no_page_of_the_bundled_site_claims_a_review_no_one_is_named_for() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("public");
    let result = site(
        root,
        &["build", "--output", out.to_str().expect("utf-8 path")],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    let mut checked = 0;
    for (path, bytes) in snapshot(&out) {
        let page = String::from_utf8_lossy(&bytes);
        // The About page explains what the words would mean; no other page may use them.
        if path != "about/index.html" {
            assert!(
                !page.contains("Medically reviewed"),
                "{path} claims a medical review"
            );
        }
        assert!(
            !page.contains("reviewedBy"),
            "{path} names a reviewer in JSON-LD"
        );
        checked += usize::from(page.contains("Checked against its sources on"));
    }
    assert!(
        checked > 30,
        "articles and lists say what was done ({checked} pages)"
    );
}
