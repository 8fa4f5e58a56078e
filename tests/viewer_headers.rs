//! Geo restriction (spec/distribution.md §13) and the `CloudFront-*` viewer headers (§5,
//! spec/managed-policies.md §3): the viewer's location from `[viewer]` or the test override header,
//! the device from the User-Agent, added when a policy names them, seen by functions, the cache key
//! and the origin.

mod support;

use support::{Localfront, TestOrigin};

const VIEWER: &str = r#"
[viewer]
country_override_header = true

[[viewer.locations]]
cidr = "127.0.0.0/8"
country = "US"
country_name = "United States"
region = "WA"
region_name = "Washington"
city = "Seattle"
postal_code = "98101"
time_zone = "America/Los_Angeles"
latitude = "47.60620"
longitude = "-122.33210"
metro_code = "819"
asn = 16509

[[viewer.locations]]
cidr = "192.0.2.0/24"
country = "FR"
city = "Paris"
"#;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

const GEO_BLOCKED: &str =
    "The Amazon CloudFront distribution is configured to block access from your country.";

#[tokio::test]
async fn a_geo_whitelist_serves_listed_countries_and_refuses_others() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .distribution(
            "geo_restriction = { restriction_type = \"whitelist\", locations = [\"US\", \"CA\"] }",
        )
        .origin("app", &origin)
        .default_behavior("app", "")
        .tail(VIEWER)
        .start()
        .await;
    // 127.0.0.1 is mapped to US.
    assert_eq!(lf.get("/a").await.status(), 200);
    let res = lf
        .request("GET", "/a")
        .header("x-localfront-viewer-country", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(res.headers()["server"], "CloudFront");
    let body = res.text().await.unwrap();
    assert!(
        body.contains("<H1>403 ERROR</H1>") && body.contains(GEO_BLOCKED),
        "{body}"
    );
    assert_eq!(origin.requests().len(), 1);

    let res = lf
        .request("GET", "/b")
        .header("x-localfront-viewer-country", "CA")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The override header is localfront's: the origin never sees it.
    assert_eq!(
        origin.last_request().header("x-localfront-viewer-country"),
        ""
    );
}

#[tokio::test]
async fn a_geo_blacklist_refuses_listed_countries_and_serves_unknown_locations() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .distribution(
            "geo_restriction = { restriction_type = \"blacklist\", locations = [\"FR\"] }",
        )
        .origin("app", &origin)
        .default_behavior("app", "")
        .tail("[viewer]\ncountry_override_header = true\n")
        .start()
        .await;
    // No location is configured for 127.0.0.1: unknown locations are served.
    assert_eq!(lf.get("/").await.status(), 200);
    let country = |c: &'static str| {
        lf.request("GET", "/")
            .header("x-localfront-viewer-country", c)
            .send()
    };
    assert_eq!(country("FR").await.unwrap().status(), 403);
    assert_eq!(country("DE").await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_override_header_is_ignored_unless_enabled() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .distribution(
            "geo_restriction = { restriction_type = \"blacklist\", locations = [\"FR\"] }",
        )
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;
    let res = lf
        .request("GET", "/")
        .header("x-localfront-viewer-country", "FR")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_cloudfront_headers_reach_the_origin_when_a_policy_names_them() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .behavior(
            "/all/*",
            "app",
            "origin_request_policy = \"AllViewerAndCloudFrontHeaders-2022-06\"",
        )
        .behavior("/some/*", "app", "origin_request_policy = \"country\"")
        .default_behavior("app", "origin_request_policy = \"AllViewer\"")
        .tail(VIEWER)
        .tail("[[origin_request_policies]]\nname = \"country\"\nheaders = { whitelist = [\"CloudFront-Viewer-Country\", \"CloudFront-Is-Mobile-Viewer\"] }\n")
        .start()
        .await;

    let res = lf
        .request("GET", "/all/a")
        .header("user-agent", IPHONE)
        .header("cloudfront-viewer-country", "XX")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got = origin.last_request();
    let expected = [
        ("cloudfront-viewer-country", "US"),
        ("cloudfront-viewer-country-name", "United States"),
        ("cloudfront-viewer-country-region", "WA"),
        ("cloudfront-viewer-country-region-name", "Washington"),
        ("cloudfront-viewer-city", "Seattle"),
        ("cloudfront-viewer-postal-code", "98101"),
        ("cloudfront-viewer-time-zone", "America/Los_Angeles"),
        ("cloudfront-viewer-latitude", "47.60620"),
        ("cloudfront-viewer-longitude", "-122.33210"),
        ("cloudfront-viewer-metro-code", "819"),
        ("cloudfront-viewer-asn", "16509"),
        ("cloudfront-viewer-http-version", "1.1"),
        ("cloudfront-forwarded-proto", "http"),
        ("cloudfront-is-mobile-viewer", "true"),
        ("cloudfront-is-ios-viewer", "true"),
        ("cloudfront-is-desktop-viewer", "false"),
        ("cloudfront-is-tablet-viewer", "false"),
        ("cloudfront-is-smarttv-viewer", "false"),
        ("cloudfront-is-android-viewer", "false"),
    ];
    for (name, value) in expected {
        assert_eq!(got.header(name), value, "{name}");
    }
    let address = got.header("cloudfront-viewer-address");
    assert!(address.starts_with("127.0.0.1:"), "{address}");
    assert!(address[10..].parse::<u16>().is_ok(), "{address}");
    // No TLS over plain HTTP.
    assert_eq!(got.header("cloudfront-viewer-tls"), "");

    // A whitelist gets exactly what it names.
    lf.get("/some/a").await;
    let got = origin.last_request();
    assert_eq!(got.header("cloudfront-viewer-country"), "US");
    assert_eq!(got.header("cloudfront-is-mobile-viewer"), "false");
    assert_eq!(got.header("cloudfront-viewer-city"), "");

    // `AllViewer` forwards viewer headers, not CloudFront's; a viewer cannot forge them.
    lf.request("GET", "/other")
        .header("cloudfront-viewer-country", "XX")
        .send()
        .await
        .unwrap();
    let got = origin.last_request();
    assert_eq!(got.header("cloudfront-viewer-country"), "");
}

#[tokio::test]
async fn https_viewers_get_the_tls_and_protocol_headers() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .https()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "origin_request_policy = \"AllViewerAndCloudFrontHeaders-2022-06\"",
        )
        .start()
        .await;
    let res = lf.request_https("GET", "/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let got = origin.last_request();
    assert_eq!(got.header("cloudfront-forwarded-proto"), "https");
    let tls = got.header("cloudfront-viewer-tls");
    assert!(
        tls.starts_with("TLSv1.3:TLS_") && tls.ends_with(":fullHandshake"),
        "{tls}"
    );
    let version = got.header("cloudfront-viewer-http-version");
    assert!(version == "2.0" || version == "1.1", "{version}");
    // Without a location mapping, the location headers are absent.
    assert_eq!(got.header("cloudfront-viewer-country"), "");
}

#[tokio::test]
async fn a_viewer_request_function_sees_the_headers_its_policies_name() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("where.js");
    std::fs::write(
        &code,
        r#"function handler(event) {
    var h = event.request.headers;
    var v = function (n) { return h[n] ? h[n].value : '-'; };
    return {
        statusCode: 200,
        statusDescription: 'OK',
        body: v('cloudfront-viewer-country') + ' ' + v('cloudfront-viewer-city') + ' ' + v('cloudfront-is-mobile-viewer')
    };
}"#,
    )
    .unwrap();
    let origin = TestOrigin::named("app").await;
    let function = "function_associations = { viewer_request = \"where\" }";
    let lf = Localfront::builder()
        .origin("app", &origin)
        .behavior(
            "/geo/*",
            "app",
            &format!(
                "origin_request_policy = \"AllViewerAndCloudFrontHeaders-2022-06\"\n{function}"
            ),
        )
        .default_behavior("app", function)
        .tail(VIEWER)
        .tail(&format!(
            "[[functions]]\nname = \"where\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;
    let body = |path: &'static str, country: &'static str| {
        let req = lf
            .request("GET", path)
            .header("user-agent", IPHONE)
            .header("x-localfront-viewer-country", country);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(body("/geo/a", "US").await, "US Seattle true");
    // The override names a configured country: its details come along.
    assert_eq!(body("/geo/a", "FR").await, "FR Paris true");
    assert_eq!(body("/geo/a", "JP").await, "JP - true");
    // No policy names them: the function does not see them.
    assert_eq!(body("/other", "US").await, "- - -");
}

#[tokio::test]
async fn a_cache_policy_keying_on_the_country_caches_per_country() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "cache_policy = \"per-country\"")
        .tail(VIEWER)
        .tail("[[cache_policies]]\nname = \"per-country\"\nheaders = { whitelist = [\"CloudFront-Viewer-Country\"] }\n")
        .start()
        .await;
    let get = |country: &'static str| {
        let req = lf
            .request("GET", "/page")
            .header("x-localfront-viewer-country", country);
        async move {
            let res = req.send().await.unwrap();
            res.headers()["x-cache"].to_str().unwrap().to_owned()
        }
    };
    assert_eq!(get("US").await, "Miss from cloudfront");
    assert_eq!(get("FR").await, "Miss from cloudfront");
    assert_eq!(get("US").await, "Hit from cloudfront");
    assert_eq!(get("FR").await, "Hit from cloudfront");
    assert_eq!(origin.requests().len(), 2);
    assert_eq!(
        origin.last_request().header("cloudfront-viewer-country"),
        "FR"
    );
}

#[tokio::test]
async fn a_geo_blocked_request_is_logged_as_client_geo_blocked() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server("access_log = \"access.log\"\naccess_log_format = \"json\"\n")
        .distribution(
            "geo_restriction = { restriction_type = \"blacklist\", locations = [\"FR\"] }",
        )
        .origin("app", &origin)
        .default_behavior("app", "")
        .tail("[viewer]\ncountry_override_header = true\n")
        .start()
        .await;
    let res = lf
        .request("GET", "/")
        .header("x-localfront-viewer-country", "FR")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let path = lf.dir.path().join("access.log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let line = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.starts_with('{')) {
            break line.to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no access log line");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(entry["sc-status"], "403");
    assert_eq!(entry["x-edge-result-type"], "Error");
    assert_eq!(entry["x-edge-detailed-result-type"], "ClientGeoBlocked");
}
