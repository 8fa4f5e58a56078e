//! The last requests served, for the admin dashboard's "last requests" list (with links to their
//! traces). Kept only while a dashboard is watching: recording costs a lock and an allocation per
//! request, which a load test without a dashboard should not pay.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::Serialize;

/// Requests kept.
const KEPT: usize = 50;

/// How long after the dashboard last asked requests are still recorded.
const WATCH_SECS: u64 = 60;

/// One finished request.
#[derive(Debug, Clone, Serialize)]
pub struct RecentRequest {
    /// The request id (`X-Amz-Cf-Id`), also its trace id when traced.
    pub id: String,
    /// Milliseconds since the epoch when it finished.
    pub at_ms: u64,
    /// The distribution id.
    pub distribution: String,
    /// Method.
    pub method: String,
    /// Path (without the query string).
    pub path: String,
    /// Status sent (0: none).
    pub status: u16,
    /// `x-edge-result-type`.
    pub result: String,
    /// Time taken, in milliseconds.
    pub duration_ms: f64,
    /// Whether `GET /trace/{id}` has its story.
    pub traced: bool,
}

/// The process's recent requests.
pub static RECENT: LazyLock<Recent> = LazyLock::new(Recent::default);

/// The ring of recent requests.
#[derive(Default)]
pub struct Recent {
    watched_until: AtomicU64,
    requests: Mutex<VecDeque<RecentRequest>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Recent {
    /// Whether requests should be recorded now (a dashboard asked within the last minute).
    pub fn watched(&self) -> bool {
        self.watched_until.load(Ordering::Relaxed) > now_secs()
    }

    /// Records one request.
    pub fn record(&self, request: RecentRequest) {
        let mut requests = self.requests.lock();
        if requests.len() == KEPT {
            requests.pop_back();
        }
        requests.push_front(request);
    }

    /// The recent requests, newest first; asking keeps the recording on for a minute.
    pub fn list(&self) -> Vec<RecentRequest> {
        self.watched_until
            .store(now_secs() + WATCH_SECS, Ordering::Relaxed);
        self.requests.lock().iter().cloned().collect()
    }
}
