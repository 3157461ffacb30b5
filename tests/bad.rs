//! Bad-input tests: each `tests/bad/<case>/` holds the files that differ from the valid site in
//! `tests/bad/_base/` (and optionally `remove.txt`, files to delete). The harness builds the
//! base site, applies the case, builds again and asserts: exit code 1, no panic, stderr exactly
//! `expected.txt` (every diagnostic with file, line and column), and the previous output left
//! byte-for-byte untouched. `BLESS=1` rewrites `expected.txt`.

mod common;

use common::{bless, copy_dir, site, snapshot, text};
use std::fs;
use std::path::Path;

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

#[test]
fn every_bad_input_fails_with_located_errors_and_keeps_the_old_output() {
    let bad = common::fixtures().join("bad");
    let mut cases: Vec<_> = fs::read_dir(&bad)
        .expect("tests/bad")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 20,
        "expected the bad-input cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        copy_dir(&bad.join("_base"), root);
        let good = site(root, &["build"]);
        assert!(
            good.status.success(),
            "base site builds: {}",
            text(&good.stderr)
        );
        let before = snapshot(&root.join("public"));
        apply(case, root);
        let result = site(root, &["build"]);
        let stderr = text(&result.stderr);
        if result.status.code() != Some(1) {
            failures.push(format!(
                "{name}: exit code {:?}, want 1\n{stderr}",
                result.status.code()
            ));
        }
        if stderr.contains("panicked") {
            failures.push(format!("{name}: panicked\n{stderr}"));
        }
        if snapshot(&root.join("public")) != before {
            failures.push(format!("{name}: the previous output was changed"));
        }
        let expected_path = case.join("expected.txt");
        if bless() {
            fs::write(&expected_path, &stderr).expect("bless");
        } else {
            let expected = fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != stderr {
                failures.push(format!(
                    "{name}: stderr differs\n--- expected\n{expected}--- actual\n{stderr}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run `BLESS=1 cargo test --test bad` to accept)",
        failures.join("\n\n")
    );
}
