//! `localfront invoke --handler h.wasm --event event.json`: runs one Lambda@Edge event like
//! `sam local invoke` — the handler's logs, a Lambda-style `REPORT` line (Duration, Init Duration on
//! the cold start, Max Memory Used) and the result JSON.

use std::path::Path;

use localfront_events::lambda_edge::Event;
use localfront_wasm::{invoke_report, EdgeFunctionSpec, EdgeRuntime};

/// Runs the event; returns the report and whether the handler succeeded.
pub fn run(
    handler: &Path,
    event: &Path,
    memory_mb: u64,
    cache_dir: &Path,
) -> Result<(String, bool), String> {
    let json = std::fs::read_to_string(event).map_err(|e| format!("{}: {e}", event.display()))?;
    let event: Event = serde_json::from_str(&json)
        .map_err(|e| format!("{}: not a Lambda@Edge event: {e}", event.display()))?;
    let cf = event
        .records
        .into_iter()
        .next()
        .map(|r| r.cf)
        .ok_or("the event has no Records[0].cf")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let engine = EdgeRuntime::new(cache_dir).map_err(|e| e.to_string())?;
        let name = handler
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "handler".into());
        let mut spec = EdgeFunctionSpec::new(name, handler);
        spec.memory_mb = memory_mb;
        let function = engine.load(spec).map_err(|e| e.to_string())?;
        let outcome = function.invoke(&cf).await;
        let ok = outcome.is_ok();
        Ok((
            invoke_report(&cf.config.request_id, memory_mb, &outcome),
            ok,
        ))
    })
}
