//! `site serve` over real HTTP: pages, redirects, 404, HEAD, content types, traversal attempts,
//! live rebuilds and the error stream, `--port 0` and a taken port. Loopback only; every wait is
//! for a condition and bounded (`common::PATIENCE`).

mod common;

use common::Server;
use std::path::Path;

/// The feature fixture, served on a port the system picks (bind it as `(dir, server)` so the
/// server stops before its folder is removed).
fn start() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), dir.path());
    let server = common::serve(dir.path());
    (dir, server)
}

#[test]
fn serves_pages_files_and_404s_with_the_right_types() {
    let (_dir, server) = start();
    let page = server.request("GET", "/guide/everything/");
    assert_eq!(page.status, 200);
    assert!(page
        .headers
        .contains("content-type: text/html; charset=utf-8"));
    assert!(page.body.contains("<h1>Every Markdown feature</h1>"));
    assert!(
        page.body.contains("/__site/events"),
        "live-reload script injected in serve mode"
    );
    let redirect = server.request("GET", "/guide/everything");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /guide/everything/"));
    for (path, kind) in [
        ("/atom.xml", "application/xml"),
        ("/sitemap.xml", "application/xml"),
        ("/favicon.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain"),
        ("/search-index/manifest.json", "application/json"),
        ("/search-index/d/0.json", "application/json"),
    ] {
        let reply = server.request("GET", path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.headers.contains(&format!("content-type: {kind}")),
            "{path}: {}",
            reply.headers
        );
    }
    let missing = server.request("GET", "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Not found"));
    let head = server.request("HEAD", "/guide/everything/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(server.request("POST", "/").status, 405);
}

#[test]
fn never_serves_anything_outside_the_site() {
    let (dir, server) = start();
    let secret = dir.path().join("site.yaml");
    assert!(Path::new(&secret).exists());
    for path in [
        "/../site.yaml",
        "/..%2fsite.yaml",
        "/%2e%2e/site.yaml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/guide/..%2f..%2fsite.yaml",
        "/guide%2f..%2f..%2fsite.yaml",
        "/guide/../../site.yaml",
        "//etc/passwd",
        "/%5c..%5csite.yaml",
        "/content/guide/everything.md",
        "/%00",
    ] {
        let reply = server.request("GET", path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("base_url"), "{path} leaked site.yaml");
    }
    // No directory listings: a folder without an index is a 404.
    assert_eq!(server.request("GET", "/css/").status, 404);
}

#[test]
fn an_edit_is_served_without_restart_and_a_bad_edit_keeps_the_last_good_page() {
    let (dir, server) = start();
    let root = dir.path();
    let file = root.join("content/guide/other.md");
    let text = std::fs::read_to_string(&file).expect("read");
    let events = server.events();
    std::fs::write(&file, format!("{text}\nA paragraph added while serving.\n")).expect("write");
    server.wait_for("the edit to show", || {
        server
            .get("/guide/other/")
            .body
            .contains("A paragraph added while serving.")
    });
    std::fs::write(&file, text.replace("title:", "titel:")).expect("write");
    // The event stream carries the error; the page keeps its last good version.
    let failed = events.wait("the unknown key error", |news| {
        news.error.as_deref().is_some_and(|e| {
            e.contains("content/guide/other.md:2:1") && e.contains("unknown key `titel`")
        })
    });
    assert!(server
        .get("/guide/other/")
        .body
        .contains("A paragraph added while serving."));
    std::fs::write(&file, &text).expect("restore");
    events.wait("a newer version without the error", |news| {
        news.error.is_none() && news.version > failed.version
    });
    assert!(!server
        .get("/guide/other/")
        .body
        .contains("A paragraph added while serving."));
}

#[test]
fn port_zero_listens_on_a_port_the_system_picks_and_says_which() {
    let (_dir, server) = start();
    let first = server.stdout().first().cloned().unwrap_or_default();
    assert!(!first.contains("is taken"), "{first}");
    assert!(
        first.contains(&format!("serving http://127.0.0.1:{}/", server.port)),
        "{first}"
    );
    assert_ne!(server.port, 0);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    // Held for the whole test, so the port stays taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), dir.path());
    let server = common::serve_on(dir.path(), port);
    let lines = server.stdout();
    assert!(
        lines.first().is_some_and(|l| l.contains(&format!(
            "port {port} is taken; using {} instead",
            server.port
        ))),
        "{lines:?}"
    );
    assert_ne!(server.port, port);
    assert_eq!(server.get("/").status, 200);
    drop(taken);
}

#[test]
fn previews_the_site_at_its_base_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), dir.path());
    let config = dir.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).expect("site.yaml");
    let text = text.replace(
        "base_url: https://test.example.org/",
        "base_url: https://test.example.org/Sub/",
    );
    std::fs::write(&config, text).expect("site.yaml");
    let server = common::serve(dir.path());
    assert!(
        server.output().contains("/Sub/ (watching"),
        "the start-up line names the base path: {}",
        server.output()
    );
    let root = server.request("GET", "/");
    assert_eq!(root.status, 307);
    // Header lines come back lower-cased.
    assert!(root.headers.contains("location: /sub/"), "{}", root.headers);
    let page = server.request("GET", "/Sub/guide/everything/");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("href=\"/Sub/guide/\""),
        "links follow the base path"
    );
    assert!(
        page.body
            .contains("new EventSource(\"/Sub/__site/events\")"),
        "the live-reload script listens under the base path"
    );
    let folder = server.request("GET", "/Sub/guide/everything");
    assert_eq!(folder.status, 301);
    assert!(folder.headers.contains("location: /sub/guide/everything/"));
    for outside in [
        "/guide/everything/",
        "/sub/guide/",
        "/Subway/",
        "/__site/events",
    ] {
        let reply = server.request("GET", outside);
        assert_eq!(reply.status, 404, "{outside} is outside the base path");
    }
}
