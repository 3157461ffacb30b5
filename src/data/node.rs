//! A data file's value as a tree that remembers where each key and value starts, so the checks
//! on it (fact sheets) can point at the line. Serialized as plain JSON-like data for templates.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A value and where it starts (1-based; a JSON file's values are all at 1:1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// A mapping key and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// What a value is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    /// Entries in the file's order (keys are unique).
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// The value under `name`, when this is a mapping that has it.
    pub(crate) fn get(&self, name: &str) -> Option<(&Key, &Node)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == name)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    pub(crate) fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The text, when this is a string.
    pub(crate) fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Null => "nothing",
            Kind::Bool(_) => "true/false",
            Kind::Int(_) | Kind::Float(_) => "a number",
            Kind::Str(_) => "text",
            Kind::List(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// A JSON value's tree (JSON files carry no places: every node is at 1:1).
    pub(crate) fn from_json(value: serde_json::Value) -> Node {
        let kind = match value {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(b) => Kind::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Kind::Int(i),
                None => Kind::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Kind::Str(s),
            serde_json::Value::Array(items) => {
                Kind::List(items.into_iter().map(Node::from_json).collect())
            }
            serde_json::Value::Object(map) => Kind::Map(
                map.into_iter()
                    .map(|(name, v)| {
                        (
                            Key {
                                name,
                                line: 1,
                                column: 1,
                            },
                            Node::from_json(v),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            kind,
            line: 1,
            column: 1,
        }
    }

    /// How deeply collections nest in this value (a scalar is 0).
    pub(crate) fn depth(&self) -> usize {
        match &self.kind {
            Kind::List(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Kind::Map(entries) => 1 + entries.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            Kind::Null => serializer.serialize_unit(),
            Kind::Bool(b) => serializer.serialize_bool(*b),
            Kind::Int(n) => serializer.serialize_i64(*n),
            Kind::Float(f) => serializer.serialize_f64(*f),
            Kind::Str(s) => serializer.serialize_str(s),
            Kind::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Kind::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(&key.name, value)?;
                }
                map.end()
            }
        }
    }
}
