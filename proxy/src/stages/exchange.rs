//! Exchanges that are not one request and one response: WebSocket upgrades and gRPC calls.
//!
//! Classified once, after routing (spec/distribution.md §1 step 4), and consulted by the stages
//! that treat them differently: neither is cached, an upgrade keeps its handshake headers and
//! tunnels only after the origin's `101` (hardening.md §1), a gRPC call goes to the origin over
//! HTTP/2 with its trailers.

use localfront_config::{CacheBehavior, Origin, OriginHttpVersion};
use pingora::http::RequestHeader;

use crate::context::RequestContext;

/// What kind of exchange a request starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Exchange {
    /// A request and its response.
    #[default]
    Plain,
    /// An HTTP/1.1 `Upgrade` (WebSocket): a tunnel once the origin answers `101`.
    Upgrade,
    /// A gRPC call on a behavior with `grpc = true`.
    Grpc,
}

/// The viewer headers of a WebSocket handshake, forwarded on upgrade requests whatever the
/// policies say. CloudFront's guide has the origin request policy forward the `Sec-WebSocket-*`
/// headers; without `Sec-WebSocket-Key` no handshake can succeed, so localfront forwards them on
/// every upgrade (unconfirmed whether CloudFront drops them under a narrower policy).
const UPGRADE_HEADERS: &[&str] = &[
    "upgrade",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
];

/// The gRPC request metadata the origin needs (grpc.io "gRPC over HTTP2"): deadlines, message
/// codings, and `TE: trailers`, which gRPC servers may require.
fn is_grpc_header(name: &str) -> bool {
    matches!(
        name,
        "grpc-timeout" | "grpc-encoding" | "grpc-accept-encoding" | "grpc-message-type"
    )
}

/// Classifies a routed request. `upgrade_request` is pingora's view of the downstream session
/// (HTTP/1.1 with an `Upgrade` header), so the tunnel and this decision never disagree.
pub fn classify(req: &RequestHeader, upgrade_request: bool, behavior: &CacheBehavior) -> Exchange {
    if upgrade_request {
        return Exchange::Upgrade;
    }
    // CloudFront treats a request as gRPC when it is an HTTP/2 POST with a gRPC content type on a
    // behavior that enables gRPC; anything else is an ordinary request.
    let grpc_type = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/grpc"));
    if behavior.grpc
        && req.method == http::Method::POST
        && req.version == http::Version::HTTP_2
        && grpc_type
    {
        return Exchange::Grpc;
    }
    Exchange::Plain
}

impl Exchange {
    /// Whether the viewer header `name` (lowercase) reaches the origin for this exchange, beyond
    /// what the policies forward.
    pub fn forwards(self, name: &str, value: &[u8]) -> bool {
        match self {
            Self::Plain => false,
            Self::Upgrade => UPGRADE_HEADERS.contains(&name),
            Self::Grpc => is_grpc_header(name) || (name == "te" && value == b"trailers"),
        }
    }

    /// Whether the origin is spoken to over HTTP/2: an origin configured for it, except for an
    /// upgrade, which only HTTP/1.1 can carry (RFC 9110 §7.8).
    pub fn origin_h2(self, origin: &Origin) -> bool {
        origin.http_version == OriginHttpVersion::Http2 && self != Self::Upgrade
    }

    /// Whether the response may be cached at all: upgrades and gRPC calls never are.
    pub fn cacheable(self) -> bool {
        self == Self::Plain
    }
}

/// Logs a WebSocket connection when its tunnel closes: where, how long, and why if it failed.
pub fn log_tunnel_closed(ctx: &RequestContext, req: &RequestHeader, e: Option<&pingora::Error>) {
    tracing::info!(
        target: "localfront::websocket",
        distribution = ctx.distribution().map_or("-", |d| d.id.as_str()),
        uri = %req.uri,
        request_id = %ctx.request_id,
        seconds = ctx.started.elapsed().as_secs_f64(),
        error = e.map(|e| e.to_string()),
        "WebSocket connection closed",
    );
}
