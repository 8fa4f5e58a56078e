//! Cache behaviors and custom error responses (spec/distribution.md §2, §7).

use std::time::Duration;

use super::policies::Catalog;
use super::{quoted, Checker};
use crate::error::{did_you_mean, KeyPath};
use crate::model::{
    AllowedMethods, CacheBehavior, CachedMethods, CustomErrorResponse, Origin, OriginGroup,
    OriginHttpVersion, ViewerProtocolPolicy,
};
use crate::raw::{RawCacheBehavior, RawCustomErrorResponse};

/// Error codes a custom error response may handle, and the codes it may answer with.
const ERROR_CODES: &[i64] = &[400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];
const RESPONSE_CODES: &[i64] = &[200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504];

/// The cache policy of a behavior that names none: the console's default for new behaviors.
const DEFAULT_CACHE_POLICY: &str = "CachingOptimized";

/// What a behavior may reference.
pub(super) struct Targets<'a> {
    pub origins: &'a [Origin],
    pub groups: &'a [OriginGroup],
    pub catalog: &'a Catalog,
    pub response_headers: &'a super::response_headers::ResponseHeadersCatalog,
    pub key_groups: &'a [crate::private_content::KeyGroup],
    pub functions: &'a [crate::model::FunctionConfig],
    pub edge_functions: &'a [crate::model::EdgeFunctionConfig],
}

/// Converts the ordered behaviors and appends the default behavior (pattern `*`) last.
pub(super) fn convert(
    c: &mut Checker,
    raw: Vec<RawCacheBehavior>,
    default: Option<RawCacheBehavior>,
    targets: &Targets,
    distribution: &KeyPath,
) -> Vec<CacheBehavior> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    for (i, b) in raw.into_iter().enumerate() {
        let at = distribution.key("cache_behaviors").index(i);
        let pattern = c.required(b.path_pattern.clone(), &at, "path_pattern");
        if let Some(p) = &pattern {
            check_pattern(c, p, &at.key("path_pattern"));
        }
        out.push(behavior(c, b, pattern.unwrap_or_default(), targets, &at));
    }
    let at = distribution.key("default_cache_behavior");
    match default {
        None => c.error_hint(
            distribution,
            "missing required table `default_cache_behavior`",
            "add `[distributions.default_cache_behavior]` with `target_origin_id`",
        ),
        Some(b) => {
            if b.path_pattern.is_some() {
                c.error(&at.key("path_pattern"), "the default cache behavior has no `path_pattern`: it matches `*`, after every other behavior");
            }
            out.push(behavior(c, b, "*".to_owned(), targets, &at));
        }
    }
    out
}

fn behavior(
    c: &mut Checker,
    b: RawCacheBehavior,
    path_pattern: String,
    targets: &Targets,
    at: &KeyPath,
) -> CacheBehavior {
    let (origins, groups) = (targets.origins, targets.groups);
    let target_origin_id = c
        .required(b.target_origin_id, at, "target_origin_id")
        .unwrap_or_default();
    if !target_origin_id.is_empty()
        && origins.iter().all(|o| o.id != target_origin_id)
        && groups.iter().all(|g| g.id != target_origin_id)
    {
        let ids = origins
            .iter()
            .map(|o| o.id.as_str())
            .chain(groups.iter().map(|g| g.id.as_str()));
        let message = format!("unknown origin or origin group id `{target_origin_id}`");
        match did_you_mean(&target_origin_id, ids) {
            Some(h) => c.error_hint(&at.key("target_origin_id"), message, h),
            None => c.error(&at.key("target_origin_id"), message),
        }
    }
    let viewer_protocol_policy = c.choice(
        b.viewer_protocol_policy.as_deref(),
        &at.key("viewer_protocol_policy"),
        &[
            ("allow-all", ViewerProtocolPolicy::AllowAll),
            ("redirect-to-https", ViewerProtocolPolicy::RedirectToHttps),
            ("https-only", ViewerProtocolPolicy::HttpsOnly),
        ],
        ViewerProtocolPolicy::AllowAll,
    );
    let allowed_methods = match b.allowed_methods {
        None => AllowedMethods::GetHead,
        Some(m) => allowed_methods(c, &m, &at.key("allowed_methods")),
    };
    let cached_methods = match b.cached_methods {
        None => CachedMethods::GetHead,
        Some(m) => cached_methods(c, &m, allowed_methods, &at.key("cached_methods")),
    };
    let policy_name = b.cache_policy.as_deref().unwrap_or(DEFAULT_CACHE_POLICY);
    let cache_policy = targets
        .catalog
        .cache_policy(c, policy_name, &at.key("cache_policy"))
        .unwrap_or_else(|| {
            targets
                .catalog
                .cache_policy(c, DEFAULT_CACHE_POLICY, at)
                .expect("managed policy")
        });
    let origin_request_policy = b.origin_request_policy.and_then(|name| {
        targets
            .catalog
            .origin_request_policy(c, &name, &at.key("origin_request_policy"))
    });
    let grpc = grpc(c, b.grpc, allowed_methods, &target_origin_id, targets, at);
    let response_headers_policy = b.response_headers_policy.and_then(|name| {
        targets
            .response_headers
            .get(c, &name, &at.key("response_headers_policy"))
    });
    let trusted_key_groups = super::private_content::trusted(
        c,
        b.trusted_key_groups,
        targets.key_groups,
        &at.key("trusted_key_groups"),
    );
    let function_associations = super::functions::associations(
        c,
        b.function_associations,
        targets.functions,
        &at.key("function_associations"),
    );
    CacheBehavior {
        path_pattern,
        target_origin_id,
        viewer_protocol_policy,
        allowed_methods,
        cached_methods,
        cache_policy,
        origin_request_policy,
        response_headers_policy,
        trusted_key_groups,
        compress: b.compress.unwrap_or(false),
        lambda_associations: super::functions::lambda_associations(
            c,
            b.lambda_associations,
            targets.edge_functions,
            &function_associations,
            &at.key("lambda_associations"),
        ),
        function_associations,
        grpc,
    }
}

/// `grpc = true`: CloudFront requires a behavior allowing every method (gRPC is `POST`) and an
/// origin that speaks HTTP/2.
fn grpc(
    c: &mut Checker,
    enabled: Option<bool>,
    allowed: AllowedMethods,
    target: &str,
    targets: &Targets,
    at: &KeyPath,
) -> bool {
    if enabled != Some(true) {
        return false;
    }
    if allowed != AllowedMethods::All {
        c.error_hint(
            &at.key("grpc"),
            "gRPC needs a behavior that allows POST",
            "set `allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]`",
        );
    }
    let members: Vec<&str> = match targets.groups.iter().find(|g| g.id == target) {
        Some(g) => vec![g.primary.as_str(), g.secondary.as_str()],
        None => vec![target],
    };
    for id in members {
        let origin = targets.origins.iter().find(|o| o.id == id);
        if origin.is_some_and(|o| o.http_version != OriginHttpVersion::Http2) {
            c.error_hint(
                &at.key("grpc"),
                format!("gRPC needs an HTTP/2 origin, and origin `{id}` speaks HTTP/1.1"),
                format!("set `http_version = \"http2\"` on origin `{id}`"),
            );
        }
    }
    true
}

/// `["GET","HEAD"]` or `["GET","HEAD","OPTIONS"]`, within the allowed methods.
fn cached_methods(
    c: &mut Checker,
    methods: &[String],
    allowed: AllowedMethods,
    at: &KeyPath,
) -> CachedMethods {
    let mut m: Vec<String> = methods.iter().map(|s| s.to_ascii_uppercase()).collect();
    m.sort();
    m.dedup();
    match m.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["GET", "HEAD"] => CachedMethods::GetHead,
        ["GET", "HEAD", "OPTIONS"] if allowed != AllowedMethods::GetHead => {
            CachedMethods::GetHeadOptions
        }
        ["GET", "HEAD", "OPTIONS"] => {
            c.error(at, "OPTIONS is cached but not in `allowed_methods`");
            CachedMethods::GetHead
        }
        _ => {
            c.error(
                at,
                "expected [\"GET\", \"HEAD\"] or [\"GET\", \"HEAD\", \"OPTIONS\"]",
            );
            CachedMethods::GetHead
        }
    }
}

/// CloudFront accepts exactly three method sets, in any order (spec/distribution.md §6).
fn allowed_methods(c: &mut Checker, methods: &[String], at: &KeyPath) -> AllowedMethods {
    let mut m: Vec<String> = methods.iter().map(|s| s.to_ascii_uppercase()).collect();
    m.sort();
    m.dedup();
    let m: Vec<&str> = m.iter().map(String::as_str).collect();
    match m.as_slice() {
        ["GET", "HEAD"] => AllowedMethods::GetHead,
        ["GET", "HEAD", "OPTIONS"] => AllowedMethods::GetHeadOptions,
        ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"] => AllowedMethods::All,
        _ => {
            c.error(
                at,
                format!(
                    "{} is not a method set CloudFront allows: expected [\"GET\",\"HEAD\"], [\"GET\",\"HEAD\",\"OPTIONS\"] or all seven (GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE)",
                    quoted(&m)
                ),
            );
            AllowedMethods::GetHead
        }
    }
}

/// ≤ 255 characters from CloudFront's set (spec/distribution.md §2).
fn check_pattern(c: &mut Checker, p: &str, at: &KeyPath) {
    if p.is_empty() {
        c.error(at, "empty path pattern");
    } else if p.chars().count() > 255 {
        c.error(
            at,
            format!(
                "path pattern is {} characters long: at most 255 are allowed",
                p.chars().count()
            ),
        );
    }
    if let Some(bad) = p
        .chars()
        .find(|ch| !(ch.is_ascii_alphanumeric() || "_-.*$/~\"'@:+&?".contains(*ch)))
    {
        c.error(at, format!("character `{bad}` is not allowed in a path pattern (allowed: A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & ?)"));
    }
}

pub(super) fn convert_error_responses(
    c: &mut Checker,
    raw: Vec<RawCustomErrorResponse>,
    at: &KeyPath,
) -> Vec<CustomErrorResponse> {
    let mut out: Vec<CustomErrorResponse> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let at = at.index(i);
        let Some(code) = c.required(r.error_code, &at, "error_code") else {
            continue;
        };
        if !ERROR_CODES.contains(&code) {
            c.error(
                &at.key("error_code"),
                format!(
                    "{code} is not an error code CloudFront customizes: expected one of {}",
                    codes(ERROR_CODES)
                ),
            );
        }
        if out.iter().any(|x| i64::from(x.error_code) == code) {
            c.error(&at.key("error_code"), format!("a second rule for {code}"));
        }
        if let Some(p) = &r.response_page_path {
            if !p.starts_with('/') {
                c.error(
                    &at.key("response_page_path"),
                    format!("`{p}` must start with `/`"),
                );
            }
        }
        let response_code = match r.response_code {
            None => code,
            Some(rc) => {
                if !RESPONSE_CODES.contains(&rc) {
                    c.error(
                        &at.key("response_code"),
                        format!(
                            "{rc} is not allowed: expected one of {}",
                            codes(RESPONSE_CODES)
                        ),
                    );
                }
                // CloudFront requires a page whenever the code is changed.
                if r.response_page_path.is_none() {
                    c.error(
                        &at.key("response_code"),
                        "`response_code` needs `response_page_path`",
                    );
                }
                rc
            }
        };
        let ttl = c.ranged(
            r.error_caching_min_ttl,
            &at.key("error_caching_min_ttl"),
            0,
            31_536_000,
            10,
        );
        out.push(CustomErrorResponse {
            error_code: code as u16,
            response_page_path: r.response_page_path,
            response_code: response_code as u16,
            error_caching_min_ttl: Duration::from_secs(ttl as u64),
        });
    }
    out
}

fn codes(list: &[i64]) -> String {
    list.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
