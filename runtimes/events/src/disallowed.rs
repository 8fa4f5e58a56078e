//! The headers CloudFront never lets edge code see or set, shared by CloudFront Functions and
//! Lambda@Edge (spec/cloudfront-functions.md §10).

/// Headers CloudFront never exposes to edge code and refuses from it, on every event of CloudFront
/// Functions and Lambda@Edge (spec/cloudfront-functions.md §10). `name` is lowercase.
pub fn is_disallowed_header(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-amzn-auth",
        "x-amzn-cf-billing",
        "x-amzn-cf-id",
        "x-amzn-cf-xff",
        "x-amzn-errortype",
        "x-amzn-fle-profile",
        "x-amzn-header-count",
        "x-amzn-header-order",
        "x-amzn-lambda-integration-tag",
        "x-amzn-requestid",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
    ];
    EXACT.contains(&name) || name.starts_with("x-amz-cf-") || name.starts_with("x-edge-")
}
