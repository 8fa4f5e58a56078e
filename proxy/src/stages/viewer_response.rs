//! Viewer response: the headers CloudFront adds to every response (spec/distribution.md §1 step
//! 14, §8). The viewer-response function runs just before this, unless the status is ≥ 400, a
//! custom error page was served, or viewer-request generated the response.

use http::{HeaderValue, Version};
use pingora::http::ResponseHeader;
use pingora::Result;

use super::Generated;
use crate::context::RequestContext;

/// `Via` as CloudFront writes it: `<viewer HTTP version> <hex id>.cloudfront.net (CloudFront)`.
pub fn via(version: Version, via_id: &str) -> String {
    let v = match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2.0",
        Version::HTTP_3 => "3.0",
        _ => "1.1",
    };
    format!("{v} {via_id}.cloudfront.net (CloudFront)")
}

/// The values of CloudFront's constant headers, built once per config snapshot instead of per
/// request (benches/README.md, "Tuning").
pub struct CloudFrontValues {
    /// `Via` for each viewer HTTP version (0.9, 1.0, 1.1, 2.0, 3.0).
    via: [HeaderValue; 5],
    /// `X-Amz-Cf-Pop`; `None` when `[server] pop` is no valid header value (then every response
    /// fails as it did when the value was built per request).
    pop: Option<HeaderValue>,
}

impl CloudFrontValues {
    /// The values for the edge id `via_id` (hex) and the POP code `pop`.
    pub fn new(via_id: &str, pop: &str) -> Self {
        let versions = [
            Version::HTTP_09,
            Version::HTTP_10,
            Version::HTTP_11,
            Version::HTTP_2,
            Version::HTTP_3,
        ];
        Self {
            // The id is hex and the rest is fixed text: always a valid header value.
            via: versions.map(|v| {
                HeaderValue::try_from(via(v, via_id))
                    .unwrap_or_else(|_| HeaderValue::from_static("1.1 cloudfront.net (CloudFront)"))
            }),
            pop: HeaderValue::from_str(pop).ok(),
        }
    }

    /// `Via` for a viewer speaking `version`.
    pub fn via(&self, version: Version) -> HeaderValue {
        let i = match version {
            Version::HTTP_09 => 0,
            Version::HTTP_10 => 1,
            Version::HTTP_2 => 3,
            Version::HTTP_3 => 4,
            _ => 2,
        };
        self.via[i].clone()
    }
}

/// Adds `Via`, `X-Cache`, `X-Amz-Cf-Pop` and `X-Amz-Cf-Id`.
pub fn add_cloudfront_headers(
    resp: &mut ResponseHeader,
    ctx: &RequestContext,
    viewer_version: Version,
) -> Result<()> {
    let values = &ctx.snapshot.cloudfront_values;
    resp.insert_header(
        "x-cache",
        HeaderValue::from_static(ctx.x_cache.header_value()),
    )?;
    resp.insert_header(http::header::VIA, values.via(viewer_version))?;
    match &values.pop {
        Some(pop) => resp.insert_header("x-amz-cf-pop", pop.clone())?,
        None => resp.insert_header("x-amz-cf-pop", &ctx.snapshot.config.server.pop)?,
    }
    resp.insert_header("x-amz-cf-id", &ctx.request_id)?;
    if ctx.trace.is_some() {
        resp.insert_header(crate::trace::TRACE_ID_HEADER, &ctx.request_id)?;
    }
    // Continuous deployment's session stickiness (stages/continuous_deployment.rs).
    if let Some(cookie) = &ctx.staging_cookie {
        resp.append_header(http::header::SET_COOKIE, cookie)?;
    }
    Ok(())
}

/// The response header for a response CloudFront generates itself (`Server: CloudFront`).
pub fn generated_header(g: &Generated) -> Result<ResponseHeader> {
    let mut resp = ResponseHeader::build(g.status, Some(g.headers.len() + 6))?;
    resp.insert_header(http::header::SERVER, "CloudFront")?;
    for (name, value) in &g.headers {
        resp.append_header(name.clone(), value)?;
    }
    resp.insert_header(http::header::CONTENT_LENGTH, g.body.len().to_string())?;
    Ok(resp)
}
