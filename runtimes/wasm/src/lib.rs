//! localfront's Lambda@Edge runtime: handlers are WebAssembly components (the
//! `localfront:edge/handler` world in `wit/handler.wit`) run in wasmtime. It knows nothing of
//! HTTP servers: it takes a Lambda@Edge event (`localfront_events::lambda_edge::Cf`) and returns
//! a validated result or a typed error the proxy maps to CloudFront's answers
//! (spec/lambda-edge.md §7).
//!
//! ```text
//! let runtime = EdgeRuntime::new(".localfront/wasm-cache")?;
//! let function = runtime.load(EdgeFunctionSpec::new("auth", "auth.wasm"))?;
//! match function.invoke(&cf).await {
//!     Ok(invocation) => { /* apply invocation.result */ }
//!     Err(EdgeError::Validation(e)) => { /* 502 LambdaValidationError */ }
//!     Err(EdgeError::Execution(e)) => { /* 503 LambdaExecutionError */ }
//!     Err(EdgeError::LimitExceeded(e)) => { /* 503 LambdaLimitExceeded */ }
//! }
//! ```
//!
//! # How an invocation runs
//!
//! One [`EdgeRuntime`] owns one wasmtime `Engine` with the pooling allocator (sized in
//! `engine.rs`), a compile cache keyed by content hash (`compile_cache.rs`) and an epoch ticker
//! (`epoch.rs`). [`EdgeRuntime::load`] compiles a component once and prepares an
//! `InstancePre`. Each [`EdgeFunction`] keeps a pool of warm instances (`instance.rs`): an
//! instance handles one event at a time, like a Lambda execution environment; `init` runs once
//! per instance, and a cold start is counted and reported as `Init Duration`.
//!
//! # Why async calls, not `spawn_blocking`
//!
//! The proxy runs on tokio multi-thread runtimes, and a handler may run for up to 30 s. Guests
//! are called with wasmtime's async API on a fiber; at every epoch tick (5 ms) a running guest
//! yields to the executor (`tokio::task::yield_now`) and is trapped once past its deadline. A
//! worker thread is therefore never held longer than one tick, and no thread is parked per
//! invocation. The alternative, a synchronous call inside `spawn_blocking`, costs a thread
//! hand-off per event and a blocking-pool thread per running guest. Measured
//! (`benches/invoke.rs`, release, 2 cores): a whole warm origin-request call takes ≈ 15 µs
//! async, while a bare `spawn_blocking` round trip alone takes ≈ 10–17 µs — the hand-off would
//! double the cost (numbers in `README.md`).

mod compile_cache;
mod engine;
mod epoch;
mod error;
mod function;
mod host_state;
mod instance;
mod invocation;
mod lambda;
mod lambda_report;
mod limiter;
mod linker;
mod logs;
mod runtime;
mod snapshot;

pub use engine::RuntimeConfig;
pub use error::{
    EdgeError, ExecutionError, Limit, LimitExceeded, LoadError, RuntimeError, ValidationFailure,
};
pub use function::{
    EdgeFunction, EdgeFunctionSpec, FunctionStats, DEFAULT_MAX_CONCURRENCY, DEFAULT_MEMORY_MB,
    ORIGIN_TIMEOUT, VIEWER_TIMEOUT,
};
pub use invocation::{invoke_report, Invocation};
pub use lambda::{
    LambdaError, LambdaFunction, LambdaFunctionSpec, LambdaInvocation, LambdaStats,
    DEFAULT_LAMBDA_TIMEOUT, MAX_LAMBDA_TIMEOUT,
};
pub use lambda_report::{lambda_invoke_report, report_line, ColdStart};
pub use runtime::EdgeRuntime;
