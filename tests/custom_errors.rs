//! Custom error responses: the page is fetched through the behavior matching its path and sent
//! with the rule's code (spec/distribution.md §7).

mod support;

use support::{closed_port, Localfront, Reply, TestOrigin};

fn pages_bucket() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("errors")).unwrap();
    std::fs::write(
        dir.path().join("errors/404.html"),
        "<h1>custom not found</h1>",
    )
    .unwrap();
    std::fs::write(dir.path().join("errors/5xx.html"), "<h1>custom outage</h1>").unwrap();
    dir
}

/// The S3-style origin serving the error pages.
fn pages_origin(pages: &tempfile::TempDir) -> String {
    format!("s3 = {{ directory = \"{}\" }}", pages.path().display())
}

/// localfront with `app` as the default behavior's origin, the pages bucket behind `/errors/*`,
/// and the custom error response `rule`.
async fn app_with_pages(app: &TestOrigin, pages: &tempfile::TempDir, rule: &str) -> Localfront {
    Localfront::builder()
        .origin("app", app)
        .raw_origin("pages", &pages_origin(pages))
        .behavior("/errors/*", "pages", "")
        .default_behavior("app", "")
        .tail(rule)
        .start()
        .await
}

fn rule(code: u16, page: &str, response_code: u16) -> String {
    format!("[[distributions.custom_error_responses]]\nerror_code = {code}\nresponse_page_path = \"{page}\"\nresponse_code = {response_code}")
}

#[tokio::test]
async fn an_origin_error_is_answered_with_the_page_from_the_matching_behavior() {
    let app = TestOrigin::start(|r| match r.uri.as_str() {
        "/missing" => Reply::new(404, "app 404"),
        _ => Reply::new(200, "app ok"),
    })
    .await;
    let pages = pages_bucket();
    let lf = app_with_pages(&app, &pages, &rule(404, "/errors/404.html", 200)).await;

    let res = lf.get("/missing").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(res.text().await.unwrap(), "<h1>custom not found</h1>");
    // The page did not come from the app origin.
    assert_eq!(app.requests().len(), 1);
}

#[tokio::test]
async fn cloudfront_generated_errors_use_the_custom_page_too() {
    let pages = pages_bucket();
    let lf = Localfront::builder()
        .raw_origin(
            "down",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", closed_port()),
        )
        .raw_origin("pages", &pages_origin(&pages))
        .behavior("/errors/*", "pages", "")
        .default_behavior("down", "")
        .tail(&rule(502, "/errors/5xx.html", 503))
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "<h1>custom outage</h1>");
}

#[tokio::test]
async fn a_missing_error_page_leaves_the_original_error() {
    let app = TestOrigin::status(404).await;
    let pages = pages_bucket();
    let lf = app_with_pages(&app, &pages, &rule(404, "/errors/nope.html", 200)).await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.text().await.unwrap(), "status 404");
}

#[tokio::test]
async fn error_pages_are_fetched_without_viewer_protocol_redirects() {
    let app = TestOrigin::status(500).await;
    let pages = pages_bucket();
    let lf = Localfront::builder()
        .origin("app", &app)
        .raw_origin("pages", &pages_origin(&pages))
        .behavior(
            "/errors/*",
            "pages",
            "viewer_protocol_policy = \"https-only\"",
        )
        .default_behavior("app", "")
        .tail(&rule(500, "/errors/5xx.html", 500))
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 500);
    assert_eq!(res.text().await.unwrap(), "<h1>custom outage</h1>");
}

#[tokio::test]
async fn the_origins_error_is_cached_and_answered_with_the_page_from_cache() {
    let app = TestOrigin::start(|_| Reply::new(404, "app 404")).await;
    let pages = pages_bucket();
    let lf = app_with_pages(&app, &pages, &rule(404, "/errors/404.html", 404)).await;

    for _ in 0..3 {
        let res = lf.get("/missing").await;
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
        assert_eq!(res.text().await.unwrap(), "<h1>custom not found</h1>");
    }
    // The 404 is cached for error_caching_min_ttl (10 s): the origin was asked once.
    assert_eq!(app.requests().len(), 1);
    let head = lf.request("HEAD", "/missing").send().await.unwrap();
    assert_eq!(head.status(), 404);
    assert_eq!(head.headers()["content-length"], "25");
}

#[tokio::test]
async fn an_origin_error_without_a_body_gets_the_page_and_keeps_the_connection_open() {
    let app = TestOrigin::start(|_| Reply::new(503, "")).await;
    let pages = pages_bucket();
    let lf = app_with_pages(&app, &pages, &rule(503, "/errors/5xx.html", 503)).await;

    // The origin's `503` has `Content-Length: 0`: the page follows its header, fresh and then
    // from the error cache, on one keep-alive connection.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    for _ in 0..2 {
        let res =
            support::raw::exchange(&mut conn, "GET /down HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await;
        assert_eq!(support::raw::status(&res), 503, "{res}");
        let lower = res.to_ascii_lowercase();
        assert!(lower.contains("x-cache: error from cloudfront"), "{res}");
        assert!(!lower.contains("connection: close"), "{res}");
        assert!(res.ends_with("\r\n\r\n<h1>custom outage</h1>"), "{res}");
    }
    assert_eq!(app.requests().len(), 1);
}
