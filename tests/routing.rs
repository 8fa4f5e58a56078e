//! Host → distribution, path → cache behavior, allowed methods, viewer protocol policy, and the
//! headers CloudFront adds (spec/distribution.md §1–2, §8–9).

mod support;

use support::{Localfront, TestOrigin};

#[tokio::test]
async fn behaviors_match_in_order_and_the_default_comes_last() {
    let a = TestOrigin::named("a").await;
    let b = TestOrigin::named("b").await;
    let dflt = TestOrigin::named("default").await;
    let lf = Localfront::builder()
        .origin("a", &a)
        .origin("b", &b)
        .origin("default", &dflt)
        .behavior("/api/v1/*", "a", "")
        .behavior("/api/*", "b", "")
        .behavior("images/*.jpg", "a", "")
        .behavior("/file?.txt", "b", "")
        .default_behavior("default", "")
        .start()
        .await;

    let body = |path: &'static str| {
        let lf = &lf;
        async move { lf.get(path).await.text().await.unwrap() }
    };
    assert_eq!(body("/api/v1/users").await, "origin a: /api/v1/users");
    assert_eq!(body("/api/v2/users").await, "origin b: /api/v2/users");
    // `*` matches `/`; a pattern without a leading `/` still anchors at the root.
    assert_eq!(body("/images/a/b.jpg").await, "origin a: /images/a/b.jpg");
    // `?` is exactly one character.
    assert_eq!(body("/file1.txt").await, "origin b: /file1.txt");
    assert_eq!(body("/file12.txt").await, "origin default: /file12.txt");
    // Case-sensitive; the query string is ignored for matching (and, with the default cache
    // policy, not forwarded either).
    assert_eq!(body("/API/v1/users").await, "origin default: /API/v1/users");
    assert_eq!(
        body("/api/v1/x?q=/images/a.jpg").await,
        "origin a: /api/v1/x"
    );
}

#[tokio::test]
async fn dot_segments_are_normalized_for_matching_only() {
    let a = TestOrigin::named("a").await;
    let dflt = TestOrigin::named("default").await;
    let lf = Localfront::builder()
        .origin("a", &a)
        .origin("default", &dflt)
        .behavior("/private/*", "a", "")
        .default_behavior("default", "")
        .start()
        .await;

    let res = support::raw::get(lf.http, "/public/%2E%2E/private/x").await;
    assert_eq!(support::raw::status(&res), 200, "{res}");
    assert!(res.ends_with("origin a: /public/%2E%2E/private/x"), "{res}");
}

#[tokio::test]
async fn host_selects_the_distribution_and_unclaimed_hosts_get_the_default() {
    let one = TestOrigin::named("one").await;
    let two = TestOrigin::named("two").await;
    let dists = format!(
        r#"
[[distributions]]
id = "EONE"
aliases = ["one.test"]
[[distributions.origins]]
id = "o"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "o"

[[distributions]]
id = "ETWO"
domain_name = "d2222.cloudfront.net"
[[distributions.origins]]
id = "o"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "o"
"#,
        one.port(),
        two.port()
    );
    let lf = Localfront::builder()
        .distributions_toml(&dists)
        .start()
        .await;

    let get = |host: &'static str| {
        let lf = &lf;
        async move {
            lf.request("GET", "/x")
                .header("host", host)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(get("one.test").await, "origin one: /x");
    assert_eq!(get("ONE.test:8080").await, "origin one: /x");
    assert_eq!(get("d2222.cloudfront.net").await, "origin two: /x");
    assert_eq!(get("elsewhere.test").await, "origin two: /x");
}

#[tokio::test]
async fn a_host_no_distribution_claims_gets_403_when_there_is_no_default() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .distribution("aliases = [\"app.test\"]")
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    let res = lf
        .request("GET", "/")
        .header("host", "other.test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(res.headers()["server"], "CloudFront");
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn methods_outside_allowed_methods_get_403() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .behavior("/opts/*", "a", "allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\"]\ncache_policy = \"CachingDisabled\"")
        .behavior("/all/*", "a", "allowed_methods = [\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"]\ncache_policy = \"CachingDisabled\"")
        .default_behavior("a", "cache_policy = \"CachingDisabled\"")
        .start()
        .await;

    let status = |m: &'static str, p: &'static str| {
        let lf = &lf;
        async move { lf.request(m, p).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("GET", "/x").await, 200);
    assert_eq!(status("HEAD", "/x").await, 200);
    assert_eq!(status("OPTIONS", "/x").await, 403);
    assert_eq!(status("POST", "/x").await, 403);
    assert_eq!(status("OPTIONS", "/opts/x").await, 200);
    assert_eq!(status("DELETE", "/opts/x").await, 403);
    assert_eq!(status("DELETE", "/all/x").await, 200);
    assert_eq!(status("PATCH", "/all/x").await, 200);

    let res = lf.request("POST", "/x").body("data").send().await.unwrap();
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    let body = res.text().await.unwrap();
    assert!(
        body.contains("not configured to allow the HTTP request method"),
        "{body}"
    );
    assert_eq!(origin.requests().len(), 5);
}

#[tokio::test]
async fn redirect_to_https_answers_301_for_get_and_307_otherwise() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "viewer_protocol_policy = \"redirect-to-https\"\nallowed_methods = [\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"]")
        .https()
        .start()
        .await;
    let port = lf.https.unwrap().port();

    let res = lf
        .request("GET", "/a/b?c=d")
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(
        res.headers()["location"],
        format!("https://localhost:{port}/a/b?c=d")
    );
    assert_eq!(res.headers()["x-cache"], "Redirect from cloudfront");

    let res = lf
        .request("POST", "/a")
        .header("host", "localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);

    let res = lf.request_https("GET", "/a").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn https_only_refuses_http_with_403() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "viewer_protocol_policy = \"https-only\"")
        .https()
        .start()
        .await;

    assert_eq!(lf.get("/").await.status(), 403);
    assert_eq!(
        lf.request_https("GET", "/").send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn responses_carry_cloudfront_headers_with_a_unique_request_id() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    let first = lf.get("/").await;
    let second = lf.get("/").await;
    assert_eq!(first.headers()["x-cache"], "Miss from cloudfront");
    let via = first.headers()["via"].to_str().unwrap();
    assert!(
        via.starts_with("1.1 ") && via.ends_with(".cloudfront.net (CloudFront)"),
        "{via}"
    );
    assert_eq!(first.headers()["x-amz-cf-pop"], "LCL50-C1");
    let id = first.headers()["x-amz-cf-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 56);
    assert_ne!(second.headers()["x-amz-cf-id"].to_str().unwrap(), id);
    // The origin saw the same request id.
    assert_eq!(origin.requests()[0].header("x-amz-cf-id"), id);
}

#[tokio::test]
async fn origin_error_statuses_are_reported_as_errors() {
    let origin = TestOrigin::status(404).await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    let res = lf.get("/missing").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(res.text().await.unwrap(), "status 404");
}
