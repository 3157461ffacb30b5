//! Located diagnostics: what every stage reports instead of failing on the first problem.
//!
//! A [`Diagnostic`] names a file (relative to the site root), an optional line and column, a
//! severity, a rule id, a message and an optional hint. This module owns how they are sorted and
//! displayed (text with a caret under the source line, JSON, GitHub annotations); it leaves
//! deciding what is wrong to the stages that produce them.

use serde::Serialize;
use std::fmt::{self, Write as _};

/// How bad a finding is. Errors fail `build` and `check`; warnings fail only `check --strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The site cannot be built correctly.
    Error,
    /// The site builds, but something should be looked at.
    Warning,
}

/// One finding, located in a file of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Path relative to the site root, with `/` separators (`content/alcohol/x.md`).
    pub file: String,
    /// 1-based line, when the finding has one.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the finding has one.
    pub column: Option<usize>,
    /// Error or warning.
    pub severity: Severity,
    /// Stable rule id (`front-matter`, `broken-link`, ...), listed in the README.
    pub rule: &'static str,
    /// What is wrong, lower-case, names in backticks.
    pub message: String,
    /// What would be right, when there is something to suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The offending source line, for the caret display (not serialized).
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// An error in `file`, not yet located.
    pub fn error(file: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: None,
            column: None,
            severity: Severity::Error,
            rule,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    /// A warning in `file`, not yet located.
    pub fn warning(
        file: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, rule, message)
        }
    }

    /// Locates the diagnostic at a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Locates the diagnostic and keeps the source line for the caret display.
    pub fn at_in(self, text: &str, line: usize, column: usize) -> Self {
        let source_line = text.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        Self {
            source_line,
            ..self.at(line, column)
        }
    }

    /// Adds a hint saying what would be right.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this finding fails a build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The compiler-style first line: `path:line:col: error: message [rule]`.
    pub fn headline(&self) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            let _ = write!(out, ":{line}:{}", self.column.unwrap_or(1));
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = write!(out, ": {severity}: {} [{}]", self.message, self.rule);
        out
    }

    /// A GitHub Actions workflow command that annotates the file.
    pub fn github(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = self.message.clone();
        if let Some(help) = &self.help {
            let _ = write!(message, " (help: {help})");
        }
        let mut props = format!("file={}", escape_property(&self.file));
        if let Some(line) = self.line {
            let _ = write!(props, ",line={line},col={}", self.column.unwrap_or(1));
        }
        let _ = write!(props, ",title={}", escape_property(self.rule));
        format!("::{kind} {props}::{}", escape_data(&message))
    }
}

impl fmt::Display for Diagnostic {
    /// The headline, then the source line with a caret under the column, then the hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.headline())?;
        if let (Some(line), Some(column), Some(source)) =
            (self.line, self.column, &self.source_line)
        {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            let source = source.replace('\t', " ");
            let caret_at: String = source
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c.is_whitespace() { c } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{number} | {source}\n{pad} | {caret_at}^")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, line, column, then severity, and removes exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
    });
    diagnostics.dedup();
}

/// The number of errors and warnings, for the summary line.
pub fn count(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// Turns byte offsets into 1-based line and character column, for one text.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The 1-based line and column of byte `offset` in `text`.
    pub fn locate(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line.saturating_sub(1)];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line, column + 1)
    }

    /// The text of 1-based line `line` of `text` without its line ending, as
    /// `text.lines().nth(line - 1)` gives it, without reading the lines before it.
    pub fn line<'t>(&self, text: &'t str, line: usize) -> Option<&'t str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |&next| next - 1);
        if start >= text.len() {
            return None;
        }
        let line = text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Suggests the closest of `candidates` to `word`, if one is close enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    // A shortened name (`lang` for `language`) is as likely as a typo.
    let is_prefix = |candidate: &str| word.len() >= 3 && candidate.starts_with(word);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= limit || is_prefix(candidate))
        .min()
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_offsets_in_lines_and_characters() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.locate(text, 0), (1, 1));
        assert_eq!(index.locate(text, 3), (2, 1));
        assert_eq!(index.locate(text, 5), (2, 2));
        assert_eq!(index.locate(text, 7), (3, 1));
        assert_eq!(index.locate(text, 8), (4, 1));
        assert_eq!(index.locate(text, 100), (4, 2));
    }

    #[test]
    fn finds_lines_as_str_lines_does() {
        for text in ["ab\nçd\n\nx", "a\r\nb\n", "\n\n", "", "one"] {
            let index = LineIndex::new(text);
            for n in 0..6usize {
                let want = n.checked_sub(1).and_then(|i| text.lines().nth(i));
                assert_eq!(index.line(text, n), want, "{text:?} line {n}");
            }
        }
    }

    #[test]
    fn suggests_close_names_only() {
        let keys = ["title", "description", "date"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("descripton", keys), Some("description"));
        assert_eq!(closest("author", keys), None);
    }

    #[test]
    fn displays_caret_under_column() {
        let d = Diagnostic::error("content/a.md", "front-matter", "unknown key `titel`")
            .at_in("---\ntitel: x\n", 2, 1)
            .help("did you mean `title`?");
        assert_eq!(
            d.to_string(),
            "content/a.md:2:1: error: unknown key `titel` [front-matter]\n  |\n2 | titel: x\n  | ^\n  = help: did you mean `title`?"
        );
    }

    #[test]
    fn github_annotations_escape_properties() {
        let d = Diagnostic::warning("a,b.md", "rule", "50% done\nnext").at(3, 4);
        assert_eq!(
            d.github(),
            "::warning file=a%2Cb.md,line=3,col=4,title=rule::50%25 done%0Anext"
        );
    }
}
