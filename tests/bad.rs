//! Bad-input tests: each `tests/bad/<case>/` holds the files that differ from the valid site in
//! `tests/bad/_base/` (and optionally `remove.txt`, files to delete). The harness builds the
//! base site, applies the case, builds again and asserts: exit code 1, no panic, stderr exactly
//! `expected.txt` (every diagnostic with file, line and column), and the previous output left
//! byte-for-byte untouched. `BLESS=1` rewrites `expected.txt`.
//!
//! Each folder is its own test, named after it, found when the tests start (`harness = false`
//! with `libtest-mimic`): `cargo test --test bad -- invalid-utf8` runs one case,
//! `BLESS=1 cargo test --test bad -- invalid-utf8` re-blesses only that one.

mod common;

use common::{bless, copy_dir, site, snapshot, text};
use libtest_mimic::{Arguments, Failed, Trial};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn apply(case: &Path, root: &Path) {
    for entry in walkdir::WalkDir::new(case) {
        let entry = entry.expect("walk case");
        let rel = entry.path().strip_prefix(case).expect("inside");
        let name = rel.to_string_lossy();
        if entry.file_type().is_dir() || name == "expected.txt" || name == "remove.txt" {
            continue;
        }
        let target = root.join(rel);
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::copy(entry.path(), &target).expect("copy");
    }
    if let Ok(list) = fs::read_to_string(case.join("remove.txt")) {
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            fs::remove_file(root.join(line.trim())).expect("remove listed file");
        }
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let bad = common::fixtures().join("bad");
    let mut cases: Vec<PathBuf> = fs::read_dir(&bad)
        .expect("tests/bad")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    cases.sort();
    let mut trials = vec![Trial::test("the-cases-are-found", {
        let count = cases.len();
        move || {
            if count >= 20 {
                Ok(())
            } else {
                Err(format!("expected the bad-input cases in tests/bad/, found {count}").into())
            }
        }
    })];
    trials.extend(cases.into_iter().map(|case| {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        Trial::test(name, move || run(&case))
    }));
    libtest_mimic::run(&args, trials).exit_code()
}

/// One case: the base site builds, the case's changes make the next build fail with exactly
/// `expected.txt` on stderr, and the old output is left as it was.
fn run(case: &Path) -> Result<(), Failed> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    copy_dir(&case.with_file_name("_base"), root);
    let good = site(root, &["build"]);
    if !good.status.success() {
        return Err(format!("the base site does not build:\n{}", text(&good.stderr)).into());
    }
    let before = snapshot(&root.join("public"));
    apply(case, root);
    let result = site(root, &["build"]);
    let stderr = text(&result.stderr);
    let mut failures = Vec::new();
    if result.status.code() != Some(1) {
        failures.push(format!(
            "exit code {:?}, want 1\n{stderr}",
            result.status.code()
        ));
    }
    if stderr.contains("panicked") {
        failures.push(format!("panicked\n{stderr}"));
    }
    if snapshot(&root.join("public")) != before {
        failures.push("the previous output was changed".to_owned());
    }
    let expected_path = case.join("expected.txt");
    if bless() {
        fs::write(&expected_path, &stderr).expect("bless");
    } else {
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != stderr {
            let name = case.file_name().unwrap_or_default().to_string_lossy();
            failures.push(format!(
                "stderr differs\n--- expected\n{expected}--- actual\n{stderr}\n(run `BLESS=1 cargo test --test bad -- {name}` to accept)"
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n").into())
    }
}
