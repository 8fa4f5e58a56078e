//! The Lambda@Edge handlers of a config, loaded into the WebAssembly runtime (`runtimes/wasm`):
//! one engine per process (shared with the Lambda functions of `lambda_functions.rs`), each component compiled once (cached on disk by content hash) with a
//! pool of warm instances.

use std::collections::HashMap;

use localfront_config::Config;
use localfront_wasm::{EdgeFunction, EdgeFunctionSpec, EdgeRuntime};

/// The loaded handlers, by name.
pub struct EdgeLambdas {
    handlers: HashMap<String, EdgeFunction>,
}

impl EdgeLambdas {
    /// Loads every `[[edge_functions]]` entry into `runtime` (the process's one WebAssembly
    /// host, `None` when the config has no wasm code); every problem is reported, one per line.
    pub fn load(config: &Config, runtime: Option<&EdgeRuntime>) -> Result<Self, Vec<String>> {
        let mut handlers = HashMap::new();
        let Some(runtime) = runtime else {
            return Ok(Self { handlers });
        };
        let mut errors = Vec::new();
        for f in &config.edge_functions {
            let spec = EdgeFunctionSpec {
                name: f.name.clone(),
                component_path: f.component.clone(),
                timeout: f.timeout,
                memory_mb: f.memory_mb,
                max_concurrency: f.max_concurrency,
                include_body: f.include_body,
            };
            match runtime.load(spec) {
                Ok(handler) => {
                    handlers.insert(f.name.clone(), handler);
                }
                Err(e) => errors.push(format!(
                    "{}: edge function `{}`: {e}",
                    f.component.display(),
                    f.name
                )),
            }
        }
        if errors.is_empty() {
            Ok(Self { handlers })
        } else {
            Err(errors)
        }
    }

    /// The handler `name`.
    pub fn get(&self, name: &str) -> Option<&EdgeFunction> {
        self.handlers.get(name)
    }
}
