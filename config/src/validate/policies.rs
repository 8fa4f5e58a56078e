//! `[[cache_policies]]` and `[[origin_request_policies]]`, and the catalog behaviors resolve policy
//! names against: the file's own policies, then AWS's managed ones (spec/managed-policies.md).

use std::time::Duration;

use super::Checker;
use crate::error::{did_you_mean, KeyPath};
use crate::policies::{
    managed_cache_policies, managed_origin_request_policies, CachePolicy, HeaderForwarding,
    OriginRequestPolicy, Selection,
};
use crate::raw::{RawCachePolicy, RawOriginRequestPolicy};
use crate::raw_selection::RawSelection;

/// CloudFront's quota on names per selection list.
const MAX_NAMES: usize = 10;

/// Every policy a behavior may name.
pub(crate) struct Catalog {
    cache: Vec<CachePolicy>,
    origin_request: Vec<OriginRequestPolicy>,
}

impl Catalog {
    /// The cache policy `name`, reporting an unknown name at `at`.
    pub fn cache_policy(&self, c: &mut Checker, name: &str, at: &KeyPath) -> Option<CachePolicy> {
        let found = self.cache.iter().find(|p| p.name == name).cloned();
        if found.is_none() {
            unknown(
                c,
                "cache policy",
                name,
                self.cache.iter().map(|p| p.name.as_str()),
                at,
            );
        }
        found
    }

    /// The origin request policy `name`, reporting an unknown name at `at`.
    pub fn origin_request_policy(
        &self,
        c: &mut Checker,
        name: &str,
        at: &KeyPath,
    ) -> Option<OriginRequestPolicy> {
        let found = self.origin_request.iter().find(|p| p.name == name).cloned();
        if found.is_none() {
            unknown(
                c,
                "origin request policy",
                name,
                self.origin_request.iter().map(|p| p.name.as_str()),
                at,
            );
        }
        found
    }
}

fn unknown<'a>(
    c: &mut Checker,
    what: &str,
    name: &str,
    names: impl Iterator<Item = &'a str> + Clone,
    at: &KeyPath,
) {
    let message = format!("unknown {what} `{name}`");
    match did_you_mean(name, names.clone()) {
        Some(hint) => c.error_hint(at, message, hint),
        None => c.error_hint(
            at,
            message,
            format!(
                "expected one of {}",
                super::quoted(&names.collect::<Vec<_>>())
            ),
        ),
    }
}

/// Converts the file's policies and builds the catalog.
pub(super) fn catalog(
    c: &mut Checker,
    cache: Vec<RawCachePolicy>,
    origin_request: Vec<RawOriginRequestPolicy>,
) -> Catalog {
    let mut catalog = Catalog {
        cache: managed_cache_policies(),
        origin_request: managed_origin_request_policies(),
    };
    let root = KeyPath::default();
    for (i, p) in cache.into_iter().enumerate() {
        let at = root.key("cache_policies").index(i);
        if let Some(policy) = cache_policy(c, p, &at) {
            if catalog.cache.iter().any(|x| x.name == policy.name) {
                c.error(
                    &at.key("name"),
                    format!(
                        "a cache policy named `{}` already exists (managed policies included)",
                        policy.name
                    ),
                );
            }
            catalog.cache.push(policy);
        }
    }
    for (i, p) in origin_request.into_iter().enumerate() {
        let at = root.key("origin_request_policies").index(i);
        if let Some(policy) = origin_request_policy(c, p, &at) {
            if catalog.origin_request.iter().any(|x| x.name == policy.name) {
                c.error(&at.key("name"), format!("an origin request policy named `{}` already exists (managed policies included)", policy.name));
            }
            catalog.origin_request.push(policy);
        }
    }
    catalog
}

fn cache_policy(c: &mut Checker, p: RawCachePolicy, at: &KeyPath) -> Option<CachePolicy> {
    let name = c.required(p.name, at, "name")?;
    // The console's defaults for a new cache policy.
    let min = c.ranged(p.min_ttl, &at.key("min_ttl"), 0, 31_536_000 * 100, 1);
    let default = c.ranged(
        p.default_ttl,
        &at.key("default_ttl"),
        0,
        31_536_000 * 100,
        86_400.max(min),
    );
    let max = c.ranged(
        p.max_ttl,
        &at.key("max_ttl"),
        0,
        31_536_000 * 100,
        31_536_000.max(default),
    );
    if !(min <= default && default <= max) {
        c.error(
            at,
            format!(
                "TTLs must satisfy min_ttl ≤ default_ttl ≤ max_ttl (got {min} ≤ {default} ≤ {max})"
            ),
        );
    }
    let headers = selection(c, p.headers, &at.key("headers"), &["none"], false);
    let cookies = selection(c, p.cookies, &at.key("cookies"), &["none", "all"], true);
    let query_strings = selection(
        c,
        p.query_strings,
        &at.key("query_strings"),
        &["none", "all"],
        true,
    );
    Some(CachePolicy {
        name,
        min_ttl: Duration::from_secs(min as u64),
        default_ttl: Duration::from_secs(default as u64),
        max_ttl: Duration::from_secs(max as u64),
        headers: lowercase(headers),
        cookies,
        query_strings,
        gzip: p.enable_accept_encoding_gzip.unwrap_or(false),
        brotli: p.enable_accept_encoding_brotli.unwrap_or(false),
    })
}

fn origin_request_policy(
    c: &mut Checker,
    p: RawOriginRequestPolicy,
    at: &KeyPath,
) -> Option<OriginRequestPolicy> {
    let name = c.required(p.name, at, "name")?;
    let headers_at = at.key("headers");
    let headers = match p.headers {
        Some(RawSelection::Word(w)) if w == "all_viewer" => {
            HeaderForwarding::Viewer(Selection::All)
        }
        Some(RawSelection::AllViewerAndWhitelistCloudFront(list)) => {
            check_list(c, &list, &headers_at);
            let lower: Vec<String> = list.iter().map(|h| h.to_ascii_lowercase()).collect();
            if let Some(bad) = lower.iter().find(|h| !h.starts_with("cloudfront-")) {
                c.error(
                    &headers_at,
                    format!("`{bad}` is not a CloudFront header (`CloudFront-…`)"),
                );
            }
            HeaderForwarding::AllViewerAndCloudFront(lower)
        }
        other => HeaderForwarding::Viewer(lowercase(selection(
            c,
            other,
            &headers_at,
            &["none", "all_viewer"],
            true,
        ))),
    };
    let cookies = selection(c, p.cookies, &at.key("cookies"), &["none", "all"], true);
    let query_strings = selection(
        c,
        p.query_strings,
        &at.key("query_strings"),
        &["none", "all"],
        true,
    );
    Some(OriginRequestPolicy {
        name,
        headers,
        cookies,
        query_strings,
    })
}

/// A selection: one of `words`, `{ whitelist = […] }`, or (when `all_except`) `{ all_except = […] }`.
fn selection(
    c: &mut Checker,
    raw: Option<RawSelection>,
    at: &KeyPath,
    words: &[&str],
    all_except: bool,
) -> Selection {
    match raw {
        None => Selection::None,
        Some(RawSelection::Word(w)) if words.contains(&w.as_str()) => match w.as_str() {
            "none" => Selection::None,
            _ => Selection::All,
        },
        Some(RawSelection::Word(w)) => {
            let message = format!(
                "unknown value `{w}`: expected {}, or a table with `whitelist`{}",
                super::quoted(words),
                if all_except { " or `all_except`" } else { "" }
            );
            match did_you_mean(&w, words.iter().copied()) {
                Some(h) => c.error_hint(at, message, h),
                None => c.error(at, message),
            }
            Selection::None
        }
        Some(RawSelection::Whitelist(list)) => {
            check_list(c, &list, at);
            Selection::Whitelist(list)
        }
        Some(RawSelection::AllExcept(list)) if all_except => {
            check_list(c, &list, at);
            Selection::AllExcept(list)
        }
        Some(RawSelection::AllExcept(_)) => {
            c.error(at, "`all_except` is not allowed here: cache policy headers are `none` or a `whitelist`");
            Selection::None
        }
        Some(RawSelection::AllViewerAndWhitelistCloudFront(_)) => {
            c.error(
                at,
                "`all_viewer_and_whitelist_cloudfront` is only for origin request policy headers",
            );
            Selection::None
        }
    }
}

/// ≤ 10 non-empty names (CloudFront's quota).
fn check_list(c: &mut Checker, list: &[String], at: &KeyPath) {
    if list.is_empty() {
        c.error(at, "an empty list: name at least one, or use \"none\"");
    }
    if list.len() > MAX_NAMES {
        c.error(
            at,
            format!("{} names: at most {MAX_NAMES} are allowed", list.len()),
        );
    }
}

/// Header names compare case-insensitively: store them lowercase.
fn lowercase(s: Selection) -> Selection {
    let lower = |v: Vec<String>| v.into_iter().map(|n| n.to_ascii_lowercase()).collect();
    match s {
        Selection::Whitelist(v) => Selection::Whitelist(lower(v)),
        Selection::AllExcept(v) => Selection::AllExcept(lower(v)),
        other => other,
    }
}
