//! Request traces (`[server] trace = true`): a request with `X-Localfront-Trace: 1` gets an
//! `X-Localfront-Trace-Id` header, and `GET /trace/{id}` on the admin listener tells its whole story —
//! distribution and behavior matched, each hook with its duration, compute utilization and what it
//! changed, the cache key and result, each origin attempt and failover, the final status and the
//! reason for any error. Answers "why did I get a 502?" without reading logs.
//!
//! Off unless configured, and then only for requests that ask: a traced request pays for the
//! record (and the request/response snapshots behind the diffs); others pay one branch.

use std::collections::{BTreeMap, VecDeque};
use std::sync::LazyLock;
use std::time::Instant;

use parking_lot::Mutex;
use pingora::http::{RequestHeader, ResponseHeader};
use serde_json::{json, Value};

/// The request header that asks for a trace.
pub const TRACE_HEADER: &str = "x-localfront-trace";

/// The response header carrying the trace's id.
pub const TRACE_ID_HEADER: &str = "x-localfront-trace-id";

/// Finished traces kept for `GET /trace/{id}`.
const KEPT: usize = 1000;

/// One request's story so far.
pub struct Trace {
    started: Instant,
    steps: Vec<Value>,
}

impl Trace {
    /// A trace starting now.
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Records a step: what happened (`stage`) and its details (a JSON object).
    pub fn step(&mut self, stage: &str, mut detail: Value) {
        if let Some(object) = detail.as_object_mut() {
            object.insert("stage".into(), json!(stage));
            object.insert(
                "at_us".into(),
                json!(self.started.elapsed().as_micros() as u64),
            );
        }
        self.steps.push(detail);
    }

    /// The finished story.
    pub fn finish(self, id: &str, summary: Value) -> Value {
        json!({
            "id": id,
            "duration_us": self.started.elapsed().as_micros() as u64,
            "steps": self.steps,
            "result": summary,
        })
    }
}

impl Default for Trace {
    fn default() -> Self {
        Self::new()
    }
}

/// What a request looks like to a diff: URI and headers.
pub fn request_view(req: &RequestHeader) -> Value {
    json!({ "uri": req.uri.to_string(), "method": req.method.as_str(), "headers": headers(&req.headers) })
}

/// What a response looks like to a diff: status and headers.
pub fn response_view(resp: &ResponseHeader) -> Value {
    json!({ "status": resp.status.as_u16(), "headers": headers(&resp.headers) })
}

fn headers(map: &http::HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in map {
        out.entry(k.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(v.as_bytes()).into_owned());
    }
    out
}

/// What changed between two views: `{field: {"from": …, "to": …}}`, headers compared one by one
/// (`null` for absent).
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut changes = serde_json::Map::new();
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return Value::Object(changes);
    };
    for (key, old) in b {
        if key == "headers" {
            continue;
        }
        let new = a.get(key).unwrap_or(&Value::Null);
        if old != new {
            changes.insert(key.clone(), json!({ "from": old, "to": new }));
        }
    }
    let empty = serde_json::Map::new();
    let hb = b
        .get("headers")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let ha = a
        .get("headers")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut header_changes = serde_json::Map::new();
    for name in hb.keys().chain(ha.keys()) {
        let (old, new) = (hb.get(name), ha.get(name));
        if old != new && !header_changes.contains_key(name) {
            header_changes.insert(name.clone(), json!({ "from": old, "to": new }));
        }
    }
    if !header_changes.is_empty() {
        changes.insert("headers".into(), Value::Object(header_changes));
    }
    Value::Object(changes)
}

/// The finished traces.
pub static TRACES: LazyLock<TraceStore> = LazyLock::new(TraceStore::default);

/// The last `KEPT` finished traces.
#[derive(Default)]
pub struct TraceStore {
    traces: Mutex<VecDeque<(String, Value)>>,
}

impl TraceStore {
    /// Keeps a finished trace.
    pub fn insert(&self, id: String, trace: Value) {
        let mut traces = self.traces.lock();
        if traces.len() == KEPT {
            traces.pop_front();
        }
        traces.push_back((id, trace));
    }

    /// The trace `id`, if still kept.
    pub fn get(&self, id: &str) -> Option<Value> {
        self.traces
            .lock()
            .iter()
            .rev()
            .find(|(i, _)| i == id)
            .map(|(_, t)| t.clone())
    }

    /// The ids of the kept traces, newest first.
    pub fn ids(&self) -> Vec<String> {
        self.traces
            .lock()
            .iter()
            .rev()
            .map(|(i, _)| i.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_changed_fields_and_headers() {
        let before = json!({"uri": "/a", "headers": {"x-a": ["1"], "x-b": ["2"]}});
        let after = json!({"uri": "/b", "headers": {"x-a": ["1"], "x-c": ["3"]}});
        assert_eq!(
            diff(&before, &after),
            json!({
                "uri": {"from": "/a", "to": "/b"},
                "headers": {"x-b": {"from": ["2"], "to": null}, "x-c": {"from": null, "to": ["3"]}}
            })
        );
    }
}
