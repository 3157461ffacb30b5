//! Helpers shared by the integration tests: running the real binary, copying fixture sites,
//! snapshotting output folders.

#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

/// The fixed day tests measure review ages from, so goldens never depend on the clock.
pub const TODAY: &str = "2026-11-27";

/// The folder holding the test fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Runs `site` in `dir` with `args` (after the fixed `--today`).
pub fn site(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_site"))
        .current_dir(dir)
        .arg("--today")
        .arg(TODAY)
        .args(args)
        .output()
        .expect("the site binary runs")
}

/// Text of stdout and stderr.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(from).expect("inside");
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("create dir");
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir` (relative path → bytes).
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk output");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("inside");
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.insert(rel, fs::read(entry.path()).expect("read output"));
        }
    }
    files
}

/// Whether goldens should be rewritten instead of compared.
pub fn bless() -> bool {
    std::env::var_os("BLESS").is_some()
}

/// Starts `site serve --port PORT` in `dir`; returns the child and its stdout lines (the first
/// says where it serves). Stderr is discarded.
pub fn spawn_serve(dir: &Path, port: u16) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_site"))
        .current_dir(dir)
        .args(["serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start site serve");
    let stdout = child.stdout.take().expect("stdout");
    (child, BufReader::new(stdout).lines())
}
