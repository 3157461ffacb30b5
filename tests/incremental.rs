//! Incremental rebuilds (the engine behind `site serve`): after each kind of edit, exactly the
//! expected pages are re-rendered, and the result is byte-identical to a full build.

mod common;

use naltrexone_site::serve::{Files, Session};
use naltrexone_site::Built;
use naltrexone_site::Date;
use naltrexone_site::Options;
use std::fs;
use std::path::{Path, PathBuf};

fn options(root: &Path) -> Options {
    Options {
        root: root.to_path_buf(),
        drafts: true,
        base_url: None,
        offline: false,
        serve: true,
        today: Date::parse(common::TODAY).expect("date"),
    }
}

fn setup() -> (tempfile::TempDir, Session) {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/features"), tmp.path());
    let _ = fs::remove_dir_all(tmp.path().join("expected"));
    let mut session = Session::new(options(tmp.path()));
    session.rebuild().expect("first build");
    (tmp, session)
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) -> PathBuf {
    let path = root.join(rel);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} contains {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
    path
}

/// Which way a rebuild went: patching the last model (articles edited, site shape kept) or
/// assembling the whole site again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Patch,
    Assemble,
}

/// Checks that `files` are exactly a full build's outputs: the same paths, the same bytes.
fn assert_same_as(files: &Files, full: &Built, context: &str) {
    let ours: Vec<&str> = files.keys().map(|k| &**k).collect();
    let theirs: Vec<&str> = full.outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(ours, theirs, "{context}: same files as a full build");
    for output in &full.outputs {
        assert!(
            files
                .get(output.path.as_str())
                .is_some_and(|b| **b == output.bytes),
            "{context}: {} differs from a full build",
            output.path
        );
    }
}

/// Rebuilds after `path` changed, which must fail, and checks that the errors of `rule` are
/// the ones a full build reports, at the same files, lines and columns.
fn fails_as_a_full_build_does(session: &mut Session, root: &Path, path: &Path, rule: &str) {
    session.changed(&[path.to_path_buf()]);
    let served = session.rebuild().expect_err("the edit fails");
    let full = naltrexone_site::build(&options(root)).expect_err("a full build fails");
    type At = (String, Option<usize>, Option<usize>);
    let found = |errors: &[naltrexone_site::Diagnostic]| -> Vec<At> {
        errors
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| (d.file.clone(), d.line, d.column))
            .collect()
    };
    assert!(!found(&full).is_empty(), "{rule}: {full:?}");
    assert_eq!(found(&served), found(&full), "{rule}");
}

/// Rebuilds after `paths` changed; checks that it went `way` and that the result is the same
/// as a full build's; returns what was re-rendered.
fn rebuild(session: &mut Session, root: &Path, paths: &[PathBuf], way: Way) -> Vec<String> {
    session.changed(paths);
    let rebuild = session
        .rebuild()
        .unwrap_or_else(|d| panic!("rebuild failed: {d:?}"));
    let went = if rebuild.patched {
        Way::Patch
    } else {
        Way::Assemble
    };
    assert_eq!(went, way, "the way the rebuild went");
    let full = naltrexone_site::build(&options(root)).expect("full build");
    assert_same_as(&rebuild.files, &full, "rebuild");
    rebuild.rendered
}

#[test]
fn a_body_edit_re_renders_only_that_page() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "Back to",
        "Yes. Back to",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Patch),
        ["guide/other/index.html"]
    );
}

#[test]
fn an_unchanged_save_re_renders_nothing() {
    let (tmp, mut session) = setup();
    let path = edit(tmp.path(), "content/guide/other.md", "Back", "Back");
    assert!(rebuild(&mut session, tmp.path(), &[path], Way::Patch).is_empty());
}

#[test]
fn a_title_edit_re_renders_every_list_that_shows_it() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "title: The other guide",
        "title: The renamed guide",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert_eq!(
        rendered,
        [
            "guide/everything/index.html",  // related list
            "guide/index.html",             // section list
            "guide/other/index.html",       // the page
            "index.html",                   // home: recent and section lists
            "news/draft/index.html",        // related list (drafts are served)
            "news/first/index.html",        // related list
            "news/second/index.html",       // related list
            "tags/alpha/page/2/index.html", // its tag's second page
            "tags/beta/index.html",         // its other tag
        ]
    );
}

#[test]
fn a_tag_change_moves_the_page_between_tag_pages() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "tags: [alpha, beta]",
        "tags: [beta, rare]",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Assemble);
    for expected in [
        "guide/other/index.html",
        "tags/alpha/index.html",
        "tags/rare/index.html",
        "tags/index.html",
    ] {
        assert!(
            rendered.iter().any(|r| r == expected),
            "{expected} in {rendered:?}"
        );
    }
}

/// A tag edit that leaves every tag with as many list pages as before patches the model: the
/// article leaves one tag's list and joins another's where the newest-first order puts it,
/// and the tag index shows the new counts. One that adds or takes away a tag's list page
/// assembles the site.
#[test]
fn a_tag_edit_that_keeps_every_tag_s_list_pages_patches() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    // `beta` keeps one list page with one article less, `rare` one with one more.
    let path = edit(
        root,
        "content/news/first.md",
        "tags: [beta, alpha]",
        "tags: [rare, alpha]",
    );
    let rendered = rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    for expected in [
        "news/first/index.html",
        "tags/beta/index.html",
        "tags/rare/index.html",
        "tags/index.html",
    ] {
        assert!(
            rendered.iter().any(|r| r == expected),
            "{expected} in {rendered:?}"
        );
    }
    // With a date that moves it to the top of every list it is in, at once.
    let text = fs::read_to_string(&path).expect("read");
    let moved = set_key(
        &set_key(&text, "tags", "[beta, alpha]"),
        "date",
        "2026-05-01",
    );
    fs::write(&path, moved).expect("write");
    let rendered = rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    assert!(rendered.iter().any(|r| r == "index.html"), "{rendered:?}");
    // Out of `alpha`, whose five articles (the draft served) fill three list pages: two
    // pages' worth is left, so its third page goes and the route table changes.
    let text = fs::read_to_string(&path).expect("read");
    fs::write(&path, set_key(&text, "tags", "[beta]")).expect("write");
    rebuild(
        &mut session,
        root,
        std::slice::from_ref(&path),
        Way::Assemble,
    );
    // And back into it: the third page comes again.
    fs::write(&path, set_key(&text, "tags", "[beta, alpha]")).expect("write");
    rebuild(&mut session, root, &[path], Way::Assemble);
}

/// A tag edit that names an undeclared tag, or a tag twice, fails as a full build does, and
/// the edit that mends it builds again.
#[test]
fn an_undeclared_or_repeated_tag_fails_as_a_full_build_does() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let path = root.join("content/news/first.md");
    let text = fs::read_to_string(&path).expect("read");
    for (tags, rule) in [
        ("[beta, rarely]", "undeclared-tag"),
        ("[beta, rare, beta]", "tags"),
    ] {
        fs::write(&path, set_key(&text, "tags", tags)).expect("write");
        fails_as_a_full_build_does(&mut session, root, &path, rule);
        // A failed run leaves nothing to patch: the mend assembles.
        fs::write(&path, &text).expect("write");
        rebuild(
            &mut session,
            root,
            std::slice::from_ref(&path),
            Way::Assemble,
        );
    }
}

#[test]
fn adding_and_removing_an_article_updates_links_and_lists() {
    let (tmp, mut session) = setup();
    let new = tmp.path().join("content/news/third.md");
    fs::write(&new, "---\ntitle: Third news item\ndescription: A third news item added while serving, to test that a new file appears.\ndate: 2026-05-15\nreviewed: 2026-05-15\ntags: [rare]\nreferences:\n  - title: x\n    url: https://example.org/x\n---\nLinks to [the other guide](../guide/other.md).\n").expect("write");
    let rendered = rebuild(
        &mut session,
        tmp.path(),
        std::slice::from_ref(&new),
        Way::Assemble,
    );
    assert!(rendered.iter().any(|r| r == "news/third/index.html"));
    assert!(rendered.iter().any(|r| r == "tags/rare/index.html"));
    fs::remove_file(&new).expect("remove");
    let rendered = rebuild(&mut session, tmp.path(), &[new], Way::Assemble);
    assert!(!rendered.iter().any(|r| r == "news/third/index.html"));
}

/// A body is reused while its links resolve as they did: a new page mends a link to it in a
/// body that did not change, and deleting the page breaks that link again.
#[test]
fn a_new_page_mends_a_link_in_a_body_that_did_not_change() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let linking = edit(
        root,
        "content/guide/other.md",
        "Back to [everything](everything.md).",
        "Back to [everything](everything.md). Then [later](later.md).",
    );
    session.changed(std::slice::from_ref(&linking));
    let errors = session.rebuild().expect_err("a broken link");
    assert!(errors.iter().any(|d| d.rule == "broken-link"), "{errors:?}");
    let later = root.join("content/guide/later.md");
    fs::write(&later, "---\ntitle: Later\ndescription: A page that a link pointed at before it was written.\ndate: 2026-03-01\nreviewed: 2026-03-01\nreferences:\n  - title: x\n    url: https://example.org/x\n---\nWritten at last.\n").expect("write");
    let rendered = rebuild(
        &mut session,
        root,
        std::slice::from_ref(&later),
        Way::Assemble,
    );
    assert!(
        rendered.contains(&"guide/other/index.html".to_owned()),
        "{rendered:?}"
    );
    fs::remove_file(&later).expect("remove");
    session.changed(&[later]);
    let errors = session.rebuild().expect_err("the link is broken again");
    assert!(
        errors
            .iter()
            .any(|d| d.rule == "broken-link" && d.file.ends_with("guide/other.md")),
        "{errors:?}"
    );
}

#[test]
fn a_template_edit_re_renders_what_uses_it() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "templates/tags.html",
        "<h1>Tags</h1>",
        "<h1>All tags</h1>",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble),
        ["tags/index.html"]
    );
    let path = edit(
        tmp.path(),
        "templates/partials/card.html",
        " min",
        " minutes",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Assemble);
    assert!(
        rendered.iter().any(|r| r == "index.html")
            && rendered.iter().any(|r| r == "guide/everything/index.html")
    );
    assert!(
        !rendered
            .iter()
            .any(|r| r == "404.html" || r == "tags/index.html"),
        "{rendered:?}"
    );
}

#[test]
fn config_and_stylesheet_edits_re_render_everything() {
    let (tmp, mut session) = setup();
    let path = edit(tmp.path(), "static/css/style.css", "system-ui", "serif");
    let all = rebuild(&mut session, tmp.path(), &[path], Way::Assemble).len();
    assert!(all >= 15, "{all}");
    let path = edit(
        tmp.path(),
        "site.yaml",
        "title: Feature Test Site",
        "title: Renamed Site",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble).len(),
        all
    );
}

#[test]
fn a_bad_edit_fails_and_the_fix_recovers() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "title: The other guide",
        "titel: The other guide",
    );
    session.changed(std::slice::from_ref(&path));
    let errors = session.rebuild().expect_err("bad front matter");
    assert!(
        errors
            .iter()
            .any(|d| d.file == "content/guide/other.md" && d.line == Some(2)),
        "{errors:?}"
    );
    edit(
        tmp.path(),
        "content/guide/other.md",
        "titel: The other guide",
        "title: The other guide",
    );
    assert!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble).is_empty(),
        "back to the last good state"
    );
}

#[test]
fn a_body_edit_that_changes_the_reading_time_re_renders_every_list_that_shows_it() {
    let (tmp, mut session) = setup();
    let words = "More words for a longer read. ".repeat(60);
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "Back to",
        &format!("{words}\n\nBack to"),
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert_eq!(
        rendered,
        [
            "guide/everything/index.html",
            "guide/index.html",
            "guide/other/index.html",
            "index.html",
            "news/draft/index.html",
            "news/first/index.html",
            "news/second/index.html",
            "tags/alpha/page/2/index.html",
            "tags/beta/index.html",
        ]
    );
}

#[test]
fn a_heading_edit_recomputes_related_lists() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "Back to",
        "## Tables and footnotes and alerts\n\nBack to",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert!(rendered.iter().any(|r| r == "guide/other/index.html"));
}

#[test]
fn several_body_edits_at_once_are_patched_together() {
    let (tmp, mut session) = setup();
    let one = edit(
        tmp.path(),
        "content/guide/other.md",
        "Back to",
        "So, back to",
    );
    let two = edit(
        tmp.path(),
        "content/news/second.md",
        "\n---\n",
        "\n---\nNew first line.\n\n",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[one, two], Way::Patch);
    assert_eq!(
        rendered,
        ["guide/other/index.html", "news/second/index.html"]
    );
}

#[test]
fn a_body_edit_that_breaks_a_link_fails_and_the_fix_recovers() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "(everything.md)",
        "(everythin.md)",
    );
    session.changed(std::slice::from_ref(&path));
    let errors = session.rebuild().expect_err("broken link");
    assert!(
        errors
            .iter()
            .any(|d| d.file == "content/guide/other.md" && d.line == Some(11)),
        "{errors:?}"
    );
    // Another page's edit meanwhile is patched in, and the broken link is still reported.
    let other = edit(
        tmp.path(),
        "content/news/second.md",
        "\n---\n",
        "\n---\nMeanwhile.\n\n",
    );
    session.changed(std::slice::from_ref(&other));
    assert!(session.rebuild().is_err(), "still broken");
    edit(
        tmp.path(),
        "content/guide/other.md",
        "(everythin.md)",
        "(everything.md)",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Patch),
        ["news/second/index.html"]
    );
}

#[test]
fn removing_an_anchor_another_page_links_to_fails_and_the_fix_recovers() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/news/first.md",
        "## Why {#why}",
        "## Why not",
    );
    session.changed(std::slice::from_ref(&path));
    let errors = session.rebuild().expect_err("broken anchor");
    assert!(
        errors
            .iter()
            .any(|d| d.file == "content/guide/everything.md" && d.rule == "broken-anchor"),
        "{errors:?}"
    );
    edit(
        tmp.path(),
        "content/news/first.md",
        "## Why not",
        "## Why {#why}",
    );
    assert!(rebuild(&mut session, tmp.path(), &[path], Way::Patch).is_empty());
}

/// The anchor check of an assembly keeps each body's last answer while neither the body nor
/// the bodies it links to changed: a broken anchor found by an assembly is still reported by
/// the next one that changes no body, and the fix is seen.
#[test]
fn an_assembly_checks_again_the_anchors_of_changed_bodies_and_keeps_the_rest() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    // A new tag makes this an assembly, not a patch; the heading's anchor goes.
    let target = root.join("content/news/first.md");
    let text = fs::read_to_string(&target).expect("read");
    let without =
        set_key(&text, "tags", "[beta, alpha, rare]").replace("## Why {#why}", "## Why not");
    fs::write(&target, &without).expect("write");
    fails_as_a_full_build_does(&mut session, root, &target, "broken-anchor");
    // An assembly that changes no body: the answer kept is still the right one.
    let other = root.join("content/news/second.md");
    let second = fs::read_to_string(&other).expect("read");
    fs::write(&other, set_key(&second, "tags", "[alpha, beta]")).expect("write");
    fails_as_a_full_build_does(&mut session, root, &other, "broken-anchor");
    // The anchor comes back in another assembly: the linking body is checked again.
    fs::write(&target, set_key(&text, "tags", "[beta]")).expect("write");
    rebuild(&mut session, root, &[target], Way::Assemble);
}

/// An assembly makes only the search files that changed and keeps the rest from the last
/// good build; a run that fails after the index moved on (a template error, with the search
/// files made) leaves the next run to make every search file again.
#[test]
fn search_files_after_a_failed_run_are_made_again() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    // A new title changes the page's search entry; the broken template fails the run after
    // the index was brought up to date.
    let article = edit(
        root,
        "content/news/first.md",
        "title: First news item",
        "title: Renamed item",
    );
    let template = edit(
        root,
        "templates/page.html",
        "<h1>{{ page.title }}</h1>",
        "<h1>{{ page.titel }}</h1>",
    );
    session.changed(&[article.clone(), template.clone()]);
    session.rebuild().expect_err("template error");
    edit(
        root,
        "templates/page.html",
        "<h1>{{ page.titel }}</h1>",
        "<h1>{{ page.title }}</h1>",
    );
    rebuild(&mut session, root, &[template], Way::Assemble);
    // A search file of the index as it now stands: the renamed page's document.
    assert!(built_file_says(root, "search-index/d/", "Renamed item"));
}

/// Whether a full build has a file under `folder` whose text contains `text`.
fn built_file_says(root: &Path, folder: &str, text: &str) -> bool {
    let full = naltrexone_site::build(&options(root)).expect("full build");
    full.outputs
        .iter()
        .any(|o| o.path.starts_with(folder) && String::from_utf8_lossy(&o.bytes).contains(text))
}

/// An assembly takes the last newest-first order only while no page moved in it: a slug and
/// a date changed at once (an assembly, not a patch) reorder the lists.
#[test]
fn an_assembly_that_moves_a_page_in_time_orders_the_lists_again() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let path = root.join("content/news/first.md");
    let text = fs::read_to_string(&path).expect("read");
    let moved = set_key(&set_key(&text, "slug", "moved"), "date", "2026-05-01");
    fs::write(&path, moved).expect("write");
    let rendered = rebuild(
        &mut session,
        root,
        std::slice::from_ref(&path),
        Way::Assemble,
    );
    assert!(rendered.iter().any(|r| r == "index.html"), "{rendered:?}");
    // And back, with the order it had.
    fs::write(&path, set_key(&text, "tags", "[beta, alpha]")).expect("write");
    rebuild(&mut session, root, &[path], Way::Assemble);
}

/// Search documents are numbered newest first, then by URL, not by title: a title edit that
/// moves an article among the articles of its date in the site's lists moves no search
/// document, so the other documents' files stay as they were.
#[test]
fn a_title_edit_among_articles_of_one_date_moves_no_search_document() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let path = edit(
        root,
        "content/news/first.md",
        "date: 2026-03-01",
        "date: 2026-04-01",
    );
    rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    let before = search_documents(&session.rebuild().expect("unchanged rebuild").files);
    // "First news item" came before "Second news item"; "Zebra news item" comes after it.
    edit(
        root,
        "content/news/first.md",
        "title: First",
        "title: Zebra",
    );
    let files = rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    assert!(
        files.contains(&"news/second/index.html".to_owned()),
        "{files:?}"
    );
    let after = search_documents(&session.rebuild().expect("unchanged rebuild").files);
    let changed: Vec<&String> = after
        .iter()
        .filter(|(name, text)| before.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        changed.len(),
        1,
        "only the edited article's document: {changed:?}"
    );
    assert!(after[changed[0]].contains("Zebra news item"));
}

/// The documents' files of the search index, by name.
fn search_documents(files: &Files) -> std::collections::BTreeMap<String, String> {
    files
        .iter()
        .filter(|(path, _)| path.starts_with("search-index/d/"))
        .map(|(path, bytes)| {
            (
                path.to_string(),
                String::from_utf8_lossy(bytes).into_owned(),
            )
        })
        .collect()
}

/// A tag's new title is a search key of every page with the tag: an assembly makes their
/// search entries again though the pages themselves did not change.
#[test]
fn a_tag_title_edit_makes_the_search_entries_of_its_pages_again() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let path = edit(
        root,
        "content/tags/alpha.md",
        "title: Tag alpha",
        "title: Zymurgy",
    );
    rebuild(&mut session, root, &[path], Way::Assemble);
    assert!(built_file_says(root, "search-index/w/", "zymurg"));
}

/// An edit below an intro's front matter (a section's, the home page's, a tag's) patches the
/// model: the intro's own page and the lists that show it are rendered again, no article.
#[test]
fn an_intro_edit_patches_and_re_renders_the_pages_that_show_it() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    for (file, from, to, shows) in [
        (
            "content/guide/_index.md",
            "The guide section.",
            "The guide section, edited.",
            "guide/index.html",
        ),
        (
            "content/tags/alpha.md",
            "Intro for",
            "The intro for",
            "tags/alpha/index.html",
        ),
        (
            "content/_index.md",
            "Welcome.",
            "Welcome back.",
            "index.html",
        ),
    ] {
        let path = edit(root, file, from, to);
        let rendered = rebuild(&mut session, root, &[path], Way::Patch);
        assert!(rendered.iter().any(|r| r == shows), "{file}: {rendered:?}");
        let article = |r: &&String| r.starts_with("guide/") && r != &"guide/index.html";
        assert!(
            !rendered.iter().any(|r| article(&r)),
            "{file}: {rendered:?}"
        );
        assert!(
            built_file_says(root, shows, to),
            "{file}: {shows} says {to:?}"
        );
    }
    // A second edit to the same intro patches what the first left.
    let path = edit(root, "content/tags/alpha.md", "The intro for", "Intro for");
    rebuild(&mut session, root, &[path], Way::Patch);
}

/// An intro's title, description, weight and slug are in lists and URLs across the site: an
/// edit to its front matter assembles the site again.
#[test]
fn an_intro_s_front_matter_edit_assembles_again() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let path = edit(
        root,
        "content/guide/_index.md",
        "title: Guide",
        "title: Guides",
    );
    rebuild(&mut session, root, &[path], Way::Assemble);
    // A blank line at the top of an intro's body leaves its front matter as it was: a patch.
    let path = edit(root, "content/tags/alpha.md", "Intro for", "\nIntro for");
    rebuild(&mut session, root, &[path], Way::Patch);
}

/// An intro's links are checked as an article's are: a broken link or a lost anchor fails the
/// patch with the lines a full build reports, and the fix patches again.
#[test]
fn an_intro_edit_that_breaks_a_link_or_an_anchor_fails_and_the_fix_recovers() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    // A link from an intro to a page that does not exist.
    let path = edit(root, "content/tags/alpha.md", "_index.md)", "missing.md)");
    fails_as_a_full_build_does(&mut session, root, &path, "broken-link");
    edit(root, "content/tags/alpha.md", "missing.md)", "_index.md)");
    rebuild(&mut session, root, &[path], Way::Patch);
    // A link from an intro to an anchor an article does not have.
    let path = edit(root, "content/_index.md", "#tables)", "#tablez)");
    fails_as_a_full_build_does(&mut session, root, &path, "broken-anchor");
    edit(root, "content/_index.md", "#tablez)", "#tables)");
    rebuild(&mut session, root, &[path], Way::Patch);
    // An anchor in an intro that an article links to, then taken away.
    let intro = edit(
        root,
        "content/guide/_index.md",
        "The guide section.",
        "The guide section.\n\n## Start here {#start}\n\nFirst steps.",
    );
    rebuild(&mut session, root, std::slice::from_ref(&intro), Way::Patch);
    let linking = edit(
        root,
        "content/guide/other.md",
        "Back to",
        "Start at [the guide](_index.md#start). Back to",
    );
    rebuild(&mut session, root, &[linking], Way::Patch);
    edit(
        root,
        "content/guide/_index.md",
        "## Start here {#start}",
        "## Start here",
    );
    fails_as_a_full_build_does(&mut session, root, &intro, "broken-anchor");
    edit(
        root,
        "content/guide/_index.md",
        "## Start here",
        "## Start here {#start}",
    );
    rebuild(&mut session, root, &[intro], Way::Patch);
}

/// A body kept from the last build (its text did not change) after the front matter above it
/// grew by a line: its links' lines are counted again, so a later error in it names the line
/// a full build names.
#[test]
fn a_kept_body_below_a_longer_front_matter_reports_its_own_lines() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let linking = root.join("content/guide/everything.md");
    let text = fs::read_to_string(&linking).expect("read");
    fs::write(&linking, set_key(&text, "weight", "2")).expect("write");
    session.changed(std::slice::from_ref(&linking));
    session.rebuild().expect("a new front matter line builds");
    let target = edit(root, "content/news/first.md", "## Why {#why}", "## Why not");
    fails_as_a_full_build_does(&mut session, root, &target, "broken-anchor");
}

#[test]
fn after_a_failed_assembly_the_next_edit_assembles_and_then_patches_again() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "date: 2026-02-01",
        "date: 2026-02-31",
    );
    session.changed(std::slice::from_ref(&path));
    assert!(session.rebuild().is_err(), "no 31 February");
    edit(
        tmp.path(),
        "content/guide/other.md",
        "date: 2026-02-31",
        "date: 2026-02-01",
    );
    edit(
        tmp.path(),
        "content/guide/other.md",
        "Back to",
        "Then back to",
    );
    let rendered = rebuild(
        &mut session,
        tmp.path(),
        std::slice::from_ref(&path),
        Way::Assemble,
    );
    assert_eq!(rendered, ["guide/other/index.html"]);
    edit(
        tmp.path(),
        "content/guide/other.md",
        "Then back to",
        "Back to",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert_eq!(rendered, ["guide/other/index.html"]);
}

/// Front-matter edits that keep the site's shape (URL, tags) are patched, even when they move
/// the article in a list or give it an alias; the others assemble the site again. Each is
/// checked against a full build.
#[test]
fn front_matter_edits_patch_when_the_shape_stays() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let other = "content/guide/other.md";
    let cases: &[(&str, &str, Way)] = &[
        // Stays between the 1 March and 15 January articles.
        ("date: 2026-02-01", "date: 2026-02-10", Way::Patch),
        (
            "description: A second guide",
            "description: Another guide",
            Way::Patch,
        ),
        // The guide lists it after the other article now.
        (
            "date: 2026-02-10",
            "date: 2026-02-10\nweight: 5",
            Way::Patch,
        ),
        (
            "reviewed: 2026-02-01",
            "reviewed: 2026-02-01\nupdated: 2026-07-01",
            Way::Patch,
        ),
        // A second reference: the body's reference anchors are made again.
        (
            "references:\n",
            "references:\n  - title: \"Another source\"\n    url: https://example.org/more\n",
            Way::Patch,
        ),
        // Moves above the 1 March article: the site's, the section's and the tags' orders
        // change, and no index does.
        ("date: 2026-02-10", "date: 2026-03-15", Way::Patch),
        (
            "title: The other guide",
            "title: A guide that sorts first",
            Way::Patch,
        ),
        ("weight: 5\n", "aliases: [/older/other/]\n", Way::Patch),
        ("tags: [alpha, beta]", "tags: [beta]", Way::Assemble),
    ];
    for (from, to, way) in cases {
        let path = edit(root, other, from, to);
        let rendered = rebuild(&mut session, root, &[path], *way);
        assert!(!rendered.is_empty(), "{to}: re-renders something");
    }
}

/// An alias added, moved or taken away patches the model: its redirect page is made, moved or
/// removed, and every other page stays as it was. A full build has the same files each time.
#[test]
fn an_alias_edit_patches_and_makes_or_removes_its_redirect() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let other = "content/guide/other.md";
    let redirect = |session: &mut Session, path: &str| {
        let files = session.rebuild().expect("unchanged rebuild").files;
        files
            .get(path)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let path = edit(
        root,
        other,
        "tags: [alpha",
        "aliases: [/older/other/]\ntags: [alpha",
    );
    rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    let made = redirect(&mut session, "older/other/index.html").expect("the redirect is made");
    assert!(made.contains("The other guide"), "{made}");
    edit(
        root,
        other,
        "[/older/other/]",
        "[/old/guide.html, /older/again/]",
    );
    rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    assert!(redirect(&mut session, "older/other/index.html").is_none());
    assert!(redirect(&mut session, "old/guide.html").is_some());
    assert!(redirect(&mut session, "older/again/index.html").is_some());
    edit(
        root,
        other,
        "aliases: [/old/guide.html, /older/again/]\n",
        "",
    );
    rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    assert!(redirect(&mut session, "old/guide.html").is_none());
}

/// With drafts served, a draft is a page like any other but for its note: making an article a
/// draft, or publishing it, patches the model while it has no translation (a draft is never
/// another language's version of a page, so a translated one's versions change).
#[test]
fn a_draft_flag_edit_patches_while_the_article_has_no_translation() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let second = "content/news/second.md";
    let path = edit(root, second, "title: Second", "draft: true\ntitle: Second");
    let rendered = rebuild(&mut session, root, std::slice::from_ref(&path), Way::Patch);
    assert!(
        rendered.iter().any(|r| r == "news/second/index.html"),
        "{rendered:?}"
    );
    edit(root, second, "draft: true\n", "");
    rebuild(&mut session, root, &[path], Way::Patch);
    let (tmp, mut session) = setup_bilingual();
    let root = tmp.path();
    let path = edit(
        root,
        "content/guide/start.md",
        "---\n",
        "---\ndraft: true\n",
    );
    rebuild(&mut session, root, &[path], Way::Assemble);
    // Without drafts served, a new draft leaves the site: the site is assembled again.
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    common::copy_dir(&common::fixtures().join("sites/features"), root);
    let _ = fs::remove_dir_all(root.join("expected"));
    let published = Options {
        drafts: false,
        ..options(root)
    };
    let mut session = Session::new(published.clone());
    session.rebuild().expect("first build");
    let path = edit(root, second, "title: Second", "draft: true\ntitle: Second");
    session.changed(std::slice::from_ref(&path));
    let rebuilt = session.rebuild().expect("the draft leaves the site");
    assert!(!rebuilt.patched);
    assert!(!rebuilt.files.contains_key("news/second/index.html"));
    let full = naltrexone_site::build(&published).expect("full build");
    assert_same_as(&rebuilt.files, &full, "without drafts");
}

/// A bad alias, or one that is another page's address, fails as a full build fails, and the
/// fix builds again.
#[test]
fn a_bad_or_clashing_alias_fails_as_a_full_build_does() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let other = "content/guide/other.md";
    for (alias, rule) in [("/guide/everything/", "duplicate-url"), ("older", "alias")] {
        let path = edit(
            root,
            other,
            "tags: [alpha",
            &format!("aliases: [{alias}]\ntags: [alpha"),
        );
        fails_as_a_full_build_does(&mut session, root, &path, rule);
        edit(root, other, &format!("aliases: [{alias}]\n"), "");
        rebuild(&mut session, root, &[path], Way::Assemble);
    }
}

#[test]
fn a_weight_edit_re_renders_the_section_and_home_not_the_page() {
    let (tmp, mut session) = setup();
    let path = edit(
        tmp.path(),
        "content/guide/other.md",
        "date: 2026-02-01",
        "date: 2026-02-01\nweight: 5",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Patch),
        ["guide/index.html", "index.html"]
    );
}

#[test]
fn a_heading_that_moves_a_keyword_reorders_another_page_s_related_list() {
    let (tmp, mut session) = setup();
    // "pagination" was only in the first news item's description; now in two pages' terms, it
    // is a keyword they share, and that item's related list puts this page higher. This page's
    // card is unchanged.
    let path = edit(
        tmp.path(),
        "content/guide/everything.md",
        "## Tables {#tables}",
        "## Pagination\n\n## Tables {#tables}",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert!(
        rendered.iter().any(|r| r == "news/first/index.html"),
        "{rendered:?}"
    );
}

/// Replaces the front-matter line that starts with `key:` (or adds it after `date:`).
fn set_key(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}:");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l == "---")
        .map_or(lines.len(), |i| i + 1);
    match lines[..end].iter().position(|l| l.starts_with(&prefix)) {
        Some(i) => lines[i] = format!("{key}: {value}"),
        None => {
            let at = lines
                .iter()
                .position(|l| l.starts_with("date:"))
                .unwrap_or(0);
            lines.insert(at + 1, format!("{key}: {value}"));
        }
    }
    lines.join("\n") + "\n"
}

/// Long runs of random edits of every kind, each rebuild checked against a full build: the same
/// files with the same bytes, or a failure when the full build fails too.
#[test]
fn random_edit_sequences_match_full_builds() {
    const WORDS: &[&str] = &[
        "naltrexone",
        "pagination",
        "tables",
        "craving",
        "liver",
        "guide",
        "news",
        "first",
        "alpha",
        "recovery",
        "label",
        "injection",
    ];
    const FILES: &[&str] = &[
        "content/guide/other.md",
        "content/guide/everything.md",
        "content/news/first.md",
        "content/news/second.md",
        // Intros: an edit to their front matter (a key they do not have) fails or assembles.
        "content/guide/_index.md",
        "content/tags/alpha.md",
    ];
    let (tmp, mut session) = setup();
    let root = tmp.path();
    let mut rng = naltrexone_site::corpus::Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut next = move |below: usize| rng.below(below);
    let (mut patched, mut assembled, mut failed) = (0, 0, 0);
    for step in 0..120 {
        let file = FILES[next(FILES.len())];
        let path = root.join(file);
        let text = fs::read_to_string(&path).expect("read");
        let words = |n: usize, next: &mut dyn FnMut(usize) -> usize| {
            (0..n)
                .map(|_| WORDS[next(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let edited = match next(9) {
            0 => format!("{text}\nAnother sentence, step {step}.\n"),
            1 => set_key(&text, "title", &format!("The {}", words(2, &mut next))),
            2 => set_key(
                &text,
                "description",
                &format!("About {} for this test.", words(4, &mut next)),
            ),
            3 => set_key(
                &text,
                "date",
                &format!("2026-0{}-{:02}", 1 + next(6), 1 + next(28)),
            ),
            4 => format!("{text}\n## {}\n\nText.\n", words(1, &mut next)),
            5 => set_key(&text, "weight", &next(4).to_string()),
            6 => {
                let tags = ["alpha", "beta", "rare"];
                let chosen: Vec<&str> = tags.iter().copied().filter(|_| next(2) == 0).collect();
                set_key(&text, "tags", &format!("[{}]", chosen.join(", ")))
            }
            7 => {
                // A link to an anchor that may or may not exist.
                let anchor = ["why", "tables", "nowhere"][next(3)];
                let target = if file.starts_with("content/news/") {
                    "first.md"
                } else {
                    "../news/first.md"
                };
                format!("{text}\nSee [this]({target}#{anchor}).\n")
            }
            _ => set_key(&text, "updated", &format!("2026-07-{:02}", 1 + next(28))),
        };
        fs::write(&path, edited).expect("write");
        session.changed(std::slice::from_ref(&path));
        let incremental = session.rebuild();
        match naltrexone_site::build(&options(root)) {
            Err(_) => {
                assert!(incremental.is_err(), "step {step}: the full build fails");
                failed += 1;
                // Undo the breaking edit so the run goes on from a good site.
                fs::write(&path, text).expect("write");
                session.changed(std::slice::from_ref(&path));
                session.rebuild().expect("undone");
            }
            Ok(full) => {
                let rebuild =
                    incremental.unwrap_or_else(|d| panic!("step {step}: rebuild failed: {d:?}"));
                if rebuild.patched {
                    patched += 1;
                } else {
                    assembled += 1;
                }
                assert_same_as(&rebuild.files, &full, &format!("step {step}"));
            }
        }
    }
    // Every way was taken, many times.
    assert!(
        patched > 30 && assembled > 10 && failed > 3,
        "{patched} patched, {assembled} assembled, {failed} failed"
    );
}

/// Sources are kept in path order as strings (`news-archive/` before `news/`), the order the
/// incremental rebuild looks files up in; a folder walk gives another order.
#[test]
fn edits_beside_folders_with_longer_similar_names_are_found() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    common::copy_dir(&common::fixtures().join("sites/features"), root);
    let _ = fs::remove_dir_all(root.join("expected"));
    for (folder, weight) in [("news-archive", 3), ("news-2025", 4), ("guide-old", 5)] {
        fs::create_dir_all(root.join("content").join(folder)).expect("mkdir");
        fs::write(
            root.join("content").join(folder).join("_index.md"),
            format!("---\ntitle: Section {folder}\ndescription: Older items, kept for the record and linked from the newer sections.\nweight: {weight}\n---\nOlder items.\n"),
        )
        .expect("write");
    }
    let mut session = Session::new(options(root));
    session.rebuild().expect("first build");
    for (file, from, to) in [
        ("content/news/first.md", "Because.", "Because, still."),
        ("content/news/second.md", "Plain news", "Plainer news"),
        ("content/guide/other.md", "Back to", "Go back to"),
    ] {
        let path = edit(root, file, from, to);
        let rendered = rebuild(&mut session, root, &[path], Way::Patch);
        assert_eq!(rendered.len(), 1, "{file}: {rendered:?}");
    }
}

#[test]
fn listing_a_page_or_changing_its_template_assembles_again() {
    let (tmp, mut session) = setup();
    // An edit to an unlisted page's text patches it and touches no list.
    let path = edit(
        tmp.path(),
        "content/colophon.md",
        "This page is in no list",
        "This page is still in no list",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Patch),
        ["colophon/index.html"]
    );
    // Putting it in the lists changes the site's shape.
    let path = edit(tmp.path(), "content/colophon.md", "listed: false\n", "");
    let rendered = rebuild(
        &mut session,
        tmp.path(),
        std::slice::from_ref(&path),
        Way::Assemble,
    );
    assert!(rendered.contains(&"index.html".to_owned()), "{rendered:?}");
    // Another template for the same page.
    edit(
        tmp.path(),
        "content/colophon.md",
        "template: plain.html\n",
        "",
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Assemble);
    assert!(
        rendered.contains(&"colophon/index.html".to_owned()),
        "{rendered:?}"
    );
}

#[test]
fn when_cards_show_summaries_a_first_paragraph_edit_re_renders_the_lists() {
    let (tmp, mut session) = setup();
    let card = edit(
        tmp.path(),
        "templates/partials/card.html",
        "</a> <time",
        "</a> {{ card.summary | safe }} <time",
    );
    rebuild(&mut session, tmp.path(), &[card], Way::Assemble);
    let text = fs::read_to_string(tmp.path().join("content/news/first.md")).expect("read");
    let body = text.splitn(3, "---\n").nth(2).expect("a body").trim_start();
    let first_word = body.split_whitespace().next().expect("a word").to_owned();
    let path = edit(
        tmp.path(),
        "content/news/first.md",
        &format!("\n{first_word}"),
        &format!("\nNewly {first_word}"),
    );
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Patch);
    assert!(
        rendered.contains(&"news/index.html".to_owned()),
        "the section list shows the new summary: {rendered:?}"
    );
}

/// A session over the `shortcodes` fixture (data files read by a shortcode and by the base
/// template).
fn setup_shortcodes() -> (tempfile::TempDir, Session) {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/shortcodes"), tmp.path());
    let _ = fs::remove_dir_all(tmp.path().join("expected"));
    let mut session = Session::new(options(tmp.path()));
    session.rebuild().expect("first build");
    (tmp, session)
}

#[test]
fn a_data_edit_re_renders_the_pages_whose_shortcodes_read_it() {
    let (tmp, mut session) = setup_shortcodes();
    let path = edit(
        tmp.path(),
        "data/sheet.yaml",
        "Once a month",
        "Every 4 weeks",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble),
        ["care/article/index.html"]
    );
    // A reference the sheet cites changes the page's list and numbers too.
    let path = edit(
        tmp.path(),
        "data/sheet.yaml",
        "pmid: 12345678",
        "pmid: 87654321",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble),
        ["care/article/index.html"]
    );
}

#[test]
fn a_data_edit_a_page_template_reads_re_renders_every_page() {
    let (tmp, mut session) = setup_shortcodes();
    let path = edit(tmp.path(), "data/site.json", "Plain words", "Short words");
    let rendered = rebuild(&mut session, tmp.path(), &[path], Way::Assemble);
    for page in [
        "care/article/index.html",
        "care/other/index.html",
        "index.html",
    ] {
        assert!(rendered.iter().any(|r| r == page), "{page} in {rendered:?}");
    }
}

#[test]
fn a_shortcode_template_edit_re_renders_the_pages_that_call_it() {
    let (tmp, mut session) = setup_shortcodes();
    let path = edit(
        tmp.path(),
        "templates/shortcodes/note.html",
        "<aside class",
        "<aside data-edited class",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Assemble),
        ["care/article/index.html"]
    );
    // A body edit that adds a shortcode call is patched with the shortcodes working.
    let path = edit(
        tmp.path(),
        "content/care/other.md",
        "Back to",
        "{{ link(to=\"/care/article/\", text=\"The article\") }}. Back to",
    );
    assert_eq!(
        rebuild(&mut session, tmp.path(), &[path], Way::Patch),
        ["care/other/index.html"]
    );
}

fn setup_bilingual() -> (tempfile::TempDir, Session) {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_dir(&common::fixtures().join("sites/bilingual"), tmp.path());
    let _ = fs::remove_dir_all(tmp.path().join("expected"));
    let _ = fs::remove_dir_all(tmp.path().join("expected-subpath"));
    let mut session = Session::new(options(tmp.path()));
    session.rebuild().expect("first build");
    (tmp, session)
}

#[test]
fn a_translation_s_body_edit_patches_and_re_renders_only_it() {
    let (tmp, mut session) = setup_bilingual();
    let root = tmp.path();
    let path = edit(
        root,
        "content/guide/start.es.md",
        "No se salte",
        "Nunca se salte",
    );
    let rendered = rebuild(&mut session, root, &[path], Way::Patch);
    assert_eq!(rendered, vec!["es/guias/empezar/index.html".to_owned()]);
}

#[test]
fn edits_to_an_original_or_its_translation_re_render_both_languages_that_show_them() {
    let (tmp, mut session) = setup_bilingual();
    let root = tmp.path();
    // A new slug moves the Spanish page: the English page's hreflang and switcher follow.
    let path = edit(
        root,
        "content/guide/start.es.md",
        "slug: empezar",
        "slug: comenzar",
    );
    let rendered = rebuild(&mut session, root, &[path], Way::Assemble);
    for page in ["guide/start/index.html", "es/guias/comenzar/index.html"] {
        assert!(
            rendered.contains(&page.to_owned()),
            "{page} in {rendered:?}"
        );
    }
    // A translated section's slug moves every Spanish page in it.
    let path = edit(
        root,
        "content/guide/_index.es.md",
        "slug: guias",
        "slug: manuales",
    );
    let rendered = rebuild(&mut session, root, &[path], Way::Assemble);
    assert!(
        rendered.contains(&"es/manuales/comenzar/index.html".to_owned()),
        "{rendered:?}"
    );
    assert!(
        rendered.contains(&"guide/index.html".to_owned()),
        "{rendered:?}"
    );
    // The draft translation is published: the English page gains its alternate.
    let path = edit(root, "content/guide/later.es.md", "draft: true\n", "");
    rebuild(&mut session, root, &[path], Way::Assemble);
    // The translation goes away: the English page loses it, the Spanish link falls back.
    let gone = root.join("content/guide/start.es.md");
    fs::remove_file(&gone).expect("remove");
    let path = edit(root, "content/_index.es.md", "la primera guía", "la guía");
    rebuild(&mut session, root, &[gone, path], Way::Assemble);
    // A Spanish interface string changes every Spanish page, no English one.
    let path = edit(root, "i18n/es.yaml", "Publicado el", "Publicado:");
    let rendered = rebuild(&mut session, root, &[path], Way::Assemble);
    assert!(
        rendered.iter().any(|p| p.starts_with("es/")),
        "{rendered:?}"
    );
    assert!(
        !rendered.iter().any(|p| p.starts_with("guide/")),
        "{rendered:?}"
    );
}

/// A body edit re-makes the feed only when the article is one the feed shows (the newest
/// three here: `feed_limit: 3`), and the alias pages only of the article edited; each rebuild
/// is checked against a full build, on both sides of the feed's cutoff.
#[test]
fn a_body_edit_changes_the_feed_only_when_the_feed_shows_the_article() {
    let (tmp, mut session) = setup();
    let root = tmp.path();
    // Newest first by last update: everything (1 June), the draft (1 May), second (1 April),
    // then first (1 March, just past the cutoff), other, and the unlisted colophon.
    let articles = [
        ("content/guide/everything.md", true),
        ("content/news/draft.md", true),
        ("content/news/second.md", true),
        ("content/news/first.md", false),
        ("content/guide/other.md", false),
        ("content/colophon.md", false),
    ];
    for (step, (file, in_feed)) in articles.into_iter().enumerate() {
        let path = root.join(file);
        let text = fs::read_to_string(&path).expect("read");
        let sentence = format!("Edited in step {step}.");
        fs::write(&path, format!("{text}\n{sentence}\n")).expect("write");
        rebuild(&mut session, root, &[path], Way::Patch);
        assert_eq!(
            built_file_says(root, "atom.xml", &sentence),
            in_feed,
            "{file}: in the feed"
        );
    }
}

/// Article files renamed (the pages between a file's old and new place in source-path order
/// move by one), added and deleted in a generated site like the bench's (varied words, 40
/// tags, links between articles): every rebuild is exactly a full build, related lists
/// included.
#[test]
fn renamed_added_and_deleted_article_files_match_full_builds() {
    use naltrexone_site::corpus::{article_path, generate_kind, Kind};
    // Seventy articles a folder: a rename to the front or the end of one moves more pages
    // than an update of the related lists takes as edits.
    const ARTICLES: usize = 700;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    generate_kind(root, ARTICLES, Kind::Realistic).expect("generate");
    let mut session = Session::new(options(root));
    session.rebuild().expect("first build");
    let path = |rel: &str| root.join("content").join(rel);
    // Articles no page links to: renaming or deleting one breaks no link.
    let texts: Vec<String> = (0..ARTICLES)
        .map(|i| fs::read_to_string(path(&article_path(i))).expect("read"))
        .collect();
    let unlinked: Vec<String> = (0..ARTICLES)
        .map(article_path)
        .filter(|rel| {
            let file = rel.rsplit('/').next().unwrap_or(rel);
            !texts
                .iter()
                .any(|t| t.contains(&format!("/{file}")) || t.contains(&format!("({file}")))
        })
        .collect();
    assert!(unlinked.len() >= 2, "{unlinked:?}");
    let moves = |rel: &str| {
        let first = rel.replace("article-", "a-");
        let last = rel.replace("article-", "z-");
        [
            (rel.to_owned(), first.clone()),
            (first, last.clone()),
            (last, rel.to_owned()),
        ]
    };
    // Renamed to the front of its folder, then to the end, then back.
    for (from, to) in moves(&unlinked[0]) {
        fs::rename(path(&from), path(&to)).expect("rename");
        rebuild(&mut session, root, &[path(&from), path(&to)], Way::Assemble);
    }
    // Renamed and retitled at once.
    let [(from, to), ..] = moves(&unlinked[1]);
    let text = fs::read_to_string(path(&from)).expect("read");
    fs::remove_file(path(&from)).expect("remove");
    fs::write(path(&to), text.replacen("title: ", "title: Renamed ", 1)).expect("write");
    rebuild(&mut session, root, &[path(&from), path(&to)], Way::Assemble);
    // A copy added under a new name, then the original and the copy deleted.
    let copy = unlinked[0].replace("article-", "copy-");
    let text = fs::read_to_string(path(&unlinked[0])).expect("read");
    fs::write(path(&copy), text.replacen("title: ", "title: Copy of ", 1)).expect("write");
    rebuild(&mut session, root, &[path(&copy)], Way::Assemble);
    for gone in [&unlinked[0], &copy] {
        fs::remove_file(path(gone)).expect("remove");
        rebuild(&mut session, root, &[path(gone)], Way::Assemble);
    }
}
