//! Lambda@Edge handlers (WebAssembly components) on the four events (spec/lambda-edge.md): the
//! `Records[0].cf` event built from the request (and response), the validated result applied back,
//! and errors turned into CloudFront's 502/503 with the `X-Cache` error names.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use localfront_config::{CustomOrigin, Origin, OriginKind, OriginProtocolPolicy};
use localfront_events::lambda_edge::{self as le, Cf, CfConfig, EventType, HandlerResult, Headers};
use localfront_wasm::{EdgeError, EdgeFunction};
use pingora::http::{RequestHeader, ResponseHeader};

use super::errors::{cloudfront_error, ErrorKind};
use super::origin_request;
use super::Generated;
use crate::context::{OriginChoice, RequestContext, XCache};
use crate::function_log::{Kind, FUNCTION_LOG};
use crate::metrics::METRICS;

/// `X-Cache` of a handler-generated response.
pub const GENERATED_RESPONSE: XCache = XCache::Named("LambdaGeneratedResponse from cloudfront");

/// What a request event decided.
pub enum RequestOutcome {
    /// Continue with the (changed) request.
    Continue,
    /// Answer with this response (generated, or the handler's error).
    Respond(Generated),
}

/// Runs a viewer-request or origin-request handler and applies its result to `req` (and, at
/// origin-request, to the origin in `ctx`).
pub async fn on_request(
    handler: &EdgeFunction,
    event_type: EventType,
    ctx: &mut RequestContext,
    req: &mut RequestHeader,
    viewer_ip: Option<IpAddr>,
) -> RequestOutcome {
    let at_origin = event_type == EventType::OriginRequest;
    let origin = at_origin
        .then(|| ctx.current_origin().map(event_origin))
        .flatten();
    let mut cf = if at_origin {
        // origin-request sees the request CloudFront is about to send: the headers the policies
        // forward plus CloudFront's own, the query string only when all of it is forwarded
        // (spec/lambda-edge.md §1).
        let mut view = req.clone();
        if let Err(e) = origin_request::origin_headers(&mut view, ctx, viewer_ip) {
            tracing::warn!(request_id = %ctx.request_id, "origin request headers: {e}");
            return RequestOutcome::Respond(cloudfront_error(
                ErrorKind::Status(502),
                &ctx.request_id,
            ));
        }
        let mut cf = cf(ctx, event_type, &view, viewer_ip, origin, None);
        if !origin_request::forwards_all_query_strings(ctx) {
            cf.request.querystring.clear();
        }
        cf
    } else {
        cf(ctx, event_type, req, viewer_ip, origin, None)
    };
    if handler.spec().include_body {
        cf.request.body = Some(ctx.request_body.event_body(event_type));
    }
    match invoke(handler, ctx, &cf).await {
        Ok(HandlerResult::Request(out)) => {
            let applied = apply_request(req, &cf.request, &out).and_then(|changes| {
                if at_origin {
                    // What the handler changed goes to the origin whatever the policies select.
                    for name in changes.changed {
                        if !ctx.origin_request_headers.contains(&name) {
                            ctx.origin_request_headers.push(name);
                        }
                    }
                    ctx.origin_request_removed.extend(changes.removed);
                    ctx.origin_request_query |= changes.query;
                }
                apply_origin(ctx, cf.request.origin.as_ref(), out.origin.as_ref())
            });
            if let Err(reason) = applied.and_then(|()| match handler.spec().include_body {
                true => ctx.request_body.apply(out.body.as_ref()),
                false => Ok(()),
            }) {
                return RequestOutcome::Respond(validation_error(handler.name(), &reason, ctx));
            }
            RequestOutcome::Continue
        }
        Ok(HandlerResult::Response(out)) => match generated(&out) {
            Ok(g) => RequestOutcome::Respond(g),
            Err(reason) => RequestOutcome::Respond(validation_error(handler.name(), &reason, ctx)),
        },
        Err(answer) => RequestOutcome::Respond(answer),
    }
}

/// Runs an origin-response or viewer-response handler on `resp`: `Ok(None)` with status and headers
/// changed in place, `Ok(Some(body))` when it set a body (the header carries its length), or the
/// error response.
pub async fn on_response(
    handler: &EdgeFunction,
    event_type: EventType,
    ctx: &mut RequestContext,
    req: &RequestHeader,
    resp: &mut ResponseHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<Option<Bytes>, Generated> {
    let origin = (event_type == EventType::OriginResponse)
        .then(|| ctx.current_origin().map(event_origin))
        .flatten();
    let cf = cf(
        ctx,
        event_type,
        req,
        viewer_ip,
        origin,
        Some(event_response(resp)),
    );
    let HandlerResult::Response(out) = invoke(handler, ctx, &cf).await? else {
        return Err(validation_error(
            handler.name(),
            "a response event must return the response",
            ctx,
        ));
    };
    apply_response(resp, &out).map_err(|reason| validation_error(handler.name(), &reason, ctx))
}

async fn invoke(
    handler: &EdgeFunction,
    ctx: &RequestContext,
    cf: &Cf,
) -> Result<HandlerResult, Generated> {
    let name = handler.name();
    let started = std::time::Instant::now();
    let memory_mb = handler.spec().memory_mb;
    match handler.invoke(cf).await {
        Ok(invocation) => {
            if invocation.init_duration.is_some() {
                METRICS.lambda_cold_starts.with_label_values(&[name]).inc();
            }
            let kind = Kind::Lambda {
                duration: invocation.duration,
                init: invocation.init_duration,
                memory_mb,
                max_memory: invocation.max_memory_used,
            };
            FUNCTION_LOG.run(name, &ctx.request_id, kind, &invocation.logs, None);
            Ok(invocation.result)
        }
        Err(e) => {
            let kind = Kind::Lambda {
                duration: started.elapsed(),
                init: None,
                memory_mb,
                max_memory: 0,
            };
            FUNCTION_LOG.run(name, &ctx.request_id, kind, e.logs(), Some(&e.to_string()));
            let status = match e {
                EdgeError::Validation(_) => 502,
                EdgeError::Execution(_) | EdgeError::LimitExceeded(_) => 503,
            };
            let mut g = cloudfront_error(ErrorKind::Lambda(status), &ctx.request_id);
            g.x_cache = XCache::Named(match e {
                EdgeError::Validation(_) => "LambdaValidationError from cloudfront",
                EdgeError::Execution(_) => "LambdaExecutionError from cloudfront",
                EdgeError::LimitExceeded(_) => "LambdaLimitExceeded from cloudfront",
            });
            Err(g)
        }
    }
}

/// `Records[0].cf` for this request (spec/lambda-edge.md §1).
fn cf(
    ctx: &RequestContext,
    event_type: EventType,
    req: &RequestHeader,
    viewer_ip: Option<IpAddr>,
    origin: Option<le::Origin>,
    response: Option<le::Response>,
) -> Cf {
    let d = ctx.distribution();
    let mut headers = headers_of(&req.headers);
    if !headers.contains("host") {
        if let Some(authority) = req.uri.authority() {
            headers.set("Host", authority.as_str());
        }
    }
    Cf {
        config: CfConfig {
            distribution_domain_name: d.map(|d| d.domain_name.clone()).unwrap_or_default(),
            distribution_id: d.map(|d| d.id.clone()).unwrap_or_default(),
            event_type,
            request_id: ctx.request_id.clone(),
        },
        request: le::Request {
            client_ip: viewer_ip.map(|ip| ip.to_string()).unwrap_or_default(),
            method: req.method.to_string(),
            uri: req.uri.path().to_owned(),
            querystring: req.uri.query().unwrap_or("").to_owned(),
            headers,
            body: None,
            origin,
        },
        response,
    }
}

/// Headers as Lambda@Edge shows them: lowercase name → `[{key, value}]`, keys title-cased.
fn headers_of(map: &http::HeaderMap) -> Headers {
    let mut headers = Headers::default();
    for (name, value) in map {
        // `http` keeps names in lowercase already: the map's key as it is, the key title-cased.
        headers
            .0
            .entry(name.as_str().to_owned())
            .or_default()
            .push(le::Header {
                key: Some(le::title_case(name.as_str())),
                value: match value.to_str() {
                    Ok(visible) => visible.to_owned(),
                    // Obsolete text (RFC 9110 §5.5) shown as the replacement character.
                    Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
                },
            });
    }
    headers
}

fn event_response(resp: &ResponseHeader) -> le::Response {
    le::Response {
        status: resp.status.as_u16().to_string(),
        status_description: resp.status.canonical_reason().map(str::to_owned),
        headers: headers_of(&resp.headers),
        body: None,
        body_encoding: None,
    }
}

/// How an origin appears in origin events: custom origins as themselves, S3-style directories as
/// an S3 origin named `<id>.s3.localhost`, the echo origin as a custom origin named by its id.
fn event_origin(origin: &Origin) -> le::Origin {
    let custom_headers = {
        let mut h = Headers::default();
        for (name, value) in &origin.custom_headers {
            h.append(name, value.clone());
        }
        h
    };
    let c = &origin.connection;
    match &origin.kind {
        OriginKind::S3(_) => le::Origin::S3(le::S3Origin {
            auth_method: "none".to_owned(),
            custom_headers,
            domain_name: format!("{}.s3.localhost", origin.id),
            path: origin.origin_path.clone(),
            region: None,
        }),
        kind => {
            let (domain, port, https) = match kind {
                OriginKind::Custom(x) => {
                    let https = x.protocol_policy == OriginProtocolPolicy::HttpsOnly;
                    (
                        x.domain_name.clone(),
                        if https { x.https_port } else { x.http_port },
                        https,
                    )
                }
                _ => (origin.id.clone(), 80, false),
            };
            le::Origin::Custom(le::CustomOrigin {
                custom_headers,
                domain_name: domain,
                keepalive_timeout: c.keepalive_timeout.as_secs(),
                path: origin.origin_path.clone(),
                port: port.into(),
                protocol: if https { "https" } else { "http" }.to_owned(),
                read_timeout: c.read_timeout.as_secs(),
                ssl_protocols: vec!["TLSv1.2".to_owned()],
            })
        }
    }
}

/// What a request handler changed of its event's request.
struct RequestChanges {
    /// Headers added or given other values.
    changed: Vec<http::HeaderName>,
    /// Headers the event had and the result has not.
    removed: Vec<http::HeaderName>,
    /// The query string changed.
    query: bool,
}

/// Writes what the handler changed of the event's request (`before`) back onto `req`: URI, query
/// string, headers. What it left as it was stays as `req` has it.
fn apply_request(
    req: &mut RequestHeader,
    before: &le::Request,
    out: &le::Request,
) -> Result<RequestChanges, String> {
    let query = out.querystring != before.querystring;
    if query || out.uri != before.uri {
        let querystring = match query {
            true => out.querystring.as_str(),
            false => req.uri.query().unwrap_or(""),
        };
        let uri = match querystring {
            "" => out.uri.clone(),
            q => format!("{}?{q}", out.uri),
        };
        req.set_uri(
            uri.parse()
                .map_err(|e| format!("the returned uri `{uri}` is not valid: {e}"))?,
        );
    }
    let header_name = |name: &str| {
        http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("header `{name}` is not valid: {e}"))
    };
    let mut changes = RequestChanges {
        changed: Vec::new(),
        removed: Vec::new(),
        query,
    };
    for (name, _) in before.headers.iter() {
        if !out.headers.contains(name) && !matches!(name, "content-length" | "transfer-encoding") {
            let name = header_name(name)?;
            req.remove_header(&name);
            changes.removed.push(name);
        }
    }
    for (name, values) in out.headers.iter() {
        let unchanged = before
            .headers
            .get_all(name)
            .eq(values.iter().map(|h| h.value.as_str()));
        if unchanged {
            continue;
        }
        let name = header_name(name)?;
        req.remove_header(&name);
        for h in values {
            req.append_header(name.clone(), h.value.as_str())
                .map_err(|e| e.to_string())?;
        }
        changes.changed.push(name);
    }
    Ok(changes)
}

/// An origin set by an origin-request handler: a custom origin anywhere, or one of the
/// distribution's S3-style origins by its event name (spec/lambda-edge.md §4).
///
/// `before` is the origin the event showed: a result that gives it back unchanged (the common
/// case) costs one comparison, not a copy of the configured origin.
fn apply_origin(
    ctx: &mut RequestContext,
    before: Option<&le::Origin>,
    origin: Option<&le::Origin>,
) -> Result<(), String> {
    let Some(new) = origin.filter(|&new| Some(new) != before) else {
        return Ok(());
    };
    let Some(current) = ctx.current_origin().cloned() else {
        return Ok(());
    };
    let headers = |h: &Headers| -> Vec<(String, String)> {
        h.iter()
            .flat_map(|(name, values)| {
                values.iter().map(move |v| {
                    (
                        v.key.clone().unwrap_or_else(|| le::title_case(name)),
                        v.value.clone(),
                    )
                })
            })
            .collect()
    };
    match new {
        le::Origin::Custom(c) => {
            let https = c.protocol == "https";
            let port = c.port as u16;
            let mut origin = current;
            origin.kind = OriginKind::Custom(CustomOrigin {
                domain_name: c.domain_name.clone(),
                http_port: port,
                https_port: port,
                protocol_policy: if https {
                    OriginProtocolPolicy::HttpsOnly
                } else {
                    OriginProtocolPolicy::HttpOnly
                },
                tls_verify: true,
            });
            origin.origin_path = c.path.clone();
            origin.custom_headers = headers(&c.custom_headers);
            origin.connection.read_timeout = Duration::from_secs(c.read_timeout);
            origin.connection.keepalive_timeout = Duration::from_secs(c.keepalive_timeout);
            ctx.origin_override = Some(Box::new(origin));
        }
        le::Origin::S3(s) => {
            let d = ctx.distribution().ok_or("no distribution")?;
            let index = d
                .origins
                .iter()
                .position(|o| {
                    matches!(o.kind, OriginKind::S3(_))
                        && format!("{}.s3.localhost", o.id) == s.domain_name
                })
                .ok_or_else(|| {
                    format!(
                        "origin.s3.domainName `{}` names no S3 origin of this distribution",
                        s.domain_name
                    )
                })?;
            let mut origin = d.origins[index].clone();
            origin.origin_path = s.path.clone();
            origin.custom_headers = headers(&s.custom_headers);
            ctx.origin = OriginChoice {
                origin: index,
                group: None,
                on_secondary: false,
            };
            ctx.origin_override = Some(Box::new(origin));
        }
    }
    Ok(())
}

/// Writes a response handler's result onto the response header.
fn apply_response(resp: &mut ResponseHeader, out: &le::Response) -> Result<Option<Bytes>, String> {
    let status: u16 = out
        .status
        .parse()
        .map_err(|_| format!("status `{}` is not a number", out.status))?;
    if status != resp.status.as_u16() {
        resp.set_status(status).map_err(|e| e.to_string())?;
    }
    let names: Vec<http::HeaderName> = resp.headers.keys().cloned().collect();
    for name in names {
        if !out.headers.contains(name.as_str())
            && !matches!(name.as_str(), "content-length" | "transfer-encoding")
        {
            resp.remove_header(&name);
        }
    }
    for (name, values) in out.headers.iter() {
        if matches!(name, "content-length" | "transfer-encoding") {
            continue;
        }
        resp.remove_header(name);
        for h in values {
            resp.append_header(name.to_owned(), h.value.as_str())
                .map_err(|e| e.to_string())?;
        }
    }
    let Some(body) = body_of(out)? else {
        return Ok(None);
    };
    resp.remove_header(&http::header::TRANSFER_ENCODING);
    resp.insert_header(http::header::CONTENT_LENGTH, body.len().to_string())
        .map_err(|e| e.to_string())?;
    Ok(Some(body))
}

fn body_of(out: &le::Response) -> Result<Option<Bytes>, String> {
    let Some(body) = &out.body else {
        return Ok(None);
    };
    Ok(Some(match out.body_encoding {
        Some(le::BodyEncoding::Base64) => base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| format!("body is not valid base64: {e}"))?
            .into(),
        _ => Bytes::from(body.clone()),
    }))
}

/// A handler-generated response: `X-Cache: LambdaGeneratedResponse from cloudfront`.
fn generated(out: &le::Response) -> Result<Generated, String> {
    let status: u16 = out
        .status
        .parse()
        .map_err(|_| format!("status `{}` is not a number", out.status))?;
    let headers = out
        .headers
        .iter()
        .filter(|(name, _)| !matches!(*name, "content-length" | "transfer-encoding"))
        .flat_map(|(name, values)| {
            values.iter().map(move |v| {
                (
                    v.key.clone().unwrap_or_else(|| le::title_case(name)),
                    v.value.clone(),
                )
            })
        })
        .collect();
    Ok(Generated {
        status,
        headers,
        body: body_of(out)?.unwrap_or_default(),
        x_cache: GENERATED_RESPONSE,
    })
}

fn validation_error(name: &str, reason: &str, ctx: &RequestContext) -> Generated {
    tracing::warn!(target: "localfront::lambda", function = name, request_id = %ctx.request_id, "invalid result: {reason}");
    let mut g = cloudfront_error(ErrorKind::Lambda(502), &ctx.request_id);
    g.x_cache = XCache::Named("LambdaValidationError from cloudfront");
    g
}
