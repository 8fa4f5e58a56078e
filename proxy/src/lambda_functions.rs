//! The Lambda functions of a config (`[[lambda_functions]]`), loaded into the WebAssembly host
//! shared with Lambda@Edge (`runtimes/wasm`), for the API origins' Lambda integrations and for
//! metrics ([`LambdaFunctions::stats`]).

use std::collections::HashMap;
use std::sync::Arc;

use localfront_config::{Config, LambdaFunctionConfig};
use localfront_wasm::{
    EdgeRuntime, LambdaFunction, LambdaFunctionSpec, LambdaStats, RuntimeConfig,
};
use tokio::sync::OnceCell;

/// The loaded functions, by name.
pub struct LambdaFunctions {
    functions: HashMap<String, LambdaFunction>,
    prepared: OnceCell<()>,
}

impl LambdaFunctions {
    /// Loads every `[[lambda_functions]]` entry into `runtime`; every problem is reported, one
    /// per line.
    pub fn load(config: &Config, runtime: Option<&EdgeRuntime>) -> Result<Self, Vec<String>> {
        let mut functions = HashMap::new();
        let mut errors = Vec::new();
        if let Some(runtime) = runtime {
            for f in &config.lambda_functions {
                match runtime.load_lambda(spec(f)) {
                    Ok(function) => {
                        functions.insert(f.name.clone(), function);
                    }
                    Err(e) => errors.push(format!(
                        "{}: lambda function `{}`: {e}",
                        f.component.display(),
                        f.name
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(Self {
                functions,
                prepared: OnceCell::new(),
            })
        } else {
            Err(errors)
        }
    }

    /// Every function, by name (cheap clones sharing their environments).
    pub fn all(&self) -> &HashMap<String, LambdaFunction> {
        &self.functions
    }

    /// Each function's counters (invocations, cold starts, init time, throttles, errors,
    /// environments), by name, for metrics.
    pub fn stats(&self) -> Vec<(String, LambdaStats)> {
        let mut stats: Vec<(String, LambdaStats)> = self
            .functions
            .iter()
            .map(|(name, f)| (name.clone(), f.stats()))
            .collect();
        stats.sort_by(|a, b| a.0.cmp(&b.0));
        stats
    }

    /// SnapStart snapshots and provisioned environments, once for all callers: the first
    /// caller does the work, the others wait for it. Failures are logged; the function then
    /// starts its environments on demand.
    pub async fn prepare(&self) {
        self.prepared
            .get_or_init(|| async {
                for (name, f) in &self.functions {
                    if let Err(e) = f.prepare().await {
                        tracing::error!(function = %name, "{e}");
                    }
                }
            })
            .await;
    }
}

/// The runtime's spec of a `[[lambda_functions]]` entry.
pub fn spec(f: &LambdaFunctionConfig) -> LambdaFunctionSpec {
    LambdaFunctionSpec {
        name: f.name.clone(),
        component_path: f.component.clone(),
        memory_mb: f.memory_mb,
        timeout: f.timeout,
        environment: f.environment.clone(),
        reserved_concurrency: f.reserved_concurrency,
        provisioned_concurrency: f.provisioned_concurrency,
        snap_start: f.snap_start,
    }
}

/// The process's one WebAssembly host, when the config has edge or Lambda functions: one
/// engine, one compile cache, one instance pool for both (memory slots sized for the largest
/// `memory_mb`).
pub fn wasm_runtime(config: &Config) -> Result<Option<Arc<EdgeRuntime>>, String> {
    if config.edge_functions.is_empty() && config.lambda_functions.is_empty() {
        return Ok(None);
    }
    let mut sizing = RuntimeConfig::new(config.server.state_dir.join("wasm-cache"));
    let largest = config
        .lambda_functions
        .iter()
        .map(|f| f.memory_mb)
        .chain(config.edge_functions.iter().map(|f| f.memory_mb))
        .max()
        .unwrap_or(0);
    sizing.max_memory_mb = sizing.max_memory_mb.max(largest);
    EdgeRuntime::with_config(sizing)
        .map(|r| Some(Arc::new(r)))
        .map_err(|e| format!("the WebAssembly runtime cannot start: {e}"))
}
