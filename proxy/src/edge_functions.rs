//! The CloudFront Functions and KeyValueStores of a config, loaded into the JS runtime
//! (`runtimes/js`): code read and checked as CloudFront checks it at publish time, stores read from
//! AWS's import format. Shared by every request of a snapshot.

use std::collections::HashMap;
use std::sync::Arc;

use localfront_config::Config;
use localfront_js::{
    Budgets, FileKeyValueStore, FunctionSource, Functions, JsRuntime, KeyValueStore, ThrottlePolicy,
};

/// The loaded functions and stores.
pub struct EdgeFunctions {
    /// The compiled functions.
    pub functions: Functions,
    /// Stores by name (live-updatable through the admin API).
    pub stores: HashMap<String, Arc<FileKeyValueStore>>,
    /// Function name → the store its `cf.kvs()` opens.
    kvs_of: HashMap<String, Arc<FileKeyValueStore>>,
    /// Throttle functions that keep overrunning (`[server] strict_compute`).
    pub strict_compute: bool,
}

impl EdgeFunctions {
    /// Loads every function and store of `config`; every problem is reported, one per line,
    /// naming the file (and line:col for code errors).
    pub fn load(config: &Config) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        let mut stores = HashMap::new();
        for s in &config.key_value_stores {
            match FileKeyValueStore::load(s.name.clone(), &s.file) {
                Ok(store) => {
                    stores.insert(s.name.clone(), Arc::new(store));
                }
                Err(e) => errors.push(format!("key value store `{}`: {e}", s.name)),
            }
        }
        let mut sources = Vec::new();
        for f in &config.functions {
            let code = match std::fs::read_to_string(&f.code) {
                Ok(code) => code,
                Err(e) => {
                    errors.push(format!(
                        "{}: function `{}`: cannot read: {e}",
                        f.code.display(),
                        f.name
                    ));
                    continue;
                }
            };
            let runtime = JsRuntime::parse(&f.runtime).unwrap_or(JsRuntime::CloudfrontJs2);
            sources.push(FunctionSource::new(f.name.clone(), code).with_runtime(runtime));
        }
        let budgets = Budgets {
            nominal_compute: config.server.function_compute_budget,
            ..Budgets::default()
        };
        let functions = match Functions::with_budgets(sources, budgets, ThrottlePolicy::default()) {
            Ok(f) => Some(f),
            Err(load_errors) => {
                for e in load_errors {
                    let file = config
                        .functions
                        .iter()
                        .find(|f| f.name == e.function)
                        .map(|f| f.code.display().to_string())
                        .unwrap_or_default();
                    let position = match (e.line, e.column) {
                        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                        _ => file,
                    };
                    errors.push(format!(
                        "{position}: function `{}`: {}",
                        e.function, e.message
                    ));
                }
                None
            }
        };
        let kvs_of = config
            .functions
            .iter()
            .filter_map(|f| {
                Some((
                    f.name.clone(),
                    stores.get(f.key_value_store.as_ref()?)?.clone(),
                ))
            })
            .collect();
        match functions {
            Some(functions) if errors.is_empty() => Ok(Self {
                functions,
                stores,
                kvs_of,
                strict_compute: config.server.strict_compute,
            }),
            _ => Err(errors),
        }
    }

    /// The store function `name` opens with `cf.kvs()`.
    pub fn kvs_of(&self, name: &str) -> Option<Arc<dyn KeyValueStore>> {
        self.kvs_of
            .get(name)
            .map(|s| s.clone() as Arc<dyn KeyValueStore>)
    }
}
