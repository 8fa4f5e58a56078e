//! API Gateway throttling, API keys and usage plans (spec/api-gateway.md §6–7): stage and
//! route token buckets, `x-api-key` on routes with `api_key_required`, usage plan throttles and
//! quotas kept across reloads, and `localfront api-keys create|list`.
//!
//! Buckets refill slowly (one token in 1,000 s) where a test counts its burst, so a slow
//! machine cannot refill one between two requests.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{Localfront, Reply, TestOrigin};

/// Every method allowed, nothing cached, every viewer header forwarded.
const PASS_THROUGH: &str = "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nallowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]";

const PARTNER_KEY: &str = "partnerkey0123456789abcdef";
const OTHER_KEY: &str = "otherkey0123456789abcdefgh";
const RETIRED_KEY: &str = "retiredkey0123456789abcdef";

/// A distribution whose default behavior targets API `pets`, declared in `tail`.
async fn api(tail: &str) -> Localfront {
    Localfront::builder()
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(tail)
        .start()
        .await
}

async fn backend() -> TestOrigin {
    TestOrigin::start(|r| Reply::new(200, r.uri.clone())).await
}

/// Status and body of `GET path` with `x-api-key: key` (none when `key` is empty).
async fn call(lf: &Localfront, path: &str, key: &str) -> (u16, String) {
    let mut req = lf.request("GET", path);
    if !key.is_empty() {
        req = req.header("x-api-key", key);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// API `pets` with stage `prod` (default throttle `stage_throttle`), routes `GET /pets` and
/// `GET /one` (`one_extra` added to it), and `extra` after.
fn pets(backend: &TestOrigin, stage_throttle: &str, one_extra: &str, extra: &str) -> String {
    let base = format!("http://127.0.0.1:{}", backend.port());
    format!(
        r#"[[apis]]
name = "pets"
[[apis.stages]]
name = "prod"
{stage_throttle}
[apis.routes."GET /pets"]
uri = "{base}/pets"
[apis.routes."GET /one"]
uri = "{base}/one"
{one_extra}
{extra}
"#
    )
}

/// `[[api_keys]]` partner, other and (disabled) retired; plan `basic` on `pets`/`prod` with
/// `plan_extra`, holding partner and retired; plan `elsewhere` holding other, on no stage of
/// `pets`.
fn keys_and_plans(plan_extra: &str) -> String {
    format!(
        r#"[[api_keys]]
name = "partner"
value = "{PARTNER_KEY}"
[[api_keys]]
name = "other"
value = "{OTHER_KEY}"
[[api_keys]]
name = "retired"
value = "{RETIRED_KEY}"
enabled = false
[[usage_plans]]
name = "basic"
apis = [{{ api = "pets", stage = "prod" }}]
api_keys = ["partner", "retired"]
{plan_extra}
[[usage_plans]]
name = "elsewhere"
api_keys = ["other"]
"#
    )
}

#[tokio::test]
async fn stage_throttling_admits_the_burst_then_answers_429_too_many_requests() {
    let b = backend().await;
    let lf = api(&pets(
        &b,
        "throttling = { rate_limit = 0.001, burst_limit = 3 }",
        "",
        "",
    ))
    .await;

    for i in 0..3 {
        assert_eq!(call(&lf, "/prod/pets", "").await.0, 200, "request {i}");
    }
    let res = lf.get("/prod/pets").await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert!(res.headers().contains_key("apigw-requestid"));
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Too Many Requests"}"#
    );
    assert_eq!(
        b.requests().len(),
        3,
        "a throttled request never reaches the backend"
    );

    // Throttled requests are counted by route and status.
    let m = lf
        .metrics_when(|m| {
            support::metric(m, "localfront_apigw_requests_total", &[("status", "429")]) >= 1.0
        })
        .await;
    let by_status = |status: &str| {
        support::metric(
            &m,
            "localfront_apigw_requests_total",
            &[("api", "pets"), ("route", "GET /pets"), ("status", status)],
        )
    };
    assert_eq!((by_status("200"), by_status("429")), (3.0, 1.0));
}

#[tokio::test]
async fn a_route_throttle_overrides_the_stage_default_and_each_route_has_its_own_bucket() {
    let b = backend().await;
    let lf = api(&pets(
        &b,
        "throttling = { rate_limit = 0.001, burst_limit = 2 }",
        "throttling = { rate_limit = 0.001, burst_limit = 1 }",
        "",
    ))
    .await;

    assert_eq!(call(&lf, "/prod/one", "").await.0, 200);
    assert_eq!(
        call(&lf, "/prod/one", "").await,
        (429, r#"{"message":"Too Many Requests"}"#.into())
    );
    // `GET /pets` has the stage default, its own two tokens.
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 200);
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 200);
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 429);
}

#[tokio::test]
async fn an_empty_bucket_refills_at_its_rate() {
    let b = backend().await;
    // One token every 2 s.
    let lf = api(&pets(
        &b,
        "throttling = { rate_limit = 0.5, burst_limit = 1 }",
        "",
        "",
    ))
    .await;

    assert_eq!(call(&lf, "/prod/pets", "").await.0, 200);
    let refused_at = Instant::now();
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 429);
    // Refused requests take no token: polling finds the refilled one.
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        match call(&lf, "/prod/pets", "").await.0 {
            200 => break,
            429 => assert!(
                refused_at.elapsed() < Duration::from_secs(30),
                "the bucket never refilled"
            ),
            other => panic!("unexpected status {other}"),
        }
    }
}

#[tokio::test]
async fn a_burst_of_zero_admits_nothing() {
    let b = backend().await;
    let lf = api(&pets(
        &b,
        "",
        "throttling = { rate_limit = 100.0, burst_limit = 0 }",
        "",
    ))
    .await;
    assert_eq!(call(&lf, "/prod/one", "").await.0, 429);
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 200);
}

#[tokio::test]
async fn api_key_required_refuses_a_missing_unknown_disabled_or_unplanned_key_with_403() {
    let b = backend().await;
    let lf = api(&pets(
        &b,
        "",
        "api_key_required = true",
        &keys_and_plans(""),
    ))
    .await;

    for (key, why) in [
        ("", "missing"),
        ("nosuchkey0123456789abcdef", "unknown"),
        (RETIRED_KEY, "disabled"),
        (OTHER_KEY, "in no plan for this stage"),
    ] {
        let res = lf
            .request("GET", "/prod/one")
            .header("x-api-key", key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{why}");
        assert_eq!(res.headers()["content-type"], "application/json");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Forbidden"}"#,
            "{why}"
        );
    }
    assert_eq!(call(&lf, "/prod/one", "").await.0, 403);
    assert_eq!(
        call(&lf, "/prod/one", PARTNER_KEY).await,
        (200, "/one".into())
    );
    // Routes without the flag need no key.
    assert_eq!(call(&lf, "/prod/pets", "").await.0, 200);
    assert_eq!(b.requests().len(), 2);
}

#[tokio::test]
async fn a_usage_plan_throttle_answers_429_too_many_requests_per_key() {
    let b = backend().await;
    let two_keys = keys_and_plans("throttle = { rate_limit = 0.001, burst_limit = 2 }")
        .replace(r#"["partner", "retired"]"#, r#"["partner", "second"]"#)
        + "[[api_keys]]\nname = \"second\"\nvalue = \"secondkey0123456789abcdef\"\n";
    let lf = api(&pets(&b, "", "api_key_required = true", &two_keys)).await;

    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await.0, 200);
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await.0, 200);
    assert_eq!(
        call(&lf, "/prod/one", PARTNER_KEY).await,
        (429, r#"{"message":"Too Many Requests"}"#.into())
    );
    // The plan's throttle is per key.
    assert_eq!(
        call(&lf, "/prod/one", "secondkey0123456789abcdef").await.0,
        200
    );
    // A route without `api_key_required` bypasses the plan.
    assert_eq!(call(&lf, "/prod/pets", PARTNER_KEY).await.0, 200);
}

#[tokio::test]
async fn a_spent_quota_answers_429_limit_exceeded_and_survives_reloads() {
    let b = backend().await;
    let config = |limit: u32| {
        pets(
            &b,
            "",
            "api_key_required = true",
            &keys_and_plans(&format!(
                "quota = {{ limit = {limit}, period = \"MONTH\" }}"
            )),
        )
    };
    let lf = api(&config(3)).await;

    for i in 0..3 {
        assert_eq!(
            call(&lf, "/prod/one", PARTNER_KEY).await.0,
            200,
            "request {i}"
        );
    }
    let limit_exceeded = (429, r#"{"message":"Limit Exceeded"}"#.to_owned());
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await, limit_exceeded);

    // A reload through the admin API with a raised quota: the 3 spent still count.
    let text = std::fs::read_to_string(lf.config_path()).unwrap();
    let raised = text.replace("limit = 3,", "limit = 5,");
    assert_ne!(text, raised);
    std::fs::write(lf.config_path(), raised).unwrap();
    let res = lf.admin_request("POST", "/reload").send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(lf.admin_json("/status").await["generation"], 2);
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await.0, 200);
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await.0, 200);
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await, limit_exceeded);

    // SIGHUP: still spent.
    lf.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(30);
    while lf.admin_json("/status").await["generation"] != 3 {
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(call(&lf, "/prod/one", PARTNER_KEY).await, limit_exceeded);
    assert_eq!(b.requests().len(), 5);
}

#[tokio::test]
async fn api_keys_create_adds_a_working_key_to_the_config_and_list_shows_it() {
    let b = backend().await;
    let lf = api(&pets(
        &b,
        "",
        "api_key_required = true",
        "# the plan partners get\n[[usage_plans]]\nname = \"basic\"\napis = [{ api = \"pets\", stage = \"prod\" }]\n",
    ))
    .await;
    let config = lf.config_path();

    let out = Command::new(support::localfront::binary())
        .args([
            "api-keys", "create", "--name", "partner", "--plan", "basic", "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(key.len(), 40, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("# the plan partners get"),
        "comments are kept:\n{text}"
    );
    assert!(text.contains(&key), "{text}");

    let out = Command::new(support::localfront::binary())
        .args(["api-keys", "list", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("partner\tenabled\tbasic\t{}…\n", &key[..4])
    );

    // The running process learns of it on reload.
    assert_eq!(call(&lf, "/prod/one", &key).await.0, 403);
    let res = lf.admin_request("POST", "/reload").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(call(&lf, "/prod/one", &key).await, (200, "/one".into()));
}

#[tokio::test]
async fn api_keys_create_refuses_a_key_the_config_would_reject() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("localfront.toml");
    let text = "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n";
    std::fs::write(&config, text).unwrap();
    for args in [
        &["--name", "short", "--value", "tooshort"][..],
        &["--name", "k", "--plan", "nosuchplan"][..],
    ] {
        let out = Command::new(support::localfront::binary())
            .args(["api-keys", "create"])
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("20 to 128 letters and digits") || stderr.contains("nosuchplan"),
            "{stderr}"
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), text, "unchanged");
    }
}
