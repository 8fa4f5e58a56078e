//! Lambda functions (`[[lambda_functions]]`) on the same host as Lambda@Edge handlers: the same
//! engine, compile cache, linker and [`WarmInstance`] pool entries, with Lambda's execution
//! model on top (spec: issue 7, Lambda's documented behaviour):
//!
//! - an execution environment is one [`WarmInstance`]: `init` once, globals persisting across
//!   invocations, one invocation at a time; idle environments wait in the function's pool;
//! - `reserved_concurrency` caps the function's environments: an invocation finding every
//!   allowed environment busy is **throttled** at once (`TooManyRequestsException`, no queue);
//!   without it, the runtime's instance slots are the cap;
//! - a cold start (an invocation that had to create its environment) is counted and its
//!   `Init Duration` measured; `provisioned_concurrency` environments are initialized by
//!   [`LambdaFunction::prepare`] before traffic, so the first invocations are warm;
//! - `snap_start`: [`LambdaFunction::prepare`] initializes one environment, snapshots its
//!   initialized state (`snapshot.rs`) and every later environment starts from the snapshot
//!   without running `init` (its REPORT shows `Restore Duration`, as SnapStart's does).
//!
//! Every invocation logs a CloudWatch-style `REPORT` line through `tracing` (target `lambda`),
//! and [`LambdaFunction::stats`] exposes the counters for metrics.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use wasmtime::component::InstancePre;

use crate::epoch::EpochTicker;
use crate::host_state::HostState;
use crate::instance::{Exports, Failure, WarmInstance};
use crate::lambda_report::{report_line, ColdStart};
use crate::snapshot::SnapshotSource;

/// A function's timeout when its config sets none: Lambda's 3 s.
pub const DEFAULT_LAMBDA_TIMEOUT: Duration = Duration::from_secs(3);
/// Lambda's largest function timeout: 900 s.
pub const MAX_LAMBDA_TIMEOUT: Duration = Duration::from_secs(900);
/// Lambda's limit on an environment's init phase.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `[[lambda_functions]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaFunctionSpec {
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub name: String,
    /// The component implementing `localfront:edge/lambda-function`.
    pub component_path: PathBuf,
    /// Memory size in MB: each environment's linear memory cap.
    pub memory_mb: u64,
    /// The function timeout.
    pub timeout: Duration,
    /// Environment variables the function sees (besides Lambda's own `AWS_*`).
    pub environment: Vec<(String, String)>,
    /// The most environments the function may have; `None`: the runtime's instance slots.
    pub reserved_concurrency: Option<u32>,
    /// Environments initialized by [`LambdaFunction::prepare`].
    pub provisioned_concurrency: u32,
    /// Start environments from a snapshot of an initialized one.
    pub snap_start: bool,
}

impl LambdaFunctionSpec {
    /// A function `name` running `component_path` with Lambda's defaults (128 MB, 3 s).
    pub fn new(name: impl Into<String>, component_path: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            component_path: component_path.into(),
            memory_mb: 128,
            timeout: DEFAULT_LAMBDA_TIMEOUT,
            environment: Vec::new(),
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            snap_start: false,
        }
    }
}

/// A function's counters since it was loaded (the `Invocations`, `Throttles`, `Errors` metrics
/// of Lambda, plus cold starts and their init time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LambdaStats {
    /// Invocations that ran (throttled ones excluded).
    pub invocations: u64,
    /// Invocations refused because every allowed environment was busy.
    pub throttles: u64,
    /// Invocations that ended in a function error or timeout.
    pub errors: u64,
    /// Invocations that created their environment (init, or a restore from the snapshot).
    pub cold_starts: u64,
    /// Total time spent creating environments (`Init Duration`, `Restore Duration`), the
    /// provisioned ones included.
    pub init_duration: Duration,
    /// Environments alive (busy or idle), provisioned ones included.
    pub environments: usize,
    /// Idle environments.
    pub idle_environments: usize,
    /// How long creating the SnapStart snapshot took (its one full init included).
    pub snapshot_duration: Option<Duration>,
}

/// One successful invocation: the function's result and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaInvocation {
    /// Lambda's request id for this invocation.
    pub request_id: String,
    /// The function's result (JSON text, as returned).
    pub result: String,
    /// What the function logged (and `init`, on a cold start).
    pub logs: Vec<String>,
    /// Time in `handle`.
    pub duration: Duration,
    /// The environment's creation, on a cold start.
    pub cold_start: Option<ColdStart>,
    /// The environment's largest linear memory so far, in bytes.
    pub max_memory_used: usize,
}

/// Why an invocation produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaError {
    /// Over the function's concurrency: `TooManyRequestsException` ("Rate Exceeded.").
    Throttled {
        /// The function.
        function: String,
    },
    /// The function failed (`X-Amz-Function-Error: Unhandled`): returned an error, trapped,
    /// ran out of memory, failed its init, or ran past its own timeout.
    Function {
        /// The function.
        function: String,
        /// Lambda's `errorType` (`Error`, `Runtime.ExitError`, `Sandbox.Timedout`, …).
        error_type: String,
        /// Lambda's `errorMessage`.
        message: String,
        /// What it logged.
        logs: Vec<String>,
    },
    /// The caller's deadline (API Gateway's integration timeout) passed first: the invocation
    /// was abandoned.
    CallerTimeout {
        /// The function.
        function: String,
        /// The caller's deadline.
        after: Duration,
        /// What it logged.
        logs: Vec<String>,
    },
}

impl LambdaError {
    /// The error as Lambda's Invoke API returns it: `{"errorType", "errorMessage"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let (error_type, message) = match self {
            LambdaError::Throttled { .. } => ("TooManyRequestsException", "Rate Exceeded.".into()),
            LambdaError::Function {
                error_type,
                message,
                ..
            } => (error_type.as_str(), message.clone()),
            LambdaError::CallerTimeout { after, .. } => (
                "Sandbox.Timedout",
                format!("Task timed out after {:.2} seconds", after.as_secs_f64()),
            ),
        };
        serde_json::json!({ "errorType": error_type, "errorMessage": message })
    }

    /// What the function logged before failing.
    pub fn logs(&self) -> &[String] {
        match self {
            LambdaError::Throttled { .. } => &[],
            LambdaError::Function { logs, .. } | LambdaError::CallerTimeout { logs, .. } => logs,
        }
    }
}

impl std::fmt::Display for LambdaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LambdaError::Throttled { function } => {
                write!(f, "Lambda function `{function}`: TooManyRequestsException: Rate Exceeded. (reserved concurrency reached)")
            }
            LambdaError::Function {
                function,
                error_type,
                message,
                ..
            } => write!(f, "Lambda function `{function}`: {error_type}: {message}"),
            LambdaError::CallerTimeout {
                function, after, ..
            } => write!(
                f,
                "Lambda function `{function}`: no result within the caller's {} ms",
                after.as_millis()
            ),
        }
    }
}

impl std::error::Error for LambdaError {}

/// How an environment was created (`AWS_LAMBDA_INITIALIZATION_TYPE`).
#[derive(Debug, Clone, Copy)]
enum InitType {
    OnDemand,
    Provisioned,
    SnapStart,
}

impl InitType {
    fn name(self) -> &'static str {
        match self {
            InitType::OnDemand => "on-demand",
            InitType::Provisioned => "provisioned-concurrency",
            InitType::SnapStart => "snap-start",
        }
    }
}

/// A loaded Lambda function. Cheap to clone; clones share the environments.
#[derive(Clone)]
pub struct LambdaFunction(Arc<Inner>);

struct Inner {
    spec: LambdaFunctionSpec,
    pre: InstancePre<HostState>,
    exports: Exports,
    /// The SnapStart snapshot, once [`LambdaFunction::prepare`] made it.
    snapshot: OnceLock<Snapshot>,
    /// What making the snapshot needs (only with `snap_start`).
    snapshot_source: Option<SnapshotSource>,
    warm: Mutex<Vec<WarmInstance>>,
    concurrency: Semaphore,
    invocations: AtomicU64,
    throttles: AtomicU64,
    errors: AtomicU64,
    cold_starts: AtomicU64,
    init_nanos: AtomicU64,
    environments: AtomicUsize,
    _ticker: Arc<EpochTicker>,
}

/// A component holding an initialized environment's state, and how long making it took.
struct Snapshot {
    pre: InstancePre<HostState>,
    exports: Exports,
    took: Duration,
}

impl LambdaFunction {
    pub(crate) fn new(
        spec: LambdaFunctionSpec,
        pre: InstancePre<HostState>,
        exports: Exports,
        snapshot_source: Option<SnapshotSource>,
        slots: u32,
        ticker: Arc<EpochTicker>,
    ) -> Self {
        let permits = spec.reserved_concurrency.unwrap_or(slots) as usize;
        Self(Arc::new(Inner {
            spec,
            pre,
            exports,
            snapshot: OnceLock::new(),
            snapshot_source,
            warm: Mutex::new(Vec::new()),
            concurrency: Semaphore::new(permits),
            invocations: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            cold_starts: AtomicU64::new(0),
            init_nanos: AtomicU64::new(0),
            environments: AtomicUsize::new(0),
            _ticker: ticker,
        }))
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.0.spec.name
    }

    /// The settings it was loaded with.
    pub fn spec(&self) -> &LambdaFunctionSpec {
        &self.0.spec
    }

    /// Its counters.
    pub fn stats(&self) -> LambdaStats {
        let inner = &*self.0;
        LambdaStats {
            invocations: inner.invocations.load(Ordering::Relaxed),
            throttles: inner.throttles.load(Ordering::Relaxed),
            errors: inner.errors.load(Ordering::Relaxed),
            cold_starts: inner.cold_starts.load(Ordering::Relaxed),
            init_duration: Duration::from_nanos(inner.init_nanos.load(Ordering::Relaxed)),
            environments: inner.environments.load(Ordering::Relaxed),
            idle_environments: inner.warm().len(),
            snapshot_duration: inner.snapshot.get().map(|s| s.took),
        }
    }

    /// Gets the function ready for traffic: with `snap_start`, initializes one environment and
    /// snapshots it; then initializes the `provisioned_concurrency` environments. Call it once
    /// at start-up; an error names the function and what failed.
    pub async fn prepare(&self) -> Result<(), LambdaError> {
        let inner = &*self.0;
        if inner.snapshot_source.is_some() && inner.snapshot.get().is_none() {
            let started = Instant::now();
            // On a task of its own: a panic in the snapshotting code fails this function's
            // SnapStart, not the process.
            let function = self.clone();
            let made = tokio::spawn(async move { function.make_snapshot().await })
                .await
                .unwrap_or_else(|e| Err(format!("the snapshot task failed: {e}")));
            let (pre, exports) = made.map_err(|message| LambdaError::Function {
                function: inner.spec.name.clone(),
                error_type: "Runtime.InitError".into(),
                message: format!("SnapStart snapshot failed: {message}"),
                logs: Vec::new(),
            })?;
            let took = started.elapsed();
            tracing::info!(target: "lambda", function = %inner.spec.name, "SnapStart snapshot ready in {:.2} ms", took.as_secs_f64() * 1000.0);
            let _ = inner.snapshot.set(Snapshot { pre, exports, took });
        }
        for _ in 0..inner.spec.provisioned_concurrency {
            let (instance, _) = self
                .start_environment(InitType::Provisioned)
                .await
                .map_err(|(e, _)| e)?;
            inner.warm().push(instance);
        }
        Ok(())
    }

    async fn make_snapshot(&self) -> Result<(InstancePre<HostState>, Exports), String> {
        let inner = &*self.0;
        let source = inner
            .snapshot_source
            .as_ref()
            .ok_or("the function was loaded without snap_start")?;
        let env = self.environment(InitType::SnapStart);
        source
            .snapshot(&inner.exports, inner.spec.memory_mb, &env, INIT_TIMEOUT)
            .await
    }

    /// Invokes the function synchronously on `event` (JSON text), as API Gateway does. With
    /// `caller_timeout`, gives up once it has passed (API Gateway's integration timeout) even
    /// if the function's own timeout is longer.
    pub async fn invoke(
        &self,
        event: &str,
        caller_timeout: Option<Duration>,
    ) -> Result<LambdaInvocation, LambdaError> {
        let inner = &*self.0;
        let request_id = request_id();
        let Ok(_permit) = inner.concurrency.try_acquire() else {
            inner.throttles.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(target: "lambda", function = %inner.spec.name, "throttled: reserved concurrency {} reached", inner.spec.reserved_concurrency.map_or("(instance slots)".into(), |r| r.to_string()));
            return Err(LambdaError::Throttled {
                function: inner.spec.name.clone(),
            });
        };
        inner.invocations.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let warm = inner.warm().pop();
        let (mut instance, cold_start) = match warm {
            Some(instance) => (instance, None),
            None => {
                let init_type = if inner.snapshot.get().is_some() {
                    InitType::SnapStart
                } else {
                    InitType::OnDemand
                };
                let (instance, cold) = match self.start_environment(init_type).await {
                    Ok(started) => started,
                    Err((error, pool_exhausted)) => {
                        if pool_exhausted {
                            inner.throttles.fetch_add(1, Ordering::Relaxed);
                        } else {
                            inner.errors.fetch_add(1, Ordering::Relaxed);
                        }
                        return Err(error);
                    }
                };
                inner.cold_starts.fetch_add(1, Ordering::Relaxed);
                (instance, Some(cold))
            }
        };

        let function_timeout = inner.spec.timeout;
        let (timeout, by_caller) = match caller_timeout {
            Some(cap) => {
                let left = cap.saturating_sub(started.elapsed());
                if left < function_timeout {
                    (left.max(Duration::from_millis(1)), true)
                } else {
                    (function_timeout, false)
                }
            }
            None => (function_timeout, false),
        };
        let call_started = Instant::now();
        let outcome = instance.call(event.to_owned(), timeout).await;
        let duration = call_started.elapsed();
        let logs = instance.take_logs();
        let max_memory_used = instance.peak_memory_bytes();
        let report = report_line(
            &request_id,
            duration,
            inner.spec.memory_mb,
            max_memory_used,
            cold_start,
        );
        for line in &logs {
            tracing::info!(target: "lambda", function = %inner.spec.name, "{line}");
        }
        tracing::info!(target: "lambda", function = %inner.spec.name, "{report}");
        let error = |error_type: &str, message: String, logs: Vec<String>| LambdaError::Function {
            function: inner.spec.name.clone(),
            error_type: error_type.to_owned(),
            message,
            logs,
        };
        let result = match outcome {
            Ok(result) => {
                inner.warm().push(instance);
                return Ok(LambdaInvocation {
                    request_id,
                    result,
                    logs,
                    duration,
                    cold_start,
                    max_memory_used,
                });
            }
            // A returned error leaves the environment healthy.
            Err(Failure::Returned(message)) => {
                inner.warm().push(instance);
                error("Error", message, logs)
            }
            // After a trap or a timeout the environment is gone (Lambda resets it).
            Err(failure) => {
                drop(instance);
                inner.environments.fetch_sub(1, Ordering::Relaxed);
                match failure {
                    Failure::Trapped {
                        timed_out: true, ..
                    } if by_caller => LambdaError::CallerTimeout {
                        function: inner.spec.name.clone(),
                        after: caller_timeout.unwrap_or(timeout),
                        logs,
                    },
                    Failure::Trapped {
                        timed_out: true, ..
                    } => error(
                        "Sandbox.Timedout",
                        format!(
                            "{request_id} Task timed out after {:.2} seconds",
                            function_timeout.as_secs_f64()
                        ),
                        logs,
                    ),
                    Failure::Trapped {
                        memory_exceeded: true,
                        ..
                    } => error(
                        "Runtime.OutOfMemory",
                        format!(
                            "RequestId: {request_id} Error: Runtime exited with error: more than memory_mb = {} MB used",
                            inner.spec.memory_mb
                        ),
                        logs,
                    ),
                    Failure::Trapped { error: trap, .. } => error(
                        "Runtime.ExitError",
                        format!(
                            "RequestId: {request_id} Error: Runtime exited with error: {}",
                            trap.root_cause()
                        ),
                        logs,
                    ),
                    Failure::Returned(message) => error("Error", message, logs),
                    Failure::PoolExhausted => LambdaError::Throttled {
                        function: inner.spec.name.clone(),
                    },
                }
            }
        };
        inner.errors.fetch_add(1, Ordering::Relaxed);
        Err(result)
    }

    /// Creates one environment: from the snapshot when there is one, else instantiate + `init`.
    /// On failure, also says whether no instance slot was free (a throttle, not an error).
    async fn start_environment(
        &self,
        init_type: InitType,
    ) -> Result<(WarmInstance, ColdStart), (LambdaError, bool)> {
        let inner = &*self.0;
        let env = self.environment(init_type);
        let memory_bytes =
            usize::try_from(inner.spec.memory_mb * 1024 * 1024).unwrap_or(usize::MAX);
        let started = Instant::now();
        let (pre, exports) = match inner.snapshot.get() {
            Some(s) => (&s.pre, &s.exports),
            None => (&inner.pre, &inner.exports),
        };
        match WarmInstance::start(pre, exports, memory_bytes, &env, INIT_TIMEOUT).await {
            Ok(instance) => {
                let took = started.elapsed();
                inner.environments.fetch_add(1, Ordering::Relaxed);
                inner.init_nanos.fetch_add(
                    u64::try_from(took.as_nanos()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                let cold = if inner.snapshot.get().is_some() {
                    ColdStart::Restore(took)
                } else {
                    ColdStart::Init(took)
                };
                Ok((instance, cold))
            }
            Err((Failure::PoolExhausted, _)) => Err((
                LambdaError::Throttled {
                    function: inner.spec.name.clone(),
                },
                true,
            )),
            Err((failure, logs)) => {
                let message = match failure {
                    Failure::Returned(m) => m,
                    Failure::Trapped {
                        timed_out: true, ..
                    } => "init timed out after 10.00 seconds".into(),
                    Failure::Trapped { error, .. } => error.root_cause().to_string(),
                    Failure::PoolExhausted => String::new(),
                };
                Err((
                    LambdaError::Function {
                        function: inner.spec.name.clone(),
                        error_type: "Runtime.InitError".into(),
                        message,
                        logs,
                    },
                    false,
                ))
            }
        }
    }

    /// The variables an environment sees: the function's own, then Lambda's.
    fn environment(&self, init_type: InitType) -> Vec<(String, String)> {
        let spec = &self.0.spec;
        let mut env = spec.environment.clone();
        env.extend(
            [
                ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
                (
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                    spec.memory_mb.to_string(),
                ),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
                ("AWS_LAMBDA_INITIALIZATION_TYPE", init_type.name().into()),
                ("AWS_REGION", "us-east-1".into()),
                ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        env
    }
}

impl Inner {
    fn warm(&self) -> MutexGuard<'_, Vec<WarmInstance>> {
        // Push and pop cannot leave the vector inconsistent, even if a holder panicked.
        self.warm.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A Lambda request id: a random UUID (version 4 layout).
fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[16..20],
        &hex[20..32]
    )
}
