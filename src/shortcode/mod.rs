//! Shortcodes: templates under `templates/shortcodes/<name>.html` called from Markdown, inline
//! as `{{ name(arg=value) }}` or around a body as `{% name(arg=value) %}` ... `{% end %}`.
//!
//! A shortcode template declares its arguments on its first line, `{#- args: drugs, caption? -#}`
//! (`?` marks an optional one, `body` says it takes a body). It is rendered with the pages'
//! Tera, so `url(path=...)` works, and sees its arguments, `data`, `lang` and `current_url` (the
//! page's URL), nothing else. A body is Markdown rendered as part of the page (its headings are
//! in the table of contents, its links are checked); the template prints `{{ body }}` once
//! where it goes. `cite(source=...)` in a template cites fact-sheet references: each is added
//! to the page's numbered list (unless the front matter lists it: same URL, DOI or PubMed id)
//! and printed as `<a href="#ref-N">N</a>`.
//!
//! `call` finds the calls and makes the placeholders that keep every later offset; this module
//! checks calls against the declarations, renders them and numbers the citations. Markdown
//! (`markdown.rs`) puts the output where the placeholders are.

mod call;

pub(crate) use call::placeholder_index;

use crate::data::Data;
use crate::diagnostic::{closest, Diagnostic, LineIndex};
use crate::front_matter::Reference;
use crate::markdown::Location;
use crate::source::Source;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;
use tera::{Context, Kwargs, State, Tera};

/// Where a body goes in a shortcode's output: split there into what comes before and after.
const BODY: &str = "\u{E000}body\u{E001}";
/// Around a reference id in `cite`'s output, numbered once the shortcode has rendered.
const CITE_OPEN: char = '\u{E002}';
const CITE_CLOSE: char = '\u{E003}';

/// Names a shortcode's context gives, which arguments cannot take.
const RESERVED: &[&str] = &["body", "data", "lang", "current_url", "shortcode"];

/// What a shortcode template declares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spec {
    /// Each argument, and whether it is required.
    args: Vec<(String, bool)>,
    /// Whether it is called with a body.
    body: bool,
}

/// What shortcodes need while bodies render: the templates, their declarations, the data.
pub struct Env<'a> {
    tera: Option<&'a Tera>,
    templates: &'a [Source],
    specs: BTreeMap<String, Spec>,
    /// For each shortcode, a hash of what its output can depend on: its template and the
    /// templates it uses, and the data files they read.
    hashes: BTreeMap<String, u64>,
    data: Arc<Data>,
    lang: String,
}

impl<'a> Env<'a> {
    /// The shortcodes among `templates` (`tera` is `None` when they failed to compile: calls
    /// are then checked but not rendered), with problems in their declarations.
    pub(crate) fn new(
        tera: Option<&'a Tera>,
        templates: &'a [Source],
        data: Arc<Data>,
        lang: &str,
    ) -> (Self, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let mut specs = BTreeMap::new();
        for t in templates {
            let Some(name) = t
                .rel
                .strip_prefix("shortcodes/")
                .and_then(|n| n.strip_suffix(".html"))
            else {
                continue;
            };
            if name.contains('/') {
                continue;
            }
            match declaration(&t.text) {
                Ok(spec) => {
                    specs.insert(name.to_owned(), spec);
                }
                Err(message) => errors.push(
                    Diagnostic::error(&t.path, "shortcode", message)
                        .at_in(&t.text, 1, 1)
                        .help("declare the arguments on the first line: `{#- args: drugs, caption? -#}` (`?` for optional ones, `body` if it takes a body)"),
                ),
            }
        }
        let uses = crate::render::template_uses(templates);
        let hashes = specs
            .keys()
            .map(|name| {
                let mut seen = BTreeSet::new();
                let mut todo = vec![format!("shortcodes/{name}.html")];
                let mut reads = crate::data::Reads::Some(BTreeSet::new());
                let mut texts = Vec::new();
                while let Some(t) = todo.pop() {
                    if !seen.insert(t.clone()) {
                        continue;
                    }
                    if let Some(source) = templates.iter().find(|s| s.rel == t) {
                        reads.join(crate::data::reads(&source.text));
                        texts.push(Arc::clone(&source.text));
                    }
                    todo.extend(uses.get(&t).into_iter().flatten().cloned());
                }
                let hash = crate::hash::of(&(texts, data.hash_of(&reads)));
                (name.clone(), hash)
            })
            .collect();
        let env = Self {
            tera,
            templates,
            specs,
            hashes,
            data,
            lang: lang.to_owned(),
        };
        (env, errors)
    }

    /// The shortcodes of one run of the pipeline: `tera` (when the templates compiled) is made
    /// ready for bodies first (`render::prepare_bodies`); declaration problems go to
    /// `diagnostics`.
    pub(crate) fn for_run(
        tera: Option<&'a mut Tera>,
        templates: &'a [Source],
        data: Arc<Data>,
        config: &crate::config::Config,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let tera = tera.map(|tera| {
            crate::render::prepare_bodies(tera, config);
            &*tera
        });
        let (env, mut found) = Self::new(tera, templates, data, &config.language);
        diagnostics.append(&mut found);
        env
    }

    /// No shortcodes and no data (for rendering a body alone).
    pub fn none() -> Env<'static> {
        Env {
            tera: None,
            templates: &[],
            specs: BTreeMap::new(),
            hashes: BTreeMap::new(),
            data: Arc::default(),
            lang: "en".to_owned(),
        }
    }

    /// The data files.
    pub(crate) fn data(&self) -> &Arc<Data> {
        &self.data
    }

    /// A hash of everything the output of the shortcodes `names` depends on besides the body's
    /// own text: a body rendered with them can be reused while it stays the same.
    pub(crate) fn dependencies(&self, names: &[String]) -> u64 {
        if names.is_empty() {
            return 0;
        }
        let each: Vec<(&String, Option<&u64>)> =
            names.iter().map(|n| (n, self.hashes.get(n))).collect();
        crate::hash::of(&(
            each,
            self.tera.is_some(),
            &self.lang,
            self.data.references_hash(),
        ))
    }
}

/// Reads the `{#- args: a, b? -#}` first line of a shortcode template.
fn declaration(text: &str) -> Result<Spec, String> {
    let mut spec = Spec {
        args: Vec::new(),
        body: false,
    };
    let Some(comment) = text.trim_start().strip_prefix("{#") else {
        return Ok(spec);
    };
    let Some(end) = comment.find("#}") else {
        return Ok(spec);
    };
    let inner = comment[..end].trim_matches('-').trim();
    let Some(list) = inner.strip_prefix("args:") else {
        return Ok(spec);
    };
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, required) = match item.strip_suffix('?') {
            Some(name) => (name.trim(), false),
            None => (item, true),
        };
        if name == "body" {
            spec.body = true;
            continue;
        }
        let usable = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !usable {
            return Err(format!(
                "the argument name `{name}` is not usable: use lower-case letters, digits and `_`"
            ));
        }
        if RESERVED.contains(&name) {
            return Err(format!(
                "the argument name `{name}` is taken: a shortcode's context already has `{name}`"
            ));
        }
        if spec.args.iter().any(|(a, _)| a == name) {
            return Err(format!("the argument `{name}` is declared twice"));
        }
        spec.args.push((name.to_owned(), required));
    }
    Ok(spec)
}

/// Gives templates `cite(source=...)` (see the module notes).
pub(crate) fn register(tera: &mut Tera) {
    tera.register_function("cite", |kwargs: Kwargs, state: &State| -> tera::TeraResult<tera::Value> {
        for (key, _) in kwargs.iter() {
            if key.to_string() != "source" {
                return Err(tera::Error::message(format!(
                    "`cite` has no argument `{key}`: it takes `source` (a reference id, or a list of them)"
                )));
            }
        }
        if state.get::<String>("shortcode")?.is_none() {
            return Err(tera::Error::message(
                "`cite` works only in a shortcode template (`templates/shortcodes/`), where citations are numbered",
            ));
        }
        let source: tera::Value = kwargs.must_get("source")?;
        let ids: Vec<String> = match (source.as_str(), source.as_array()) {
            (Some(id), _) => vec![id.to_owned()],
            (None, Some(items)) => items.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect(),
            _ => {
                return Err(tera::Error::message(
                    "`cite`'s `source` must be a reference id or a list of them",
                ))
            }
        };
        let markers: Vec<String> = ids.iter().map(|id| format!("{CITE_OPEN}{id}{CITE_CLOSE}")).collect();
        Ok(tera::Value::safe_string(&markers.join(" ")))
    });
}

/// What a body's shortcodes give Markdown.
pub(crate) struct Expanded {
    /// The body with each call replaced by a placeholder of its length.
    pub(crate) text: String,
    /// What each call writes, in call order (the placeholders' ids).
    pub(crate) slots: Vec<Slot>,
    /// Problems with the calls, at their lines and columns in the file.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The fact-sheet references the calls cite that the front matter does not list, in order.
    pub(crate) cited: Vec<Reference>,
    /// The shortcodes called, sorted, for reusing the body (`Env::dependencies`).
    pub(crate) names: Vec<String>,
}

/// What one call writes where its placeholder is.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    /// Byte offset of the call in the body.
    pub(crate) offset: usize,
    /// HTML (or, for an escape, text).
    pub(crate) output: String,
    /// An escape: `output` is text.
    pub(crate) literal: bool,
    /// A block placeholder (a line of its own), else an inline one.
    pub(crate) block: bool,
}

/// Finds, checks and renders the shortcodes of `body` (at `at`); `None` when it has none.
pub(crate) fn expand(body: &str, at: &Location<'_>, env: &Env<'_>) -> Option<Expanded> {
    if !body.contains("{{") && !body.contains("{%") {
        return None;
    }
    let code = code_ranges(body);
    let (calls, mistakes) = call::find(body, &code);
    if calls.is_empty() && mistakes.is_empty() {
        return None;
    }
    let lines = LineIndex::new(at.text);
    let mut run = Run {
        at,
        env,
        lines: &lines,
        diagnostics: Vec::new(),
        citations: Citations {
            front: at.references,
            added: Vec::new(),
        },
    };
    for m in mistakes {
        run.error(m.at, m.message, m.help);
    }
    let mut slots = Vec::with_capacity(calls.len());
    let mut names = BTreeSet::new();
    // The open body shortcodes: name, where each opened, and what its end writes.
    let mut open: Vec<(String, usize, String)> = Vec::new();
    for c in &calls {
        let mut output = String::new();
        let mut literal = false;
        match &c.kind {
            call::Kind::Inline(inv) | call::Kind::Open(inv) => {
                names.insert(inv.name.clone());
                let with_body = matches!(c.kind, call::Kind::Open(_));
                let mut pushed = false;
                if let Some((outer, opened, _)) = open.last() {
                    let line = lines.locate(at.text, at.body_offset + opened).0;
                    run.error(
                        c.range.start,
                        format!("shortcodes cannot be nested: `{}` is inside the body of `{outer}` (opened on line {line})", inv.name),
                        format!("close `{outer}` with `{{% end %}}` first, or write the inner content without a shortcode"),
                    );
                } else if with_body && !c.block {
                    run.error(
                        c.range.start,
                        format!("`{{% {}(...) %}}` must be alone on its line, starting at its first column", inv.name),
                        "put the opening line, the body and `{% end %}` on lines of their own",
                    );
                } else if let Some(html) = run.render(inv, with_body, c.range.start) {
                    if with_body {
                        match html.split_once(BODY) {
                            Some((before, after)) if !after.contains(BODY) => {
                                output = before.to_owned();
                                open.push((inv.name.clone(), c.range.start, after.to_owned()));
                                pushed = true;
                            }
                            _ => run.error(
                                c.range.start,
                                format!("the shortcode `{}` takes a body but its template does not print `{{{{ body }}}}` exactly once", inv.name),
                                format!("print `{{{{ body }}}}` once in `templates/shortcodes/{}.html`", inv.name),
                            ),
                        }
                    } else if c.block {
                        output = html;
                    } else {
                        // Inside a line: the template's last line end is not the text's.
                        output = html.trim_end().to_owned();
                    }
                }
                if with_body && !pushed {
                    // Its body is still the page's Markdown; its end writes nothing.
                    open.push((inv.name.clone(), c.range.start, String::new()));
                }
            }
            call::Kind::End => {
                match open.pop() {
                    Some((_, _, after)) => {
                        if !c.block {
                            run.error(c.range.start, "`{% end %}` must be alone on its line, starting at its first column", "put `{% end %}` on a line of its own");
                        }
                        output = after;
                    }
                    None => run.error(
                        c.range.start,
                        "`{% end %}` closes no shortcode",
                        "remove it, or open a body with `{% name(...) %}` before it",
                    ),
                }
            }
            call::Kind::Literal(text) => {
                output = text.clone();
                literal = true;
            }
        }
        slots.push(Slot {
            offset: c.range.start,
            output,
            literal,
            block: c.block,
        });
    }
    for (name, opened, _) in open {
        run.error(
            opened,
            format!("the body of the shortcode `{name}` is never closed"),
            "end the body with a line holding `{% end %}`",
        );
    }
    let text = call::placeholders(body, &calls);
    Some(Expanded {
        text,
        slots,
        diagnostics: run.diagnostics,
        cited: run.citations.added,
        names: names.into_iter().collect(),
    })
}

/// The byte ranges of code spans and code blocks, where calls are not expanded.
fn code_ranges(body: &str) -> Vec<Range<usize>> {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut ranges = Vec::new();
    for (event, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        if matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_))) {
            ranges.push(range);
        }
    }
    ranges
}

/// The state of expanding one body.
struct Run<'r, 'a> {
    at: &'r Location<'a>,
    env: &'r Env<'r>,
    lines: &'r LineIndex,
    diagnostics: Vec<Diagnostic>,
    citations: Citations<'a>,
}

impl Run<'_, '_> {
    fn error(&mut self, offset: usize, message: impl Into<String>, help: impl Into<String>) {
        let (line, column) = self
            .lines
            .locate(self.at.text, self.at.body_offset + offset);
        self.diagnostics.push(
            Diagnostic::error(self.at.file, "shortcode", message)
                .at_in(self.at.text, line, column)
                .help(help),
        );
    }

    /// Checks a call against its template's declaration and renders it; `None` when it cannot
    /// be (the reason is reported, unless the templates failed to compile, reported already).
    fn render(&mut self, inv: &call::Invocation, with_body: bool, offset: usize) -> Option<String> {
        let name = &inv.name;
        let Some(spec) = self.env.specs.get(name) else {
            let known: Vec<&str> = self.env.specs.keys().map(String::as_str).collect();
            let help = match closest(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => format!("create `templates/shortcodes/{name}.html`"),
                None => format!(
                    "create `templates/shortcodes/{name}.html`; the shortcodes are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(offset, format!("unknown shortcode `{name}`"), help);
            return None;
        };
        let takes = || {
            if spec.args.is_empty() {
                "no arguments".to_owned()
            } else {
                spec.args
                    .iter()
                    .map(|(a, required)| {
                        format!("`{a}`{}", if *required { "" } else { " (optional)" })
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let mut ok = true;
        if spec.body != with_body {
            ok = false;
            let (message, help) = if spec.body {
                (
                    format!("the shortcode `{name}` takes a body"),
                    format!("write `{{% {name}(...) %}}`, the body, then `{{% end %}}`"),
                )
            } else {
                (
                    format!("the shortcode `{name}` takes no body"),
                    format!("write `{{{{ {name}(...) }}}}`"),
                )
            };
            self.error(offset, message, help);
        }
        for (arg, _, arg_at) in &inv.args {
            if !spec.args.iter().any(|(a, _)| a == arg) {
                ok = false;
                let help = match closest(arg, spec.args.iter().map(|(a, _)| a.as_str())) {
                    Some(s) => format!("did you mean `{s}`? `{name}` takes {}", takes()),
                    None => format!("`{name}` takes {} (declared on the first line of `templates/shortcodes/{name}.html`)", takes()),
                };
                self.error(
                    *arg_at,
                    format!("the shortcode `{name}` has no argument `{arg}`"),
                    help,
                );
            }
        }
        for (arg, required) in &spec.args {
            if *required && !inv.args.iter().any(|(a, _, _)| a == arg) {
                ok = false;
                self.error(
                    offset,
                    format!("the shortcode `{name}` needs the argument `{arg}`"),
                    format!("add `{arg}=...`; `{name}` takes {}", takes()),
                );
            }
        }
        let tera = self.env.tera?;
        if !ok {
            return None;
        }
        let mut context = Context::new();
        for (arg, _) in &spec.args {
            let value = inv
                .args
                .iter()
                .find(|(a, _, _)| a == arg)
                .map_or(Value::Null, |(_, v, _)| v.clone());
            context.insert(arg.clone(), &value);
        }
        context.insert("data", &*self.env.data);
        context.insert("lang", &self.env.lang);
        context.insert("current_url", self.at.url);
        context.insert("shortcode", name);
        if with_body {
            context.insert("body", BODY);
        }
        let template = format!("shortcodes/{name}.html");
        let html = match tera.render(&template, &context) {
            Ok(html) => html,
            Err(e) => {
                let d = crate::render::template::diagnostic(&e, self.env.templates, None);
                let place = match (d.line, d.column) {
                    (Some(l), Some(c)) => format!(" (at `{}:{l}:{c}`)", d.file),
                    _ => String::new(),
                };
                let message = d
                    .message
                    .trim_start_matches("template render error: ")
                    .to_owned();
                self.error(
                    offset,
                    format!("the shortcode `{name}` failed: {message}{place}"),
                    d.help.unwrap_or_else(|| {
                        format!("fix `templates/shortcodes/{name}.html` or the call's arguments")
                    }),
                );
                return None;
            }
        };
        self.cite(&html, offset)
    }

    /// Numbers the citations in a shortcode's output.
    fn cite(&mut self, html: &str, offset: usize) -> Option<String> {
        if !html.contains(CITE_OPEN) {
            return Some(html.to_owned());
        }
        let mut out = String::with_capacity(html.len());
        let mut rest = html;
        while let Some(open) = rest.find(CITE_OPEN) {
            out.push_str(&rest[..open]);
            let after = &rest[open + CITE_OPEN.len_utf8()..];
            let close = after.find(CITE_CLOSE).unwrap_or(after.len());
            let id = &after[..close];
            match self.env.data.references.get(id) {
                Some(reference) => {
                    let n = self.citations.number(reference);
                    out.push_str(&format!("<a href=\"#ref-{n}\">{n}</a>"));
                }
                None => {
                    let help = match closest(
                        id,
                        self.env.data.references.keys().map(String::as_str),
                    ) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            "cite an id listed under `references:` in a fact sheet under `data/`"
                                .to_owned()
                        }
                    };
                    self.error(
                        offset,
                        format!(
                            "`cite` names `{id}`, which no fact sheet lists under `references:`"
                        ),
                        help,
                    );
                }
            }
            rest = &after[(close + CITE_CLOSE.len_utf8()).min(after.len())..];
        }
        out.push_str(rest);
        Some(out)
    }
}

/// A page's numbered references: the front matter's, then the fact-sheet references cited in
/// the body that the front matter does not list.
struct Citations<'a> {
    front: &'a [Reference],
    added: Vec<Reference>,
}

impl Citations<'_> {
    /// The number of `reference` in the page's list, adding it when it is not there yet.
    fn number(&mut self, reference: &Reference) -> usize {
        let keys = identity(reference);
        let same = |r: &Reference| identity(r).iter().any(|k| keys.contains(k));
        if let Some(i) = self.front.iter().position(same) {
            return i + 1;
        }
        if let Some(i) = self.added.iter().position(same) {
            return self.front.len() + i + 1;
        }
        self.added.push(reference.clone());
        self.front.len() + self.added.len()
    }
}

/// What makes two references the same document: its URL, DOI or PubMed id (a DOI or PubMed
/// address counts as its id).
fn identity(r: &Reference) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(url) = &r.url {
        let url = url.trim().trim_end_matches('/');
        keys.push(format!("url:{url}"));
        if let Some(doi) = url.strip_prefix("https://doi.org/") {
            keys.push(format!("doi:{}", doi.to_ascii_lowercase()));
        }
        if let Some(pmid) = url.strip_prefix("https://pubmed.ncbi.nlm.nih.gov/") {
            keys.push(format!("pmid:{pmid}"));
        }
    }
    if let Some(doi) = &r.doi {
        keys.push(format!("doi:{}", doi.trim().to_ascii_lowercase()));
    }
    if let Some(pmid) = &r.pmid {
        keys.push(format!("pmid:{}", pmid.text()));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_declarations() {
        assert_eq!(
            declaration("{#- args: drugs, caption?, body -#}\n<table>"),
            Ok(Spec {
                args: vec![("drugs".into(), true), ("caption".into(), false)],
                body: true
            })
        );
        assert_eq!(
            declaration("<p>no comment</p>").map(|s| s.args.len()),
            Ok(0)
        );
        assert!(declaration("{# args: data #}").is_err());
        assert!(declaration("{# args: Bad-Name #}").is_err());
    }

    #[test]
    fn a_reference_is_the_same_by_url_doi_or_pubmed_id() {
        let r = |url: Option<&str>, doi: Option<&str>| Reference {
            title: "t".into(),
            publisher: None,
            year: None,
            url: url.map(str::to_owned),
            doi: doi.map(str::to_owned),
            pmid: None,
            note: None,
        };
        let front = [r(Some("https://doi.org/10.1/ABC"), None)];
        let mut c = Citations {
            front: &front,
            added: Vec::new(),
        };
        assert_eq!(c.number(&r(None, Some("10.1/abc"))), 1);
        assert_eq!(c.number(&r(Some("https://x.org/a/"), None)), 2);
        assert_eq!(c.number(&r(Some("https://x.org/a"), None)), 2);
        assert_eq!(c.added.len(), 1);
    }
}
