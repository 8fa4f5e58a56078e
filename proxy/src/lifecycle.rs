//! CloudFront's request lifecycle on pingora's phases: the table of contents of `proxy/`.
//!
//! Each phase calls one stage in `stages/` and nothing else. In CloudFront's order
//! (spec/distribution.md §1):
//!
//! | CloudFront step                         | pingora phase                         | stage                     |
//! |-----------------------------------------|---------------------------------------|---------------------------|
//! | route, protocol policy, allowed methods | `request_filter`                      | `route`                   |
//! | continuous deployment (staging)         | `request_filter`                      | `continuous_deployment`   |
//! | geo restriction, CloudFront-* headers   | `request_filter`, after routing       | `viewer_headers`          |
//! | signed URL or cookies                   | `request_filter`, after routing       | `private_content`         |
//! | viewer-request function or handler      | `request_filter`, after routing       | `edge_code`               |
//! | cache lookup, key, coalescing           | `request_cache_filter`, `cache_key_callback` | `cache`            |
//! | cache store decision, TTL               | `response_cache_filter`               | `cache`                   |
//! | origin-request handler (misses)         | `proxy_upstream_filter` (and `upstream_peer` for a secondary) | `edge_code` |
//! | origin fetch, attempts                  | `upstream_peer`, `upstream_request_filter`, `fail_to_connect`, `error_while_proxy` | `origin_request` |
//! | failover, origin-response handler       | `upstream_response_filter`            | `origin_response`, `edge_code` |
//! | edge compression (before the store)     | `upstream_response_filter`, `upstream_response_body_filter` | `compress` |
//! | custom error response                   | `upstream_response_filter`, `fail_to_proxy` | `errors`            |
//! | response headers policy                 | `response_filter`, `fail_to_proxy`    | `response_headers`        |
//! | viewer-response function or handler     | `response_filter`                     | `edge_code`               |
//! | CloudFront headers, X-Cache             | `response_filter`                     | `viewer_response`, `cache` |
//! | CloudFront error pages                  | `fail_to_proxy`                       | `errors`                  |
//! | access log, metrics, trace              | `logging`                             | `observe`                 |

use std::net::SocketAddr;
use std::sync::Arc;

use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use localfront_events::lambda_edge::EventType;
use pingora::cache::{CacheKey, CacheMeta, CachePhase, NoCacheReason, RespCacheable};
use pingora::http::ResponseHeader;
use pingora::prelude::HttpPeer;
use pingora::protocols::http::v1::common::is_expect_continue_req;
use pingora::proxy::{range_header_filter, RangeType};
use pingora::proxy::{FailToProxy, ProxyHttp, Session};
use pingora::{Error, ErrorType, Result};
use serde_json::json;

use crate::cache::EdgeCache;
use crate::context::{RequestContext, XCache};
use crate::live::Live;
use crate::stages::errors::{self, cloudfront_error, ErrorKind, PageClient, INTERNAL_HEADER};
use crate::stages::exchange::{self, Exchange};
use crate::stages::route::{self, ViewerRequest};
use crate::stages::{
    cache, compress, continuous_deployment, edge_code, lambdas, observe, origin_request,
    origin_response, private_content, response_headers, viewer_headers, viewer_response, Generated,
};
use crate::trace::{self, TRACE_HEADER};

/// The viewer's address, for edge code events and `X-Forwarded-For`.
fn viewer_ip(session: &Session) -> Option<std::net::IpAddr> {
    session
        .client_addr()
        .and_then(|a| a.as_inet())
        .map(|a| a.ip())
}

/// The viewer's connection, for the `CloudFront-Viewer-Address` and `-TLS` headers.
fn viewer_connection(session: &Session) -> viewer_headers::Connection {
    let digest = session.digest();
    viewer_headers::Connection {
        addr: session.client_addr().and_then(|a| a.as_inet()).copied(),
        tls: digest
            .and_then(|d| d.ssl_digest.as_ref())
            .map(|t| (t.version.to_string(), t.cipher.to_string())),
    }
}

/// The per-request viewer timers (spec/hardening.md §3): the pause allowed between body reads,
/// between writes, and — when the connection is kept alive — before the next request. pingora
/// turns keep-alive on with no idle limit for HTTP/1.1; localfront bounds it.
fn viewer_timers(session: &mut Session, timeouts: &localfront_config::ViewerTimeouts) {
    session.set_read_timeout(Some(timeouts.client_body));
    session.set_write_timeout(Some(timeouts.send));
    if session.get_keepalive().is_some() {
        session.set_keepalive(Some(timeouts.keepalive.as_secs()));
    }
}

/// Whether the viewer's connection may carry its next request after localfront answered this one
/// itself, a proxy attempt or not behind it: the request's body, if it had one, was read to its
/// end, so none of it is left to be taken for the next request (spec/hardening.md §1). A body
/// left unread — never read when the origin refused the connection, or cut short by a failed
/// attempt — closes the connection instead of being drained: it may be large, and a viewer still
/// sending it would hold the connection (pingora's HTTP/1 session also turns keep-alive off for a
/// response written before the body's end). Nothing sent upstream can touch the viewer's stream.
fn body_read(session: &mut Session) -> bool {
    session.is_body_done()
}

/// Answers with an origin group secondary's origin-request failure: a whole response written in
/// `fail_to_proxy`.
fn replace_response(ctx: &mut RequestContext, answer: Generated) -> Result<()> {
    ctx.x_cache = answer.x_cache;
    let header = viewer_response::generated_header(&answer)?;
    ctx.function_replaced_response = true;
    ctx.replacement = Some(Box::new((header, answer.body)));
    Error::e_explain(
        CUSTOM_ERROR_RESPONSE,
        "an edge function replaced the response",
    )
}

/// The error that carries a prepared custom error page from `upstream_response_filter` to
/// `fail_to_proxy`, where pingora lets us write a response of our own.
const CUSTOM_ERROR_RESPONSE: ErrorType = ErrorType::Custom("CustomErrorResponse");

/// The error that ends a proxy attempt whose response a stage already sent (an origin group's
/// secondary answered by its origin-request handler): `fail_to_proxy` sends nothing more.
const ANSWERED: ErrorType = ErrorType::Custom("Answered");

/// The most ranges one request may ask for (multipart responses beyond it are refused).
const MAX_RANGES: usize = 200;

/// localfront's edge: one `ProxyHttp` serving every distribution of a config snapshot.
pub struct Edge {
    live: Arc<Live>,
    https_port: Option<u16>,
    http_listen: SocketAddr,
    pages: PageClient,
    cache: EdgeCache,
    caching: bool,
}

impl Edge {
    /// An edge serving the live config with `cache` (bypassed when `caching` is false).
    pub fn new(
        live: Arc<Live>,
        http_listen: SocketAddr,
        https_port: Option<u16>,
        cache: EdgeCache,
        caching: bool,
    ) -> Self {
        Self {
            https_port,
            http_listen,
            live,
            pages: PageClient::new(),
            cache,
            caching,
        }
    }

    /// Sends a response CloudFront generates itself.
    async fn respond(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        g: Generated,
    ) -> Result<()> {
        ctx.x_cache = g.x_cache;
        let header = viewer_response::generated_header(&g)?;
        self.send(session, ctx, header, g.body).await
    }

    /// Sends a complete response with CloudFront's headers.
    async fn send(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        mut header: ResponseHeader,
        body: Bytes,
    ) -> Result<()> {
        viewer_response::add_cloudfront_headers(&mut header, ctx, session.req_header().version)?;
        ctx.first_byte = Some(ctx.started.elapsed());
        let head = session.req_header().method == http::Method::HEAD;
        session
            .write_response_header(Box::new(header), head)
            .await?;
        if !head {
            session.write_response_body(Some(body), true).await?;
        }
        Ok(())
    }

    /// Answers before any origin is contacted. The request body, if any, is unread: close the
    /// connection afterwards rather than misparse it as the next request (hardening.md §1).
    async fn answer_early(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        answer: Generated,
    ) -> Result<()> {
        if !session.is_body_empty() {
            session.set_keepalive(None);
        }
        self.respond(session, ctx, answer).await
    }

    /// Answers with a response an origin-request handler generated: it continues where an origin's
    /// would (spec/distribution.md §1 step 7 → 10) — stored in the cache under the request's key
    /// with the cache policy's TTL rules, then the custom error response, the response headers
    /// policy and viewer-response — and origin-response does not run (spec/lambda-edge.md §3–5).
    async fn answer_from_origin_request(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        answer: Generated,
    ) -> Result<()> {
        // A body read to its end (by IncludeBody, or by an origin group's primary attempt) leaves
        // nothing to misparse: the connection stays open (see `body_read`).
        if !body_read(session) {
            session.set_keepalive(None);
        }
        ctx.x_cache = answer.x_cache;
        let mut header = viewer_response::generated_header(&answer)?;
        let mut body = answer.body;
        self.store_generated(session, ctx, &header, &body).await;
        let req = session.req_header().clone();
        let head = req.method == http::Method::HEAD;
        let page = match head || !body.is_empty() {
            true => self.custom_error_page(ctx, header.status.as_u16()).await,
            false => None,
        };
        if let Some((page, page_body)) = page {
            (header, body) = (page, page_body);
            ctx.x_cache = XCache::Error;
            response_headers::apply(ctx, &req, &mut header)?;
        } else {
            response_headers::apply(ctx, &req, &mut header)?;
            match edge_code::viewer_response(ctx, &req, &mut header, viewer_ip(session)).await {
                Ok(None) => {}
                Ok(Some(replaced)) => body = replaced,
                Err(failure) => {
                    ctx.x_cache = failure.x_cache;
                    header = viewer_response::generated_header(&failure)?;
                    body = failure.body;
                }
            }
        }
        self.send(session, ctx, header, body).await
    }

    /// Writes a generated response into the cache as pingora writes an origin's on a miss (or to
    /// replace an expired object), when the request uses the cache and the response is cacheable.
    async fn store_generated(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        header: &ResponseHeader,
        body: &Bytes,
    ) {
        if !session.cache.enabled()
            || !matches!(session.cache.phase(), CachePhase::Miss | CachePhase::Stale)
            || body.len() > self.cache.max_object_bytes
        {
            return;
        }
        let Ok(RespCacheable::Cacheable(meta)) = self.response_cache_filter(session, header, ctx)
        else {
            return;
        };
        session.cache.set_cache_meta(meta);
        let stored = async {
            session.cache.set_miss_handler().await?;
            if let Some(miss) = session.cache.miss_handler() {
                miss.write_body(body.clone(), true).await?;
            }
            session.cache.finish_miss_handler().await
        }
        .await;
        if let Err(e) = stored {
            tracing::warn!(request_id = %ctx.request_id, "could not cache a generated response: {e}");
        }
    }

    /// Reads the viewer's body as far as `event`'s Lambda@Edge handler wants it (IncludeBody).
    /// A viewer that expects `100 Continue` is invited first: the edge sends it itself, and the
    /// origin never sees `Expect` (spec/distribution.md §3).
    async fn read_body_for(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
        event: EventType,
    ) -> Result<()> {
        let Some(limit) = edge_code::body_limit(ctx, event) else {
            return Ok(());
        };
        if is_expect_continue_req(session.req_header()) && !session.is_body_empty() {
            session.write_continue_response().await?;
            session
                .req_header_mut()
                .remove_header(&http::header::EXPECT);
        }
        ctx.request_body.read(session, limit).await
    }

    /// The custom error page for `status`, fetched through this edge, if a rule has one.
    async fn custom_error_page(
        &self,
        ctx: &RequestContext,
        status: u16,
    ) -> Option<(ResponseHeader, Bytes)> {
        if ctx.internal {
            return None;
        }
        let distribution = ctx.distribution()?;
        let rule = errors::rule_for(distribution, status)?;
        errors::fetch_page(
            &self.pages,
            self.http_listen,
            distribution,
            rule,
            &ctx.snapshot.internal_secret,
        )
        .await
    }
}

#[async_trait]
impl ProxyHttp for Edge {
    type CTX = RequestContext;

    fn new_ctx(&self) -> RequestContext {
        RequestContext::new(self.live.current())
    }

    async fn request_filter(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
    ) -> Result<bool> {
        ctx.viewer_https = session.digest().is_some_and(|d| d.ssl_digest.is_some());
        viewer_timers(session, &ctx.snapshot.config.server.viewer_timeouts);
        let secret = &ctx.snapshot.internal_secret;
        // Removed by `HeaderName`: a `&str` name is parsed again on every lookup.
        const INTERNAL: http::HeaderName = http::HeaderName::from_static(INTERNAL_HEADER);
        const TRACE: http::HeaderName = http::HeaderName::from_static(TRACE_HEADER);
        ctx.internal = session
            .req_header_mut()
            .remove_header(&INTERNAL)
            .is_some_and(|v| v.as_bytes() == secret.as_bytes());
        let traced = session
            .req_header_mut()
            .remove_header(&TRACE)
            .is_some_and(|v| v.as_bytes() == b"1");
        if traced && ctx.snapshot.config.server.trace && !ctx.internal {
            ctx.trace = Some(Box::default());
            let req = session.req_header();
            let view = trace::request_view(req);
            let https = ctx.viewer_https;
            ctx.trace("viewer_request", |_| {
                json!({ "request": view, "https": https, "version": format!("{:?}", req.version) })
            });
        }

        let route = if ctx.internal {
            // localfront's own request for a custom error page: routed by path only.
            let req = session.req_header();
            let distribution = ctx.snapshot.distribution_for(route::host(req)).unwrap_or(0);
            let behavior = route::match_behavior(&ctx.snapshot, distribution, req.uri.path());
            route::Route {
                distribution,
                behavior,
            }
        } else {
            let raw_head = session
                .req_header()
                .headers
                .contains_key(http::header::TRANSFER_ENCODING)
                .then(|| {
                    session
                        .as_downstream()
                        .as_http1()
                        .map(|h1| h1.get_headers_raw_bytes())
                })
                .flatten();
            let viewer = ViewerRequest {
                header: session.req_header(),
                https: ctx.viewer_https,
                https_port: self.https_port,
                request_id: &ctx.request_id,
                raw_head_with_te: raw_head.as_deref(),
            };
            // A primary's continuous deployment policy may hand the request to its staging
            // distribution.
            let routed = route::route(&ctx.snapshot, &viewer)
                .and_then(|r| continuous_deployment::select(&ctx.snapshot, r, &viewer));
            match routed {
                Ok(deployment) => {
                    ctx.primary_distribution = deployment.primary;
                    ctx.staging_cookie = deployment.set_cookie;
                    deployment.route
                }
                Err(generated) => {
                    let (status, x_cache) = (generated.status, generated.x_cache);
                    // A malformed or oversized request: nothing after it on this connection is
                    // trusted (spec/hardening.md §1).
                    if matches!(status, 400 | 414) {
                        session.set_keepalive(None);
                    }
                    ctx.trace(
                        "route",
                        |_| json!({ "answered": status, "x_cache": x_cache.header_value() }),
                    );
                    self.answer_early(session, ctx, generated).await?;
                    return Ok(true);
                }
            }
        };
        ctx.distribution = Some(route.distribution);
        ctx.behavior = route.behavior;
        ctx.origin = origin_request::choose_origin(ctx);
        ctx.trace("route", |ctx| {
            let d = ctx.distribution();
            json!({
                "distribution": d.map(|d| d.id.as_str()),
                "behavior": d.map(|d| d.cache_behaviors[ctx.behavior].path_pattern.as_str()),
                "target_origin": ctx.current_origin().map(|o| o.id.as_str()),
            })
        });
        if let Some(behavior) = ctx.distribution().map(|d| &d.cache_behaviors[ctx.behavior]) {
            ctx.exchange =
                exchange::classify(session.req_header(), session.is_upgrade_req(), behavior);
        }
        if ctx.exchange == Exchange::Upgrade {
            // Reads from the viewer side of a tunnel wait as long as an idle WebSocket may.
            let idle = ctx.snapshot.config.server.websocket_idle_timeout;
            session.set_read_timeout(Some(idle));
        }

        let viewer_ip = viewer_ip(session);
        // Geo restriction, then signed URLs and cookies: before any function runs.
        let viewer = &ctx.snapshot.config.viewer;
        ctx.viewer_location =
            viewer_headers::locate(viewer, viewer_ip, session.req_header_mut()).map(Box::new);
        let checks = viewer_headers::geo_check(ctx)
            .and_then(|()| private_content::check(ctx, session.req_header(), viewer_ip));
        if let Err(refusal) = checks {
            self.answer_early(session, ctx, refusal).await?;
            return Ok(true);
        }
        let connection = viewer_connection(session);
        viewer_headers::add_request_headers(ctx, session.req_header_mut(), &connection)?;
        // viewer-request: a CloudFront Function or Lambda@Edge handler may rewrite or answer.
        if !ctx.internal {
            self.read_body_for(session, ctx, EventType::ViewerRequest)
                .await?;
        }
        if let Err(answer) =
            edge_code::viewer_request(ctx, session.req_header_mut(), viewer_ip).await
        {
            self.answer_early(session, ctx, answer).await?;
            return Ok(true);
        }
        // `Expect: 100-continue`: the origin never sees `Expect` (spec/distribution.md §3), so the
        // edge invites the body itself once the request has passed the viewer checks; a viewer
        // refused above gets its answer instead and never sends the body.
        if is_expect_continue_req(session.req_header()) && !session.is_body_empty() {
            session.write_continue_response().await?;
        }
        Ok(false)
    }

    fn request_cache_filter(&self, session: &mut Session, ctx: &mut RequestContext) -> Result<()> {
        let Some(behavior) = ctx.distribution().map(|d| &d.cache_behaviors[ctx.behavior]) else {
            return Ok(());
        };
        if !self.caching
            || !ctx.exchange.cacheable()
            || !cache::uses_cache(behavior, session.req_header().method.as_str())
        {
            return Ok(());
        }
        ctx.cache_key = cache::primary_key(session.req_header(), ctx);
        ctx.trace("cache_lookup", |ctx| json!({ "key": ctx.cache_key }));
        if ctx.cache_key.is_some() {
            let c = &self.cache;
            // No `set_max_file_size_bytes`: pingora would fail the whole response (its viewers
            // follow the write) when a body outgrows it mid-stream. The store enforces
            // `cache_max_object_bytes` itself, and `response_cache_filter` turns away an object
            // whose `Content-Length` is over it.
            session
                .cache
                .enable(c.storage, Some(c.eviction), None, Some(c.lock), None);
        }
        Ok(())
    }

    fn cache_key_callback(&self, _session: &Session, ctx: &mut RequestContext) -> Result<CacheKey> {
        match &ctx.cache_key {
            Some(key) => {
                // Hashed once here: pingora would hash the primary key again each time it asks
                // for the hash (lookup, lock, eviction, storage: ~4 % of a hit).
                let mut k = CacheKey::new(key.as_str(), "");
                k.set_primary_bin_override(pingora::cache::key::hash_key(key));
                Ok(k)
            }
            None => Error::e_explain(ErrorType::InternalError, "cache enabled without a key"),
        }
    }

    fn response_cache_filter(
        &self,
        _session: &Session,
        resp: &ResponseHeader,
        ctx: &mut RequestContext,
    ) -> Result<RespCacheable> {
        let Some(d) = ctx.distribution() else {
            return Ok(RespCacheable::Uncacheable(NoCacheReason::Custom(
                "unrouted",
            )));
        };
        if ctx.origin_response_failure.is_some() {
            return Ok(RespCacheable::Uncacheable(NoCacheReason::Custom(
                "origin-response handler failed",
            )));
        }
        let too_large = resp
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
            .is_some_and(|len| len > self.cache.max_object_bytes);
        if too_large {
            return Ok(RespCacheable::Uncacheable(NoCacheReason::ResponseTooLarge));
        }
        let behavior = &d.cache_behaviors[ctx.behavior];
        let rule = d
            .custom_error_responses
            .iter()
            .find(|r| r.error_code == resp.status.as_u16());
        let now = SystemTime::now();
        Ok(match cache::keep(resp, &behavior.cache_policy, rule, now) {
            cache::Keep::For {
                ttl,
                stale_while_revalidate,
                stale_if_error,
            } => RespCacheable::Cacheable(CacheMeta::new(
                now + ttl,
                now,
                stale_while_revalidate,
                stale_if_error,
                resp.clone(),
            )),
            cache::Keep::No(reason) => RespCacheable::Uncacheable(NoCacheReason::Custom(reason)),
        })
    }

    fn range_header_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        _ctx: &mut RequestContext,
    ) -> RangeType {
        // Without a `Range` header pingora's filter only adds `Accept-Ranges` and never answers
        // `Invalid`, so the header needs no copy to roll back to (a copy per hit otherwise).
        if !session
            .req_header()
            .headers
            .contains_key(http::header::RANGE)
        {
            return range_header_filter(session.req_header(), resp, Some(MAX_RANGES));
        }
        let mut ranged = resp.clone();
        let decision = range_header_filter(session.req_header(), &mut ranged, Some(MAX_RANGES));
        let unsatisfiable = || {
            let range = session
                .req_header()
                .headers
                .get(http::header::RANGE)
                .and_then(|v| v.to_str().ok());
            let len = resp
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok());
            matches!((range, len), (Some(r), Some(l)) if cache::range_unsatisfiable(r, l))
        };
        match decision {
            RangeType::Invalid if !unsatisfiable() => RangeType::None,
            other => {
                *resp = ranged;
                other
            }
        }
    }

    async fn proxy_upstream_filter(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
    ) -> Result<bool> {
        // origin-request: cache misses only, before the origin is contacted.
        self.read_body_for(session, ctx, EventType::OriginRequest)
            .await?;
        let viewer_ip = viewer_ip(session);
        match edge_code::origin_request(ctx, session.req_header_mut(), viewer_ip).await {
            Ok(()) => Ok(true),
            Err(answer) if answer.x_cache == lambdas::GENERATED_RESPONSE => {
                self.answer_from_origin_request(session, ctx, answer)
                    .await?;
                Ok(false)
            }
            Err(answer) => {
                self.answer_early(session, ctx, answer).await?;
                Ok(false)
            }
        }
    }

    async fn upstream_peer(
        &self,
        session: &mut Session,
        ctx: &mut RequestContext,
    ) -> Result<Box<HttpPeer>> {
        // origin-request runs again for an origin group's secondary (spec/lambda-edge.md §5).
        if ctx.origin.on_secondary && !ctx.secondary_origin_request {
            ctx.secondary_origin_request = true;
            let viewer_ip = viewer_ip(session);
            match edge_code::origin_request(ctx, session.req_header_mut(), viewer_ip).await {
                Ok(()) => {}
                // A response it generates goes where the primary's would have: cached, then the
                // custom error response, the response headers policy and viewer-response. The
                // viewer has it once this returns; the error only ends pingora's attempt, and
                // `fail_to_proxy` keeps the connection as CloudFront does.
                Err(answer) if answer.x_cache == lambdas::GENERATED_RESPONSE => {
                    self.answer_from_origin_request(session, ctx, answer)
                        .await?;
                    return Error::e_explain(ANSWERED, "the secondary's origin-request answered");
                }
                Err(answer) => replace_response(ctx, answer)?,
            }
        }
        ctx.request_body.start_attempt(session);
        ctx.origin_started = Some(std::time::Instant::now());
        ctx.trace("origin", |ctx| {
            json!({
                "origin": ctx.current_origin().map(|o| o.id.as_str()),
                "attempt": ctx.attempts + 1,
                "group": ctx.current_group().map(|g| g.id.as_str()),
                "secondary": ctx.origin.on_secondary,
            })
        });
        origin_request::peer(ctx).await
    }

    async fn request_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        _end_of_stream: bool,
        ctx: &mut RequestContext,
    ) -> Result<()> {
        ctx.request_body.forward(body);
        Ok(())
    }

    async fn upstream_request_filter(
        &self,
        session: &mut Session,
        req: &mut pingora::http::RequestHeader,
        ctx: &mut RequestContext,
    ) -> Result<()> {
        origin_request::rewrite(req, ctx, viewer_ip(session))?;
        ctx.request_body.rewrite_request(req)?;
        ctx.origin_accept_encoding = req
            .headers
            .get(http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(())
    }

    fn fail_to_connect(
        &self,
        session: &mut Session,
        _peer: &HttpPeer,
        ctx: &mut RequestContext,
        e: Box<Error>,
    ) -> Box<Error> {
        let method = session.req_header().method.clone();
        let e = origin_request::on_connect_error(ctx, method.as_str(), e);
        let (error, retry) = (e.to_string(), e.retry());
        ctx.trace(
            "origin_connect_error",
            |_| json!({ "error": error, "retry": retry }),
        );
        e
    }

    fn error_while_proxy(
        &self,
        peer: &HttpPeer,
        session: &mut Session,
        e: Box<Error>,
        ctx: &mut RequestContext,
        _client_reused: bool,
    ) -> Box<Error> {
        let mut e = e.more_context(format!("Peer: {peer}"));
        // Once the viewer has the response header (a body cut short, or a cache write followed
        // by the viewer), another attempt would answer it twice.
        if ctx.replacement.is_some() || session.as_ref().response_written().is_some() {
            e.set_retry(false);
            return e;
        }
        let method = session.req_header().method.clone();
        let buffer_ok = ctx
            .request_body
            .replayable(session.as_ref().retry_buffer_truncated());
        let e = origin_request::on_proxy_error(ctx, method.as_str(), buffer_ok, e);
        let (error, retry) = (e.to_string(), e.retry());
        ctx.trace(
            "origin_error",
            |_| json!({ "error": error, "retry": retry }),
        );
        e
    }

    async fn upstream_response_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut RequestContext,
    ) -> Result<()> {
        origin_response::observe_latency(ctx);
        let status = resp.status.as_u16();
        ctx.trace("origin_response", |ctx| {
            let latency = ctx.origin_started.map(|t| t.elapsed().as_micros() as u64);
            json!({ "status": status, "latency_us": latency })
        });
        let method = session.req_header().method.clone();
        origin_response::filter(resp, ctx, method.as_str())?;
        // origin-response: every origin answer, ≥ 400 included, before the cache stores it.
        let req = session.req_header();
        let outcome = edge_code::origin_response(ctx, req, resp, viewer_ip(session)).await;
        match outcome {
            Ok(None) => {}
            // A body set by the handler takes the origin body's place as it streams, or follows
            // the header of an answer without a body stream (`Content-Length: 0`), so the cache
            // stores the changed response (spec/lambda-edge.md §4: origin-response runs before
            // caching).
            Ok(Some(body)) => {
                if origin_response::carries_body(session.req_header().method.as_str(), resp) {
                    ctx.origin_response_body = Some((body, false));
                    session.response_gets_body = true;
                } else {
                    origin_response::drop_body(resp);
                }
            }
            // Its 502/503 is sent by `response_filter` in the origin response's place, as a custom
            // error page is: not cached, the origin's body dropped, the viewer connection kept.
            Err(answer) => {
                ctx.origin_response_failure = Some(Box::new(answer));
                return Ok(());
            }
        }
        // Compression happens before the cache stores the object (spec/distribution.md §10).
        if let (Some(_), Some(d)) = (&ctx.cache_key, ctx.distribution()) {
            let behavior = &d.cache_behaviors[ctx.behavior];
            ctx.compressor = compress::start(
                behavior,
                session.req_header(),
                ctx.origin_accept_encoding.as_deref(),
                resp,
            )?
            .map(Box::new);
        }
        Ok(())
    }

    fn upstream_response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        end_of_stream: bool,
        ctx: &mut RequestContext,
    ) -> Result<Option<std::time::Duration>> {
        if let Some((replacement, sent)) = ctx.origin_response_body.as_mut() {
            // The handler's body goes out in place of the origin's first chunk; the rest of the
            // origin's body is dropped.
            *body = (!*sent).then(|| replacement.clone());
            *sent = true;
        }
        if let Some(compressor) = ctx.compressor.as_mut() {
            let out = compressor
                .feed(body.as_ref(), end_of_stream)
                .map_err(|e| Error::because(ErrorType::InternalError, "edge compression", e))?;
            *body = (!out.is_empty()).then_some(out);
        }
        Ok(None)
    }

    async fn response_filter(
        &self,
        session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut RequestContext,
    ) -> Result<()> {
        ctx.x_cache = cache::x_cache(&session.cache.phase(), resp.status.as_u16());
        let phase = session.cache.phase();
        ctx.trace(
            "cache_result",
            |ctx| json!({ "x_cache": ctx.x_cache.header_value(), "phase": format!("{phase:?}") }),
        );
        if let Some(answer) = ctx.origin_response_failure.take() {
            // An origin-response handler failed: its error replaces the response, without the
            // response headers policy or viewer-response (as for any edge function's error); the
            // page goes out in `response_body_filter` or follows a header without a body stream.
            ctx.x_cache = answer.x_cache;
            *resp = viewer_response::generated_header(&answer)?;
            if origin_response::carries_body(session.req_header().method.as_str(), resp) {
                ctx.viewer_body = Some(answer.body);
                session.response_gets_body = true;
            }
            ctx.first_byte = Some(ctx.started.elapsed());
            return viewer_response::add_cloudfront_headers(
                resp,
                ctx,
                session.req_header().version,
            );
        }
        if resp.status == http::StatusCode::SWITCHING_PROTOCOLS {
            // The tunnel opens: no error page or viewer-response code applies to a `101`.
            return viewer_response::add_cloudfront_headers(
                resp,
                ctx,
                session.req_header().version,
            );
        }
        // Custom error response: the origin's error (fresh or cached for its error TTL) is answered
        // with the page; the body is swapped in `response_body_filter`, or follows the header of an
        // error without a body stream (`Content-Length: 0`; `Session::response_gets_body`).
        if let Some((page, body)) = self.custom_error_page(ctx, resp.status.as_u16()).await {
            *resp = page;
            ctx.viewer_body = Some(body);
            ctx.x_cache = XCache::Error;
            session.response_gets_body =
                origin_response::carries_body(session.req_header().method.as_str(), resp);
            response_headers::apply(ctx, session.req_header(), resp)?;
            return viewer_response::add_cloudfront_headers(
                resp,
                ctx,
                session.req_header().version,
            );
        }
        response_headers::apply(ctx, session.req_header(), resp)?;
        // viewer-response: a CloudFront Function or Lambda@Edge handler. A body it sets (or its
        // failure's page) takes the place of the response's body as it streams, with its own
        // `Content-Length`, or follows the header of a response without a body stream
        // (`Content-Length: 0`, cached or not), so the connection stays open.
        let req = session.req_header();
        let outcome = edge_code::viewer_response(ctx, req, resp, viewer_ip(session)).await;
        match outcome {
            Ok(None) => {}
            Ok(Some(body)) => ctx.viewer_body = Some(body),
            Err(answer) => {
                ctx.x_cache = answer.x_cache;
                *resp = viewer_response::generated_header(&answer)?;
                ctx.viewer_body = Some(answer.body);
            }
        }
        if ctx.viewer_body.is_some() {
            if origin_response::carries_body(session.req_header().method.as_str(), resp) {
                session.response_gets_body = true;
            } else {
                ctx.viewer_body = None;
                origin_response::drop_body(resp);
            }
        }
        ctx.first_byte = Some(ctx.started.elapsed());
        viewer_response::add_cloudfront_headers(resp, ctx, session.req_header().version)
    }

    fn response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        _end_of_stream: bool,
        ctx: &mut RequestContext,
    ) -> Result<Option<std::time::Duration>> {
        // A custom error page replaces the origin's error body: the page goes out with the first
        // chunk, the rest of the error is dropped.
        if ctx.viewer_body.is_some() || ctx.viewer_body_sent {
            *body = ctx.viewer_body.take();
            ctx.viewer_body_sent = true;
        }
        Ok(None)
    }

    async fn fail_to_proxy(
        &self,
        session: &mut Session,
        e: &Error,
        ctx: &mut RequestContext,
    ) -> FailToProxy {
        if e.etype() == &ANSWERED {
            // Written whole by `answer_from_origin_request`, which closed the connection if the
            // request's body was not read to its end.
            return FailToProxy {
                error_code: session.response_written().map_or(0, |r| r.status.as_u16()),
                can_reuse_downstream: body_read(session),
            };
        }
        let status = match ctx.replacement.as_deref() {
            Some((header, _)) => header.status.as_u16(),
            None => errors::status_for(e),
        };
        if e.etype() != &CUSTOM_ERROR_RESPONSE {
            let error = e.to_string();
            ctx.trace("error", |_| json!({ "status": status, "error": error }));
        }
        // The viewer has the response header already (a body cut short): an error page now would
        // be written into that body — and end a chunked one as if complete. The connection closes
        // short of the body instead. A `100 Continue` (the edge invited the body) is no response:
        // the error page follows it.
        let started = session
            .response_written()
            .filter(|r| !r.status.is_informational());
        if let Some(written) = started {
            return FailToProxy {
                error_code: written.status.as_u16(),
                can_reuse_downstream: false,
            };
        }
        let dead_viewer = matches!(e.esource(), pingora::ErrorSource::Downstream)
            && matches!(
                e.etype(),
                ErrorType::WriteError | ErrorType::ReadError | ErrorType::ConnectionClosed
            );
        if dead_viewer {
            return FailToProxy {
                error_code: 0,
                can_reuse_downstream: false,
            };
        }
        // The page is the whole answer, so the connection carries the viewer's next request as
        // CloudFront's does — unless the request's body was not read to its end (`body_read`) or
        // the viewer's own side failed (a bad or slow body). A closing connection says so in the
        // response, or a client reusing it for its next request meets a reset.
        let reusable = body_read(session) && e.esource() != &pingora::ErrorSource::Downstream;
        if !reusable {
            session.set_keepalive(None);
        }
        let page = match ctx.replacement.take() {
            Some(page) => Some(*page),
            None => self.custom_error_page(ctx, status).await,
        };
        let sent = match page {
            Some((mut header, body)) => {
                // A custom error page reports an error; an edge function's failure keeps its own
                // X-Cache (`LambdaExecutionError from cloudfront`, …).
                if !ctx.function_replaced_response {
                    ctx.x_cache = XCache::Error;
                    let _ = response_headers::apply(ctx, session.req_header(), &mut header);
                }
                self.send(session, ctx, header, body).await
            }
            None => {
                let generated = cloudfront_error(ErrorKind::Status(status), &ctx.request_id);
                ctx.x_cache = generated.x_cache;
                match viewer_response::generated_header(&generated) {
                    Ok(mut header) => {
                        let _ = response_headers::apply(ctx, session.req_header(), &mut header);
                        self.send(session, ctx, header, generated.body).await
                    }
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(err) = &sent {
            tracing::debug!("could not send the error response: {err}");
        }
        FailToProxy {
            error_code: status,
            can_reuse_downstream: reusable && sent.is_ok(),
        }
    }

    fn should_serve_stale(
        &self,
        _session: &mut Session,
        _ctx: &mut RequestContext,
        error: Option<&Error>,
    ) -> bool {
        // Within the object's stale windows (checked by pingora): an unreachable origin or a 5xx
        // gets the expired object (spec/distribution.md §6–7); `None` is stale-while-revalidate.
        error.is_none_or(|e| e.esource() == &pingora::ErrorSource::Upstream)
    }

    fn suppress_error_log(&self, _session: &Session, _ctx: &RequestContext, e: &Error) -> bool {
        e.etype() == &CUSTOM_ERROR_RESPONSE || e.etype() == &ANSWERED
    }

    async fn logging(&self, session: &mut Session, e: Option<&Error>, ctx: &mut RequestContext) {
        observe::finish(session, e, ctx);
        let status = session.response_written().map_or(0, |r| r.status.as_u16());
        let req = session.req_header();
        if status == 101 {
            exchange::log_tunnel_closed(ctx, req, e);
        }
        // Debug level: one line per request is a cost under load; CloudFront's access logs are
        // their own feature.
        tracing::debug!(
            target: "localfront::access",
            distribution = ctx.distribution().map_or("-", |d| d.id.as_str()),
            method = %req.method,
            uri = %req.uri,
            status,
            x_cache = ctx.x_cache.header_value(),
            request_id = %ctx.request_id,
            error = e.map(|e| e.to_string()),
        );
    }
}
