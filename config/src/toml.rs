//! The TOML front end: the only place that knows TOML.
//!
//! Reads the document once into toml's spanned tree, deserializes the raw structs from it while
//! `serde_ignored` collects unknown keys, converts to the model, and turns every issue's key path
//! back into `file:line:col` using the same tree.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::{
    did_you_mean, ConfigError, ConfigErrors, ConfigNotice, Issue, KeyPath, Segment,
};
use crate::model::Config;
use crate::raw::RawConfig;
use crate::schema::keys_of_table;
use crate::validate::{convert, quoted};

/// Loads and validates a config file; relative paths in it resolve against its folder.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    load_reporting(path).map(|(config, _)| config)
}

/// [`load`], with the findings that did not stop the config from loading (OpenAPI import's Info
/// and Warning findings).
pub fn load_reporting(path: &Path) -> Result<(Config, Vec<ConfigNotice>), ConfigErrors> {
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
    parse_reporting(&source, path, &base)
}

/// Parses and validates config text. `file` names it in errors; `base_dir` resolves relative paths.
pub fn parse(source: &str, file: &Path, base_dir: &Path) -> Result<Config, ConfigErrors> {
    parse_reporting(source, file, base_dir).map(|(config, _)| config)
}

/// [`parse`], with the findings that did not stop the config from loading.
pub fn parse_reporting(
    source: &str,
    file: &Path,
    base_dir: &Path,
) -> Result<(Config, Vec<ConfigNotice>), ConfigErrors> {
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
    let mut raw: RawConfig =
        serde_ignored::deserialize(toml::de::Deserializer::from(doc.clone()), |p| {
            unknown.push(key_path(&p))
        })
        .map_err(|e| {
            let path = e.span().and_then(|s| path_at(&doc, s.start));
            ConfigErrors(vec![at(
                e.span(),
                path.map(|p| p.to_string()).unwrap_or_default(),
                plain_type_names(e.message()),
                None,
            )])
        })?;

    let mut issues: Vec<Issue> = unknown.into_iter().map(unknown_key).collect();
    let mut imports = crate::openapi::import_apis(&mut raw.apis, base_dir);
    issues.extend(imports.issues.iter().cloned());
    let config = match convert(raw, base_dir) {
        Ok(config) => Some(config),
        Err(more) => {
            issues.extend(more);
            None
        }
    };
    match config {
        Some(config) if issues.is_empty() && imports.errors.is_empty() => {
            Ok((config, imports.notices))
        }
        _ => {
            let import_errors = std::mem::take(&mut imports.errors);
            let mut errors: Vec<ConfigError> = issues
                .into_iter()
                .map(|i| {
                    imports.locate(&i).unwrap_or_else(|| {
                        let span = locate(&doc, &i.key_path, i.at_key);
                        at(Some(span), i.key_path.to_string(), i.message, i.hint)
                    })
                })
                .chain(import_errors)
                .collect();
            // In file order, so a user can fix them top to bottom: the config file first, then
            // the OpenAPI documents it imports.
            errors.sort_by(|a, b| {
                (a.file != file, &a.file, a.line, a.col).cmp(&(
                    b.file != file,
                    &b.file,
                    b.line,
                    b.col,
                ))
            });
            Err(ConfigErrors(errors))
        }
    }
}

/// serde's Rust type names in TOML's words: `expected i64` → `expected an integer`.
fn plain_type_names(message: &str) -> String {
    let mut m = message.to_owned();
    for (rust, toml) in [
        ("expected i64", "expected an integer"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
    ] {
        m = m.replace(rust, toml);
    }
    if let Some(i) = m.find("expected struct Raw") {
        m.replace_range(i.., "expected a table");
    }
    m
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

/// The key path of the innermost value whose span contains byte `offset`: serde's errors (wrong
/// value types) carry a span but no path. Searches the whole tree, since a `[table]`'s span does
/// not cover the keys below its header.
fn path_at(doc: &Spanned<DeTable>, offset: usize) -> Option<KeyPath> {
    fn in_value(v: &Spanned<DeValue>, offset: usize, path: KeyPath) -> Option<KeyPath> {
        let inner = match v.get_ref() {
            DeValue::Table(t) => in_table(t, offset, &path),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, v)| in_value(v, offset, path.index(i))),
            _ => None,
        };
        inner.or_else(|| v.span().contains(&offset).then_some(path))
    }
    fn in_table(t: &DeTable, offset: usize, path: &KeyPath) -> Option<KeyPath> {
        t.iter()
            .find_map(|(k, v)| in_value(v, offset, path.key(k.get_ref())))
    }
    in_table(doc.get_ref(), offset, &KeyPath::default())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..source.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(source: &str) -> Spanned<DeTable<'_>> {
        DeTable::parse(source).unwrap()
    }

    fn path(segments: &[&str]) -> KeyPath {
        KeyPath(
            segments
                .iter()
                .map(|s| match s.parse() {
                    Ok(n) => Segment::Index(n),
                    Err(_) => Segment::Key((*s).to_owned()),
                })
                .collect(),
        )
    }

    /// `line:col` of where `path` is located in `source`.
    fn located(source: &str, segments: &[&str], at_key: bool) -> (usize, usize) {
        line_col(source, locate(&doc(source), &path(segments), at_key).start)
    }

    #[test]
    fn line_col_is_one_based() {
        assert_eq!(line_col("a = 1\nb = 2\n", 0), (1, 1));
        assert_eq!(line_col("a = 1\nb = 2\n", 4), (1, 5));
        assert_eq!(line_col("a = 1\nb = 2\n", 6), (2, 1));
        assert_eq!(line_col("a = 1\nb = 2\n", 10), (2, 5));
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        // `é` is 2 bytes, `😀` is 4: `x` is at byte 13 but is the 10th character.
        let s = "a = \"é😀\" x";
        assert_eq!(s.find('x'), Some(13));
        assert_eq!(line_col(s, 13), (1, 10));
        // Multibyte characters on earlier lines do not shift later columns.
        assert_eq!(line_col("é = 1\nb = 2", "é = 1\nb".len()), (2, 2));
    }

    #[test]
    fn line_col_inside_a_multibyte_character_points_at_it() {
        // Byte 5 is the second byte of `é` (bytes 4..6).
        assert_eq!(line_col("a = é", 5), (1, 5));
    }

    #[test]
    fn line_col_past_the_end_is_clamped() {
        assert_eq!(line_col("a = 1\n", 100), (2, 1));
        assert_eq!(line_col("", 3), (1, 1));
    }

    #[test]
    fn line_col_ignores_the_cr_of_crlf() {
        assert_eq!(line_col("a = 1\r\nb = 2", 7), (2, 1));
        assert_eq!(line_col("a = 1\r\nb = 2", 11), (2, 5));
    }

    const DOC: &str = r#"[server]
http_listen = "x"

[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
s3 = { directory = "d" }
custom_headers = { "X-A" = "1" }

[[distributions]]
aliases = ["a.test", "b.test"]
"#;

    #[test]
    fn locate_points_at_the_value_or_the_key() {
        assert_eq!(located(DOC, &["server", "http_listen"], false), (2, 15));
        assert_eq!(located(DOC, &["server", "http_listen"], true), (2, 1));
    }

    #[test]
    fn locate_walks_arrays_of_tables_and_inline_tables() {
        let at = ["distributions", "0", "origins", "0", "s3", "directory"];
        assert_eq!(located(DOC, &at, false), (8, 20));
        assert_eq!(located(DOC, &at, true), (8, 8));
        let at = [
            "distributions",
            "0",
            "origins",
            "0",
            "custom_headers",
            "X-A",
        ];
        assert_eq!(located(DOC, &at, true), (9, 20));
        assert_eq!(
            located(DOC, &["distributions", "1", "aliases", "1"], false),
            (12, 22)
        );
    }

    #[test]
    fn locate_a_missing_key_reports_its_table() {
        assert_eq!(located(DOC, &["server", "tls_key"], false), (1, 1));
        assert_eq!(located(DOC, &["distributions", "1", "id"], false), (11, 1));
        let at = ["distributions", "0", "origins", "0", "s3", "index_document"];
        assert_eq!(located(DOC, &at, false), (8, 6));
        // An index past the end reports the array.
        assert_eq!(
            located(DOC, &["distributions", "1", "aliases", "5"], false),
            (12, 11)
        );
    }

    #[test]
    fn locate_the_empty_path_is_the_start_of_the_file() {
        assert_eq!(located(DOC, &[], false), (1, 1));
    }

    #[test]
    fn path_at_finds_the_innermost_value() {
        let d = doc(DOC);
        let at = |needle: &str| path_at(&d, DOC.find(needle).unwrap()).map(|p| p.to_string());
        assert_eq!(at("\"x\"").as_deref(), Some("server.http_listen"));
        assert_eq!(at("\"E1\"").as_deref(), Some("distributions[0].id"));
        assert_eq!(
            at("\"d\"").as_deref(),
            Some("distributions[0].origins[0].s3.directory")
        );
        assert_eq!(
            at("\"b.test\"").as_deref(),
            Some("distributions[1].aliases[1]")
        );
        // A key is not a value.
        assert_eq!(at("http_listen"), None);
    }

    fn errors(source: &str) -> Vec<String> {
        parse(source, Path::new("t.toml"), Path::new("."))
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_wrong_value_type_names_its_key_path() {
        let source = "[[distributions]]\nid = \"E1\"\n[[distributions.origin_groups]]\nid = \"g\"\nfailover_status_codes = [500, \"502\"]\n";
        assert_eq!(
            errors(source),
            [
                r#"t.toml:5:31: distributions[0].origin_groups[0].failover_status_codes[1]: invalid type: string "502", expected an integer"#
            ]
        );
    }

    #[test]
    fn a_syntax_error_has_no_key_path() {
        assert_eq!(
            errors("[server]\nhttp_listen = \n"),
            ["t.toml:2:15: string values must be quoted, expected literal string"]
        );
    }

    #[test]
    fn an_unknown_key_far_from_any_accepted_key_lists_them() {
        let source = "[server]\nzzz = 1\n[[distributions]]\n";
        let first = &errors(source)[0];
        assert!(
            first.starts_with("t.toml:2:1: server.zzz: unknown key `zzz` (expected one of `http_listen`, `https_listen`, `admin_listen`,"),
            "{first}"
        );
        assert!(
            first.contains("`grace_period`") && first.ends_with("`)"),
            "{first}"
        );
    }

    #[test]
    fn an_unknown_key_in_a_free_form_table_cannot_happen() {
        // custom_headers takes any name: no unknown-key error, only header validation.
        let source = "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\ncustom_headers = { \"X-Anything\" = \"1\" }\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n";
        assert!(parse(source, Path::new("t.toml"), Path::new(".")).is_ok());
    }
}
