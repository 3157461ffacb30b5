//! Probing one address over HTTP: `HEAD` first, `GET` when `HEAD` is refused, redirects
//! followed one by one (so a permanent move can be reported with where it went), one retry
//! after `429`/`503` honouring `Retry-After` or after a dropped connection.
//!
//! The client is `ureq` (blocking, rustls): the check runs on a few threads, and needs no
//! async runtime of its own. Redirects are followed here rather than by the client, which
//! would hide them.

use super::{ExternalOptions, Outcome};
use std::net::ToSocketAddrs;
use std::time::Duration;

/// One client for the whole check, sharing connections between requests.
pub(super) fn agent(options: &ExternalOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!(
            "naltrexone-site/",
            env!("CARGO_PKG_VERSION"),
            " (site check --external; link checker)"
        ))
        .build()
        .new_agent()
}

/// Whether `host:port` resolves; the error's text when it does not.
pub(super) fn resolve(host_port: &str) -> Result<(), String> {
    match host_port.to_socket_addrs().map(|addrs| addrs.count()) {
        Ok(0) => Err("the name has no address".to_owned()),
        Ok(_) => Ok(()),
        Err(error) => Err(error.to_string()),
    }
}

/// The lower-case host of an `http`/`https` address.
pub(super) fn host(address: &str) -> Option<String> {
    let uri: ureq::http::Uri = address.trim().parse().ok()?;
    uri.host().map(|h| h.to_ascii_lowercase())
}

/// `host:port` of an `http`/`https` address, the port defaulting to the scheme's.
pub(super) fn authority(address: &str) -> Option<String> {
    let uri: ureq::http::Uri = address.trim().parse().ok()?;
    let port = uri.port_u16().or(match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    })?;
    Some(format!("{}:{port}", uri.host()?))
}

/// The standard name of a status (`not found`), lower-case.
pub(super) fn reason(status: u16) -> String {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_lowercase()
}

/// What one answer said, as far as the check cares.
struct Answer {
    status: u16,
    location: Option<String>,
    retry_after: Option<Duration>,
}

/// Why there was no answer.
enum Failure {
    Timeout,
    Dropped(String),
    Dns(String),
    Tls(String),
    Invalid(String),
}

impl Failure {
    fn outcome(self) -> Outcome {
        match self {
            Failure::Timeout => Outcome::Timeout,
            Failure::Dropped(detail) => Outcome::Dropped { detail },
            Failure::Dns(host) => Outcome::Dns { host },
            Failure::Tls(detail) => Outcome::Tls { detail },
            Failure::Invalid(detail) => Outcome::Invalid { detail },
        }
    }
}

/// Checks one address, following its redirects.
pub(super) fn probe(agent: &ureq::Agent, url: &str, options: &ExternalOptions) -> Outcome {
    let mut current = url.to_owned();
    let mut moved: Option<u16> = None;
    for _ in 0..=options.max_redirects {
        let answer = match fetch(agent, &current, options) {
            Ok(answer) => answer,
            Err(failure) => return failure.outcome(),
        };
        let redirected = (current != url).then(|| current.clone());
        match (answer.status, answer.location) {
            (300..=399, Some(location)) => {
                if matches!(answer.status, 301 | 308) {
                    moved.get_or_insert(answer.status);
                }
                current = join(&current, &location);
            }
            (200..=299, _) => {
                return match (moved, redirected) {
                    (Some(status), Some(to)) => Outcome::Moved { status, to },
                    _ => Outcome::Ok,
                };
            }
            (status, _) => {
                return Outcome::Status {
                    status,
                    at: redirected,
                }
            }
        }
    }
    Outcome::Redirects { to: current }
}

/// One address, without following redirects: `HEAD`, then `GET` if `HEAD` is refused or the
/// connection dropped, each retried once when the server asks to wait or drops the connection.
fn fetch(agent: &ureq::Agent, url: &str, options: &ExternalOptions) -> Result<Answer, Failure> {
    let head = request(agent, "HEAD", url, options);
    // Many servers answer `HEAD` wrongly (405, 501, 403, even 404) while `GET` works: only a
    // success, a redirect or a request to wait is taken from `HEAD` alone.
    match &head {
        Ok(answer) if matches!(answer.status, 200..=399 | 429) => head,
        Ok(_) | Err(Failure::Dropped(_)) => request(agent, "GET", url, options),
        Err(_) => head,
    }
}

/// A `GET` whose body is read (at most 1 MiB), for the DOI and PubMed services: the status
/// and the text, retried like any request.
pub(super) fn get_text(
    agent: &ureq::Agent,
    url: &str,
    options: &ExternalOptions,
) -> Result<(u16, String), Outcome> {
    let attempt = || {
        let mut response = agent.get(url).call().map_err(|e| failure(e, url))?;
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| failure(e, url))?;
        Ok((status, wait, text))
    };
    retrying(options, true, |(status, wait, _)| (*status, *wait), attempt)
        .map(|(status, _, text)| (status, text))
        .map_err(Failure::outcome)
}

/// One request, retried after `429`/`503` or, for `GET`, a dropped connection (a dropped
/// `HEAD` is asked again as a `GET` instead).
fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    options: &ExternalOptions,
) -> Result<Answer, Failure> {
    let answer_of = |a: &Answer| (a.status, a.retry_after);
    retrying(options, method == "GET", answer_of, || {
        send(agent, method, url)
    })
}

/// Runs `attempt` again, up to `options.retries` times, when the server asks to wait (`429`,
/// `503`: after its `Retry-After`, or 1 s, unless that is longer than `max_retry_after`) or,
/// when `if_dropped`, when the connection dropped. `status` reads an answer's status and
/// `Retry-After`.
fn retrying<T>(
    options: &ExternalOptions,
    if_dropped: bool,
    status: impl Fn(&T) -> (u16, Option<Duration>),
    mut attempt: impl FnMut() -> Result<T, Failure>,
) -> Result<T, Failure> {
    let mut tries = 0;
    loop {
        let result = attempt();
        let wait = match &result {
            Ok(answer) => match status(answer) {
                (429 | 503, wait) => wait.unwrap_or(Duration::from_secs(1)),
                _ => return result,
            },
            Err(Failure::Dropped(_)) if if_dropped => Duration::ZERO,
            Err(_) => return result,
        };
        if tries >= options.retries || wait > options.max_retry_after {
            return result;
        }
        tries += 1;
        std::thread::sleep(wait);
    }
}

/// `Retry-After` in seconds (the HTTP-date form is taken as absent: the retry waits 1 s).
fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

fn send(agent: &ureq::Agent, method: &str, url: &str) -> Result<Answer, Failure> {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .body(())
        .map_err(|e| Failure::Invalid(e.to_string().to_lowercase()))?;
    let response = agent.run(request).map_err(|e| failure(e, url))?;
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    Ok(Answer {
        status: response.status().as_u16(),
        location,
        retry_after: retry_after(response.headers()),
    })
}

fn failure(error: ureq::Error, url: &str) -> Failure {
    let host = &host(url).unwrap_or_default();
    let is_https = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    use std::io::ErrorKind;
    match error {
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::HostNotFound => Failure::Dns(host.to_owned()),
        ureq::Error::Tls(detail) => Failure::Tls(detail.to_owned()),
        ureq::Error::Rustls(e) => Failure::Tls(e.to_string().to_lowercase()),
        ureq::Error::BadUri(detail) => Failure::Invalid(detail.to_lowercase()),
        ureq::Error::Http(e) => Failure::Invalid(e.to_string().to_lowercase()),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            Failure::Dropped("the redirect could not be followed".into())
        }
        ureq::Error::Io(e) => {
            let text = e.to_string().to_lowercase();
            if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock {
                Failure::Timeout
            } else if text.contains("lookup") || text.contains("resolve") {
                Failure::Dns(host.to_owned())
            } else if is_tls(&e, &text, is_https) {
                Failure::Tls(text)
            } else if e.kind() == ErrorKind::ConnectionRefused {
                Failure::Dropped("the server refused the connection".into())
            } else {
                Failure::Dropped(format!("the connection broke ({text})"))
            }
        }
        ureq::Error::ConnectionFailed => {
            Failure::Dropped("the connection to the server failed".into())
        }
        other => Failure::Dropped(format!(
            "the server's answer could not be read ({})",
            other.to_string().to_lowercase()
        )),
    }
}

/// Whether an I/O error came from TLS: rustls reports through the stream as invalid data
/// (`received corrupt message`, `invalid peer certificate`, an alert from the peer).
fn is_tls(error: &std::io::Error, text: &str, is_https: bool) -> bool {
    let named = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "alert",
        "peer",
    ];
    is_https
        && (error.kind() == std::io::ErrorKind::InvalidData
            || named.iter().any(|word| text.contains(word)))
}

/// `location` resolved against `base`, as a browser would.
fn join(base: &str, location: &str) -> String {
    let lower = location.get(..8).unwrap_or(location).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return location.to_owned();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(authority_path) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_path}");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = rest[authority.len()..]
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    let directory = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{scheme}://{authority}{directory}/{location}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_locations_like_a_browser() {
        let base = "https://a.org/x/y?q=1";
        assert_eq!(join(base, "https://b.org/"), "https://b.org/");
        assert_eq!(join(base, "//c.org/p"), "https://c.org/p");
        assert_eq!(join(base, "/root"), "https://a.org/root");
        assert_eq!(join(base, "z"), "https://a.org/x/z");
        assert_eq!(join("http://a.org", "z"), "http://a.org/z");
    }

    #[test]
    fn names_hosts_and_statuses() {
        assert_eq!(
            host("https://WWW.A.org:8443/p").as_deref(),
            Some("www.a.org")
        );
        assert_eq!(host("not a url"), None);
        assert_eq!(authority("https://a.org/x").as_deref(), Some("a.org:443"));
        assert_eq!(authority("http://a.org:8/").as_deref(), Some("a.org:8"));
        assert_eq!(reason(404), "not found");
        assert_eq!(reason(799), "");
    }
}
