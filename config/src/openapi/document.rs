//! An OpenAPI document as a tree of YAML nodes that know their `line:col`: the one place that
//! knows YAML. JSON documents are YAML 1.2 too and load the same way.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A node and where it starts (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub line: usize,
    pub col: usize,
    pub value: Value,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order, each with its own position.
    Map(Vec<(Key, Node)>),
}

/// A mapping key (scalars as their text: `200:` is `"200"`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub line: usize,
    pub col: usize,
}

/// A syntax error: where and what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses the first document of `source`.
pub(crate) fn parse(source: &str) -> Result<Node, SyntaxError> {
    let docs = MarkedYaml::load_from_str(source).map_err(|e| SyntaxError {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    match docs.first() {
        Some(doc) => node(doc),
        None => Err(SyntaxError {
            line: 1,
            col: 1,
            message: "the document is empty".into(),
        }),
    }
}

fn node(y: &MarkedYaml<'_>) -> Result<Node, SyntaxError> {
    let (line, col) = (y.span.start.line(), y.span.start.col() + 1);
    let value = match &y.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Sequence(items) => Value::Seq(items.iter().map(node).collect::<Result<_, _>>()?),
        YamlData::Mapping(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let name = match node(k)?.value {
                    Value::Str(s) => s,
                    Value::Int(i) => i.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Float(f) => format!("{f:?}"),
                    Value::Null => "null".into(),
                    Value::Seq(_) | Value::Map(_) => {
                        return Err(SyntaxError {
                            line: k.span.start.line(),
                            col: k.span.start.col() + 1,
                            message: "a mapping key must be a plain value".into(),
                        })
                    }
                };
                let key = Key {
                    name,
                    line: k.span.start.line(),
                    col: k.span.start.col() + 1,
                };
                entries.push((key, node(v)?));
            }
            Value::Map(entries)
        }
        YamlData::Tagged(_, inner) => return node(inner),
        YamlData::Representation(text, _, _) => Value::Str(text.to_string()),
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(SyntaxError {
                line,
                col,
                message: "a value YAML cannot resolve (an unknown alias or a bad tagged value)"
                    .into(),
            })
        }
    };
    Ok(Node { line, col, value })
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Int(*i),
        Scalar::FloatingPoint(f) => Value::Float(f.into_inner()),
        Scalar::String(s) => Value::Str(s.to_string()),
    }
}

impl Node {
    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// A scalar as text: strings as they are, numbers and booleans as written in YAML's core
    /// schema (`2.0` → `"2.0"`).
    pub fn text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format!("{f:?}")),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_and_keys_know_their_position() {
        let doc = parse("a: 1\nb:\n  c: \"x\"\n  d: [2.0, true]\n").unwrap();
        let (k, b) = doc.get("b").unwrap();
        assert_eq!((k.line, k.col), (2, 1));
        let (k, c) = b.get("c").unwrap();
        assert_eq!((k.line, k.col, c.line, c.col), (3, 3, 3, 6));
        assert_eq!(c.text().as_deref(), Some("x"));
        let (_, d) = b.get("d").unwrap();
        let Value::Seq(items) = &d.value else {
            panic!("{d:?}")
        };
        assert_eq!(items[0].text().as_deref(), Some("2.0"));
        assert_eq!((items[1].line, items[1].col), (4, 12));
    }

    #[test]
    fn json_loads_as_yaml() {
        let doc = parse("{\n  \"openapi\": \"3.0.1\",\n  \"paths\": {}\n}\n").unwrap();
        let (k, v) = doc.get("openapi").unwrap();
        assert_eq!((k.line, k.col), (2, 3));
        assert_eq!(v.text().as_deref(), Some("3.0.1"));
    }

    #[test]
    fn tab_indented_json_with_crlf_loads() {
        let doc = parse(
            "{\r\n\t\"openapi\": \"3.0.1\",\r\n\t\"paths\": {\r\n\t\t\"/a\": {}\r\n\t}\r\n}\r\n",
        )
        .unwrap();
        let (k, _) = doc.get("paths").unwrap();
        assert_eq!((k.line, k.col), (3, 2));
    }

    #[test]
    fn syntax_errors_and_duplicate_keys_have_positions() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1 && !e.message.is_empty(), "{e:?}");
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
