//! A viewer-request handler sending viewers without a `session` cookie to a sign-in page,
//! with a generated 302 — CloudFront answers it at the edge without consulting the cache or the
//! origin, and does not cache it.

use localfront_guest::{export_handler, Cf, HandlerResult, Response};

/// Runs on every viewer request, before the cache.
fn require_session(cf: Cf) -> Result<HandlerResult, String> {
    let request = cf.request;

    // Cookies stay in the `cookie` header (one entry per Cookie header the viewer sent).
    let signed_in = request
        .headers
        .get_all("cookie")
        .flat_map(|header| header.split(';'))
        .any(|pair| pair.trim().starts_with("session="));

    if signed_in || request.uri.starts_with("/signin") {
        // Returning the request unchanged lets CloudFront carry on with it.
        return Ok(request.into());
    }

    // A generated response: `status` is a string, headers use the same shape as requests.
    // The query string is raw (no `?`), so it is appended as-is.
    let mut target = request.uri.clone();
    if !request.querystring.is_empty() {
        target = format!("{target}?{}", request.querystring);
    }
    let mut response = Response::new(302);
    response.status_description = Some("Found".into());
    response
        .headers
        .set("Location", format!("/signin?redirect={}", encode(&target)));
    response.headers.set("Cache-Control", "no-store");
    Ok(response.into())
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3), enough for a
/// query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

export_handler!(require_session);
