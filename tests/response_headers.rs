//! Response headers policies (spec/distribution.md §8, spec/managed-policies.md §4): AWS's five
//! managed policies with their exact values and override flags, a custom policy (CORS, security,
//! custom and removed headers, Server-Timing), and where the policy runs in the lifecycle.

mod support;

use support::{Localfront, Reply, TestOrigin};

const SECURITY: &[(&str, &str)] = &[
    ("strict-transport-security", "max-age=31536000"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-xss-protection", "1; mode=block"),
];
/// Expected headers as `(name, value)`.
type Headers<'a> = Vec<(&'a str, &'a str)>;

const ALL_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";

/// One behavior per managed policy (`/<policy>/…`), OPTIONS allowed, in front of `origin`.
async fn managed(origin: &TestOrigin) -> Localfront {
    let mut b = Localfront::builder().origin("app", origin);
    for name in [
        "SimpleCORS",
        "CORS-With-Preflight",
        "SecurityHeadersPolicy",
        "CORS-and-SecurityHeadersPolicy",
        "CORS-with-preflight-and-SecurityHeadersPolicy",
    ] {
        b = b.behavior(
            &format!("/{name}/*"),
            "app",
            &format!(
                "allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\"]\nresponse_headers_policy = \"{name}\""
            ),
        );
    }
    b.default_behavior("app", "").start().await
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

/// The CORS and security headers of a response, for comparing whole sets.
fn policy_headers(res: &reqwest::Response) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(n, _)| {
            n.as_str().starts_with("access-control-")
                || SECURITY.iter().any(|(s, _)| *s == n.as_str())
        })
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn expected(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn managed_policies_add_their_exact_headers_to_simple_and_preflight_requests() {
    let origin = TestOrigin::named("app").await;
    let lf = managed(&origin).await;
    let acao = ("access-control-allow-origin", "*");
    let preflight_cors = [
        acao,
        ("access-control-allow-methods", ALL_METHODS),
        ("access-control-expose-headers", "*"),
    ];
    // (policy, without Origin, simple CORS request, preflight)
    let cases: Vec<(&str, Headers, Headers, Headers)> = vec![
        ("SimpleCORS", vec![], vec![acao], vec![acao]),
        (
            "CORS-With-Preflight",
            vec![],
            vec![acao],
            preflight_cors.to_vec(),
        ),
        (
            "SecurityHeadersPolicy",
            SECURITY.to_vec(),
            SECURITY.to_vec(),
            SECURITY.to_vec(),
        ),
        (
            "CORS-and-SecurityHeadersPolicy",
            SECURITY.to_vec(),
            [SECURITY, &[acao]].concat(),
            [SECURITY, &[acao]].concat(),
        ),
        (
            "CORS-with-preflight-and-SecurityHeadersPolicy",
            SECURITY.to_vec(),
            [SECURITY, &[acao]].concat(),
            [SECURITY, &preflight_cors].concat(),
        ),
    ];
    for (policy, plain, simple, preflight) in cases {
        let path = format!("/{policy}/a");
        let res = lf.get(&path).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            policy_headers(&res),
            expected(&plain),
            "{policy} without Origin"
        );

        let res = lf
            .request("GET", &path)
            .header("origin", "https://site.test")
            .send()
            .await
            .unwrap();
        assert_eq!(
            policy_headers(&res),
            expected(&simple),
            "{policy} simple CORS"
        );

        let res = lf
            .request("OPTIONS", &path)
            .header("origin", "https://site.test")
            .header("access-control-request-method", "PUT")
            .send()
            .await
            .unwrap();
        assert_eq!(
            policy_headers(&res),
            expected(&preflight),
            "{policy} preflight"
        );
    }
}

#[tokio::test]
async fn managed_policies_keep_the_origins_headers_except_x_content_type_options() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "ok")
            .header("access-control-allow-origin", "https://only.test")
            .header("strict-transport-security", "max-age=60")
            .header("x-content-type-options", "origin-value")
            .header("x-frame-options", "DENY")
            .header("referrer-policy", "no-referrer")
            .header("x-xss-protection", "0")
    })
    .await;
    let lf = managed(&origin).await;
    let res = lf
        .request("GET", "/CORS-and-SecurityHeadersPolicy/a")
        .header("origin", "https://site.test")
        .send()
        .await
        .unwrap();
    // Override = No: the origin's header and value reach the viewer.
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://only.test")
    );
    assert_eq!(
        header(&res, "strict-transport-security"),
        Some("max-age=60")
    );
    assert_eq!(header(&res, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&res, "referrer-policy"), Some("no-referrer"));
    assert_eq!(header(&res, "x-xss-protection"), Some("0"));
    // Override = Yes: nosniff on every response.
    assert_eq!(header(&res, "x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn a_managed_policy_can_be_named_by_its_id() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "response_headers_policy = \"67f7725c-6f97-4210-82d7-5512b31e9d03\"",
        )
        .start()
        .await;
    let res = lf.get("/").await;
    assert_eq!(policy_headers(&res), expected(SECURITY));
}

const CUSTOM: &str = r#"
[[response_headers_policies]]
name = "custom"
remove_headers = ["Server", "X-Powered-By"]
server_timing = { enabled = true, sampling_rate = 100 }

[response_headers_policies.cors]
access_control_allow_origins = ["https://app.test", "https://*.example.test"]
access_control_allow_headers = ["Authorization", "X-Token"]
access_control_allow_methods = ["GET", "POST"]
access_control_allow_credentials = true
access_control_expose_headers = ["X-Request-Id"]
access_control_max_age_sec = 600
origin_override = true

[response_headers_policies.security_headers]
strict_transport_security = { access_control_max_age_sec = 63072000, include_subdomains = true, preload = true, override = true }
content_security_policy = { value = "default-src 'self'", override = false }
frame_options = { value = "DENY", override = true }
xss_protection = { protection = true, report_uri = "https://report.test/xss", override = false }

[[response_headers_policies.custom_headers]]
header = "X-Env"
value = "local"
override = true

[[response_headers_policies.custom_headers]]
header = "X-Team"
value = "edge"
override = false
"#;

async fn custom_policy() -> (Localfront, TestOrigin) {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "ok")
            .header("server", "origin-server/1.0")
            .header("x-powered-by", "php")
            .header("x-team", "origin-team")
            .header("x-env", "origin-env")
            .header("content-security-policy", "default-src *")
            .header("x-frame-options", "SAMEORIGIN")
            .header("access-control-allow-origin", "https://evil.test")
            .header("server-timing", "app;dur=3")
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\"]\nresponse_headers_policy = \"custom\"",
        )
        .tail(CUSTOM)
        .start()
        .await;
    (lf, origin)
}

#[tokio::test]
async fn a_custom_policy_sets_security_and_custom_headers_with_their_override_flags() {
    let (lf, _origin) = custom_policy().await;
    let res = lf.get("/page").await;
    assert_eq!(
        header(&res, "strict-transport-security"),
        Some("max-age=63072000; includeSubDomains; preload")
    );
    // override = false: the origin's CSP stays; override = true: the policy's frame options win.
    assert_eq!(
        header(&res, "content-security-policy"),
        Some("default-src *")
    );
    assert_eq!(header(&res, "x-frame-options"), Some("DENY"));
    assert_eq!(
        header(&res, "x-xss-protection"),
        Some("1; report=https://report.test/xss")
    );
    assert_eq!(header(&res, "x-env"), Some("local"));
    assert_eq!(header(&res, "x-team"), Some("origin-team"));
    assert_eq!(header(&res, "server"), None);
    assert_eq!(header(&res, "x-powered-by"), None);
    // Server-Timing at 100 %: appended to the origin's metrics.
    let timing = header(&res, "server-timing").unwrap();
    assert!(
        timing.starts_with(
            "app;dur=3,cdn-upstream-layer;desc=\"EDGE\",cdn-cache-miss,cdn-pop;desc=\""
        ),
        "{timing}"
    );
    let id = header(&res, "x-amz-cf-id").unwrap();
    assert!(
        timing.contains(&format!("cdn-rid;desc=\"{id}\"")),
        "{timing}"
    );
    // Not a CORS request: no CORS headers from the policy; the origin's is left alone.
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://evil.test")
    );

    let hit = lf.get("/page").await;
    assert_eq!(header(&hit, "x-cache"), Some("Hit from cloudfront"));
    let timing = header(&hit, "server-timing").unwrap();
    assert!(
        timing.contains("cdn-cache-hit,cdn-hit-layer;desc=\"EDGE\""),
        "{timing}"
    );
}

#[tokio::test]
async fn a_custom_cors_policy_answers_listed_origins_and_overrides_the_origin() {
    let (lf, _origin) = custom_policy().await;
    let cors = |method: &str, origin: &str| {
        lf.request(method, "/api")
            .header("origin", origin.to_owned())
    };

    let res = cors("GET", "https://app.test").send().await.unwrap();
    assert_eq!(
        policy_headers(&res)
            .into_iter()
            .filter(|(n, _)| n.starts_with("access-control-"))
            .collect::<Vec<_>>(),
        expected(&[
            ("access-control-allow-origin", "https://app.test"),
            ("access-control-allow-credentials", "true"),
        ])
    );

    let res = cors("OPTIONS", "https://api.example.test")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        policy_headers(&res)
            .into_iter()
            .filter(|(n, _)| n.starts_with("access-control-"))
            .collect::<Vec<_>>(),
        expected(&[
            ("access-control-allow-origin", "https://api.example.test"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET, POST"),
            ("access-control-allow-headers", "Authorization, X-Token"),
            ("access-control-expose-headers", "X-Request-Id"),
            ("access-control-max-age", "600"),
        ])
    );

    // An origin not listed gets no policy CORS headers: the origin's own header stays.
    let res = cors("GET", "https://other.test").send().await.unwrap();
    assert_eq!(
        header(&res, "access-control-allow-origin"),
        Some("https://evil.test")
    );
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
}

#[tokio::test]
async fn the_policy_runs_before_the_viewer_response_function() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("seen.js");
    std::fs::write(
        &code,
        r#"function handler(event) {
    var r = event.response;
    var h = r.headers['x-frame-options'];
    r.headers['x-seen-frame-options'] = { value: h ? h.value : 'none' };
    r.headers['x-frame-options'] = { value: 'DENY' };
    return r;
}"#,
    )
    .unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "response_headers_policy = \"SecurityHeadersPolicy\"\nfunction_associations = { viewer_response = \"seen\" }",
        )
        .tail(&format!(
            "[[functions]]\nname = \"seen\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;
    let res = lf.get("/").await;
    assert_eq!(header(&res, "x-seen-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(header(&res, "x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn security_headers_are_added_to_origin_errors_and_custom_error_pages() {
    let origin = TestOrigin::start(|r| match r.uri.as_str() {
        "/errors/404.html" => Reply::new(200, "custom page"),
        _ => Reply::new(404, "missing"),
    })
    .await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "response_headers_policy = \"SecurityHeadersPolicy\"")
        .tail("[[distributions.custom_error_responses]]\nerror_code = 404\nresponse_page_path = \"/errors/404.html\"\nresponse_code = 404\n")
        .start()
        .await;
    let res = lf.get("/nope").await;
    assert_eq!(res.status(), 404);
    assert_eq!(policy_headers(&res), expected(SECURITY));
    assert_eq!(res.text().await.unwrap(), "custom page");

    let unreachable = Localfront::builder()
        .raw_origin("down", &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}\nconnection_attempts = 1\nconnection_timeout = 1", support::closed_port()))
        .default_behavior("down", "response_headers_policy = \"SecurityHeadersPolicy\"")
        .start()
        .await;
    let res = unreachable.get("/").await;
    assert_eq!(res.status(), 502);
    assert_eq!(policy_headers(&res), expected(SECURITY));
}

#[tokio::test]
async fn an_unknown_policy_or_a_protected_header_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("localfront.toml");
    std::fs::write(
        &config,
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
response_headers_policy = "SimpleCors"

[[response_headers_policies]]
name = "p"
remove_headers = ["Via"]
[response_headers_policies.cors]
access_control_allow_origins = ["*"]
access_control_allow_credentials = true
origin_override = false
"#,
    )
    .unwrap();
    let out = std::process::Command::new(support::localfront::binary())
        .args(["validate", "localfront.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "localfront.toml:8:27: distributions[0].default_cache_behavior.response_headers_policy: unknown response headers policy `SimpleCors` (did you mean `SimpleCORS`?)",
            "localfront.toml:12:19: response_headers_policies[0].remove_headers[0]: CloudFront does not let a policy remove `Via`",
            "localfront.toml:14:32: response_headers_policies[0].cors.access_control_allow_origins: `*` cannot be used with `access_control_allow_credentials = true` (browsers refuse it)",
        ]
    );
}
