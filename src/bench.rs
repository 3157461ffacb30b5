//! `site bench` (only with `--features bench`): generates the deterministic synthetic site of
//! [`crate::corpus`] and measures what users feel: a cold full build (a fresh process, empty
//! output), a rebuild over unchanged output, a one-article edit inside `serve`'s incremental
//! engine, and peak memory. With `hugo` on the PATH it builds the same corpus with Hugo in the
//! same run, for a ratio.

use crate::corpus::{article_path, generate_kind, Kind, GENERATOR};
use crate::date::Date;
use crate::serve::Session;
use crate::Options;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The same corpus as a Hugo site: same Markdown bodies, equivalent minimal templates, in
/// `layouts/` with `.Related` on every page and in `layouts-plain/` without it.
fn generate_hugo(ours: &Path, root: &Path) -> std::io::Result<()> {
    fs::create_dir_all(root)?;
    fs::write(root.join("hugo.yaml"), "baseURL: https://bench.example.org/\ntitle: Bench Site\ndisableKinds: []\npagination:\n  pagerSize: 20\npaginate: 20\ntaxonomies:\n  tag: tags\nmarkup:\n  goldmark:\n    renderer:\n      unsafe: true\n")?;
    let related = "<ul>{{ range first 5 (.Site.RegularPages.Related .) }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>";
    for (folder, related) in [("layouts", related), ("layouts-plain", "")] {
        let layouts = root.join(folder).join("_default");
        fs::create_dir_all(&layouts)?;
        fs::write(layouts.join("baseof.html"), "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head><body><nav>{{ range .Site.Sections }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}</nav>{{ block \"main\" . }}{{ end }}</body></html>")?;
        fs::write(layouts.join("single.html"), format!("{{{{ define \"main\" }}}}<h1>{{{{ .Title }}}}</h1>{{{{ .TableOfContents }}}}{{{{ .Content }}}}<ul>{{{{ range .Params.tags }}}}<li>{{{{ . }}}}</li>{{{{ end }}}}</ul>{related}{{{{ end }}}}"))?;
        fs::write(layouts.join("list.html"), "{{ define \"main\" }}{{ .Content }}{{ range (.Paginate .Pages).Pages }}<a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>{{ end }}{{ end }}")?;
        fs::write(layouts.join("terms.html"), "{{ define \"main\" }}{{ range .Data.Terms.ByCount }}<a href=\"{{ .Page.RelPermalink }}\">{{ .Page.Title }} {{ .Count }}</a>{{ end }}{{ end }}")?;
    }
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

/// One row of the table: every run's time, ours and (when compared) Hugo's.
struct Row {
    what: String,
    ours: Vec<Duration>,
    hugo: Vec<Duration>,
}

/// What `site bench` measures.
pub struct Plan {
    /// Corpus sizes.
    pub sizes: Vec<usize>,
    /// Runs per figure.
    pub runs: usize,
    /// Where to keep the corpora (default: a temporary folder).
    pub keep: Option<PathBuf>,
    /// Which corpus.
    pub kind: Kind,
    /// The folder whose `templates/`, `static/` and `data/` are the bundled theme (`None`: the
    /// minimal templates only).
    pub theme: Option<PathBuf>,
    /// Compare with Hugo, when it is on the PATH.
    pub hugo: bool,
    /// Also time Hugo with `.Related` on every page (its slowest feature).
    pub hugo_related: bool,
}

/// One `site build` variant of a corpus.
struct Variant {
    name: &'static str,
    root: PathBuf,
}

/// Generates corpora of each size, measures, prints the table.
pub fn run(plan: &Plan) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let runs = plan.runs.max(1);
    let hugo = if plan.hugo {
        Command::new("hugo")
            .arg("version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    } else {
        None
    };
    let work = tempfile_dir(plan.keep.clone())?;
    let mut rows = Vec::new();
    let mut peak: Vec<(usize, &'static str, f64)> = Vec::new();
    let mut colds: Vec<(usize, &'static str, Duration)> = Vec::new();
    // Every build writes into a folder of its own, and all of them are removed only at the end:
    // ext4 allocates inodes slowly for a few minutes after thousands were freed, so deleting
    // the last run's output before the next would measure the file system's recovery instead
    // of the build (both for us and for Hugo).
    let outputs = work.join(format!("outputs-{}", std::process::id()));
    let kind_name = match plan.kind {
        Kind::Simple => "simple",
        Kind::Realistic => "realistic",
    };
    for &n in &plan.sizes {
        let root = work.join(format!("{kind_name}-{n}"));
        prepare_corpus(&root, &format!("{kind_name} {n}"), |root| {
            generate_kind(root, n, plan.kind)
        })
        .map_err(|e| format!("cannot generate the corpus: {e}"))?;
        let mut variants = vec![Variant {
            name: "minimal",
            root: root.clone(),
        }];
        if let Some(theme) = &plan.theme {
            let bundled = work.join(format!("{kind_name}-{n}-bundled"));
            prepare_corpus(&bundled, &format!("{kind_name} {n} bundled"), |bundled| {
                generate_kind(bundled, n, plan.kind)?;
                install_theme(theme, bundled)
            })
            .map_err(|e| format!("cannot generate the corpus with the bundled theme: {e}"))?;
            variants.push(Variant {
                name: "bundled",
                root: bundled,
            });
        }
        // Hugo without and with `.Related`, each run alternating with ours below.
        let hugo_root = work.join(format!("hugo-{kind_name}-{n}"));
        if hugo.is_some() {
            prepare_corpus(&hugo_root, &format!("hugo {kind_name} {n}"), |hroot| {
                generate_hugo(&root, hroot)
            })
            .map_err(|e| format!("cannot generate the Hugo corpus: {e}"))?;
        }
        let mut hugo_plain = Vec::new();
        let mut hugo_related = Vec::new();
        let mut cold: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
        let mut warm: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
        for k in 0..runs {
            for (v, variant) in variants.iter().enumerate() {
                let out = outputs.join(format!("{kind_name}-{n}-{}-{k}", variant.name));
                for times in [&mut cold[v], &mut warm[v]] {
                    let mut c = Command::new(&me);
                    c.args(["--root"])
                        .arg(&variant.root)
                        .args(["build", "--output"])
                        .arg(&out);
                    let (time, rss) = timed_build(c, &work)?;
                    times.push(time);
                    if let Some(mb) = rss {
                        peak.push((n, variant.name, mb));
                    }
                }
            }
            if hugo.is_some() {
                for (layouts, times, wanted) in [
                    ("layouts-plain", &mut hugo_plain, true),
                    ("layouts", &mut hugo_related, plan.hugo_related),
                ] {
                    if !wanted {
                        continue;
                    }
                    let mut c = Command::new("hugo");
                    c.arg("--quiet")
                        .arg("--source")
                        .arg(&hugo_root)
                        .arg("--layoutDir")
                        .arg(hugo_root.join(layouts))
                        .arg("--destination")
                        .arg(outputs.join(format!("hugo-{n}-{layouts}-{k}")));
                    times.push(timed(c)?);
                }
            }
        }
        for (v, variant) in variants.iter().enumerate() {
            colds.push((n, variant.name, median(cold[v].clone())));
            rows.push(Row {
                what: format!("cold build, {n}, {} (Hugo: no .Related)", variant.name),
                ours: cold[v].clone(),
                hugo: if v == 0 {
                    hugo_plain.clone()
                } else {
                    Vec::new()
                },
            });
            if v == 0 && !hugo_related.is_empty() {
                rows.push(Row {
                    what: format!("cold build, {n}, minimal (Hugo: .Related)"),
                    ours: cold[v].clone(),
                    hugo: hugo_related.clone(),
                });
            }
            rows.push(Row {
                what: format!("rebuild, unchanged output, {n}, {}", variant.name),
                ours: warm[v].clone(),
                hugo: Vec::new(),
            });
        }
        rows.extend(serve_edits(&root, n, runs)?);
    }
    println!(
        "{:<48} {:>22} {:>22} {:>6}",
        "median (min-max) of runs", "site", "hugo", "ratio"
    );
    for row in &rows {
        let ratio = if row.hugo.is_empty() {
            "-".to_owned()
        } else {
            format!(
                "{:.1}x",
                median(row.hugo.clone()).as_secs_f64()
                    / median(row.ours.clone()).as_secs_f64().max(1e-9)
            )
        };
        println!(
            "{:<48} {:>22} {:>22} {:>6}",
            row.what,
            spread(&row.ours),
            spread(&row.hugo),
            ratio
        );
    }
    for pair in colds.windows(2) {
        let ((a, va, ta), (b, vb, tb)) = (pair[0], pair[1]);
        if va == vb {
            println!(
                "cold build growth from {a} to {b} articles, {va}: {:.1}x (linear: {:.1}x)",
                tb.as_secs_f64() / ta.as_secs_f64().max(1e-9),
                b as f64 / a.max(1) as f64
            );
        }
    }
    for &n in &plan.sizes {
        for variant in ["minimal", "bundled"] {
            let most = peak
                .iter()
                .filter(|(m, v, _)| *m == n && *v == variant)
                .map(|(_, _, mb)| *mb)
                .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
            if let Some(mb) = most {
                println!("peak RSS of a build, {n} articles, {variant}: {mb:.0} MB");
            }
        }
    }
    if let Some(version) = hugo {
        println!("hugo: {version}");
    } else {
        println!("hugo: not on the PATH (apt-get install hugo) - no comparison");
    }
    println!(
        "corpus: {kind_name}; runs per figure: {runs}; corpora in {}",
        work.display()
    );
    let _ = fs::remove_dir_all(&outputs);
    Ok(())
}

/// A body edit (the common one, which patches the model) and a title edit (front matter: lists
/// and related articles change) of one article, through the `serve` engine in process.
fn serve_edits(root: &Path, n: usize, runs: usize) -> Result<Vec<Row>, String> {
    let mut session = Session::new(Options {
        root: root.to_owned(),
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
    let edits: [(&str, &dyn Fn(usize) -> String); 2] = [
        ("body", &|k| {
            format!("{original}\nAn edited sentence number {k}.\n")
        }),
        ("title", &|k| edit_title(&original, k)),
    ];
    let mut rows = Vec::new();
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
            what: format!("one-article {kind} edit in serve, {n}, minimal"),
            ours: times,
            hugo: Vec::new(),
        });
    }
    fs::write(&file, &original).map_err(|e| e.to_string())?;
    Ok(rows)
}

/// `text` with `Edited k` put in front of its title (quoted or not).
fn edit_title(text: &str, k: usize) -> String {
    let Some(at) = text.find("title: ") else {
        return text.to_owned();
    };
    let mut at = at + "title: ".len();
    if text[at..].starts_with('"') {
        at += 1;
    }
    format!("{}Edited {k} {}", &text[..at], &text[at..])
}

fn spread(times: &[Duration]) -> String {
    if times.is_empty() {
        return "-".to_owned();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (lo, hi) = (
        times.iter().min().copied().unwrap_or_default(),
        times.iter().max().copied().unwrap_or_default(),
    );
    format!(
        "{:.0} ms ({:.0}-{:.0})",
        ms(median(times.to_vec())),
        ms(lo),
        ms(hi)
    )
}

/// The bundled theme into a generated site: `theme`'s templates, stylesheet and scripts, data
/// files (which its shortcodes read) and English interface strings, in place of the minimal
/// templates.
fn install_theme(theme: &Path, root: &Path) -> std::io::Result<()> {
    let _ = fs::remove_dir_all(root.join("templates"));
    for folder in ["templates", "static", "data"] {
        let from = theme.join(folder);
        if !from.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.map_err(std::io::Error::other)?;
            let rel = entry.path().strip_prefix(&from).unwrap_or(entry.path());
            let target = root.join(folder).join(rel);
            if entry.file_type().is_dir() {
                fs::create_dir_all(&target)?;
            } else {
                fs::copy(entry.path(), &target)?;
            }
        }
    }
    // The theme's own interface strings, in the default language (the corpus has no other).
    let strings = theme.join("i18n/en.yaml");
    if strings.is_file() {
        fs::create_dir_all(root.join("i18n"))?;
        fs::copy(&strings, root.join("i18n/en.yaml"))?;
    }
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
