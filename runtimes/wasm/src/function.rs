//! A loaded edge function: its settings, its compiled component and `InstancePre`, and its
//! pool of warm instances. [`EdgeFunction::invoke`] runs one event the way Lambda@Edge does:
//! throttled past `max_concurrency`, on a warm instance when one is idle (else a cold start
//! with `init`), under the event's timeout and the function's memory cap, its result checked
//! by CloudFront's validation rules.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use localfront_events::lambda_edge::{check_result, Cf, EventType};
use serde::Serialize;
use tokio::sync::Semaphore;
use wasmtime::component::InstancePre;

use crate::epoch::EpochTicker;
use crate::error::{EdgeError, ExecutionError, Limit, LimitExceeded, ValidationFailure};
use crate::host_state::HostState;
use crate::instance::{Exports, Failure, WarmInstance};
use crate::invocation::Invocation;

/// Lambda@Edge's timeout for viewer events (spec/lambda-edge.md §6).
pub const VIEWER_TIMEOUT: Duration = Duration::from_secs(5);
/// Lambda@Edge's timeout for origin events (spec/lambda-edge.md §6).
pub const ORIGIN_TIMEOUT: Duration = Duration::from_secs(30);
/// `memory_mb` when a function sets none: Lambda@Edge's 128 MB (spec/lambda-edge.md §6).
pub const DEFAULT_MEMORY_MB: u64 = 128;
/// `max_concurrency` when a function sets none.
pub const DEFAULT_MAX_CONCURRENCY: u32 = 32;

/// An `[[edge_functions]]` entry: what to run and within which limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeFunctionSpec {
    /// The function's name, in errors and logs.
    pub name: String,
    /// The component (`.wasm`) implementing `localfront:edge/handler`.
    pub component_path: PathBuf,
    /// A timeout below the event's (5 s viewer, 30 s origin); `None` = the event's.
    pub timeout: Option<Duration>,
    /// The memory cap of each instance, in MiB.
    pub memory_mb: u64,
    /// Invocations that may run at once; more are throttled (`LambdaLimitExceeded`).
    pub max_concurrency: u32,
    /// Whether the trigger sets IncludeBody. The runtime passes the event as given; the proxy
    /// reads this to decide whether to put `request.body` in it (spec/lambda-edge.md §2).
    pub include_body: bool,
}

impl EdgeFunctionSpec {
    /// A function named `name` running `component_path` with the default limits.
    pub fn new(name: impl Into<String>, component_path: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            component_path: component_path.into(),
            timeout: None,
            memory_mb: DEFAULT_MEMORY_MB,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            include_body: false,
        }
    }
}

/// Counters of one function since it was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionStats {
    /// Invocations that got past the concurrency limit.
    pub invocations: u64,
    /// Instances created (each ran `init` once).
    pub cold_starts: u64,
    /// Idle instances waiting in the pool.
    pub warm_instances: usize,
}

/// A loaded function. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct EdgeFunction(Arc<Inner>);

struct Inner {
    spec: EdgeFunctionSpec,
    pre: InstancePre<HostState>,
    exports: Exports,
    warm: Mutex<Vec<WarmInstance>>,
    concurrency: Semaphore,
    invocations: AtomicU64,
    cold_starts: AtomicU64,
    /// Keeps the epoch advancing while this function exists, even past its runtime.
    _ticker: Arc<EpochTicker>,
}

/// `{"Records":[{"cf": …}]}` serialized from a borrowed `Cf`, without cloning it.
#[derive(Serialize)]
struct EventRef<'a> {
    #[serde(rename = "Records")]
    records: [RecordRef<'a>; 1],
}

#[derive(Serialize)]
struct RecordRef<'a> {
    cf: &'a Cf,
}

impl EdgeFunction {
    pub(crate) fn new(
        spec: EdgeFunctionSpec,
        pre: InstancePre<HostState>,
        exports: Exports,
        ticker: Arc<EpochTicker>,
    ) -> Self {
        let permits = spec.max_concurrency as usize;
        Self(Arc::new(Inner {
            spec,
            pre,
            exports,
            warm: Mutex::new(Vec::new()),
            concurrency: Semaphore::new(permits),
            invocations: AtomicU64::new(0),
            cold_starts: AtomicU64::new(0),
            _ticker: ticker,
        }))
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.0.spec.name
    }

    /// The settings it was loaded with.
    pub fn spec(&self) -> &EdgeFunctionSpec {
        &self.0.spec
    }

    /// Its counters.
    pub fn stats(&self) -> FunctionStats {
        FunctionStats {
            invocations: self.0.invocations.load(Ordering::Relaxed),
            cold_starts: self.0.cold_starts.load(Ordering::Relaxed),
            warm_instances: self.0.warm().len(),
        }
    }

    /// The timeout of an event of `event_type`: the function's own, capped at Lambda@Edge's
    /// 5 s (viewer) or 30 s (origin).
    pub fn timeout_for(&self, event_type: EventType) -> Duration {
        let ceiling = if event_type.is_viewer() {
            VIEWER_TIMEOUT
        } else {
            ORIGIN_TIMEOUT
        };
        self.0.spec.timeout.map_or(ceiling, |t| t.min(ceiling))
    }

    /// Runs the handler on `cf` (`Records[0].cf`) and validates its result against it.
    ///
    /// Throttles at once past `max_concurrency` (no queueing, as Lambda). Dropping the future
    /// abandons the invocation and discards its instance.
    pub async fn invoke(&self, cf: &Cf) -> Result<Invocation, EdgeError> {
        let inner = &*self.0;
        let Ok(_permit) = inner.concurrency.try_acquire() else {
            return Err(self.limit(
                Limit::Concurrency {
                    max: inner.spec.max_concurrency,
                },
                Vec::new(),
            ));
        };
        inner.invocations.fetch_add(1, Ordering::Relaxed);
        let timeout = self.timeout_for(cf.config.event_type);
        let event = serde_json::to_string(&EventRef {
            records: [RecordRef { cf }],
        })
        .map_err(|e| self.execution(format!("cannot serialize the event: {e}"), Vec::new()))?;

        let warm = inner.warm().pop();
        let (mut instance, init_duration) = match warm {
            Some(instance) => (instance, None),
            None => {
                inner.cold_starts.fetch_add(1, Ordering::Relaxed);
                let started = Instant::now();
                let memory_bytes =
                    usize::try_from(inner.spec.memory_mb * 1024 * 1024).unwrap_or(usize::MAX);
                let instance =
                    WarmInstance::start(&inner.pre, &inner.exports, memory_bytes, &[], timeout)
                        .await
                        .map_err(|(failure, logs)| self.failure(failure, logs, timeout))?;
                (instance, Some(started.elapsed()))
            }
        };

        let started = Instant::now();
        let outcome = instance.call(event, timeout).await;
        let duration = started.elapsed();
        let logs = instance.take_logs();
        let max_memory_used = instance.peak_memory_bytes();
        match outcome {
            Ok(json) => {
                inner.warm().push(instance);
                match check_result(cf, &json) {
                    Ok(result) => Ok(Invocation {
                        result,
                        logs,
                        duration,
                        init_duration,
                        max_memory_used,
                    }),
                    Err(error) => Err(EdgeError::Validation(ValidationFailure {
                        function: inner.spec.name.clone(),
                        error,
                        logs,
                    })),
                }
            }
            // A returned error leaves the instance healthy, as Node's callback(error) leaves the
            // execution environment.
            Err(failure @ Failure::Returned(_)) => {
                inner.warm().push(instance);
                Err(self.failure(failure, logs, timeout))
            }
            // After a trap the instance's state is unknown: it is dropped, its slot freed.
            Err(failure) => Err(self.failure(failure, logs, timeout)),
        }
    }

    fn failure(&self, failure: Failure, logs: Vec<String>, timeout: Duration) -> EdgeError {
        match failure {
            Failure::Returned(message) => self.execution(message, logs),
            Failure::Trapped {
                timed_out: true, ..
            } => self.limit(Limit::Timeout(timeout), logs),
            Failure::Trapped {
                memory_exceeded: true,
                ..
            } => self.limit(
                Limit::Memory {
                    limit_mb: self.0.spec.memory_mb,
                },
                logs,
            ),
            // The root cause names the trap ("wasm `unreachable` instruction executed") or the
            // import the guest was refused; the wasm backtrace above it has no symbols.
            Failure::Trapped { error, .. } => self.execution(error.root_cause().to_string(), logs),
            Failure::PoolExhausted => self.limit(Limit::InstancePool, logs),
        }
    }

    fn execution(&self, reason: String, logs: Vec<String>) -> EdgeError {
        EdgeError::Execution(ExecutionError {
            function: self.0.spec.name.clone(),
            reason,
            logs,
        })
    }

    fn limit(&self, limit: Limit, logs: Vec<String>) -> EdgeError {
        EdgeError::LimitExceeded(LimitExceeded {
            function: self.0.spec.name.clone(),
            limit,
            logs,
        })
    }
}

impl Inner {
    fn warm(&self) -> MutexGuard<'_, Vec<WarmInstance>> {
        // Push and pop cannot leave the vector inconsistent, even if a holder panicked.
        self.warm.lock().unwrap_or_else(|p| p.into_inner())
    }
}
