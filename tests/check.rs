//! `site check`: one fixture per content rule (each breaks the valid site in `tests/bad/_base/`
//! one way and must be reported with its rule id at the right file and line), the translation
//! rules and Spanish readability (on that site with a Spanish edition, `tests/translated/`),
//! the output formats, `--strict`, `--report`, six defects injected into the bundled naltrexone
//! site, and `site new`.

mod common;

use common::{copy_dir, site, text};
use std::fs;
use std::path::Path;

fn base() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&common::fixtures().join("bad/_base"), tmp.path());
    tmp
}

fn replace(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} contains {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

#[derive(Debug, serde::Deserialize)]
struct Finding {
    file: String,
    line: Option<usize>,
    severity: String,
    rule: String,
    message: String,
}

fn check_json(root: &Path, extra: &[&str]) -> (Option<i32>, Vec<Finding>) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let out = site(root, &args);
    let findings = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json: {e}\n{}", text(&out.stdout)));
    (out.status.code(), findings)
}

const ARTICLE: &str = "content/care/article.md";

/// (rule, file to edit, text, replacement, severity, file reported, line reported)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
);

/// One `#[test]` per case, named after it (`cargo test --test check -- rule::review_stale`).
macro_rules! rules {
    ($($name:ident: $case:expr,)*) => {
        mod rule {
            use super::*;
            $(#[test] fn $name() { reports_at_the_right_place($case) })*
        }
    };
}

rules! {
    description_length: ("description-length", ARTICLE, "description: A valid article that the bad-input cases break in one way at a time, for tests.", "description: Too short.", "error", ARTICLE, 3),
    title_length: ("title-length", ARTICLE, "title: A valid article", "title: Short", "warning", ARTICLE, 2),
    duplicate_title: ("duplicate-title", "content/care/other.md", "title: Another valid article", "title: A valid article", "warning", ARTICLE, 2),
    review_missing: ("review-missing", ARTICLE, "reviewed: 2026-06-01\n", "", "error", ARTICLE, 1),
    review_stale_warning: ("review-stale", ARTICLE, "reviewed: 2026-06-01", "reviewed: 2025-06-01", "warning", ARTICLE, 5),
    review_stale_error: ("review-stale", ARTICLE, "reviewed: 2026-06-01", "reviewed: 2023-06-01", "error", ARTICLE, 5),
    review_future: ("review-future", ARTICLE, "reviewed: 2026-06-01", "reviewed: 2027-01-01", "error", ARTICLE, 5),
    references_missing: ("references-missing", ARTICLE, "references:\n  - title: \"A label\"\n    url: https://example.org/label\n", "", "error", ARTICLE, 1),
    reference_source_http: ("reference-source", ARTICLE, "url: https://example.org/label", "url: http://example.org/label", "error", ARTICLE, 7),
    reference_source_missing: ("reference-source", ARTICLE, "    url: https://example.org/label\n", "", "error", ARTICLE, 7),
    reference_duplicate: ("reference-duplicate", ARTICLE, "    url: https://example.org/label\n", "    url: https://example.org/label\n  - title: \"Again\"\n    url: https://example.org/label\n", "warning", ARTICLE, 7),
    image_alt: ("image-alt", ARTICLE, "An intro paragraph.", "An intro paragraph.\n\n![](/style.css)", "error", ARTICLE, 13),
    empty_link: ("empty-link", ARTICLE, "An intro paragraph.", "An intro [](other.md) paragraph.", "error", ARTICLE, 11),
    heading_level_skipped: ("heading-level", ARTICLE, "## Dosing {#dosing}", "#### Dosing {#dosing}", "warning", ARTICLE, 13),
    heading_level_h1_in_body: ("heading-level", ARTICLE, "## Dosing {#dosing}", "# Dosing {#dosing}", "warning", ARTICLE, 13),
    readability: ("readability", ARTICLE, "An intro paragraph.", "Pharmacological antagonism of endogenous opioidergic neurotransmission attenuates the reinforcing properties of ethanol consumption in individuals with moderate-to-severe alcohol use disorder, notwithstanding considerable interindividual heterogeneity.", "warning", ARTICLE, 2),
    orphan: ("orphan", "content/care/lonely.md", "", "", "warning", "content/care/lonely.md", 1),
    unused_tag: ("unused-tag", "content/care/other.md", "tags: [care]", "tags: [care, unused]", "warning", "content/tags/unused.md", 1),
    date_future: ("date-future", ARTICLE, "date: 2026-01-15", "date: 2027-01-15", "warning", ARTICLE, 4),
    broken_link: ("broken-link", ARTICLE, "[the other article](other.md)", "[the other article](othr.md)", "error", ARTICLE, 15),
    broken_anchor: ("broken-anchor", "content/care/other.md", "article.md#dosing", "article.md#dose", "error", "content/care/other.md", 11),
    undeclared_tag: ("undeclared-tag", ARTICLE, "tags: [care]", "tags: [care, nope]", "error", ARTICLE, 6),
    raw_root_link: ("raw-root-link", ARTICLE, "An intro paragraph.", "An intro <a href=\"/care/\">paragraph</a>.", "warning", ARTICLE, 11),
    raw_root_link_under_a_base_path: ("raw-root-link", ARTICLE, "An intro paragraph.", "An intro <img src='/style.css' alt=\"a\"> paragraph.", "error", ARTICLE, 11),
    front_matter: ("front-matter", ARTICLE, "title: A valid article", "titel: A valid article", "error", ARTICLE, 2),
}

#[test]
fn the_base_site_passes() {
    let tmp = base();
    let (code, findings) = check_json(tmp.path(), &["--strict"]);
    assert_eq!(code, Some(0), "{findings:?}");
    assert!(findings.is_empty());
}

/// Breaks the base site as `case` says; `site check` must report the rule at its place.
fn reports_at_the_right_place(case: Case) {
    let (rule, file, from, to, severity, at, line) = case;
    let tmp = base();
    if rule == "orphan" {
        fs::write(tmp.path().join(file), "---\ntitle: A lonely article\ndescription: An article that nothing links to and that has no tags, so check warns.\ndate: 2026-01-15\nreviewed: 2026-06-01\nreferences:\n  - title: x\n    url: https://example.org/x\n---\nAlone.\n").expect("write");
    } else {
        replace(tmp.path(), file, from, to);
    }
    if rule == "raw-root-link" && severity == "error" {
        // Under a base path the raw link is broken, not just fragile.
        replace(
            tmp.path(),
            "site.yaml",
            "base_url: https://bad.example.org",
            "base_url: https://bad.example.org/sub/",
        );
    }
    if rule == "unused-tag" {
        fs::write(tmp.path().join("content/tags/unused.md"), "---\ntitle: Unused tag\ndescription: A tag that no article uses after the next edit, to test the warning.\n---\nIntro.\n").expect("write");
        replace(tmp.path(), file, "tags: [care, unused]", "tags: [care]");
    }
    let (code, findings) = check_json(tmp.path(), &[]);
    let found = findings
        .iter()
        .any(|f| f.rule == rule && f.file == at && f.line == Some(line) && f.severity == severity);
    let want_code = if severity == "error" { 1 } else { 0 };
    assert!(
        found && code == Some(want_code),
        "{rule} ({severity}) at {at}:{line}: exit {code:?}, want {want_code}; findings {findings:#?}"
    );
}

#[test]
fn strict_fails_on_warnings_and_formats_differ() {
    let tmp = base();
    replace(
        tmp.path(),
        ARTICLE,
        "title: A valid article",
        "title: Short",
    );
    assert_eq!(check_json(tmp.path(), &[]).0, Some(0));
    assert_eq!(check_json(tmp.path(), &["--strict"]).0, Some(1));
    let github = site(tmp.path(), &["check", "--format", "github"]);
    assert_eq!(text(&github.stdout).trim(), format!("::warning file={ARTICLE},line=2,col=1,title=title-length::`title` is 5 characters; 10 to 70 reads best in results and tabs"));
    let plain = site(tmp.path(), &["check"]);
    assert!(
        text(&plain.stdout)
            .starts_with(&format!("{ARTICLE}:2:1: warning: `title` is 5 characters")),
        "{}",
        text(&plain.stdout)
    );
    assert!(text(&plain.stderr).contains("check: 0 errors, 1 warning"));
}

#[test]
fn the_report_lists_every_article() {
    let tmp = base();
    let out = site(tmp.path(), &["check", "--report"]);
    let report = text(&out.stderr);
    assert!(
        report.contains("content/care/article.md") && report.contains("content/care/other.md"),
        "{report}"
    );
    assert!(
        report.contains("184 days"),
        "review age from the fixed day: {report}"
    );
    assert!(report.contains("2 articles, median grade"));
}

const TRANSLATION: &str = "content/care/article.es.md";

/// The base site with a Spanish edition: its home page, section, tag and first article
/// translated (`tests/translated/`, laid over `tests/bad/_base/`); the second article is not.
fn translated() -> tempfile::TempDir {
    let tmp = base();
    copy_dir(&common::fixtures().join("translated"), tmp.path());
    tmp
}

fn findings_of<'a>(findings: &'a [Finding], rule: &str, file: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule == rule && f.file == file)
        .collect()
}

#[test]
fn the_translated_base_site_passes() {
    let tmp = translated();
    let (code, findings) = check_json(tmp.path(), &["--strict"]);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert!(findings.is_empty());
}

#[test]
fn translation_stale_names_both_dates_and_fails_strict() {
    let tmp = translated();
    replace(
        tmp.path(),
        ARTICLE,
        "reviewed: 2026-06-01",
        "reviewed: 2026-11-01",
    );
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(0), "a warning: {findings:#?}");
    let found = findings_of(&findings, "translation-stale", TRANSLATION);
    assert_eq!(found.len(), 1, "{findings:#?}");
    let f = found[0];
    assert_eq!(
        (f.severity.as_str(), f.line),
        ("warning", Some(4)),
        "at the translation's `date`"
    );
    assert!(
        f.message
            .contains("`content/care/article.md` was reviewed on 2026-11-01")
            && f.message.contains("`date` 2026-06-10"),
        "{}",
        f.message
    );
    assert_eq!(check_json(tmp.path(), &["--strict"]).0, Some(1));

    // Re-checked: an `updated` after the original's review clears it.
    replace(
        tmp.path(),
        TRANSLATION,
        "reviewed: 2026-06-01",
        "reviewed: 2026-06-01\nupdated: 2026-11-02",
    );
    let (_, findings) = check_json(tmp.path(), &["--strict"]);
    assert!(findings.is_empty(), "{findings:#?}");
    // The original's `updated` counts as much as its `reviewed`.
    replace(
        tmp.path(),
        ARTICLE,
        "reviewed: 2026-11-01",
        "reviewed: 2026-11-01\nupdated: 2026-11-20",
    );
    let (_, findings) = check_json(tmp.path(), &[]);
    let found = findings_of(&findings, "translation-stale", TRANSLATION);
    assert_eq!(found.len(), 1, "{findings:#?}");
    assert_eq!(found[0].line, Some(6), "at the translation's `updated`");
    assert!(
        found[0].message.contains("was updated on 2026-11-20")
            && found[0].message.contains("`updated` 2026-11-02"),
        "{}",
        found[0].message
    );
}

#[test]
fn translation_orphan_only_when_no_file_of_the_original_is_there() {
    let tmp = translated();
    let article = "content/care/gone.es.md";
    let section = "content/gone/_index.es.md";
    let tag = "content/tags/nope.es.md";
    fs::write(tmp.path().join(article), "---\ntitle: Un artículo huérfano\ndescription: Un artículo traducido cuyo original no existe, para que la prueba avise.\ndate: 2026-06-10\nreviewed: 2026-06-10\ntags: [care]\nreferences:\n  - title: x\n    url: https://example.org/x\n---\nSolo.\n").expect("write");
    fs::create_dir(tmp.path().join("content/gone")).expect("mkdir");
    fs::write(tmp.path().join(section), "---\ntitle: Otra sección\ndescription: Una sección traducida cuya sección original no existe, para la prueba.\n---\nNada.\n").expect("write");
    fs::write(tmp.path().join(tag), "---\ntitle: Tema huérfano\ndescription: Un tema traducido cuyo original no existe, para que la prueba avise aquí.\n---\nNada.\n").expect("write");
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(1));
    for (file, original) in [
        (article, "content/care/gone.md"),
        (section, "content/gone/_index.md"),
        (tag, "content/tags/nope.md"),
    ] {
        let found = findings_of(&findings, "translation-orphan", file);
        assert!(
            found.len() == 1
                && found[0].severity == "error"
                && found[0].line == Some(1)
                && found[0]
                    .message
                    .contains(&format!("`{original}`, which does not exist")),
            "{file}: {findings:#?}"
        );
    }
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.rule == "translation-orphan")
            .count(),
        3
    );

    // An original that is a draft, or that fails to parse, is still there.
    let tmp = translated();
    replace(
        tmp.path(),
        ARTICLE,
        "date: 2026-01-15",
        "date: 2026-01-15\ndraft: true",
    );
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(0), "{findings:#?}");
    replace(
        tmp.path(),
        ARTICLE,
        "title: A valid article",
        "titel: A valid article",
    );
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(1));
    assert!(
        findings.iter().any(|f| f.rule == "front-matter")
            && findings.iter().all(|f| f.rule != "translation-orphan"),
        "{findings:#?}"
    );
}

#[test]
fn translation_numbers_lists_what_is_missing_and_what_is_extra() {
    let tmp = translated();
    // Link targets and citation markers hold numbers too; they are not compared.
    replace(
        tmp.path(),
        ARTICLE,
        "An intro paragraph.",
        "Take 0.5 mg, up to 23,000 people, for 7 days, as [the label](../care/other.md) says [1](#ref-1).",
    );
    replace(
        tmp.path(),
        TRANSLATION,
        "Un párrafo de inicio.",
        "Tome 0,5 mg, hasta 23000 personas.",
    );
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(0), "a warning: {findings:#?}");
    let found = findings_of(&findings, "translation-numbers", TRANSLATION);
    assert_eq!(found.len(), 1, "{findings:#?}");
    let f = found[0];
    assert_eq!((f.severity.as_str(), f.line), ("warning", Some(11)));
    assert_eq!(
        f.message,
        "the numbers differ from the original `content/care/article.md`: missing `0.5` (original line 11), `7` (original line 11); extra `0` (line 11), `5` (line 11)"
    );

    // The same numbers in another order, thousands written without a separator: none.
    replace(
        tmp.path(),
        TRANSLATION,
        "Tome 0,5 mg, hasta 23000 personas.",
        "Durante 7 días, tome 0.5 mg. Lo hacen hasta 23000 personas.",
    );
    let (_, findings) = check_json(tmp.path(), &["--strict"]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn spanish_pages_are_scored_on_the_inflesz_scale_and_english_ones_graded() {
    let tmp = translated();
    // 17 words, 58 syllables, one sentence: -22.7 (see `readability`'s tests).
    replace(
        tmp.path(),
        TRANSLATION,
        "Un párrafo de inicio.",
        "La farmacocinética de la naltrexona intramuscular de liberación prolongada presenta concentraciones plasmáticas sostenidas durante aproximadamente treinta días.",
    );
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(0));
    let found = findings_of(&findings, "readability", TRANSLATION);
    assert_eq!(found.len(), 1, "{findings:#?}");
    assert_eq!(
        (found[0].severity.as_str(), found[0].line),
        ("warning", Some(2))
    );
    assert!(
        found[0].message.contains("Szigriszt-Pazos index is")
            && found[0]
                .message
                .contains("muy difícil on the INFLESZ scale")
            && found[0].message.contains("55 or above"),
        "{}",
        found[0].message
    );

    // Each language by its own formula and its own limit only.
    let tmp = translated();
    replace(
        tmp.path(),
        "site.yaml",
        "title: Bad Input Base",
        "title: Bad Input Base\nmax_reading_grade: 1\nmin_inflesz: 100",
    );
    let (_, findings) = check_json(tmp.path(), &[]);
    let readability: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f.rule == "readability")
        .map(|f| (f.file.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(readability.len(), 3, "{readability:#?}");
    for (file, message) in readability {
        let spanish = file == TRANSLATION;
        assert_eq!(
            message.contains("Flesch-Kincaid"),
            !spanish,
            "{file}: {message}"
        );
        assert_eq!(message.contains("INFLESZ"), spanish, "{file}: {message}");
    }
}

#[test]
fn the_report_shows_untranslated_articles_and_links() {
    let tmp = translated();
    let out = site(tmp.path(), &["check", "--report"]);
    let report = text(&out.stderr);
    let row = |file: &str| {
        report
            .lines()
            .find(|l| l.starts_with(&format!("{file} ")))
            .unwrap_or_else(|| panic!("a row for {file}: {report}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    // file, lang, grade, inflesz, words, min, review age (2 words), untranslated
    assert_eq!(row("content/care/other.md")[1], "en");
    assert_eq!(row("content/care/other.md").last(), Some(&"es"), "{report}");
    assert_eq!(row(ARTICLE).last(), Some(&"-"), "translated: {report}");
    let spanish = row(TRANSLATION);
    assert_eq!((spanish[1], spanish[2]), ("es", "-"), "no grade: {report}");
    assert!(
        spanish[3].parse::<f64>().is_ok_and(|s| s > 55.0),
        "{report}"
    );
    assert!(
        report.contains("1 of 2 originals untranslated")
            && report.contains(&format!(
                "{TRANSLATION}:15:26: `content/care/other.md` has no `es` version"
            )),
        "{report}"
    );
}

#[test]
fn check_writes_nothing() {
    let tmp = base();
    let out = site(tmp.path(), &["check"]);
    assert!(out.status.success());
    assert!(!tmp.path().join("public").exists());
}

/// The bundled site, copied, with six different defects: each is reported where it is.
#[test]
fn the_bundled_site_passes_and_six_injected_defects_are_found() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    for part in ["content", "templates", "data", "static", "i18n"] {
        copy_dir(&repo.join(part), &tmp.path().join(part));
    }
    fs::copy(repo.join("site.yaml"), tmp.path().join("site.yaml")).expect("site.yaml");
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(0), "the bundled site has errors: {findings:#?}");
    assert!(findings.iter().all(|f| f.severity == "warning"));
    // Its Spanish edition is current, says the numbers of the English and reads at INFLESZ 55
    // or more (issue 16).
    let translation = |f: &&Finding| {
        f.rule.starts_with("translation-")
            || (f.rule == "readability" && f.file.ends_with(".es.md"))
    };
    let found: Vec<&Finding> = findings.iter().filter(translation).collect();
    assert!(found.is_empty(), "{found:#?}");

    let vivitrol = "content/treatment/vivitrol.md";
    let liver = "content/living/liver.md";
    let faq = "content/living/faq.md";
    let drinking = "content/alcohol/drinking-on-naltrexone.md";
    let side_effects = "content/living/side-effects.md";
    let home = "content/_index.md";
    let line_of = |rel: &str, prefix: &str| {
        fs::read_to_string(tmp.path().join(rel))
            .expect("read")
            .lines()
            .position(|l| l.starts_with(prefix))
            .expect("line")
            + 1
    };
    // 1. review too old (error at the `reviewed` line)
    let reviewed = line_of(vivitrol, "reviewed:");
    replace(
        tmp.path(),
        vivitrol,
        "reviewed: 2026-11-27",
        "reviewed: 2020-01-01",
    );
    // 2. a reference with an insecure URL
    let references = line_of(liver, "references:");
    replace(tmp.path(), liver, "url: https://", "url: http://");
    // 3. a broken link
    let body = fs::read_to_string(tmp.path().join(faq)).expect("read");
    let link_line = body
        .lines()
        .position(|l| l.contains("](../"))
        .expect("a link")
        + 1;
    let target = body
        .lines()
        .nth(link_line - 1)
        .and_then(|l| l.split("](../").nth(1))
        .and_then(|r| r.split(')').next())
        .expect("target")
        .to_owned();
    replace(
        tmp.path(),
        faq,
        &format!("](../{target})"),
        "](../living/no-such-article.md)",
    );
    // 4. a description that is too short
    let description = line_of(drinking, "description:");
    let old = fs::read_to_string(tmp.path().join(drinking))
        .expect("read")
        .lines()
        .nth(description - 1)
        .expect("line")
        .to_owned();
    replace(tmp.path(), drinking, &old, "description: Too short.");
    // 5. an undeclared tag
    let tags = line_of(side_effects, "tags:");
    let old = fs::read_to_string(tmp.path().join(side_effects))
        .expect("read")
        .lines()
        .nth(tags - 1)
        .expect("line")
        .to_owned();
    replace(
        tmp.path(),
        side_effects,
        &old,
        &old.replace('[', "[side-efects, "),
    );
    // 6. an unknown front-matter key
    replace(tmp.path(), home, "title:", "titel:");

    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(1));
    let expect = [
        ("review-stale", vivitrol, reviewed),
        ("reference-source", liver, references),
        ("broken-link", faq, link_line),
        ("description-length", drinking, description),
        ("undeclared-tag", side_effects, tags),
        ("front-matter", home, 2),
    ];
    for (rule, file, line) in expect {
        assert!(
            findings.iter().any(|f| f.rule == rule
                && f.file == file
                && f.line == Some(line)
                && f.severity == "error"),
            "{rule} at {file}:{line} in {findings:#?}"
        );
    }
    assert!(
        findings.iter().all(|f| !f.message.is_empty()),
        "every finding says what is wrong"
    );
}

#[test]
fn new_article_scaffolds_and_refuses_to_overwrite() {
    let tmp = base();
    let out = site(
        tmp.path(),
        &[
            "new",
            "article",
            "Is it \"safe\"? A question",
            "--section",
            "care",
            "--tags",
            "care",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = tmp.path().join("content/care/is-it-safe-a-question.md");
    let written = fs::read_to_string(&path).expect("created");
    assert!(
        written.starts_with("---\ntitle: \"Is it \\\"safe\\\"? A question\"\n"),
        "{written}"
    );
    assert!(
        written.contains(&format!("date: {}", common::TODAY))
            && written.contains("references: []")
            && written.contains("draft: true")
    );
    // The scaffold is a draft: build skips it, check flags what is left to fill in.
    assert!(site(tmp.path(), &["build"]).status.success());
    let (code, findings) = check_json(tmp.path(), &[]);
    assert_eq!(code, Some(1));
    assert!(findings
        .iter()
        .any(|f| f.rule == "description-length" && f.file.ends_with("is-it-safe-a-question.md")));
    let again = site(
        tmp.path(),
        &[
            "new",
            "article",
            "Is it \"safe\"? A question",
            "--section",
            "care",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already exists; not overwriting it"));
    assert_eq!(fs::read_to_string(&path).expect("kept"), written);
}

#[test]
fn new_rejects_unknown_sections_and_tags_with_the_known_ones() {
    let tmp = base();
    let out = site(
        tmp.path(),
        &["new", "article", "Some title here", "--section", "car"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown section `car`")
            && text(&out.stderr).contains("did you mean `care`?"),
        "{}",
        text(&out.stderr)
    );
    let out = site(
        tmp.path(),
        &[
            "new",
            "article",
            "Some title here",
            "--section",
            "care",
            "--tags",
            "liver",
        ],
    );
    assert!(
        text(&out.stderr).contains("unknown tag `liver`")
            && text(&out.stderr).contains("known tags: `care`"),
        "{}",
        text(&out.stderr)
    );
    let out = site(tmp.path(), &["new", "tag", "liver"]);
    assert!(out.status.success());
    assert!(tmp.path().join("content/tags/liver.md").exists());
    let out = site(tmp.path(), &["new", "tag", "Bad Name"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn init_writes_a_starter_site_that_builds_and_passes_strict_check() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("my-site");
    let made = site(tmp.path(), &["init", dir.to_str().expect("utf-8 path")]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let built = site(&dir, &["build"]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let page = fs::read_to_string(dir.join("public/notes/first-note/index.html")).expect("page");
    assert!(page.contains("<h1>My first note</h1>"));
    assert!(
        !page.contains("naltrexone") && !page.contains("988"),
        "nothing of the health site comes along"
    );
    let (code, findings) = check_json(&dir, &["--strict"]);
    assert_eq!(code, Some(0), "{findings:#?}");
    // A second init into the same folder refuses and changes nothing.
    let again = site(tmp.path(), &["init", dir.to_str().expect("utf-8 path")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("is not empty"),
        "{}",
        text(&again.stderr)
    );
}
