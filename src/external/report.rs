//! Turning an outcome into the diagnostic shown at one place: its severity (404, 410, DNS, TLS,
//! redirect loops, unknown DOIs and PMIDs are errors; moves, bot walls, timeouts and the rest
//! warnings), its message and a suggested fix.

use super::target::{Place, Target};
use super::{http, ExternalOptions, Outcome};
use crate::diagnostic::Diagnostic;

/// The diagnostic for one place of a target, or none when it works.
pub(super) fn report(
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
