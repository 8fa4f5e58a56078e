//! `[[functions]]` and `[[key_value_stores]]` (spec/cloudfront-functions.md). The code itself is
//! checked by the JS runtime when the proxy loads it; here: names, files and references.

use super::Checker;
use crate::error::{did_you_mean, KeyPath};
use crate::model::{FunctionAssociations, FunctionConfig, KeyValueStoreConfig};
use crate::raw::{RawFunction, RawFunctionAssociations, RawKeyValueStore};

const RUNTIMES: &[&str] = &["cloudfront-js-2.0", "cloudfront-js-1.0"];

pub(super) fn convert(
    c: &mut Checker,
    functions: Vec<RawFunction>,
    stores: Vec<RawKeyValueStore>,
) -> (Vec<FunctionConfig>, Vec<KeyValueStoreConfig>) {
    let root = KeyPath::default();
    let mut out_stores: Vec<KeyValueStoreConfig> = Vec::new();
    for (i, s) in stores.into_iter().enumerate() {
        let at = root.key("key_value_stores").index(i);
        let (Some(name), Some(file)) = (
            c.required(s.name, &at, "name"),
            c.required(s.file, &at, "file"),
        ) else {
            continue;
        };
        let file = c.path(&file);
        if !file.is_file() {
            c.error(
                &at.key("file"),
                format!("`{}` is not a file", file.display()),
            );
        }
        if out_stores.iter().any(|x| x.name == name) {
            c.error(
                &at.key("name"),
                format!("duplicate key value store `{name}`"),
            );
        }
        out_stores.push(KeyValueStoreConfig { name, file });
    }
    let mut out: Vec<FunctionConfig> = Vec::new();
    for (i, f) in functions.into_iter().enumerate() {
        let at = root.key("functions").index(i);
        let (Some(name), Some(code)) = (
            c.required(f.name, &at, "name"),
            c.required(f.code, &at, "code"),
        ) else {
            continue;
        };
        let code = c.path(&code);
        if !code.is_file() {
            c.error(
                &at.key("code"),
                format!("`{}` is not a file", code.display()),
            );
        }
        let runtime = f.runtime.unwrap_or_else(|| RUNTIMES[0].to_owned());
        if !RUNTIMES.contains(&runtime.as_str()) {
            let message = format!(
                "unknown runtime `{runtime}`: expected `cloudfront-js-2.0` or `cloudfront-js-1.0`"
            );
            match did_you_mean(&runtime, RUNTIMES.iter().copied()) {
                Some(h) => c.error_hint(&at.key("runtime"), message, h),
                None => c.error(&at.key("runtime"), message),
            }
        }
        if let Some(kvs) = &f.key_value_store {
            if !out_stores.iter().any(|s| &s.name == kvs) {
                c.error(
                    &at.key("key_value_store"),
                    format!("unknown key value store `{kvs}`"),
                );
            }
        }
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate function `{name}`"));
        }
        out.push(FunctionConfig {
            name,
            runtime,
            code,
            key_value_store: f.key_value_store,
        });
    }
    (out, out_stores)
}

/// A behavior's `function_associations`, each naming a declared function.
pub(super) fn associations(
    c: &mut Checker,
    raw: Option<RawFunctionAssociations>,
    functions: &[FunctionConfig],
    at: &KeyPath,
) -> FunctionAssociations {
    let Some(raw) = raw else {
        return FunctionAssociations::default();
    };
    let mut check = |name: &Option<String>, key: &str| {
        if let Some(n) = name {
            if functions.iter().all(|f| &f.name != n) {
                let message = format!("unknown function `{n}`");
                match did_you_mean(n, functions.iter().map(|f| f.name.as_str())) {
                    Some(h) => c.error_hint(&at.key(key), message, h),
                    None => c.error_hint(&at.key(key), message, "declare it in `[[functions]]`"),
                }
            }
        }
    };
    check(&raw.viewer_request, "viewer_request");
    check(&raw.viewer_response, "viewer_response");
    FunctionAssociations {
        viewer_request: raw.viewer_request,
        viewer_response: raw.viewer_response,
    }
}
