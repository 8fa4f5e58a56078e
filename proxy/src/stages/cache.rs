//! Cache: whether a request uses the cache, its key, and whether and how long a response is kept
//! (spec/distribution.md §1 steps 6 and 10, §5–7). pingora-cache performs the lookups, stores,
//! revalidations and coalescing; these are CloudFront's rules it is given.

use std::fmt::Write;
use std::time::{Duration, SystemTime};

use localfront_config::{
    CacheBehavior, CachePolicy, CustomErrorResponse, OriginKind, OriginProtocolPolicy, Selection,
};
use pingora::cache::cache_control::CacheControl;
use pingora::cache::CachePhase;
use pingora::http::{RequestHeader, ResponseHeader};

use super::viewer_values::{cookies, normalized_accept_encoding, select_cookies, select_query};
use crate::cache::key;
use crate::context::{RequestContext, XCache};

/// ErrorCachingMinTTL when no custom error response sets one (spec/distribution.md §7).
const DEFAULT_ERROR_TTL: Duration = Duration::from_secs(10);

/// How long past its TTL an object may still be served when the origin fails, unless the origin
/// set `stale-if-error` itself: CloudFront serves an expired object on a 5xx or an unreachable
/// origin for as long as it still has it (spec/distribution.md §6–7); localfront bounds that at a
/// year.
const DEFAULT_STALE_IF_ERROR: u32 = 31_536_000;

/// Whether this request goes through the cache: the behavior's policy can keep objects at all
/// (`CachingDisabled` cannot, so it streams straight through) and the method is cached.
pub fn uses_cache(behavior: &CacheBehavior, method: &str) -> bool {
    behavior.cache_policy.max_ttl > Duration::ZERO && behavior.cached_methods.caches(method)
}

/// The primary cache key: distribution, path, and the values the cache policy selects (header
/// names and values, cookies, query parameters, normalized `Accept-Encoding`, and the method for
/// OPTIONS, spec/distribution.md §5).
pub fn primary_key(req: &RequestHeader, ctx: &RequestContext) -> Option<String> {
    let d = ctx.distribution()?;
    let behavior = &d.cache_behaviors[ctx.behavior];
    let policy = &behavior.cache_policy;
    let mut values = String::new();
    if req.method == http::Method::OPTIONS {
        values.push_str("m:OPTIONS\n");
    }
    if let Selection::Whitelist(names) = &policy.headers {
        for name in names {
            for v in req.headers.get_all(name.as_str()) {
                let _ = writeln!(values, "h:{name}={}", String::from_utf8_lossy(v.as_bytes()));
            }
        }
    }
    if let Some(ae) = accept_encoding_key(req, policy) {
        values.push_str("ae:");
        values.push_str(ae);
        values.push('\n');
    }
    // Cookies and the query are parsed only when the policy keys some (CachingOptimized keys none).
    if policy.cookies != Selection::None {
        let all = cookies(
            req.headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        if let Some(c) = select_cookies(&all, |n| policy.cookies.selects(n)) {
            let _ = writeln!(values, "c:{c}");
        }
    }
    if policy.query_strings != Selection::None {
        if let Some(q) = select_query(req.uri.query(), |n| policy.query_strings.selects(n)) {
            let _ = writeln!(values, "q:{q}");
        }
    }
    // CloudFront caches separately per protocol only when the origin follows the viewer's.
    let scheme = match &ctx.current_origin()?.kind {
        OriginKind::Custom(c) if c.protocol_policy == OriginProtocolPolicy::MatchViewer => {
            if ctx.viewer_https {
                "https"
            } else {
                "http"
            }
        }
        _ => "",
    };
    Some(key::encode(&d.id, scheme, req.uri.path(), &values))
}

/// The normalized `Accept-Encoding` in the key, when the policy caches compressed objects.
pub fn accept_encoding_key(req: &RequestHeader, policy: &CachePolicy) -> Option<&'static str> {
    if !(policy.gzip || policy.brotli) {
        return None;
    }
    let viewer = req
        .headers
        .get(http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    normalized_accept_encoding(viewer, policy.gzip, policy.brotli)
}

/// `X-Cache` for a response from the origin or the cache: errors are `Error` whatever their
/// source (observed), a revalidated object is `RefreshHit`.
pub fn x_cache(phase: &CachePhase, status: u16) -> XCache {
    if status >= 400 {
        return XCache::Error;
    }
    match phase {
        CachePhase::Hit | CachePhase::Stale | CachePhase::StaleUpdating => XCache::Hit,
        CachePhase::Revalidated | CachePhase::RevalidatedNoCache(_) => XCache::RefreshHit,
        _ => XCache::Miss,
    }
}

/// Whether a `Range` header asks only for bytes past the end (`bytes=500-` of 100 bytes), which is
/// 416; every other range pingora cannot serve (descending, malformed) gets the whole object as
/// CloudFront answers (spec/distribution.md §11).
pub fn range_unsatisfiable(range: &str, len: usize) -> bool {
    let Some(specs) = range.trim().strip_prefix("bytes=") else {
        return false;
    };
    specs.split(',').all(|spec| {
        let Some((first, last)) = spec.trim().split_once('-') else {
            return false;
        };
        match (first.parse::<usize>(), last) {
            (Ok(start), "") => start >= len,
            (Ok(start), last) => last
                .parse::<usize>()
                .is_ok_and(|end| start <= end && start >= len),
            _ => false,
        }
    })
}

/// Whether and how long to keep a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    /// Store it, fresh for `ttl`, with the origin's stale windows.
    For {
        ttl: Duration,
        stale_while_revalidate: u32,
        stale_if_error: u32,
    },
    /// Do not store it.
    No(&'static str),
}

/// CloudFront's TTL rules (spec/distribution.md §6–7): `s-maxage` beats `max-age` beats `Expires`,
/// clamped to the policy's min and max; `default_ttl` when the origin says nothing; `no-store`,
/// `no-cache` and `private` cache only for a non-zero `min_ttl`; error statuses per §7.
pub fn keep(
    resp: &ResponseHeader,
    policy: &CachePolicy,
    error_rule: Option<&CustomErrorResponse>,
    now: SystemTime,
) -> Keep {
    // localfront never stores a response that sets cookies (hardening.md §2).
    if resp.headers.contains_key(http::header::SET_COOKIE) {
        return Keep::No("Set-Cookie");
    }
    // `Vary: *` with MinTTL 0: CloudFront caches it but refetches every time (spec/distribution.md
    // §6) — what a viewer sees is an origin fetch per request, so it is not stored.
    let vary_any = resp.headers.get_all(http::header::VARY).iter().any(|v| {
        v.as_bytes()
            .split(|b| *b == b',')
            .any(|t| t.trim_ascii() == b"*")
    });
    if vary_any && policy.min_ttl.is_zero() {
        return Keep::No("Vary: *");
    }
    let status = resp.status.as_u16();
    let cc = CacheControl::from_resp_headers(resp);
    let origin_ttl = origin_ttl(resp, cc.as_ref(), now);
    let (swr, sie) = cc.as_ref().map_or((0, DEFAULT_STALE_IF_ERROR), |cc| {
        (
            cc.stale_while_revalidate().ok().flatten().unwrap_or(0),
            cc.stale_if_error()
                .ok()
                .flatten()
                .unwrap_or(DEFAULT_STALE_IF_ERROR),
        )
    });
    // A TTL of 0 still caches, revalidated on every request (a 304 is a RefreshHit) — worth it only
    // with a validator to revalidate with; without one every request would refetch anyway.
    let validator = resp.headers.contains_key(http::header::ETAG)
        || resp.headers.contains_key(http::header::LAST_MODIFIED);
    let keep = |ttl: Duration| {
        if ttl.is_zero() && !validator {
            Keep::No("TTL 0")
        } else {
            Keep::For {
                ttl,
                stale_while_revalidate: swr,
                stale_if_error: sie,
            }
        }
    };
    let error_min = error_rule.map_or(DEFAULT_ERROR_TTL, |r| r.error_caching_min_ttl);
    match status {
        // Always cached, for at least ErrorCachingMinTTL.
        404 | 414 | 500 | 501 | 502 | 503 | 504 => {
            keep(origin_ttl.map_or(error_min, |t| t.max(error_min)))
        }
        // Cached only when the origin says so.
        400 | 403 | 405 | 412 | 415 => match origin_ttl {
            Some(t) => keep(t.max(error_min)),
            None => Keep::No("error without cache headers"),
        },
        200 | 203 | 206 | 300 | 301 | 410 | 302 | 307 | 308 => {
            let forbidden = cc
                .as_ref()
                .is_some_and(|cc| cc.no_store() || cc.no_cache() || cc.private());
            if forbidden {
                // Cached for MinTTL anyway when it is above zero (spec/distribution.md §6); at
                // MinTTL 0 not at all.
                return if policy.min_ttl.is_zero() {
                    Keep::No("no-store, no-cache or private")
                } else {
                    keep(policy.min_ttl)
                };
            }
            if matches!(status, 302 | 307 | 308) && origin_ttl.is_none() {
                return Keep::No("redirect without cache headers");
            }
            let ttl = origin_ttl.unwrap_or(policy.default_ttl.max(policy.min_ttl));
            keep(ttl.clamp(policy.min_ttl, policy.max_ttl))
        }
        _ => Keep::No("status not cacheable"),
    }
}

/// The origin's TTL: `s-maxage`, else `max-age`, else `Expires` − now.
fn origin_ttl(
    resp: &ResponseHeader,
    cc: Option<&CacheControl>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(cc) = cc {
        if let Some(s) = cc
            .s_maxage()
            .ok()
            .flatten()
            .or_else(|| cc.max_age().ok().flatten())
        {
            return Some(Duration::from_secs(s.into()));
        }
    }
    let expires = resp.headers.get(http::header::EXPIRES)?.to_str().ok()?;
    // An unparsable Expires means "already expired" (RFC 9111 §5.3).
    let at = httpdate::parse_http_date(expires).unwrap_or(SystemTime::UNIX_EPOCH);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use localfront_config::managed_cache_policies;

    fn policy(name: &str) -> CachePolicy {
        managed_cache_policies()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    fn resp(status: u16, headers: &[(&str, &str)]) -> ResponseHeader {
        let mut r = ResponseHeader::build(status, None).unwrap();
        for (k, v) in headers {
            r.append_header(k.to_string(), *v).unwrap();
        }
        r
    }

    fn ttl(k: Keep) -> u64 {
        match k {
            Keep::For { ttl, .. } => ttl.as_secs(),
            Keep::No(_) => 0,
        }
    }

    #[test]
    fn s_maxage_beats_max_age_beats_expires_within_the_policy_bounds() {
        let now = SystemTime::now();
        let p = policy("CachingOptimized");
        assert_eq!(
            ttl(keep(
                &resp(200, &[("cache-control", "max-age=60, s-maxage=120")]),
                &p,
                None,
                now
            )),
            120
        );
        assert_eq!(
            ttl(keep(
                &resp(200, &[("cache-control", "max-age=60")]),
                &p,
                None,
                now
            )),
            60
        );
        let expires = httpdate::fmt_http_date(now + Duration::from_secs(300));
        assert_eq!(
            ttl(keep(&resp(200, &[("expires", &expires)]), &p, None, now)),
            299.max(ttl(keep(
                &resp(200, &[("expires", &expires)]),
                &p,
                None,
                now
            )))
        );
        assert_eq!(ttl(keep(&resp(200, &[]), &p, None, now)), 86_400);
        assert_eq!(
            ttl(keep(
                &resp(200, &[("cache-control", "max-age=0")]),
                &p,
                None,
                now
            )),
            1,
            "MinTTL 1 wins"
        );
    }

    #[test]
    fn no_store_is_kept_only_for_a_nonzero_min_ttl() {
        let now = SystemTime::now();
        let cc = [("cache-control", "no-store")];
        assert_eq!(
            ttl(keep(
                &resp(200, &cc),
                &policy("CachingOptimized"),
                None,
                now
            )),
            1
        );
        assert_eq!(
            keep(
                &resp(200, &cc),
                &policy("UseOriginCacheControlHeaders"),
                None,
                now
            ),
            Keep::No("no-store, no-cache or private")
        );
    }

    #[test]
    fn errors_are_cached_per_their_class() {
        let now = SystemTime::now();
        let p = policy("CachingOptimized");
        assert_eq!(ttl(keep(&resp(404, &[]), &p, None, now)), 10);
        assert_eq!(
            ttl(keep(
                &resp(503, &[("cache-control", "max-age=30")]),
                &p,
                None,
                now
            )),
            30
        );
        assert!(matches!(keep(&resp(403, &[]), &p, None, now), Keep::No(_)));
        assert_eq!(
            ttl(keep(
                &resp(403, &[("cache-control", "max-age=5")]),
                &p,
                None,
                now
            )),
            10
        );
        assert!(matches!(keep(&resp(401, &[]), &p, None, now), Keep::No(_)));
    }

    #[test]
    fn only_ranges_past_the_end_are_unsatisfiable() {
        assert!(range_unsatisfiable("bytes=100-", 100));
        assert!(range_unsatisfiable("bytes=150-200", 100));
        assert!(!range_unsatisfiable("bytes=30-20", 100));
        assert!(!range_unsatisfiable("bytes=10-", 100));
        assert!(!range_unsatisfiable("items=1-2", 100));
    }

    #[test]
    fn set_cookie_is_never_stored() {
        let r = resp(
            200,
            &[("set-cookie", "a=1"), ("cache-control", "max-age=60")],
        );
        assert_eq!(
            keep(&r, &policy("CachingOptimized"), None, SystemTime::now()),
            Keep::No("Set-Cookie")
        );
    }
}
