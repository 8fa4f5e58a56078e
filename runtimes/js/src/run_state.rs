//! The state of the invocation running on this thread: captured `console.log` lines, origin changes
//! asked for by the `cloudfront` helpers, the function's KeyValueStore and the edge location.
//! Natives read it through [`with`]; one invocation runs per thread at a time (contexts are
//! per-thread, and natives cannot start another invocation).

use std::cell::RefCell;
use std::sync::Arc;

use localfront_events::cff::{EventType, OriginChange};

use crate::kvs::KeyValueStore;
use crate::EdgeLocation;

/// Log bytes kept per run (§9: 10 KB, then truncated).
pub(crate) const LOG_LIMIT: usize = 10 * 1024;

/// What one invocation accumulates and provides.
pub(crate) struct RunState {
    pub event_type: EventType,
    pub logs: Vec<String>,
    pub log_bytes: usize,
    pub logs_truncated: bool,
    pub origin_changes: Vec<OriginChange>,
    pub kvs: Option<Arc<dyn KeyValueStore>>,
    pub edge_location: Option<EdgeLocation>,
    pub raw_query: Option<String>,
}

impl RunState {
    /// Appends a `console.log` line, truncating at [`LOG_LIMIT`] bytes per run.
    pub fn log(&mut self, line: String) {
        if self.logs_truncated {
            return;
        }
        let room = LOG_LIMIT.saturating_sub(self.log_bytes);
        if line.len() <= room {
            self.log_bytes += line.len();
            self.logs.push(line);
            return;
        }
        let mut cut = room;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        self.logs.push(format!("{}…(truncated)", &line[..cut]));
        self.log_bytes = LOG_LIMIT;
        self.logs_truncated = true;
    }
}

thread_local! {
    static CURRENT: RefCell<Option<RunState>> = const { RefCell::new(None) };
}

/// Installs `state` for the run about to start on this thread.
pub(crate) fn begin(state: RunState) {
    CURRENT.with(|c| *c.borrow_mut() = Some(state));
}

/// Removes and returns the state of the run that just ended.
pub(crate) fn end() -> Option<RunState> {
    CURRENT.with(|c| c.borrow_mut().take())
}

/// Runs `f` on the current run's state, `None` outside a run (e.g. top-level code at load).
pub(crate) fn with<R>(f: impl FnOnce(&mut RunState) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow_mut().as_mut().map(f))
}
