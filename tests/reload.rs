//! Hot reload (spec/hardening.md §6): a new config is built fully before it replaces the old one,
//! in-flight and concurrent requests never fail, a broken config keeps the old one serving and is
//! reported, file watching is content-based, and tools can follow reloads on `/events`.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{metric, Localfront, Reply, TestOrigin};

/// The distribution of these tests: the origin's responses carry the `X-Version` header the origin
/// custom header sets, so a response tells which config served it.
fn distribution(origin_port: u16, version: &str) -> String {
    format!(
        r#"
[[distributions]]
id = "ERELOAD"
domain_name = "dreload.cloudfront.net"

[[distributions.origins]]
id = "app"
domain_name = "127.0.0.1"
http_port = {origin_port}
protocol_policy = "http-only"
custom_headers = {{ "X-Version" = "{version}" }}

[[distributions.origins]]
id = "echo"
echo = true
custom_headers = {{ "X-Version" = "{version}" }}

[distributions.default_cache_behavior]
target_origin_id = "app"
cache_policy = "CachingDisabled"

[[distributions.cache_behaviors]]
path_pattern = "/echo/*"
target_origin_id = "echo"
cache_policy = "CachingDisabled"
"#
    )
}

/// An origin that answers with the `X-Version` it was sent.
async fn version_origin() -> TestOrigin {
    TestOrigin::start(|r| Reply::new(200, r.header("x-version").to_owned())).await
}

/// Rewrites the config's distributions, keeping the harness's `[server]` section.
fn rewrite(lf: &Localfront, distributions: &str) {
    let path = lf.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let server = text.split("\n[[distributions]]").next().unwrap();
    std::fs::write(&path, format!("{server}\n{distributions}")).unwrap();
}

async fn reload(lf: &Localfront) -> (u16, serde_json::Value) {
    let res = lf.admin_request("POST", "/reload").send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn body(lf: &Localfront, path: &str) -> String {
    lf.get(path).await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_reloads_under_load_lose_no_request_and_a_broken_one_keeps_the_old_config() {
    let origin = version_origin().await;
    let lf = Arc::new(
        Localfront::builder()
            .distributions_toml(&distribution(origin.port(), "v0"))
            .start()
            .await,
    );

    // A bounded concurrent load on loopback: 8 clients, each looping until told to stop, on the
    // custom origin and on an in-process origin (whose socket is replaced at every generation).
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (lf, stop, sent) = (lf.clone(), stop.clone(), sent.clone());
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            let path = if c % 2 == 0 { "/load" } else { "/echo/load" };
            while !stop.load(Ordering::Relaxed) {
                match lf.request("GET", path).send().await {
                    Ok(res) if res.status() == 200 => {
                        let _ = res.bytes().await;
                    }
                    Ok(res) => failures.push(format!("{path}: status {}", res.status())),
                    Err(e) => failures.push(format!("{path}: {e}")),
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
            failures
        }));
    }

    for i in 1..=10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if i == 5 {
            // A broken config in the middle: unknown key, reported with its position.
            rewrite(
                &lf,
                &format!("{}\nnot_a_key = 1\n", distribution(origin.port(), "v5")),
            );
            let (status, answer) = reload(&lf).await;
            assert_eq!(status, 400, "{answer}");
            let error = answer["errors"][0].as_str().unwrap();
            assert!(
                error.contains("localfront.toml:") && error.contains("not_a_key"),
                "{error}"
            );
            assert_eq!(body(&lf, "/x").await, "v4", "the old config keeps serving");
        } else {
            rewrite(&lf, &distribution(origin.port(), &format!("v{i}")));
            let (status, answer) = reload(&lf).await;
            assert_eq!(status, 200, "{answer}");
            assert_eq!(body(&lf, "/x").await, format!("v{i}"));
        }
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for c in clients {
        failures.extend(c.await.unwrap());
    }
    assert!(failures.is_empty(), "failed requests: {failures:?}");
    assert!(sent.load(Ordering::Relaxed) > 100, "the load ran");

    let echo: serde_json::Value = lf.get("/echo/x").await.json().await.unwrap();
    assert_eq!(
        echo["headers"]["x-version"], "v10",
        "the in-process origin is the new one"
    );
    let status = lf.admin_json("/status").await;
    assert_eq!(status["generation"], 10, "{status}");
    assert_eq!(status["last_reload"]["result"], "success");
    let m = lf.metrics().await;
    assert_eq!(
        metric(
            &m,
            "localfront_config_reloads_total",
            &[("result", "success")]
        ),
        9.0
    );
    assert_eq!(
        metric(
            &m,
            "localfront_config_reloads_total",
            &[("result", "failure")]
        ),
        1.0
    );
    assert_eq!(metric(&m, "localfront_config_generation", &[]), 10.0);
    assert_eq!(
        metric(&m, "localfront_config_last_reload_success", &[]),
        1.0
    );
}

#[tokio::test]
async fn a_request_in_flight_finishes_on_the_generation_it_started_with() {
    let origin = TestOrigin::start(|r| {
        Reply::new(200, r.header("x-version").to_owned()).delay(Duration::from_millis(800))
    })
    .await;
    let lf = Localfront::builder()
        .distributions_toml(&distribution(origin.port(), "old"))
        .start()
        .await;

    let slow = lf.request("GET", "/slow").send();
    let in_flight = tokio::spawn(async move { slow.await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    rewrite(&lf, &distribution(origin.port(), "new"));
    assert_eq!(reload(&lf).await.0, 200);

    assert_eq!(in_flight.await.unwrap(), "old");
    assert_eq!(body(&lf, "/after").await, "new");
}

#[tokio::test]
async fn sighup_reloads() {
    let origin = version_origin().await;
    let lf = Localfront::builder()
        .distributions_toml(&distribution(origin.port(), "before"))
        .start()
        .await;
    rewrite(&lf, &distribution(origin.port(), "after"));

    lf.signal("HUP");

    let mut answer = String::new();
    for _ in 0..100 {
        answer = body(&lf, "/x").await;
        if answer == "after" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answer, "after");
    assert_eq!(
        lf.admin_json("/status").await["last_reload"]["trigger"],
        "SIGHUP"
    );
}

#[tokio::test]
async fn watch_reloads_on_a_content_change_of_a_referenced_function_but_not_on_chmod_or_touch() {
    let origin = version_origin().await;
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("tag.js");
    let write_function = |tag: &str| {
        std::fs::write(
            &code,
            format!("function handler(event) {{\n  event.request.headers['x-version'] = {{ value: '{tag}' }};\n  return event.request;\n}}\n"),
        )
        .unwrap();
    };
    write_function("one");
    let lf = Localfront::builder()
        .arg("--watch")
        .distributions_toml(&format!(
            "{}\n[[functions]]\nname = \"tag\"\ncode = \"{}\"\n",
            distribution(origin.port(), "origin").replace(
                "cache_policy = \"CachingDisabled\"\n\n[[distributions.cache_behaviors]]",
                "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_request = \"tag\" }\n\n[[distributions.cache_behaviors]]"
            ),
            code.display()
        ))
        .start()
        .await;
    // The function runs (its header is overwritten by the origin custom header, as CloudFront does).
    lf.get("/x").await;
    assert_eq!(origin.last_request().header("x-version"), "origin");

    // A metadata change and a save without changes: no reload.
    let events = tokio::spawn({
        let url = format!("http://{}/events", lf.admin);
        async move {
            let mut res = support::localfront::client().get(url).send().await.unwrap();
            let mut text = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if text.contains("event: reload\n") {
                    break;
                }
            }
            text
        }
    });
    let mut perms = std::fs::metadata(&code).unwrap().permissions();
    use std::os::unix::fs::PermissionsExt;
    perms.set_mode(0o600);
    std::fs::set_permissions(&code, perms).unwrap();
    write_function("one");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        lf.admin_json("/status").await["generation"],
        1,
        "no reload without a change"
    );

    // A content change: reloaded, and `/events` says so.
    write_function("two");
    let mut generation = serde_json::Value::Null;
    for _ in 0..100 {
        generation = lf.admin_json("/status").await["generation"].clone();
        if generation == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(generation, 2);
    assert_eq!(
        lf.admin_json("/status").await["last_reload"]["trigger"],
        "watch"
    );
    let feed = tokio::time::timeout(Duration::from_secs(5), events)
        .await
        .expect("/events delivered the reload")
        .unwrap();
    assert!(feed.starts_with("event: hello\n"), "{feed}");
    assert!(feed.contains("event: reload\ndata: {"), "{feed}");
}

#[tokio::test]
async fn a_broken_function_is_reported_with_its_position_and_the_old_code_keeps_running() {
    let origin = TestOrigin::named("app").await;
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("answer.js");
    std::fs::write(
        &code,
        "function handler(event) {\n  return { statusCode: 200, statusDescription: 'OK', body: 'good' };\n}\n",
    )
    .unwrap();
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"answer\" }",
        )
        .tail(&format!(
            "[[functions]]\nname = \"answer\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;
    assert_eq!(body(&lf, "/").await, "good");

    std::fs::write(&code, "function handler(event) {\n  return {{;\n}\n").unwrap();
    let (status, answer) = reload(&lf).await;

    assert_eq!(status, 400);
    let error = answer["errors"][0].as_str().unwrap();
    assert!(
        error.starts_with(&format!("{}:2:", code.display())),
        "{error}"
    );
    assert_eq!(body(&lf, "/").await, "good");
    let status = lf.admin_json("/status").await;
    assert_eq!(status["generation"], 1);
    assert_eq!(status["last_reload"]["result"], "failure");
}

#[tokio::test]
async fn a_changed_listener_is_reported_as_needing_a_restart_and_the_rest_applies() {
    let origin = version_origin().await;
    let lf = Localfront::builder()
        .distributions_toml(&distribution(origin.port(), "a"))
        .start()
        .await;
    let path = lf.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace("threads = 2", "threads = 3")
        .replace("\"a\"", "\"b\"");
    std::fs::write(&path, text).unwrap();

    let (status, answer) = reload(&lf).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["restart_required"], serde_json::json!(["threads"]));
    assert_eq!(body(&lf, "/x").await, "b");
}
