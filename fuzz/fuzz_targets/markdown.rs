//! Markdown: any body rendered with a link table of a few pages and static files, as if it sat
//! after a front matter of a few lines; then its diagnostics displayed and its anchors checked.

#![no_main]

use libfuzzer_sys::fuzz_target;
use naltrexone_site::internals::links::{self, LinkTable};
use naltrexone_site::internals::markdown::{self, Location};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let mut table = LinkTable::default();
    for (source, url) in [
        ("_index.md", "/"),
        ("care/_index.md", "/care/"),
        ("care/x.md", "/care/x/"),
        ("care/other.md", "/care/other/"),
        ("treatment/vivitrol.md", "/treatment/vivitrol/"),
        ("tags/care.md", "/tags/care/"),
    ] {
        table.pages.insert(source.into(), url.into());
    }
    table.files.extend([
        "style.css".into(),
        "images/pill.png".into(),
        "atom.xml".into(),
    ]);
    table.unavailable.insert("care/broken.md".into());
    let front = "---\ntitle: x\n---\n";
    let text = format!("{front}{body}");
    let at = Location {
        file: "content/care/x.md",
        rel: "care/x.md",
        text: &text,
        body_offset: front.len(),
        references: &[],
        url: "/care/x/",
    };
    let rendered = markdown::render(body, &at, &table);
    for d in &rendered.diagnostics {
        let _ = d.to_string();
    }
    let empty = Default::default();
    let mut anchors = links::Anchors::default();
    anchors.insert("care/x.md", &rendered.anchors);
    anchors.insert("care/other.md", &empty);
    for d in links::check_anchors(rendered.anchor_refs.iter().collect(), &anchors) {
        let _ = d.to_string();
    }
    let _ = markdown::slugify(body);
});
