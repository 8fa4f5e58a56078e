//! Response headers policy: CORS, security and custom headers added to the response to the viewer,
//! headers removed, `Server-Timing` (spec/distribution.md §1 step 12, §8; spec/managed-policies.md
//! §4). Runs after the cache and the custom error response and **before** the viewer-response
//! function, so a function sees (and may change) what the policy set. Responses CloudFront answers
//! before the cache (redirects, geo and signed-URL refusals, function-generated responses) skip it,
//! as they skip step 12.

use localfront_config::{CorsConfig, PolicyHeader, ResponseHeadersPolicy};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::Result;
use wildmatch::WildMatch;

use crate::context::{RequestContext, XCache};

/// Applies the matched behavior's policy, if it has one, to `resp`.
pub fn apply(ctx: &RequestContext, req: &RequestHeader, resp: &mut ResponseHeader) -> Result<()> {
    if ctx.internal {
        return Ok(());
    }
    let Some(policy) = ctx.distribution().and_then(|d| {
        d.cache_behaviors[ctx.behavior]
            .response_headers_policy
            .as_ref()
    }) else {
        return Ok(());
    };
    apply_policy(policy, ctx, req, resp)
}

fn apply_policy(
    policy: &ResponseHeadersPolicy,
    ctx: &RequestContext,
    req: &RequestHeader,
    resp: &mut ResponseHeader,
) -> Result<()> {
    if let Some(cors) = &policy.cors {
        add_cors(cors, req, resp)?;
    }
    for (name, header) in policy.security_headers.headers() {
        set(resp, name, header)?;
    }
    for (name, header) in &policy.custom_headers {
        set(resp, name, header)?;
    }
    for name in &policy.remove_headers {
        resp.remove_header(name.as_str());
    }
    if let Some(rate) = policy.server_timing_sampling_rate {
        if rand::random::<f64>() * 100.0 < rate {
            add_server_timing(ctx, resp)?;
        }
    }
    Ok(())
}

/// Sets a policy header: always when it overrides the origin, else only if the origin did not send
/// the header (spec/managed-policies.md §4 "Override").
fn set(resp: &mut ResponseHeader, name: &str, header: &PolicyHeader) -> Result<()> {
    if header.override_origin || !resp.headers.contains_key(name) {
        resp.insert_header(name.to_owned(), header.value.as_str())?;
    }
    Ok(())
}

/// CORS headers, on responses to CORS requests (an `Origin` the policy allows). A preflight
/// (`OPTIONS` with `Access-Control-Request-Method`) gets every configured CORS header; any other
/// CORS request gets `Access-Control-Allow-Origin` (and `-Allow-Credentials`) only
/// (spec/managed-policies.md §4 "Preflight policies").
fn add_cors(cors: &CorsConfig, req: &RequestHeader, resp: &mut ResponseHeader) -> Result<()> {
    let Some(origin) = req
        .headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let wildcard = cors.allow_origins.iter().any(|o| o == "*");
    let allowed = wildcard
        || cors
            .allow_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin) || WildMatch::new(o).matches(origin));
    if !allowed {
        return Ok(());
    }
    let header = |value: String| PolicyHeader {
        value,
        override_origin: cors.origin_override,
    };
    let allow_origin = if wildcard && !cors.allow_credentials {
        "*".to_owned()
    } else {
        origin.to_owned()
    };
    set(resp, "access-control-allow-origin", &header(allow_origin))?;
    if cors.allow_credentials {
        set(
            resp,
            "access-control-allow-credentials",
            &header("true".into()),
        )?;
    }
    let preflight = req.method == http::Method::OPTIONS
        && req.headers.contains_key("access-control-request-method");
    if !preflight {
        return Ok(());
    }
    let lists = [
        ("access-control-allow-methods", &cors.allow_methods),
        ("access-control-allow-headers", &cors.allow_headers),
        ("access-control-expose-headers", &cors.expose_headers),
    ];
    for (name, list) in lists {
        if !list.is_empty() {
            set(resp, name, &header(list.join(", ")))?;
        }
    }
    if let Some(age) = cors.max_age_sec {
        set(resp, "access-control-max-age", &header(age.to_string()))?;
    }
    Ok(())
}

/// CloudFront's `Server-Timing` metrics, appended to the origin's header if it sent one:
/// the cache result, the POP, the request id, and the time to the first byte of the response.
fn add_server_timing(ctx: &RequestContext, resp: &mut ResponseHeader) -> Result<()> {
    let cache = match ctx.x_cache {
        XCache::Hit => "cdn-cache-hit,cdn-hit-layer;desc=\"EDGE\"",
        XCache::RefreshHit => "cdn-cache-refresh,cdn-hit-layer;desc=\"EDGE\"",
        _ => "cdn-upstream-layer;desc=\"EDGE\",cdn-cache-miss",
    };
    let elapsed = ctx.started.elapsed().as_millis();
    let ours = format!(
        "{cache},cdn-pop;desc=\"{}\",cdn-rid;desc=\"{}\",cdn-downstream-fbl;dur={elapsed}",
        ctx.snapshot.config.server.pop, ctx.request_id
    );
    let value = match resp
        .headers
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
    {
        Some(origin) if !origin.is_empty() => format!("{origin},{ours}"),
        _ => ours,
    };
    resp.insert_header("server-timing", value)?;
    Ok(())
}
