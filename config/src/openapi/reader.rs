//! Reading an OpenAPI document's nodes with every problem reported at its `file:line:col`: typed
//! accessors, the keys an object accepts, and where each imported value came from.

use std::path::{Path, PathBuf};

use super::document::{Key, Node, Value};
use crate::error::{did_you_mean, ConfigError, ConfigNotice, KeyPath, Severity};
use crate::validate::quoted;

/// Where an imported value was written: its position and its path in the OpenAPI document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub line: usize,
    pub col: usize,
    pub yaml_path: KeyPath,
}

/// A position in the document: a node's or a key's.
pub(crate) trait Position {
    fn line_col(&self) -> (usize, usize);
}

impl Position for Node {
    fn line_col(&self) -> (usize, usize) {
        (self.line, self.col)
    }
}

impl Position for Key {
    fn line_col(&self) -> (usize, usize) {
        (self.line, self.col)
    }
}

/// Collects errors, notices and origins while one document is read.
pub(crate) struct Reader {
    pub file: PathBuf,
    pub errors: Vec<ConfigError>,
    pub notices: Vec<ConfigNotice>,
    /// Origins by the key path of the raw value they became, relative to the API
    /// (`routes.GET /pets.uri`).
    pub origins: Vec<(KeyPath, Origin)>,
}

impl Reader {
    pub fn new(file: &Path) -> Self {
        Self {
            file: file.to_owned(),
            errors: Vec::new(),
            notices: Vec::new(),
            origins: Vec::new(),
        }
    }

    pub fn error(&mut self, at: &impl Position, path: &KeyPath, message: impl Into<String>) {
        self.push_error(at, path, message.into(), None);
    }

    pub fn error_hint(
        &mut self,
        at: &impl Position,
        path: &KeyPath,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push_error(at, path, message.into(), Some(hint.into()));
    }

    fn push_error(
        &mut self,
        at: &impl Position,
        path: &KeyPath,
        message: String,
        hint: Option<String>,
    ) {
        let (line, col) = at.line_col();
        self.errors.push(ConfigError {
            file: self.file.clone(),
            line,
            col,
            key_path: path.to_string(),
            message,
            hint,
        });
    }

    pub fn notice(
        &mut self,
        severity: Severity,
        at: &impl Position,
        path: &KeyPath,
        message: impl Into<String>,
    ) {
        let (line, col) = at.line_col();
        self.notices.push(ConfigNotice {
            severity,
            file: self.file.clone(),
            line,
            col,
            key_path: path.to_string(),
            message: message.into(),
        });
    }

    /// Records that the raw value at `raw` (relative to the API) was read from `at`.
    pub fn came_from(&mut self, raw: KeyPath, at: &impl Position, yaml_path: &KeyPath) {
        let (line, col) = at.line_col();
        self.origins.push((
            raw,
            Origin {
                line,
                col,
                yaml_path: yaml_path.clone(),
            },
        ));
    }

    /// A mapping's entries; anything else is an error (and reads as empty).
    pub fn entries<'a>(&mut self, node: &'a Node, path: &KeyPath) -> &'a [(Key, Node)] {
        match &node.value {
            Value::Map(entries) => entries,
            _ => {
                self.error(
                    node,
                    path,
                    format!("expected a mapping, found {}", node.kind()),
                );
                &[]
            }
        }
    }

    /// A scalar as text (`2.0` → `"2.0"`).
    pub fn text(&mut self, node: &Node, path: &KeyPath) -> Option<String> {
        let text = node.text();
        if text.is_none() {
            self.error(
                node,
                path,
                format!("expected a string, found {}", node.kind()),
            );
        }
        text
    }

    /// A string (numbers are not accepted where the document means a name or a URI).
    pub fn string(&mut self, node: &Node, path: &KeyPath) -> Option<String> {
        match &node.value {
            Value::Str(s) => Some(s.clone()),
            _ => {
                self.error(
                    node,
                    path,
                    format!("expected a string, found {}", node.kind()),
                );
                None
            }
        }
    }

    pub fn integer(&mut self, node: &Node, path: &KeyPath) -> Option<i64> {
        match &node.value {
            Value::Int(i) => Some(*i),
            _ => {
                self.error(
                    node,
                    path,
                    format!("expected an integer, found {}", node.kind()),
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &KeyPath) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(
                    node,
                    path,
                    format!("expected true or false, found {}", node.kind()),
                );
                None
            }
        }
    }

    /// A list of strings; with `comma_separated`, one string of comma-separated items too
    /// (`identitySource: "$request.header.A, $request.querystring.b"`).
    pub fn strings(&mut self, node: &Node, path: &KeyPath, comma_separated: bool) -> Vec<String> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.string(item, &path.index(i)))
                .collect(),
            Value::Str(s) if comma_separated => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => {
                self.error(
                    node,
                    path,
                    format!("expected a list of strings, found {}", node.kind()),
                );
                Vec::new()
            }
        }
    }

    /// A mapping of strings to strings.
    pub fn string_map<'a>(
        &mut self,
        node: &'a Node,
        path: &KeyPath,
    ) -> Vec<(&'a Key, &'a Node, String)> {
        let mut out = Vec::new();
        for (k, v) in self.entries(node, path) {
            if let Some(text) = self.text(v, &path.key(&k.name)) {
                out.push((k, v, text));
            }
        }
        out
    }

    /// An unknown key of an object that accepts `accepted`.
    pub fn unknown_key(&mut self, key: &Key, path: &KeyPath, accepted: &[&str]) {
        let message = format!("unknown key `{}`", key.name);
        let hint = did_you_mean(&key.name, accepted.iter().copied())
            .unwrap_or_else(|| format!("expected one of {}", quoted(accepted)));
        self.error_hint(key, &path.key(&key.name), message, hint);
    }
}
