//! `site serve`: builds with drafts into memory, serves on 127.0.0.1, watches the site's files,
//! rebuilds incrementally and reloads open tabs. It never touches `public/`.
//!
//! `session` decides what a change re-renders, with `patch` (the fast path), `fingerprint`
//! (what each page shows) and `search` (the search index's entries); `http` serves snapshots of
//! the last good build. A failed rebuild keeps the last good snapshot and sends the error to
//! open tabs.

mod fingerprint;
pub mod http;
mod patch;
mod search;
mod session;

pub use session::{Files, Rebuild, Session};

use crate::diagnostic::{self, Diagnostic};
use crate::Options;
use http::Snapshot;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Port to try first; the next free one is used if it is taken.
    pub port: u16,
    /// Address to bind (127.0.0.1 unless asked).
    pub bind: IpAddr,
    /// Open the site in the default browser.
    pub open: bool,
}

/// Everything the diagnostics of a failed rebuild say, for the terminal and the overlay.
fn describe(diagnostics: &mut Vec<Diagnostic>) -> String {
    diagnostic::sort(diagnostics);
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Builds, serves and watches until Ctrl-C. Returns an error message if it cannot start.
pub fn run(options: Options, serve: ServeOptions) -> Result<(), String> {
    let root = options.root.canonicalize().map_err(|e| {
        format!(
            "cannot open the site folder `{}`: {e}",
            options.root.display()
        )
    })?;
    let mut session = Session::new(options);
    let start = Instant::now();
    let (snapshot, summary) = match session.rebuild() {
        Ok(rebuild) => {
            let pages = rebuild.rendered.len();
            (
                Snapshot {
                    files: rebuild.files,
                    error: None,
                    version: 1,
                    base_path: rebuild.base_path,
                },
                format!("built {pages} pages in {} ms", start.elapsed().as_millis()),
            )
        }
        Err(mut diagnostics) => {
            let text = describe(&mut diagnostics);
            eprintln!("{text}\n");
            (
                Snapshot {
                    files: Arc::default(),
                    error: Some(text),
                    version: 0,
                    base_path: String::new(),
                },
                "the first build failed; fix the errors above and save".to_owned(),
            )
        }
    };
    let (sender, receiver) = watch::channel(Arc::new(snapshot));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    runtime.block_on(async move {
        let (listener, address) = bind(serve.bind, serve.port).await?;
        // Port 0 asks the system for a free port: the bound one is in the line below.
        if serve.port != 0 && address.port() != serve.port {
            println!("port {} is taken; using {} instead", serve.port, address.port());
        }
        if !serve.bind.is_loopback() {
            println!("warning: listening on {} makes the preview reachable from other machines", serve.bind);
        }
        // The preview lives at the site's own base path, as the published site will.
        let base_path = receiver.borrow().base_path.clone();
        let url = format!("http://{address}{base_path}/");
        // Watch before saying we serve, so an edit made right after the message is seen.
        let watcher = watch_files(root, session, sender)?;
        println!("{summary}; serving {url} (watching content/, templates/, data/, static/, site.yaml; Ctrl-C to stop)");
        if serve.open {
            let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
        }
        let app = http::router(receiver);
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                println!("\nstopping");
            })
            .await;
        drop(watcher);
        served.map_err(|e| format!("the server stopped: {e}"))
    })
}

/// Listens on `port`, or on the next free one of the 20 after it; port 0 takes whichever free
/// port the system gives (tests and scripts read it from the start-up line).
async fn bind(address: IpAddr, port: u16) -> Result<(tokio::net::TcpListener, SocketAddr), String> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(20)
    };
    let mut last_error = None;
    for candidate in port..=last {
        match tokio::net::TcpListener::bind(SocketAddr::new(address, candidate)).await {
            Ok(listener) => {
                let local = listener.local_addr().map_err(|e| {
                    format!("cannot tell which port {address}:{candidate} is bound to: {e}")
                })?;
                return Ok((listener, local));
            }
            Err(e) => last_error = Some(e),
        }
    }
    let ports = if port == last {
        format!("port {port}")
    } else {
        format!("ports {port}-{last}")
    };
    Err(format!(
        "cannot listen on {address} {ports}: {}",
        last_error.map_or_else(|| "no port tried".to_owned(), |e| e.to_string())
    ))
}

/// Watches the site's inputs; each debounced batch of changes is one rebuild.
fn watch_files(
    root: PathBuf,
    mut session: Session,
    sender: watch::Sender<Arc<Snapshot>>,
) -> Result<
    notify_debouncer_full::Debouncer<
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    String,
> {
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(Duration::from_millis(40), None, tx)
        .map_err(|e| format!("cannot watch files: {e}"))?;
    for folder in ["content", "templates", "data", "i18n", "static"] {
        let path = root.join(folder);
        if path.is_dir() {
            debouncer
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch `{folder}/`: {e}"))?;
        }
    }
    debouncer
        .watch(&root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch the site folder: {e}"))?;
    let config = root.join(crate::config::FILE);
    std::thread::spawn(move || {
        for result in rx {
            let Ok(events) = result else { continue };
            let mut paths: Vec<PathBuf> = events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter().cloned())
                .filter(|p| p.parent() != Some(root.as_path()) || *p == config)
                .collect();
            paths.sort();
            paths.dedup();
            if paths.is_empty() {
                continue;
            }
            let start = Instant::now();
            session.changed(&paths);
            let what = match paths.as_slice() {
                [one] => session::display(&root, one),
                [first, rest @ ..] => {
                    format!("{} and {} more", session::display(&root, first), rest.len())
                }
                [] => String::new(),
            };
            match session.rebuild() {
                Ok(rebuild) => {
                    let version = sender.borrow().version + 1;
                    let _ = sender.send(Arc::new(Snapshot {
                        files: rebuild.files,
                        error: None,
                        version,
                        base_path: rebuild.base_path,
                    }));
                    println!(
                        "{what} changed: re-rendered {} pages in {} ms",
                        rebuild.rendered.len(),
                        start.elapsed().as_millis()
                    );
                }
                Err(mut diagnostics) => {
                    let text = describe(&mut diagnostics);
                    eprintln!("{text}\n");
                    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                    println!("{what} changed: the rebuild failed ({errors} error{}); still serving the last good version", if errors == 1 { "" } else { "s" });
                    let previous = sender.borrow().clone();
                    let _ = sender.send(Arc::new(Snapshot {
                        files: Arc::clone(&previous.files),
                        error: Some(text),
                        version: previous.version,
                        base_path: previous.base_path.clone(),
                    }));
                }
            }
        }
    });
    Ok(debouncer)
}
