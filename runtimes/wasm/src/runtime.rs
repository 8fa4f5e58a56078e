//! [`EdgeRuntime`]: the engine, the WASI linker, the compile cache and the epoch ticker shared
//! by every function — Lambda@Edge handlers and Lambda functions alike — and
//! [`EdgeRuntime::load`] / [`EdgeRuntime::load_lambda`], which turn a spec into a ready
//! [`EdgeFunction`] / [`LambdaFunction`].

use std::sync::Arc;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre, Linker, Type};
use wasmtime::Engine;

use crate::compile_cache::CompileCache;
use crate::engine::{build_engine, RuntimeConfig};
use crate::epoch::EpochTicker;
use crate::error::{LoadError, RuntimeError};
use crate::function::{EdgeFunction, EdgeFunctionSpec, ORIGIN_TIMEOUT};
use crate::host_state::HostState;
use crate::instance::Exports;
use crate::lambda::{LambdaFunction, LambdaFunctionSpec, MAX_LAMBDA_TIMEOUT};
use crate::linker;
use crate::snapshot::SnapshotSource;

/// The Lambda@Edge runtime: create one per process (or per config snapshot) and load functions
/// from it.
pub struct EdgeRuntime {
    config: RuntimeConfig,
    engine: Engine,
    linker: Linker<HostState>,
    cache: Arc<CompileCache>,
    ticker: Arc<EpochTicker>,
}

impl EdgeRuntime {
    /// A runtime with the default sizing (see [`RuntimeConfig`]), caching compiled components
    /// in `cache_dir`.
    pub fn new(cache_dir: impl Into<std::path::PathBuf>) -> Result<Self, RuntimeError> {
        Self::with_config(RuntimeConfig::new(cache_dir))
    }

    /// A runtime sized by `config`.
    pub fn with_config(config: RuntimeConfig) -> Result<Self, RuntimeError> {
        let engine = build_engine(&config)?;
        let linker =
            linker::edge_linker(&engine).map_err(|e| RuntimeError::Link(format!("{e:#}")))?;
        let cache = Arc::new(CompileCache::new(&config.cache_dir)?);
        let ticker =
            EpochTicker::start(engine.clone(), config.epoch_tick).map_err(RuntimeError::Ticker)?;
        Ok(Self {
            config,
            engine,
            linker,
            cache,
            ticker: Arc::new(ticker),
        })
    }

    /// How this runtime is sized.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Loads a function: checks its settings, compiles its component (or takes it from the
    /// cache), checks it implements `localfront:edge/handler`, links it and prepares its
    /// instances. Compiling can take a while on a cache miss: call it at startup, not per
    /// request.
    pub fn load(&self, spec: EdgeFunctionSpec) -> Result<EdgeFunction, LoadError> {
        self.check_spec(&spec)?;
        let (_, pre, exports) = self.prepare(&spec.name, &spec.component_path)?;
        Ok(EdgeFunction::new(spec, pre, exports, self.ticker.clone()))
    }

    /// Loads a Lambda function: compiles its component (or takes it from the cache), checks it
    /// implements `localfront:edge/lambda-function` and prepares its environments. Call
    /// [`LambdaFunction::prepare`] before traffic for SnapStart and provisioned concurrency.
    pub fn load_lambda(&self, spec: LambdaFunctionSpec) -> Result<LambdaFunction, LoadError> {
        let invalid_spec = |setting, reason: String| LoadError::InvalidSpec {
            function: spec.name.clone(),
            setting,
            reason,
        };
        if spec.memory_mb == 0 || spec.memory_mb > self.config.max_memory_mb {
            return Err(invalid_spec(
                "memory_mb",
                format!(
                    "{} is out of range: expected 1 to {} (the runtime's max_memory_mb)",
                    spec.memory_mb, self.config.max_memory_mb
                ),
            ));
        }
        if spec.timeout.is_zero() || spec.timeout > MAX_LAMBDA_TIMEOUT {
            return Err(invalid_spec(
                "timeout",
                format!(
                    "{} s is out of range: expected 1 to 900 s",
                    spec.timeout.as_secs()
                ),
            ));
        }
        let slots = self.config.instance_slots;
        if spec.reserved_concurrency.unwrap_or(0) > slots || spec.provisioned_concurrency > slots {
            return Err(invalid_spec(
                "reserved_concurrency",
                format!("reserved or provisioned concurrency above the runtime's {slots} instance slots"),
            ));
        }
        let (bytes, pre, exports) = self.prepare(&spec.name, &spec.component_path)?;
        let snapshot_source = spec.snap_start.then(|| SnapshotSource {
            engine: self.engine.clone(),
            linker: self.linker.clone(),
            cache: self.cache.clone(),
            bytes,
        });
        Ok(LambdaFunction::new(
            spec,
            pre,
            exports,
            snapshot_source,
            slots,
            self.ticker.clone(),
        ))
    }

    /// Reads function `name`'s component at `path`, compiles it (or takes it from the cache),
    /// checks its exports against the contract and links it: its bytes, its prepared instance
    /// and which exports it has.
    fn prepare(
        &self,
        name: &str,
        path: &std::path::Path,
    ) -> Result<(Vec<u8>, InstancePre<HostState>, Exports), LoadError> {
        let invalid = |reason: String| LoadError::InvalidComponent {
            function: name.to_owned(),
            path: path.to_owned(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            function: name.to_owned(),
            path: path.to_owned(),
            source,
        })?;
        let component = self
            .cache
            .component(&self.engine, &bytes)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let exports = contract_exports(&self.engine, &component).map_err(invalid)?;
        let pre = linker::for_component(&self.linker, &component)
            .and_then(|l| l.instantiate_pre(&component))
            .map_err(|e| invalid(format!("{e:#}")))?;
        Ok((bytes, pre, exports))
    }

    fn check_spec(&self, spec: &EdgeFunctionSpec) -> Result<(), LoadError> {
        let invalid = |setting, reason: String| LoadError::InvalidSpec {
            function: spec.name.clone(),
            setting,
            reason,
        };
        if spec.memory_mb == 0 || spec.memory_mb > self.config.max_memory_mb {
            return Err(invalid(
                "memory_mb",
                format!(
                    "{} is out of range: expected 1 to {}",
                    spec.memory_mb, self.config.max_memory_mb
                ),
            ));
        }
        if let Some(t) = spec.timeout {
            if t.is_zero() || t > ORIGIN_TIMEOUT {
                return Err(invalid(
                    "timeout",
                    format!(
                        "{} ms is out of range: expected up to 30 s (5 s on viewer events)",
                        t.as_millis()
                    ),
                ));
            }
        }
        if spec.max_concurrency == 0 || spec.max_concurrency > self.config.instance_slots {
            return Err(invalid(
                "max_concurrency",
                format!(
                    "{} is out of range: expected 1 to {} (the runtime's instance slots)",
                    spec.max_concurrency, self.config.instance_slots
                ),
            ));
        }
        Ok(())
    }
}

/// The `handle` (and optional `init`) exports, with the types of handler.wit (the same for
/// lambda.wit).
pub(crate) fn contract_exports(engine: &Engine, component: &Component) -> Result<Exports, String> {
    let ty = component.component_type();
    let mut handle_ok = false;
    let mut init_present = false;
    for (name, item) in ty.exports(engine) {
        let ComponentItem::ComponentFunc(f) = item.ty else {
            continue;
        };
        let params: Vec<Type> = f.params().map(|(_, t)| t).collect();
        let results: Vec<Type> = f.results().collect();
        let result_of = |ok: Option<Type>| match results.as_slice() {
            [Type::Result(r)] => {
                matches!(
                    (r.ok(), ok),
                    (Some(Type::String), Some(Type::String)) | (None, None)
                ) && matches!(r.err(), Some(Type::String))
            }
            _ => false,
        };
        match name {
            "handle" => {
                if !(matches!(params.as_slice(), [Type::String]) && result_of(Some(Type::String))) {
                    return Err(
                        "`handle` must be `func(event: string) -> result<string, string>`".into(),
                    );
                }
                handle_ok = true;
            }
            "init" => {
                if !(params.is_empty() && result_of(None)) {
                    return Err("`init` must be `func() -> result<_, string>`".into());
                }
                init_present = true;
            }
            _ => {}
        }
    }
    if !handle_ok {
        return Err("it does not export `handle`".into());
    }
    let index = |name| component.get_export_index(None, name);
    Ok(Exports {
        handle: index("handle").ok_or("it does not export `handle`")?,
        init: if init_present { index("init") } else { None },
    })
}
