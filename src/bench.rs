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
    /// Only the serve edits whose kind contains one of these words (empty: all; `none`: no
    /// edits).
    pub edits: Vec<String>,
    /// Time the cold builds and rebuilds (else the serve edits only).
    pub builds: bool,
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
        for k in 0..if plan.builds { runs } else { 0 } {
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
        for (v, variant) in variants.iter().enumerate().filter(|_| plan.builds) {
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
        // The edits on what a publisher ships: the bundled theme when there is one.
        let edited = variants.last().ok_or("no variant to edit")?;
        rows.extend(serve_edits(
            &edited.root,
            edited.name,
            n,
            runs,
            &plan.edits,
        )?);
    }
    println!(
        "{:<72} {:>22} {:>22} {:>6}",
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
            "{:<72} {:>22} {:>22} {:>6}",
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

/// One change to the site's files.
enum Step {
    Write(PathBuf, String),
    Remove(PathBuf),
    Rename(PathBuf, PathBuf),
}

impl Step {
    /// Makes the change; the paths `serve`'s watcher would report.
    fn apply(&self) -> Result<Vec<PathBuf>, String> {
        let failed = |e: std::io::Error| e.to_string();
        Ok(match self {
            Step::Write(path, text) => {
                fs::write(path, text).map_err(failed)?;
                vec![path.clone()]
            }
            Step::Remove(path) => {
                fs::remove_file(path).map_err(failed)?;
                vec![path.clone()]
            }
            Step::Rename(from, to) => {
                fs::rename(from, to).map_err(failed)?;
                vec![from.clone(), to.clone()]
            }
        })
    }
}

/// One kind of edit for run `k`: the change that is timed, and the change that puts the site
/// back (not timed), so that every run edits the same site.
struct Edit {
    kind: &'static str,
    timed: Step,
    undo: Step,
}

/// The files the edits touch, and their texts before any edit.
struct Targets {
    /// An article that no page links to (deleting or renaming it is not a broken link), when
    /// there is one (`unlinked`; on a small corpus every article may be linked to).
    article: PathBuf,
    unlinked: bool,
    text: String,
    /// A tag that article does not have, and the file of one it has.
    other_tag: String,
    tag_file: PathBuf,
    tag_text: String,
    section_file: PathBuf,
    section_text: String,
    template: Option<(PathBuf, String)>,
    stylesheet: Option<(PathBuf, String)>,
    config: PathBuf,
    config_text: String,
}

impl Targets {
    fn find(root: &Path, n: usize) -> Result<Self, String> {
        let content = root.join("content");
        let read = |p: &Path| fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let mut linked = std::collections::HashSet::new();
        for i in 0..n {
            let text = read(&content.join(article_path(i)))?;
            for (at, _) in text.match_indices("](../") {
                let target = &text[at + 5..];
                let end = target.find([')', '#']).unwrap_or(target.len());
                linked.insert(target[..end].to_owned());
            }
        }
        let found = (n / 2..n)
            .chain(0..n / 2)
            .map(article_path)
            .find(|p| !linked.contains(p));
        let unlinked = found.is_some();
        let rel = found.unwrap_or_else(|| article_path(n / 2));
        let article = content.join(&rel);
        let text = read(&article)?;
        let tags = front_list(&text, "tags: [");
        let first = tags.first().ok_or("the article has no tags")?.to_owned();
        let other_tag = fs::read_dir(content.join("tags"))
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".md").map(str::to_owned))
            .filter(|t| t != "_index" && !tags.contains(t))
            .min()
            .ok_or("no tag is left to add")?;
        let tag_file = content.join("tags").join(format!("{first}.md"));
        let section_file = article.with_file_name("_index.md");
        let optional = |p: PathBuf| read(&p).ok().map(|t| (p, t));
        let config = root.join("site.yaml");
        Ok(Self {
            tag_text: read(&tag_file)?,
            tag_file,
            section_text: read(&section_file)?,
            section_file,
            template: optional(root.join("templates/page.html")),
            stylesheet: optional(root.join("static/style.css")),
            config_text: read(&config)?,
            config,
            article,
            unlinked,
            text,
            other_tag,
        })
    }

    /// Puts every file an edit touches back as it was before the bench (best effort: this runs
    /// after a failure).
    fn restore(&self) {
        for (path, text) in [
            (&self.article, &self.text),
            (&self.tag_file, &self.tag_text),
            (&self.section_file, &self.section_text),
            (&self.config, &self.config_text),
        ]
        .into_iter()
        .chain(
            self.template
                .iter()
                .chain(&self.stylesheet)
                .map(|(p, t)| (p, t)),
        ) {
            let _ = fs::write(path, text);
        }
        if let Some(folder) = self.article.parent() {
            for entry in fs::read_dir(folder).into_iter().flatten().flatten() {
                if entry.file_name().to_string_lossy().starts_with("bench-") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Every kind of edit, for run `k`.
    fn edits(&self, k: usize) -> Vec<Edit> {
        let article = |kind, text: String| Edit {
            kind,
            timed: Step::Write(self.article.clone(), text),
            undo: Step::Write(self.article.clone(), self.text.clone()),
        };
        let front = |line: String| self.text.replacen("---\n", &format!("---\n{line}\n"), 1);
        let field = |key: &str, with: &dyn Fn(&str) -> String| {
            let at = self
                .text
                .find(&format!("\n{key}: "))
                .map(|at| at + key.len() + 3);
            match at {
                Some(at) => {
                    let end = self.text[at..]
                        .find('\n')
                        .map_or(self.text.len(), |e| at + e);
                    format!(
                        "{}{}{}",
                        &self.text[..at],
                        with(&self.text[at..end]),
                        &self.text[end..]
                    )
                }
                None => self.text.clone(),
            }
        };
        let tags = front_list(&self.text, "tags: [");
        let with_tags = |tags: &[String]| field("tags", &|_| format!("[{}]", tags.join(", ")));
        let mut added = tags.clone();
        added.push(self.other_tag.clone());
        let moved = self.article.with_file_name(format!("bench-renamed-{k}.md"));
        let new = self.article.with_file_name(format!("bench-new-{k}.md"));
        let mut edits = vec![
            article(
                "body",
                format!("{}\nAn edited sentence number {k}.\n", self.text),
            ),
            article(
                "title",
                field("title", &|t| {
                    format!("\"Edited {k} {}", t.trim_start_matches('"'))
                }),
            ),
            article(
                "date",
                field("date", &|_| format!("2015-01-{:02}", 1 + k % 28)),
            ),
            article(
                "description",
                field("description", &|d| {
                    format!("\"Edited {k}. {}", d.trim_start_matches('"'))
                }),
            ),
            article("tag added", with_tags(&added)),
            article("tag removed", with_tags(&tags[1..])),
            article("slug", front(format!("slug: bench-slug-{k}"))),
            article("alias", front(format!("aliases: [\"/bench-alias-{k}/\"]"))),
            article("draft flag", front("draft: true".to_owned())),
            Edit {
                kind: "new article",
                timed: Step::Write(
                    new.clone(),
                    self.text
                        .replacen("title: \"", &format!("title: \"New {k} "), 1),
                ),
                undo: Step::Remove(new),
            },
            Edit {
                kind: "deleted article",
                timed: Step::Remove(self.article.clone()),
                undo: Step::Write(self.article.clone(), self.text.clone()),
            },
            Edit {
                kind: "renamed file",
                timed: Step::Rename(self.article.clone(), moved.clone()),
                undo: Step::Rename(moved, self.article.clone()),
            },
            Edit {
                kind: "tag intro",
                timed: Step::Write(
                    self.tag_file.clone(),
                    format!("{}\nAn edited sentence number {k}.\n", self.tag_text),
                ),
                undo: Step::Write(self.tag_file.clone(), self.tag_text.clone()),
            },
            Edit {
                kind: "section intro",
                timed: Step::Write(
                    self.section_file.clone(),
                    format!("{}\nAn edited sentence number {k}.\n", self.section_text),
                ),
                undo: Step::Write(self.section_file.clone(), self.section_text.clone()),
            },
        ];
        for (kind, file, note) in [
            (
                "template (page.html)",
                &self.template,
                format!("{{# edit {k} #}}\n"),
            ),
            ("stylesheet", &self.stylesheet, format!("/* edit {k} */\n")),
        ] {
            if let Some((path, text)) = file {
                edits.push(Edit {
                    kind,
                    timed: Step::Write(path.clone(), format!("{text}{note}")),
                    undo: Step::Write(path.clone(), text.clone()),
                });
            }
        }
        edits.push(Edit {
            kind: "site.yaml (description)",
            timed: Step::Write(
                self.config.clone(),
                self.config_text.replacen(
                    "description: ",
                    &format!("description: Edited {k}. "),
                    1,
                ),
            ),
            undo: Step::Write(self.config.clone(), self.config_text.clone()),
        });
        if !self.unlinked {
            // Every article is linked to: deleting or renaming one is a broken link.
            edits.retain(|e| !matches!(e.kind, "deleted article" | "renamed file"));
        }
        edits
    }
}

/// The items of a one-line YAML list in `text` that starts with `start` (`tags: [`).
fn front_list(text: &str, start: &str) -> Vec<String> {
    let Some(at) = text.find(start).map(|at| at + start.len()) else {
        return Vec::new();
    };
    let end = text[at..].find(']').map_or(at, |e| at + e);
    text[at..end]
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Every kind of edit an author makes, each through the `serve` engine in process (the
/// watcher's debounce left out): the edit is timed, then undone untimed, `runs` times (at
/// least 3). Every timed rebuild must succeed and render or write something.
fn serve_edits(
    root: &Path,
    variant: &str,
    n: usize,
    runs: usize,
    only: &[String],
) -> Result<Vec<Row>, String> {
    let wanted = |kind: &str| only.is_empty() || only.iter().any(|w| kind.contains(w.as_str()));
    if only.iter().any(|w| w == "none") {
        return Ok(Vec::new());
    }
    let targets = Targets::find(root, n)?;
    if !targets.unlinked {
        println!("every article of {n} is linked to: no deleted-article or renamed-file row");
    }
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
    // Each rebuild's time, how many pages it rendered, and whether it patched the model.
    let mut rebuild = |step: &Step, what: &str| -> Result<(Duration, usize, bool), String> {
        let paths = step.apply()?;
        let start = Instant::now();
        session.changed(&paths);
        let result = session.rebuild();
        let time = start.elapsed();
        match result {
            Ok(done) => Ok((time, done.rendered.len(), done.patched)),
            Err(errors) => Err(format!(
                "the {what} rebuild failed:\n{}",
                errors
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    };
    let kinds = targets.edits(0).len();
    let mut times: Vec<Vec<(Duration, usize, bool)>> = vec![Vec::new(); kinds];
    let mut measure = || -> Result<(), String> {
        for k in 0..runs.max(3) {
            for (e, edit) in targets.edits(k).into_iter().enumerate() {
                if !wanted(edit.kind) {
                    continue;
                }
                times[e].push(rebuild(&edit.timed, edit.kind)?);
                rebuild(&edit.undo, &format!("{} (undone)", edit.kind))?;
            }
        }
        Ok(())
    };
    if let Err(why) = measure() {
        // The corpus is kept for the next run: put back what the failed edit left.
        targets.restore();
        return Err(why);
    }
    Ok(targets
        .edits(0)
        .into_iter()
        .zip(times)
        .filter(|(edit, _)| wanted(edit.kind))
        .map(|(edit, runs)| {
            let pages = runs.iter().map(|r| r.1).max().unwrap_or(0);
            let way = if runs.iter().all(|r| r.2) {
                "patch"
            } else {
                "pipeline"
            };
            Row {
                what: format!(
                    "serve edit: {}, {n}, {variant} ({pages} pages, {way})",
                    edit.kind
                ),
                ours: runs.into_iter().map(|r| r.0).collect(),
                hugo: Vec::new(),
            }
        })
        .collect())
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
