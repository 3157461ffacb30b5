//! `site check --external`: every link to another site and every reference's `url`, `doi` and
//! `pmid`, checked over the network and reported at each place it appears.
//!
//! This module holds the options, the outcomes and the one entry point, [`check`]: collect the
//! targets (`target`), take what the cache (`cache`) still knows, check the rest once each
//! (`queue` schedules them per host; `http` probes addresses; `registry` asks doi.org and
//! PubMed), and report each outcome at every place it is cited (`report`). It reads no
//! site file itself (each page keeps its source text, to place references on their lines)
//! and writes only its own cache file beside the site, never the site's output.

mod cache;
mod http;
mod queue;
mod registry;
mod report;
mod target;

use crate::diagnostic::Diagnostic;
use crate::site::Site;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use target::{Place, Target};

/// The cache's file name, in the site's folder.
pub const CACHE_FILE: &str = ".site-external-cache.json";

/// How `check` works; [`ExternalOptions::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// The site's folder: sources are read from it to place references on their lines.
    pub root: PathBuf,
    /// The results file; `None` checks everything afresh and keeps nothing.
    pub cache: Option<PathBuf>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests in flight to one host at once.
    pub per_host: usize,
    /// How long one request may take, connection included.
    pub timeout: Duration,
    /// Retries after a `429`/`503` (honouring `Retry-After`) or a dropped connection.
    pub retries: usize,
    /// The longest `Retry-After` waited for; a longer one is reported instead.
    pub max_retry_after: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// The doi.org handle API, to which the DOI is appended.
    pub doi_api: String,
    /// NCBI E-utilities' `esummary` address.
    pub pubmed_api: String,
    /// PubMed requests a second (NCBI allows 3 without an API key, 10 with one).
    pub pubmed_per_second: u32,
    /// An NCBI API key (`NCBI_API_KEY`), sent when set.
    pub ncbi_api_key: Option<String>,
    /// `host:port` resolved first to tell "offline" from "this host does not exist".
    pub probe: String,
    /// Now, in seconds since 1970, for the cache's ages.
    pub now: u64,
}

impl ExternalOptions {
    /// The defaults: 16 requests at once, 2 per host, 10 s timeout, one retry, 10 redirects,
    /// the real doi.org and NCBI services, and the cache in the site's folder.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            cache: Some(root.join(CACHE_FILE)),
            root,
            concurrency: 16,
            per_host: 2,
            timeout: Duration::from_secs(10),
            retries: 1,
            max_retry_after: Duration::from_secs(60),
            max_redirects: 10,
            doi_api: "https://doi.org/api/handles/".to_owned(),
            pubmed_api: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi".to_owned(),
            pubmed_per_second: 3,
            ncbi_api_key: None,
            probe: "doi.org:443".to_owned(),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    /// The defaults, with `NCBI_API_KEY` and the hidden test overrides `SITE_EXTERNAL_DOI_API`,
    /// `SITE_EXTERNAL_PUBMED_API`, `SITE_EXTERNAL_PROBE` and `SITE_EXTERNAL_TIMEOUT_MS` read from
    /// the environment.
    pub fn from_env(root: impl Into<PathBuf>) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut options = Self::new(root);
        if let Some(key) = var("NCBI_API_KEY") {
            options.ncbi_api_key = Some(key);
            options.pubmed_per_second = 10;
        }
        if let Some(api) = var("SITE_EXTERNAL_DOI_API") {
            options.doi_api = api;
        }
        if let Some(api) = var("SITE_EXTERNAL_PUBMED_API") {
            options.pubmed_api = api;
        }
        if let Some(probe) = var("SITE_EXTERNAL_PROBE") {
            options.probe = probe;
        }
        if let Some(ms) = var("SITE_EXTERNAL_TIMEOUT_MS").and_then(|v| v.trim().parse().ok()) {
            options.timeout = Duration::from_millis(ms);
        }
        options
    }
}

/// What checking one target found; also what the cache keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
enum Outcome {
    /// It works.
    Ok,
    /// It works, after a permanent redirect (`301`/`308`) to `to`.
    Moved { status: u16, to: String },
    /// The last answer was this status, after following redirects to `at` when there were any.
    Status { status: u16, at: Option<String> },
    /// Redirects went on past the limit.
    Redirects { to: String },
    /// No answer in time.
    Timeout,
    /// The connection failed or was closed before an answer.
    Dropped { detail: String },
    /// The host name does not resolve.
    Dns { host: String },
    /// The TLS handshake or certificate failed.
    Tls { detail: String },
    /// Not an address that can be requested.
    Invalid { detail: String },
    /// doi.org has no such handle.
    NoDoi,
    /// PubMed has no such id.
    NoPmid,
    /// The DOI or PubMed service answered something unexpected.
    Lookup { detail: String },
}

impl Outcome {
    /// Good results are kept a week, failures a day.
    fn is_good(&self) -> bool {
        matches!(self, Outcome::Ok)
    }
}

/// Checks every external link and reference of `site`; one diagnostic per place a failing
/// target appears, or one warning when there is no network at all.
pub fn check(site: &Site, options: &ExternalOptions) -> Vec<Diagnostic> {
    let targets = target::collect(site);
    let mut diagnostics = Vec::new();
    let skip = &site.config.external_skip;
    let targets: BTreeMap<Target, Vec<Place>> = targets
        .into_iter()
        .filter(|(target, _)| !target::is_skipped(&target.address(), skip))
        .collect();
    if targets.is_empty() {
        return diagnostics;
    }
    if let Err(why) = http::resolve(&options.probe) {
        let host = options
            .probe
            .rsplit_once(':')
            .map_or(&*options.probe, |(h, _)| h);
        diagnostics.push(offline(&format!("`{host}` does not resolve: {why}")));
        return diagnostics;
    }
    let mut cache = cache::Cache::load(options.cache.as_deref(), options.now);
    let mut outcomes: BTreeMap<Target, Outcome> = BTreeMap::new();
    let mut unknown = Vec::new();
    for target in targets.keys() {
        match cache.get(&target.key()) {
            Some(outcome) => {
                outcomes.insert(target.clone(), outcome);
            }
            None => unknown.push(target.clone()),
        }
    }
    if is_cut_off(&unknown, options) {
        diagnostics.push(offline("not one linked host resolves"));
        return diagnostics;
    }
    let fresh = queue::run(&unknown, options);
    for (target, outcome) in fresh {
        cache.put(target.key(), outcome.clone());
        outcomes.insert(target, outcome);
    }
    if let Err(d) = cache.save() {
        diagnostics.push(d);
    }
    for (target, places) in &targets {
        if let Some(outcome) = outcomes.get(target) {
            diagnostics.extend(
                places
                    .iter()
                    .filter_map(|p| report::report(target, outcome, p, options)),
            );
        }
    }
    diagnostics
}

/// Whether not one host to be asked resolves (the DOI and PubMed services included): a
/// network that lets the probe through but nothing else, where every link would otherwise be
/// reported as a host that does not exist.
fn is_cut_off(targets: &[Target], options: &ExternalOptions) -> bool {
    let mut hosts = std::collections::BTreeSet::new();
    for target in targets {
        let address = match target {
            Target::Url(url) => url,
            Target::Doi(_) => &options.doi_api,
            Target::Pmid(_) => &options.pubmed_api,
        };
        hosts.extend(http::authority(address));
    }
    !hosts.is_empty() && hosts.iter().all(|host| http::resolve(host).is_err())
}

fn offline(why: &str) -> Diagnostic {
    Diagnostic::warning(
        crate::config::FILE,
        "external-offline",
        format!("external links were not checked: there is no network ({why})"),
    )
    .help("connect to the network and run `site check --external` again")
}
