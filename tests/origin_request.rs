//! The request CloudFront sends to the origin (spec/distribution.md §3, §5).

mod support;

use support::{Localfront, TestOrigin};

/// A behavior that forwards every viewer value but `Host`, uncached.
const PASS_THROUGH: &str =
    "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewerExceptHostHeader\"";

#[tokio::test]
async fn origin_gets_its_domain_as_host_and_the_origin_path_prefix() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin_with("a", &origin, "origin_path = \"/v1\"")
        .default_behavior("a", PASS_THROUGH)
        .start()
        .await;

    lf.request("GET", "/users/7?x=1")
        .header("host", "viewer.test")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.uri, "/v1/users/7?x=1");
    assert_eq!(req.header("host"), "127.0.0.1");
}

#[tokio::test]
async fn custom_headers_overwrite_viewer_headers_of_the_same_name() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin_with(
            "a",
            &origin,
            "custom_headers = { \"X-Origin-Secret\" = \"s3cr3t\", \"X-From-Cdn\" = \"yes\" }",
        )
        .default_behavior("a", PASS_THROUGH)
        .start()
        .await;

    lf.request("GET", "/")
        .header("x-origin-secret", "forged")
        .header("x-kept", "1")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.header("x-origin-secret"), "s3cr3t");
    assert_eq!(req.headers.get_all("x-origin-secret").iter().count(), 1);
    assert_eq!(req.header("x-from-cdn"), "yes");
    assert_eq!(req.header("x-kept"), "1");
}

#[tokio::test]
async fn x_forwarded_for_gets_the_viewer_address_appended_and_via_is_added() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    lf.request("GET", "/")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.header("x-forwarded-for"), "203.0.113.9, 127.0.0.1");
    let via = req.header("via");
    assert!(
        via.starts_with("1.1 ") && via.ends_with(".cloudfront.net (CloudFront)"),
        "{via}"
    );
    assert_eq!(req.header("x-amz-cf-id").len(), 56);
}

#[tokio::test]
async fn without_an_origin_request_policy_no_viewer_value_reaches_the_origin() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    lf.request("GET", "/page?utm=1")
        .header("cookie", "session=1")
        .header("authorization", "Bearer x")
        .header("x-app", "value")
        .header("user-agent", "curl/8")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.uri, "/page");
    for name in ["cookie", "authorization", "x-app"] {
        assert!(req.headers.get(name).is_none(), "{name} reached the origin");
    }
    assert_eq!(req.header("user-agent"), "Amazon CloudFront");
}

#[tokio::test]
async fn all_viewer_forwards_everything_but_the_headers_cloudfront_never_forwards() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior(
            "a",
            "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"",
        )
        .start()
        .await;

    lf.request("GET", "/page?utm=1&b=2")
        .header("cookie", "session=1; theme=dark")
        .header("authorization", "Bearer x")
        .header("x-app", "kept")
        .header("x-forwarded-proto", "https")
        .header("x-real-ip", "1.2.3.4")
        .header("x-edge-thing", "1")
        .header("host", "viewer.test")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.uri, "/page?utm=1&b=2");
    assert_eq!(req.header("cookie"), "session=1; theme=dark");
    assert_eq!(req.header("authorization"), "Bearer x");
    assert_eq!(req.header("x-app"), "kept");
    assert_eq!(req.header("host"), "viewer.test", "AllViewer forwards Host");
    for removed in ["x-forwarded-proto", "x-real-ip", "x-edge-thing"] {
        assert!(
            req.headers.get(removed).is_none(),
            "{removed} reached the origin"
        );
    }
}

#[tokio::test]
async fn policies_select_individual_headers_cookies_and_query_parameters() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior(
            "a",
            "cache_policy = \"Keyed\"\norigin_request_policy = \"Extra\"",
        )
        .tail(
            r#"[[cache_policies]]
name = "Keyed"
headers = { whitelist = ["X-Tenant"] }
cookies = { whitelist = ["session"] }
query_strings = { all_except = ["utm"] }
[[origin_request_policies]]
name = "Extra"
headers = { whitelist = ["X-Trace"] }
cookies = "none"
query_strings = "none""#,
        )
        .start()
        .await;

    lf.request("GET", "/p?utm=1&id=7")
        .header("cookie", "session=s; other=o")
        .header("x-tenant", "t1")
        .header("x-trace", "abc")
        .header("x-other", "no")
        .send()
        .await
        .unwrap();
    let req = origin.last_request();
    assert_eq!(req.uri, "/p?id=7");
    assert_eq!(req.header("cookie"), "session=s");
    assert_eq!(req.header("x-tenant"), "t1");
    assert_eq!(req.header("x-trace"), "abc");
    assert!(req.headers.get("x-other").is_none());
}

#[tokio::test]
async fn set_cookie_from_the_origin_is_removed_while_cookies_are_not_forwarded() {
    let origin =
        TestOrigin::start(|_| support::Reply::new(200, "ok").header("set-cookie", "a=1")).await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    let res = lf.get("/").await;
    assert!(res.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn the_default_root_object_is_requested_for_the_root_only() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .distribution("default_root_object = \"index.html\"")
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;

    assert_eq!(
        lf.get("/").await.text().await.unwrap(),
        "origin a: /index.html"
    );
    assert_eq!(
        lf.get("/docs/").await.text().await.unwrap(),
        "origin a: /docs/"
    );
}

#[tokio::test]
async fn request_bodies_are_forwarded() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "allowed_methods = [\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"]\ncache_policy = \"CachingDisabled\"")
        .start()
        .await;

    let res = lf
        .request("POST", "/submit")
        .body(vec![7u8; 300_000])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let req = origin.last_request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.body.len(), 300_000);
}
