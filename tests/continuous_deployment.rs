//! Continuous deployment: a staging distribution serving part of a primary's traffic — by weight
//! (the share within a binomial tolerance over 1,000 requests), sticky per session with a cookie,
//! or exactly the requests carrying the policy's `aws-cf-cd-…` header.

mod support;

use support::{Localfront, TestOrigin};

/// A primary (origin `primary`) and a staging distribution (origin `staging`, plus a response
/// headers policy the primary lacks), linked by `policy`; nothing is cached so every request shows
/// which distribution served it.
async fn primary_and_staging(policy: &str) -> (Localfront, TestOrigin, TestOrigin) {
    let primary = TestOrigin::named("primary").await;
    let staging = TestOrigin::named("staging").await;
    let toml = format!(
        r#"
[[distributions]]
id = "EPRIMARY"
continuous_deployment_policy = {{ staging_distribution_id = "ESTAGING", {policy} }}
[[distributions.origins]]
id = "app"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "app"
cache_policy = "CachingDisabled"

[[distributions]]
id = "ESTAGING"
staging = true
[[distributions.origins]]
id = "app"
domain_name = "127.0.0.1"
http_port = {}
[distributions.default_cache_behavior]
target_origin_id = "app"
cache_policy = "CachingDisabled"
response_headers_policy = "SecurityHeadersPolicy"
"#,
        primary.port(),
        staging.port()
    );
    let lf = Localfront::builder()
        .distributions_toml(&toml)
        .start()
        .await;
    (lf, primary, staging)
}

/// Whether staging served the response.
async fn served_by_staging(res: reqwest::Response) -> bool {
    let policy_header = res.headers().contains_key("x-frame-options");
    let body = res.text().await.unwrap();
    let staging = body.starts_with("origin staging:");
    // The whole staging configuration serves it: its origin and its response headers policy.
    assert_eq!(staging, policy_header, "{body}");
    staging
}

#[tokio::test]
async fn a_single_weight_policy_sends_its_share_of_requests_to_staging() {
    let (lf, _primary, _staging) = primary_and_staging("single_weight = { weight = 0.15 }").await;
    let n = 1000_u32;
    let mut staging = 0_u32;
    for _ in 0..n {
        let res = lf.get("/page").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("set-cookie").is_none());
        if served_by_staging(res).await {
            staging += 1;
        }
    }
    // Binomial(1000, 0.15): mean 150, σ ≈ 11.3; within 5σ.
    let (mean, sigma) = (150.0, (f64::from(n) * 0.15 * 0.85).sqrt());
    assert!(
        (f64::from(staging) - mean).abs() <= 5.0 * sigma,
        "{staging} of {n} requests went to staging"
    );
}

#[tokio::test]
async fn session_stickiness_keeps_each_viewer_on_one_distribution() {
    let (lf, _primary, _staging) = primary_and_staging(
        "single_weight = { weight = 0.15, session_stickiness = { idle_ttl = 300, maximum_ttl = 600 } }",
    )
    .await;
    let mut staging_sessions = 0;
    for _ in 0..100 {
        let first = lf.get("/").await;
        let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.starts_with("aws-cf-cd-session=") && cookie.contains("; Max-Age=300; Path=/"),
            "{cookie}"
        );
        let session = cookie.split(';').next().unwrap().to_owned();
        let on_staging = served_by_staging(first).await;
        if on_staging {
            staging_sessions += 1;
        }
        for _ in 0..5 {
            let res = lf
                .request("GET", "/next")
                .header("cookie", format!("other=1; {session}"))
                .send()
                .await
                .unwrap();
            // The session is renewed on every response.
            let renewed = res.headers()["set-cookie"].to_str().unwrap().to_owned();
            assert!(renewed.starts_with(&session), "{renewed} vs {session}");
            assert_eq!(served_by_staging(res).await, on_staging);
        }
    }
    // 100 sessions at 15 %: none on staging has probability 0.85^100 ≈ 1e-7.
    assert!(
        staging_sessions > 0 && staging_sessions < 100,
        "{staging_sessions}"
    );
}

#[tokio::test]
async fn a_single_header_policy_routes_exactly_the_requests_with_the_header() {
    let (lf, primary, staging) =
        primary_and_staging("single_header = { header = \"aws-cf-cd-staging\", value = \"true\" }")
            .await;
    for i in 0..50 {
        let res = lf
            .request("GET", &format!("/s/{i}"))
            .header("aws-cf-cd-staging", "true")
            .send()
            .await
            .unwrap();
        assert!(served_by_staging(res).await);
        let res = lf.get(&format!("/p/{i}")).await;
        assert!(!served_by_staging(res).await);
        let res = lf
            .request("GET", &format!("/p/{i}"))
            .header("aws-cf-cd-staging", "TRUE")
            .send()
            .await
            .unwrap();
        assert!(!served_by_staging(res).await);
    }
    assert_eq!(staging.requests().len(), 50);
    assert_eq!(primary.requests().len(), 100);
}

#[tokio::test]
async fn a_disabled_policy_sends_everything_to_the_primary() {
    let (lf, _primary, staging) = primary_and_staging(
        "enabled = false, single_header = { header = \"aws-cf-cd-staging\", value = \"true\" }",
    )
    .await;
    let res = lf
        .request("GET", "/")
        .header("aws-cf-cd-staging", "true")
        .send()
        .await
        .unwrap();
    assert!(!served_by_staging(res).await);
    assert_eq!(staging.requests().len(), 0);
}

#[tokio::test]
async fn continuous_deployment_config_errors_name_cloudfronts_limits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("localfront.toml"),
        r#"[[distributions]]
id = "E1"
continuous_deployment_policy = { staging_distribution_id = "E2", single_weight = { weight = 0.5 } }
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"

[[distributions]]
id = "E2"
aliases = ["staging.test"]
continuous_deployment_policy = { staging_distribution_id = "E1", single_header = { header = "x-staging", value = "1" } }
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
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
            "localfront.toml:3:60: distributions[0].continuous_deployment_policy.staging_distribution_id: distribution `E2` is not a staging distribution (give it `staging = true`)",
            "localfront.toml:3:93: distributions[0].continuous_deployment_policy.single_weight.weight: 0.5 is out of range: expected 0.0 to 0.15",
            "localfront.toml:13:60: distributions[1].continuous_deployment_policy.staging_distribution_id: distribution `E1` is not a staging distribution (give it `staging = true`)",
            "localfront.toml:13:93: distributions[1].continuous_deployment_policy.single_header.header: `x-staging` does not start with `aws-cf-cd-` (CloudFront requires the prefix: `aws-cf-cd-x-staging`)",
        ]
    );
}

#[tokio::test]
async fn promote_copies_the_staging_configuration_over_the_primary() {
    let (lf, _primary, staging) =
        primary_and_staging("single_header = { header = \"aws-cf-cd-staging\", value = \"true\" }")
            .await;
    assert!(!served_by_staging(lf.get("/before").await).await);

    let admin = lf.admin.to_string();
    let out = std::process::Command::new(support::localfront::binary())
        .args(["promote", "ESTAGING", "--admin", &admin])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["result"], "success");
    assert_eq!(answer["generation"], 2);

    // The primary now serves with staging's origin and response headers policy.
    let res = lf.get("/after").await;
    assert!(served_by_staging(res).await);
    assert_eq!(staging.last_request().uri, "/after");

    // Only a staging distribution can be promoted.
    let out = std::process::Command::new(support::localfront::binary())
        .args(["promote", "EPRIMARY", "--admin", &admin])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("`EPRIMARY` is not a staging distribution"),
        "{stderr}"
    );
}
