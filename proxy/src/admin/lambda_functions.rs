//! `GET /lambda-functions`: each Lambda function's counters — invocations, throttles, errors,
//! cold starts and their total init time, live and idle environments, the SnapStart snapshot's
//! cost — as JSON, for scripts, tests and metrics.

use http::Response;

use super::{json, Body};
use crate::snapshot::Snapshot;

/// `{"functions": {"<name>": {…counters…}}}`.
pub(super) fn list(snapshot: &Snapshot) -> Response<Body> {
    let mut functions = serde_json::Map::new();
    for (name, s) in snapshot.lambda_functions.stats() {
        functions.insert(
            name,
            serde_json::json!({
                "invocations": s.invocations,
                "throttles": s.throttles,
                "errors": s.errors,
                "cold_starts": s.cold_starts,
                "init_duration_ms": s.init_duration.as_secs_f64() * 1000.0,
                "environments": s.environments,
                "idle_environments": s.idle_environments,
                "snapshot_ms": s.snapshot_duration.map(|d| d.as_secs_f64() * 1000.0),
            }),
        );
    }
    json(200, &serde_json::json!({ "functions": functions }))
}
