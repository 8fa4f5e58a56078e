//! Origin response: failover on the group's statuses, and the origin response headers CloudFront
//! changes before the cache (spec/distribution.md §1 step 9, §4, §8). The origin-response
//! Lambda@Edge hook runs here, for every status.

use localfront_config::{HeaderForwarding, Selection};
use pingora::http::ResponseHeader;
use pingora::{Error, ErrorType, Result};

use super::origin_request::fail_over;
use crate::context::RequestContext;
use crate::metrics::METRICS;

/// Filters the origin's response header. Returns an error to retry on the secondary when the
/// status is one the origin group fails over on.
pub fn filter(resp: &mut ResponseHeader, ctx: &mut RequestContext, method: &str) -> Result<()> {
    let status = resp.status.as_u16();
    if let Some(group) = ctx.current_group() {
        if group.failover_status_codes.contains(&status) && fail_over(ctx, method) {
            ctx.failing_over = true;
            let mut e = Error::explain(
                ErrorType::HTTPStatus(status),
                "origin group primary answered with a failover status",
            );
            e.set_retry(true);
            return Err(e);
        }
    }
    // `Trailer` and `Upgrade` never reach the viewer, nor does `Set-Cookie` unless the behavior
    // forwards cookies (spec/distribution.md §8) — except on the `101` that opens a WebSocket
    // tunnel, which says what it upgrades to.
    resp.remove_header(&http::header::TRAILER);
    if status != 101 {
        resp.remove_header(&http::header::UPGRADE);
    }
    // The API Gateway origin names the route that answered, for the metrics; never sent on.
    const ROUTE_KEY: http::HeaderName =
        http::HeaderName::from_static(localfront_origins::ROUTE_KEY_HEADER);
    if let Some(route) = resp.remove_header(&ROUTE_KEY) {
        ctx.apigw_route = Some(String::from_utf8_lossy(route.as_bytes()).into_owned());
    }
    let cookies_forwarded = ctx.distribution().is_some_and(|d| {
        let b = &d.cache_behaviors[ctx.behavior];
        b.cache_policy.cookies != Selection::None
            || b.origin_request_policy
                .as_ref()
                .is_some_and(|p| p.cookies != Selection::None)
    });
    if !cookies_forwarded {
        resp.remove_header(&http::header::SET_COOKIE);
    }
    filter_vary(resp, ctx);
    Ok(())
}

/// CloudFront keeps a `Vary` value only when it names a header that reaches the origin (so it is
/// part of what the object depends on), `Accept-Encoding`, `Cookie`, or a CloudFront device
/// header; `*` stays (spec/distribution.md §6). The cache key already carries every header the
/// policy selects, so what is kept is for the viewer's and downstream caches' benefit.
fn filter_vary(resp: &mut ResponseHeader, ctx: &RequestContext) {
    let Some(vary) = resp.headers.get(http::header::VARY) else {
        return;
    };
    let Some(d) = ctx.distribution() else {
        return;
    };
    let b = &d.cache_behaviors[ctx.behavior];
    let forwarded = |name: &str| {
        b.cache_policy.headers.selects(name)
            || b.origin_request_policy
                .as_ref()
                .is_some_and(|p| match &p.headers {
                    HeaderForwarding::Viewer(selection) => selection.selects(name),
                    HeaderForwarding::AllViewerAndCloudFront(generated) => {
                        !name.starts_with("cloudfront-") || generated.iter().any(|g| g == name)
                    }
                })
    };
    let text = String::from_utf8_lossy(vary.as_bytes()).into_owned();
    let kept: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .filter(|t| {
            let name = t.to_ascii_lowercase();
            name == "*"
                || name == "accept-encoding"
                || name == "cookie"
                || (name.starts_with("cloudfront-is-") && name.ends_with("-viewer"))
                || forwarded(&name)
        })
        .collect();
    if kept.is_empty() {
        resp.remove_header(&http::header::VARY);
    } else if kept.len() != text.split(',').filter(|t| !t.trim().is_empty()).count() {
        let _ = resp.insert_header(http::header::VARY, kept.join(", "));
    }
}

/// Records the time from the start of the origin fetch to its response header (CloudFront's
/// `OriginLatency`).
pub fn observe_latency(ctx: &RequestContext) {
    let (Some(started), Some(d), Some(origin)) =
        (ctx.origin_started, ctx.distribution(), ctx.current_origin())
    else {
        return;
    };
    METRICS
        .origin_latency
        .with_label_values(&[d.id.as_str(), origin.id.as_str()])
        .observe(started.elapsed().as_secs_f64());
}

/// Whether a response to `method` carries a body, so that one edge code sets can be sent
/// (RFC 9110 §6.4.1): a `HEAD` response never does (its header describes the `GET`'s), nor does a
/// `204` or `304`. A response with `Content-Length: 0` does: the edge code's body follows its
/// header (`Session::response_gets_body`, vendor/README.md).
pub fn carries_body(method: &str, resp: &ResponseHeader) -> bool {
    method != "HEAD" && !matches!(resp.status.as_u16(), 204 | 304)
}

/// Drops a body edge code set on a response that carries none (`carries_body`): a `204` or `304`
/// loses the `Content-Length` that described it; a `HEAD` response keeps it, for what a `GET`
/// would carry.
pub fn drop_body(resp: &mut ResponseHeader) {
    if matches!(resp.status.as_u16(), 204 | 304) {
        resp.remove_header(&http::header::CONTENT_LENGTH);
    }
}
