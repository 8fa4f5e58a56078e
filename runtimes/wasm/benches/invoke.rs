//! Micro-benchmarks of the Lambda@Edge hot path (issue 6 item 7): a warm origin-request call
//! (and the host's share of it), a cold start (instantiate + init + first call), and — for the async-vs-`spawn_blocking`
//! choice documented in `src/lib.rs` — a bare `spawn_blocking` round trip.
//!
//! `cargo bench -p localfront-wasm`; criterion prints each time in µs.

#[path = "../tests/edge/guests.rs"]
mod guests;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_events::lambda_edge::Cf;
use localfront_wasm::{EdgeFunctionSpec, EdgeRuntime};

fn origin_request(uri: &str) -> Cf {
    serde_json::from_value(serde_json::json!({
        "config": { "distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
                    "eventType": "origin-request", "requestId": "bench" },
        "request": { "clientIp": "203.0.113.178", "method": "GET", "uri": uri, "querystring": "a=1",
            "headers": {
                "host": [{ "key": "Host", "value": "example.org" }],
                "user-agent": [{ "key": "User-Agent", "value": "Amazon CloudFront" }],
                "via": [{ "key": "Via", "value": "2.0 5f1cexample.cloudfront.net (CloudFront)" }],
                "x-forwarded-for": [{ "key": "X-Forwarded-For", "value": "203.0.113.178" }] },
            "origin": { "custom": { "customHeaders": {}, "domainName": "example.org", "keepaliveTimeout": 5,
                "path": "", "port": 443, "protocol": "https", "readTimeout": 30, "sslProtocols": ["TLSv1.2"] } } }
    }))
    .expect("bench event")
}

fn bench(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let runtime = EdgeRuntime::new(guests::compile_cache_dir()).expect("edge runtime");
    let spec = EdgeFunctionSpec::new("origin-rewrite", guests::component("origin-rewrite"));
    let event = origin_request("/api/users/42");

    let warm = runtime.load(spec.clone()).expect("load");
    tokio.block_on(warm.invoke(&event)).expect("first call");
    c.bench_function(
        "warm origin-request call (serialize, handle, validate)",
        |b| {
            b.to_async(&tokio)
                .iter(|| async { warm.invoke(&event).await.expect("call") })
        },
    );

    // The host's share of the warm call: the event to JSON, the result parsed and validated.
    let result_json =
        serde_json::to_string(&tokio.block_on(warm.invoke(&event)).expect("call").result)
            .expect("result json");
    c.bench_function(
        "host side of that call (event to JSON, result check)",
        |b| {
            b.iter(|| {
                let json = serde_json::to_string(&localfront_events::lambda_edge::Event::new(
                    event.clone(),
                ))
                .expect("event json");
                let checked = localfront_events::lambda_edge::check_result(&event, &result_json);
                (json, checked.expect("valid"))
            })
        },
    );

    let init_counter = EdgeFunctionSpec::new("init-counter", guests::component("init-counter"));
    let viewer = {
        let mut e = event.clone();
        e.config.event_type = localfront_events::lambda_edge::EventType::ViewerRequest;
        e.request.origin = None;
        e.request.headers.remove("via");
        e
    };
    let mut init_total = Duration::ZERO;
    let mut cold_runs = 0u32;
    c.bench_function("cold start: instantiate + init + first call", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let f = runtime.load(init_counter.clone()).expect("load");
                let started = Instant::now();
                let invocation = tokio.block_on(f.invoke(&viewer)).expect("cold call");
                total += started.elapsed();
                init_total += invocation.init_duration.unwrap_or_default();
                cold_runs += 1;
            }
            total
        })
    });
    if cold_runs > 0 {
        println!(
            "cold start: Init Duration (instantiate + init) averaged {:.1} µs over {cold_runs} runs",
            init_total.as_secs_f64() * 1e6 / f64::from(cold_runs)
        );
    }

    c.bench_function(
        "tokio spawn_blocking round trip (the alternative's overhead)",
        |b| {
            b.to_async(&tokio)
                .iter(|| async { tokio::task::spawn_blocking(|| ()).await.expect("join") })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
