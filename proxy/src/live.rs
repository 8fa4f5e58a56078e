//! The live configuration: the snapshot new requests are served with, swapped whole by a reload
//! (spec/hardening.md §6). A request keeps the `Arc<Snapshot>` it started with to its end, so
//! in-flight requests finish on the old generation while the next ones take the new one.

use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use parking_lot::Mutex;
use serde_json::json;
use tokio::sync::broadcast;

use crate::snapshot::Snapshot;

/// The current snapshot, the outcome of the last reload, and a feed of reload events.
pub struct Live {
    current: ArcSwap<Snapshot>,
    last_reload: Mutex<Option<ReloadOutcome>>,
    events: broadcast::Sender<String>,
    /// Where the config comes from, for `/status`.
    pub source: String,
    /// Whether files are watched for changes.
    pub watching: bool,
}

/// What the last reload did.
#[derive(Debug, Clone)]
pub struct ReloadOutcome {
    /// When it finished.
    pub at: SystemTime,
    /// What asked for it: `watch`, `SIGHUP`, `admin`.
    pub trigger: String,
    /// The generation serving afterwards.
    pub generation: u64,
    /// Empty on success; every problem otherwise (the old generation keeps serving).
    pub errors: Vec<String>,
    /// `[server]` settings that changed but only apply after a restart.
    pub restart_required: Vec<String>,
}

impl Live {
    /// The live state, serving `snapshot`.
    pub fn new(snapshot: Snapshot, source: String, watching: bool) -> Self {
        Self {
            current: ArcSwap::from_pointee(snapshot),
            last_reload: Mutex::new(None),
            events: broadcast::channel(64).0,
            source,
            watching,
        }
    }

    /// The snapshot a new request is served with.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Makes `snapshot` the one new requests get.
    pub fn swap(&self, snapshot: Snapshot) {
        self.current.store(Arc::new(snapshot));
    }

    /// Records a reload's outcome and tells `/events` subscribers.
    pub fn record(&self, outcome: ReloadOutcome) {
        let event = if outcome.errors.is_empty() {
            "reload"
        } else {
            "reload_failed"
        };
        let data = json!({
            "generation": outcome.generation,
            "trigger": outcome.trigger,
            "errors": outcome.errors,
        });
        *self.last_reload.lock() = Some(outcome);
        self.publish(event, &data);
    }

    /// Sends a server-sent event to every `/events` subscriber (none listening is fine).
    pub fn publish(&self, event: &str, data: &serde_json::Value) {
        let _ = self
            .events
            .send(format!("event: {event}\ndata: {data}\n\n"));
    }

    /// A feed of server-sent events, already framed.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.events.subscribe()
    }

    /// `GET /status`: the generation serving and the last reload's result.
    pub fn status(&self) -> serde_json::Value {
        let last = self.last_reload.lock().clone();
        json!({
            "generation": self.current.load().generation,
            "source": self.source,
            "watching": self.watching,
            "last_reload": last.map(|o| json!({
                "result": if o.errors.is_empty() { "success" } else { "failure" },
                "at": httpdate::fmt_http_date(o.at),
                "trigger": o.trigger,
                "generation": o.generation,
                "errors": o.errors,
                "restart_required": o.restart_required,
            })),
        })
    }
}
