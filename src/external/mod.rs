//! `site check --external`: every link to another site and every reference's `url`, `doi` and
//! `pmid`, checked over the network and reported at each place it appears.
//!
//! This module collects the targets from the assembled [`Site`] (body links come from
//! `markdown`, references from the front matter), checks each distinct one once, and turns the
//! outcomes into diagnostics. How an address is probed lives in `http`, DOIs and PubMed ids in
//! `registry`, the results file in `cache`, and the per-host scheduling in `queue`. It reads
//! sources only through `source::load` (to place references on their lines) and writes
//! only its own cache file beside the site, never the site's output.

mod cache;
mod http;
mod queue;
mod registry;

use crate::diagnostic::Diagnostic;
use crate::front_matter::{KeyLines, Reference};
use crate::site::Site;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

/// What is checked: an address, a DOI or a PubMed id. Its text form is the cache key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    /// An `http`/`https` address, without its `#fragment`.
    Url(String),
    /// A DOI, lower-case (DOIs are case-insensitive).
    Doi(String),
    /// A PubMed id, digits only.
    Pmid(String),
}

impl Target {
    fn key(&self) -> String {
        match self {
            Target::Url(url) => format!("url:{url}"),
            Target::Doi(doi) => format!("doi:{doi}"),
            Target::Pmid(pmid) => format!("pmid:{pmid}"),
        }
    }

    /// The address a reader would follow, which the skip list is matched against.
    fn address(&self) -> String {
        match self {
            Target::Url(url) => url.clone(),
            Target::Doi(doi) => format!("https://doi.org/{doi}"),
            Target::Pmid(pmid) => format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
        }
    }
}

/// Where a target is cited.
#[derive(Debug, Clone)]
struct Place {
    file: String,
    line: usize,
    column: usize,
    source_line: Option<String>,
    /// The text as written there (an address with its fragment, a DOI as typed).
    written: String,
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
    let targets = collect(site, options);
    let mut diagnostics = Vec::new();
    let skip = &site.config.external_skip;
    let targets: BTreeMap<Target, Vec<Place>> = targets
        .into_iter()
        .filter(|(target, _)| !is_skipped(&target.address(), skip))
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
                    .filter_map(|p| report(target, outcome, p, options)),
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

/// Whether `address` matches an entry of `external_skip`: an address prefix
/// (`https://example.org/private/`) or a host, which covers its subdomains (`example.org`).
fn is_skipped(address: &str, skip: &[String]) -> bool {
    let host = http::host(address).unwrap_or_default();
    skip.iter().map(|s| s.trim()).any(|entry| {
        if entry.contains("://") {
            address.starts_with(entry)
        } else {
            let entry = entry.trim_end_matches('/').to_ascii_lowercase();
            !entry.is_empty()
                && (host == entry
                    || host
                        .strip_suffix(entry.as_str())
                        .is_some_and(|rest| rest.ends_with('.')))
        }
    })
}

/// Every target of every page, with the places it is cited.
fn collect(site: &Site, options: &ExternalOptions) -> BTreeMap<Target, Vec<Place>> {
    let mut targets: BTreeMap<Target, Vec<Place>> = BTreeMap::new();
    let texts = texts(options);
    let bodies = std::iter::once(&site.home)
        .chain(&site.sections)
        .map(|s| (&s.file, &s.body, &[][..], &s.keys))
        .chain(
            site.pages
                .iter()
                .map(|p| (&p.file, &p.body, &p.references[..], &p.keys)),
        )
        .chain(site.tags.iter().map(|t| {
            (
                &t.text.file,
                &t.text.body,
                &t.text.references[..],
                &t.text.keys,
            )
        }));
    for (file, body, references, keys) in bodies {
        let text = texts.get(file.as_str()).map_or("", |text| &**text);
        let source_line = |line: usize| text.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        for (line, column, address) in &body.external {
            let place = Place {
                file: file.clone(),
                line: *line,
                column: *column,
                source_line: source_line(*line),
                written: address.clone(),
            };
            add(&mut targets, url_target(address), place);
        }
        for (target, written, (line, column)) in reference_targets(references, keys, text) {
            let place = Place {
                file: file.clone(),
                line,
                column,
                source_line: source_line(line),
                written,
            };
            add(&mut targets, Some(target), place);
        }
    }
    targets
}

/// The text of every content file by site-relative path, to place references on their lines
/// and show the source line under each finding. Read again (the model keeps no source text):
/// a file that cannot be read now was reported by `check` already, and its findings go
/// without a source line.
fn texts(options: &ExternalOptions) -> HashMap<String, Arc<str>> {
    crate::source::load(&options.root)
        .into_content()
        .into_iter()
        .map(|source| (source.path, source.text))
        .collect()
}

/// The content files out of what `source::load` returns, which is changing from
/// `(Inputs, Vec<Diagnostic>)` to `Inputs` (issue 12): drop the tuple's impl once it has.
trait Loaded {
    fn into_content(self) -> Vec<crate::source::Source>;
}

impl Loaded for crate::source::Inputs {
    fn into_content(self) -> Vec<crate::source::Source> {
        self.content
    }
}

impl Loaded for (crate::source::Inputs, Vec<Diagnostic>) {
    fn into_content(self) -> Vec<crate::source::Source> {
        self.0.content
    }
}

fn add(targets: &mut BTreeMap<Target, Vec<Place>>, target: Option<Target>, place: Place) {
    if let Some(target) = target {
        targets.entry(target).or_default().push(place);
    }
}

/// The target of an address, without its fragment; `None` for what is not `http`/`https`
/// (`mailto:`, `tel:`), which is not checked.
fn url_target(address: &str) -> Option<Target> {
    let address = address.trim();
    let lower = address.get(..8).unwrap_or(address).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    let without = address.split_once('#').map_or(address, |(a, _)| a);
    Some(Target::Url(without.to_owned()))
}

/// A DOI as written, without a resolver prefix, lower-case.
fn doi_target(doi: &str) -> Option<Target> {
    let mut doi = doi.trim();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ] {
        if doi.len() >= prefix.len() && doi[..prefix.len()].eq_ignore_ascii_case(prefix) {
            doi = doi[prefix.len()..].trim();
        }
    }
    // lint reports a DOI that does not start with `10.`; there is nothing to look up.
    doi.starts_with("10.")
        .then(|| Target::Doi(doi.to_lowercase()))
}

/// Each reference's `url`, `doi` and `pmid`, with what was written and where: the line of the
/// value inside its list item when the item can be found, else the `references:` key.
fn reference_targets(
    references: &[Reference],
    keys: &KeyLines,
    text: &str,
) -> Vec<(Target, String, (usize, usize))> {
    let key_line = keys.line("references");
    let items = item_lines(text, key_line);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (n, reference) in references.iter().enumerate() {
        let range = match (items.len() == references.len(), items.get(n)) {
            (true, Some(&range)) => range,
            _ => (key_line, lines.len()),
        };
        let locate = |key: &str, value: &str| {
            (range.0..=range.1)
                .filter_map(|line| Some((line, *lines.get(line.checked_sub(1)?)?)))
                .find_map(|(line, l)| {
                    let at = l.find(value)?;
                    l[..at]
                        .contains(key)
                        .then(|| (line, l[..at].chars().count() + 1))
                })
                .unwrap_or((key_line, 1))
        };
        if let Some(url) = &reference.url {
            let at = locate("url", url.trim());
            if let Some(target) = url_target(url) {
                out.push((target, url.trim().to_owned(), at));
            }
        }
        if let Some(doi) = &reference.doi {
            let at = locate("doi", doi.trim());
            if let Some(target) = doi_target(doi) {
                out.push((target, doi.trim().to_owned(), at));
            }
        }
        if let Some(pmid) = &reference.pmid {
            let id = pmid.text();
            let at = locate("pmid", &id);
            out.push((Target::Pmid(id.clone()), id, at));
        }
    }
    out
}

/// The first and last line of each item of the block list under the `references:` key at
/// `key_line`; empty for a flow list (`references: [...]`).
fn item_lines(text: &str, key_line: usize) -> Vec<(usize, usize)> {
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut indent = None;
    for (index, line) in text.lines().enumerate().skip(key_line) {
        let number = index + 1;
        let trimmed = line.trim_start();
        if trimmed == "---" || (!line.starts_with([' ', '-']) && !trimmed.is_empty()) {
            break;
        }
        let depth = line.len() - trimmed.len();
        let starts_item = (trimmed.starts_with("- ") || trimmed == "-")
            && indent.is_none_or(|indent| depth == indent);
        if starts_item {
            indent = Some(depth);
            items.push((number, number));
        } else if let Some(last) = items.last_mut() {
            last.1 = number;
        }
    }
    items
}

/// The diagnostic for one place of a target, or none when it works.
fn report(
    target: &Target,
    outcome: &Outcome,
    place: &Place,
    options: &ExternalOptions,
) -> Option<Diagnostic> {
    let rule = match target {
        Target::Url(_) => "external-link",
        Target::Doi(_) | Target::Pmid(_) => "external-reference",
    };
    let written = &place.written;
    let skip_help = |what: &str| {
        format!(
            "{what}; if it works in a browser, add `{}` to `external_skip` in `site.yaml`",
            http::host(&target.address()).unwrap_or_else(|| target.address())
        )
    };
    let (error, message, help) = match outcome {
        Outcome::Ok => return None,
        Outcome::Moved { status, to } => (
            false,
            format!("`{written}` has moved permanently ({status}) to `{to}`"),
            format!("link to `{to}` instead"),
        ),
        Outcome::Status { status, at } => {
            let after = at
                .as_ref()
                .map(|at| format!(" (after redirects to `{at}`)"))
                .unwrap_or_default();
            let name = http::reason(*status);
            match status {
                404 | 410 => (
                    true,
                    format!("`{written}` is broken: the server answers {status} {name}{after}"),
                    "link to the page's new address, an archived copy, or remove the link".into(),
                ),
                401 | 403 | 429 => (
                    false,
                    format!("`{written}` refused the automated check ({status} {name}{after})"),
                    skip_help("publishers often turn away programs that are not browsers"),
                ),
                _ => (
                    false,
                    format!("`{written}` answers {status} {name}{after}"),
                    skip_help("open it in a browser and run the check again later"),
                ),
            }
        }
        Outcome::Redirects { to } => (
            true,
            format!(
                "`{written}` redirects more than {} times (last to `{to}`)",
                options.max_redirects
            ),
            "the redirects go round in a loop: link to the page's final address".into(),
        ),
        Outcome::Timeout => (
            false,
            format!(
                "`{written}` did not answer within {} s",
                options.timeout.as_secs_f64()
            ),
            skip_help("run the check again later"),
        ),
        Outcome::Dropped { detail } => (
            false,
            format!("`{written}` could not be fetched: {detail}"),
            skip_help("run the check again later"),
        ),
        Outcome::Dns { host } => (
            true,
            format!("the host `{host}` of `{written}` does not exist (its name does not resolve)"),
            "check the address for typos; if the site is gone, link to an archived copy or remove the link".into(),
        ),
        Outcome::Tls { detail } => (
            true,
            format!("`{written}` failed the secure connection: {detail}"),
            "the site's certificate or TLS setup is broken: link to another copy of the page".into(),
        ),
        Outcome::Invalid { detail } => (
            true,
            format!("`{written}` is not a valid address: {detail}"),
            "write the full address, e.g. `https://example.org/page`".into(),
        ),
        Outcome::NoDoi => (
            true,
            format!("the DOI `{written}` does not exist (doi.org has no such handle)"),
            "copy the DOI from the article's page or its PubMed record".into(),
        ),
        Outcome::NoPmid => (
            true,
            format!("the PMID `{written}` is not in PubMed"),
            "copy the PMID from the article's PubMed record".into(),
        ),
        Outcome::Lookup { detail } => (
            false,
            format!("`{written}` could not be looked up: {detail}"),
            "run the check again later".into(),
        ),
    };
    let diagnostic = if error {
        Diagnostic::error(&place.file, rule, message)
    } else {
        Diagnostic::warning(&place.file, rule, message)
    };
    let mut diagnostic = diagnostic.at(place.line, place.column).help(help);
    diagnostic.source_line = place.source_line.clone();
    Some(diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_list_matches_prefixes_and_hosts_with_subdomains() {
        let skip = vec![
            "example.org".to_owned(),
            "https://x.com/private/".to_owned(),
        ];
        assert!(is_skipped("https://example.org/a", &skip));
        assert!(is_skipped("https://www.example.org/a", &skip));
        assert!(!is_skipped("https://badexample.org/a", &skip));
        assert!(is_skipped("https://x.com/private/page", &skip));
        assert!(!is_skipped("https://x.com/public", &skip));
    }

    #[test]
    fn targets_drop_fragments_and_other_schemes() {
        assert_eq!(
            url_target("https://a.org/p#s"),
            Some(Target::Url("https://a.org/p".into()))
        );
        assert_eq!(url_target("mailto:x@y.org"), None);
        assert_eq!(url_target("tel:+1555"), None);
        assert_eq!(
            doi_target("https://doi.org/10.1001/JAMA.2014.3628"),
            Some(Target::Doi("10.1001/jama.2014.3628".into()))
        );
        assert_eq!(doi_target("not-a-doi"), None);
    }

    #[test]
    fn references_are_placed_on_their_own_lines() {
        let text = "---\ntitle: t\nreferences:\n  - title: a\n    url: https://a.org/x\n  - title: b\n    doi: 10.1/b\n    pmid: 123\ntags: []\n---\n";
        let refs = vec![
            Reference {
                title: "a".into(),
                publisher: None,
                year: None,
                url: Some("https://a.org/x".into()),
                doi: None,
                pmid: None,
                note: None,
            },
            Reference {
                title: "b".into(),
                publisher: None,
                year: None,
                url: None,
                doi: Some("10.1/b".into()),
                pmid: Some(crate::front_matter::Pmid::Number(123)),
                note: None,
            },
        ];
        assert_eq!(item_lines(text, 3), vec![(4, 5), (6, 8)]);
        let keys = crate::front_matter::parse::<serde_yaml::Value>(
            "a.md",
            text,
            "title: t\nreferences:\n  - title: a\n    url: https://a.org/x\n  - title: b\n    doi: 10.1/b\n    pmid: 123\ntags: []\n",
            2,
        )
        .map(|(_, keys)| keys)
        .expect("valid yaml");
        let found: Vec<_> = reference_targets(&refs, &keys, text)
            .into_iter()
            .map(|(_, written, at)| (written, at))
            .collect();
        assert_eq!(
            found,
            vec![
                ("https://a.org/x".to_owned(), (5, 10)),
                ("10.1/b".to_owned(), (7, 10)),
                ("123".to_owned(), (8, 11)),
            ]
        );
    }
}
