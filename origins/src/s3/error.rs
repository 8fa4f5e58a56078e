//! S3's XML error responses and request identifiers.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use http::header;
use http::{Response, StatusCode};

use super::set;
use crate::body::OriginBody;

/// Identifiers S3 puts in every response and error body.
pub(super) struct RequestIds {
    /// `x-amz-request-id` / `<RequestId>`.
    pub(super) request_id: String,
    /// `x-amz-id-2` / `<HostId>`.
    pub(super) host_id: String,
}

impl RequestIds {
    /// Fresh random-looking identifiers.
    pub(super) fn new() -> Self {
        Self {
            request_id: random_hex(1).to_uppercase(),
            host_id: random_hex(4),
        }
    }
}

/// `words` × 16 hex digits that differ on every call (not cryptographic).
fn random_hex(words: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    (0..words)
        .map(|_| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

/// An S3 XML error response; `extra` elements go after `<Message>`.
pub(super) fn s3_error(
    status: StatusCode,
    code: &str,
    message: &str,
    extra: &[(&str, &str)],
    ids: &RequestIds,
) -> Response<OriginBody> {
    let extra: String = extra
        .iter()
        .map(|(name, value)| format!("<{name}>{}</{name}>", xml_escape(value)))
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>{extra}<RequestId>{}</RequestId><HostId>{}</HostId></Error>",
        ids.request_id, ids.host_id
    );
    let len = xml.len();
    let mut r = Response::new(OriginBody::from(xml));
    *r.status_mut() = status;
    set(r.headers_mut(), header::CONTENT_TYPE, "application/xml");
    set(r.headers_mut(), header::CONTENT_LENGTH, len);
    r
}

/// Escapes text for an XML element, dropping control characters.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 (a rejected key may contain them).
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
