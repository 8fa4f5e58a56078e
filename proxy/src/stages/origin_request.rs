//! Origin request: which origin, how to reach it, and the request CloudFront sends it
//! (spec/distribution.md §1 steps 7–8, §3, §4). The origin-request Lambda@Edge hook runs here, on
//! cache misses only, once per origin tried (a failover runs it again for the secondary).

use std::net::{IpAddr, SocketAddr};

use localfront_config::{OriginKind, OriginProtocolPolicy};
use pingora::http::RequestHeader;
use pingora::prelude::HttpPeer;
use pingora::{Error, ErrorType, Result};

use crate::context::{OriginChoice, RequestContext};
use crate::snapshot::OriginAddress;

/// Headers CloudFront removes from viewer requests before they reach the origin, unless a policy
/// forwards them (spec/distribution.md §3). Origin request policies arrive with the cache issue;
/// until then none of these is forwarded.
const REMOVED_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-language",
    "authorization",
    "cookie",
    "expect",
    "referer",
    "te",
    "trailer",
    "upgrade",
    "x-forwarded-proto",
    "x-http-method-override",
    "x-real-ip",
    "proxy-authorization",
    "proxy-connection",
    "proxy-authenticate",
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
    let address = &ctx.snapshot.distributions[d].origins[ctx.origin.origin];
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

/// Rewrites the viewer request into the origin request (spec/distribution.md §3).
pub fn rewrite(
    req: &mut RequestHeader,
    ctx: &RequestContext,
    viewer_ip: Option<IpAddr>,
) -> Result<()> {
    let (Some(d), Some(origin)) = (ctx.distribution(), ctx.current_origin()) else {
        return Error::e_explain(ErrorType::InternalError, "origin request before routing");
    };
    for name in REMOVED_HEADERS {
        req.remove_header(*name);
    }
    let hop_by_hop: Vec<String> = req
        .headers
        .keys()
        .map(|n| n.as_str().to_owned())
        .filter(|n| n.starts_with("x-edge-") || n == "keep-alive")
        .collect();
    for name in hop_by_hop {
        req.remove_header(&name);
    }

    // Host = the origin's domain name; in-process origins are named by their id.
    let host = match &origin.kind {
        OriginKind::Custom(c) => c.domain_name.clone(),
        OriginKind::S3(_) | OriginKind::Echo => origin.id.clone(),
    };
    req.insert_header(http::header::HOST, host)?;
    req.insert_header(http::header::USER_AGENT, "Amazon CloudFront")?;

    // Origin path prefix, then the default root object for `/` (spec/distribution.md §2–3).
    let uri = &req.uri;
    let mut path = uri.path().to_owned();
    if path == "/" {
        if let Some(root) = &d.default_root_object {
            path = format!("/{root}");
        }
    }
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let new_uri = format!("{}{path}{query}", origin.origin_path);
    req.set_uri(
        new_uri
            .parse()
            .map_err(|e| Error::because(ErrorType::InvalidHTTPHeader, "origin URI", e))?,
    );

    // X-Forwarded-For: the viewer's address appended (RFC 7239's de-facto predecessor).
    if let Some(ip) = viewer_ip {
        let xff = match req
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        {
            Some(prev) if !prev.is_empty() => format!("{prev}, {ip}"),
            _ => ip.to_string(),
        };
        req.insert_header("x-forwarded-for", xff)?;
    }
    let via = crate::stages::viewer_response::via(req.version, &ctx.snapshot.via_id);
    let via = match req
        .headers
        .get(http::header::VIA)
        .and_then(|v| v.to_str().ok())
    {
        Some(prev) if !prev.is_empty() => format!("{prev}, {via}"),
        _ => via,
    };
    req.insert_header(http::header::VIA, via)?;
    req.insert_header("x-amz-cf-id", &ctx.request_id)?;

    // Custom headers last: they overwrite viewer headers of the same name (spec/distribution.md §3).
    for (name, value) in &origin.custom_headers {
        req.insert_header(name.clone(), value)?;
    }
    Ok(())
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
    let (Some(g), Some(d)) = (ctx.origin.group, ctx.distribution()) else {
        return false;
    };
    let secondary = &d.origin_groups[g].secondary;
    let Some(index) = d.origins.iter().position(|o| &o.id == secondary) else {
        return false;
    };
    ctx.origin = OriginChoice {
        origin: index,
        group: Some(g),
        on_secondary: true,
    };
    ctx.attempts = 0;
    true
}
