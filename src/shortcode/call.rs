//! Finding shortcode calls in a Markdown body, before Markdown sees it: inline
//! `{{ name(arg=value) }}`, with a body `{% name(arg=value) %}` ... `{% end %}`, and escapes
//! (`{{/* name() */}}` is written as `{{ name() }}`). Code spans and code blocks are skipped.
//!
//! Each call is then replaced by a placeholder of exactly its length, so every byte after it
//! keeps its offset and every later diagnostic its line and column: an autolink `<sc:07>` for
//! a call inside a line of text, and a blank line plus a one-line HTML block (`<sc>`) for a
//! call alone on its line (a block, as a body's opening and closing lines are).

use serde_json::Value;
use std::ops::Range;

/// One call, as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    /// Byte range in the body.
    pub(crate) range: Range<usize>,
    pub(crate) kind: Kind,
    /// Whether it is alone on its line, starting at its first column (a block).
    pub(crate) block: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `{{ name(...) }}`.
    Inline(Invocation),
    /// `{% name(...) %}`: its body follows, up to `{% end %}`.
    Open(Invocation),
    /// `{% end %}`.
    End,
    /// An escape, and the text it writes.
    Literal(String),
}

/// A shortcode's name and arguments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invocation {
    pub(crate) name: String,
    /// Each argument with the byte offset of its name in the body.
    pub(crate) args: Vec<(String, Value, usize)>,
}

/// A call that could not be read: where, what, and what would be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mistake {
    pub(crate) at: usize,
    pub(crate) message: String,
    pub(crate) help: String,
}

impl Mistake {
    fn new(at: usize, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Every call in `body` outside the byte ranges in `code`, in order, and the mistakes.
pub(crate) fn find(body: &str, code: &[Range<usize>]) -> (Vec<Call>, Vec<Mistake>) {
    let mut calls = Vec::new();
    let mut mistakes = Vec::new();
    let mut from = 0;
    while let Some(found) = next_open(&body[from..]) {
        let start = from + found;
        if let Some(r) = code.iter().find(|r| r.contains(&start)) {
            from = r.end.max(start + 1);
            continue;
        }
        match read(body, start) {
            Ok(Some((end, kind))) => {
                let line_start = body[..start].rfind('\n').map_or(0, |i| i + 1);
                let line_end = body[end..].find('\n').map_or(body.len(), |i| end + i);
                let block = line_start == start && body[end..line_end].trim().is_empty();
                calls.push(Call {
                    range: start..end,
                    kind,
                    block,
                });
                from = end;
            }
            Ok(None) => from = start + 2,
            Err(mistake) => {
                mistakes.push(mistake);
                from = start + 2;
            }
        }
    }
    (calls, mistakes)
}

fn next_open(text: &str) -> Option<usize> {
    let a = text.find("{{");
    let b = text.find("{%");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Reads the call at `start` (which holds `{{` or `{%`): its end and kind, `None` when the
/// text there is not a call (`{{ plain words }}`), or what is wrong with it.
fn read(body: &str, start: usize) -> Result<Option<(usize, Kind)>, Mistake> {
    let inline = body[start..].starts_with("{{");
    let close = if inline { "}}" } else { "%}" };
    let line_end = body[start..].find('\n').map_or(body.len(), |i| start + i);
    let line = &body[start..line_end];
    // `{{/* name() */}}` writes `{{ name() }}`.
    if line[2..].starts_with("/*") {
        let end_marker = format!("*/{close}");
        return Ok(line.find(&end_marker).map(|at| {
            let inner = &line[4..at];
            let open = &line[..2];
            (
                start + at + end_marker.len(),
                Kind::Literal(format!("{open}{inner}{close}")),
            )
        }));
    }
    let mut cursor = Cursor {
        text: body,
        at: start + 2,
        end: line_end,
    };
    cursor.spaces();
    let name_at = cursor.at;
    let name = cursor.take_while(|c| !c.is_whitespace() && c != '(' && c != '}' && c != '%');
    if name.is_empty() {
        return Ok(None);
    }
    if !inline && name == "end" {
        cursor.spaces();
        if cursor.eat("%}") {
            return Ok(Some((cursor.at, Kind::End)));
        }
    }
    let after_name = cursor.at;
    cursor.spaces();
    if !cursor.eat("(") {
        if name.contains('/') || name.contains("..") {
            return Err(bad_name(name_at, name));
        }
        return Ok(None);
    }
    if name.contains('/') || name.contains("..") {
        return Err(bad_name(name_at, name));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Mistake::new(
            name_at,
            format!("`{name}` is not a shortcode name"),
            "a shortcode's name is the file name of `templates/shortcodes/<name>.html`: letters, digits, `_` and `-`",
        ));
    }
    let _ = after_name;
    let args = arguments(&mut cursor, name)?;
    cursor.spaces();
    if !cursor.eat(close) {
        let shape = if inline {
            "{{ name(...) }}"
        } else {
            "{% name(...) %}"
        };
        return Err(Mistake::new(
            start,
            format!("the shortcode `{name}` is not closed on its line"),
            format!("write the call on one line as `{shape}`"),
        ));
    }
    let invocation = Invocation {
        name: name.to_owned(),
        args,
    };
    let kind = if inline {
        Kind::Inline(invocation)
    } else {
        Kind::Open(invocation)
    };
    Ok(Some((cursor.at, kind)))
}

fn bad_name(at: usize, name: &str) -> Mistake {
    Mistake::new(
        at,
        format!("the shortcode name `{name}` contains `/` or `..`"),
        "a shortcode is one file directly in `templates/shortcodes/`: call it by its plain name, e.g. `{{ compare(...) }}`",
    )
}

/// `arg=value, ...)` after the opening parenthesis.
fn arguments(cursor: &mut Cursor<'_>, name: &str) -> Result<Vec<(String, Value, usize)>, Mistake> {
    let mut args: Vec<(String, Value, usize)> = Vec::new();
    loop {
        cursor.spaces();
        if cursor.eat(")") {
            return Ok(args);
        }
        let key_at = cursor.at;
        let key = cursor.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
        if key.is_empty() || !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return Err(Mistake::new(
                key_at,
                format!("expected an argument name or `)` in the call of `{name}`"),
                "write arguments as `name=value`, separated by commas: `name(kind=\"note\", open=true)`",
            ));
        }
        if let Some((_, _, first)) = args.iter().find(|(k, _, _)| k == key) {
            let _ = first;
            return Err(Mistake::new(
                key_at,
                format!("the argument `{key}` is given twice in the call of `{name}`"),
                format!("give `{key}` once"),
            ));
        }
        cursor.spaces();
        if !cursor.eat("=") {
            return Err(Mistake::new(
                cursor.at,
                format!("expected `=` after the argument `{key}`"),
                "write arguments as `name=value`",
            ));
        }
        cursor.spaces();
        let value = cursor.value().ok_or_else(|| {
            Mistake::new(
                cursor.at,
                format!("the value of `{key}` is not text, a number or true/false"),
                "write text in double quotes (\"...\"), a number (12, 1.5) or `true`/`false`",
            )
        })?;
        args.push((key.to_owned(), value, key_at));
        cursor.spaces();
        if cursor.eat(",") {
            continue;
        }
        if cursor.peek() != Some(')') {
            return Err(Mistake::new(
                cursor.at,
                format!("expected `,` or `)` in the call of `{name}`"),
                "separate arguments with commas and end the list with `)`",
            ));
        }
    }
}

/// A position in one line of the body.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..self.end]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        self.at += len;
        &rest[..len]
    }

    /// A value: `"text"` (with `\"` and `\\`), a number, `true` or `false`.
    fn value(&mut self) -> Option<Value> {
        let rest = self.rest();
        if let Some(inner) = rest.strip_prefix('"') {
            let mut text = String::new();
            let mut chars = inner.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.at += 1 + i + 1;
                        return Some(Value::String(text));
                    }
                    '\\' => match chars.next() {
                        Some((_, e @ ('"' | '\\'))) => text.push(e),
                        Some((_, 'n')) => text.push('\n'),
                        _ => return None,
                    },
                    c => text.push(c),
                }
            }
            return None;
        }
        for (word, value) in [("true", true), ("false", false)] {
            if rest.starts_with(word)
                && !rest[word.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                self.at += word.len();
                return Some(Value::Bool(value));
            }
        }
        let len = rest
            .find(|c: char| {
                !(c.is_ascii_digit() || c == '-' || c == '.' || c == '+' || c == 'e' || c == 'E')
            })
            .unwrap_or(rest.len());
        let number = &rest[..len];
        let value = if let Ok(n) = number.parse::<i64>() {
            Value::from(n)
        } else {
            let f: f64 = number.parse().ok().filter(|f: &f64| f.is_finite())?;
            Value::from(f)
        };
        self.at += len;
        Some(value)
    }
}

/// The text Markdown is given: `body` with each call replaced by a placeholder of its length
/// (see the module notes); `id` of a call's placeholder is its index.
pub(crate) fn placeholders(body: &str, calls: &[Call]) -> String {
    let mut text = String::with_capacity(body.len());
    let mut from = 0;
    for (i, call) in calls.iter().enumerate() {
        text.push_str(&body[from..call.range.start]);
        let len = call.range.len();
        text.push_str(&placeholder(i, len, call.block).unwrap_or_else(|| " ".repeat(len)));
        from = call.range.end;
    }
    text.push_str(&body[from..]);
    text
}

/// A placeholder of exactly `len` bytes, when one fits.
fn placeholder(index: usize, len: usize, block: bool) -> Option<String> {
    if block {
        let pad = len.checked_sub(6)?;
        return Some(format!("\n<sc>{}\n", " ".repeat(pad)));
    }
    let digits = len.checked_sub(5)?;
    let id = radix36(index);
    let pad = digits.checked_sub(id.len())?;
    Some(format!("<sc:{}{id}>", "0".repeat(pad)))
}

fn radix36(mut n: usize) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

/// The call index an inline placeholder's address (`sc:007`) names.
pub(crate) fn placeholder_index(address: &str) -> Option<usize> {
    let digits = address.strip_prefix("sc:")?;
    usize::from_str_radix(digits, 36).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(body: &str) -> Vec<Kind> {
        let (calls, mistakes) = find(body, &[]);
        assert!(mistakes.is_empty(), "{mistakes:?}");
        calls.into_iter().map(|c| c.kind).collect()
    }

    fn mistake(body: &str) -> (usize, String) {
        let (_, mistakes) = find(body, &[]);
        let m = mistakes.into_iter().next().expect("a mistake");
        (m.at, m.message)
    }

    #[test]
    fn reads_inline_body_and_escaped_calls() {
        let found = calls("A {{ youtube(id=\"a\\\"b\", start=12, wide=true) }} b.\n{% note(kind=\"tip\") %}\nx\n{% end %}\n{{/* x() */}}\n");
        assert_eq!(
            found,
            [
                Kind::Inline(Invocation {
                    name: "youtube".into(),
                    args: vec![
                        ("id".into(), Value::from("a\"b"), 13),
                        ("start".into(), Value::from(12), 24),
                        ("wide".into(), Value::from(true), 34),
                    ]
                }),
                Kind::Open(Invocation {
                    name: "note".into(),
                    args: vec![("kind".into(), Value::from("tip"), 59)]
                }),
                Kind::End,
                Kind::Literal("{{ x() }}".into()),
            ]
        );
    }

    #[test]
    fn leaves_other_braces_alone() {
        assert!(calls("{{ plain words }} and {% raw %} and {{}}\n").is_empty());
    }

    #[test]
    fn reports_bad_calls_where_they_are() {
        assert_eq!(
            mistake("x {{ a(b=1, b=2) }}"),
            (
                12,
                "the argument `b` is given twice in the call of `a`".into()
            )
        );
        assert_eq!(
            mistake("{{ ../x() }}"),
            (3, "the shortcode name `../x` contains `/` or `..`".into())
        );
        assert_eq!(
            mistake("{{ a(b=c) }}"),
            (
                7,
                "the value of `b` is not text, a number or true/false".into()
            )
        );
        assert_eq!(
            mistake("{{ a(b=1)\n}}"),
            (0, "the shortcode `a` is not closed on its line".into())
        );
    }

    #[test]
    fn placeholders_keep_every_offset() {
        let body = "Text {{ a() }} more\n{{ block(x=1) }}\nafter {{/* e() */}}\n";
        let (found, _) = find(body, &[]);
        assert!(!found[0].block && found[1].block && !found[2].block);
        let text = placeholders(body, &found);
        assert_eq!(text.len(), body.len());
        assert_eq!(
            text,
            "Text <sc:0000> more\n\n<sc>          \n\nafter <sc:00000002>\n"
        );
        assert_eq!(placeholder_index("sc:00000002"), Some(2));
    }
}
