//! Hostile edge code does not slow down its neighbours (spec/hardening.md §5): while JS and wasm
//! infinite loops run into their budgets, concurrently, on one behavior, requests to the other
//! behaviors keep being answered. The test asserts correctness under a bounded concurrent load and
//! prints the healthy requests' latency percentiles (quiet, then under attack) for comparison; the
//! only time bound asserted is a generous one, far above any healthy latency.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::guests::component;
use support::{Localfront, TestOrigin};

/// Healthy requests per phase, and how many are in flight at once.
const HEALTHY_REQUESTS: usize = 120;
const HEALTHY_CONCURRENCY: usize = 4;
/// Concurrent hostile clients, each sending requests back to back until the healthy load is done.
const HOSTILE_JS_CLIENTS: usize = 4;
const HOSTILE_WASM_CLIENTS: usize = 2;
/// A JS run is stopped after 20 ms of CPU; 100 of those is a bound no healthy request should
/// come near, even in a debug build on a loaded machine.
const HEALTHY_BOUND: Duration = Duration::from_secs(2);

fn js(dir: &Path, name: &str, code: &str) -> String {
    let path = dir.join(format!("{name}.js"));
    std::fs::write(&path, code).unwrap();
    format!(
        "[[functions]]\nname = \"{name}\"\ncode = \"{}\"\n",
        path.display()
    )
}

async fn start(dir: &Path, origin: &TestOrigin) -> Localfront {
    let tail = [
        js(dir, "spin", "function handler(event) { while (true) {} }\n"),
        js(
            dir,
            "split-spin",
            // Work split across calls, inside try/catch: the deadline still stops it.
            "function f(n) { var s = 0; for (var i = 0; i < n; i++) { s += i; } return s; }\n\
             function handler(event) { for (;;) { try { f(1000); } catch (e) {} } }\n",
        ),
        js(
            dir,
            "tag",
            "function handler(event) { event.request.headers['x-tag'] = { value: 'ok' }; return event.request; }\n",
        ),
        format!(
            "[[edge_functions]]\nname = \"wasm-spin\"\ncomponent = \"{}\"\ntimeout = 1\n",
            component("infinite-loop").display()
        ),
    ]
    .concat();
    Localfront::builder()
        .origin("app", origin)
        .behavior(
            "/spin/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_request = \"spin\" }",
        )
        .behavior(
            "/split-spin/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_request = \"split-spin\" }",
        )
        .behavior(
            "/wasm-spin/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { viewer_request = \"wasm-spin\" }",
        )
        .behavior(
            "/tagged/*",
            "app",
            "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_request = \"tag\" }",
        )
        .default_behavior("app", "cache_policy = \"CachingDisabled\"")
        .tail(&tail)
        .start()
        .await
}

/// Sends the healthy load (half to a behavior without code, half to one with a well-behaved
/// function) and returns every latency; panics on any wrong answer.
async fn healthy_load(lf: &Arc<Localfront>) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for worker in 0..HEALTHY_CONCURRENCY {
        let lf = lf.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for i in (worker..HEALTHY_REQUESTS).step_by(HEALTHY_CONCURRENCY) {
                let path = if i % 2 == 0 {
                    format!("/plain/{i}")
                } else {
                    format!("/tagged/{i}")
                };
                let started = Instant::now();
                let res = lf.get(&path).await;
                let status = res.status();
                let body = res.text().await.unwrap();
                let took = started.elapsed();
                assert_eq!(status, 200, "{path}: {body}");
                assert_eq!(body, format!("origin app: {path}"));
                latencies.push(took);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Hammers `path` until `stop`; every answer must be `status` with `x_cache`. Returns the count.
async fn hostile_client(
    lf: Arc<Localfront>,
    path: &'static str,
    x_cache: &'static str,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> usize {
    let mut sent = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let res = lf.get(&format!("{path}{sent}")).await;
        assert_eq!(res.status(), 503, "{path}");
        assert_eq!(res.headers()["x-cache"], x_cache, "{path}");
        sent += 1;
    }
    sent
}

fn percentiles(label: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "{label}: n={} p50={:?} p90={:?} p99={:?} max={:?}",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        latencies[latencies.len() - 1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_functions_do_not_delay_other_behaviors() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Arc::new(start(dir.path(), &origin).await);

    // Warm up (first wasm instance, connections), then the quiet baseline.
    assert_eq!(lf.get("/tagged/warm").await.status(), 200);
    assert_eq!(lf.get("/wasm-spin/warm").await.status(), 503);
    let quiet = healthy_load(&lf).await;

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut hostile = Vec::new();
    for i in 0..HOSTILE_JS_CLIENTS {
        let (path, x_cache) = if i % 2 == 0 {
            ("/spin/", "FunctionExecutionError from cloudfront")
        } else {
            ("/split-spin/", "FunctionExecutionError from cloudfront")
        };
        hostile.push(tokio::spawn(hostile_client(
            lf.clone(),
            path,
            x_cache,
            stop.clone(),
        )));
    }
    for _ in 0..HOSTILE_WASM_CLIENTS {
        hostile.push(tokio::spawn(hostile_client(
            lf.clone(),
            "/wasm-spin/",
            "LambdaLimitExceeded from cloudfront",
            stop.clone(),
        )));
    }
    // Let the attack get going before measuring.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attacked = healthy_load(&lf).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut hostile_answers = 0;
    for h in hostile {
        hostile_answers += h.await.unwrap();
    }

    percentiles("healthy, quiet", quiet.clone());
    percentiles("healthy, under attack", attacked.clone());
    println!("hostile requests answered with 503: {hostile_answers}");
    for (phase, latencies) in [("quiet", &quiet), ("under attack", &attacked)] {
        let slowest = latencies.iter().max().unwrap();
        assert!(
            *slowest < HEALTHY_BOUND,
            "a healthy request took {slowest:?} ({phase})"
        );
    }
    assert!(hostile_answers >= HOSTILE_JS_CLIENTS + HOSTILE_WASM_CLIENTS);
    // The proxy is unharmed afterwards.
    assert_eq!(lf.get("/tagged/after").await.status(), 200);
}
