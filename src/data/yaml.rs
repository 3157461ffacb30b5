//! YAML data files, read through libyaml's event parser: the parser serde_yaml itself runs, so
//! the grammar is the front matter's, but the events show what serde hides: anchors and
//! aliases (refused: a fact must be written out where it is used), tags, a second document,
//! and where every key and value starts, so later checks can point at them.
//!
//! Plain scalars are typed by the YAML 1.2 core schema (`null`, `true`, `12`, `1.5`); quoted
//! and block scalars are always text.

use super::node::{Key, Kind, Node};
use libyaml_rs as sys;
use std::mem::MaybeUninit;

/// Values nested deeper than this are refused (data files hold tables and lists, not trees).
pub(crate) const MAX_DEPTH: usize = 32;

/// Something wrong in the file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Problem {
    fn new(message: impl Into<String>, (line, column): (usize, usize)) -> Self {
        Self {
            message: message.into(),
            help: None,
            line,
            column,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Parses one YAML document into a located tree; an empty file is `null`.
pub(crate) fn parse(text: &str) -> Result<Node, Problem> {
    let mut parser = Parser::new(text);
    let mut builder = Builder::default();
    loop {
        let (event, at) = parser.next()?;
        match event {
            Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart => {
                builder.documents += 1;
                if builder.documents > 1 {
                    return Err(Problem::new("the file holds more than one YAML document", at)
                        .help("keep one document per data file: remove the `---` line, or split the file"));
                }
            }
            Event::StreamEnd => {
                return Ok(builder.root.unwrap_or(Node {
                    kind: Kind::Null,
                    line: 1,
                    column: 1,
                }))
            }
            Event::Alias => {
                return Err(refused("an alias (`*name`)", at));
            }
            Event::Scalar {
                value,
                plain,
                anchor,
                tag,
            } => {
                properties(anchor, tag, at)?;
                let kind = if plain {
                    resolve(&value, at)?
                } else {
                    Kind::Str(value)
                };
                builder.push(Node {
                    kind,
                    line: at.0,
                    column: at.1,
                })?;
            }
            Event::SequenceStart { anchor, tag } | Event::MappingStart { anchor, tag } => {
                properties(anchor, tag, at)?;
                let is_map = matches!(event, Event::MappingStart { .. });
                builder.open(is_map, at)?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
        }
    }
}

fn refused(what: &str, at: (usize, usize)) -> Problem {
    Problem::new(format!("{what} is not allowed in a data file"), at)
        .help("write each value out in full where it is used: anchors (`&name`) and aliases (`*name`) hide where a fact comes from")
}

fn properties(anchor: bool, tag: bool, at: (usize, usize)) -> Result<(), Problem> {
    if anchor {
        return Err(refused("an anchor (`&name`)", at));
    }
    if tag {
        return Err(
            Problem::new("a tag (`!name`) is not allowed in a data file", at)
                .help("remove the tag; put text in quotes to keep it text"),
        );
    }
    Ok(())
}

/// The YAML 1.2 core schema for a plain scalar.
fn resolve(value: &str, at: (usize, usize)) -> Result<Kind, Problem> {
    Ok(match value {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(
                Problem::new(format!("`{value}` is not a number a template can use"), at)
                    .help("write a finite number, or quote it to keep it text"),
            )
        }
        _ => number(value).unwrap_or_else(|| Kind::Str(value.to_owned())),
    })
}

fn number(value: &str) -> Option<Kind> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    if let Some(hex) = value.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Kind::Int);
    }
    if let Some(octal) = value.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok().map(Kind::Int);
    }
    if digits(unsigned) {
        return value
            .parse()
            .ok()
            .map(Kind::Int)
            .or_else(|| value.parse::<f64>().ok().map(Kind::Float));
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (digits(whole) && (fraction.is_empty() || digits(fraction)))
                || (whole.is_empty() && digits(fraction))
        }
        None => exponent.is_some() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if mantissa_ok && exponent_ok {
        value.parse().ok().map(Kind::Float)
    } else {
        None
    }
}

/// The tree being built from the events: the open collections, innermost last.
#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    documents: usize,
}

/// A collection whose end has not been seen yet.
struct Open {
    node: Node,
    /// In a mapping, the key read and waiting for its value.
    key: Option<Key>,
}

impl Builder {
    fn open(&mut self, is_map: bool, at: (usize, usize)) -> Result<(), Problem> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(Problem::new(
                format!("values are nested more than {MAX_DEPTH} levels deep"),
                at,
            )
            .help("data files hold tables and lists: flatten the structure"));
        }
        if let Some(Open {
            node: Node {
                kind: Kind::Map(_), ..
            },
            key: None,
        }) = self.stack.last()
        {
            return Err(Problem::new(
                "a key must be text, a number or true/false, not a list or a mapping",
                at,
            )
            .help("write `key: value` with a plain key"));
        }
        let kind = if is_map {
            Kind::Map(Vec::new())
        } else {
            Kind::List(Vec::new())
        };
        self.stack.push(Open {
            node: Node {
                kind,
                line: at.0,
                column: at.1,
            },
            key: None,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), Problem> {
        match self.stack.pop() {
            Some(open) => self.push(open.node),
            None => Ok(()),
        }
    }

    /// Adds a finished value to the innermost open collection (as a key, when a mapping waits
    /// for one).
    fn push(&mut self, node: Node) -> Result<(), Problem> {
        let Some(open) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut open.node.kind {
            Kind::List(items) => items.push(node),
            Kind::Map(entries) => match open.key.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    let name = match &node.kind {
                        Kind::Str(s) => s.clone(),
                        Kind::Null => String::new(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Int(n) => n.to_string(),
                        Kind::Float(f) => f.to_string(),
                        Kind::List(_) | Kind::Map(_) => String::new(),
                    };
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == name) {
                        return Err(Problem::new(
                            format!(
                                "the key `{name}` is given twice (first on line {})",
                                first.line
                            ),
                            (node.line, node.column),
                        )
                        .help(format!("keep only one `{name}:`")));
                    }
                    open.key = Some(Key {
                        name,
                        line: node.line,
                        column: node.column,
                    });
                }
            },
            _ => {}
        }
        Ok(())
    }
}

/// One parser event, as this module needs it.
enum Event {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias,
    Scalar {
        value: String,
        plain: bool,
        anchor: bool,
        tag: bool,
    },
    SequenceStart {
        anchor: bool,
        tag: bool,
    },
    SequenceEnd,
    MappingStart {
        anchor: bool,
        tag: bool,
    },
    MappingEnd,
}

/// libyaml's parser over one text. It keeps a pointer to itself and to the text, so it lives
/// in a box and borrows the text for as long as it exists.
struct Parser<'a> {
    sys: Box<MaybeUninit<sys::yaml_parser_t>>,
    _text: std::marker::PhantomData<&'a str>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let mut parser = Self {
            sys: Box::new(MaybeUninit::uninit()),
            _text: std::marker::PhantomData,
        };
        let sys = parser.sys.as_mut_ptr();
        // SAFETY: `sys` points to boxed memory that does not move while the parser exists;
        // `yaml_parser_initialize` fills it in (it cannot fail: memory comes from Rust's
        // allocator, which aborts when out of memory), and the input outlives the parser
        // (`'a`). A non-empty pointer is passed even for an empty text, as libyaml asserts.
        unsafe {
            let _ = sys::yaml_parser_initialize(sys);
            sys::yaml_parser_set_encoding(sys, sys::YAML_UTF8_ENCODING);
            let input: &[u8] = if text.is_empty() {
                b"\n"
            } else {
                text.as_bytes()
            };
            sys::yaml_parser_set_input_string(sys, input.as_ptr(), input.len() as _);
        }
        parser
    }

    /// The next event and the 1-based line and column it starts at.
    fn next(&mut self) -> Result<(Event, (usize, usize)), Problem> {
        let sys = self.sys.as_mut_ptr();
        let mut event = MaybeUninit::<sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialized in `new`; after a failed parse it is not asked for
        // another event (the error is returned and the parse ends). A successful
        // `yaml_parser_parse` fills in `event`, whose data is read for its own type only and
        // copied out before `yaml_event_delete` frees it.
        unsafe {
            if sys::yaml_parser_parse(sys, event.as_mut_ptr()).fail {
                return Err(parse_error(&*sys));
            }
            let event = event.as_mut_ptr();
            let mark = (*event).start_mark;
            let at = (mark.line as usize + 1, mark.column as usize + 1);
            let data = &(*event).data;
            let converted = match (*event).type_ {
                sys::YAML_STREAM_START_EVENT => Event::StreamStart,
                sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
                sys::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
                sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
                sys::YAML_ALIAS_EVENT => Event::Alias,
                sys::YAML_SCALAR_EVENT => {
                    let s = data.scalar;
                    let bytes = std::slice::from_raw_parts(s.value, s.length as usize);
                    Event::Scalar {
                        value: String::from_utf8_lossy(bytes).into_owned(),
                        plain: s.style == sys::YAML_PLAIN_SCALAR_STYLE,
                        anchor: !s.anchor.is_null(),
                        tag: !s.tag.is_null(),
                    }
                }
                sys::YAML_SEQUENCE_START_EVENT => Event::SequenceStart {
                    anchor: !data.sequence_start.anchor.is_null(),
                    tag: !data.sequence_start.tag.is_null(),
                },
                sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
                sys::YAML_MAPPING_START_EVENT => Event::MappingStart {
                    anchor: !data.mapping_start.anchor.is_null(),
                    tag: !data.mapping_start.tag.is_null(),
                },
                _ => Event::MappingEnd,
            };
            sys::yaml_event_delete(event);
            Ok((converted, at))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: the parser was initialized in `new` and is deleted once.
        unsafe { sys::yaml_parser_delete(self.sys.as_mut_ptr()) }
    }
}

/// libyaml's description of a syntax error, at the place it names.
///
/// # Safety
/// `parser` must be a parser whose last parse failed.
unsafe fn parse_error(parser: &sys::yaml_parser_t) -> Problem {
    let text = |p: *const CChar| -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: libyaml's messages are static NUL-terminated strings.
        let c = unsafe { std::ffi::CStr::from_ptr(p.cast()) };
        c.to_string_lossy().into_owned()
    };
    let problem = text(parser.problem.cast());
    let context = text(parser.context.cast());
    let mark = parser.problem_mark;
    let message = if context.is_empty() {
        format!("invalid YAML: {problem}")
    } else {
        format!("invalid YAML: {problem} {context}")
    };
    let help = if problem.contains("tab") {
        "indent with spaces: YAML does not allow tabs for indentation"
    } else {
        "check the indentation and quote text that contains `: ` or starts with `[`, `{`, `*`, `&` or `#`"
    };
    Problem::new(message, (mark.line as usize + 1, mark.column as usize + 1)).help(help)
}

/// The character type of libyaml's messages.
type CChar = std::ffi::c_char;

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Kind {
        parse(text).expect("parses").kind
    }

    #[test]
    fn types_plain_scalars_by_the_core_schema() {
        let Kind::Map(entries) = kinds("a: 1\nb: 1.5\nc: true\nd: ~\ne: \"1\"\nf: yes\ng: -2e3\n")
        else {
            panic!("a mapping")
        };
        let values: Vec<&Kind> = entries.iter().map(|(_, v)| &v.kind).collect();
        assert_eq!(
            values,
            [
                &Kind::Int(1),
                &Kind::Float(1.5),
                &Kind::Bool(true),
                &Kind::Null,
                &Kind::Str("1".into()),
                &Kind::Str("yes".into()),
                &Kind::Float(-2000.0)
            ]
        );
    }

    #[test]
    fn keeps_the_place_of_keys_and_values() {
        let node = parse("top:\n  inner: [a, b]\n").expect("parses");
        let Kind::Map(entries) = &node.kind else {
            panic!("a mapping")
        };
        let (key, value) = &entries[0];
        assert_eq!((key.name.as_str(), key.line, key.column), ("top", 1, 1));
        let Kind::Map(inner) = &value.kind else {
            panic!("a mapping")
        };
        assert_eq!((inner[0].0.line, inner[0].0.column), (2, 3));
        assert_eq!((inner[0].1.line, inner[0].1.column), (2, 10));
    }

    #[test]
    fn refuses_anchors_aliases_tags_and_documents() {
        for (text, at) in [
            ("a: &x 1\nb: *x\n", (1, 4)),
            ("a: 1\nb: *x\n", (2, 4)),
            ("a: !!str 1\n", (1, 4)),
            ("a: 1\n---\nb: 2\n", (2, 1)),
            ("a: 1\na: 2\n", (2, 1)),
        ] {
            let problem = parse(text).expect_err(text);
            assert_eq!((problem.line, problem.column), at, "{text}: {problem:?}");
        }
    }

    #[test]
    fn reports_syntax_errors_and_depth_at_their_place() {
        let problem = parse("a: [1, 2\nb: 3\n").expect_err("unclosed");
        assert!(problem.message.starts_with("invalid YAML"), "{problem:?}");
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let problem = parse(&deep).expect_err("deep");
        assert_eq!((problem.line, problem.column), (1, 33));
        assert_eq!(parse("").map(|n| n.kind), Ok(Kind::Null));
        assert_eq!(parse("# only a comment\n").map(|n| n.kind), Ok(Kind::Null));
    }
}
