//! The TOML front end: the only place that knows TOML.
//!
//! Reads the document once into toml's spanned tree, deserializes the raw structs from it while
//! `serde_ignored` collects unknown keys, converts to the model, and turns every issue's key path
//! back into `file:line:col` using the same tree.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::{did_you_mean, ConfigError, ConfigErrors, Issue, KeyPath, Segment};
use crate::model::Config;
use crate::raw::RawConfig;
use crate::schema::keys_of_table;
use crate::validate::{convert, quoted};

/// Loads and validates a config file; relative paths in it resolve against its folder.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: path.to_owned(),
            line: 1,
            col: 1,
            key_path: String::new(),
            message: format!("cannot read the config file: {e}"),
            hint: None,
        }])
    })?;
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    let base = if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    };
    parse(&source, path, &base)
}

/// Parses and validates config text. `file` names it in errors; `base_dir` resolves relative paths.
pub fn parse(source: &str, file: &Path, base_dir: &Path) -> Result<Config, ConfigErrors> {
    let at = |span: Option<std::ops::Range<usize>>, key_path: String, message: String, hint| {
        let (line, col) = line_col(source, span.map_or(0, |s| s.start));
        ConfigError {
            file: file.to_owned(),
            line,
            col,
            key_path,
            message,
            hint,
        }
    };
    let doc = DeTable::parse(source).map_err(|e| {
        ConfigErrors(vec![at(
            e.span(),
            String::new(),
            e.message().to_owned(),
            None,
        )])
    })?;

    let mut unknown: Vec<KeyPath> = Vec::new();
    let raw: RawConfig =
        serde_ignored::deserialize(toml::de::Deserializer::from(doc.clone()), |p| {
            unknown.push(key_path(&p))
        })
        .map_err(|e| {
            ConfigErrors(vec![at(
                e.span(),
                String::new(),
                e.message().to_owned(),
                None,
            )])
        })?;

    let mut issues: Vec<Issue> = unknown.into_iter().map(unknown_key).collect();
    let config = match convert(raw, base_dir) {
        Ok(config) => Some(config),
        Err(more) => {
            issues.extend(more);
            None
        }
    };
    match config {
        Some(config) if issues.is_empty() => Ok(config),
        _ => Err(ConfigErrors(
            issues
                .into_iter()
                .map(|i| {
                    let span = locate(&doc, &i.key_path, i.at_key);
                    at(Some(span), i.key_path.to_string(), i.message, i.hint)
                })
                .collect(),
        )),
    }
}

/// The issue for a key serde did not use, with the table's accepted keys as the hint.
fn unknown_key(path: KeyPath) -> Issue {
    let Some(Segment::Key(key)) = path.0.last().cloned() else {
        return Issue {
            key_path: path,
            message: "unexpected value".into(),
            hint: None,
            at_key: true,
        };
    };
    let table: Vec<&str> = path.0[..path.0.len() - 1]
        .iter()
        .filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    let accepted = keys_of_table(&table).unwrap_or_default();
    let hint = did_you_mean(&key, accepted.iter().copied()).or_else(|| {
        (!accepted.is_empty()).then(|| format!("expected one of {}", quoted(accepted)))
    });
    Issue {
        message: format!("unknown key `{key}`"),
        key_path: path,
        hint,
        at_key: true,
    }
}

/// serde_ignored's path as our key path.
fn key_path(p: &serde_ignored::Path) -> KeyPath {
    match p {
        serde_ignored::Path::Root => KeyPath::default(),
        serde_ignored::Path::Seq { parent, index } => key_path(parent).index(*index),
        serde_ignored::Path::Map { parent, key } => key_path(parent).key(key),
        serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => key_path(parent),
    }
}

/// The span of the deepest part of `path` present in the document: the key itself when `at_key`,
/// else its value; a missing key reports at its table.
fn locate(doc: &Spanned<DeTable>, path: &KeyPath, at_key: bool) -> std::ops::Range<usize> {
    let mut span = doc.span();
    let mut table: Option<&DeTable> = Some(doc.get_ref());
    let mut array: Option<&[Spanned<DeValue>]> = None;
    for (i, seg) in path.0.iter().enumerate() {
        let last = i + 1 == path.0.len();
        let value = match (seg, table, array) {
            (Segment::Key(k), Some(t), _) => match t.get_key_value(k.as_str()) {
                Some((key, value)) => {
                    span = if last && at_key {
                        key.span()
                    } else {
                        value.span()
                    };
                    value
                }
                None => break,
            },
            (Segment::Index(n), _, Some(a)) => match a.get(*n) {
                Some(value) => {
                    span = value.span();
                    value
                }
                None => break,
            },
            _ => break,
        };
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(a.as_ref())),
            _ => (None, None),
        };
    }
    span
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..source.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
