//! The replay's report: what the log held, what was sent and answered, the local cache result mix
//! next to the log's own `x-edge-result-type` mix, latency percentiles, and per edge function the
//! numbers localfront's `/metrics` counted. Printed as text at the end, written as JSON with
//! `--json` and as a page with `--html` (html.rs).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::parse::BadLine;
use super::scrape::{hit_ratio, MetricsReport, UtilizationPoint};
use super::tally::{Send, Tally};

/// Everything a replay found out.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Where the requests went.
    pub target: String,
    /// `1x`, `10x`, `max`, …
    pub speed: String,
    /// What the log files held.
    pub log: LogSummary,
    /// Requests chosen for the replay (after `--sample` and `--duration`).
    pub planned: u64,
    /// Requests sent.
    pub sent: u64,
    /// Requests answered or failed.
    pub completed: u64,
    /// From the first send to the last answer (seconds).
    pub duration_s: f64,
    /// Requests answered per second over that time.
    pub rate_rps: f64,
    /// Responses by status class (`2xx`…).
    pub status_classes: BTreeMap<String, u64>,
    /// Responses by status code.
    pub status_codes: BTreeMap<String, u64>,
    /// Requests without a response, by reason.
    pub failures: BTreeMap<String, u64>,
    /// The local cache results next to the log's.
    pub cache: CacheComparison,
    /// Latency from send to the end of the response body.
    pub latency_ms: Latency,
    /// The latest a request was sent after its due time (ms).
    pub max_lag_ms: f64,
    /// localfront's own counts during the replay (`--admin`).
    pub metrics: Option<MetricsReport>,
    /// Why there are none, when `--admin` was given but could not be read.
    pub metrics_error: Option<String>,
    /// Requests and latency over time.
    pub timeline: Vec<TimelinePoint>,
    /// Compute utilization over time, per CloudFront Function (`--admin`).
    pub utilization_timeline: Vec<UtilizationPoint>,
    /// The requests one by one (the first 10,000), with their due and send times.
    pub sends: Vec<Send>,
    /// Whether `sends` stops short of every request.
    pub sends_truncated: bool,
}

/// What the log files held.
#[derive(Debug, Serialize)]
pub struct LogSummary {
    /// The files read.
    pub files: Vec<String>,
    /// Lines that were requests.
    pub requests: u64,
    /// Lines that were not (counted, skipped).
    pub bad_lines: u64,
    /// The first bad lines and why.
    pub bad_examples: Vec<BadLine>,
    /// The replayed requests by recorded `cs-protocol`.
    pub protocols: BTreeMap<String, u64>,
}

/// Local cache results against the log's.
#[derive(Debug, Serialize)]
pub struct CacheComparison {
    /// The replayed requests by recorded `x-edge-result-type`.
    pub log: BTreeMap<String, u64>,
    /// CloudFront's hit rate over them.
    pub log_hit_ratio: Option<f64>,
    /// The responses by `X-Cache` result type.
    pub local: BTreeMap<String, u64>,
    /// localfront's hit rate over them.
    pub local_hit_ratio: Option<f64>,
}

/// Latency percentiles (ms).
#[derive(Debug, Serialize)]
pub struct Latency {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// One interval of the timeline.
#[derive(Debug, Serialize)]
pub struct TimelinePoint {
    /// The interval's start (seconds from the replay's start).
    pub t_s: f64,
    /// Requests sent per second in it.
    pub rate_rps: f64,
    /// Median latency of them (ms).
    pub p50_ms: Option<f64>,
    /// 99th percentile latency of them (ms).
    pub p99_ms: Option<f64>,
}

/// The parts of a report that come from the run itself.
pub struct Run {
    pub target: String,
    pub speed: String,
    pub log: LogSummary,
    pub log_results: BTreeMap<String, u64>,
    pub planned: u64,
    pub sent: u64,
    pub duration_s: f64,
    pub metrics: Option<MetricsReport>,
    pub metrics_error: Option<String>,
    pub utilization_timeline: Vec<UtilizationPoint>,
}

impl Report {
    /// Puts the report together.
    pub fn new(run: Run, mut tally: Tally) -> Self {
        // Listed in replay order, not in the order the answers came.
        tally.sends.sort_by_key(|s| s.index);
        let mut status_classes = BTreeMap::new();
        for (code, n) in &tally.status_codes {
            *status_classes
                .entry(format!("{}xx", code / 100))
                .or_default() += n;
        }
        let us = |v: u64| v as f64 / 1000.0;
        let h = &tally.latency_us;
        let latency_ms = if h.is_empty() {
            Latency {
                min: 0.0,
                mean: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p999: 0.0,
                max: 0.0,
            }
        } else {
            Latency {
                min: us(h.min()),
                mean: h.mean() / 1000.0,
                p50: us(h.value_at_quantile(0.5)),
                p90: us(h.value_at_quantile(0.9)),
                p99: us(h.value_at_quantile(0.99)),
                p999: us(h.value_at_quantile(0.999)),
                max: us(h.max()),
            }
        };
        let width = tally.timeline.width_s;
        let timeline = tally
            .timeline
            .intervals
            .iter()
            .enumerate()
            .map(|(i, interval)| {
                let q = |q: f64| {
                    interval
                        .latency_us
                        .as_ref()
                        .filter(|h| !h.is_empty())
                        .map(|h| us(h.value_at_quantile(q)))
                };
                TimelinePoint {
                    t_s: i as f64 * width,
                    rate_rps: interval.sent as f64 / width,
                    p50_ms: q(0.5),
                    p99_ms: q(0.99),
                }
            })
            .collect();
        Self {
            target: run.target,
            speed: run.speed,
            log: run.log,
            planned: run.planned,
            sent: run.sent,
            completed: tally.completed,
            duration_s: run.duration_s,
            rate_rps: tally.completed as f64 / run.duration_s.max(0.001),
            status_classes,
            status_codes: tally
                .status_codes
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect(),
            failures: tally.errors.clone(),
            cache: CacheComparison {
                log_hit_ratio: hit_ratio(&run.log_results),
                log: run.log_results,
                local_hit_ratio: hit_ratio(&tally.results),
                local: tally.results.clone(),
            },
            latency_ms,
            max_lag_ms: tally.max_lag.as_secs_f64() * 1000.0,
            metrics: run.metrics,
            metrics_error: run.metrics_error,
            timeline,
            utilization_timeline: run.utilization_timeline,
            sends_truncated: tally.sends_truncated(),
            sends: tally.sends,
        }
    }

    /// The report as text, for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let pct = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0));
        let mix = |m: &BTreeMap<String, u64>| {
            if m.is_empty() {
                "-".to_owned()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let _ = writeln!(
            out,
            "replay of {} file(s) against {} at {}",
            self.log.files.len(),
            self.target,
            self.speed
        );
        let _ = writeln!(
            out,
            "  log:        {} requests, {} bad lines",
            self.log.requests, self.log.bad_lines
        );
        for bad in &self.log.bad_examples {
            let _ = writeln!(
                out,
                "              {}:{}: {}",
                bad.file, bad.line, bad.reason
            );
        }
        let _ = writeln!(
            out,
            "  sent:       {} of {} planned, {} answered or failed in {:.1}s ({:.1} req/s), sent at most {:.0} ms late",
            self.sent, self.planned, self.completed, self.duration_s, self.rate_rps, self.max_lag_ms
        );
        let _ = writeln!(out, "  status:     {}", mix(&self.status_classes));
        let _ = writeln!(out, "  codes:      {}", mix(&self.status_codes));
        if !self.failures.is_empty() {
            let _ = writeln!(out, "  failed:     {}", mix(&self.failures));
        }
        let l = &self.latency_ms;
        let _ = writeln!(
            out,
            "  latency:    p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms",
            l.p50, l.p90, l.p99, l.p999, l.max
        );
        let _ = writeln!(
            out,
            "  cache:      local hit ratio {} ({}); the log's {} ({})",
            pct(self.cache.local_hit_ratio),
            mix(&self.cache.local),
            pct(self.cache.log_hit_ratio),
            mix(&self.cache.log)
        );
        match (&self.metrics, &self.metrics_error) {
            (Some(m), _) => {
                let _ = writeln!(
                    out,
                    "  localfront: {} requests counted at {}, hit ratio {}",
                    m.requests,
                    m.admin,
                    pct(m.cache_hit_ratio)
                );
                for f in &m.functions {
                    let _ = writeln!(
                        out,
                        "  function {} ({}): {} invocations, {} errors, {} throttles{}",
                        f.function,
                        f.kind,
                        f.invocations,
                        f.errors,
                        f.throttles,
                        if f.cold_starts > 0 {
                            format!(", {} cold starts", f.cold_starts)
                        } else {
                            String::new()
                        }
                    );
                    for e in &f.events {
                        let ms =
                            |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3} ms"));
                        let _ = writeln!(
                            out,
                            "    {}: {} runs, p50 {}, p99 {}",
                            e.event,
                            e.invocations,
                            ms(e.p50_ms),
                            ms(e.p99_ms)
                        );
                    }
                    if let Some(u) = &f.compute_utilization {
                        let buckets: Vec<String> = u
                            .buckets
                            .iter()
                            .filter(|b| b.count > 0)
                            .map(|b| match b.le {
                                Some(le) => format!("≤{:.0}%: {}", le * 100.0, b.count),
                                None => format!(">100%: {}", b.count),
                            })
                            .collect();
                        let _ = writeln!(
                            out,
                            "    compute utilization: p50 {}, p99 {} ({})",
                            pct(u.p50),
                            pct(u.p99),
                            buckets.join(", ")
                        );
                    }
                }
            }
            (None, Some(e)) => {
                let _ = writeln!(out, "  localfront: no metrics: {e}");
            }
            (None, None) => {
                let _ = writeln!(
                    out,
                    "  localfront: pass --admin ADDR for the per-function numbers from /metrics"
                );
            }
        }
        out
    }
}
