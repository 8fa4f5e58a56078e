//! Which edge code runs on each of CloudFront's four events, and when it does not
//! (spec/cloudfront-functions.md §6, spec/lambda-edge.md §5): a behavior's CloudFront Function
//! (`functions.rs`) or Lambda@Edge handler (`lambdas.rs`) — never both on one viewer event.

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use localfront_config::{CacheBehavior, LambdaAssociations};
use localfront_events::lambda_edge::EventType;
use localfront_wasm::EdgeFunction;
use pingora::http::{RequestHeader, ResponseHeader};
use serde_json::{json, Value};

use super::{functions, lambdas, Generated};
use crate::context::{RequestContext, XCache};
use crate::metrics::METRICS;
use crate::trace;

/// viewer-request: after routing, before the cache. `Err` is the response to send instead.
/// Skipped for localfront's own custom-error-page fetches.
pub async fn viewer_request(
    ctx: &mut RequestContext,
    req: &mut RequestHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<(), Generated> {
    if ctx.internal {
        return Ok(());
    }
    let snapshot = ctx.snapshot.clone();
    let Some(behavior) = behavior(ctx) else {
        return Ok(());
    };
    if let Some(name) = behavior.function_associations.viewer_request.clone() {
        let (started, before) = (Instant::now(), before_request(ctx, req));
        let outcome = functions::viewer_request(&snapshot, &name, ctx, req, viewer_ip).await;
        let views = before.map(|b| (b, trace::request_view(req)));
        return record(ctx, &name, "viewer-request", started, outcome, views);
    }
    match handler(ctx, |l| &l.viewer_request) {
        Some(h) => {
            let (started, before) = (Instant::now(), before_request(ctx, req));
            let outcome = request_outcome(
                lambdas::on_request(&h, EventType::ViewerRequest, ctx, req, viewer_ip).await,
            );
            let views = before.map(|b| (b, trace::request_view(req)));
            record(ctx, h.name(), "viewer-request", started, outcome, views)
        }
        None => Ok(()),
    }
}

/// origin-request: cache misses only, before the origin is contacted.
pub async fn origin_request(
    ctx: &mut RequestContext,
    req: &mut RequestHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<(), Generated> {
    match handler(ctx, |l| &l.origin_request) {
        Some(h) => {
            let (started, before) = (Instant::now(), before_request(ctx, req));
            let outcome = request_outcome(
                lambdas::on_request(&h, EventType::OriginRequest, ctx, req, viewer_ip).await,
            );
            let views = before.map(|b| (b, trace::request_view(req)));
            record(ctx, h.name(), "origin-request", started, outcome, views)
        }
        None => Ok(()),
    }
}

/// origin-response: every origin answer, ≥ 400 included, before the cache stores it. `Ok(Some)` is
/// a new body.
pub async fn origin_response(
    ctx: &mut RequestContext,
    req: &RequestHeader,
    resp: &mut ResponseHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<Option<Bytes>, Generated> {
    match handler(ctx, |l| &l.origin_response) {
        Some(h) => {
            let (started, before) = (Instant::now(), before_response(ctx, resp));
            let outcome =
                lambdas::on_response(&h, EventType::OriginResponse, ctx, req, resp, viewer_ip)
                    .await;
            let views = before.map(|b| (b, trace::response_view(resp)));
            record(ctx, h.name(), "origin-response", started, outcome, views)
        }
        None => Ok(None),
    }
}

/// viewer-response: hits and misses, not for a status ≥ 400 (generated responses and custom error
/// pages never come this way). `Ok(Some)` is a new body.
pub async fn viewer_response(
    ctx: &mut RequestContext,
    req: &RequestHeader,
    resp: &mut ResponseHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<Option<Bytes>, Generated> {
    if ctx.internal || resp.status.as_u16() >= 400 {
        return Ok(None);
    }
    let snapshot = ctx.snapshot.clone();
    let Some(behavior) = behavior(ctx) else {
        return Ok(None);
    };
    if let Some(name) = behavior.function_associations.viewer_response.clone() {
        let (started, before) = (Instant::now(), before_response(ctx, resp));
        let outcome = functions::viewer_response(&snapshot, &name, ctx, req, resp, viewer_ip).await;
        let views = before.map(|b| (b, trace::response_view(resp)));
        return record(ctx, &name, "viewer-response", started, outcome, views);
    }
    match handler(ctx, |l| &l.viewer_response) {
        Some(h) => {
            let (started, before) = (Instant::now(), before_response(ctx, resp));
            let outcome =
                lambdas::on_response(&h, EventType::ViewerResponse, ctx, req, resp, viewer_ip)
                    .await;
            let views = before.map(|b| (b, trace::response_view(resp)));
            record(ctx, h.name(), "viewer-response", started, outcome, views)
        }
        None => Ok(None),
    }
}

/// How much of the viewer's body `event`'s handler wants before it runs: its input limit when
/// the behavior's handler for that event sets IncludeBody (spec/lambda-edge.md §2).
pub fn body_limit(ctx: &RequestContext, event: EventType) -> Option<usize> {
    let h = match event {
        EventType::ViewerRequest => handler(ctx, |l| &l.viewer_request),
        EventType::OriginRequest => handler(ctx, |l| &l.origin_request),
        _ => None,
    }?;
    h.spec()
        .include_body
        .then(|| localfront_events::lambda_edge::body_input_limit(event))
}

fn behavior(ctx: &RequestContext) -> Option<&CacheBehavior> {
    ctx.distribution().map(|d| &d.cache_behaviors[ctx.behavior])
}

/// The behavior's Lambda@Edge handler for one event, if it has one.
fn handler(
    ctx: &RequestContext,
    event: impl Fn(&LambdaAssociations) -> &Option<String>,
) -> Option<EdgeFunction> {
    let name = event(&behavior(ctx)?.lambda_associations).as_deref()?;
    ctx.snapshot.lambdas.get(name).cloned()
}

/// Counts one run in the metrics by its outcome — a generated response is a success; a failure is
/// named by its `X-Cache` error (spec/distribution.md §16: FunctionValidationErrors, …Execution…,
/// FunctionThrottles) — and tells the trace what ran and what it changed (`views`: before and
/// after, when traced).
fn record<T>(
    ctx: &mut RequestContext,
    function: &str,
    event: &str,
    started: Instant,
    outcome: Result<T, Generated>,
    views: Option<(Value, Value)>,
) -> Result<T, Generated> {
    let elapsed = started.elapsed();
    let result = match &outcome {
        Ok(_) => "ok",
        Err(g) => match g.x_cache {
            XCache::Named(name) if name.contains("ValidationError") => "validation_error",
            XCache::Named(name) if name.contains("Throttled") => "throttled",
            XCache::Named(name) if name.contains("LimitExceeded") => "limit_exceeded",
            XCache::Named(name) if name.contains("ExecutionError") => "execution_error",
            _ => "ok",
        },
    };
    METRICS.record_function(function, event, result, elapsed);
    let utilization = ctx.compute_utilization.take();
    if let Some((before, after)) = views {
        let answered = outcome.as_ref().err().map(|g| g.status);
        ctx.trace("hook", |_| {
            json!({
                "event": event,
                "function": function,
                "duration_us": elapsed.as_micros() as u64,
                "result": result,
                "compute_utilization": utilization,
                "answered": answered,
                "changes": trace::diff(&before, &after),
            })
        });
    }
    outcome
}

/// The request as it was before a hook, when the request is traced.
fn before_request(ctx: &RequestContext, req: &RequestHeader) -> Option<Value> {
    ctx.trace.is_some().then(|| trace::request_view(req))
}

/// The response as it was before a hook, when the request is traced.
fn before_response(ctx: &RequestContext, resp: &ResponseHeader) -> Option<Value> {
    ctx.trace.is_some().then(|| trace::response_view(resp))
}

fn request_outcome(outcome: lambdas::RequestOutcome) -> Result<(), Generated> {
    match outcome {
        lambdas::RequestOutcome::Continue => Ok(()),
        lambdas::RequestOutcome::Respond(answer) => Err(answer),
    }
}
