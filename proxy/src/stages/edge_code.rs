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

use super::{functions, lambdas, Generated};
use crate::context::{RequestContext, XCache};
use crate::metrics::METRICS;

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
        let started = Instant::now();
        let outcome = functions::viewer_request(&snapshot.functions, &name, ctx, req, viewer_ip);
        return record(&name, "viewer-request", started, outcome);
    }
    match handler(ctx, |l| &l.viewer_request) {
        Some(h) => {
            let started = Instant::now();
            let outcome = request_outcome(
                lambdas::on_request(&h, EventType::ViewerRequest, ctx, req, viewer_ip).await,
            );
            record(h.name(), "viewer-request", started, outcome)
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
            let started = Instant::now();
            let outcome = request_outcome(
                lambdas::on_request(&h, EventType::OriginRequest, ctx, req, viewer_ip).await,
            );
            record(h.name(), "origin-request", started, outcome)
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
            let started = Instant::now();
            let outcome =
                lambdas::on_response(&h, EventType::OriginResponse, ctx, req, resp, viewer_ip)
                    .await;
            record(h.name(), "origin-response", started, outcome)
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
        let started = Instant::now();
        let outcome =
            functions::viewer_response(&snapshot.functions, &name, ctx, req, resp, viewer_ip);
        return record(&name, "viewer-response", started, outcome);
    }
    match handler(ctx, |l| &l.viewer_response) {
        Some(h) => {
            let started = Instant::now();
            let outcome =
                lambdas::on_response(&h, EventType::ViewerResponse, ctx, req, resp, viewer_ip)
                    .await;
            record(h.name(), "viewer-response", started, outcome)
        }
        None => Ok(None),
    }
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

/// Counts one run in the metrics by its outcome: a generated response is a success; a failure is
/// named by its `X-Cache` error (spec/distribution.md §16: FunctionValidationErrors, …Execution…,
/// FunctionThrottles).
fn record<T>(
    function: &str,
    event: &str,
    started: Instant,
    outcome: Result<T, Generated>,
) -> Result<T, Generated> {
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
    METRICS.record_function(function, event, result, started.elapsed());
    outcome
}

fn request_outcome(outcome: lambdas::RequestOutcome) -> Result<(), Generated> {
    match outcome {
        lambdas::RequestOutcome::Continue => Ok(()),
        lambdas::RequestOutcome::Respond(answer) => Err(answer),
    }
}
