//! `site serve` recovers from every kind of input it could not load or use: a content file, a
//! template, a static file and `site.yaml`, each broken the way that really makes loading fail
//! (checked on the event stream). Each case runs twice:
//!
//! - `at_start_up::<case>`: the file is broken when the server starts, then fixed;
//! - `after_a_folder_event::<case>`: the site is served, the file is broken, a folder under
//!   `content/` is created and removed (a folder event makes the server read the whole site
//!   again), then the file is fixed.
//!
//! Once fixed, the server must serve the site (`/` answers 200) and the event stream must send
//! a new version without the error. Run one alone with
//! `cargo test --test serve_recovery -- at_start_up::content_not_utf8`.

mod common;

use common::{News, Server};
use std::fs;
use std::path::Path;

/// How a case breaks its file.
enum Broken {
    /// These bytes instead of the good ones.
    Bytes(Vec<u8>),
    /// A symlink to a file that even root cannot read (`/proc/self/mem` answers EIO at offset
    /// 0); a dangling symlink is only warned about and a FIFO is skipped, so neither fails.
    Unreadable,
}

/// One way to break one input.
struct Case {
    /// The file, relative to the site root.
    path: &'static str,
    /// What it holds when broken.
    broken: fn() -> Broken,
    /// What the error on the event stream says (besides the path).
    error: &'static str,
}

/// The small valid site of the bad-input tests.
fn base() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("bad/_base"), dir.path());
    dir
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = common::fixtures().join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("read `{}`: {e}", path.display()))
}

/// The base site's bytes of `path` with a byte that is not UTF-8 added.
fn not_utf8(path: &str) -> Broken {
    let mut bytes = fixture(&format!("bad/_base/{path}"));
    bytes.extend_from_slice(b"\n# a byte that is not UTF-8: \xff\n");
    Broken::Bytes(bytes)
}

/// What the file holds once fixed: the base site's version, or a small SVG for the static file
/// the base site does not have.
fn good(path: &str) -> Vec<u8> {
    let base = common::fixtures().join("bad/_base").join(path);
    if base.exists() {
        fixture(&format!("bad/_base/{path}"))
    } else {
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>\n".to_vec()
    }
}

/// Breaks the case's file in one step (see `common::replace_file`), so a server that is running
/// sees one change and reads the file once.
fn break_file(root: &Path, case: &Case) {
    let path = root.join(case.path);
    match (case.broken)() {
        Broken::Bytes(bytes) => common::replace_file(root, &path, bytes),
        Broken::Unreadable => {
            let staged = root.join(".replacement-link");
            symlink_to_unreadable(&staged);
            fs::rename(&staged, &path).expect("rename the symlink into place");
        }
    }
}

#[cfg(target_os = "linux")]
fn symlink_to_unreadable(path: &Path) {
    std::os::unix::fs::symlink("/proc/self/mem", path).expect("symlink");
}

#[cfg(not(target_os = "linux"))]
fn symlink_to_unreadable(_: &Path) {
    unreachable!("the unreadable static file case runs on Linux only");
}

/// Waits until the event stream carries an error naming the case's file, and saying what the
/// loader says about it if `exact`; returns that message. (Today a file broken while serving
/// is read by serve itself, which words some errors differently: `cannot read `site.yaml``.)
fn wait_for_the_error(events: &common::Events, case: &Case, exact: bool) -> News {
    let what = if exact {
        format!("an error naming `{}` that says `{}`", case.path, case.error)
    } else {
        format!("an error naming `{}`", case.path)
    };
    events.wait(&what, |news| {
        news.error
            .as_deref()
            .is_some_and(|e| e.contains(case.path) && (!exact || e.contains(case.error)))
    })
}

/// Fixes the file in one step and checks that the server serves the site again and the event
/// stream drops the error.
fn fix_and_expect_recovery(
    root: &Path,
    case: &Case,
    server: &Server,
    events: &common::Events,
    failed: &News,
) {
    let case_path = case.path;
    let from = server.mark();
    common::replace_file(root, &root.join(case_path), good(case_path));
    let line = server.wait_for_rebuild(from, case_path);
    assert!(
        !line.contains("the rebuild failed"),
        "fixing `{case_path}` did not clear the error: the server said `{line}`\n{}",
        server.output()
    );
    events.wait(
        &format!("a version newer than {} without an error", failed.version),
        |news| news.error.is_none() && news.version > failed.version,
    );
    let home = server.get("/");
    assert_eq!(
        home.status,
        200,
        "after fixing `{case_path}` the site is served\n{}",
        server.output()
    );
}

fn broken_at_start_up_then_fixed(case: &Case) {
    let dir = base();
    let root = dir.path();
    break_file(root, case);
    let server = common::serve(root);
    let events = server.events();
    let failed = wait_for_the_error(&events, case, true);
    fix_and_expect_recovery(root, case, &server, &events, &failed);
}

fn broken_then_folder_event_then_fixed(case: &Case) {
    let dir = base();
    let root = dir.path();
    let server = common::serve(root);
    let events = server.events();
    events.wait("the first good build", |news| {
        news.error.is_none() && news.version >= 1
    });
    break_file(root, case);
    wait_for_the_error(&events, case, false);
    // A folder event: the server reads the whole site again, the broken file with it.
    let folder = root.join("content/new-folder");
    for step in ["created", "removed"] {
        let from = server.mark();
        if step == "created" {
            fs::create_dir(&folder).expect("create a folder");
        } else {
            fs::remove_dir(&folder).expect("remove the folder");
        }
        let line = server.wait_for_rebuild(from, "content/new-folder");
        assert!(
            line.contains("the rebuild failed"),
            "with `{}` broken, the rebuild after the folder was {step} fails: {line}",
            case.path
        );
    }
    // The whole site was read again: the error is the loader's.
    let failed = wait_for_the_error(&events, case, true);
    fix_and_expect_recovery(root, case, &server, &events, &failed);
}

macro_rules! cases {
    ($($(#[$attr:meta])* $name:ident: $case:expr,)*) => {
        mod at_start_up {
            use super::*;
            $($(#[$attr])* #[test] fn $name() { broken_at_start_up_then_fixed(&$case) })*
        }
        mod after_a_folder_event {
            use super::*;
            $($(#[$attr])* #[test] fn $name() { broken_then_folder_event_then_fixed(&$case) })*
        }
    };
}

cases! {
    content_not_utf8: Case {
        path: "content/care/article.md",
        broken: || not_utf8("content/care/article.md"),
        error: "not valid UTF-8",
    },
    template_not_utf8: Case {
        path: "templates/page.html",
        broken: || not_utf8("templates/page.html"),
        error: "not valid UTF-8",
    },
    template_syntax_error: Case {
        path: "templates/page.html",
        broken: || Broken::Bytes(fixture("bad/template-syntax/templates/page.html")),
        error: "template syntax error",
    },
    #[cfg(target_os = "linux")]
    static_file_unreadable: Case {
        path: "static/logo.svg",
        broken: || Broken::Unreadable,
        error: "cannot read `static/logo.svg`",
    },
    config_not_utf8: Case {
        path: "site.yaml",
        broken: || not_utf8("site.yaml"),
        error: "not valid UTF-8",
    },
    config_yaml_error: Case {
        path: "site.yaml",
        broken: || Broken::Bytes(fixture("bad/config-tab/site.yaml")),
        error: "invalid YAML",
    },
}
