//! Helpers shared by the integration tests: running the real binary, copying fixture sites,
//! snapshotting output folders, and driving `site serve` (its log, its pages, its event stream).
//!
//! Nothing here sleeps and then asserts: every wait is for a condition (a log line, an event, a
//! reply) under one generous deadline, `PATIENCE`, and a wait that runs out fails with what the
//! server said.

#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The fixed day tests measure review ages from, so goldens never depend on the clock.
pub const TODAY: &str = "2026-12-02";

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

/// How long any wait on the server may take before the test fails: far more than a rebuild of
/// a fixture takes, so a slow or busy machine never fails a test that would pass.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Lines a child printed, shared with the threads that read its pipes.
#[derive(Default)]
struct Log {
    lines: Mutex<Lines>,
    grew: Condvar,
}

#[derive(Default)]
struct Lines {
    stdout: Vec<String>,
    stderr: Vec<String>,
    /// Whether stdout was closed (the server exited).
    closed: bool,
}

impl Log {
    fn read(self: &Arc<Self>, pipe: impl Read + Send + 'static, is_stdout: bool) {
        let log = Arc::clone(self);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut lines = log.lines.lock().unwrap_or_else(PoisonError::into_inner);
                if is_stdout {
                    lines.stdout.push(line);
                } else {
                    lines.stderr.push(line);
                }
                log.grew.notify_all();
            }
            if is_stdout {
                log.lines
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .closed = true;
                log.grew.notify_all();
            }
        });
    }
}

/// A running `site serve`, killed when dropped.
pub struct Server {
    child: Child,
    log: Arc<Log>,
    /// The port it listens on, read from its start-up line.
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `site serve --port 0` in `dir`: the system picks a free port, which the server prints.
pub fn serve(dir: &Path) -> Server {
    serve_on(dir, 0)
}

/// Starts `site serve --port PORT` in `dir` and waits for the line that says where it serves.
pub fn serve_on(dir: &Path, port: u16) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_site"))
        .current_dir(dir)
        .args(["serve", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start site serve");
    let log = Arc::new(Log::default());
    log.read(child.stdout.take().expect("stdout"), true);
    log.read(child.stderr.take().expect("stderr"), false);
    let mut server = Server {
        child,
        log,
        port: 0,
    };
    let line = server.wait_for_line(0, "the start-up line (`serving http://...`)", |line| {
        line.contains("serving http://")
    });
    server.port = line
        .split("serving http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|address| address.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .filter(|&port| port != 0)
        .unwrap_or_else(|| panic!("no port in the start-up line: {line}"));
    server
}

impl Server {
    /// Every line printed to stdout so far.
    pub fn stdout(&self) -> Vec<String> {
        self.log
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stdout
            .clone()
    }

    /// How many stdout lines were printed so far: pass it to `wait_for_line` to wait for a
    /// line printed after this point.
    pub fn mark(&self) -> usize {
        self.log
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stdout
            .len()
    }

    /// Waits for a stdout line at or after `from` (see `mark`) that `matches`; returns it.
    pub fn wait_for_line(&self, from: usize, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut lines = self
            .log
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(line) = lines.stdout.iter().skip(from).find(|l| matches(l)) {
                return line.clone();
            }
            let now = Instant::now();
            if lines.closed || now >= deadline {
                let why = if lines.closed {
                    "the server exited"
                } else {
                    "timed out"
                };
                panic!(
                    "{why} waiting for {what}\n--- stdout\n{}\n--- stderr\n{}",
                    lines.stdout.join("\n"),
                    lines.stderr.join("\n")
                );
            }
            lines = self
                .log
                .grew
                .wait_timeout(lines, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits for the server to report the rebuild caused by a change to `rel` (a path under the
    /// site root, as the server prints it) in a line after `from`; returns the line.
    pub fn wait_for_rebuild(&self, from: usize, rel: &str) -> String {
        let changed = format!("{rel} changed: ");
        let among = format!("{rel} and ");
        self.wait_for_line(
            from,
            &format!("the rebuild after `{rel}` changed"),
            |line| {
                (line.starts_with(&changed) || line.starts_with(&among))
                    && line.contains(" changed: ")
            },
        )
    }

    /// Everything the server printed, for failure messages.
    pub fn output(&self) -> String {
        let lines = self
            .log
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            lines.stdout.join("\n"),
            lines.stderr.join("\n")
        )
    }

    /// One `Connection: close` request; panics on an I/O error.
    pub fn request(&self, method: &str, path: &str) -> Reply {
        request(self.port, method, path)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.output()))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path)
    }

    /// Polls `done` until it holds; fails after `PATIENCE` with `what` and the server's output.
    pub fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            if start.elapsed() > PATIENCE {
                panic!("timed out waiting for {what}\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `GET path` answers `status`; returns the reply.
    pub fn wait_for_status(&self, path: &str, status: u16) -> Reply {
        let mut reply = None;
        self.wait_for(&format!("`{path}` to answer {status}"), || {
            let got = self.get(path);
            let done = got.status == status;
            reply = Some(got);
            done
        });
        reply.expect("a reply")
    }

    /// Subscribes to the live-reload event stream.
    pub fn events(&self) -> Events {
        Events::subscribe(self.port)
    }
}

/// A reply to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code (0 if the reply could not be read).
    pub status: u16,
    /// The head, lowercased.
    pub headers: String,
    /// The body as text.
    pub body: String,
}

/// One `Connection: close` request to 127.0.0.1:`port`.
pub fn request(port: u16, method: &str, path: &str) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_owned(),
    })
}

/// One message of the event stream: the version of the site served and the error of the last
/// rebuild, if it failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct News {
    pub version: u64,
    pub error: Option<String>,
}

/// A subscription to `/__site/events`, read on its own thread.
pub struct Events {
    stream: TcpStream,
    state: Arc<(Mutex<Received>, Condvar)>,
}

#[derive(Default)]
struct Received {
    news: Vec<News>,
    /// Why the stream ended, if it did.
    ended: Option<String>,
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

impl Events {
    fn subscribe(port: u16) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
        write!(
            stream,
            "GET /__site/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("ask for the event stream");
        let state = Arc::new((Mutex::new(Received::default()), Condvar::new()));
        let reader = stream.try_clone().expect("clone the stream");
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let why = read_events(reader, |news| {
                shared
                    .0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .news
                    .push(news);
                shared.1.notify_all();
            });
            shared
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ended = Some(why);
            shared.1.notify_all();
        });
        Events { stream, state }
    }

    /// The last message received, if any.
    pub fn latest(&self) -> Option<News> {
        self.state
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .news
            .last()
            .cloned()
    }

    /// Waits until the last message received satisfies `holds` (the stream always sends the
    /// current state first, then every change); returns it. Fails after `PATIENCE` with `what`
    /// and every message received.
    pub fn wait(&self, what: &str, holds: impl Fn(&News) -> bool) -> News {
        let deadline = Instant::now() + PATIENCE;
        let (lock, grew) = &*self.state;
        let mut received = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(news) = received.news.last().filter(|n| holds(n)) {
                return news.clone();
            }
            let now = Instant::now();
            if received.ended.is_some() || now >= deadline {
                let why = received
                    .ended
                    .clone()
                    .unwrap_or_else(|| format!("no such message in {} s", PATIENCE.as_secs()));
                panic!(
                    "the event stream never said {what} ({why}); it said:\n{}",
                    received
                        .news
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            received = grew
                .wait_timeout(received, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// Reads server-sent events (a chunked HTTP/1.1 reply) and hands each message's data, parsed, to
/// `each`; returns why the stream ended.
fn read_events(stream: TcpStream, mut each: impl FnMut(News)) -> String {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return format!("the connection closed in the head: {head}"),
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push_str(&line),
            Err(e) => return format!("reading the head: {e}"),
        }
    }
    if !head.starts_with("HTTP/1.1 200") {
        return format!("the reply was not 200: {head}");
    }
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let mut text = String::new();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let read = if chunked {
            read_chunk(&mut reader, &mut bytes)
        } else {
            let mut buffer = [0u8; 4096];
            reader
                .read(&mut buffer)
                .inspect(|&n| bytes.extend_from_slice(&buffer[..n]))
        };
        match read {
            Ok(0) => return "the stream ended".to_owned(),
            Ok(_) => {}
            Err(e) => return format!("the stream broke: {e}"),
        }
        text.push_str(&String::from_utf8_lossy(&bytes));
        // A message ends with an empty line; `:` lines are keep-alive comments.
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            let data: Vec<&str> = message
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if data.is_empty() {
                continue;
            }
            match serde_json::from_str(&data.join("\n")) {
                Ok(news) => each(news),
                Err(e) => return format!("a message is not the JSON expected ({e}): {message}"),
            }
        }
    }
}

/// Reads one chunk of a chunked body into `into`; `Ok(0)` at the last chunk.
fn read_chunk(reader: &mut impl BufRead, into: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut size = String::new();
    if reader.read_line(&mut size)? == 0 {
        return Ok(0);
    }
    let size = size.trim().split(';').next().unwrap_or_default();
    let size = usize::from_str_radix(size, 16)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    into.resize(size, 0);
    reader.read_exact(into)?;
    let mut end = [0u8; 2];
    reader.read_exact(&mut end)?;
    Ok(size)
}

/// Replaces the file at `path` with `bytes` in one step (written beside the site root, then
/// renamed over it), so the server never reads it half-written and sees one change.
pub fn replace_file(root: &Path, path: &Path, bytes: impl AsRef<[u8]>) {
    // Files directly in the site root (but `site.yaml`) are not watched.
    let staged = root.join(".replacement");
    fs::write(&staged, bytes).expect("write the replacement");
    fs::rename(&staged, path).expect("rename the replacement into place");
}
