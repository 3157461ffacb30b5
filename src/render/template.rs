//! Loading the templates into Tera, and turning Tera's errors into diagnostics at the
//! template's line and column (Tera 2 reports some only as text, which is parsed here). Also
//! which templates use which, for deciding what a template edit re-renders.

use crate::diagnostic::Diagnostic;
use crate::route::Job;
use crate::source::Source;
use rayon::prelude::*;
use std::collections::BTreeMap;
use tera::{ErrorKind, Tera};

/// Templates every site must have.
pub const REQUIRED: &[&str] = &[
    "index.html",
    "section.html",
    "page.html",
    "tag.html",
    "tags.html",
    "404.html",
];

/// Loads every template under `templates/`; syntax errors are reported for all files at once.
pub fn load(templates: &[Source]) -> Result<Tera, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = templates
        .par_iter()
        .filter_map(|t| {
            let mut alone = Tera::default();
            super::register_url(&mut alone, crate::route::Urls::default(), String::new());
            super::register_t(&mut alone, crate::lang::Strings::default());
            crate::shortcode::register(&mut alone);
            match alone.add_raw_template(&t.rel, &t.text) {
                Err(e) if matches!(e.kind(), ErrorKind::SyntaxError(_)) => {
                    Some(diagnostic(&e, templates, None))
                }
                _ => None,
            }
        })
        .collect();
    for name in REQUIRED {
        if !templates.iter().any(|t| t.rel == *name) {
            errors.push(
                Diagnostic::error(format!("templates/{name}"), "template", format!("the template `{name}` is missing"))
                    .help("every site needs index.html, section.html, page.html, tag.html, tags.html and 404.html in `templates/`"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tera = Tera::default();
    // Tera checks function names when it loads a template; the site's own rule replaces this one
    // before anything is rendered (`set_globals`).
    super::register_url(&mut tera, crate::route::Urls::default(), String::new());
    super::register_t(&mut tera, crate::lang::Strings::default());
    crate::shortcode::register(&mut tera);
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape_html);
    tera.add_raw_templates(templates.iter().map(|t| (t.rel.as_str(), &*t.text)))
        .map_err(|e| vec![diagnostic(&e, templates, None)])?;
    Ok(tera)
}

/// What autoescaping writes for `text`: the same five entities as Tera's own
/// [`tera::escape_html`] (`&`, `<`, `>`, `"`, `'`), but each run of text between them written
/// at once, where Tera's writes every byte with a call of its own (about a twentieth of a
/// build's CPU with the bundled templates).
fn escape_html(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (at, byte) in bytes.iter().enumerate() {
        let entity: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[from..at])?;
        out.write_all(entity)?;
        from = at + 1;
    }
    out.write_all(&bytes[from..])
}

/// Turns a Tera error into a diagnostic at the template's line and column.
pub(crate) fn diagnostic(
    error: &tera::Error,
    templates: &[Source],
    page: Option<&str>,
) -> Diagnostic {
    let context = page
        .map(|p| format!(" (while rendering `{p}`)"))
        .unwrap_or_default();
    match error.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let name = report.filename();
            let span = report.span();
            let text = templates
                .iter()
                .find(|t| t.rel == name)
                .map_or("", |t| &*t.text);
            let message = report.message().replace('\n', " ");
            let kind = if matches!(error.kind(), ErrorKind::SyntaxError(_)) {
                "syntax error"
            } else {
                "render error"
            };
            Diagnostic::error(
                format!("templates/{name}"),
                "template",
                format!("template {kind}: {message}{context}"),
            )
            .at_in(text, span.start_line.max(1), span.start_col + 1)
        }
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            format!("templates/{current}"),
            "template",
            format!("`{current}` extends `{parent}`, which does not exist"),
        )
        .help(format!(
            "create `templates/{parent}` or fix the `extends` line"
        )),
        ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            format!("templates/{name}"),
            "template",
            format!("the template `{name}` does not exist{context}"),
        )
        .help("check the name in `include` or `extends`"),
        ErrorKind::CircularInclude { tpl, include_chain } => {
            // Report at the `include` that closes the loop: the one in the last template before
            // `tpl` comes round again.
            let culprit = include_chain
                .iter()
                .rev()
                .nth(1)
                .map_or(tpl.as_str(), String::as_str);
            let loop_text = include_chain
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            let d = Diagnostic::error(
                format!("templates/{culprit}"),
                "template",
                format!("including `{tpl}` here makes a loop: {loop_text}"),
            )
            .help("remove one of the `include`s");
            locate_name(d, templates, culprit, tpl)
        }
        ErrorKind::Msg(text) => located_message(text, templates, &context),
        other => Diagnostic::error(
            "templates",
            "template",
            format!("template error: {other}{context}"),
        ),
    }
}

/// Points a diagnostic at the first place `name` is quoted in the template `file`.
fn locate_name(d: Diagnostic, templates: &[Source], file: &str, name: &str) -> Diagnostic {
    let Some(source) = templates.iter().find(|t| t.rel == file) else {
        return d;
    };
    let at = ['"', '\'']
        .iter()
        .find_map(|q| source.text.find(&format!("{q}{name}{q}")));
    match at {
        Some(offset) => {
            let (line, column) =
                crate::diagnostic::LineIndex::new(&source.text).locate(&source.text, offset);
            d.at_in(&source.text, line, column)
        }
        None => d,
    }
}

/// Tera reports unknown filters, functions and templates as text with ` --> file:line:col`
/// inside; turn that into a located diagnostic with a hint.
fn located_message(text: &str, templates: &[Source], context: &str) -> Diagnostic {
    let first = text
        .lines()
        .next()
        .unwrap_or(text)
        .trim()
        .trim_start_matches("error: ")
        .to_owned();
    let position = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .and_then(|p| {
            let mut parts = p.rsplitn(3, ':');
            let column: usize = parts.next()?.trim().parse().ok()?;
            let line: usize = parts.next()?.trim().parse().ok()?;
            Some((parts.next()?.trim().to_owned(), line, column))
        });
    let name = first.split('`').nth(1).unwrap_or_default().to_owned();
    let (message, help) = if first.starts_with("Unknown template") {
        let file = position.as_ref().map_or("a template", |p| p.0.as_str());
        (
            format!("`{file}` includes `{name}`, which does not exist"),
            format!("create `templates/{name}` or fix the `include` line"),
        )
    } else if first.starts_with("Unknown filter") {
        (format!("unknown filter `{name}`"), "check the filter's name; the filters templates can use are listed in docs/templates.md".to_owned())
    } else if first.starts_with("Unknown function") {
        (
            format!("unknown function `{name}`"),
            "check the function's name; templates can use `url`, `range` and `throw`".to_owned(),
        )
    } else if first.starts_with("Unknown test") {
        (
            format!("unknown test `{name}`"),
            "check the test's name (`defined`, `starting_with`, ...)".to_owned(),
        )
    } else {
        (
            format!("template error: {first}"),
            "see the Tera 2 documentation for the syntax".to_owned(),
        )
    };
    match position {
        Some((file, line, column)) => {
            let source = templates
                .iter()
                .find(|t| t.rel == file)
                .map_or("", |t| &*t.text);
            Diagnostic::error(
                format!("templates/{file}"),
                "template",
                format!("{message}{context}"),
            )
            .at_in(source, line, column)
            .help(help)
        }
        None => {
            Diagnostic::error("templates", "template", format!("{message}{context}")).help(help)
        }
    }
}

/// The templates each template extends, includes or imports (by name), for deciding what a
/// template edit re-renders.
pub fn template_uses(templates: &[Source]) -> BTreeMap<String, Vec<String>> {
    templates
        .iter()
        .map(|t| {
            let mut uses = Vec::new();
            for keyword in ["extends", "include", "import"] {
                for (at, _) in t.text.match_indices(keyword) {
                    let rest = t.text[at + keyword.len()..].trim_start();
                    if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
                        if let Some(name) = rest[1..].split(quote).next() {
                            uses.push(name.to_owned());
                        }
                    }
                }
            }
            (t.rel.clone(), uses)
        })
        .collect()
}

/// The top-level template a job renders (an article may name its own with `template`).
pub fn template_of(job: Job, site: &crate::site::Site) -> &str {
    match job {
        Job::Home(_) => "index.html",
        Job::Section(_) => "section.html",
        Job::Page(p) => site
            .pages
            .get(p)
            .and_then(|page| page.template.as_deref())
            .unwrap_or("page.html"),
        Job::Tag(..) => "tag.html",
        Job::Tags(_) => "tags.html",
        Job::NotFound(_) => "404.html",
        Job::Search(_) => "search.html",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Autoescaping writes what Tera's own function writes, byte for byte: the site's pages
    /// do not change with the faster one.
    #[test]
    fn escapes_as_tera_does() {
        let texts = [
            "",
            "plain text",
            "&",
            "<script>alert(\"x\")</script>",
            "Tom & Jerry's \"show\" <b>",
            "&&<<>>\"\"''",
            "ends with &",
            "naïve café — “quotes” ‘single’ & <tags>",
            "no entity at all, but a long one to make sure runs are written whole",
        ];
        for text in texts {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            escape_html(text, &mut ours).expect("write to a Vec");
            tera::escape_html(text, &mut theirs).expect("write to a Vec");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{text:?}"
            );
        }
    }
}
