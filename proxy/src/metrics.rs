//! Prometheus metrics (spec/hardening.md §7), served on the admin listener at `GET /metrics`:
//! CloudFront's CloudWatch metrics (spec/distribution.md §16) under Prometheus' conventions —
//! `localfront_` prefix, base units, `_total` counters, no high-cardinality labels (no URI,
//! client IP or request id).
//!
//! One process-wide registry: every stage records where the thing happens, and a reload keeps the
//! counts (they describe the process, not a config generation).

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Every metric localfront exports.
pub struct Metrics {
    registry: Registry,
    /// Viewer requests by distribution, cache behavior (its path pattern), method, status class
    /// (`2xx`…) and CloudFront's `x-edge-result-type` (`Hit`, `Miss`, `Error`, …).
    pub requests: IntCounterVec,
    /// Bytes sent to viewers (CloudFront's `BytesDownloaded`), by distribution.
    pub bytes_downloaded: IntCounterVec,
    /// Request body bytes received from viewers (`BytesUploaded`), by distribution.
    pub bytes_uploaded: IntCounterVec,
    /// Time from the start of the origin fetch to the origin's response header (`OriginLatency`),
    /// by distribution and origin.
    pub origin_latency: HistogramVec,
    /// Objects in the cache (sampled when scraped).
    pub cache_objects: IntGauge,
    /// Bytes in the cache (sampled when scraped).
    pub cache_bytes: IntGauge,
    /// Edge function runs by function, event and result (`ok`, `validation_error`,
    /// `execution_error`, `throttled`, `limit_exceeded`).
    pub function_invocations: IntCounterVec,
    /// Edge function run time, by function and event.
    pub function_duration: HistogramVec,
    /// CloudFront Functions' compute utilization (0–1), by function.
    pub function_compute_utilization: HistogramVec,
    /// Lambda runs that started a new execution environment, by function.
    pub lambda_cold_starts: IntCounterVec,
    /// Lambda invocations refused for lack of concurrency, by function.
    pub lambda_throttles: IntCounterVec,
    /// API Gateway origin requests by API, route key and status.
    pub apigw_requests: IntCounterVec,
    /// The Lambda functions' counts last folded into the counters (see `sync_lambda`).
    lambda_seen: parking_lot::Mutex<std::collections::HashMap<String, (u64, u64)>>,
    /// Config reloads by result (`success`, `failure`).
    pub config_reloads: IntCounterVec,
    /// 1 when the last reload succeeded.
    pub config_last_reload_success: IntGauge,
    /// The config generation serving.
    pub config_generation: IntGauge,
    /// Viewer requests being served.
    pub requests_in_flight: IntGauge,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// Buckets for sub-millisecond to multi-second latencies.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Buckets for a 0–1 ratio.
const RATIO_BUCKETS: &[f64] = &[0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.71, 0.8, 0.9, 1.0];

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry.register(Box::new(c.clone())).expect("unique");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: &[f64]| {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(buckets.to_vec()),
                labels,
            )
            .expect("valid metric");
            registry.register(Box::new(h.clone())).expect("unique");
            h
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(g.clone())).expect("unique");
            g
        };
        let build_info = IntGaugeVec::new(
            Opts::new("localfront_build_info", "localfront's version"),
            &["version"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(build_info.clone()))
            .expect("unique");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        Self {
            requests: counter(
                "localfront_requests_total",
                "Viewer requests (CloudFront's Requests)",
                &["distribution", "behavior", "method", "status_class", "cache_result"],
            ),
            bytes_downloaded: counter(
                "localfront_bytes_downloaded_total",
                "Body bytes sent to viewers (CloudFront's BytesDownloaded)",
                &["distribution"],
            ),
            bytes_uploaded: counter(
                "localfront_bytes_uploaded_total",
                "Body bytes received from viewers (CloudFront's BytesUploaded)",
                &["distribution"],
            ),
            origin_latency: histogram(
                "localfront_origin_latency_seconds",
                "Origin fetch start to the origin's response header (CloudFront's OriginLatency)",
                &["distribution", "origin"],
                LATENCY_BUCKETS,
            ),
            cache_objects: gauge("localfront_cache_objects", "Objects in the cache"),
            cache_bytes: gauge("localfront_cache_bytes", "Bytes in the cache"),
            function_invocations: counter(
                "localfront_function_invocations_total",
                "Edge function runs (CloudFront's FunctionInvocations and error counts)",
                &["function", "event", "result"],
            ),
            function_duration: histogram(
                "localfront_function_duration_seconds",
                "Edge function run time",
                &["function", "event"],
                LATENCY_BUCKETS,
            ),
            function_compute_utilization: histogram(
                "localfront_function_compute_utilization",
                "CloudFront Functions compute utilization, 0-1 (CloudFront's FunctionComputeUtilization / 100)",
                &["function"],
                RATIO_BUCKETS,
            ),
            lambda_cold_starts: counter(
                "localfront_lambda_cold_starts_total",
                "Lambda invocations that started a new execution environment",
                &["function"],
            ),
            lambda_throttles: counter(
                "localfront_lambda_throttles_total",
                "Lambda invocations throttled for lack of concurrency",
                &["function"],
            ),
            apigw_requests: counter(
                "localfront_apigw_requests_total",
                "API Gateway origin requests by route key and status",
                &["api", "route", "status"],
            ),
            lambda_seen: parking_lot::Mutex::default(),
            config_reloads: counter(
                "localfront_config_reloads_total",
                "Config reloads",
                &["result"],
            ),
            config_last_reload_success: gauge(
                "localfront_config_last_reload_success",
                "1 when the last config reload succeeded",
            ),
            config_generation: gauge(
                "localfront_config_generation",
                "The config generation serving",
            ),
            requests_in_flight: gauge(
                "localfront_requests_in_flight",
                "Viewer requests being served",
            ),
            registry,
        }
    }

    /// The first generation is serving.
    pub fn started(&self) {
        self.config_last_reload_success.set(1);
        self.config_generation.set(1);
    }

    /// Counts a reload.
    pub fn record_reload(&self, success: bool, generation: u64) {
        let result = if success { "success" } else { "failure" };
        self.config_reloads.with_label_values(&[result]).inc();
        self.config_last_reload_success.set(i64::from(success));
        self.config_generation.set(generation as i64);
    }

    /// Folds the API Gateway Lambda functions' own counters (cold starts, throttles) into the
    /// process's counters, at scrape time. A function's counts start again with each config
    /// generation: a count below the last one seen is a new generation's, added whole.
    pub fn sync_lambda(&self, stats: &[(String, u64, u64)]) {
        let mut seen = self.lambda_seen.lock();
        for (name, cold_starts, throttles) in stats {
            let (last_cold, last_throttles) = seen.get(name).copied().unwrap_or((0, 0));
            let delta = |now: u64, last: u64| if now >= last { now - last } else { now };
            self.lambda_cold_starts
                .with_label_values(&[name.as_str()])
                .inc_by(delta(*cold_starts, last_cold));
            self.lambda_throttles
                .with_label_values(&[name.as_str()])
                .inc_by(delta(*throttles, last_throttles));
            seen.insert(name.clone(), (*cold_starts, *throttles));
        }
    }

    /// Counts one edge function run.
    pub fn record_function(&self, function: &str, event: &str, result: &str, duration: Duration) {
        self.function_invocations
            .with_label_values(&[function, event, result])
            .inc();
        self.function_duration
            .with_label_values(&[function, event])
            .observe(duration.as_secs_f64());
    }

    /// Every metric's current values.
    pub fn families(&self) -> Vec<prometheus::proto::MetricFamily> {
        self.registry.gather()
    }

    /// The text exposition format.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        out
    }
}

/// The `q` quantile of a histogram given as `(upper bound, cumulative count)` buckets in
/// ascending order and its total count, interpolated linearly within the bucket it falls in (as
/// Prometheus' `histogram_quantile` does). Shared by the dashboard and `localfront replay`, so
/// both report the same percentiles for the same observations.
pub fn histogram_quantile(
    buckets: impl IntoIterator<Item = (f64, u64)>,
    total: u64,
    q: f64,
) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let (mut lower, mut below) = (0.0, 0u64);
    for (upper, count) in buckets {
        if upper.is_infinite() {
            break;
        }
        if count as f64 >= rank {
            let in_bucket = count.saturating_sub(below) as f64;
            let fraction = if in_bucket > 0.0 {
                (rank - below as f64) / in_bucket
            } else {
                1.0
            };
            return Some(lower + (upper - lower) * fraction);
        }
        lower = upper;
        below = count;
    }
    // Beyond the last finite bucket: its bound is the best answer a histogram has.
    Some(lower)
}
