//! `site serve` over real HTTP: pages, redirects, 404, HEAD, content types, traversal attempts,
//! live rebuilds and the error stream. Loopback only; every wait is bounded.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), dir.path());
    let port = free_port();
    let (child, mut lines) = common::spawn_serve(dir.path(), port);
    let line = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(
        line.contains(&format!("serving http://127.0.0.1:{port}/")),
        "{line}"
    );
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        port,
        _dir: dir,
    }
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

fn request(port: u16, method: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn serves_pages_files_and_404s_with_the_right_types() {
    let server = start();
    let page = request(server.port, "GET", "/guide/everything/");
    assert_eq!(page.status, 200);
    assert!(page
        .headers
        .contains("content-type: text/html; charset=utf-8"));
    assert!(page.body.contains("<h1>Every Markdown feature</h1>"));
    assert!(
        page.body.contains("/__site/events"),
        "live-reload script injected in serve mode"
    );
    let redirect = request(server.port, "GET", "/guide/everything");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /guide/everything/"));
    for (path, kind) in [
        ("/atom.xml", "application/xml"),
        ("/sitemap.xml", "application/xml"),
        ("/favicon.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain"),
        ("/search-index.json", "application/json"),
    ] {
        let reply = request(server.port, "GET", path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.headers.contains(&format!("content-type: {kind}")),
            "{path}: {}",
            reply.headers
        );
    }
    let missing = request(server.port, "GET", "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Not found"));
    let head = request(server.port, "HEAD", "/guide/everything/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(request(server.port, "POST", "/").status, 405);
}

#[test]
fn never_serves_anything_outside_the_site() {
    let server = start();
    let secret = server._dir.path().join("site.yaml");
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
        let reply = request(server.port, "GET", path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("base_url"), "{path} leaked site.yaml");
    }
    // No directory listings: a folder without an index is a 404.
    assert_eq!(request(server.port, "GET", "/css/").status, 404);
}

#[test]
fn an_edit_is_served_without_restart_and_a_bad_edit_keeps_the_last_good_page() {
    let server = start();
    let root = server._dir.path();
    let file = root.join("content/guide/other.md");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, format!("{text}\nA paragraph added while serving.\n")).expect("write");
    wait_for("the edit to show", || {
        request(server.port, "GET", "/guide/other/")
            .body
            .contains("A paragraph added while serving.")
    });
    std::fs::write(&file, text.replace("title:", "titel:")).expect("write");
    // The event stream carries the error; the page keeps its last good version.
    wait_for("the error to reach the event stream", || {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let _ = write!(stream, "GET /__site/events HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut buffer = [0u8; 4096];
        let mut seen = String::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
            }
            if seen.contains("data:") {
                break;
            }
        }
        seen.contains("content/guide/other.md:2:1") && seen.contains("unknown key `titel`")
    });
    assert!(request(server.port, "GET", "/guide/other/")
        .body
        .contains("A paragraph added while serving."));
    std::fs::write(&file, &text).expect("restore");
    wait_for("the fix to show", || {
        !request(server.port, "GET", "/guide/other/")
            .body
            .contains("A paragraph added while serving.")
    });
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), dir.path());
    let (mut child, mut lines) = common::spawn_serve(dir.path(), port);
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let second = lines.next().and_then(Result::ok).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains(&format!("port {port} is taken")), "{first}");
    assert!(second.contains("serving http://127.0.0.1:"), "{second}");
    drop(taken);
}
