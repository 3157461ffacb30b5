//! The dev server's HTTP side: serves the in-memory site, never anything outside it, injects
//! the live-reload script into HTML, and streams rebuild news to open tabs (server-sent events).

use super::Files;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Router;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::{Stream, StreamExt};

/// What the server shows: the last good site, and the error of the latest rebuild if it failed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every file of the last good build.
    pub files: Arc<Files>,
    /// The latest rebuild's diagnostics, when it failed.
    pub error: Option<String>,
    /// Bumped on every good rebuild; open tabs reload when it changes.
    pub version: u64,
    /// The path the site is served under (`""` or `/repo`): outside it is a 404, and `/`
    /// redirects to it.
    pub base_path: String,
}

/// The path open tabs listen on, under the base path.
pub const EVENTS: &str = "/__site/events";

/// The server's routes over a stream of snapshots. Every path is read under the snapshot's
/// base path, which a `site.yaml` edit may change.
pub fn router(state: watch::Receiver<Arc<Snapshot>>) -> Router {
    Router::new().fallback(page).with_state(state)
}

#[derive(Serialize)]
struct News<'a> {
    version: u64,
    error: Option<&'a str>,
}

async fn events(
    State(state): State<watch::Receiver<Arc<Snapshot>>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = WatchStream::new(state).map(|snapshot| {
        let news = News {
            version: snapshot.version,
            error: snapshot.error.as_deref(),
        };
        Ok(Event::default().data(serde_json::to_string(&news).unwrap_or_default()))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn page(
    State(state): State<watch::Receiver<Arc<Snapshot>>>,
    method: Method,
    uri: Uri,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "",
        )
            .into_response();
    }
    let snapshot = Arc::clone(&state.borrow());
    let base = snapshot.base_path.as_str();
    let Some(path) = uri.path().strip_prefix(base).filter(|p| p.starts_with('/')) else {
        // Outside the base path: the site's root leads into it, anything else is missing.
        if uri.path() == "/" || uri.path() == base {
            return (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, format!("{base}/"))],
            )
                .into_response();
        }
        return not_found(&snapshot);
    };
    if path == EVENTS {
        return events(State(state.clone())).await.into_response();
    }
    match resolve(path, &snapshot.files) {
        Found::File(key) => {
            let bytes = snapshot
                .files
                .get(key.as_str())
                .map(|b| b.as_slice())
                .unwrap_or_default();
            respond(StatusCode::OK, &key, bytes, &snapshot)
        }
        Found::Redirect(to) => {
            let location = match uri.query() {
                Some(q) => format!("{base}{to}?{q}"),
                None => format!("{base}{to}"),
            };
            (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, location)],
            )
                .into_response()
        }
        Found::Nothing => not_found(&snapshot),
    }
}

/// The site's 404 page (a plain one when the site has none), as hosts serve it at any depth.
fn not_found(snapshot: &Snapshot) -> Response {
    match snapshot.files.get("404.html") {
        Some(bytes) => respond(StatusCode::NOT_FOUND, "404.html", bytes, snapshot),
        None => respond(
            StatusCode::NOT_FOUND,
            "404.html",
            b"<!doctype html><title>Not found</title><h1>Not found</h1>",
            snapshot,
        ),
    }
}

fn respond(status: StatusCode, key: &str, bytes: &[u8], snapshot: &Snapshot) -> Response {
    let content_type = content_type(key);
    let body = if content_type.starts_with("text/html") {
        inject(bytes, snapshot.version, &snapshot.base_path)
    } else {
        bytes.to_vec()
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// What a request path names.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A file of the site, by its key.
    File(String),
    /// A folder that has an index: redirect to the path with a slash.
    Redirect(String),
    /// Nothing (or something that tries to leave the site).
    Nothing,
}

/// Maps a request path to a file of the site. Anything odd is `Nothing`: `..` and `.` segments
/// (encoded or not), encoded slashes and backslashes, NUL, invalid UTF-8.
pub fn resolve(path: &str, files: &Files) -> Found {
    let lower = path.to_ascii_lowercase();
    if !path.starts_with('/')
        || lower.contains("%2f")
        || lower.contains("%5c")
        || path.contains('\\')
    {
        return Found::Nothing;
    }
    let Ok(decoded) = percent_decode_str(path).decode_utf8() else {
        return Found::Nothing;
    };
    if decoded.contains('\0') || decoded.contains('\\') {
        return Found::Nothing;
    }
    let segments: Vec<&str> = decoded.split('/').skip(1).collect();
    let (last, folders) = segments.split_last().unwrap_or((&"", &[]));
    if folders
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
        || *last == "."
        || *last == ".."
    {
        return Found::Nothing;
    }
    let joined = segments.join("/");
    if last.is_empty() {
        let key = format!("{joined}index.html");
        return if files.contains_key(key.as_str()) {
            Found::File(key)
        } else {
            Found::Nothing
        };
    }
    if files.contains_key(joined.as_str()) {
        return Found::File(joined);
    }
    if files.contains_key(format!("{joined}/index.html").as_str()) {
        return Found::Redirect(format!("{decoded}/"));
    }
    Found::Nothing
}

fn content_type(key: &str) -> &'static str {
    match key
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("pdf") => "application/pdf",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The live-reload client (`live.js`): patches the open page in place on a newer build (a
/// reload when its head or scripts changed), shows a failed build's errors as an overlay.
const SCRIPT: &str = include_str!("live.js");

/// Adds the live-reload script before `</body>` (or at the end).
pub fn inject(html: &[u8], version: u64, base_path: &str) -> Vec<u8> {
    let events = format!("{base_path}{EVENTS}");
    let script = format!(
        "<script id=\"site-live\">{}</script>",
        SCRIPT
            .replace("__VERSION__", &version.to_string())
            .replace("__EVENTS__", &events)
    );
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{script}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Files {
        ["index.html", "a/index.html", "style.css"]
            .iter()
            .map(|k| (Arc::from(*k), Arc::new(Vec::new())))
            .collect()
    }

    #[test]
    fn resolves_pages_files_and_folders() {
        assert_eq!(resolve("/", &files()), Found::File("index.html".into()));
        assert_eq!(resolve("/a/", &files()), Found::File("a/index.html".into()));
        assert_eq!(resolve("/a", &files()), Found::Redirect("/a/".into()));
        assert_eq!(
            resolve("/style.css", &files()),
            Found::File("style.css".into())
        );
        assert_eq!(resolve("/nope", &files()), Found::Nothing);
    }

    #[test]
    fn refuses_anything_that_tries_to_leave() {
        for path in [
            "/../etc/passwd",
            "/a/../style.css",
            "/%2e%2e/x",
            "/a%2fb",
            "/a%5cb",
            "/..%2fx",
            "/a/./",
            "//etc/passwd",
            "/%00",
            "/%ff",
            "/a\\b",
        ] {
            assert_eq!(resolve(path, &files()), Found::Nothing, "{path}");
        }
    }

    #[test]
    fn injects_the_script_before_the_body_ends() {
        let html = inject(b"<html><body><p>x</p></body></html>", 7, "/repo");
        let text = String::from_utf8(html).unwrap_or_default();
        assert!(text.contains("let version = 7;"));
        assert!(text.contains("new EventSource(\"/repo/__site/events\")"));
        assert!(text.ends_with("</script></body></html>"));
    }
}
