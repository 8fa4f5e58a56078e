//! Throttling and usage plans of one API (spec/api-gateway.md §6–7), checked after routing and
//! before the integration: the route's token bucket (its own `throttling`, else the stage's
//! default) → 429 `Too Many Requests`; then, on routes with `api_key_required`, the `x-api-key`
//! (missing, unknown or disabled → 403 `Forbidden`), the key's usage plan throttle (429 `Too Many
//! Requests`) and quota (429 `Limit Exceeded`).
//!
//! The buckets and quota counters live in [`ApiCounters`], which the proxy keeps for the life
//! of the process and hands to each config generation: a reload keeps a key's quota spent so
//! far (and a bucket whose numbers did not change).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota as GcraQuota, RateLimiter};
use http::StatusCode;
use localfront_config::{ApiConfig, ApiKey, Quota, QuotaPeriod, RouteConfig, Throttle, UsagePlan};
use parking_lot::Mutex;
use time::OffsetDateTime;

use super::Answer;

/// The header a caller's API key is read from (`api_key_source = "HEADER"`).
const API_KEY_HEADER: &str = "x-api-key";

/// The longest refill period of a bucket: rates below one token in 10⁶ s behave as that rate
/// (and governor's nanosecond arithmetic cannot overflow at a 5,000 burst).
const MAX_REFILL_PERIOD: Duration = Duration::from_secs(1_000_000);

/// Token buckets and quota counters of every API, shared by the config generations of one
/// process.
#[derive(Default)]
pub struct ApiCounters {
    /// By scope and numbers: a bucket survives a reload when its numbers did not change.
    buckets: Mutex<HashMap<String, Arc<Bucket>>>,
    /// By plan and key name: what the key spent in its plan's current quota period.
    quotas: Mutex<HashMap<(String, String), Spent>>,
}

impl std::fmt::Debug for ApiCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCounters")
            .field("buckets", &self.buckets.lock().len())
            .field("quotas", &self.quotas.lock().len())
            .finish()
    }
}

/// Requests counted in one quota period.
#[derive(Debug, Clone, Copy)]
struct Spent {
    period: (QuotaPeriod, i64),
    used: u64,
}

/// One token bucket.
enum Bucket {
    /// GCRA, equivalent to a token bucket of `burst_limit` tokens refilled at `rate_limit`/s.
    Gcra(DefaultDirectRateLimiter),
    /// `burst_limit = 0`: admits nothing (spec/api-gateway.md §6, unconfirmed).
    Closed,
}

impl Bucket {
    fn new(t: &Throttle) -> Self {
        let Some(burst) = NonZeroU32::new(t.burst_limit) else {
            return Bucket::Closed;
        };
        let period = if t.rate_limit > 0.0 {
            Duration::try_from_secs_f64(1.0 / t.rate_limit)
                .unwrap_or(MAX_REFILL_PERIOD)
                .min(MAX_REFILL_PERIOD)
        } else {
            MAX_REFILL_PERIOD
        };
        // Validation caps the rate at 10,000/s: the period is at least 100 µs, never zero.
        match GcraQuota::with_period(period) {
            Some(q) => Bucket::Gcra(RateLimiter::direct(q.allow_burst(burst))),
            None => Bucket::Closed,
        }
    }

    /// Takes a token; `false` when the bucket is empty.
    fn admit(&self) -> bool {
        match self {
            Bucket::Gcra(limiter) => limiter.check().is_ok(),
            Bucket::Closed => false,
        }
    }
}

impl ApiCounters {
    /// The bucket for `scope` with `throttle`'s numbers, shared with earlier generations.
    fn bucket(&self, scope: String, throttle: &Throttle) -> Arc<Bucket> {
        let key = format!("{scope}\0{}\0{}", throttle.rate_limit, throttle.burst_limit);
        self.buckets
            .lock()
            .entry(key)
            .or_insert_with(|| Arc::new(Bucket::new(throttle)))
            .clone()
    }

    /// Counts one request of `key` in `plan` against `quota`; `false` when the period's quota
    /// is spent (the request is then not counted).
    fn spend(&self, plan: &str, key: &str, quota: &Quota, now: OffsetDateTime) -> bool {
        let period = (quota.period, period_of(quota.period, now));
        let mut quotas = self.quotas.lock();
        let spent = quotas
            .entry((plan.to_owned(), key.to_owned()))
            .or_insert(Spent { period, used: 0 });
        if spent.period != period {
            *spent = Spent { period, used: 0 };
        }
        if spent.used >= quota.limit {
            return false;
        }
        spent.used += 1;
        true
    }
}

/// The number of the quota period `now` is in: UTC days, ISO weeks from Monday, or months
/// (spec/api-gateway.md §7: periods start at UTC day/ISO week/month, unconfirmed).
fn period_of(period: QuotaPeriod, now: OffsetDateTime) -> i64 {
    let date = now.date();
    match period {
        QuotaPeriod::Day => i64::from(date.to_julian_day()),
        QuotaPeriod::Week => {
            i64::from(date.to_julian_day()) - i64::from(date.weekday().number_days_from_monday())
        }
        QuotaPeriod::Month => i64::from(date.year()) * 12 + i64::from(u8::from(date.month())),
    }
}

/// What a key may do on one stage of this API: its plan's throttle and quota.
struct Grant {
    plan: String,
    key: String,
    bucket: Option<Arc<Bucket>>,
    quota: Option<Quota>,
}

/// The limits of one API in one config generation.
pub(crate) struct ApiLimits {
    counters: Arc<ApiCounters>,
    /// Indexed by stage, then route: the route's effective bucket (`None`: unthrottled).
    routes: Vec<Vec<Option<Arc<Bucket>>>>,
    /// By key value, the enabled keys' grants, by stage name.
    keys: HashMap<String, Vec<(String, Grant)>>,
}

impl ApiLimits {
    /// The limits of `api` with the account's `keys` and `plans`, counted in `counters`.
    pub(crate) fn new(
        api: &ApiConfig,
        keys: &[ApiKey],
        plans: &[UsagePlan],
        counters: Arc<ApiCounters>,
    ) -> Self {
        let routes = api
            .stages
            .iter()
            .map(|stage| {
                api.routes
                    .iter()
                    .map(|route| {
                        let throttle = route.throttling.or(stage.throttling)?;
                        let scope = format!("route\0{}\0{}\0{}", api.name, stage.name, route.key);
                        Some(counters.bucket(scope, &throttle))
                    })
                    .collect()
            })
            .collect();
        let mut granted: HashMap<String, Vec<(String, Grant)>> = HashMap::new();
        for plan in plans {
            for (api_name, stage) in &plan.stages {
                if api_name != &api.name {
                    continue;
                }
                for key in keys
                    .iter()
                    .filter(|k| k.enabled && plan.api_keys.contains(&k.name))
                {
                    let grant = Grant {
                        plan: plan.name.clone(),
                        key: key.name.clone(),
                        bucket: plan.throttle.map(|t| {
                            counters.bucket(format!("plan\0{}\0{}", plan.name, key.name), &t)
                        }),
                        quota: plan.quota,
                    };
                    granted
                        .entry(key.value.clone())
                        .or_default()
                        .push((stage.clone(), grant));
                }
            }
        }
        Self {
            counters,
            routes,
            keys: granted,
        }
    }

    /// Stage and route throttling: 429 `Too Many Requests` when the route's bucket is empty.
    pub(crate) fn throttle(&self, stage: usize, route: usize) -> Option<Answer> {
        let bucket = self.routes.get(stage)?.get(route)?.as_ref()?;
        (!bucket.admit()).then(too_many_requests)
    }

    /// API key and usage plan of a route with `api_key_required`: 403 `Forbidden` for a missing
    /// or unknown key or one without a plan for `stage`, 429 past the plan's throttle or quota.
    pub(crate) fn api_key(
        &self,
        stage: &str,
        route: &RouteConfig,
        headers: &[(String, String)],
    ) -> Option<Answer> {
        if !route.api_key_required {
            return None;
        }
        let forbidden = || Some(Answer::message(StatusCode::FORBIDDEN, "Forbidden"));
        let Some((_, value)) = headers.iter().find(|(n, _)| n == API_KEY_HEADER) else {
            return forbidden();
        };
        let Some((_, grant)) = self
            .keys
            .get(value.as_str())
            .and_then(|grants| grants.iter().find(|(s, _)| s == stage))
        else {
            return forbidden();
        };
        if let Some(bucket) = &grant.bucket {
            if !bucket.admit() {
                return Some(too_many_requests());
            }
        }
        if let Some(quota) = &grant.quota {
            if !self
                .counters
                .spend(&grant.plan, &grant.key, quota, OffsetDateTime::now_utc())
            {
                return Some(Answer::message(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Limit Exceeded",
                ));
            }
        }
        None
    }
}

fn too_many_requests() -> Answer {
    Answer::message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn throttle(rate_limit: f64, burst_limit: u32) -> Throttle {
        Throttle {
            rate_limit,
            burst_limit,
        }
    }

    #[test]
    fn a_bucket_admits_its_burst_then_refuses() {
        let bucket = Bucket::new(&throttle(0.001, 3));
        assert!((0..3).all(|_| bucket.admit()));
        assert!(!bucket.admit());
    }

    #[test]
    fn a_burst_of_zero_admits_nothing() {
        assert!(!Bucket::new(&throttle(100.0, 0)).admit());
        assert!(Bucket::new(&throttle(0.0, 1)).admit());
    }

    #[test]
    fn buckets_are_shared_while_their_numbers_stay() {
        let counters = ApiCounters::default();
        let a = counters.bucket("s".into(), &throttle(1.0, 2));
        let b = counters.bucket("s".into(), &throttle(1.0, 2));
        let c = counters.bucket("s".into(), &throttle(1.0, 3));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn quota_periods_start_at_utc_day_monday_and_month() {
        let quota = |period| Quota { limit: 1, period };
        let counters = ApiCounters::default();
        // 2026-11-25 is a Wednesday.
        let wed = datetime!(2026-11-25 23:59 UTC);
        let thu = datetime!(2026-11-26 00:00 UTC);
        let next_mon = datetime!(2026-11-30 00:00 UTC);
        let next_month = datetime!(2026-12-01 00:00 UTC);
        for (period, same, next) in [
            (QuotaPeriod::Day, wed, thu),
            (QuotaPeriod::Week, thu, next_mon),
            (QuotaPeriod::Month, next_mon, next_month),
        ] {
            let name = format!("{period:?}");
            assert!(counters.spend(&name, "k", &quota(period), wed));
            assert!(!counters.spend(&name, "k", &quota(period), same));
            assert!(counters.spend(&name, "k", &quota(period), next));
        }
    }
}
