//! `site bench` (only with `--features bench`): generates the deterministic synthetic site of
//! [`crate::corpus`] and measures what users feel: a cold full build (a fresh process, empty
//! output), a rebuild over unchanged output, a one-article edit inside `serve`'s incremental
//! engine, and peak memory. With `hugo` on the PATH it builds the same corpus with Hugo in the
//! same run, for a ratio.

use crate::corpus::{article_path, generate, GENERATOR};
use crate::date::Date;
use crate::serve::Session;
use crate::Options;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The same corpus as a Hugo site: same Markdown bodies, equivalent minimal templates.
fn generate_hugo(ours: &Path, root: &Path) -> std::io::Result<()> {
    fs::create_dir_all(root.join("layouts/_default"))?;
    fs::write(root.join("hugo.yaml"), "baseURL: https://bench.example.org/\ntitle: Bench Site\ndisableKinds: []\npagination:\n  pagerSize: 20\npaginate: 20\ntaxonomies:\n  tag: tags\nmarkup:\n  goldmark:\n    renderer:\n      unsafe: true\n")?;
    let layouts = root.join("layouts/_default");
    fs::write(layouts.join("baseof.html"), "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><nav>{{ range .Site.Sections }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</nav>{{ block \"main\" . }}{{ end }}</body></html>")?;
    fs::write(layouts.join("single.html"), "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul><ul>{{ range first 5 (.Site.RegularPages.Related .) }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}")?;
    fs::write(layouts.join("list.html"), "{{ define \"main\" }}{{ .Content }}{{ range (.Paginate .Pages).Pages }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}{{ end }}")?;
    fs::write(layouts.join("terms.html"), "{{ define \"main\" }}{{ range .Data.Terms.ByCount }}<a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }} {{ .Count }}</a>{{ end }}{{ end }}")?;
    let from = ours.join("content");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.map_err(std::io::Error::other)?;
        let rel = entry.path().strip_prefix(&from).unwrap_or(entry.path());
        let target = root.join("content").join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target)?;
        } else {
            // Hugo keeps its own reference fields out of the way; ours are plain YAML it ignores.
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The environment variable that asks a `site` process to write its peak resident memory
/// (kB) into a file when it ends, for the benchmark.
pub const PEAK_RSS_FILE: &str = "SITE_PEAK_RSS_FILE";

/// Writes this process's peak resident memory into the file `SITE_PEAK_RSS_FILE` names, if
/// it is set. The kernel's `VmHWM` counts this program's memory only; `getrusage` on a child
/// also counts the parent's memory that the child shared before it started this program.
pub fn record_peak_rss() {
    let Some(file) = std::env::var_os(PEAK_RSS_FILE) else {
        return;
    };
    let peak = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().trim_end_matches("kB").trim().to_owned())
        })
        .unwrap_or_default();
    let _ = fs::write(file, peak);
}

/// Runs one of our builds; returns its time and peak resident memory in MB.
fn timed_build(mut command: Command, work: &Path) -> Result<(Duration, Option<f64>), String> {
    let report = work.join("peak-rss");
    let _ = fs::remove_file(&report);
    command.env(PEAK_RSS_FILE, &report);
    let time = timed(command)?;
    let peak = fs::read_to_string(&report)
        .ok()
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    Ok((time, peak))
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn timed(mut command: Command) -> Result<Duration, String> {
    let start = Instant::now();
    let out = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(start.elapsed())
}

/// One row of the table.
struct Row {
    what: String,
    ours: Duration,
    hugo: Option<Duration>,
}

/// Generates corpora of each size, measures, prints the table.
pub fn run(
    sizes: &[usize],
    runs: usize,
    keep: Option<PathBuf>,
    with_hugo: bool,
) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let hugo = if with_hugo {
        Command::new("hugo")
            .arg("version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    } else {
        None
    };
    let work = tempfile_dir(keep)?;
    let mut rows = Vec::new();
    let mut peak = Vec::new();
    let mut colds: Vec<(usize, Duration)> = Vec::new();
    // Every build writes into a folder of its own, and all of them are removed only at the end:
    // ext4 allocates inodes slowly for a few minutes after thousands were freed, so deleting
    // the last run's output before the next would measure the file system's recovery instead
    // of the build (both for us and for Hugo).
    let outputs = work.join(format!("outputs-{}", std::process::id()));
    for &n in sizes {
        let root = work.join(format!("site-{n}"));
        prepare_corpus(&root, &format!("site {n}"), |root| generate(root, n))
            .map_err(|e| format!("cannot generate the corpus: {e}"))?;
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for k in 0..runs {
            let out = outputs.join(format!("site-{n}-{k}"));
            for times in [&mut cold, &mut warm] {
                let mut c = Command::new(&me);
                c.args(["--root"])
                    .arg(&root)
                    .args(["build", "--output"])
                    .arg(&out);
                let (time, rss) = timed_build(c, &work)?;
                times.push(time);
                peak.push((n, rss));
            }
        }
        let hugo_cold = match &hugo {
            Some(_) => {
                let hroot = work.join(format!("hugo-{n}"));
                prepare_corpus(&hroot, &format!("hugo {n}"), |hroot| {
                    generate_hugo(&root, hroot)
                })
                .map_err(|e| format!("cannot generate the Hugo corpus: {e}"))?;
                let mut times = Vec::new();
                for k in 0..runs {
                    let mut c = Command::new("hugo");
                    c.arg("--quiet")
                        .arg("--source")
                        .arg(&hroot)
                        .arg("--destination")
                        .arg(outputs.join(format!("hugo-{n}-{k}")));
                    times.push(timed(c)?);
                }
                Some(median(times))
            }
            None => None,
        };
        colds.push((n, median(cold.clone())));
        rows.push(Row {
            what: format!("cold build, {n} articles"),
            ours: median(cold),
            hugo: hugo_cold,
        });
        rows.push(Row {
            what: format!("rebuild, unchanged output, {n} articles"),
            ours: median(warm),
            hugo: None,
        });
        let mut session = Session::new(Options {
            root: root.clone(),
            drafts: true,
            base_url: None,
            offline: false,
            serve: true,
            today: Date::today(),
        });
        session
            .rebuild()
            .map_err(|d| format!("serve build failed: {d:?}"))?;
        let file = root.join("content").join(article_path(n / 2));
        let original = fs::read_to_string(&file).map_err(|e| e.to_string())?;
        // A body edit (the common one, which patches the model) and a title edit (front
        // matter: the whole site is assembled again, lists and related articles change).
        let edits: [(&str, &dyn Fn(usize) -> String); 2] = [
            ("body", &|k| {
                format!("{original}\nAn edited sentence number {k}.\n")
            }),
            ("title", &|k| {
                original.replacen(
                    "title: Generated",
                    &format!("title: Edited {k} Generated"),
                    1,
                )
            }),
        ];
        for (kind, edited) in edits {
            let mut times = Vec::new();
            for k in 0..runs.max(3) {
                fs::write(&file, edited(k)).map_err(|e| e.to_string())?;
                let start = Instant::now();
                session.changed(std::slice::from_ref(&file));
                let rebuild = session
                    .rebuild()
                    .map_err(|d| format!("edit rebuild failed: {d:?}"))?;
                times.push(start.elapsed());
                if rebuild.rendered.is_empty() {
                    return Err("the edit re-rendered nothing".into());
                }
            }
            rows.push(Row {
                what: format!("one-article {kind} edit in serve, {n} articles"),
                ours: median(times),
                hugo: None,
            });
        }
        fs::write(&file, &original).map_err(|e| e.to_string())?;
    }
    println!(
        "{:<44} {:>10} {:>10} {:>7}",
        "median of runs", "site", "hugo", "ratio"
    );
    for row in &rows {
        let hugo = row.hugo.map_or_else(
            || "-".to_owned(),
            |h| format!("{:.0} ms", h.as_secs_f64() * 1e3),
        );
        let ratio = row.hugo.map_or_else(
            || "-".to_owned(),
            |h| format!("{:.1}x", h.as_secs_f64() / row.ours.as_secs_f64().max(1e-9)),
        );
        println!(
            "{:<44} {:>7.1} ms {:>10} {:>7}",
            row.what,
            row.ours.as_secs_f64() * 1e3,
            hugo,
            ratio
        );
    }
    for pair in colds.windows(2) {
        let ((a, ta), (b, tb)) = (pair[0], pair[1]);
        println!(
            "cold build growth from {a} to {b} articles: {:.1}x (linear: {:.1}x)",
            tb.as_secs_f64() / ta.as_secs_f64().max(1e-9),
            b as f64 / a.max(1) as f64
        );
    }
    for &n in sizes {
        let most = peak
            .iter()
            .filter(|(m, _)| *m == n)
            .filter_map(|(_, mb)| *mb)
            .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
        if let Some(mb) = most {
            println!("peak RSS of a build, {n} articles: {mb:.0} MB");
        }
    }
    if let Some(version) = hugo {
        println!("hugo: {version}");
    } else {
        println!("hugo: not on the PATH (apt-get install hugo) - no comparison");
    }
    println!("runs per figure: {runs}; corpora in {}", work.display());
    let _ = fs::remove_dir_all(&outputs);
    Ok(())
}

/// Makes the corpus `what` in `root` with `make`, unless the one there was made by this same
/// generator; reusing it keeps the benchmark from deleting thousands of files before it times
/// anything.
fn prepare_corpus(
    root: &Path,
    what: &str,
    make: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let stamp = root.join(".bench-corpus");
    let want = format!("{what}, generator {GENERATOR}\n");
    if fs::read_to_string(&stamp).is_ok_and(|have| have == want) {
        return Ok(());
    }
    let _ = fs::remove_dir_all(root);
    make(root)?;
    fs::write(stamp, want)
}

fn tempfile_dir(keep: Option<PathBuf>) -> Result<PathBuf, String> {
    let dir = keep.unwrap_or_else(|| std::env::temp_dir().join("site-bench"));
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    Ok(dir)
}
