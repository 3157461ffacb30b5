//! The `site` command line: parses arguments, calls the library, prints diagnostics, sets the
//! exit code. No site logic lives here.

// See lib.rs: diagnostics are the error type and travel the cold path.
#![allow(clippy::result_large_err)]

use clap::{Parser, Subcommand, ValueEnum};
use naltrexone_site::diagnostic::{self, Diagnostic};
use naltrexone_site::Date;
use naltrexone_site::{serve, Options};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// A fast, strict static site generator for health content.
#[derive(Parser)]
#[command(name = "site", version, about, long_about = None)]
struct Cli {
    /// The site's folder (holds site.yaml, content/, templates/, static/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// The day review ages are measured from (YYYY-MM-DD); defaults to today (UTC).
    #[arg(long, global = true, hide = true)]
    today: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build {
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
        /// Override `base_url` from site.yaml.
        #[arg(long)]
        base_url: Option<String>,
        /// Output folder, relative to the current folder [default: public/ in the site's
        /// folder, offline/ with --offline]
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Make a copy that works from disk with no server (file://, a USB stick): links point
        /// at files, search loads without fetch. Canonical, feed and sitemap URLs still name
        /// base_url.
        #[arg(long)]
        offline: bool,
    },
    /// Check content and output without writing anything; exit 1 on any error.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        /// Print every article's reading grade, words, reading time and review age.
        #[arg(long)]
        report: bool,
        /// Also check external links and references over the network (DOIs, PubMed ids,
        /// status codes, redirects), with results cached in `.site-external-cache.json`.
        #[arg(long)]
        external: bool,
    },
    /// Build with drafts into memory, serve on 127.0.0.1, rebuild and reload on every edit.
    Serve {
        /// Port to try first (the next free one is used if taken); 0 lets the system pick one.
        #[arg(long, short, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; anything but 127.0.0.1 exposes the preview to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Measure build speed on generated corpora (see docs/benchmark.md).
    #[cfg(feature = "bench")]
    Bench {
        /// Corpus sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
        pages: Vec<usize>,
        /// Runs per figure (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Where to keep the generated corpora (default: a temporary folder).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Skip the Hugo comparison even when `hugo` is installed.
        #[arg(long)]
        no_hugo: bool,
        /// Skip Hugo's build with `.Related` on every page (minutes at 10,000 articles).
        #[arg(long)]
        no_hugo_related: bool,
        /// The corpus: `realistic` (like the bundled articles) or `simple` (what the tests edit).
        #[arg(long, default_value = "realistic")]
        corpus: String,
        /// The site whose `templates/`, `static/` and `data/` are built as the bundled theme;
        /// `none` builds with the minimal templates only.
        #[arg(long, default_value = env!("CARGO_MANIFEST_DIR"))]
        theme: PathBuf,
        /// Only the serve edits whose kind contains one of these words (`body,tag`); `none`
        /// times no edits.
        #[arg(long, value_delimiter = ',')]
        edits: Vec<String>,
        /// Time the serve edits only, not the cold builds and rebuilds.
        #[arg(long)]
        edits_only: bool,
    },
    /// Start a new site of your own in DIR (a missing or empty folder): a neutral starter with
    /// templates, a stylesheet, one section, one article and one tag, that builds as it is.
    Init {
        /// The folder to create the site in.
        dir: PathBuf,
    },
    /// Create a new article or tag page from the schema.
    New {
        #[command(subcommand)]
        what: New,
    },
}

#[derive(Subcommand)]
enum New {
    /// content/<section>/<slug>.md
    Article {
        /// The article's title.
        title: String,
        /// The section folder.
        #[arg(long)]
        section: Option<String>,
        /// Comma-separated tags.
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
    },
    /// content/tags/<name>.md
    Tag {
        /// The tag's name (lower-case, hyphens).
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Github,
}

fn main() -> ExitCode {
    let code = run();
    // Only the bench asks for it, and only a binary built with the bench has a bench.
    #[cfg(feature = "bench")]
    naltrexone_site::bench::record_peak_rss();
    code
}

fn run() -> ExitCode {
    let cli = Cli::parse();
    let today = match cli.today.as_deref().map(Date::parse) {
        None => Date::today(),
        Some(Ok(date)) => date,
        Some(Err(why)) => {
            eprintln!("error: --today: {why}");
            return ExitCode::from(2);
        }
    };
    let options = |drafts: bool, base_url: Option<String>| Options {
        root: cli.root.clone(),
        drafts,
        base_url,
        serve: false,
        offline: false,
        today,
    };
    match cli.command {
        Command::Build {
            drafts,
            base_url,
            output,
            offline,
        } => build(
            &Options {
                offline,
                ..options(drafts, base_url)
            },
            &output.unwrap_or_else(|| {
                let folder = if offline { "offline" } else { "public" };
                if cli.root == std::path::Path::new(".") {
                    PathBuf::from(folder)
                } else {
                    cli.root.join(folder)
                }
            }),
        ),
        Command::Check {
            format,
            strict,
            report,
            external,
        } => check(&options(true, None), format, strict, report, external),
        Command::Serve { port, bind, open } => {
            let options = Options {
                serve: true,
                ..options(true, None)
            };
            match serve::run(options, serve::ServeOptions { port, bind, open }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        #[cfg(feature = "bench")]
        Command::Bench {
            pages,
            runs,
            dir,
            no_hugo,
            no_hugo_related,
            corpus,
            theme,
            edits,
            edits_only,
        } => {
            let kind = match corpus.as_str() {
                "realistic" => naltrexone_site::corpus::Kind::Realistic,
                "simple" => naltrexone_site::corpus::Kind::Simple,
                other => {
                    eprintln!("error: unknown corpus `{other}`; write `realistic` or `simple`");
                    return ExitCode::FAILURE;
                }
            };
            let plan = naltrexone_site::bench::Plan {
                sizes: pages,
                runs,
                keep: dir,
                kind,
                theme: (theme.as_os_str() != "none").then_some(theme),
                hugo: !no_hugo,
                hugo_related: !no_hugo_related,
                edits,
                builds: !edits_only,
            };
            match naltrexone_site::bench::run(&plan) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Init { dir } => match naltrexone_site::init(&dir, today) {
            Ok(files) => {
                println!(
                    "created a site in `{}` ({} files); next: `site --root {} serve`",
                    dir.display(),
                    files.len(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
            Err(d) => {
                eprintln!("{d}");
                ExitCode::FAILURE
            }
        },
        Command::New { what } => {
            let made = match what {
                New::Article {
                    title,
                    section,
                    tags,
                } => naltrexone_site::new_article(
                    &cli.root,
                    &title,
                    section.as_deref(),
                    &tags,
                    today,
                ),
                New::Tag { name } => naltrexone_site::new_tag(&cli.root, &name),
            };
            match made {
                Ok(path) => {
                    println!("created {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(d) => {
                    eprintln!("{d}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn print_all(diagnostics: &mut Vec<Diagnostic>) {
    diagnostic::sort(diagnostics);
    for d in diagnostics.iter() {
        eprintln!("{d}\n");
    }
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let (errors, warnings) = diagnostic::count(diagnostics);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn build(options: &Options, output: &std::path::Path) -> ExitCode {
    let start = Instant::now();
    match naltrexone_site::build_into(options, output) {
        Ok(built) => {
            let mut warnings = built.warnings;
            print_all(&mut warnings);
            let written = built.written;
            println!(
                "built {} pages, {} sections, {} tags into `{}` in {} ms ({} files written, {} unchanged, {} removed; {}{})",
                built.pages,
                built.sections,
                built.tags,
                output.display(),
                start.elapsed().as_millis(),
                written.written,
                written.unchanged,
                written.removed,
                written.how,
                if warnings.is_empty() { String::new() } else { format!("; {}", summary(&warnings)) },
            );
            ExitCode::SUCCESS
        }
        Err(mut failed) => {
            print_all(&mut failed.diagnostics);
            if failed.while_writing {
                eprintln!(
                    "build failed while writing `{}`: {}",
                    output.display(),
                    summary(&failed.diagnostics)
                );
            } else {
                eprintln!(
                    "build failed: {}; `{}` was left untouched",
                    summary(&failed.diagnostics),
                    output.display()
                );
            }
            ExitCode::FAILURE
        }
    }
}

fn check(
    options: &Options,
    format: Format,
    strict: bool,
    report: bool,
    external: bool,
) -> ExitCode {
    let (site, mut diagnostics) = naltrexone_site::check(options);
    if let (true, Some(site)) = (external, &site) {
        let external = naltrexone_site::ExternalOptions::from_env(&options.root);
        diagnostics.extend(naltrexone_site::check_external(site, &external));
    }
    let rows = site
        .filter(|_| report)
        .map(|site| naltrexone_site::report(&site, options.today));
    diagnostic::sort(&mut diagnostics);
    match format {
        Format::Text => {
            for d in &diagnostics {
                println!("{d}\n");
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diagnostics).unwrap_or_else(|_| "[]".into())
        ),
        Format::Github => {
            for d in &diagnostics {
                println!("{}", d.github());
            }
        }
    }
    if let Some(rows) = rows {
        print_report(&rows);
    }
    let (errors, warnings) = diagnostic::count(&diagnostics);
    if !matches!(format, Format::Json) {
        eprintln!("check: {}", summary(&diagnostics));
    }
    if errors > 0 || (strict && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_report(rows: &[naltrexone_site::Row]) {
    let width = rows.iter().map(|r| r.file.len()).max().unwrap_or(4).max(4);
    // A site in one language keeps the one-language table.
    let languages = rows
        .iter()
        .any(|r| r.translation || !r.untranslated.is_empty());
    let one = |x: Option<f64>| x.map_or("-".into(), |g| format!("{g:.1}"));
    if languages {
        eprintln!(
            "{:width$}  {:4}  {:>5}  {:>7}  {:>5}  {:>4}  {:>10}  untranslated",
            "file", "lang", "grade", "inflesz", "words", "min", "review age"
        );
    } else {
        eprintln!(
            "{:width$}  {:>5}  {:>5}  {:>4}  {:>10}",
            "file", "grade", "words", "min", "review age"
        );
    }
    for r in rows {
        let age = r.review_age.map_or("never".into(), |a| format!("{a} days"));
        if languages {
            let missing = match (r.untranslated.is_empty(), r.translation) {
                (false, _) => r.untranslated.join(", "),
                (true, false) => "-".into(),
                (true, true) => String::new(),
            };
            eprintln!(
                "{:width$}  {:4}  {:>5}  {:>7}  {:>5}  {:>4}  {age:>10}  {missing}",
                r.file,
                r.lang,
                one(r.grade),
                one(r.inflesz),
                r.words,
                r.reading_time
            );
        } else {
            eprintln!(
                "{:width$}  {:>5}  {:>5}  {:>4}  {age:>10}",
                r.file,
                one(r.grade),
                r.words,
                r.reading_time
            );
        }
    }
    let words = rows.iter().map(|r| r.words).sum::<usize>();
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs.get(xs.len() / 2).copied()
    };
    let grades: Vec<f64> = rows.iter().filter_map(|r| r.grade).collect();
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.inflesz).collect();
    let max = grades
        .iter()
        .copied()
        .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.max(g))));
    let min = scores
        .iter()
        .copied()
        .fold(None, |m: Option<f64>, g| Some(m.map_or(g, |m| m.min(g))));
    if !languages {
        if let (Some(median), Some(max)) = (median(grades), max) {
            eprintln!(
                "{} articles, median grade {median:.1}, max {max:.1}, {words} words",
                rows.len()
            );
        }
        return;
    }
    let mut summary = vec![format!("{} articles", rows.len())];
    if let (Some(m), Some(max)) = (median(grades.clone()), max) {
        summary.push(format!(
            "{} graded (Flesch-Kincaid), median {m:.1}, max {max:.1}",
            grades.len()
        ));
    }
    if let (Some(m), Some(min)) = (median(scores.clone()), min) {
        summary.push(format!(
            "{} scored (INFLESZ), median {m:.1}, min {min:.1}",
            scores.len()
        ));
    }
    let originals = rows.iter().filter(|r| !r.translation).count();
    let untranslated = rows.iter().filter(|r| !r.untranslated.is_empty()).count();
    summary.push(format!(
        "{untranslated} of {originals} originals untranslated into some language"
    ));
    eprintln!("{}, {words} words", summary.join("; "));
    let links: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.untranslated_links.iter().map(move |l| {
                format!(
                    "  {}:{}:{}: `{}` has no `{}` version; the link goes to the original",
                    r.file, l.line, l.column, l.target, r.lang
                )
            })
        })
        .collect();
    if !links.is_empty() {
        eprintln!(
            "links from translations to untranslated pages ({}):",
            links.len()
        );
        for line in links {
            eprintln!("{line}");
        }
    }
}
