//! Lambda@Edge handlers (WebAssembly components) in the request path (spec/lambda-edge.md): the
//! four events, generated responses, origin rewrites, and CloudFront's errors.

mod support;

use support::guests::component;
use support::stream_origin::{boxed, serve, GeneratedBody};
use support::{raw, Localfront, Reply, TestOrigin};

fn declare(name: &str, fixture: &str, extra: &str) -> String {
    format!(
        "[[edge_functions]]\nname = \"{name}\"\ncomponent = \"{}\"\n{extra}\n",
        component(fixture).display()
    )
}

#[tokio::test]
async fn viewer_request_rewrites_the_request() {
    let origin = TestOrigin::start(|r| {
        Reply::new(200, format!("{} group {}", r.uri, r.header("x-ab-group")))
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nlambda_associations = { viewer_request = \"ab\" }",
        )
        .tail(&declare("ab", "ab-cookie", ""))
        .start()
        .await;

    let res = lf
        .request("GET", "/page")
        .header("cookie", "ab=b")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "/b/page group b");
}

#[tokio::test]
async fn a_viewer_request_handler_can_answer_by_itself() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "lambda_associations = { viewer_request = \"signin\" }",
        )
        .tail(&declare("signin", "redirect-unauthenticated", ""))
        .start()
        .await;

    let res = lf.get("/account?tab=1").await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "/signin?redirect=%2Faccount%3Ftab%3D1"
    );
    assert_eq!(
        res.headers()["x-cache"],
        "LambdaGeneratedResponse from cloudfront"
    );
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn origin_request_runs_on_misses_only_and_can_move_the_origin() {
    let app = TestOrigin::named("app").await;
    let elsewhere = TestOrigin::start(|r| {
        Reply::new(200, format!("elsewhere {}", r.uri)).header("cache-control", "max-age=60")
    })
    .await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("logo.txt"), "from the bucket").unwrap();
    let lf = Localfront::builder()
        .origin("app", &app)
        .raw_origin("site", &format!("s3 = {{ directory = \"{}\" }}", site.path().display()))
        .default_behavior(
            "app",
            "origin_request_policy = \"UserAgentRefererHeaders\"\nlambda_associations = { origin_request = \"move\" }\ncache_policy = \"Port\"",
        )
        .tail(&format!(
            "{}[[cache_policies]]\nname = \"Port\"\nheaders = {{ whitelist = [\"x-test-origin-port\"] }}\n",
            declare("move", "origin-to-localhost", "")
        ))
        .start()
        .await;

    let port = elsewhere.port().to_string();
    for expected in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = lf
            .request("GET", "/x")
            .header("x-test-origin-port", &port)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-cache"], expected);
        assert_eq!(res.text().await.unwrap(), "elsewhere /rewritten/x");
    }
    assert_eq!(
        elsewhere.requests().len(),
        1,
        "origin-request does not run on hits"
    );
    assert_eq!(
        elsewhere.last_request().header("x-rewritten-by"),
        "origin-to-localhost"
    );
    assert!(elsewhere
        .last_request()
        .headers
        .get("x-test-origin-port")
        .is_none());
    // An S3 origin of the distribution, by its event name.
    assert_eq!(
        lf.get("/static/logo.txt").await.text().await.unwrap(),
        "from the bucket"
    );
    assert!(app.requests().is_empty());
}

#[tokio::test]
async fn origin_response_changes_status_headers_and_body() {
    let origin = TestOrigin::start(|r| match r.uri.as_str() {
        "/broken" => Reply::new(500, "stack trace"),
        "/gone" => Reply::new(404, "nope"),
        _ => Reply::new(200, "fine"),
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "lambda_associations = { origin_response = \"errors\" }",
        )
        .tail(&declare("errors", "error-rewrite", ""))
        .start()
        .await;

    // The handler's page replaces the origin's body as it streams, and the cache keeps the
    // changed response (its `Cache-Control: max-age=10`): the origin is asked once.
    for _ in 0..2 {
        let res = lf.get("/broken").await;
        assert_eq!(res.status(), 503);
        assert!(res.text().await.unwrap().contains("Down for maintenance"));
    }
    assert_eq!(
        origin
            .requests()
            .iter()
            .filter(|r| r.uri == "/broken")
            .count(),
        1
    );
    let res = lf.get("/gone").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/not-found.html");
    assert_eq!(lf.get("/ok").await.text().await.unwrap(), "fine");
}

#[tokio::test]
async fn viewer_response_adds_headers_on_hits_too() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "page").header("cache-control", "max-age=60")).await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "lambda_associations = { viewer_response = \"headers\" }",
        )
        .tail(&declare("headers", "security-headers", ""))
        .start()
        .await;

    for expected in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = lf.get("/p").await;
        assert_eq!(res.headers()["x-cache"], expected);
        assert_eq!(res.headers()["x-frame-options"], "DENY");
    }
}

#[tokio::test]
async fn handler_failures_are_cloudfronts_502_and_503() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .behavior(
            "/forbidden/*",
            "app",
            "lambda_associations = { viewer_request = \"forbidden\" }",
        )
        .behavior(
            "/trap/*",
            "app",
            "lambda_associations = { viewer_request = \"trap\" }",
        )
        .behavior(
            "/loop/*",
            "app",
            "lambda_associations = { viewer_request = \"loop\" }",
        )
        .default_behavior("app", "")
        .tail(&format!(
            "{}{}{}",
            declare("forbidden", "forbidden-header", ""),
            declare("trap", "trap", ""),
            declare("loop", "infinite-loop", "timeout = 1"),
        ))
        .start()
        .await;

    let res = lf.get("/forbidden/x").await;
    assert_eq!(res.status(), 502);
    assert_eq!(
        res.headers()["x-cache"],
        "LambdaValidationError from cloudfront"
    );
    let res = lf.get("/trap/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["x-cache"],
        "LambdaExecutionError from cloudfront"
    );
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("The Lambda function associated with the CloudFront distribution"));
    let started = std::time::Instant::now();
    let res = lf.get("/loop/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["x-cache"],
        "LambdaLimitExceeded from cloudfront"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // The proxy is unharmed.
    assert_eq!(
        lf.get("/fine").await.text().await.unwrap(),
        "origin app: /fine"
    );
    assert!(origin.requests().iter().all(|r| r.uri == "/fine"));
}

#[tokio::test]
async fn a_function_and_a_handler_cannot_share_a_viewer_event() {
    let dir = tempfile::tempdir().unwrap();
    let js = dir.path().join("f.js");
    std::fs::write(&js, "function handler(event) { return event.request; }\n").unwrap();
    let config = dir.path().join("localfront.toml");
    std::fs::write(
        &config,
        format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"o\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"o\"\nfunction_associations = {{ viewer_request = \"f\" }}\nlambda_associations = {{ viewer_request = \"h\" }}\n[[functions]]\nname = \"f\"\ncode = \"f.js\"\n{}",
            declare("h", "ab-cookie", "")
        ),
    )
    .unwrap();
    let out = std::process::Command::new(support::localfront::binary())
        .arg("validate")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot share viewer_request"));
}

#[tokio::test]
async fn invoke_runs_one_event_like_sam_local_invoke() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"Records":[{"cf":{"config":{"distributionDomainName":"d1.cloudfront.net","distributionId":"E1","eventType":"viewer-request","requestId":"r-1"},
            "request":{"clientIp":"203.0.113.1","method":"GET","uri":"/page","querystring":"","headers":{"cookie":[{"key":"Cookie","value":"ab=a"}]}}}}]}"#,
    )
    .unwrap();
    let out = tokio::process::Command::new(support::localfront::binary())
        .arg("invoke")
        .arg("--handler")
        .arg(component("ab-cookie"))
        .arg("--event")
        .arg(&event)
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("START RequestId: r-1"), "{stdout}");
    assert!(
        stdout.contains("REPORT RequestId: r-1\tDuration: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("Init Duration: "),
        "a first invocation is a cold start: {stdout}"
    );
    assert!(stdout.contains("\"uri\": \"/a/page\""), "{stdout}");
}

#[tokio::test]
async fn origin_request_runs_again_for_an_origin_groups_secondary() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin("primary", &primary)
        .origin("backup", &backup)
        .default_behavior(
            "ha",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { origin_request = \"stamp\" }",
        )
        .origin_group("ha", "primary", "backup", "503")
        .tail(&declare("stamp", "request-stamp", "max_concurrency = 1"))
        .start()
        .await;

    let res = lf.get("/page").await;

    assert_eq!(res.status(), 200, "{}", lf.log());
    assert_eq!(res.text().await.unwrap(), "origin backup: /page");
    let first = primary.last_request();
    assert_eq!(
        first.header("x-stamp-origin-port"),
        primary.port().to_string()
    );
    assert_eq!(first.header("x-stamp-runs"), "1");
    let second = backup.last_request();
    assert_eq!(
        second.header("x-stamp-origin-port"),
        backup.port().to_string(),
        "the second run's event names the secondary"
    );
    assert_eq!(second.header("x-stamp-runs"), "2");
}

#[tokio::test]
async fn a_response_the_secondarys_origin_request_generates_is_cached() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin("primary", &primary)
        .origin_with(
            "backup",
            &backup,
            "custom_headers = { \"X-Mirror-Answer\" = \"yes\" }",
        )
        .default_behavior(
            "ha",
            "cache_policy = \"Short\"\nlambda_associations = { origin_request = \"mirror\" }",
        )
        .origin_group("ha", "primary", "backup", "503")
        .tail(&format!(
            "{}[[cache_policies]]\nname = \"Short\"\nmin_ttl = 0\ndefault_ttl = 60\nmax_ttl = 3600\n",
            declare("mirror", "event-mirror", "max_concurrency = 1")
        ))
        .start()
        .await;

    // The primary continues to its origin, which fails over; the secondary's run answers.
    let first = lf.get("/pass/page").await;
    assert_eq!(first.status(), 200, "{}", lf.log());
    assert_eq!(
        first.headers()["x-cache"],
        "LambdaGeneratedResponse from cloudfront"
    );
    let first_body = first.text().await.unwrap();
    assert!(first_body.contains("/pass/page"), "{first_body}");
    assert_eq!(primary.requests().len(), 1);
    assert!(
        backup.requests().is_empty(),
        "the secondary's handler answered"
    );

    // Stored like the primary's would have been: the next viewer gets it from the cache.
    let second = lf.get("/pass/page").await;
    assert_eq!(second.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(second.text().await.unwrap(), first_body);
    assert_eq!(primary.requests().len(), 1, "no second trip to the primary");
    assert_eq!(runs(&lf, "mirror", "origin-request", 2.0).await, 2.0);
}

/// How often `function` ran on `event`, once at least `at_least` runs are recorded.
async fn runs(lf: &Localfront, function: &str, event: &str, at_least: f64) -> f64 {
    let count = |m: &prometheus_parse::Scrape| {
        support::metric(
            m,
            "localfront_function_invocations_total",
            &[("function", function), ("event", event)],
        )
    };
    count(&lf.metrics_when(|m| count(m) >= at_least).await)
}

#[tokio::test]
async fn an_origin_request_generated_response_is_cached_under_the_policys_ttls() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"Short\"\nlambda_associations = { origin_request = \"mirror\", origin_response = \"headers\" }",
        )
        .tail(&format!(
            "{}{}[[cache_policies]]\nname = \"Short\"\nmin_ttl = 0\ndefault_ttl = 60\nmax_ttl = 3600\n",
            declare("mirror", "event-mirror", ""),
            declare("headers", "security-headers", "")
        ))
        .start()
        .await;

    // Cache-Control from the handler: generated once, then served from the cache.
    let first = lf.get("/cache-control/max-age=60").await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()["x-cache"],
        "LambdaGeneratedResponse from cloudfront"
    );
    assert!(
        first.headers().get("x-frame-options").is_none(),
        "origin-response does not run for a generated response"
    );
    let first_runs = first.headers()["x-mirror-runs"].clone();
    let first_body = first.text().await.unwrap();
    let second = lf.get("/cache-control/max-age=60").await;
    assert_eq!(second.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(second.headers()["x-mirror-runs"], first_runs);
    assert!(second.headers().get("x-frame-options").is_none());
    assert_eq!(second.text().await.unwrap(), first_body);
    assert_eq!(runs(&lf, "mirror", "origin-request", 1.0).await, 1.0);

    // No Cache-Control: the policy's default TTL keeps it too.
    for expected in [
        "LambdaGeneratedResponse from cloudfront",
        "Hit from cloudfront",
    ] {
        assert_eq!(lf.get("/plain").await.headers()["x-cache"], expected);
    }
    assert_eq!(runs(&lf, "mirror", "origin-request", 2.0).await, 2.0);

    // `no-store` with a zero min TTL: not kept, the handler answers every time.
    for _ in 0..2 {
        let res = lf.get("/cache-control/no-store").await;
        assert_eq!(
            res.headers()["x-cache"],
            "LambdaGeneratedResponse from cloudfront"
        );
    }
    assert_eq!(runs(&lf, "mirror", "origin-request", 4.0).await, 4.0);

    // Once expired, the handler generates it again and the new one is kept.
    assert_eq!(
        lf.get("/cache-control/max-age=1").await.headers()["x-cache"],
        "LambdaGeneratedResponse from cloudfront"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    for expected in [
        "LambdaGeneratedResponse from cloudfront",
        "Hit from cloudfront",
    ] {
        let res = lf.get("/cache-control/max-age=1").await;
        assert_eq!(res.headers()["x-cache"], expected);
    }
    assert_eq!(runs(&lf, "mirror", "origin-request", 6.0).await, 6.0);
    assert!(
        origin.requests().is_empty(),
        "the origin is never contacted"
    );
}

#[tokio::test]
async fn a_viewer_response_body_keeps_the_connection_open() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "the origin's page").header("cache-control", "max-age=60")
    })
    .await;
    // A long chunked body, uncached: the handler's body replaces it as it streams.
    let chunked = serve(|_req| async {
        hyper::Response::new(boxed(GeneratedBody::new(100_000, 4096).chunked()))
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .raw_origin(
            "chunked",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", chunked.port()),
        )
        .behavior(
            "/chunked*",
            "chunked",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { viewer_response = \"mirror\" }",
        )
        .default_behavior(
            "app",
            "lambda_associations = { viewer_response = \"mirror\" }",
        )
        .tail(&declare("mirror", "event-mirror", ""))
        .start()
        .await;

    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    let get = "GET /page HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for expected in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = raw::exchange(&mut conn, get).await;
        assert_eq!(raw::status(&res), 200, "{res}");
        let lower = res.to_ascii_lowercase();
        assert!(
            lower.contains(&format!("x-cache: {}", expected.to_ascii_lowercase())),
            "{res}"
        );
        assert!(lower.contains("content-length: 18\r\n"), "{res}");
        assert!(!lower.contains("connection: close"), "{res}");
        assert!(res.ends_with("\r\n\r\nmirrored 200 /page"), "{res}");
    }
    // HEAD: the header says what a GET carries, and the connection stays open too.
    let res = raw::exchange(&mut conn, "HEAD /page HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    let res = raw::exchange(
        &mut conn,
        "GET /chunked HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    let lower = res.to_ascii_lowercase();
    assert!(lower.contains("content-length: 21\r\n"), "{res}");
    assert!(!lower.contains("transfer-encoding"), "{res}");
    assert!(res.ends_with("\r\n\r\nmirrored 200 /chunked"), "{res}");
    let res = raw::exchange(&mut conn, get).await;
    assert!(res.ends_with("\r\n\r\nmirrored 200 /page"), "{res}");
}

#[tokio::test]
async fn the_origin_request_event_shows_the_headers_cloudfront_sends_the_origin() {
    let origin = TestOrigin::start(|r| Reply::new(200, format!("origin saw {}", r.uri))).await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"Keyed\"\norigin_request_policy = \"Forwarded\"\nlambda_associations = { origin_request = \"mirror\" }",
        )
        .tail(&format!(
            "{}[[cache_policies]]\nname = \"Keyed\"\nheaders = {{ whitelist = [\"x-keyed\"] }}\ncookies = {{ whitelist = [\"session\"] }}\nquery_strings = {{ whitelist = [\"v\"] }}\n\
             [[origin_request_policies]]\nname = \"Forwarded\"\nheaders = {{ whitelist = [\"x-forwarded-only\"] }}\n",
            declare("mirror", "event-mirror", "")
        ))
        .start()
        .await;

    let res = lf
        .request("GET", "/show?v=1&utm=x")
        .header("x-keyed", "k")
        .header("x-forwarded-only", "f")
        .header("x-dropped", "d")
        .header("user-agent", "viewer-agent/1.0")
        .header("cookie", "session=s1; tracking=t1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let event: serde_json::Value = res.json().await.unwrap();
    let headers = &event["headers"];
    let value = |name: &str| {
        headers[name][0]["value"]
            .as_str()
            .unwrap_or("<absent>")
            .to_owned()
    };
    assert_eq!(value("x-keyed"), "k");
    assert_eq!(value("x-forwarded-only"), "f");
    assert_eq!(value("cookie"), "session=s1");
    assert_eq!(value("user-agent"), "Amazon CloudFront");
    assert_eq!(value("host"), "127.0.0.1");
    assert_eq!(value("x-forwarded-for"), "127.0.0.1");
    assert!(
        value("via").ends_with(".cloudfront.net (CloudFront)"),
        "{event}"
    );
    for absent in ["x-dropped", "x-amz-cf-id", "connection"] {
        assert!(headers.get(absent).is_none(), "{absent} in {event}");
    }
    // Only a policy forwarding every query parameter shows the query string.
    assert_eq!(event["querystring"], "");
    assert_eq!(event["uri"], "/show");

    // The handler's changes reach the origin over the policies; what it left alone is forwarded
    // as the policies say.
    let res = lf
        .request("GET", "/pass/x?v=2&utm=y")
        .header("x-keyed", "k")
        .header("x-dropped", "d")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "origin saw /pass/x?v=2");
    let seen = origin.last_request();
    assert_eq!(
        seen.header("x-mirror-names"),
        "host,user-agent,via,x-forwarded-for,x-keyed"
    );
    assert_eq!(seen.header("user-agent"), "event-mirror");
    assert!(seen.headers.get("x-dropped").is_none());
    assert_eq!(seen.header("host"), "127.0.0.1");

    // A `Host` the handler sets is the one the origin gets (AWS's examples set it with an origin).
    let res = lf.get("/pass/host/app.internal/y").await;
    assert_eq!(
        res.text().await.unwrap(),
        "origin saw /pass/host/app.internal/y"
    );
    assert_eq!(origin.last_request().header("host"), "app.internal");
}

/// A viewer on HTTP/2 with prior knowledge (h2c), on the plain listener.
fn h2c() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap()
}

/// An origin whose `/empty*` answers carry no body (`Content-Length: 0`), cacheable for a minute
/// with an ETag; `…/no-content` is a `204`.
async fn empty_origin() -> TestOrigin {
    TestOrigin::start(|r| match r.uri.ends_with("/no-content") {
        true => Reply::new(204, ""),
        false => Reply::new(200, "")
            .header("cache-control", "max-age=60")
            .header("etag", "\"v1\""),
    })
    .await
}

/// Asserts a raw keep-alive response: `status`, `x_cache`, and `body` framed by its
/// `Content-Length`, with the connection left open.
fn assert_kept_open(res: &str, status: u16, x_cache: &str, body: &str) {
    assert_eq!(raw::status(res), status, "{res}");
    let lower = res.to_ascii_lowercase();
    assert!(
        lower.contains(&format!("x-cache: {}\r\n", x_cache.to_ascii_lowercase())),
        "{res}"
    );
    assert!(
        lower.contains(&format!("content-length: {}\r\n", body.len())),
        "{res}"
    );
    assert!(!lower.contains("connection: close"), "{res}");
    assert!(res.ends_with(&format!("\r\n\r\n{body}")), "{res}");
}

#[tokio::test]
async fn an_origin_response_body_on_an_empty_answer_is_cached_and_keeps_the_connection_open() {
    let origin = empty_origin().await;
    let lf = Localfront::builder()
        .server("h2c = true")
        .origin("app", &origin)
        .origin_with("app2", &origin, "http_version = \"http2\"")
        .behavior(
            "/empty/h2-origin",
            "app2",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { origin_response = \"mirror\" }",
        )
        .default_behavior(
            "app",
            "lambda_associations = { origin_response = \"mirror\" }",
        )
        .tail(&declare("mirror", "event-mirror", ""))
        .start()
        .await;

    // The handler's body follows the header of the origin's empty answer: the cache stores it,
    // and the second request is a hit with that body — neither the origin nor the handler runs
    // again. One keep-alive connection carries every exchange.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    for x_cache in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = raw::exchange(&mut conn, &get("/empty")).await;
        assert_kept_open(&res, 200, x_cache, "mirrored 200 /empty");
    }
    assert_eq!(origin.requests().len(), 1);
    assert_eq!(runs(&lf, "mirror", "origin-response", 1.0).await, 1.0);
    // HEAD: the stored header says what a GET carries, without the body.
    let res = raw::exchange(&mut conn, "HEAD /empty HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(
        res.to_ascii_lowercase().contains("content-length: 19\r\n"),
        "{res}"
    );
    assert!(res.ends_with("\r\n\r\n"), "{res}");
    // An origin spoken to over HTTP/2 ends an empty answer with its header frame; uncached.
    for _ in 0..2 {
        let res = raw::exchange(&mut conn, &get("/empty/h2-origin")).await;
        assert_kept_open(
            &res,
            200,
            "Miss from cloudfront",
            "mirrored 200 /empty/h2-origin",
        );
    }
    let res = raw::exchange(&mut conn, &get("/empty")).await;
    assert_kept_open(&res, 200, "Hit from cloudfront", "mirrored 200 /empty");

    // An HTTP/2 viewer gets the same, a miss and a hit.
    let url = |path: &str| format!("http://{}{path}", lf.http);
    for x_cache in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = h2c().get(url("/empty/h2")).send().await.unwrap();
        assert_eq!(res.version(), http::Version::HTTP_2);
        assert_eq!(res.headers()["x-cache"], x_cache);
        assert_eq!(res.text().await.unwrap(), "mirrored 200 /empty/h2");
    }
    let res = h2c().get(url("/empty/h2-origin")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "mirrored 200 /empty/h2-origin");
}

#[tokio::test]
async fn a_viewer_response_body_on_an_empty_answer_keeps_the_connection_open() {
    let origin = empty_origin().await;
    let lf = Localfront::builder()
        .server("h2c = true")
        .origin("app", &origin)
        .behavior(
            "/pass/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { viewer_response = \"mirror\" }",
        )
        .default_behavior(
            "app",
            "lambda_associations = { viewer_response = \"mirror\" }",
        )
        .tail(&declare("mirror", "event-mirror", ""))
        .start()
        .await;

    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    // The cache keeps the origin's empty object; the handler's body goes out on the miss and on
    // every hit, and on each pass-through answer.
    for x_cache in [
        "Miss from cloudfront",
        "Hit from cloudfront",
        "Hit from cloudfront",
    ] {
        let res = raw::exchange(&mut conn, &get("/empty")).await;
        assert_kept_open(&res, 200, x_cache, "mirrored 200 /empty");
    }
    for _ in 0..2 {
        let res = raw::exchange(&mut conn, &get("/pass/empty")).await;
        assert_kept_open(
            &res,
            200,
            "Miss from cloudfront",
            "mirrored 200 /pass/empty",
        );
    }
    // A `304` keeps no body, and a `HEAD` response none either.
    let res = raw::exchange(
        &mut conn,
        "GET /empty HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \"v1\"\r\n\r\n",
    )
    .await;
    assert_eq!(raw::status(&res), 304, "{res}");
    assert!(res.ends_with("\r\n\r\n"), "{res}");
    assert!(
        !res.to_ascii_lowercase().contains("content-length"),
        "{res}"
    );
    let res = raw::exchange(
        &mut conn,
        "HEAD /pass/empty HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(res.ends_with("\r\n\r\n"), "{res}");
    // A body on a `204` is the handler's validation error, CloudFront's 502.
    let res = raw::exchange(&mut conn, &get("/pass/no-content")).await;
    assert_eq!(raw::status(&res), 502, "{res}");
    assert!(
        res.to_ascii_lowercase()
            .contains("x-cache: lambdavalidationerror from cloudfront\r\n"),
        "{res}"
    );
    let res = raw::exchange(&mut conn, &get("/empty")).await;
    assert_kept_open(&res, 200, "Hit from cloudfront", "mirrored 200 /empty");

    // An HTTP/2 viewer: a hit and a pass-through answer.
    let url = |path: &str| format!("http://{}{path}", lf.http);
    for path in ["/empty", "/pass/h2"] {
        let res = h2c().get(url(path)).send().await.unwrap();
        assert_eq!(res.version(), http::Version::HTTP_2);
        assert_eq!(res.text().await.unwrap(), format!("mirrored 200 {path}"));
    }
}

#[tokio::test]
async fn an_origin_response_failure_is_not_cached_and_keeps_the_connection_open() {
    let origin = TestOrigin::named("app").await;
    let empty = empty_origin().await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .origin("empty", &empty)
        .behavior("/fine/*", "app", "")
        .behavior(
            "/empty",
            "empty",
            "lambda_associations = { origin_response = \"trap\" }",
        )
        .default_behavior(
            "app",
            "lambda_associations = { origin_response = \"trap\" }",
        )
        .tail(&declare("trap", "trap", ""))
        .start()
        .await;

    // The handler traps on every origin answer — one with a body and one without
    // (`Content-Length: 0`): each viewer gets CloudFront's 503 on a connection that stays open,
    // and nothing is cached (CachingOptimized would keep the origin's 200 for a day).
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    for path in ["/x", "/x", "/empty", "/empty"] {
        let res = raw::exchange(
            &mut conn,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
        .await;
        assert_eq!(raw::status(&res), 503, "{res}");
        let lower = res.to_ascii_lowercase();
        assert!(
            lower.contains("x-cache: lambdaexecutionerror from cloudfront\r\n"),
            "{res}"
        );
        assert!(!lower.contains("connection: close"), "{res}");
        assert!(
            res.contains("The Lambda function associated with the CloudFront distribution"),
            "{res}"
        );
    }
    assert_eq!(origin.requests().len(), 2);
    assert_eq!(empty.requests().len(), 2);
    let res = raw::exchange(&mut conn, "GET /fine/y HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(res.ends_with("origin app: /fine/y"), "{res}");
}

/// A whole answer of `status` with `x_cache`, on a connection that stays open.
fn assert_answered_and_open(res: &str, status: u16, x_cache: &str) {
    assert_eq!(raw::status(res), status, "{res}");
    let lower = res.to_ascii_lowercase();
    assert!(
        lower.contains(&format!("x-cache: {}\r\n", x_cache.to_ascii_lowercase())),
        "{res}"
    );
    assert!(!lower.contains("connection: close"), "{res}");
    let (head, body) = lower.split_once("\r\n\r\n").unwrap();
    assert!(
        head.contains(&format!("content-length: {}\r\n", body.len())),
        "{res}"
    );
}

/// An origin group whose primary answers 503 and whose secondary (`backup`, with
/// `backup_headers` as its custom headers) runs `function` (the `fixture` guest) on
/// origin-request like the primary; `/fine/*` goes to the backup origin directly.
async fn failover_to_a_handler(
    primary: &TestOrigin,
    backup: &TestOrigin,
    backup_headers: &str,
    function: &str,
    fixture: &str,
) -> Localfront {
    Localfront::builder()
        .origin("primary", primary)
        .origin_with("backup", backup, &format!("custom_headers = {{ {backup_headers} }}"))
        .origin("fine", backup)
        .behavior("/fine/*", "fine", "")
        .default_behavior(
            "ha",
            &format!(
                "cache_policy = \"CachingDisabled\"\nlambda_associations = {{ origin_request = \"{function}\" }}"
            ),
        )
        .origin_group("ha", "primary", "backup", "503")
        .tail(&declare(function, fixture, "max_concurrency = 1"))
        .start()
        .await
}

#[tokio::test]
async fn a_response_the_secondarys_origin_request_generates_keeps_the_connection_open() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = failover_to_a_handler(
        &primary,
        &backup,
        "\"X-Mirror-Answer\" = \"yes\"",
        "mirror",
        "event-mirror",
    )
    .await;

    // The primary continues to its origin, which fails over; the secondary's run answers, and
    // the viewer's connection carries the next request, as after any response.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    for path in ["/pass/a", "/pass/b"] {
        let res = raw::exchange(
            &mut conn,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
        .await;
        assert_answered_and_open(&res, 200, "LambdaGeneratedResponse from cloudfront");
        assert!(res.contains(path), "{res}");
    }
    assert_eq!(primary.requests().len(), 2);
    assert!(backup.requests().is_empty());
    let res = raw::exchange(&mut conn, "GET /fine/c HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(res.ends_with("origin backup: /fine/c"), "{res}");
}

#[tokio::test]
async fn a_secondarys_origin_request_failure_keeps_the_connection_open() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = failover_to_a_handler(
        &primary,
        &backup,
        "\"X-Stamp-Fail\" = \"yes\"",
        "stamp",
        "request-stamp",
    )
    .await;

    // The primary's run continues, its origin fails over, and the secondary's run fails:
    // CloudFront's 503 is the whole answer and the connection stays open.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    for path in ["/a", "/b"] {
        let res = raw::exchange(
            &mut conn,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
        .await;
        assert_answered_and_open(&res, 503, "LambdaExecutionError from cloudfront");
        assert!(
            res.contains("The Lambda function associated with the CloudFront distribution"),
            "{res}"
        );
    }
    assert_eq!(primary.requests().len(), 2);
    assert_eq!(
        primary.last_request().header("x-stamp-origin-port"),
        primary.port().to_string()
    );
    assert!(backup.requests().is_empty());
    let res = raw::exchange(&mut conn, "GET /fine/c HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(res.ends_with("origin backup: /fine/c"), "{res}");
}
