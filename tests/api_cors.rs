//! CORS of API Gateway origins (spec/api-gateway.md §8): preflights answered by the API itself,
//! allowed origins (exact, `https://*`, `https://*.domain`, `*` with and without credentials),
//! the integration's CORS headers replaced, and CORS headers on API Gateway's own errors.

mod support;

use support::{Localfront, Reply, TestOrigin};

/// Every method allowed, nothing cached, every viewer header forwarded.
const PASS_THROUGH: &str = "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nallowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]";

/// API `pets` with `[apis.cors]` = `cors`, routes `GET /pets`, `GET /keyed` (API key
/// required) and `GET /throttled` (burst 0), served by `backend`.
async fn api(backend: &TestOrigin, cors: &str) -> Localfront {
    let base = format!("http://127.0.0.1:{}", backend.port());
    Localfront::builder()
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(&format!(
            r#"[[apis]]
name = "pets"
[apis.cors]
{cors}
[apis.routes."GET /pets"]
uri = "{base}/pets"
[apis.routes."GET /keyed"]
uri = "{base}/keyed"
api_key_required = true
[apis.routes."GET /throttled"]
uri = "{base}/throttled"
throttling = {{ rate_limit = 1.0, burst_limit = 0 }}
"#
        ))
        .start()
        .await
}

/// A backend that sets its own CORS headers, which API Gateway ignores.
async fn backend() -> TestOrigin {
    TestOrigin::start(|r| {
        Reply::new(200, r.uri.clone())
            .header("access-control-allow-origin", "https://backend.test")
            .header("access-control-allow-methods", "DELETE")
            .header("access-control-expose-headers", "x-backend")
            .header("x-backend", "1")
    })
    .await
}

const FULL: &str = r#"allow_origins = ["https://app.example.com"]
allow_methods = ["GET", "POST"]
allow_headers = ["authorization", "content-type"]
expose_headers = ["x-request-id"]
max_age = 600
allow_credentials = true"#;

async fn preflight(lf: &Localfront, path: &str, origin: &str) -> reqwest::Response {
    lf.request("OPTIONS", path)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

/// The `access-control-*` headers of a response, sorted.
fn cors_headers(res: &reqwest::Response) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    h.sort();
    h
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_204_with_the_configured_headers() {
    let b = backend().await;
    let lf = api(&b, FULL).await;

    // No `OPTIONS` route: API Gateway answers itself, for any path.
    for path in ["/pets", "/no/such/route"] {
        let res = preflight(&lf, path, "https://app.example.com").await;
        assert_eq!(res.status(), 204, "{path}");
        assert_eq!(
            cors_headers(&res),
            pairs(&[
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-headers", "authorization,content-type"),
                ("access-control-allow-methods", "GET,POST"),
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-max-age", "600"),
            ]),
            "{path}"
        );
        assert_eq!(res.text().await.unwrap(), "");
    }
    assert!(
        b.requests().is_empty(),
        "preflights never reach the backend"
    );
}

#[tokio::test]
async fn an_origin_not_allowed_gets_no_cors_headers() {
    let b = backend().await;
    let lf = api(&b, FULL).await;

    let res = preflight(&lf, "/pets", "https://evil.example.net").await;
    assert_eq!(res.status(), 204);
    assert_eq!(cors_headers(&res), vec![]);

    let res = lf
        .request("GET", "/pets")
        .header("origin", "http://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(cors_headers(&res), vec![], "the backend's are removed too");
    assert_eq!(res.headers()["x-backend"], "1");
}

#[tokio::test]
async fn the_backends_cors_headers_are_replaced_by_the_configured_ones() {
    let b = backend().await;
    let lf = api(&b, FULL).await;

    let res = lf
        .request("GET", "/pets")
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        cors_headers(&res),
        pairs(&[
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-origin", "https://app.example.com"),
            ("access-control-expose-headers", "x-request-id"),
        ])
    );
    assert_eq!(res.text().await.unwrap(), "/pets");

    // Without `Origin`, no CORS headers at all.
    let res = lf.get("/pets").await;
    assert_eq!(cors_headers(&res), vec![]);
}

#[tokio::test]
async fn https_star_allows_every_https_origin_and_subdomain_wildcards_their_subdomains() {
    let b = backend().await;
    let lf = api(
        &b,
        r#"allow_origins = ["https://*", "http://*.example.com"]
allow_methods = ["GET"]"#,
    )
    .await;

    for (origin, allowed) in [
        ("https://anything.test", true),
        ("https://localhost:8443", true),
        ("http://app.example.com", true),
        ("http://a.b.example.com", true),
        ("http://example.com", false),
        ("http://anything.test", false),
    ] {
        let res = preflight(&lf, "/pets", origin).await;
        assert_eq!(res.status(), 204);
        let allow_origin = res
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow_origin, allowed.then(|| origin.to_owned()), "{origin}");
    }
}

#[tokio::test]
async fn star_answers_star_without_credentials_and_the_origin_with_them() {
    let b = backend().await;
    let lf = api(&b, "allow_origins = [\"*\"]\nallow_methods = [\"*\"]").await;
    let res = preflight(&lf, "/pets", "https://x.test").await;
    assert_eq!(
        cors_headers(&res),
        pairs(&[
            ("access-control-allow-methods", "*"),
            ("access-control-allow-origin", "*"),
        ])
    );

    let lf = api(&b, "allow_origins = [\"*\"]\nallow_credentials = true").await;
    let res = lf
        .request("GET", "/pets")
        .header("origin", "https://x.test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        cors_headers(&res),
        pairs(&[
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-origin", "https://x.test"),
        ])
    );
}

#[tokio::test]
async fn api_gateway_errors_carry_cors_headers_too() {
    let b = backend().await;
    let lf = api(&b, "allow_origins = [\"https://app.example.com\"]").await;

    for (path, status, message) in [
        ("/keyed", 403, "Forbidden"),
        ("/throttled", 429, "Too Many Requests"),
        ("/no/such/route", 404, "Not Found"),
    ] {
        let res = lf
            .request("GET", path)
            .header("origin", "https://app.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(
            cors_headers(&res),
            pairs(&[("access-control-allow-origin", "https://app.example.com")]),
            "{path}"
        );
        assert_eq!(
            res.text().await.unwrap(),
            format!(r#"{{"message":"{message}"}}"#)
        );
    }
}
