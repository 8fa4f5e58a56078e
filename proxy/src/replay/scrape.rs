//! localfront's own numbers for a replay: `/metrics` on the target's admin listener is scraped
//! before, during (every second, for the timeline) and after the replay, and the differences are
//! what the replay caused. Percentiles come from the same histograms, with the same
//! interpolation, as the dashboard's (`metrics::histogram_quantile`), so the numbers match it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

use crate::metrics::histogram_quantile;

/// Labels, sorted.
type Labels = BTreeMap<String, String>;

/// One `/metrics` exposition.
pub struct Scrape {
    samples: Vec<prometheus_parse::Sample>,
}

/// Reads `/metrics` from the admin listener.
pub async fn scrape(admin: SocketAddr) -> Result<Scrape, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri = format!("http://{admin}/metrics")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let response = client
        .get(uri)
        .await
        .map_err(|e| format!("cannot read http://{admin}/metrics: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "http://{admin}/metrics answered {}",
            response.status()
        ));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("reading http://{admin}/metrics: {e}"))?
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .map_err(|e| format!("http://{admin}/metrics is not a Prometheus exposition: {e}"))?;
    Ok(Scrape {
        samples: parsed.samples,
    })
}

impl Scrape {
    fn samples<'a>(
        &'a self,
        metric: &'a str,
    ) -> impl Iterator<Item = (Labels, &'a prometheus_parse::Value)> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.metric == metric)
            .map(|s| {
                let labels = s
                    .labels
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (labels, &s.value)
            })
    }

    /// A counter's values by label set.
    fn counters(&self, metric: &str) -> BTreeMap<Labels, f64> {
        self.samples(metric)
            .filter_map(|(l, v)| match v {
                prometheus_parse::Value::Counter(x) | prometheus_parse::Value::Untyped(x) => {
                    Some((l, *x))
                }
                _ => None,
            })
            .collect()
    }

    /// A histogram's cumulative buckets by label set.
    fn histograms(&self, metric: &str) -> BTreeMap<Labels, Vec<(f64, f64)>> {
        self.samples(metric)
            .filter_map(|(l, v)| match v {
                prometheus_parse::Value::Histogram(b) => {
                    let mut buckets: Vec<(f64, f64)> =
                        b.iter().map(|b| (b.less_than, b.count)).collect();
                    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Some((l, buckets))
                }
                _ => None,
            })
            .collect()
    }
}

/// A counter's increase from `before` to `after`, by label set (label sets that did not move are
/// left out).
fn counter_diff(before: &Scrape, after: &Scrape, metric: &str) -> BTreeMap<Labels, u64> {
    let old = before.counters(metric);
    after
        .counters(metric)
        .into_iter()
        .map(|(l, v)| {
            let d = v - old.get(&l).copied().unwrap_or(0.0);
            (l, d.max(0.0).round() as u64)
        })
        .filter(|(_, d)| *d > 0)
        .collect()
}

/// A histogram's observations between two scrapes: cumulative bucket counts, by label set.
fn histogram_diff(
    before: &Scrape,
    after: &Scrape,
    metric: &str,
) -> BTreeMap<Labels, Vec<(f64, u64)>> {
    let old = before.histograms(metric);
    after
        .histograms(metric)
        .into_iter()
        .map(|(l, buckets)| {
            let previous = old.get(&l);
            let diff = buckets
                .iter()
                .map(|&(le, count)| {
                    let was = previous
                        .and_then(|p| p.iter().find(|(ple, _)| *ple == le))
                        .map_or(0.0, |p| p.1);
                    (le, (count - was).max(0.0).round() as u64)
                })
                .collect();
            (l, diff)
        })
        .filter(|(_, b): &(Labels, Vec<(f64, u64)>)| b.last().is_some_and(|(_, n)| *n > 0))
        .collect()
}

/// The total of cumulative buckets (the `+Inf` one).
fn total(buckets: &[(f64, u64)]) -> u64 {
    buckets.last().map_or(0, |b| b.1)
}

fn quantile(buckets: &[(f64, u64)], q: f64) -> Option<f64> {
    histogram_quantile(buckets.iter().copied(), total(buckets), q)
}

fn label<'a>(labels: &'a Labels, name: &str) -> &'a str {
    labels.get(name).map_or("", String::as_str)
}

/// What localfront counted during the replay.
#[derive(Debug, Serialize)]
pub struct MetricsReport {
    /// The admin listener scraped.
    pub admin: String,
    /// Viewer requests counted (`localfront_requests_total`).
    pub requests: u64,
    /// The same by `x-edge-result-type`.
    pub results: BTreeMap<String, u64>,
    /// CloudFront's cache hit rate over them.
    pub cache_hit_ratio: Option<f64>,
    /// Per function.
    pub functions: Vec<FunctionReport>,
}

/// One edge function's runs during the replay.
#[derive(Debug, Serialize)]
pub struct FunctionReport {
    /// Its name.
    pub function: String,
    /// `CloudFront Function` or `Lambda@Edge`.
    pub kind: &'static str,
    /// Runs.
    pub invocations: u64,
    /// Runs by result (`ok`, `validation_error`, `execution_error`, `throttled`, `limit_exceeded`).
    pub results: BTreeMap<String, u64>,
    /// Runs that failed (every result but `ok` and `throttled`).
    pub errors: u64,
    /// Runs refused for going over the limits.
    pub throttles: u64,
    /// Per event.
    pub events: Vec<EventReport>,
    /// CloudFront Functions' compute utilization (0–1).
    pub compute_utilization: Option<Utilization>,
    /// Lambda@Edge runs that started a new execution environment.
    pub cold_starts: u64,
}

/// A function's runs on one event.
#[derive(Debug, Serialize)]
pub struct EventReport {
    /// `viewer-request`, `origin-response`, …
    pub event: String,
    /// Runs timed.
    pub invocations: u64,
    /// Median run time (ms).
    pub p50_ms: Option<f64>,
    /// 99th percentile run time (ms).
    pub p99_ms: Option<f64>,
}

/// The distribution of compute utilization.
#[derive(Debug, Serialize)]
pub struct Utilization {
    /// Median (0–1).
    pub p50: Option<f64>,
    /// 99th percentile (0–1).
    pub p99: Option<f64>,
    /// Runs per bucket: `le` is the bucket's upper bound, `count` the runs in it (not cumulative).
    pub buckets: Vec<UtilizationBucket>,
}

/// One bucket of the utilization distribution.
#[derive(Debug, Serialize)]
pub struct UtilizationBucket {
    /// Upper bound (0–1; `null` for the overflow bucket).
    pub le: Option<f64>,
    /// Runs in it.
    pub count: u64,
}

/// Compares the scrapes taken before and after the replay.
pub fn report(admin: SocketAddr, before: &Scrape, after: &Scrape) -> MetricsReport {
    let mut results: BTreeMap<String, u64> = BTreeMap::new();
    for (l, n) in counter_diff(before, after, "localfront_requests_total") {
        *results
            .entry(label(&l, "cache_result").to_owned())
            .or_default() += n;
    }
    let requests = results.values().sum();

    let mut functions: BTreeMap<String, FunctionReport> = BTreeMap::new();
    for (l, n) in counter_diff(before, after, "localfront_function_invocations_total") {
        let f = function(&mut functions, label(&l, "function"));
        let result = label(&l, "result");
        f.invocations += n;
        *f.results.entry(result.to_owned()).or_default() += n;
        match result {
            "ok" => {}
            "throttled" => f.throttles += n,
            _ => f.errors += n,
        }
    }
    for (l, buckets) in histogram_diff(before, after, "localfront_function_duration_seconds") {
        let f = function(&mut functions, label(&l, "function"));
        f.events.push(EventReport {
            event: label(&l, "event").to_owned(),
            invocations: total(&buckets),
            p50_ms: quantile(&buckets, 0.5).map(|s| s * 1000.0),
            p99_ms: quantile(&buckets, 0.99).map(|s| s * 1000.0),
        });
    }
    for (l, buckets) in histogram_diff(before, after, "localfront_function_compute_utilization") {
        let f = function(&mut functions, label(&l, "function"));
        let mut below = 0;
        let per_bucket = buckets
            .iter()
            .map(|&(le, cumulative)| {
                let count = cumulative - below.min(cumulative);
                below = cumulative;
                UtilizationBucket {
                    le: le.is_finite().then_some(le),
                    count,
                }
            })
            .collect();
        f.compute_utilization = Some(Utilization {
            p50: quantile(&buckets, 0.5),
            p99: quantile(&buckets, 0.99),
            buckets: per_bucket,
        });
    }
    for (l, n) in counter_diff(before, after, "localfront_lambda_cold_starts_total") {
        function(&mut functions, label(&l, "function")).cold_starts += n;
    }
    for f in functions.values_mut() {
        f.kind = kind(f);
    }
    MetricsReport {
        admin: admin.to_string(),
        requests,
        cache_hit_ratio: hit_ratio(&results),
        results,
        functions: functions.into_values().collect(),
    }
}

fn function<'a>(
    functions: &'a mut BTreeMap<String, FunctionReport>,
    name: &str,
) -> &'a mut FunctionReport {
    functions
        .entry(name.to_owned())
        .or_insert_with(|| FunctionReport {
            function: name.to_owned(),
            kind: "",
            invocations: 0,
            results: BTreeMap::new(),
            errors: 0,
            throttles: 0,
            events: Vec::new(),
            compute_utilization: None,
            cold_starts: 0,
        })
}

/// Which kind of edge function the metrics describe: only CloudFront Functions have a compute
/// utilization, only Lambda@Edge runs on origin events or starts cold.
fn kind(f: &FunctionReport) -> &'static str {
    if f.compute_utilization.is_some() {
        "CloudFront Function"
    } else if f.cold_starts > 0 || f.events.iter().any(|e| e.event.starts_with("origin-")) {
        "Lambda@Edge"
    } else {
        "edge function"
    }
}

/// CloudFront's cache hit rate: hits over cacheable requests (hits and misses; errors and
/// generated responses are not cacheable requests), as the dashboard computes it.
pub fn hit_ratio(results: &BTreeMap<String, u64>) -> Option<f64> {
    let n = |k: &str| results.get(k).copied().unwrap_or(0) as f64;
    let hits = n("Hit") + n("RefreshHit") + n("OriginShieldHit");
    let cacheable = hits + n("Miss");
    (cacheable > 0.0).then(|| hits / cacheable)
}

/// One interval of a function's compute utilization, between two scrapes during the replay.
#[derive(Debug, Clone, Serialize)]
pub struct UtilizationPoint {
    /// The function.
    pub function: String,
    /// The end of the interval (seconds from the replay's start).
    pub t_s: f64,
    /// Runs in it.
    pub invocations: u64,
    /// Median utilization in it (0–1).
    pub p50: Option<f64>,
    /// 99th percentile utilization in it (0–1).
    pub p99: Option<f64>,
}

/// The compute utilization of every function that ran between two scrapes.
pub fn utilization_points(before: &Scrape, after: &Scrape, t_s: f64) -> Vec<UtilizationPoint> {
    histogram_diff(before, after, "localfront_function_compute_utilization")
        .into_iter()
        .map(|(l, buckets)| UtilizationPoint {
            function: label(&l, "function").to_owned(),
            t_s,
            invocations: total(&buckets),
            p50: quantile(&buckets, 0.5),
            p99: quantile(&buckets, 0.99),
        })
        .collect()
}
