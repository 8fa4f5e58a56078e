//! Which functions may run inline, on the caller's thread, instead of being handed to the
//! [`FunctionThreads`](crate::FunctionThreads) (issue 5 item 7, issue 10 item 3).
//!
//! Handing a run to a function thread costs a queue, a wake-up of a parked thread, a reply and a
//! wake-up of the caller's task: ~6 µs and two futex wake-ups per request, more than a
//! URL-rewrite run itself. A function that has only ever run briefly gains nothing from that
//! isolation, so it runs inline on probation; the first sign that it can hold the caller's thread
//! moves it to the function threads for good (for this [`Functions`](crate::Functions) set, i.e.
//! until the next config generation, which starts every function on probation again):
//!
//! - a run stopped by a budget (time, memory, stack): such a run held the thread up to its time
//!   budget (20 ms by default), and no run of that function will do so again;
//! - a run over [`MAX_INLINE_CPU`] of CPU time, whatever its outcome;
//! - runs over [`SLOW_CPU`] (the nominal compute budget CloudFront measures utilization against)
//!   that are not rare: more than one in [`SLOW_RATIO`]. One slow run in hundreds is boa's
//!   collector sweeping the thread's garbage (~1 ms every few hundred runs of a URL rewrite),
//!   not the function's doing; a first run that is slow is already one in one.
//!
//! So a hostile function costs its callers at most one budget per caller thread running it at
//! that moment, then never again; well-behaved functions pay no hand-off.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// A run over this much CPU time moves its function to the function threads.
pub(crate) const MAX_INLINE_CPU: Duration = Duration::from_millis(5);

/// A run over this much CPU time is slow.
pub(crate) const SLOW_CPU: Duration = Duration::from_millis(1);

/// A function with more than one slow run in this many moves to the function threads.
pub(crate) const SLOW_RATIO: u64 = 100;

/// The record of one function's inline runs.
#[derive(Default)]
pub(crate) struct Probation {
    runs: AtomicU64,
    slow: AtomicU64,
    handed_off: AtomicBool,
}

impl Probation {
    /// Whether the function may still run inline.
    pub fn inline(&self) -> bool {
        !self.handed_off.load(Ordering::Relaxed)
    }

    /// Records an inline run that used `cpu` and whether a budget stopped it.
    pub fn record(&self, cpu: Duration, stopped_by_budget: bool) {
        let runs = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let slow = if cpu > SLOW_CPU {
            self.slow.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.slow.load(Ordering::Relaxed)
        };
        if stopped_by_budget || cpu > MAX_INLINE_CPU || slow * SLOW_RATIO > runs {
            self.handed_off.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_micros(10);

    #[test]
    fn fast_runs_stay_inline_and_rare_slow_ones_are_forgiven() {
        let p = Probation::default();
        for _ in 0..500 {
            p.record(FAST, false);
        }
        p.record(Duration::from_micros(1500), false);
        assert!(p.inline());
    }

    #[test]
    fn budgets_long_runs_and_frequent_slow_runs_end_probation() {
        let p = Probation::default();
        p.record(FAST, true);
        assert!(!p.inline());

        let p = Probation::default();
        p.record(Duration::from_millis(6), false);
        assert!(!p.inline());

        // A first run that is slow is one in one.
        let p = Probation::default();
        p.record(Duration::from_micros(1500), false);
        assert!(!p.inline());

        let p = Probation::default();
        for _ in 0..50 {
            p.record(FAST, false);
        }
        p.record(Duration::from_micros(1500), false);
        assert!(!p.inline());
    }
}
