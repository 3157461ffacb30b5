//! DOIs and PubMed ids, asked of the services that know them rather than of the publishers'
//! pages (which often turn automated clients away): the doi.org handle API says whether a DOI
//! is registered (`responseCode` 1) or not (100); NCBI E-utilities' `esummary` says whether a
//! PubMed id exists, for up to 200 ids a request, at most `pubmed_per_second` requests a
//! second.

use super::{http, ExternalOptions, Outcome};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// PubMed ids per `esummary` request.
pub(super) const PUBMED_BATCH: usize = 200;

/// Characters kept as they are in a DOI path: the rest (`<`, `>`, `;`, `#`, `?`, spaces...)
/// are percent-encoded.
const DOI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'(')
    .remove(b')');

/// Whether doi.org has a handle for `doi`.
pub(super) fn doi(agent: &ureq::Agent, doi: &str, options: &ExternalOptions) -> Outcome {
    let url = format!("{}{}", options.doi_api, utf8_percent_encode(doi, DOI_PATH));
    let (status, text) = match http::get_text(agent, &url, options) {
        Ok(answer) => answer,
        Err(outcome) => return lookup_failure(outcome, "doi.org"),
    };
    let code = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("responseCode").and_then(serde_json::Value::as_u64));
    match code {
        // 200: the handle exists but has no values of the kind asked for.
        Some(1 | 200) => Outcome::Ok,
        Some(100) => Outcome::NoDoi,
        Some(code) => Outcome::Lookup {
            detail: format!("doi.org answered {status} with `responseCode` {code}"),
        },
        None => Outcome::Lookup {
            detail: format!("doi.org answered {status} without a `responseCode`"),
        },
    }
}

/// Spaces PubMed requests to the allowed rate across threads.
pub(super) struct RateLimit {
    next: Mutex<Option<Instant>>,
    interval: Duration,
}

impl RateLimit {
    pub(super) fn new(per_second: u32) -> Self {
        Self {
            next: Mutex::new(None),
            interval: Duration::from_secs(1) / per_second.max(1),
        }
    }

    /// Waits for this request's turn. The lock is held while waiting, which queues the others.
    fn wait(&self) {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = *next {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
        }
        *next = Some(Instant::now() + self.interval);
    }
}

/// Whether each of `ids` is in PubMed, in one `esummary` request.
pub(super) fn pubmed(
    agent: &ureq::Agent,
    ids: &[String],
    options: &ExternalOptions,
    rate: &RateLimit,
) -> Vec<Outcome> {
    let mut url = format!(
        "{}?db=pubmed&retmode=json&tool=naltrexone-site&id={}",
        options.pubmed_api,
        ids.join(",")
    );
    if let Some(key) = &options.ncbi_api_key {
        url.push_str("&api_key=");
        url.extend(utf8_percent_encode(key, NON_ALPHANUMERIC));
    }
    rate.wait();
    let answer = http::get_text(agent, &url, options);
    let result = match answer {
        Err(outcome) => {
            let outcome = lookup_failure(outcome, "PubMed");
            return vec![outcome; ids.len()];
        }
        Ok((status, text)) => {
            let result = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|mut v| v.get_mut("result").map(serde_json::Value::take));
            match result {
                Some(result) if status == 200 => result,
                _ => {
                    let outcome = Outcome::Lookup {
                        detail: format!("PubMed answered {status} without a `result`"),
                    };
                    return vec![outcome; ids.len()];
                }
            }
        }
    };
    ids.iter()
        .map(|id| match result.get(id) {
            Some(summary) if summary.is_object() && summary.get("error").is_none() => Outcome::Ok,
            _ => Outcome::NoPmid,
        })
        .collect()
}

/// A service that could not be reached is not the reference's fault: a DNS or TLS failure of
/// the service itself becomes a lookup warning.
fn lookup_failure(outcome: Outcome, service: &str) -> Outcome {
    match outcome {
        Outcome::Timeout => Outcome::Lookup {
            detail: format!("{service} did not answer in time"),
        },
        Outcome::Dns { host } => Outcome::Lookup {
            detail: format!("{service} (`{host}`) could not be found"),
        },
        Outcome::Dropped { detail } | Outcome::Tls { detail } | Outcome::Invalid { detail } => {
            Outcome::Lookup {
                detail: format!("{service}: {detail}"),
            }
        }
        other => other,
    }
}
