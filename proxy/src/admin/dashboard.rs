//! The live dashboard: `GET /` serves one static page (no build step) that polls
//! `GET /dashboard.json` every second — requests/s, cache hit ratio, status mix, origin latency,
//! per-function p50/p99 and compute utilization, cold starts, and the last requests with links to
//! their traces. The numbers are read from the same Prometheus registry `/metrics` exports.

use std::collections::BTreeMap;

use prometheus::proto::{Metric, MetricFamily};
use serde_json::{json, Value};

use crate::cache::EdgeCache;
use crate::live::Live;
use crate::metrics::{histogram_quantile, METRICS};
use crate::recent::RECENT;

/// The page.
pub const PAGE: &str = include_str!("dashboard.html");

/// `GET /dashboard.json`.
pub fn summary(live: &Live, cache: &EdgeCache) -> Value {
    let families = METRICS.families();
    let family = |name: &str| families.iter().find(|f| f.name() == name);
    let label = |m: &Metric, name: &str| -> String {
        m.get_label()
            .iter()
            .find(|l| l.name() == name)
            .map(|l| l.value().to_owned())
            .unwrap_or_default()
    };

    let mut total = 0.0;
    let mut by_status: BTreeMap<String, f64> = BTreeMap::new();
    let mut by_result: BTreeMap<String, f64> = BTreeMap::new();
    for m in metrics(family("localfront_requests_total")) {
        let v = m.get_counter().get_value();
        total += v;
        *by_status.entry(label(m, "status_class")).or_default() += v;
        *by_result.entry(label(m, "cache_result")).or_default() += v;
    }
    // CloudFront's CacheHitRate: hits over cacheable requests (errors and generated responses
    // are not cacheable requests).
    let hits = by_result.get("Hit").unwrap_or(&0.0) + by_result.get("RefreshHit").unwrap_or(&0.0);
    let cacheable = hits + by_result.get("Miss").unwrap_or(&0.0);

    let origins: Vec<Value> = metrics(family("localfront_origin_latency_seconds"))
        .map(|m| {
            let h = m.get_histogram();
            json!({
                "distribution": label(m, "distribution"),
                "origin": label(m, "origin"),
                "fetches": h.get_sample_count(),
                "mean_ms": mean_ms(h.get_sample_sum(), h.get_sample_count()),
                "p50_ms": quantile(m, 0.5).map(|s| s * 1000.0),
                "p99_ms": quantile(m, 0.99).map(|s| s * 1000.0),
            })
        })
        .collect();

    let mut functions: BTreeMap<(String, String), Value> = BTreeMap::new();
    for m in metrics(family("localfront_function_duration_seconds")) {
        let key = (label(m, "function"), label(m, "event"));
        functions.insert(
            key.clone(),
            json!({
                "function": key.0,
                "event": key.1,
                "invocations": m.get_histogram().get_sample_count(),
                "p50_ms": quantile(m, 0.5).map(|s| s * 1000.0),
                "p99_ms": quantile(m, 0.99).map(|s| s * 1000.0),
                "errors": 0.0,
                "throttles": 0.0,
            }),
        );
    }
    for m in metrics(family("localfront_function_invocations_total")) {
        let key = (label(m, "function"), label(m, "event"));
        let result = label(m, "result");
        let v = m.get_counter().get_value();
        if let Some(f) = functions.get_mut(&key) {
            let field = match result.as_str() {
                "ok" => continue,
                "throttled" => "throttles",
                _ => "errors",
            };
            f[field] = json!(f[field].as_f64().unwrap_or(0.0) + v);
        }
    }
    let utilization: BTreeMap<String, Value> =
        metrics(family("localfront_function_compute_utilization"))
            .map(|m| {
                (
                    label(m, "function"),
                    json!({ "p50": quantile(m, 0.5), "p99": quantile(m, 0.99) }),
                )
            })
            .collect();
    let functions: Vec<Value> = functions
        .into_values()
        .map(|mut f| {
            let name = f["function"].as_str().unwrap_or_default().to_owned();
            f["compute_utilization"] = utilization.get(&name).cloned().unwrap_or(Value::Null);
            f
        })
        .collect();
    let cold_starts: f64 = metrics(family("localfront_lambda_cold_starts_total"))
        .map(|m| m.get_counter().get_value())
        .sum();

    json!({
        "generation": live.current().generation,
        "requests": total,
        "status": by_status,
        "results": by_result,
        "cache_hit_ratio": if cacheable > 0.0 { Some(hits / cacheable) } else { None },
        "cache": { "objects": cache.storage.objects(), "bytes": cache.storage.bytes() },
        "origins": origins,
        "functions": functions,
        "cold_starts": cold_starts,
        "in_flight": METRICS.requests_in_flight.get(),
        "recent": RECENT.list(),
    })
}

fn metrics(family: Option<&MetricFamily>) -> impl Iterator<Item = &Metric> {
    family.into_iter().flat_map(|f| f.get_metric().iter())
}

fn mean_ms(sum: f64, count: u64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64 * 1000.0)
}

/// The `q` quantile of a histogram metric (see [`histogram_quantile`]).
fn quantile(m: &Metric, q: f64) -> Option<f64> {
    let h = m.get_histogram();
    histogram_quantile(
        h.get_bucket()
            .iter()
            .map(|b| (b.upper_bound(), b.cumulative_count())),
        h.get_sample_count(),
        q,
    )
}
