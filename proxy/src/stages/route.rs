//! Routing: Host → distribution, path → cache behavior, viewer protocol policy, allowed methods
//! (spec/distribution.md §1 steps 2 and 4, §2, §9).

use localfront_config::path_pattern::normalize_path;
use localfront_config::ViewerProtocolPolicy;
use pingora::http::RequestHeader;

use super::errors::{cloudfront_error, ErrorKind};
use super::Generated;
use crate::context::XCache;
use crate::snapshot::Snapshot;

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Distribution index.
    pub distribution: usize,
    /// Cache behavior index.
    pub behavior: usize,
}

/// The viewer request, as routing sees it.
pub struct ViewerRequest<'a> {
    /// The request header.
    pub header: &'a RequestHeader,
    /// Whether it arrived over TLS.
    pub https: bool,
    /// The HTTPS listener's port, for redirects.
    pub https_port: Option<u16>,
    /// `X-Amz-Cf-Id`, for error pages.
    pub request_id: &'a str,
    /// The raw HTTP/1 request head, when the request has `Transfer-Encoding` (pingora drops a
    /// `Content-Length` next to it before we see the parsed header).
    pub raw_head_with_te: Option<&'a [u8]>,
}

/// CloudFront's request limits (spec/distribution.md §14): the URL.
const MAX_URL_BYTES: usize = 8192;

/// CloudFront's request limits: the request line and headers together.
const MAX_HEADER_BYTES: usize = 20_480;

/// Rejects what CloudFront or a careful proxy never forwards (spec/hardening.md §1–2,
/// distribution.md §14): a URL over 8,192 bytes (414), a request line and headers over 20,480
/// bytes (400), a request with both `Content-Length` and `Transfer-Encoding` — the classic
/// smuggling ambiguity, which RFC 9112 §6.3 would resolve by dropping the length; localfront
/// rejects it (400) as nginx does — and a GET or HEAD with a body (403). The connection is closed
/// after the answer.
pub fn check_framing(req: &ViewerRequest) -> Result<(), Generated> {
    let header = req.header;
    let url = header.raw_path().len();
    if url > MAX_URL_BYTES {
        return Err(cloudfront_error(ErrorKind::Status(414), req.request_id));
    }
    let fields: usize = header
        .headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header.method.as_str().len() + url + 11 + fields > MAX_HEADER_BYTES {
        return Err(cloudfront_error(ErrorKind::Status(400), req.request_id));
    }
    if req.raw_head_with_te.is_some_and(has_content_length) {
        return Err(cloudfront_error(ErrorKind::Status(400), req.request_id));
    }
    // A GET or HEAD with a body: CloudFront answers 403 (unconfirmed, spec/hardening.md §2); a body
    // is never part of a cache key, so forwarding it would let one viewer's body shape another's
    // cached object.
    let with_body = header.headers.contains_key(http::header::TRANSFER_ENCODING)
        || header
            .headers
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if with_body && matches!(header.method.as_str(), "GET" | "HEAD") {
        return Err(cloudfront_error(ErrorKind::Status(403), req.request_id));
    }
    Ok(())
}

/// Whether a raw request head has a `Content-Length` field.
fn has_content_length(head: &[u8]) -> bool {
    head.split(|b| *b == b'\n')
        .skip(1)
        .any(|line| line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:"))
}

/// Routes a viewer request, or answers it (redirect, 403) without an origin.
pub fn route(snapshot: &Snapshot, req: &ViewerRequest) -> Result<Route, Generated> {
    check_framing(req)?;
    let Some(distribution) = snapshot.distribution_for(host(req.header)) else {
        // No distribution claims this host and none is the default: CloudFront's 403.
        return Err(cloudfront_error(ErrorKind::UnknownHost, req.request_id));
    };
    route_in(snapshot, distribution, req)
}

/// Routes a viewer request within `distribution` (a primary's staging distribution, too).
pub fn route_in(
    snapshot: &Snapshot,
    distribution: usize,
    req: &ViewerRequest,
) -> Result<Route, Generated> {
    let host = host(req.header);
    let behavior = match_behavior(snapshot, distribution, req.header.uri.path());
    let cache_behavior = &snapshot.config.distributions[distribution].cache_behaviors[behavior];

    // Viewer protocol policy: answered before any function runs (§9).
    if !req.https {
        match cache_behavior.viewer_protocol_policy {
            ViewerProtocolPolicy::AllowAll => {}
            ViewerProtocolPolicy::RedirectToHttps => return Err(redirect_to_https(req, host)),
            ViewerProtocolPolicy::HttpsOnly => {
                return Err(cloudfront_error(ErrorKind::HttpsRequired, req.request_id))
            }
        }
    }
    if !cache_behavior
        .allowed_methods
        .allows(req.header.method.as_str())
    {
        return Err(cloudfront_error(
            ErrorKind::MethodNotAllowed,
            req.request_id,
        ));
    }
    Ok(Route {
        distribution,
        behavior,
    })
}

/// The first behavior whose pattern matches the normalized path; the default (last) otherwise.
/// Case-sensitive; the query string is not part of the path (§2).
pub fn match_behavior(snapshot: &Snapshot, distribution: usize, path: &str) -> usize {
    let path = normalize_path(path);
    let patterns = &snapshot.distributions[distribution].patterns;
    patterns
        .iter()
        .position(|p| p.matches(&path))
        .unwrap_or(patterns.len() - 1)
}

/// The host the viewer asked for, without port: `Host`, or the HTTP/2 `:authority`.
pub fn host(req: &RequestHeader) -> &str {
    let raw = req
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri.host())
        .unwrap_or("");
    strip_port(raw)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // `[::1]:8080` → `[::1]`
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// 301 for GET/HEAD, 307 for the rest, to the same URL over HTTPS (§9).
fn redirect_to_https(req: &ViewerRequest, host: &str) -> Generated {
    let status = match req.header.method.as_str() {
        "GET" | "HEAD" => 301,
        _ => 307,
    };
    // localfront: the HTTPS listener is rarely on 443 locally, so the redirect names its port.
    let port = match req.https_port {
        Some(443) | None => String::new(),
        Some(p) => format!(":{p}"),
    };
    let path_and_query = req.header.uri.path_and_query().map_or("/", |p| p.as_str());
    let title = if status == 301 {
        "301 Moved Permanently"
    } else {
        "307 Temporary Redirect"
    };
    Generated {
        status,
        headers: vec![
            ("Location".to_owned(), format!("https://{host}{port}{path_and_query}")),
            ("Content-Type".to_owned(), "text/html".to_owned()),
        ],
        body: format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n"
        )
        .into(),
        x_cache: XCache::Redirect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ports_from_hosts() {
        assert_eq!(strip_port("app.test:8080"), "app.test");
        assert_eq!(strip_port("[::1]:8080"), "[::1]");
        assert_eq!(strip_port("localhost"), "localhost");
    }
}
