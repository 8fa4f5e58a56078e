//! An origin-request handler choosing the origin by path prefix, from a routing table built
//! once per instance in `init` — Lambda's "code outside the handler", reported as the cold
//! start's Init Duration.
//!
//! `/api/...` goes to the API origin (with a shared-secret header it checks), `/media/...` to
//! an S3 bucket; anything else keeps the behavior's origin.

use std::sync::OnceLock;

use localfront_guest::{export_handler, Cf, CustomOrigin, Headers, Origin, Request, S3Origin};

/// The routing table: path prefix → origin.
static ROUTES: OnceLock<Vec<(&'static str, Origin)>> = OnceLock::new();

/// Builds the routing table. Runs once per instance, before its first event.
fn build_routes() -> Result<(), String> {
    // Custom headers go to the origin only. CloudFront refuses disallowed names here
    // (`X-Edge-*`, `X-Amz-Cf-*`, …) and names the request already has.
    let mut api_headers = Headers::default();
    api_headers.set("X-Origin-Secret", "change-me");

    let api = Origin::Custom(CustomOrigin {
        custom_headers: api_headers,
        // A host name (CloudFront refuses IP addresses here), resolved after the handler.
        domain_name: "api.example.internal".into(),
        keepalive_timeout: 5,
        path: "/v1".into(),
        port: 443,
        protocol: "https".into(),
        read_timeout: 30,
        ssl_protocols: vec!["TLSv1.2".into()],
    });
    let media = Origin::S3(S3Origin {
        auth_method: "none".into(),
        custom_headers: Headers::default(),
        domain_name: "media-bucket.s3.us-east-1.amazonaws.com".into(),
        path: String::new(),
        region: Some("us-east-1".into()),
    });
    ROUTES
        .set(vec![("/api/", api), ("/media/", media)])
        .map_err(|_| "init ran twice".to_owned())
}

/// Runs on cache misses, before CloudFront contacts the origin.
fn route(cf: Cf) -> Result<Request, String> {
    let mut request = cf.request;
    let routes = ROUTES.get().ok_or("init did not run")?;
    if let Some((prefix, origin)) = routes.iter().find(|(p, _)| request.uri.starts_with(p)) {
        // The origin sees the path without the routing prefix, under the origin's own path.
        request.uri = request.uri[prefix.len() - 1..].to_owned();
        // `Host` is writable on origin-request; AWS's own examples set it with the origin.
        let host = match origin {
            Origin::Custom(c) => c.domain_name.clone(),
            Origin::S3(s) => s.domain_name.clone(),
        };
        request.headers.set("Host", host);
        request.origin = Some(origin.clone());
    }
    Ok(request)
}

export_handler!(route, init = build_routes);
