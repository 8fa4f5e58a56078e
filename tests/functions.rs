//! CloudFront Functions in the request path (spec/cloudfront-functions.md): viewer-request and
//! viewer-response, generated responses, origin helpers, KeyValueStores, errors and budgets.

mod support;

use std::path::{Path, PathBuf};

use support::{raw, Localfront, Reply, TestOrigin};

/// A function file written next to the test's config.
fn function(dir: &Path, name: &str, code: &str) -> PathBuf {
    let path = dir.join(format!("{name}.js"));
    std::fs::write(&path, code).unwrap();
    path
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/functions")
        .join(name)
}

/// A distribution whose default behavior runs `code` (an inline function named `name`) on
/// `event`, in front of the `app` origin. The temp dir holds the code; keep it alive.
async fn inline_function(
    name: &str,
    event: &str,
    code: &str,
) -> (Localfront, TestOrigin, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = function(dir.path(), name, code);
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            &format!("function_associations = {{ {event} = \"{name}\" }}"),
        )
        .tail(&declare(name, &path))
        .start()
        .await;
    (lf, origin, dir)
}

fn declare(name: &str, code: &Path) -> String {
    format!(
        "[[functions]]\nname = \"{name}\"\ncode = \"{}\"\n",
        code.display()
    )
}

#[tokio::test]
async fn a_viewer_request_function_rewrites_the_uri_without_rematching() {
    let origin = TestOrigin::named("app").await;
    let other = TestOrigin::named("other").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .origin("other", &other)
        .behavior(
            "/docs/*",
            "app",
            "function_associations = { viewer_request = \"rewrite\" }",
        )
        .behavior("*/index.html", "other", "")
        .default_behavior("app", "")
        .tail(&declare("rewrite", &example("url-rewrite.js")))
        .start()
        .await;

    let res = lf.get("/docs/guide").await;
    assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
    // The rewritten URI does not re-run behavior matching: still the /docs/* behavior's origin.
    assert_eq!(
        res.text().await.unwrap(),
        "origin app: /docs/guide/index.html"
    );
}

#[tokio::test]
async fn a_query_string_handed_back_untouched_reaches_the_origin_byte_for_byte() {
    // JavaScript lists an array-index name first: the function sees `?a=1&1=x` as `{1, a}`, and
    // returning it as it was must not reorder (or re-encode) what the origin gets (§4).
    let dir = tempfile::tempdir().unwrap();
    let same = function(
        dir.path(),
        "same",
        "function handler(event) { return event.request; }",
    );
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"same\" }\n\
             cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"",
        )
        .tail(&declare("same", &same))
        .start()
        .await;
    let res = lf.get("/q?a=1&1=x&b=%41").await;
    assert_eq!(res.text().await.unwrap(), "origin app: /q?a=1&1=x&b=%41");
}

#[tokio::test]
async fn a_generated_response_skips_cache_and_origin() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"redirect\" }",
        )
        .tail(&declare("redirect", &example("redirect.js")))
        .start()
        .await;

    let res = lf
        .request("GET", "/a/b?x=1")
        .header("host", "example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 301);
    assert_eq!(res.headers()["location"], "https://www.example.org/a/b?x=1");
    assert_eq!(
        res.headers()["x-cache"],
        "FunctionGeneratedResponse from cloudfront"
    );
    assert!(res.headers().contains_key("x-amz-cf-id"));
    assert!(origin.requests().is_empty());
    // Other hosts continue to the origin.
    assert_eq!(lf.get("/a").await.text().await.unwrap(), "origin app: /a");
}

#[tokio::test]
async fn a_viewer_response_function_runs_on_hits_and_misses_but_not_on_errors() {
    let origin = TestOrigin::start(|r| match r.uri.as_str() {
        "/missing" => Reply::new(404, "nope").header("x-powered-by", "php"),
        _ => Reply::new(200, "page")
            .header("x-powered-by", "php")
            .header("cache-control", "max-age=60"),
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_response = \"headers\" }",
        )
        .tail(&declare("headers", &example("security-headers.js")))
        .start()
        .await;

    for expected in ["Miss from cloudfront", "Hit from cloudfront"] {
        let res = lf.get("/page").await;
        assert_eq!(res.headers()["x-cache"], expected);
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers().get("x-powered-by").is_none());
        assert_eq!(res.text().await.unwrap(), "page");
    }
    let res = lf.get("/missing").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.headers().get("x-frame-options").is_none(),
        "viewer-response skipped for ≥ 400"
    );
}

#[tokio::test]
async fn a_viewer_response_function_can_replace_status_and_body() {
    let (lf, _origin, _dir) = inline_function(
        "maintenance",
        "viewer_response",
        "function handler(event) {\n  var r = event.response;\n  r.statusCode = 503;\n  r.headers['content-type'] = { value: 'text/plain' };\n  r.body = { data: 'down for maintenance', encoding: 'text' };\n  return r;\n}\n",
    )
    .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
    assert_eq!(res.text().await.unwrap(), "down for maintenance");
}

#[tokio::test]
async fn a_viewer_response_function_body_on_an_empty_answer_keeps_the_connection_open() {
    // The origin's answers carry no body (`Content-Length: 0`); the function gives them one.
    let origin =
        TestOrigin::start(|_| Reply::new(200, "").header("cache-control", "max-age=60")).await;
    let dir = tempfile::tempdir().unwrap();
    let code = "function handler(event) {\n  var r = event.response;\n  r.body = { data: 'filled in', encoding: 'text' };\n  return r;\n}\n";
    let path = function(dir.path(), "fill", code);
    let lf = Localfront::builder()
        .server("h2c = true")
        .origin("app", &origin)
        .behavior(
            "/pass/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_response = \"fill\" }",
        )
        .default_behavior(
            "app",
            "function_associations = { viewer_response = \"fill\" }",
        )
        .tail(&declare("fill", &path))
        .start()
        .await;

    // A miss, hits of the stored empty object and pass-through answers, on one connection.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    let cases = [
        ("/page", "Miss from cloudfront"),
        ("/page", "Hit from cloudfront"),
        ("/pass/page", "Miss from cloudfront"),
        ("/page", "Hit from cloudfront"),
        ("/pass/page", "Miss from cloudfront"),
    ];
    for (path, x_cache) in cases {
        let res = raw::exchange(
            &mut conn,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        )
        .await;
        assert_eq!(raw::status(&res), 200, "{res}");
        let lower = res.to_ascii_lowercase();
        assert!(
            lower.contains(&format!("x-cache: {}\r\n", x_cache.to_ascii_lowercase())),
            "{res}"
        );
        assert!(lower.contains("content-length: 9\r\n"), "{res}");
        assert!(!lower.contains("connection: close"), "{res}");
        assert!(res.ends_with("\r\n\r\nfilled in"), "{res}");
    }
    assert_eq!(origin.requests().len(), 3);

    // An HTTP/2 viewer too.
    let h2c = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for path in ["/page", "/pass/h2"] {
        let res = h2c
            .get(format!("http://{}{path}", lf.http))
            .send()
            .await
            .unwrap();
        assert_eq!(res.version(), http::Version::HTTP_2);
        assert_eq!(res.text().await.unwrap(), "filled in");
    }
}

#[tokio::test]
async fn an_exception_is_a_503_function_execution_error() {
    let (lf, origin, _dir) = inline_function(
        "boom",
        "viewer_request",
        "function handler(event) { throw new Error('boom'); }\n",
    )
    .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["x-cache"],
        "FunctionExecutionError from cloudfront"
    );
    let body = res.text().await.unwrap();
    assert!(body.contains("The CloudFront function associated with the CloudFront distribution is invalid or could not run."), "{body}");
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn invalid_output_is_a_502() {
    let (lf, _origin, _dir) = inline_function(
        "bad",
        "viewer_request",
        "function handler(event) { event.request.headers['x-cache'] = { value: 'forged' }; return event.request; }\n",
    )
    .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 502);
    assert_eq!(
        res.headers()["x-cache"],
        "FunctionValidationError from cloudfront"
    );
}

#[tokio::test]
async fn a_runaway_function_is_stopped_and_other_requests_keep_flowing() {
    let dir = tempfile::tempdir().unwrap();
    let looping = function(
        dir.path(),
        "spin",
        "function handler(event) { while (true) {} }\n",
    );
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .behavior(
            "/spin/*",
            "app",
            "function_associations = { viewer_request = \"spin\" }",
        )
        .default_behavior("app", "")
        .tail(&declare("spin", &looping))
        .start()
        .await;

    let started = std::time::Instant::now();
    let res = lf.get("/spin/x").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["x-cache"],
        "FunctionExecutionError from cloudfront"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(lf.get("/ok").await.text().await.unwrap(), "origin app: /ok");
    assert_eq!(
        lf.get("/spin/y").await.status(),
        503,
        "the function stays hostile, the proxy healthy"
    );
}

#[tokio::test]
async fn origin_helpers_change_where_the_request_goes() {
    let app = TestOrigin::named("app").await;
    let api = TestOrigin::status(503).await;
    let backup = TestOrigin::named("api-backup").await;
    let lf = Localfront::builder()
        .origin("app", &app)
        .origin("api", &api)
        .origin("api-backup", &backup)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"select\" }",
        )
        .tail(&declare("select", &example("origin-select.js")))
        .start()
        .await;

    // /api/: selectRequestOriginById('api') then a group api → api-backup failing over on 503.
    assert_eq!(
        lf.get("/api/users").await.text().await.unwrap(),
        "origin api-backup: /api/users"
    );
    assert_eq!(api.requests().len(), 1);
    assert_eq!(
        lf.get("/home").await.text().await.unwrap(),
        "origin app: /home"
    );
}

#[tokio::test]
async fn update_request_origin_points_at_another_host_and_port() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = TestOrigin::named("elsewhere").await;
    let code = function(
        dir.path(),
        "move",
        &format!(
            "import cf from 'cloudfront';\nfunction handler(event) {{\n  cf.updateRequestOrigin({{ domainName: '127.0.0.1', originPath: '/moved', customHeaders: {{ 'x-moved': 'yes' }}, customOriginConfig: {{ port: {}, protocol: 'http' }} }});\n  return event.request;\n}}\n",
            elsewhere.port()
        ),
    );
    let app = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &app)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"move\" }",
        )
        .tail(&declare("move", &code))
        .start()
        .await;

    assert_eq!(
        lf.get("/x").await.text().await.unwrap(),
        "origin elsewhere: /moved/x"
    );
    assert_eq!(elsewhere.last_request().header("x-moved"), "yes");
    assert!(app.requests().is_empty());
}

#[tokio::test]
async fn a_key_value_store_backs_cf_kvs() {
    let dir = tempfile::tempdir().unwrap();
    let kvs = dir.path().join("redirects.json");
    std::fs::write(
        &kvs,
        r#"{"data":[{"key":"config","value":"{\"enabled\":true}"},{"key":"/old","value":"/new"}]}"#,
    )
    .unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "function_associations = { viewer_request = \"redirects\" }")
        .tail(&format!(
            "{}key_value_store = \"redirects\"\n[[key_value_stores]]\nname = \"redirects\"\nfile = \"{}\"\n",
            declare("redirects", &example("kvs-redirects.js")),
            kvs.display()
        ))
        .start()
        .await;

    let res = lf.get("/old").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/new");
    assert_eq!(
        lf.get("/other").await.text().await.unwrap(),
        "origin app: /other"
    );
}

#[tokio::test]
async fn validate_reports_function_code_errors_with_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let code = function(
        dir.path(),
        "exported",
        "export function handler(event) { return event.request; }\n",
    );
    let config = dir.path().join("localfront.toml");
    std::fs::write(
        &config,
        format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"o\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"o\"\nfunction_associations = {{ viewer_request = \"exported\" }}\n{}",
            declare("exported", &code)
        ),
    )
    .unwrap();
    let out = std::process::Command::new(support::localfront::binary())
        .arg("validate")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:1:1", code.display())),
        "{stderr}"
    );
    assert!(stderr.contains("Illegal export statement"), "{stderr}");
}

#[tokio::test]
async fn test_function_prints_what_aws_prints() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"198.51.100.7"},
            "request":{"method":"GET","uri":"/docs/guide","querystring":{},"headers":{},"cookies":{}}}"#,
    )
    .unwrap();
    let out = tokio::process::Command::new(support::localfront::binary())
        .args(["test-function", "--function"])
        .arg(example("url-rewrite.js"))
        .arg("--event")
        .arg(&event)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let test = &result["TestResult"];
    assert_eq!(test["FunctionErrorMessage"], "");
    assert!(test["ComputeUtilization"].is_string());
    let output: serde_json::Value =
        serde_json::from_str(test["FunctionOutput"].as_str().unwrap()).unwrap();
    assert_eq!(output["request"]["uri"], "/docs/guide/index.html");
    assert_eq!(output["request"]["cookies"], serde_json::json!({}));
}

#[tokio::test]
async fn key_value_stores_change_live_through_the_admin_api_and_the_kvs_command() {
    let dir = tempfile::tempdir().unwrap();
    let kvs = dir.path().join("redirects.json");
    std::fs::write(
        &kvs,
        r#"{"data":[{"key":"config","value":"{\"enabled\":true}"}]}"#,
    )
    .unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "function_associations = { viewer_request = \"redirects\" }")
        .tail(&format!(
            "{}key_value_store = \"redirects\"\n[[key_value_stores]]\nname = \"redirects\"\nfile = \"{}\"\n",
            declare("redirects", &example("kvs-redirects.js")),
            kvs.display()
        ))
        .start()
        .await;
    assert_eq!(lf.get("/old").await.status(), 200);

    let kvs_command = |args: &[&str]| {
        let mut cmd = std::process::Command::new(support::localfront::binary());
        cmd.args([
            "kvs",
            "--store",
            "redirects",
            "--admin",
            &lf.admin.to_string(),
        ])
        .args(args);
        cmd.output().unwrap()
    };
    let put = kvs_command(&["put", "/old", "/new"]);
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let res = lf.get("/old").await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/new");

    let listed: serde_json::Value = serde_json::from_slice(&kvs_command(&["list"]).stdout).unwrap();
    assert_eq!(listed["keyCount"], 2);
    let got: serde_json::Value = lf.admin_json("/kvs/redirects/keys/%2Fold").await;
    assert_eq!(got["value"], "/new");

    assert!(kvs_command(&["delete", "/old"]).status.success());
    assert_eq!(lf.get("/old").await.status(), 200);
    let status = lf
        .admin_request("DELETE", "/kvs/redirects/keys/%2Fold")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_run_never_sees_what_an_earlier_run_wrote_onto_globals_or_builtins() {
    // One function thread: every request runs on the same thread, where the function's context
    // is kept between runs.
    let dir = tempfile::tempdir().unwrap();
    let code = "function handler(event) {\n\
        var seen = [typeof globalThis.counter, String([].x), 'a'.toUpperCase(),\n\
          typeof JSON.stringify, typeof Math.max].join(' ');\n\
        globalThis.counter = 1; Array.prototype.x = 1; delete JSON.stringify; delete Math.max;\n\
        String.prototype.toUpperCase = function () { return 'hijacked' };\n\
        return { statusCode: 200, statusDescription: 'OK', headers: { 'x-seen': { value: seen } } };\n\
      }";
    let path = function(dir.path(), "polluter", code);
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server("function_threads = 1")
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"polluter\" }",
        )
        .tail(&declare("polluter", &path))
        .start()
        .await;
    for _ in 0..3 {
        let res = lf.get("/").await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["x-seen"],
            "undefined undefined A function function"
        );
    }
    assert!(origin.requests().is_empty());
}
