//! OpenAPI 3.0 import for `[[apis]] openapi = "file.yaml"` (spec/api-gateway.md §9).
//!
//! Runs between reading the TOML and validating it: each document becomes the *raw* routes,
//! authorizers, CORS and API key source of its `[[apis]]` entry, so an imported API goes through
//! the same validation as a TOML-written one. TOML written next to `openapi` extends and
//! overrides the import (API Gateway's import replaces an API's definition; localfront lets the
//! config file patch it): a TOML route replaces the imported route of the same key, a TOML
//! authorizer the imported one of the same name, TOML `cors` and `api_key_source` the document's.
//!
//! Problems in a document are reported at its `file:line:col`; so are validation errors about an
//! imported value, through the origins recorded while reading. Info and Warning findings (parts
//! ignored or left out) are returned as notices.

mod document;
mod import;
mod integration;
mod reader;
mod security;

use std::path::{Path, PathBuf};

use crate::error::{ConfigError, ConfigNotice, Issue, KeyPath, Segment};
use crate::raw_apis::RawApi;
use import::Imported;
use reader::{Origin, Reader};

/// API Gateway's limit on an imported document.
const MAX_DOCUMENT_BYTES: u64 = 6 * 1024 * 1024;

/// One API's imported document and where each imported raw value came from.
#[derive(Debug)]
struct Source {
    /// The API's index in `[[apis]]`.
    api: usize,
    file: PathBuf,
    origins: Vec<(KeyPath, Origin)>,
}

/// The outcome of importing every `[[apis]]` entry's document.
#[derive(Debug, Default)]
pub(crate) struct Imports {
    /// The documents imported.
    sources: Vec<Source>,
    /// Problems in the documents, at their positions.
    pub errors: Vec<ConfigError>,
    /// Info and Warning findings.
    pub notices: Vec<ConfigNotice>,
    /// Problems located in the TOML (a document that cannot be read).
    pub issues: Vec<Issue>,
}

/// Imports the `openapi` document of each API into it; paths resolve against `base_dir`.
pub(crate) fn import_apis(apis: &mut [RawApi], base_dir: &Path) -> Imports {
    let mut out = Imports::default();
    for (i, api) in apis.iter_mut().enumerate() {
        let Some(name) = api.openapi.clone() else {
            continue;
        };
        let at = KeyPath::default().key("apis").index(i).key("openapi");
        let file = if base_dir == Path::new(".") {
            PathBuf::from(&name)
        } else {
            base_dir.join(&name)
        };
        let source = match std::fs::metadata(&file).and_then(|m| {
            if m.len() > MAX_DOCUMENT_BYTES {
                Ok(Err(m.len()))
            } else {
                std::fs::read_to_string(&file).map(Ok)
            }
        }) {
            Ok(Ok(source)) => source,
            Ok(Err(len)) => {
                out.issue(
                    &at,
                    format!(
                        "`{}` is {len} bytes: API Gateway imports OpenAPI documents of up to 6 MB",
                        file.display()
                    ),
                );
                continue;
            }
            Err(e) => {
                out.issue(
                    &at,
                    format!("cannot read the OpenAPI document `{}`: {e}", file.display()),
                );
                continue;
            }
        };
        let mut r = Reader::new(&file);
        let imported = match document::parse(&source) {
            Ok(root) => import::document(&mut r, &root),
            Err(e) => {
                out.errors.push(ConfigError {
                    file: file.clone(),
                    line: e.line,
                    col: e.col,
                    key_path: String::new(),
                    message: e.message,
                    hint: None,
                });
                continue;
            }
        };
        let origins = merge(api, imported, r.origins);
        out.errors.extend(r.errors);
        out.notices.extend(r.notices);
        out.sources.push(Source {
            api: i,
            file,
            origins,
        });
    }
    // An integration `$ref`'d by several routes reports its problems once.
    unique(&mut out.errors);
    unique(&mut out.notices);
    out
}

fn unique<T: PartialEq + Clone>(items: &mut Vec<T>) {
    let mut seen: Vec<T> = Vec::new();
    items.retain(|item| {
        let new = !seen.contains(item);
        if new {
            seen.push(item.clone());
        }
        new
    });
}

impl Imports {
    fn issue(&mut self, at: &KeyPath, message: String) {
        self.issues.push(Issue {
            key_path: at.clone(),
            message,
            hint: None,
            at_key: false,
        });
    }

    /// A validation issue about an imported value, at its position in the document; `None` for
    /// values written in the TOML.
    pub fn locate(&self, issue: &Issue) -> Option<ConfigError> {
        let [Segment::Key(apis), Segment::Index(i), rest @ ..] = issue.key_path.0.as_slice() else {
            return None;
        };
        if apis != "apis" {
            return None;
        }
        let source = self.sources.iter().find(|s| s.api == *i)?;
        let (_, origin) = source
            .origins
            .iter()
            .filter(|(raw, _)| rest.starts_with(&raw.0))
            .max_by_key(|(raw, _)| raw.0.len())?;
        Some(ConfigError {
            file: source.file.clone(),
            line: origin.line,
            col: origin.col,
            key_path: origin.yaml_path.to_string(),
            message: issue.message.clone(),
            hint: issue.hint.clone(),
        })
    }
}

/// Adds the imported parts TOML does not override to `api`; returns the origins of the values
/// kept, with authorizer indexes as they are in `api`.
fn merge(
    api: &mut RawApi,
    imported: Imported,
    origins: Vec<(KeyPath, Origin)>,
) -> Vec<(KeyPath, Origin)> {
    let written: Vec<String> = api.routes.keys().cloned().collect();
    for (key, route) in imported.routes {
        if !written.contains(&key) {
            api.routes.insert(key, route);
        }
    }
    let mut authorizer_index = Vec::new();
    for a in imported.authorizers {
        if api.authorizers.iter().any(|t| t.name == a.name) {
            authorizer_index.push(None);
        } else {
            authorizer_index.push(Some(api.authorizers.len()));
            api.authorizers.push(a);
        }
    }
    let cors_imported = api.cors.is_none() && imported.cors.is_some();
    if cors_imported {
        api.cors = imported.cors;
    }
    let key_source_imported = api.api_key_source.is_none() && imported.api_key_source.is_some();
    if key_source_imported {
        api.api_key_source = imported.api_key_source;
    }
    origins
        .into_iter()
        .filter_map(|(mut raw, origin)| {
            let keep = match raw.0.as_mut_slice() {
                [Segment::Key(k), Segment::Key(route), ..] if k == "routes" => {
                    !written.contains(route)
                }
                [Segment::Key(k), Segment::Index(j), ..] if k == "authorizers" => {
                    match authorizer_index.get(*j).copied().flatten() {
                        Some(new) => {
                            *j = new;
                            true
                        }
                        None => false,
                    }
                }
                [Segment::Key(k), ..] if k == "cors" => cors_imported,
                [Segment::Key(k), ..] if k == "api_key_source" => key_source_imported,
                _ => false,
            };
            keep.then_some((raw, origin))
        })
        .collect()
}

#[cfg(test)]
mod tests;
