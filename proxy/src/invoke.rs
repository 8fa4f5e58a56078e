//! `localfront invoke --handler h.wasm --event event.json` (a Lambda@Edge event) and
//! `localfront invoke --function NAME --event event.json` (a Lambda function of the config): runs
//! one event like `sam local invoke` — the logs, a Lambda-style `REPORT` line (Duration, Init
//! Duration on the cold start, Max Memory Used) and the result JSON.

use std::path::Path;

use localfront_events::lambda_edge::Event;
use localfront_wasm::{invoke_report, lambda_invoke_report, EdgeFunctionSpec, EdgeRuntime};

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

/// Runs the event through the `[[lambda_functions]]` entry `name` of `config` (after its
/// SnapStart snapshot or provisioned environments, as at start-up); returns the report and
/// whether the function succeeded.
pub fn run_function(config: &Path, name: &str, event: &Path) -> Result<(String, bool), String> {
    let loaded = localfront_config::toml::load(config).map_err(|e| e.to_string())?;
    let Some(f) = loaded.lambda_functions.iter().find(|f| f.name == name) else {
        let names: Vec<&str> = loaded
            .lambda_functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        return Err(format!(
            "{}: no lambda function `{name}` (declared: {})",
            config.display(),
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ));
    };
    let json = std::fs::read_to_string(event).map_err(|e| format!("{}: {e}", event.display()))?;
    serde_json::from_str::<serde_json::Value>(&json)
        .map_err(|e| format!("{}: not JSON: {e}", event.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let engine = crate::lambda_functions::wasm_runtime(&loaded)?
            .ok_or("the config has no lambda functions")?;
        let function = engine
            .load_lambda(crate::lambda_functions::spec(f))
            .map_err(|e| e.to_string())?;
        function.prepare().await.map_err(|e| e.to_string())?;
        let outcome = function.invoke(&json, None).await;
        let ok = outcome.is_ok();
        Ok((lambda_invoke_report(f.memory_mb, &outcome), ok))
    })
}
