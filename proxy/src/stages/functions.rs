//! CloudFront Functions on viewer-request and viewer-response (spec/cloudfront-functions.md): the
//! event built from the viewer's request (and the response), the function's output applied back,
//! its errors turned into CloudFront's 502/503 with the `X-Cache` error names.
//!
//! A run is synchronous JavaScript (boa) that may spin until its budget stops it (20 ms of CPU).
//! On the proxy worker thread that serves the request, a few hostile functions at once held every
//! worker and other behaviors' requests queued behind them (healthy p50 9 ms → 1.3 s). Runs are
//! handed instead to the function threads (`crate::function_threads`, `[server]
//! function_threads`, default one per CPU) and awaited, so the workers stay free: requests that
//! run no function never wait for one, and function runs share those threads in arrival order.
//! The threads live as long as the process and own their warm boa contexts as plain locals: no
//! context is dropped by a thread-local destructor at thread exit, which corrupted the heap when
//! runs went to tokio's blocking pool (its idle threads exit; glibc `tcache_thread_shutdown():
//! unaligned tcache chunk detected`). The hand-off costs a few µs (`cargo bench -p localfront-js
//! --bench function_threads`).

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use localfront_events::cff::{
    cookie_header, parse_cookie_header, parse_query_string, parse_set_cookie,
    set_cookie_header_values, title_case_header, Event, EventContext, EventType, Output, Request,
    RequestOutput, Response, ResponseOutput, SetCookieMap, ValueMap, Viewer,
};
use localfront_js::{EdgeLocation, FunctionError, Invocation, InvokeOptions, UTILIZATION_WARNING};
use pingora::http::{RequestHeader, ResponseHeader};

use super::errors::{cloudfront_error, ErrorKind};
use super::Generated;
use crate::context::{RequestContext, XCache};
use crate::function_log::{Kind, FUNCTION_LOG};
use crate::metrics::METRICS;
use crate::snapshot::Snapshot;

/// Headers that frame a message: kept whatever a function's output says, since localfront
/// recomputes framing (spec/cloudfront-functions.md §1).
const FRAMING: &[&str] = &["content-length", "transfer-encoding"];

/// Runs the viewer-request function: `Ok` with the request rewritten in place (and origin changes
/// recorded in `ctx`), or the response to send instead (generated, or CloudFront's error page).
pub async fn viewer_request(
    snapshot: &Arc<Snapshot>,
    name: &str,
    ctx: &mut RequestContext,
    req: &mut RequestHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<(), Generated> {
    let event = event(ctx, EventType::ViewerRequest, req, viewer_ip, None);
    let invocation = invoke(snapshot, name, ctx, event).await?;
    ctx.compute_utilization = Some(invocation.compute_utilization);
    match invocation.output {
        Output::Request(out) => {
            super::function_origins::apply(ctx, &out.origin_changes)
                .map_err(|reason| validation_error(name, &reason, ctx))?;
            apply_request(req, &out).map_err(|reason| validation_error(name, &reason, ctx))
        }
        Output::Response(out) => Err(generated(
            out,
            XCache::Named("FunctionGeneratedResponse from cloudfront"),
        )),
    }
}

/// Runs the viewer-response function on `resp`: `Ok(None)` with the header changed in place,
/// `Ok(Some(body))` when the function replaced the body (the header then carries its length), or
/// CloudFront's error page.
pub async fn viewer_response(
    snapshot: &Arc<Snapshot>,
    name: &str,
    ctx: &mut RequestContext,
    req: &RequestHeader,
    resp: &mut ResponseHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<Option<Bytes>, Generated> {
    let event = event(
        ctx,
        EventType::ViewerResponse,
        req,
        viewer_ip,
        Some(response_view(resp)),
    );
    let invocation = invoke(snapshot, name, ctx, event).await?;
    ctx.compute_utilization = Some(invocation.compute_utilization);
    let Output::Response(out) = invocation.output else {
        return Err(validation_error(
            name,
            "a viewer-response function must return the response",
            ctx,
        ));
    };
    apply_response(resp, &out).map_err(|reason| validation_error(name, &reason, ctx))
}

async fn invoke(
    snapshot: &Arc<Snapshot>,
    name: &str,
    ctx: &RequestContext,
    event: Event,
) -> Result<Invocation, Generated> {
    let edge = &snapshot.functions;
    let pop = &ctx.snapshot.config.server.pop;
    let options = InvokeOptions {
        kvs: edge.kvs_of(name),
        edge_location: Some(EdgeLocation {
            name: pop.split('-').next().unwrap_or(pop).to_owned(),
            server_ip: "127.0.0.1".to_owned(),
            region: "us-east-1".to_owned(),
        }),
        strict_compute: edge.strict_compute,
        ..InvokeOptions::default()
    };
    let distribution = ctx.distribution().map_or("-", |d| d.id.as_str());
    let Some(threads) = crate::function_threads::get() else {
        tracing::error!(target: "localfront::functions", function = name, "function threads not started");
        return Err(execution_failure(ctx));
    };
    let outcome = threads
        .invoke(&snapshot.functions.functions, name, event, options)
        .await;
    match outcome {
        Ok(invocation) => {
            let kind = Kind::CloudFrontFunction { distribution };
            FUNCTION_LOG.run(name, &ctx.request_id, kind, &invocation.logs, None);
            METRICS
                .function_compute_utilization
                .with_label_values(&[name])
                .observe(f64::from(invocation.compute_utilization) / 100.0);
            if invocation.compute_utilization >= UTILIZATION_WARNING {
                tracing::warn!(
                    target: "localfront::functions",
                    function = name,
                    compute_utilization = invocation.compute_utilization,
                    "compute utilization at or above {UTILIZATION_WARNING}: CloudFront may throttle this function"
                );
            }
            Ok(invocation)
        }
        Err(e) => Err(function_error(name, &e, ctx)),
    }
}

/// The event for `req` (and `response` on viewer-response), as CloudFront builds it (§2–4).
fn event(
    ctx: &RequestContext,
    event_type: EventType,
    req: &RequestHeader,
    viewer_ip: Option<IpAddr>,
    response: Option<Response>,
) -> Event {
    let d = ctx.distribution();
    let mut headers = ValueMap::new();
    let mut cookies = ValueMap::new();
    for (name, value) in &req.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        if name == http::header::COOKIE {
            parse_cookie_header(&value, &mut cookies);
        } else {
            headers.append(name.as_str(), value);
        }
    }
    // HTTP/2 viewers send `:authority`, which CloudFront presents as `host`.
    if headers.get("host").is_none() {
        if let Some(host) = req.uri.authority() {
            headers.append("host", host.as_str());
        }
    }
    let raw_query = req.uri.query().map(str::to_owned);
    Event {
        version: "1.0".to_owned(),
        context: EventContext {
            distribution_domain_name: d.map(|d| d.domain_name.clone()),
            endpoint: None,
            distribution_id: d.map(|d| d.id.clone()),
            event_type,
            request_id: Some(ctx.request_id.clone()),
        },
        viewer: Viewer {
            ip: viewer_ip.map(|ip| ip.to_string()).unwrap_or_default(),
        },
        request: Request {
            method: req.method.to_string(),
            uri: req.uri.path().to_owned(),
            querystring: raw_query
                .as_deref()
                .map(parse_query_string)
                .unwrap_or_default(),
            headers,
            cookies,
            raw_query,
        },
        response,
    }
}

/// The response as the event presents it: headers without `set-cookie`, which become `cookies`.
fn response_view(resp: &ResponseHeader) -> Response {
    let mut headers = ValueMap::new();
    let mut cookies = SetCookieMap::new();
    for (name, value) in &resp.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        if name == http::header::SET_COOKIE {
            if let Some((n, c)) = parse_set_cookie(&value) {
                cookies.append(n, c);
            }
        } else {
            headers.append(name.as_str(), value);
        }
    }
    Response {
        status_code: resp.status.as_u16(),
        status_description: resp.status.canonical_reason().unwrap_or("").to_owned(),
        headers,
        cookies,
    }
}

/// Writes the function's request back: URI and query string (an unchanged query is forwarded byte
/// for byte, §4), headers (a deleted one is removed), cookies as one `Cookie` header.
fn apply_request(req: &mut RequestHeader, out: &RequestOutput) -> Result<(), String> {
    let query = if out.querystring_changed {
        let q = out.querystring.to_query();
        (!q.is_empty()).then_some(q)
    } else {
        req.uri.query().map(str::to_owned)
    };
    let uri = match query {
        Some(q) => format!("{}?{q}", out.uri),
        None => out.uri.clone(),
    };
    req.set_uri(
        uri.parse()
            .map_err(|e| format!("the returned uri `{uri}` is not valid: {e}"))?,
    );
    replace_headers(req, &out.headers)?;
    req.remove_header(&http::header::COOKIE);
    if let Some(cookie) = cookie_header(&out.cookies) {
        req.insert_header(http::header::COOKIE, cookie)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes the function's response back onto the origin's or cache's response header.
fn apply_response(
    resp: &mut ResponseHeader,
    out: &ResponseOutput,
) -> Result<Option<Bytes>, String> {
    if out.status_code != resp.status.as_u16() {
        resp.set_status(out.status_code)
            .map_err(|e| e.to_string())?;
    }
    if let Some(reason) = &out.status_description {
        let _ = resp.set_reason_phrase(Some(reason));
    }
    replace_headers(resp, &out.headers)?;
    resp.remove_header(&http::header::SET_COOKIE);
    for value in set_cookie_header_values(&out.cookies) {
        resp.append_header(http::header::SET_COOKIE, value)
            .map_err(|e| e.to_string())?;
    }
    let Some(body) = &out.body else {
        return Ok(None);
    };
    let bytes = Bytes::from(body.to_bytes()?);
    resp.remove_header(&http::header::TRANSFER_ENCODING);
    resp.insert_header(http::header::CONTENT_LENGTH, bytes.len().to_string())
        .map_err(|e| e.to_string())?;
    Ok(Some(bytes))
}

/// The header edits pingora's request and response headers both offer.
trait EditHeaders {
    fn names(&self) -> Vec<http::HeaderName>;
    fn remove(&mut self, name: &http::HeaderName);
    fn append(&mut self, name: http::HeaderName, value: &str) -> Result<(), String>;
}

macro_rules! edit_headers {
    ($t:ty) => {
        impl EditHeaders for $t {
            fn names(&self) -> Vec<http::HeaderName> {
                self.headers.keys().cloned().collect()
            }
            fn remove(&mut self, name: &http::HeaderName) {
                self.remove_header(name);
            }
            fn append(&mut self, name: http::HeaderName, value: &str) -> Result<(), String> {
                let v = http::HeaderValue::from_str(value)
                    .map_err(|_| format!("the value of header `{name}` is not valid"))?;
                self.append_header(name, v)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    };
}
edit_headers!(RequestHeader);
edit_headers!(ResponseHeader);

/// Makes the headers exactly the function's (framing headers and cookies aside).
fn replace_headers(headers: &mut impl EditHeaders, out: &ValueMap) -> Result<(), String> {
    for name in headers.names() {
        let keep = FRAMING.contains(&name.as_str())
            || name == http::header::COOKIE
            || name == http::header::SET_COOKIE;
        if !keep && out.get(name.as_str()).is_none() {
            headers.remove(&name);
        }
    }
    for entry in out.iter() {
        if FRAMING.contains(&entry.name.as_str()) {
            continue;
        }
        let name = http::HeaderName::from_bytes(entry.name.as_bytes())
            .map_err(|_| format!("`{}` is not a valid header name", entry.name))?;
        headers.remove(&name);
        for v in &entry.values {
            headers.append(name.clone(), v)?;
        }
    }
    Ok(())
}

/// A function-generated response (viewer-request): sent as is, header names title-cased (§4).
fn generated(out: ResponseOutput, x_cache: XCache) -> Generated {
    let mut headers: Vec<(String, String)> = out
        .headers
        .iter()
        .filter(|e| !FRAMING.contains(&e.name.as_str()))
        .flat_map(|e| {
            e.values
                .iter()
                .map(move |v| (title_case_header(&e.name), v.clone()))
        })
        .collect();
    headers.extend(
        set_cookie_header_values(&out.cookies)
            .into_iter()
            .map(|v| ("Set-Cookie".to_owned(), v)),
    );
    let body = out
        .body
        .as_ref()
        .and_then(|b| b.to_bytes().ok())
        .unwrap_or_default();
    Generated {
        status: out.status_code,
        headers,
        body: body.into(),
        x_cache,
    }
}

/// CloudFront's answer to a failed function: 502 for invalid output, 503 for an exception, a limit
/// or throttling, with the error page and the `X-Cache` name (§9).
fn function_error(name: &str, e: &FunctionError, ctx: &RequestContext) -> Generated {
    let distribution = ctx.distribution().map_or("-", |d| d.id.as_str());
    let kind = Kind::CloudFrontFunction { distribution };
    let message = e.error_message();
    FUNCTION_LOG.run(name, &ctx.request_id, kind, e.logs(), Some(&message));
    let mut g = cloudfront_error(ErrorKind::Function(e.status()), &ctx.request_id);
    g.x_cache = XCache::Named(e.x_cache());
    g
}

/// A 503 for a run that could not be handed to a function thread.
fn execution_failure(ctx: &RequestContext) -> Generated {
    let mut g = cloudfront_error(ErrorKind::Function(503), &ctx.request_id);
    g.x_cache = XCache::Named("FunctionExecutionError from cloudfront");
    g
}

/// A 502 for output localfront cannot apply, named like the runtime's validation errors.
fn validation_error(name: &str, reason: &str, ctx: &RequestContext) -> Generated {
    let distribution = ctx.distribution().map_or("-", |d| d.id.as_str());
    let kind = Kind::CloudFrontFunction { distribution };
    let message = format!("invalid output: {reason}");
    FUNCTION_LOG.run(name, &ctx.request_id, kind, &[], Some(&message));
    let mut g = cloudfront_error(ErrorKind::Function(502), &ctx.request_id);
    // 502's X-Cache name is unconfirmed (spec/cloudfront-functions.md §9).
    g.x_cache = XCache::Named("FunctionValidationError from cloudfront");
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_headers_keep_framing_and_drop_deleted_ones() {
        let mut h = ResponseHeader::build(200, None).unwrap();
        h.insert_header("content-length", "5").unwrap();
        h.insert_header("x-old", "1").unwrap();
        let mut out = ValueMap::new();
        out.append("x-new", "2");
        replace_headers(&mut h, &out).unwrap();
        assert_eq!(h.headers.get("content-length").unwrap(), "5");
        assert!(h.headers.get("x-old").is_none());
        assert_eq!(h.headers.get("x-new").unwrap(), "2");
    }
}
