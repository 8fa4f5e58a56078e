//! Cache poisoning and deception (spec/hardening.md §2): what one viewer sends that is not part of
//! the cache key neither reaches the origin nor changes what the next viewer receives.

mod support;

use support::raw::{send, status};
use support::{Localfront, Reply, TestOrigin};

/// An origin that reflects the request's interesting headers and query in a cacheable body — the
/// shape of a poisonable page.
async fn reflecting() -> TestOrigin {
    TestOrigin::start(|r| {
        let reflected = format!(
            "uri={} xfh={} xou={} xfs={} xho={}",
            r.uri,
            r.header("x-forwarded-host"),
            r.header("x-original-url"),
            r.header("x-forwarded-scheme"),
            r.header("x-http-method-override"),
        );
        Reply::new(200, reflected).header("cache-control", "max-age=60")
    })
    .await
}

#[tokio::test]
async fn unkeyed_forwarding_headers_neither_reach_the_origin_nor_poison_the_object() {
    let origin = reflecting().await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;

    let attacker = lf
        .request("GET", "/page")
        .header("x-forwarded-host", "evil.example")
        .header("x-original-url", "/admin")
        .header("x-forwarded-scheme", "http")
        .header("x-http-method-override", "DELETE")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let victim = lf.get("/page").await;

    assert_eq!(attacker, "uri=/page xfh= xou= xfs= xho=");
    assert_eq!(victim.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(
        victim.text().await.unwrap(),
        "uri=/page xfh= xou= xfs= xho="
    );
}

#[tokio::test]
async fn parameter_cloaking_with_semicolons_does_not_reach_the_origin_unkeyed() {
    let origin = reflecting().await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"UseOriginCacheControlHeaders-QueryStrings\"",
        )
        .start()
        .await;

    let cloaked = lf
        .get("/page?utm=1;callback=evil")
        .await
        .text()
        .await
        .unwrap();
    let plain = lf.get("/page?utm=1").await;

    // Query strings are keyed whole under this policy: the cloaked variant is its own object.
    assert!(cloaked.contains("callback=evil"), "{cloaked}");
    assert_eq!(plain.headers()["x-cache"], "Miss from cloudfront");
    assert_eq!(
        plain.text().await.unwrap(),
        "uri=/page?utm=1 xfh= xou= xfs= xho="
    );
}

#[tokio::test]
async fn a_get_with_a_body_is_refused() {
    let origin = reflecting().await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;

    let response = send(
        lf.http,
        "GET /page HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\npoison=evil",
    )
    .await;

    assert_eq!(
        status(&response),
        403,
        "{}",
        response.lines().next().unwrap_or("")
    );
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn host_and_port_confusion_never_crosses_distributions() {
    let a = TestOrigin::named("a").await;
    let b = TestOrigin::named("b").await;
    let lf = Localfront::builder()
        .distributions_toml(&format!(
            r#"
[[distributions]]
id = "EA"
domain_name = "da.cloudfront.net"
aliases = ["a.test"]
[[distributions.origins]]
id = "a"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "a"

[[distributions]]
id = "EB"
domain_name = "db.cloudfront.net"
aliases = ["b.test"]
[[distributions.origins]]
id = "b"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "b"
"#,
            a.port(),
            b.port()
        ))
        .start()
        .await;

    let first = send(
        lf.http,
        "GET /same HTTP/1.1\r\nHost: a.test:80\r\nConnection: close\r\n\r\n",
    )
    .await;
    let second = send(
        lf.http,
        "GET /same HTTP/1.1\r\nHost: B.TEST\r\nConnection: close\r\n\r\n",
    )
    .await;

    assert!(first.ends_with("origin a: /same"), "{first}");
    assert!(second.ends_with("origin b: /same"), "{second}");
    assert!(second.contains("x-cache: Miss from cloudfront"), "{second}");
}
