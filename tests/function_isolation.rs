//! Hostile edge code does not starve its neighbours (spec/hardening.md §5, issue #10 item 3,
//! issue #5 item 5): while hostile CloudFront Functions (infinite loop, nested loops, deep
//! recursion, memory doubling, catastrophic regex — each also inside `try/catch` — and work split
//! across calls) and hostile Lambda@Edge guests (infinite loop, memory growth) keep running into
//! their budgets, concurrently, on their own behaviors, requests to other behaviors keep flowing.
//!
//! The proxy runs with one function thread, so the hostile runs queue there and each hostile
//! request stays in flight for several runs' worth of time. The assertions are counts, not clock
//! readings: every hostile request gets CloudFront's 503 with its `X-Cache` error name, every
//! healthy request succeeds, and within the same window more requests to a behavior without code
//! complete — each while hostile requests are in flight — than hostile runs do. Were function runs
//! on the proxy's worker threads (as before issue #10), each healthy request would wait behind the
//! hostile runs holding the workers, and hostile runs would outnumber healthy requests several
//! times over. Latency percentiles (quiet, then under attack) are printed for comparison; the only
//! time bound is the "did not hang" timeout.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::guests::component;
use support::{Localfront, TestOrigin};

/// Requests to the behavior without code per phase, and how many are in flight at once.
const PLAIN_REQUESTS: usize = 150;
const PLAIN_CONCURRENCY: usize = 3;
/// Concurrent hostile clients, each sending requests back to back until the healthy load is done.
const HOSTILE_JS_CLIENTS: usize = 6;
const HOSTILE_WASM_CLIENTS: usize = 2;
/// "Did not hang": far above any run's budget, even in a debug build on a loaded machine.
const HANG: Duration = Duration::from_secs(120);

/// The hostile handler bodies (spec/hardening.md §5's table); each is also deployed wrapped in
/// `try/catch`, which must not catch its limit.
const HOSTILE_BODIES: &[(&str, &str)] = &[
    ("infinite-loop", "while (true) {}"),
    (
        "nested-loops",
        "let n = 0; for (let i = 0; i < 1e6; i++) for (let j = 0; j < 1e6; j++) n++;",
    ),
    ("deep-recursion", "function f() { return f() + 1 } f();"),
    (
        "exponential-recursion",
        "function f(n) { return n ? f(n - 1) + f(n - 1) : 1 } f(64);",
    ),
    ("memory-doubling", "let s = 'x'; while (true) s = s + s;"),
    (
        "catastrophic-regex",
        "/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!');",
    ),
];

fn js(dir: &Path, name: &str, code: &str) -> String {
    let path = dir.join(format!("{name}.js"));
    std::fs::write(&path, code).unwrap();
    format!(
        "[[functions]]\nname = \"{name}\"\ncode = \"{}\"\n",
        path.display()
    )
}

/// Every hostile JS function's name: each body plain and wrapped, and the split spin.
fn hostile_js_names() -> Vec<String> {
    let mut names: Vec<String> = HOSTILE_BODIES
        .iter()
        .flat_map(|(name, _)| [name.to_string(), format!("{name}-try")])
        .collect();
    names.push("split-spin".to_owned());
    names
}

async fn start(dir: &Path, origin: &TestOrigin) -> Localfront {
    let mut tail = String::new();
    for (name, body) in HOSTILE_BODIES {
        tail += &js(
            dir,
            name,
            &format!("function handler(event) {{ {body} return event.request; }}\n"),
        );
        tail += &js(
            dir,
            &format!("{name}-try"),
            &format!(
                "function handler(event) {{ try {{ {body} }} catch (e) {{}} finally {{}} return event.request; }}\n"
            ),
        );
    }
    tail += &js(
        dir,
        "split-spin",
        // Work split across calls, inside try/catch: the deadline still stops it.
        "function f(n) { var s = 0; for (var i = 0; i < n; i++) { s += i; } return s; }\n\
         function handler(event) { for (;;) { try { f(1000); } catch (e) {} } }\n",
    );
    tail += &js(
        dir,
        "tag",
        "function handler(event) { event.request.headers['x-tag'] = { value: 'ok' }; return event.request; }\n",
    );
    tail += &format!(
        "[[edge_functions]]\nname = \"wasm-spin\"\ncomponent = \"{}\"\ntimeout = 1\n",
        component("infinite-loop").display()
    );
    tail += &format!(
        "[[edge_functions]]\nname = \"wasm-grow\"\ncomponent = \"{}\"\nmemory_mb = 16\n",
        component("memory-growth").display()
    );
    let mut lf = Localfront::builder()
        .server("function_threads = 1")
        .origin("app", origin);
    for name in hostile_js_names() {
        lf = lf.behavior(
            &format!("/{name}/*"),
            "app",
            &format!(
                "cache_policy = \"CachingDisabled\"\nfunction_associations = {{ viewer_request = \"{name}\" }}"
            ),
        );
    }
    for name in ["wasm-spin", "wasm-grow"] {
        lf = lf.behavior(
            &format!("/{name}/*"),
            "app",
            &format!(
                "cache_policy = \"CachingDisabled\"\nlambda_associations = {{ viewer_request = \"{name}\" }}"
            ),
        );
    }
    lf.behavior(
        "/tagged/*",
        "app",
        "cache_policy = \"CachingDisabled\"\nfunction_associations = { viewer_request = \"tag\" }",
    )
    .default_behavior("app", "cache_policy = \"CachingDisabled\"")
    .tail(&tail)
    .start()
    .await
}

/// Counters shared by the clients of the attack.
#[derive(Default)]
struct Attack {
    stop: AtomicBool,
    /// Hostile JS requests sent and not yet answered.
    js_in_flight: AtomicUsize,
    /// Hostile JS requests answered (each one run stopped by its budget).
    js_answered: AtomicUsize,
    /// Hostile wasm requests answered.
    wasm_answered: AtomicUsize,
}

/// Sends `PLAIN_REQUESTS` to the behavior without code and returns their latencies and how many
/// completed while hostile JS requests were in flight (before they were sent and after they were
/// answered); panics on any wrong answer.
async fn plain_load(lf: &Arc<Localfront>, attack: &Arc<Attack>) -> (Vec<Duration>, usize) {
    let mut tasks = Vec::new();
    for worker in 0..PLAIN_CONCURRENCY {
        let (lf, attack) = (lf.clone(), attack.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut overlapped) = (Vec::new(), 0);
            for i in (worker..PLAIN_REQUESTS).step_by(PLAIN_CONCURRENCY) {
                let path = format!("/plain/{i}");
                let hostile_before = attack.js_in_flight.load(Ordering::SeqCst);
                let started = Instant::now();
                let res = lf.get(&path).await;
                let status = res.status();
                let body = res.text().await.unwrap();
                let took = started.elapsed();
                let hostile_after = attack.js_in_flight.load(Ordering::SeqCst);
                assert_eq!(status, 200, "{path}: {body}");
                assert_eq!(body, format!("origin app: {path}"));
                if hostile_before > 0 && hostile_after > 0 {
                    overlapped += 1;
                }
                latencies.push(took);
            }
            (latencies, overlapped)
        }));
    }
    let (mut all, mut overlapped) = (Vec::new(), 0);
    for t in tasks {
        let (latencies, n) = t.await.unwrap();
        all.extend(latencies);
        overlapped += n;
    }
    (all, overlapped)
}

/// Sends requests to the well-behaved function (at least one) until `stop`; each must succeed.
/// Returns the latencies.
async fn tagged_client(lf: Arc<Localfront>, attack: Arc<Attack>) -> Vec<Duration> {
    let mut latencies = Vec::new();
    loop {
        let path = format!("/tagged/{}", latencies.len());
        let started = Instant::now();
        let res = lf.get(&path).await;
        latencies.push(started.elapsed());
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.text().await.unwrap(), format!("origin app: {path}"));
        if attack.stop.load(Ordering::SeqCst) {
            return latencies;
        }
    }
}

/// Sends requests to the hostile JS functions in turn (starting at `first`) until `stop`; every
/// answer must be CloudFront's 503 for a function that failed.
async fn hostile_js_client(lf: Arc<Localfront>, attack: Arc<Attack>, first: usize) {
    let names = hostile_js_names();
    let mut sent = first;
    while !attack.stop.load(Ordering::SeqCst) {
        let name = &names[sent % names.len()];
        attack.js_in_flight.fetch_add(1, Ordering::SeqCst);
        let res = lf.get(&format!("/{name}/{sent}")).await;
        attack.js_in_flight.fetch_sub(1, Ordering::SeqCst);
        assert_eq!(res.status(), 503, "{name}");
        assert_eq!(
            res.headers()["x-cache"],
            "FunctionExecutionError from cloudfront",
            "{name}"
        );
        let body = res.text().await.unwrap();
        assert!(body.contains("503 ERROR"), "{name}: {body}");
        attack.js_answered.fetch_add(1, Ordering::SeqCst);
        sent += 1;
    }
}

/// Sends requests to the hostile wasm handlers in turn until `stop`; every answer must be
/// Lambda@Edge's 503 for a limit exceeded.
async fn hostile_wasm_client(lf: Arc<Localfront>, attack: Arc<Attack>, first: usize) {
    let mut sent = first;
    while !attack.stop.load(Ordering::SeqCst) {
        let name = ["wasm-spin", "wasm-grow"][sent % 2];
        let res = lf.get(&format!("/{name}/{sent}")).await;
        assert_eq!(res.status(), 503, "{name}");
        assert_eq!(
            res.headers()["x-cache"],
            "LambdaLimitExceeded from cloudfront",
            "{name}"
        );
        attack.wasm_answered.fetch_add(1, Ordering::SeqCst);
        sent += 1;
    }
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

/// The names of the proxy's threads (Linux: `/proc/PID/task/*/comm`).
fn thread_names(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_functions_do_not_starve_other_behaviors() {
    tokio::time::timeout(HANG, attack())
        .await
        .expect("the attack did not finish: something hung");
}

async fn attack() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Arc::new(start(dir.path(), &origin).await);

    // `function_threads = 1`: one function thread, named, beside the workers.
    let names = thread_names(lf.pid());
    let function_threads: Vec<_> = names
        .iter()
        .filter(|n| n.starts_with("lf-function"))
        .collect();
    assert_eq!(function_threads, ["lf-function-0"], "threads: {names:?}");

    // Warm up (first wasm instance, connections), then the quiet baseline.
    assert_eq!(lf.get("/tagged/warm").await.status(), 200);
    assert_eq!(lf.get("/wasm-spin/warm").await.status(), 503);
    let idle = Arc::new(Attack::default());
    let (quiet, _) = plain_load(&lf, &idle).await;

    let attack = Arc::new(Attack::default());
    let mut hostile = Vec::new();
    for i in 0..HOSTILE_JS_CLIENTS {
        hostile.push(tokio::spawn(hostile_js_client(
            lf.clone(),
            attack.clone(),
            i * 2,
        )));
    }
    for i in 0..HOSTILE_WASM_CLIENTS {
        hostile.push(tokio::spawn(hostile_wasm_client(
            lf.clone(),
            attack.clone(),
            i,
        )));
    }
    // The attack is under way once every hostile JS client has had an answer: the function
    // thread has a backlog from then on.
    while attack.js_answered.load(Ordering::SeqCst) < HOSTILE_JS_CLIENTS {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let tagged = tokio::spawn(tagged_client(lf.clone(), attack.clone()));
    let js_before = attack.js_answered.load(Ordering::SeqCst);
    let (attacked, overlapped) = plain_load(&lf, &attack).await;
    let js_during = attack.js_answered.load(Ordering::SeqCst) - js_before;
    attack.stop.store(true, Ordering::SeqCst);
    for h in hostile {
        h.await.unwrap();
    }
    let tagged = tagged.await.unwrap();

    percentiles("plain, quiet", quiet);
    percentiles("plain, under attack", attacked);
    percentiles("tagged (a healthy function), under attack", tagged.clone());
    let (js_total, wasm_total) = (
        attack.js_answered.load(Ordering::SeqCst),
        attack.wasm_answered.load(Ordering::SeqCst),
    );
    println!(
        "hostile JS runs answered 503: {js_total} ({js_during} during the plain load); \
         hostile wasm runs answered 503: {wasm_total}; plain requests completed while hostile \
         ones were in flight: {overlapped} of {PLAIN_REQUESTS}"
    );

    // Every hostile function ran (each client went round them all at least once).
    assert!(js_total >= hostile_js_names().len(), "{js_total}");
    assert!(wasm_total >= HOSTILE_WASM_CLIENTS, "{wasm_total}");
    // A healthy function shares the function thread with the hostile ones, in arrival order: it
    // is answered, not starved (each of its requests above got its 200).
    // Requests without code do not wait for function runs: more of them completed, while hostile
    // requests were in flight, than hostile runs ended in the same window.
    assert!(
        overlapped >= js_during,
        "only {overlapped} plain requests completed during the attack while {js_during} hostile \
         runs did: the hostile runs held the workers"
    );
    // The proxy is unharmed afterwards.
    assert_eq!(lf.get("/tagged/after").await.status(), 200);
    for name in hostile_js_names() {
        assert_eq!(lf.get(&format!("/{name}/after")).await.status(), 503);
    }
}
