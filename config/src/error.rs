//! Config errors: every problem found, each with a position a user can jump to.

use std::fmt;
use std::path::PathBuf;

/// One problem in a config file.
///
/// Displays as `file:line:col: key.path: message (hint)`, e.g.
/// `localfront.toml:14:1: distributions[0].cache_behaviors[1]: unknown key `target_orgin_id` (did you mean `target_origin_id`?)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the error is in (`<embedded>` for the built-in demo config).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// Where in the document: `distributions[0].origins[1].http_port`; empty for the whole file.
    pub key_path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion, where a cheap one exists.
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.col)?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A list of config errors, displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A problem found during validation, located by key path only; the TOML front end adds the
/// position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub key_path: KeyPath,
    pub message: String,
    pub hint: Option<String>,
    /// Point at the key rather than its value (unknown keys).
    pub at_key: bool,
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A path into the document: `distributions[0].origins[1].http_port`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    /// This path extended by a key.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_owned()));
        p
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Suggests the closest of `candidates` to `given`, if one is close enough to be a typo.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(given, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// How much a [`ConfigNotice`] matters (API Gateway's import findings, spec/api-gateway.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Read and ignored: it changes nothing localfront does (e.g. `requestBody` schemas).
    Info,
    /// Not supported: the part it describes was left out (e.g. an integration `type: AWS`).
    Warning,
}

/// A finding that does not stop the config from loading, with its position.
///
/// Displays as `file:line:col: warning: key.path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigNotice {
    /// Info or warning.
    pub severity: Severity,
    /// The file it is about.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// Where in the document; empty for the whole file.
    pub key_path: String,
    /// What was ignored or left out, and why.
    pub message: String,
}

impl fmt::Display for ConfigNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}: ",
            self.file.display(),
            self.line,
            self.col
        )?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        f.write_str(&self.message)
    }
}
