//! `site check --external` against a local HTTP server started by each test (never the
//! internet): every kind of answer (200, redirect chains, 404, 410, 401/403, 429 with
//! `Retry-After`, a slow reply, a dropped connection, a TLS failure, an unknown host), the
//! DOI and PubMed look-ups against local stand-ins, the per-host limit, the cache, the skip
//! list and the offline case. The real binary runs with the hidden `SITE_EXTERNAL_*`
//! overrides pointing it at the stand-ins.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// One request the stand-in server received.
#[derive(Debug, Clone)]
struct Hit {
    method: String,
    path: String,
    host: String,
    at: Instant,
}

#[derive(Default)]
struct State {
    hits: Vec<Hit>,
    /// Requests being answered now, by `Host` header, and the most seen at once.
    in_flight: BTreeMap<String, usize>,
    most_in_flight: BTreeMap<String, usize>,
    /// How many times `/busy-once` was asked.
    busy: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// A local server that answers by path, recording every request.
struct Server {
    port: u16,
    shared: Arc<Shared>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || answer(stream, &shared));
            }
        });
        Server { port, shared }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn hits(&self) -> Vec<Hit> {
        self.lock().hits.clone()
    }

    fn hits_to(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn answer(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(common::PATIENCE));
    let mut first = [0u8; 1];
    if stream.peek(&mut first).is_ok() && first[0] == 0x16 {
        // A TLS handshake: answer in plain HTTP, which the client cannot read as TLS.
        let mut stream = stream;
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut host = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim().is_empty() => break,
            Ok(_) => {
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("host:") {
                    host = value.trim().to_owned();
                }
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let busy = {
        let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.hits.push(Hit {
            method: method.clone(),
            path: path.clone(),
            host: host.clone(),
            at: Instant::now(),
        });
        let now = {
            let n = state.in_flight.entry(host.clone()).or_default();
            *n += 1;
            *n
        };
        let most = state.most_in_flight.entry(host.clone()).or_default();
        *most = (*most).max(now);
        if path == "/busy-once" {
            state.busy += 1;
        }
        shared.changed.notify_all();
        state.busy
    };
    let route = path.split('?').next().unwrap_or("");
    let ok = "200 OK";
    let (status, headers, body): (&str, Vec<String>, String) = match route {
        "/ok" | "/also-ok" => (ok, vec![], "fine".into()),
        "/head-refused" if method == "HEAD" => ("405 Method Not Allowed", vec![], String::new()),
        "/head-refused" => (ok, vec![], "fine".into()),
        "/moved" => (
            "301 Moved Permanently",
            vec!["location: /moved-again".into()],
            String::new(),
        ),
        "/moved-again" => (
            "308 Permanent Redirect",
            vec!["location: /for-now".into()],
            String::new(),
        ),
        "/for-now" => ("302 Found", vec!["location: /ok".into()], String::new()),
        "/temporary" => (
            "307 Temporary Redirect",
            vec!["location: /ok".into()],
            String::new(),
        ),
        "/loop" => ("302 Found", vec!["location: /loop".into()], String::new()),
        "/moved-away" => (
            "301 Moved Permanently",
            vec!["location: /missing".into()],
            String::new(),
        ),
        "/missing" => ("404 Not Found", vec![], "nothing here".into()),
        "/gone" => ("410 Gone", vec![], "gone".into()),
        "/wall" => ("403 Forbidden", vec![], "no robots".into()),
        "/login" => ("401 Unauthorized", vec![], String::new()),
        "/busy" => (
            "429 Too Many Requests",
            vec!["retry-after: 0".into()],
            String::new(),
        ),
        "/busy-once" if busy == 1 => (
            "429 Too Many Requests",
            vec!["retry-after: 1".into()],
            String::new(),
        ),
        "/busy-once" => (ok, vec![], "fine".into()),
        "/broken" => ("500 Internal Server Error", vec![], String::new()),
        "/slow" => {
            // Never answers: waits for the client to give up and close the connection.
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
            finish(shared, &host);
            return;
        }
        "/drop" => {
            finish(shared, &host);
            return;
        }
        "/hold" => {
            // Holds the reply until two requests to this host are in flight (or every one has
            // arrived), so the per-host limit can be seen.
            let state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = shared
                .changed
                .wait_timeout_while(state, common::PATIENCE, |s| {
                    let arrived = s.hits.iter().filter(|h| h.host == host).count();
                    s.in_flight.get(&host).copied().unwrap_or(0) < 2 && arrived < HOLD_PER_HOST
                });
            (ok, vec![], "held".into())
        }
        doi if doi.starts_with("/doi/") => match &doi["/doi/".len()..] {
            "10.1000/real" | "10.1000/has%3Cangle%3E" => (
                ok,
                vec![],
                r#"{"responseCode":1,"handle":"10.1000/real","values":[]}"#.into(),
            ),
            _ => ("404 Not Found", vec![], r#"{"responseCode":100}"#.into()),
        },
        "/esummary" => {
            let ids = path
                .split_once("id=")
                .map(|(_, ids)| ids.split('&').next().unwrap_or(""))
                .unwrap_or("");
            let mut result = serde_json::Map::new();
            let uids: Vec<&str> = ids.split(',').collect();
            result.insert("uids".into(), serde_json::json!(uids));
            for id in &uids {
                let entry = if id.starts_with('1') {
                    serde_json::json!({"uid": id, "title": "A trial"})
                } else {
                    serde_json::json!({"uid": id, "error": "cannot get document summary"})
                };
                result.insert((*id).into(), entry);
            }
            (
                ok,
                vec![],
                serde_json::json!({ "result": result }).to_string(),
            )
        }
        _ => ("404 Not Found", vec![], String::new()),
    };
    let mut reply = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for header in headers {
        reply.push_str(&header);
        reply.push_str("\r\n");
    }
    reply.push_str("\r\n");
    if method != "HEAD" {
        reply.push_str(&body);
    }
    // No longer in flight once the reply is on its way: the client may send its next request
    // as soon as it reads this one, and counting this one until after the write would count
    // three at once where the client never had more than two.
    finish(shared, &host);
    let _ = writer.write_all(reply.as_bytes());
    let _ = writer.flush();
}

/// Links to `/hold` per host in `no_more_than_two_requests_at_once_to_one_host`.
const HOLD_PER_HOST: usize = 6;

fn finish(shared: &Shared, host: &str) {
    let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(n) = state.in_flight.get_mut(host) {
        *n = n.saturating_sub(1);
    }
    shared.changed.notify_all();
}

/// The valid base site with `content/care/article.md`'s body and references replaced, and
/// `extra` appended to `site.yaml`.
fn site_with(body: &str, references: &str, extra_config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("bad/_base"), tmp.path());
    let article = format!(
        "---\ntitle: A valid article\ndescription: A valid article that the bad-input cases break in one way at a time, for tests.\ndate: 2026-01-15\nreviewed: 2026-06-01\ntags: [care]\nreferences:\n{references}---\nAn intro paragraph.\n\n## Dosing {{#dosing}}\n\n{body}\n"
    );
    std::fs::write(tmp.path().join("content/care/article.md"), article).expect("write article");
    // The other article cites a host that would not resolve: point it at the first article's
    // reference style without a network address.
    let other = std::fs::read_to_string(tmp.path().join("content/care/other.md"))
        .expect("read other")
        .replace("    url: https://example.org/label\n", "    pmid: 111\n");
    std::fs::write(tmp.path().join("content/care/other.md"), other).expect("write other");
    let config = tmp.path().join("site.yaml");
    let mut yaml = std::fs::read_to_string(&config).expect("read site.yaml");
    yaml.push_str(extra_config);
    std::fs::write(&config, yaml).expect("write site.yaml");
    tmp
}

/// The article's references when the addresses are in its body: a PubMed id the stand-in
/// knows (reference `url`s must be `https`, which the stand-in does not speak).
const PMID_REFERENCE: &str = "  - title: \"A trial\"\n    pmid: 111\n";

/// A list with one link per address, on lines `link_line(0)`, `link_line(1)`, ...
fn link_list(urls: &[String]) -> String {
    urls.iter()
        .enumerate()
        .map(|(n, url)| format!("- [Source {n}]({url})\n"))
        .collect()
}

/// The line of the `n`th link of [`link_list`] in an article with [`PMID_REFERENCE`].
fn link_line(n: usize) -> usize {
    15 + n
}

/// One reference per address, each on its own `url:` line.
fn url_references(urls: &[String]) -> String {
    urls.iter()
        .enumerate()
        .map(|(n, url)| format!("  - title: \"Source {n}\"\n    url: {url}\n"))
        .collect()
}

#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
struct Finding {
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    severity: String,
    rule: String,
    message: String,
}

/// Runs `site check --external --format json` with the stand-ins; the exit code, the
/// findings of the external rules, and stderr.
fn check(root: &Path, server: &Server, extra: &[&str]) -> (Option<i32>, Vec<Finding>, String) {
    let out = run(
        root,
        server,
        &["check", "--external", "--format", "json"],
        extra,
    );
    let findings: Vec<Finding> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json: {e}\n{}", common::text(&out.stdout)));
    let (external, other): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.rule.starts_with("external-"));
    assert_eq!(other, vec![], "the base site is valid");
    (out.status.code(), external, common::text(&out.stderr))
}

fn run(root: &Path, server: &Server, args: &[&str], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_site"))
        .current_dir(root)
        .arg("--today")
        .arg(common::TODAY)
        .args(args)
        .args(extra)
        .env("SITE_EXTERNAL_DOI_API", server.url("/doi/"))
        .env("SITE_EXTERNAL_PUBMED_API", server.url("/esummary"))
        .env("SITE_EXTERNAL_PROBE", format!("127.0.0.1:{}", server.port))
        .env("SITE_EXTERNAL_TIMEOUT_MS", "300")
        .env_remove("NCBI_API_KEY")
        .output()
        .expect("the site binary runs")
}

/// (line, severity, start of message) of each finding in `content/care/article.md`.
fn summary(findings: &[Finding]) -> Vec<(usize, &str, &str)> {
    findings
        .iter()
        .filter(|f| f.file == "content/care/article.md")
        .map(|f| (f.line.unwrap_or(0), f.severity.as_str(), f.message.as_str()))
        .collect()
}

/// The line of the `n`th reference's `url:` in [`site_with`]'s article (0-based).
fn url_line(n: usize) -> usize {
    9 + 2 * n
}

#[test]
fn working_links_report_nothing() {
    let server = Server::start();
    let urls: Vec<String> = ["/ok", "/head-refused", "/temporary"]
        .iter()
        .map(|p| server.url(p))
        .collect();
    let body = format!(
        "{}\nSee [this]({}#part) and ![a chart]({}).",
        link_list(&urls),
        server.url("/also-ok"),
        server.url("/ok")
    );
    let dir = site_with(&body, PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(findings, vec![], "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    let heads = server.hits_to("/head-refused");
    let methods: Vec<&str> = heads.iter().map(|h| h.method.as_str()).collect();
    assert_eq!(methods, ["HEAD", "GET"], "GET after a refused HEAD");
    assert_eq!(
        server.hits_to("/ok").len(),
        2,
        "/ok once as itself, once after the 307"
    );
}

#[test]
fn broken_links_are_errors_at_every_place_and_checked_once() {
    let server = Server::start();
    let urls = vec![server.url("/missing"), server.url("/gone")];
    let body = format!(
        "Twice: [a]({}) and [b]({}#x).",
        server.url("/missing"),
        server.url("/missing")
    );
    let body = format!("{}\n{body}", link_list(&urls));
    let dir = site_with(&body, PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let missing = server.url("/missing");
    let gone = server.url("/gone");
    let places: Vec<(usize, Option<usize>, &str)> = findings
        .iter()
        .map(|f| (f.line.unwrap_or(0), f.column, f.severity.as_str()))
        .collect();
    assert_eq!(
        places,
        vec![
            (link_line(0), Some(3), "error"),
            (link_line(1), Some(3), "error"),
            (link_line(3), Some(8), "error"),
            (link_line(3), Some(8 + 4 + missing.len() + 6), "error"),
        ],
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f.rule == "external-link"));
    assert_eq!(
        findings[0].message,
        format!("`{missing}` is broken: the server answers 404 not found")
    );
    assert_eq!(
        findings[1].message,
        format!("`{gone}` is broken: the server answers 410 gone")
    );
    let heads = server
        .hits_to("/missing")
        .iter()
        .filter(|h| h.method == "HEAD")
        .count();
    assert_eq!(heads, 1, "one check for three places");
}

#[test]
fn home_section_and_tag_pages_are_checked_too() {
    let server = Server::start();
    let dir = site_with("", PMID_REFERENCE, "");
    let gone = server.url("/gone");
    for file in [
        "content/_index.md",
        "content/care/_index.md",
        "content/tags/care.md",
    ] {
        let path = dir.path().join(file);
        let mut text = std::fs::read_to_string(&path).expect("read page");
        text.push_str(&format!("\nSee [this]({gone}).\n"));
        std::fs::write(&path, text).expect("write page");
    }
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let files: Vec<&str> = findings.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "content/_index.md",
            "content/care/_index.md",
            "content/tags/care.md"
        ],
        "{findings:#?}"
    );
    assert_eq!(
        server.hits_to("/gone").len(),
        2,
        "one HEAD and one GET for three pages"
    );
}

#[test]
fn permanent_redirects_say_where_the_page_went() {
    let server = Server::start();
    let urls = vec![
        server.url("/moved"),
        server.url("/loop"),
        server.url("/moved-away"),
    ];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let moved = format!(
        "`{}` has moved permanently (301) to `{}`",
        server.url("/moved"),
        server.url("/ok")
    );
    let looped = format!(
        "`{}` redirects more than 10 times (last to `{}`)",
        server.url("/loop"),
        server.url("/loop")
    );
    let away = format!(
        "`{}` is broken: the server answers 404 not found (after redirects to `{}`)",
        server.url("/moved-away"),
        server.url("/missing")
    );
    assert_eq!(
        summary(&findings),
        vec![
            (link_line(0), "warning", moved.as_str()),
            (link_line(1), "error", looped.as_str()),
            (link_line(2), "error", away.as_str()),
        ]
    );
    assert_eq!(
        server.hits_to("/loop").len(),
        11,
        "the first request and 10 redirects"
    );
}

#[test]
fn bot_walls_and_server_errors_are_warnings() {
    let server = Server::start();
    let urls = vec![
        server.url("/wall"),
        server.url("/login"),
        server.url("/busy"),
        server.url("/broken"),
    ];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(0), "warnings only: {stderr}");
    let severities: Vec<&str> = findings.iter().map(|f| f.severity.as_str()).collect();
    assert_eq!(severities, ["warning"; 4], "{findings:#?}");
    assert!(findings[0]
        .message
        .contains("refused the automated check (403 forbidden)"));
    assert!(findings[1].message.contains("(401 unauthorized)"));
    assert!(findings[2].message.contains("(429 too many requests)"));
    assert!(findings[3]
        .message
        .contains("answers 500 internal server error"));
    assert_eq!(server.hits_to("/busy").len(), 2, "one retry after a 429");
    let (strict, _, _) = check(dir.path(), &server, &["--strict"]);
    assert_eq!(strict, Some(1), "--strict fails on warnings");
}

#[test]
fn a_429_is_retried_after_the_time_it_asks_for() {
    let server = Server::start();
    let dir = site_with(&link_list(&[server.url("/busy-once")]), PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!((code, findings), (Some(0), vec![]), "{stderr}");
    let hits = server.hits_to("/busy-once");
    assert_eq!(hits.len(), 2);
    let waited = hits[1].at.duration_since(hits[0].at);
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
}

#[test]
fn slow_replies_time_out_and_dropped_connections_are_warnings() {
    let server = Server::start();
    let urls = vec![server.url("/slow"), server.url("/drop")];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let start = Instant::now();
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the 300 ms timeout was used"
    );
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{findings:#?}");
    assert_eq!(
        messages[0],
        format!("`{}` did not answer within 0.3 s", server.url("/slow"))
    );
    assert!(
        messages[1].starts_with(&format!("`{}` could not be fetched", server.url("/drop"))),
        "{}",
        messages[1]
    );
    assert!(findings.iter().all(|f| f.severity == "warning"));
}

#[test]
fn tls_failures_and_unknown_hosts_are_errors() {
    let server = Server::start();
    let urls = vec![
        format!("https://127.0.0.1:{}/ok", server.port),
        "https://no-such-host.invalid/page".to_owned(),
    ];
    let dir = site_with("", &url_references(&urls), "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(
        findings[0].message.contains("failed the secure connection"),
        "{}",
        findings[0].message
    );
    assert_eq!(
        findings[1].message,
        "the host `no-such-host.invalid` of `https://no-such-host.invalid/page` does not exist (its name does not resolve)"
    );
    assert!(findings.iter().all(|f| f.severity == "error"));
    let places: Vec<_> = findings.iter().map(|f| (f.line, f.column)).collect();
    assert_eq!(
        places,
        [(Some(url_line(0)), Some(10)), (Some(url_line(1)), Some(10))]
    );
}

#[test]
fn dois_and_pmids_are_looked_up_in_their_registries() {
    let server = Server::start();
    let references = "  - title: \"Real\"\n    doi: 10.1000/REAL\n  - title: \"Made up\"\n    doi: \"10.1000/nothing\"\n    pmid: 999\n  - title: \"Angles\"\n    doi: 10.1000/has<angle>\n    pmid: \"123\"\n";
    let dir = site_with("", references, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        findings
            .iter()
            .map(|f| (
                f.line.unwrap_or(0),
                f.column.unwrap_or(0),
                f.message.as_str()
            ))
            .collect::<Vec<_>>(),
        vec![
            (
                11,
                11,
                "the DOI `10.1000/nothing` does not exist (doi.org has no such handle)"
            ),
            (12, 11, "the PMID `999` is not in PubMed"),
        ],
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f.rule == "external-reference"));
    let pubmed = server.hits_to_prefix("/esummary");
    assert_eq!(pubmed.len(), 1, "one batch for every id");
    assert!(
        pubmed[0].path.contains("id=111,123,999"),
        "{}",
        pubmed[0].path
    );
    assert_eq!(server.hits_to("/doi/10.1000/has%3Cangle%3E").len(), 1);
}

#[test]
fn the_cache_answers_a_second_run_without_requests() {
    let server = Server::start();
    let urls = vec![server.url("/ok"), server.url("/missing")];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let first = check(dir.path(), &server, &[]);
    let asked = server.hits().len();
    assert!(asked > 0);
    let cache = dir.path().join(".site-external-cache.json");
    let written = std::fs::read_to_string(&cache).expect("the cache file is written");
    assert!(written.contains("\"outcome\": \"ok\""), "{written}");
    let second = check(dir.path(), &server, &[]);
    assert_eq!(server.hits().len(), asked, "no request on the second run");
    assert_eq!(
        (first.0, &first.1),
        (second.0, &second.1),
        "same findings from the cache"
    );
    assert_eq!(
        std::fs::read_to_string(&cache).expect("cache"),
        written,
        "the file is unchanged"
    );
}

#[test]
fn skipped_addresses_are_not_requested() {
    let server = Server::start();
    let urls = vec![server.url("/missing"), server.url("/gone")];
    let body = "Write to [us](mailto:team@example.org) or [call](tel:+15555550100).";
    let extra = format!("external_skip:\n  - {}\n", server.url("/missing"));
    let body = format!("{}\n{body}", link_list(&urls));
    let dir = site_with(&body, PMID_REFERENCE, &extra);
    let (_, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!(findings.len(), 1, "{stderr}");
    assert!(findings[0].message.contains("/gone"));
    assert!(server.hits_to("/missing").is_empty());

    let dir = site_with(
        &link_list(&urls),
        PMID_REFERENCE,
        "external_skip: [127.0.0.1]\n",
    );
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!((code, findings), (Some(0), vec![]), "{stderr}");
}

#[test]
fn offline_says_so_once_and_passes_unless_strict() {
    let server = Server::start();
    let urls = vec![server.url("/missing"), server.url("/gone")];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let offline = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_site"))
            .current_dir(dir.path())
            .args(["--today", common::TODAY, "check", "--external"])
            .args(extra)
            .env("SITE_EXTERNAL_PROBE", "offline-probe.invalid:443")
            .output()
            .expect("the site binary runs");
        (out.status.code(), common::text(&out.stdout))
    };
    let (code, stdout) = offline(&[]);
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(stdout.matches("there is no network").count(), 1, "{stdout}");
    assert!(
        stdout.contains("warning: external links were not checked"),
        "{stdout}"
    );
    assert_eq!(offline(&["--strict"]).0, Some(1));
    assert!(server.hits().is_empty(), "nothing was asked");
    assert!(!dir.path().join(".site-external-cache.json").exists());
}

#[test]
fn offline_also_when_the_probe_resolves_but_no_linked_host_does() {
    let server = Server::start();
    let urls = vec![
        "https://one.invalid/a".to_owned(),
        "https://two.invalid/b".to_owned(),
    ];
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let out = Command::new(env!("CARGO_BIN_EXE_site"))
        .current_dir(dir.path())
        .args(["--today", common::TODAY, "check", "--external"])
        .env("SITE_EXTERNAL_PROBE", format!("127.0.0.1:{}", server.port))
        .env(
            "SITE_EXTERNAL_PUBMED_API",
            "https://pubmed.invalid/esummary",
        )
        .output()
        .expect("the site binary runs");
    let stdout = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("there is no network (not one linked host resolves)"),
        "{stdout}"
    );
    assert!(!stdout.contains("does not exist"), "{stdout}");
}

#[test]
fn no_more_than_two_requests_at_once_to_one_host() {
    let server = Server::start();
    let mut urls = Vec::new();
    for n in 0..HOLD_PER_HOST {
        urls.push(format!("http://127.0.0.1:{}/hold?{n}", server.port));
        urls.push(format!("http://localhost:{}/hold?{n}", server.port));
    }
    let dir = site_with(&link_list(&urls), PMID_REFERENCE, "");
    let (code, findings, stderr) = check(dir.path(), &server, &[]);
    assert_eq!((code, findings), (Some(0), vec![]), "{stderr}");
    let most = server.lock().most_in_flight.clone();
    assert_eq!(
        most.get(&format!("127.0.0.1:{}", server.port)),
        Some(&2),
        "{most:?}"
    );
    assert_eq!(
        most.get(&format!("localhost:{}", server.port)),
        Some(&2),
        "{most:?}"
    );
    assert!(server.hits().iter().all(|h| !h.host.is_empty()));
}

#[test]
fn text_output_points_at_the_line_with_a_caret() {
    let server = Server::start();
    let dir = site_with(&link_list(&[server.url("/gone")]), PMID_REFERENCE, "");
    let out = run(dir.path(), &server, &["check", "--external"], &[]);
    let stdout = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    let headline = format!(
        "content/care/article.md:15:3: error: `{}` is broken: the server answers 410 gone [external-link]",
        server.url("/gone")
    );
    assert!(stdout.contains(&headline), "{stdout}");
    let source = format!("15 | - [Source 0]({})", server.url("/gone"));
    assert!(stdout.contains(&source), "{stdout}");
}

impl Server {
    fn hits_to_prefix(&self, prefix: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.path.starts_with(prefix))
            .collect()
    }
}
