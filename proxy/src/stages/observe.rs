//! The end of a request (CloudFront's last step, spec/distribution.md §15–16): the access log entry
//! and the request metrics, from what the lifecycle recorded in the context.

use std::time::Duration;

use pingora::http::{RequestHeader, ResponseHeader};
use pingora::proxy::Session;
use pingora::{Error, ErrorSource, ErrorType};
use serde_json::json;

use crate::access_log::{self, Entry, ACCESS_LOG};
use crate::context::{RequestContext, XCache};
use crate::metrics::METRICS;
use crate::recent::{RecentRequest, RECENT};
use crate::trace::TRACES;

/// CloudFront's `x-edge-result-type` values (others, like Lambda's errors, are reported as `Error`
/// with the name in `x-edge-detailed-result-type`).
const RESULT_TYPES: &[&str] = &[
    "Hit",
    "RefreshHit",
    "OriginShieldHit",
    "Miss",
    "LimitExceeded",
    "CapacityExceeded",
    "Error",
    "Redirect",
    "FunctionGeneratedResponse",
    "FunctionExecutionError",
    "FunctionThrottledError",
    "LambdaGeneratedResponse",
];

/// Records a finished request: metrics always, the access log when configured, the trace when the
/// request asked for one.
pub fn finish(session: &Session, error: Option<&Error>, ctx: &mut RequestContext) {
    let trace = ctx.trace.take();
    let req = session.req_header();
    let resp = session.response_written();
    let status = resp.map_or(0, |r| r.status.as_u16());
    let response_type = result_type(ctx.x_cache);
    let detailed = detailed_result(error, ctx, response_type);
    // The viewer went away before the response was complete: CloudFront logs `Error` as the result
    // and keeps what the edge meant to answer in `x-edge-response-result-type`.
    let viewer_gone = error.is_some_and(|e| *e.esource() == ErrorSource::Downstream);
    let result = if viewer_gone { "Error" } else { response_type };
    // localfront's own fetch of a custom error page is part of the viewer's request, already
    // counted: it is neither a request in the metrics nor a line in the access log.
    if ctx.internal {
        return;
    }

    let distribution = ctx.distribution();
    let distribution_id = distribution.map_or("-", |d| d.id.as_str());
    let behavior = distribution.map_or("-", |d| {
        d.cache_behaviors[ctx.behavior].path_pattern.as_str()
    });
    METRICS
        .requests
        .with_label_values(&[
            distribution_id,
            behavior,
            req.method.as_str(),
            status_class(status),
            result,
        ])
        .inc();
    if let (Some(route), Some(localfront_config::OriginKind::Api(api))) = (
        ctx.apigw_route.as_deref(),
        ctx.current_origin().map(|o| &o.kind),
    ) {
        METRICS
            .apigw_requests
            .with_label_values(&[api.as_str(), route, &status.to_string()])
            .inc();
    }
    let sent = session.body_bytes_sent() as u64;
    let read = session.body_bytes_read() as u64;
    // CloudFront's BytesDownloaded counts GET/HEAD/OPTIONS responses, BytesUploaded POST/PUT bodies.
    if matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        METRICS
            .bytes_downloaded
            .with_label_values(&[distribution_id])
            .inc_by(sent);
    }
    if read > 0 {
        METRICS
            .bytes_uploaded
            .with_label_values(&[distribution_id])
            .inc_by(read);
    }

    let traced = trace.is_some();
    if let Some(trace) = trace {
        let summary = json!({
            "status": status,
            "x_cache": ctx.x_cache.header_value(),
            "result_type": result,
            "detailed_result_type": detailed,
            "error": error.map(|e| e.to_string()),
            "bytes_sent": sent,
        });
        TRACES.insert(
            ctx.request_id.clone(),
            trace.finish(&ctx.request_id, summary),
        );
    }
    if RECENT.watched() && !ctx.internal {
        RECENT.record(RecentRequest {
            id: ctx.request_id.clone(),
            at_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            distribution: distribution_id.to_owned(),
            method: req.method.to_string(),
            path: req.uri.path().chars().take(200).collect(),
            status,
            result: result.to_owned(),
            duration_ms: ctx.started.elapsed().as_secs_f64() * 1000.0,
            traced,
        });
    }
    if !ACCESS_LOG.enabled() || ctx.internal {
        return;
    }
    let now = time::OffsetDateTime::now_utc();
    let date = now.date();
    let clock = now.time();
    let client = session.client_addr().and_then(|a| a.as_inet());
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    let resp_header = |name: &str| resp.and_then(|r| r.headers.get(name)?.to_str().ok());
    let ssl = session.digest().and_then(|d| d.ssl_digest.as_ref());
    let (range_start, range_end) = content_range(resp_header("content-range"));
    let secs = |d: Duration| format!("{:.3}", d.as_secs_f64());
    let values = [
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        format!(
            "{:02}:{:02}:{:02}",
            clock.hour(),
            clock.minute(),
            clock.second()
        ),
        ctx.snapshot.config.server.pop.clone(),
        (response_header_bytes(resp) + sent).to_string(),
        access_log::value(client.map(|c| c.ip().to_string()).as_deref()),
        req.method.to_string(),
        access_log::value(distribution.map(|d| d.domain_name.as_str())),
        access_log::value(Some(req.uri.path())),
        if status == 0 {
            "000".to_owned()
        } else {
            status.to_string()
        },
        access_log::value(header("referer")),
        access_log::value(header("user-agent")),
        access_log::value(req.uri.query()),
        access_log::value(header("cookie")),
        result.to_owned(),
        ctx.request_id.clone(),
        access_log::value(header("host").or(req.uri.host())),
        if ctx.viewer_https { "https" } else { "http" }.to_owned(),
        (request_header_bytes(req) + read).to_string(),
        secs(ctx.started.elapsed()),
        access_log::value(header("x-forwarded-for")),
        access_log::value(ssl.map(|s| s.version.as_ref())),
        access_log::value(ssl.map(|s| s.cipher.as_ref())),
        response_type.to_owned(),
        access_log::value(Some(&format!("{:?}", req.version))),
        "-".to_owned(),
        "-".to_owned(),
        client.map_or("-".to_owned(), |c| c.port().to_string()),
        ctx.first_byte.map_or("-".to_owned(), secs),
        detailed.to_owned(),
        access_log::value(resp_header("content-type")),
        access_log::value(resp_header("content-length")),
        range_start,
        range_end,
    ];
    ACCESS_LOG.log(Entry {
        distribution: distribution_id.to_owned(),
        values,
    });
}

/// `Hit from cloudfront` → `Hit`; names outside CloudFront's result types → `Error`.
fn result_type(x_cache: XCache) -> &'static str {
    let name = x_cache
        .header_value()
        .strip_suffix(" from cloudfront")
        .unwrap_or("Error");
    if RESULT_TYPES.contains(&name) {
        name
    } else {
        "Error"
    }
}

/// `x-edge-detailed-result-type`: the result type, or the error's precise name (an origin
/// failure, the viewer hanging up, a Lambda error).
fn detailed_result(
    error: Option<&Error>,
    ctx: &RequestContext,
    result: &'static str,
) -> &'static str {
    if let Some(e) = error {
        let upstream = *e.esource() == ErrorSource::Upstream;
        let name = match e.etype() {
            // `origin_request::resolve` names a failed lookup.
            ErrorType::ConnectNoRoute if e.to_string().contains("OriginDnsError") => {
                Some("OriginDnsError")
            }
            ErrorType::ConnectTimedout
            | ErrorType::ConnectRefused
            | ErrorType::ConnectNoRoute
            | ErrorType::ConnectError
            | ErrorType::TLSHandshakeFailure
            | ErrorType::TLSHandshakeTimedout
            | ErrorType::InvalidCert
            | ErrorType::HandshakeError
            | ErrorType::ConnectProxyFailure
            | ErrorType::SocketError
            | ErrorType::BindError => Some("OriginConnectError"),
            ErrorType::ReadTimedout | ErrorType::ReadError | ErrorType::ConnectionClosed
                if upstream =>
            {
                Some("OriginReadError")
            }
            ErrorType::WriteTimedout | ErrorType::WriteError if upstream => {
                Some("OriginWriteError")
            }
            ErrorType::InvalidHTTPHeader | ErrorType::H1Error | ErrorType::H2Error if upstream => {
                Some("OriginInvalidResponseError")
            }
            ErrorType::ReadError | ErrorType::ConnectionClosed | ErrorType::ReadTimedout => {
                Some("ClientHungUpRequest")
            }
            ErrorType::WriteError | ErrorType::WriteTimedout => Some("ClientCommError"),
            _ => None,
        };
        if let Some(name) = name {
            return name;
        }
    }
    if let Some(name) = ctx.detailed_result {
        return name;
    }
    match ctx.x_cache {
        XCache::Named(name) => name.strip_suffix(" from cloudfront").unwrap_or(name),
        _ => result,
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "000",
    }
}

/// `sc-range-start`/`sc-range-end` from a 206's `Content-Range: bytes a-b/len`.
fn content_range(value: Option<&str>) -> (String, String) {
    let range = value
        .and_then(|v| v.strip_prefix("bytes "))
        .and_then(|v| v.split('/').next())
        .and_then(|r| r.split_once('-'));
    match range {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => ("-".to_owned(), "-".to_owned()),
    }
}

/// The request line and headers' size on the wire (HTTP/1.1 framing).
fn request_header_bytes(req: &RequestHeader) -> u64 {
    let line = req.method.as_str().len() + req.uri.to_string().len() + 11;
    (line + headers_bytes(&req.headers) + 2) as u64
}

/// The status line and headers' size on the wire (HTTP/1.1 framing).
fn response_header_bytes(resp: Option<&ResponseHeader>) -> u64 {
    resp.map_or(0, |r| (17 + headers_bytes(&r.headers) + 2) as u64)
}

fn headers_bytes(headers: &http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_errors_are_errors_with_their_name_in_the_detail() {
        assert_eq!(result_type(XCache::Hit), "Hit");
        assert_eq!(
            result_type(XCache::Named("FunctionGeneratedResponse from cloudfront")),
            "FunctionGeneratedResponse"
        );
        assert_eq!(
            result_type(XCache::Named("LambdaValidationError from cloudfront")),
            "Error"
        );
    }

    #[test]
    fn ranges_come_from_content_range() {
        assert_eq!(
            content_range(Some("bytes 10-19/100")),
            ("10".to_owned(), "19".to_owned())
        );
        assert_eq!(content_range(None), ("-".to_owned(), "-".to_owned()));
    }
}
