//! What came back: each answered (or failed) request is added to running totals — status codes,
//! local `X-Cache` result types, latency percentiles (hdrhistogram) — and to a timeline of
//! requests and latency per interval, for the report's plots.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// One request's fate.
#[derive(Debug)]
pub struct Outcome {
    /// Its position in the replay.
    pub index: usize,
    /// When it was due, from the replay's start.
    pub scheduled: Duration,
    /// When it was sent.
    pub sent: Duration,
    /// Send to the end of the response body (or to the failure).
    pub latency: Duration,
    /// The response status; `None` when there was no response.
    pub status: Option<u16>,
    /// The `X-Cache` result type (`Hit`, `Miss`, `FunctionGeneratedResponse`, …).
    pub result: Option<String>,
    /// Why there was no response.
    pub error: Option<String>,
}

/// One request in the report's send list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Send {
    /// Its position in the replay.
    pub index: usize,
    /// When it was due (ms from the start).
    pub scheduled_ms: f64,
    /// When it was sent (ms from the start).
    pub sent_ms: f64,
    /// Its latency (ms).
    pub latency_ms: f64,
    /// The response status (`null` without a response).
    pub status: Option<u16>,
}

/// How many requests the report lists one by one.
const SEND_LIST: usize = 10_000;
/// The most timeline intervals kept: past it, intervals are merged pairwise.
const TIMELINE_POINTS: usize = 600;

/// Running totals.
pub struct Tally {
    /// Latency in microseconds.
    pub latency_us: Histogram<u64>,
    /// Responses by status code.
    pub status_codes: BTreeMap<u16, u64>,
    /// Responses by local result type (from `X-Cache`).
    pub results: BTreeMap<String, u64>,
    /// Requests without a response, by reason.
    pub errors: BTreeMap<String, u64>,
    /// Requests answered or failed.
    pub completed: u64,
    /// The latest a request went out after its due time.
    pub max_lag: Duration,
    /// The first requests, one by one.
    pub sends: Vec<Send>,
    /// The timeline.
    pub timeline: Timeline,
}

/// Requests and latency per interval of the replay.
pub struct Timeline {
    /// The interval's length in seconds (doubles when there would be too many).
    pub width_s: f64,
    /// The intervals, from the start.
    pub intervals: Vec<Interval>,
}

/// One interval of the timeline.
#[derive(Default)]
pub struct Interval {
    /// Requests sent in it.
    pub sent: u64,
    /// Latency (µs) of the requests sent in it.
    pub latency_us: Option<Histogram<u64>>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            latency_us: Histogram::new(3).expect("3 significant figures is valid"),
            status_codes: BTreeMap::new(),
            results: BTreeMap::new(),
            errors: BTreeMap::new(),
            completed: 0,
            max_lag: Duration::ZERO,
            sends: Vec::new(),
            timeline: Timeline {
                width_s: 1.0,
                intervals: Vec::new(),
            },
        }
    }
}

impl Tally {
    /// Adds one request.
    pub fn add(&mut self, o: Outcome) {
        self.completed += 1;
        let us = o.latency.as_micros().clamp(1, u64::MAX as u128) as u64;
        // Auto-resizing histograms take any value.
        let _ = self.latency_us.record(us);
        match (o.status, o.error) {
            (Some(status), _) => *self.status_codes.entry(status).or_default() += 1,
            (None, Some(e)) => *self.errors.entry(e).or_default() += 1,
            (None, None) => *self.errors.entry("no response".to_owned()).or_default() += 1,
        }
        if let Some(r) = o.result {
            *self.results.entry(r).or_default() += 1;
        }
        self.max_lag = self.max_lag.max(o.sent.saturating_sub(o.scheduled));
        if self.sends.len() < SEND_LIST {
            self.sends.push(Send {
                index: o.index,
                scheduled_ms: ms(o.scheduled),
                sent_ms: ms(o.sent),
                latency_ms: ms(o.latency),
                status: o.status,
            });
        }
        self.timeline.add(o.sent, us);
    }

    /// Whether the send list holds every request.
    pub fn sends_truncated(&self) -> bool {
        self.completed as usize > self.sends.len()
    }
}

impl Timeline {
    fn add(&mut self, sent: Duration, latency_us: u64) {
        let mut i = (sent.as_secs_f64() / self.width_s) as usize;
        while i >= TIMELINE_POINTS {
            self.coarsen();
            i = (sent.as_secs_f64() / self.width_s) as usize;
        }
        if self.intervals.len() <= i {
            self.intervals.resize_with(i + 1, Interval::default);
        }
        let interval = &mut self.intervals[i];
        interval.sent += 1;
        let h = interval
            .latency_us
            .get_or_insert_with(|| Histogram::new(2).expect("2 significant figures is valid"));
        let _ = h.record(latency_us);
    }

    /// Merges intervals pairwise, doubling their width.
    fn coarsen(&mut self) {
        let old = std::mem::take(&mut self.intervals);
        let mut it = old.into_iter();
        while let Some(mut a) = it.next() {
            if let Some(b) = it.next() {
                a.sent += b.sent;
                a.latency_us = match (a.latency_us, b.latency_us) {
                    (Some(mut x), Some(y)) => {
                        let _ = x.add(&y);
                        Some(x)
                    }
                    (x, y) => x.or(y),
                };
            }
            self.intervals.push(a);
        }
        self.width_s *= 2.0;
    }
}

/// Milliseconds, as a float.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_coarsens_instead_of_growing_without_bound() {
        let mut t = Tally::default();
        for s in 0..1300u64 {
            t.add(Outcome {
                index: s as usize,
                scheduled: Duration::from_secs(s),
                sent: Duration::from_secs(s),
                latency: Duration::from_millis(2),
                status: Some(200),
                result: Some("Hit".into()),
                error: None,
            });
        }
        assert_eq!(t.timeline.width_s, 4.0);
        assert!(t.timeline.intervals.len() <= TIMELINE_POINTS);
        let sent: u64 = t.timeline.intervals.iter().map(|i| i.sent).sum();
        assert_eq!(sent, 1300);
        assert_eq!(t.status_codes[&200], 1300);
    }
}
