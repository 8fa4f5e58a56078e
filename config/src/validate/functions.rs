//! `[[functions]]` and `[[key_value_stores]]` (spec/cloudfront-functions.md). The code itself is
//! checked by the JS runtime when the proxy loads it; here: names, files and references.

use super::Checker;
use crate::error::{did_you_mean, KeyPath};
use crate::model::{
    EdgeFunctionConfig, FunctionAssociations, FunctionConfig, KeyValueStoreConfig,
    LambdaAssociations,
};
use crate::raw::{
    RawEdgeFunction, RawFunction, RawFunctionAssociations, RawKeyValueStore, RawLambdaAssociations,
};

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

/// `[[edge_functions]]`: names, component files, limits (spec/lambda-edge.md §6).
pub(super) fn convert_edge(c: &mut Checker, raw: Vec<RawEdgeFunction>) -> Vec<EdgeFunctionConfig> {
    let mut out: Vec<EdgeFunctionConfig> = Vec::new();
    for (i, f) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("edge_functions").index(i);
        let Some((name, component)) = c.named_component(f.name, f.component, &at) else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate edge function `{name}`"));
        }
        let timeout = f
            .timeout
            .map(|_| c.ranged(f.timeout, &at.key("timeout"), 1, 30, 30))
            .map(|s| std::time::Duration::from_secs(s as u64));
        out.push(EdgeFunctionConfig {
            name,
            component,
            include_body: f.include_body.unwrap_or(false),
            timeout,
            memory_mb: c.ranged(f.memory_mb, &at.key("memory_mb"), 1, 512, 128) as u64,
            max_concurrency: c.ranged(f.max_concurrency, &at.key("max_concurrency"), 1, 1000, 32)
                as u32,
        });
    }
    out
}

/// A behavior's `lambda_associations`: declared handlers, and no viewer event shared with a
/// CloudFront Function (spec/cloudfront-functions.md §9).
pub(super) fn lambda_associations(
    c: &mut Checker,
    raw: Option<RawLambdaAssociations>,
    edge: &[EdgeFunctionConfig],
    functions: &FunctionAssociations,
    at: &KeyPath,
) -> LambdaAssociations {
    let Some(raw) = raw else {
        return LambdaAssociations::default();
    };
    let mut check = |name: &Option<String>, key: &str| {
        if let Some(n) = name {
            if edge.iter().all(|f| &f.name != n) {
                let message = format!("unknown edge function `{n}`");
                match did_you_mean(n, edge.iter().map(|f| f.name.as_str())) {
                    Some(h) => c.error_hint(&at.key(key), message, h),
                    None => {
                        c.error_hint(&at.key(key), message, "declare it in `[[edge_functions]]`")
                    }
                }
            }
        }
    };
    check(&raw.viewer_request, "viewer_request");
    check(&raw.origin_request, "origin_request");
    check(&raw.origin_response, "origin_response");
    check(&raw.viewer_response, "viewer_response");
    for (lambda, function, key) in [
        (
            &raw.viewer_request,
            &functions.viewer_request,
            "viewer_request",
        ),
        (
            &raw.viewer_response,
            &functions.viewer_response,
            "viewer_response",
        ),
    ] {
        if lambda.is_some() && function.is_some() {
            c.error(
                &at.key(key),
                format!("a CloudFront Function and a Lambda@Edge handler cannot share {key} on one behavior"),
            );
        }
    }
    LambdaAssociations {
        viewer_request: raw.viewer_request,
        origin_request: raw.origin_request,
        origin_response: raw.origin_response,
        viewer_response: raw.viewer_response,
    }
}
