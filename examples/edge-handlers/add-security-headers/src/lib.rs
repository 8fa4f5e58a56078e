//! An origin-response handler adding security headers before CloudFront caches the response,
//! so cached copies carry them too.
//!
//! Attach it in localfront.toml:
//!
//! ```toml
//! [[edge_functions]]
//! name = "security-headers"
//! component = "examples/edge-handlers/target/wasm32-wasip2/release/add_security_headers.wasm"
//!
//! [distributions.default_cache_behavior]
//! lambda_associations = { origin_response = "security-headers" }
//! ```

use localfront_guest::{export_handler, Cf, Response};

/// Runs once per origin response. `cf.response` is the origin's response: status (a string),
/// status description and headers — CloudFront does not expose the body here.
fn add_security_headers(cf: Cf) -> Result<Response, String> {
    // Response events always carry `response`; an error here becomes a 503
    // LambdaExecutionError, which is what a Node.js handler throwing would get.
    let mut response = cf
        .response
        .ok_or("attach this handler to origin-response")?;

    // `set` replaces any value the origin sent. Header names are matched case-insensitively;
    // the name as written here becomes the header's `key` (its case on the wire).
    let headers = &mut response.headers;
    headers.set(
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains; preload",
    );
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
    if !headers.contains("content-security-policy") {
        headers.set("Content-Security-Policy", "default-src 'self'");
    }

    // Anything printed is a log line of this invocation (`localfront invoke` shows them).
    println!(
        "added security headers to {} {}",
        response.status, cf.request.uri
    );

    // Returning the (changed) response continues with it. Leave `Via` and
    // `Transfer-Encoding` alone: they are read-only on origin-response, and touching them is
    // a 502 LambdaValidationError.
    Ok(response)
}

export_handler!(add_security_headers);
