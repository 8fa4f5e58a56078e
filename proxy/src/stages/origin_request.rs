//! Origin request: which origin, how to reach it, and the request CloudFront sends it
//! (spec/distribution.md §1 steps 7–8, §3, §4). The origin-request Lambda@Edge hook runs here, on
//! cache misses only, once per origin tried (a failover runs it again for the secondary).

use std::net::{IpAddr, SocketAddr};

use localfront_config::{
    HeaderForwarding, OriginHostHeader, OriginKind, OriginProtocolPolicy, Selection,
};
use pingora::http::RequestHeader;
use pingora::prelude::HttpPeer;
use pingora::{Error, ErrorType, Result};

use super::exchange::Exchange;
use super::viewer_values::{cookies, either, select_cookies, select_query};
use crate::context::{OriginChoice, RequestContext};
use crate::snapshot::OriginAddress;

/// Viewer headers CloudFront never forwards, whatever the policies say: hop-by-hop and
/// CloudFront-reserved names (spec/distribution.md §3 "removed by default").
const NEVER_FORWARDED: &[&str] = &[
    "connection",
    "keep-alive",
    "expect",
    "te",
    "trailer",
    "upgrade",
    "x-real-ip",
    "x-forwarded-proto",
    "proxy-authorization",
    "proxy-connection",
    "proxy-authenticate",
];

/// Headers forwarded whatever the policies say: the request body's framing, and the range and
/// validators — on cached requests pingora has already replaced the viewer's with its own for
/// revalidation (RFC 9111 §4.3.1), and an uncached request keeps the viewer's.
const ALWAYS_FORWARDED: &[&str] = &[
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
    "range",
    "if-range",
    "if-none-match",
    "if-modified-since",
    "if-match",
    "if-unmodified-since",
    "via",
    "x-forwarded-for",
];

/// Picks the origin for the matched behavior: the origin itself, or the group's primary.
pub fn choose_origin(ctx: &RequestContext) -> OriginChoice {
    let Some(d) = ctx.distribution() else {
        return OriginChoice::default();
    };
    let target = &d.cache_behaviors[ctx.behavior].target_origin_id;
    if let Some(g) = d.origin_groups.iter().position(|g| &g.id == target) {
        let primary = &d.origin_groups[g].primary;
        return OriginChoice {
            origin: d.origins.iter().position(|o| &o.id == primary).unwrap_or(0),
            group: Some(g),
            on_secondary: false,
        };
    }
    OriginChoice {
        origin: d.origins.iter().position(|o| &o.id == target).unwrap_or(0),
        group: None,
        on_secondary: false,
    }
}

/// The pingora peer for the current origin, with CloudFront's connection settings.
pub async fn peer(ctx: &RequestContext) -> Result<Box<HttpPeer>> {
    let (Some(d), Some(origin)) = (ctx.distribution, ctx.current_origin()) else {
        return Error::e_explain(ErrorType::InternalError, "origin requested before routing");
    };
    // An origin a function pointed elsewhere is resolved per request.
    let unresolved = OriginAddress::Tcp { resolved: None };
    let address = match (&ctx.origin_override, &origin.kind) {
        (Some(_), OriginKind::Custom(_)) => &unresolved,
        _ => &ctx.snapshot.distributions[d].origins[ctx.origin.origin],
    };
    let mut peer = match (&origin.kind, address) {
        (OriginKind::Custom(c), OriginAddress::Tcp { resolved }) => {
            let tls = match c.protocol_policy {
                OriginProtocolPolicy::HttpOnly => false,
                OriginProtocolPolicy::HttpsOnly => true,
                OriginProtocolPolicy::MatchViewer => ctx.viewer_https,
            };
            let port = if tls { c.https_port } else { c.http_port };
            let ip = match resolved {
                Some(ips) => ips[0],
                None => resolve(&c.domain_name).await?,
            };
            let mut peer = HttpPeer::new(SocketAddr::new(ip, port), tls, c.domain_name.clone());
            // An explicit opt-out for self-signed local origins; CloudFront always verifies.
            peer.options.verify_cert = c.tls_verify;
            peer.options.verify_hostname = c.tls_verify;
            peer
        }
        (_, OriginAddress::Unix(path)) => {
            HttpPeer::new_uds(&path.to_string_lossy(), false, String::new())?
        }
        (_, OriginAddress::Tcp { .. }) => {
            return Error::e_explain(
                ErrorType::InternalError,
                "in-process origin without a socket",
            )
        }
    };
    let settings = origin.connection;
    peer.options.connection_timeout = Some(settings.connection_timeout);
    peer.options.read_timeout = Some(settings.read_timeout);
    peer.options.idle_timeout = Some(settings.keepalive_timeout);
    if ctx.exchange.origin_h2(origin) {
        // HTTP/2 only: ALPN `h2` over TLS, prior knowledge (h2c) in cleartext.
        peer.options.set_http_version(2, 2);
    }
    if ctx.exchange == Exchange::Upgrade {
        // The read timeout bounds waiting for the `101`, then every read of the tunnel: an idle
        // WebSocket lives as long as CloudFront lets it.
        peer.options.read_timeout = Some(ctx.snapshot.config.server.websocket_idle_timeout);
    }
    Ok(Box::new(peer))
}

/// Resolves an origin name that did not resolve at load; failure is CloudFront's 502
/// `OriginDnsError` (hardening.md §4).
async fn resolve(name: &str) -> Result<IpAddr> {
    match tokio::net::lookup_host((name, 0)).await {
        Ok(mut addrs) => match addrs.next() {
            Some(a) => Ok(a.ip()),
            None => Error::e_explain(
                ErrorType::ConnectNoRoute,
                format!("OriginDnsError: {name} has no address"),
            ),
        },
        Err(e) => Error::e_explain(
            ErrorType::ConnectNoRoute,
            format!("OriginDnsError: {name}: {e}"),
        ),
    }
}

/// Rewrites the viewer request into the origin request (spec/distribution.md §3, §5): only the
/// viewer headers, cookies and query parameters that the cache policy keys on or the origin request
/// policy forwards reach the origin — CloudFront's guard against unkeyed inputs.
pub fn rewrite(
    req: &mut RequestHeader,
    ctx: &RequestContext,
    viewer_ip: Option<IpAddr>,
) -> Result<()> {
    let (Some(d), Some(origin)) = (ctx.distribution(), ctx.current_origin()) else {
        return Error::e_explain(ErrorType::InternalError, "origin request before routing");
    };
    let behavior = &d.cache_behaviors[ctx.behavior];
    let policy = &behavior.cache_policy;
    let orp = behavior.origin_request_policy.as_ref();
    // The selected query parameters only; a query string an origin-request handler set goes as it
    // is.
    let query = match ctx.origin_request_query {
        true => req.uri.query().map(str::to_owned),
        false => select_query(req.uri.query(), |n| {
            either(&policy.query_strings, orp.map(|p| &p.query_strings), n)
        }),
    };
    origin_headers(req, ctx, viewer_ip)?;

    // Origin path prefix, then the default root object for `/` (spec/distribution.md §2–3).
    let root = match req.uri.path() {
        "/" => d.default_root_object.as_deref(),
        _ => None,
    };
    // The common case — no origin path, no root object, the query kept whole, and the target as
    // the viewer sent it — leaves the request target alone instead of rebuilding the same one.
    let unchanged = origin.origin_path.is_empty()
        && root.is_none()
        && query.as_deref() == req.uri.query()
        && req.uri.authority().is_none()
        && req.uri.path_and_query().map(|pq| pq.as_str().as_bytes()) == Some(req.raw_path());
    if !unchanged {
        let path = match root {
            Some(root) => format!("/{root}"),
            None => req.uri.path().to_owned(),
        };
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let new_uri = format!("{}{path}{query}", origin.origin_path);
        req.set_uri(
            new_uri
                .parse()
                .map_err(|e| Error::because(ErrorType::InvalidHTTPHeader, "origin URI", e))?,
        );
    }
    req.insert_header("x-amz-cf-id", &ctx.request_id)?;

    // Custom headers last: they overwrite viewer headers of the same name (spec/distribution.md §3).
    for (name, value) in &origin.custom_headers {
        req.insert_header(name.clone(), value)?;
    }
    Ok(())
}

/// Whether the behavior's policies forward the whole query string: only then do origin events see
/// it (spec/lambda-edge.md §1).
pub fn forwards_all_query_strings(ctx: &RequestContext) -> bool {
    ctx.distribution().is_some_and(|d| {
        let behavior = &d.cache_behaviors[ctx.behavior];
        behavior.cache_policy.query_strings == Selection::All
            || behavior
                .origin_request_policy
                .as_ref()
                .is_some_and(|p| p.query_strings == Selection::All)
    })
}

/// The headers of the origin request (spec/distribution.md §3, §5; spec/lambda-edge.md §1): the
/// viewer headers, cookies and `Accept-Encoding` the policies select, and the ones CloudFront adds
/// — `Host`, `User-Agent`, `X-Forwarded-For`, `Via`. What an origin-request handler set or removed
/// stands. This is also what the origin-request event shows; the origin's custom headers and
/// `X-Amz-Cf-Id` come after it.
pub fn origin_headers(
    req: &mut RequestHeader,
    ctx: &RequestContext,
    viewer_ip: Option<IpAddr>,
) -> Result<()> {
    let (Some(d), Some(origin)) = (ctx.distribution(), ctx.current_origin()) else {
        return Error::e_explain(ErrorType::InternalError, "origin request before routing");
    };
    let behavior = &d.cache_behaviors[ctx.behavior];
    let policy = &behavior.cache_policy;
    let orp = behavior.origin_request_policy.as_ref();
    let header_forwarded = |name: &str| {
        policy.headers.selects(name)
            || orp.is_some_and(|p| match &p.headers {
                HeaderForwarding::Viewer(sel) => sel.selects(name),
                HeaderForwarding::AllViewerAndCloudFront(_) => true,
            })
    };
    let set_by_handler = |name: &http::HeaderName| ctx.origin_request_headers.contains(name);

    // Cookies: the selected ones only.
    let all_cookies: Vec<(String, String)> = cookies(
        req.headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect();
    let borrowed: Vec<(&str, &str)> = all_cookies
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let cookie = select_cookies(&borrowed, |n| {
        either(&policy.cookies, orp.map(|p| &p.cookies), n)
    });
    let accept_encoding = super::cache::accept_encoding_key(req, policy);
    let host_forwarded = header_forwarded("host");
    let user_agent_forwarded = header_forwarded("user-agent");

    let viewer_host = viewer_authority(req);
    let exchange = ctx.exchange;
    // Only the names to drop are collected (often none), each once.
    let mut dropped: Vec<http::HeaderName> = Vec::new();
    for (name, value) in req.headers.iter() {
        let n = name.as_str();
        // `CloudFront-*` headers left on the request are the ones the policies asked for
        // (stages/viewer_headers.rs dropped the viewer's own).
        let keep = ALWAYS_FORWARDED.contains(&n)
            || ctx.origin_request_headers.contains(name)
            || exchange.forwards(n, value.as_bytes())
            || n.starts_with("cloudfront-")
            || (!NEVER_FORWARDED.contains(&n)
                && !n.starts_with("x-edge-")
                && !matches!(n, "cookie" | "accept-encoding" | "x-amz-cf-id")
                && header_forwarded(n));
        if !keep && dropped.last() != Some(name) {
            dropped.push(name.clone());
        }
    }
    for name in &dropped {
        req.remove_header(name);
    }
    if set_by_handler(&http::header::COOKIE) {
        // The handler's cookies go as they are.
    } else if let Some(cookie) = cookie {
        req.insert_header(http::header::COOKIE, cookie)?;
    } else {
        req.remove_header(&http::header::COOKIE);
    }
    // Accept-Encoding: normalized when the policy caches compressed objects; otherwise an ordinary
    // header (spec/distribution.md §5).
    if policy.gzip || policy.brotli {
        req.insert_header(
            http::header::ACCEPT_ENCODING,
            accept_encoding.unwrap_or("identity"),
        )?;
    } else if !header_forwarded("accept-encoding") {
        req.remove_header(&http::header::ACCEPT_ENCODING);
    }

    // Host = the origin's domain name unless the viewer's is forwarded, by a policy or the
    // origin's `origin_host_header = "viewer"`; in-process origins are named by their id.
    let viewer_host =
        viewer_host.filter(|_| host_forwarded || origin.host_header == OriginHostHeader::Viewer);
    let host = match (viewer_host, &origin.kind) {
        (Some(viewer), _) => viewer,
        (None, OriginKind::Custom(c)) => c.domain_name.clone(),
        (None, OriginKind::S3(_) | OriginKind::Echo | OriginKind::Api(_)) => origin.id.clone(),
    };
    if !set_by_handler(&http::header::HOST) {
        req.insert_header(http::header::HOST, host)?;
    }
    if exchange == Exchange::Upgrade {
        // Hop-by-hop, so rebuilt: the origin must see the upgrade asked for (RFC 9110 §7.8).
        req.insert_header(http::header::CONNECTION, "upgrade")?;
    }
    if ctx.current_origin().is_some_and(|o| exchange.origin_h2(o)) {
        // HTTP/2 frames the body itself; a `Transfer-Encoding` header is malformed there
        // (RFC 9113 §8.2.2).
        req.remove_header(&http::header::TRANSFER_ENCODING);
    }
    if !user_agent_forwarded && !set_by_handler(&http::header::USER_AGENT) {
        req.insert_header(
            http::header::USER_AGENT,
            http::HeaderValue::from_static("Amazon CloudFront"),
        )?;
    }

    // X-Forwarded-For: the viewer's address appended.
    let xff = http::HeaderName::from_static("x-forwarded-for");
    if let Some(ip) = viewer_ip.filter(|_| !set_by_handler(&xff)) {
        let value = match req.headers.get(&xff).and_then(|v| v.to_str().ok()) {
            Some(prev) if !prev.is_empty() => format!("{prev}, {ip}"),
            _ => ip.to_string(),
        };
        req.insert_header("x-forwarded-for", value)?;
    }
    let via = match req
        .headers
        .get(http::header::VIA)
        .and_then(|v| v.to_str().ok())
    {
        Some(prev) if !prev.is_empty() => {
            let via = crate::stages::viewer_response::via(req.version, &ctx.snapshot.via_id);
            http::HeaderValue::try_from(format!("{prev}, {via}"))
                .map_err(|e| Error::because(ErrorType::InvalidHTTPHeader, "Via", e))?
        }
        _ => ctx.snapshot.cloudfront_values.via(req.version),
    };
    req.insert_header(http::header::VIA, via)?;
    // CloudFront's own headers an origin-request handler removed stay removed.
    for name in &ctx.origin_request_removed {
        if name != http::header::HOST {
            req.remove_header(name);
        }
    }
    Ok(())
}

/// The viewer's `Host` as sent (with its port), or an HTTP/2 viewer's `:authority`.
fn viewer_authority(req: &RequestHeader) -> Option<String> {
    match req.headers.get(http::header::HOST) {
        Some(h) => h.to_str().ok().map(str::to_owned),
        None => req.uri.authority().map(|a| a.to_string()),
    }
}

/// After a failed connection: retry the same origin while attempts remain, then fail over to the
/// group's secondary for GET/HEAD/OPTIONS (spec/distribution.md §3–4).
pub fn on_connect_error(ctx: &mut RequestContext, method: &str, mut e: Box<Error>) -> Box<Error> {
    ctx.attempts += 1;
    let attempts = ctx
        .current_origin()
        .map_or(1, |o| o.connection.connection_attempts);
    let retry = ctx.attempts < attempts || fail_over(ctx, method);
    e.set_retry(retry);
    e
}

/// After an error on an established connection (read timeout, reset): GET and HEAD are retried on
/// the same origin up to the attempts setting; then GET, HEAD and OPTIONS fail over to the group's
/// secondary. Other methods are never retried, and neither is a request whose body could not be
/// kept for a second try, nor an error of the viewer's side (spec/distribution.md §3–4).
pub fn on_proxy_error(
    ctx: &mut RequestContext,
    method: &str,
    retry_buffer_ok: bool,
    mut e: Box<Error>,
) -> Box<Error> {
    if ctx.failing_over {
        // The origin answered with a failover status; the secondary gets the request.
        ctx.failing_over = false;
        e.set_retry(true);
        return e;
    }
    if e.esource() != &pingora::ErrorSource::Upstream || !retry_buffer_ok {
        e.set_retry(false);
        return e;
    }
    ctx.attempts += 1;
    let attempts = ctx
        .current_origin()
        .map_or(1, |o| o.connection.connection_attempts);
    let retry_same = matches!(method, "GET" | "HEAD") && ctx.attempts < attempts;
    let retry = retry_same || fail_over(ctx, method);
    e.set_retry(retry);
    e
}

/// Switches to the group's secondary if there is one not yet tried and the method allows it.
pub fn fail_over(ctx: &mut RequestContext, method: &str) -> bool {
    if !matches!(method, "GET" | "HEAD" | "OPTIONS") || ctx.origin.on_secondary {
        return false;
    }
    let (Some(group), Some(d)) = (ctx.current_group(), ctx.distribution()) else {
        return false;
    };
    let Some(index) = d.origins.iter().position(|o| o.id == group.secondary) else {
        return false;
    };
    ctx.origin = OriginChoice {
        origin: index,
        group: ctx.origin.group,
        on_secondary: true,
    };
    // A function's `updateRequestOrigin` changes the primary only (spec/cloudfront-functions.md §8).
    ctx.origin_override = None;
    ctx.attempts = 0;
    true
}
