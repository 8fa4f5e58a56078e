//! Strict compute (spec §9): a function that keeps exceeding its compute budget is throttled, as
//! CloudFront does (503 `FunctionThrottledError`). Off by default; per function, counted over the
//! last runs.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When sustained overruns throttle a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Runs looked at.
    pub window: usize,
    /// Runs of the window at 100 % utilization that throttle the function.
    pub overruns: usize,
    /// How long a throttled function stays throttled (CloudFront: about 10 minutes, observed).
    pub cooldown: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            window: 20,
            overruns: 10,
            cooldown: Duration::from_secs(600),
        }
    }
}

#[derive(Default)]
struct History {
    recent: VecDeque<bool>,
    throttled_until: Option<Instant>,
}

/// Per-function overrun history, shared by every worker.
#[derive(Default)]
pub(crate) struct Throttles {
    by_function: Mutex<HashMap<String, History>>,
}

impl Throttles {
    /// Whether `function` is throttled now.
    pub fn is_throttled(&self, function: &str) -> bool {
        let map = self.by_function.lock().unwrap_or_else(|p| p.into_inner());
        map.get(function)
            .and_then(|h| h.throttled_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Records a run's utilization; returns whether this run made the function throttled.
    pub fn record(&self, function: &str, utilization: u8, policy: &ThrottlePolicy) -> bool {
        let mut map = self.by_function.lock().unwrap_or_else(|p| p.into_inner());
        let h = map.entry(function.to_owned()).or_default();
        h.recent.push_back(utilization >= 100);
        while h.recent.len() > policy.window {
            h.recent.pop_front();
        }
        if h.recent.iter().filter(|&&over| over).count() >= policy.overruns {
            h.throttled_until = Some(Instant::now() + policy.cooldown);
            h.recent.clear();
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sustained_overruns_throttle() {
        let t = Throttles::default();
        let p = ThrottlePolicy {
            window: 4,
            overruns: 3,
            cooldown: Duration::from_secs(60),
        };
        assert!(!t.record("f", 100, &p));
        assert!(!t.record("f", 10, &p));
        assert!(!t.record("f", 100, &p));
        assert!(!t.is_throttled("f"));
        assert!(t.record("f", 100, &p));
        assert!(t.is_throttled("f"));
        assert!(!t.is_throttled("g"));
    }
}
