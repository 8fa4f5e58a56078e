//! What can go wrong, in the terms the proxy maps onto CloudFront's answers
//! (spec/lambda-edge.md §7):
//!
//! | error                      | CloudFront                                            |
//! |----------------------------|-------------------------------------------------------|
//! | [`EdgeError::Validation`]    | 502 `LambdaValidationError from cloudfront`           |
//! | [`EdgeError::Execution`]     | 503 `LambdaExecutionError from cloudfront`            |
//! | [`EdgeError::LimitExceeded`] | 503 `LambdaLimitExceeded from cloudfront`             |
//!
//! Every error names the function and carries the logs the guest wrote before it failed, so a
//! log line can say which function failed and why.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use localfront_events::lambda_edge::ValidationError;

/// Why an invocation did not produce a usable result.
#[derive(Debug)]
pub enum EdgeError {
    /// The handler returned a result CloudFront would refuse: 502 `LambdaValidationError`.
    Validation(ValidationFailure),
    /// The handler trapped, returned `Err`, or could not be instantiated or initialized: 503
    /// `LambdaExecutionError`.
    Execution(ExecutionError),
    /// A timeout, the memory cap, or the function's concurrency limit: 503 `LambdaLimitExceeded`.
    LimitExceeded(LimitExceeded),
}

impl EdgeError {
    /// The function that failed.
    pub fn function(&self) -> &str {
        match self {
            EdgeError::Validation(e) => &e.function,
            EdgeError::Execution(e) => &e.function,
            EdgeError::LimitExceeded(e) => &e.function,
        }
    }

    /// Lines the guest wrote to stdout/stderr before failing (a panic message, for example).
    pub fn logs(&self) -> &[String] {
        match self {
            EdgeError::Validation(e) => &e.logs,
            EdgeError::Execution(e) => &e.logs,
            EdgeError::LimitExceeded(e) => &e.logs,
        }
    }

    /// CloudFront's `X-Cache` / result type name for this error.
    pub fn cloudfront_name(&self) -> &'static str {
        match self {
            EdgeError::Validation(_) => "LambdaValidationError",
            EdgeError::Execution(_) => "LambdaExecutionError",
            EdgeError::LimitExceeded(_) => "LambdaLimitExceeded",
        }
    }
}

impl fmt::Display for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeError::Validation(e) => e.fmt(f),
            EdgeError::Execution(e) => e.fmt(f),
            EdgeError::LimitExceeded(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EdgeError {}

/// A result that failed CloudFront's validation.
#[derive(Debug)]
pub struct ValidationFailure {
    /// The function.
    pub function: String,
    /// The rule broken, naming the field, header or limit.
    pub error: ValidationError,
    /// The guest's log lines.
    pub logs: Vec<String>,
}

impl fmt::Display for ValidationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lambda@Edge function `{}`: LambdaValidationError: {}",
            self.function, self.error
        )
    }
}

/// A handler that failed to run to a result.
#[derive(Debug)]
pub struct ExecutionError {
    /// The function.
    pub function: String,
    /// What happened: the handler's `Err` string, the trap, or the instantiation failure.
    pub reason: String,
    /// The guest's log lines.
    pub logs: Vec<String>,
}

impl fmt::Display for ExecutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lambda@Edge function `{}`: LambdaExecutionError: {}",
            self.function, self.reason
        )
    }
}

/// A limit that stopped or refused an invocation.
#[derive(Debug)]
pub struct LimitExceeded {
    /// The function.
    pub function: String,
    /// Which limit.
    pub limit: Limit,
    /// The guest's log lines.
    pub logs: Vec<String>,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lambda@Edge function `{}`: LambdaLimitExceeded: {}",
            self.function, self.limit
        )
    }
}

/// The limits of spec/lambda-edge.md §6 as localfront enforces them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The invocation ran past its timeout and was stopped (epoch interruption).
    Timeout(Duration),
    /// The guest tried to grow its memory past `memory_mb` (StoreLimits).
    Memory {
        /// The function's cap in MiB.
        limit_mb: u64,
    },
    /// `max_concurrency` invocations were already running.
    Concurrency {
        /// The function's `max_concurrency`.
        max: u32,
    },
    /// Every instance slot of the runtime's pooling allocator is in use.
    InstancePool,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Timeout(t) => write!(f, "timed out after {} ms", t.as_millis()),
            Limit::Memory { limit_mb } => {
                write!(f, "tried to use more than its memory_mb = {limit_mb} MB")
            }
            Limit::Concurrency { max } => {
                write!(
                    f,
                    "throttled: {max} invocations (max_concurrency) already running"
                )
            }
            Limit::InstancePool => {
                write!(f, "throttled: every instance slot of the runtime is in use")
            }
        }
    }
}

/// Why a function could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The component file could not be read.
    #[error("edge function `{function}`: cannot read {}: {source}", path.display())]
    Read {
        /// The function.
        function: String,
        /// The component path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid component, or does not export `handle` with the contract's type.
    #[error("edge function `{function}`: {} is not a localfront:edge/handler component: {reason}", path.display())]
    InvalidComponent {
        /// The function.
        function: String,
        /// The component path.
        path: PathBuf,
        /// What wasmtime or the contract check said.
        reason: String,
    },
    /// A setting is out of range.
    #[error("edge function `{function}`: {setting}: {reason}")]
    InvalidSpec {
        /// The function.
        function: String,
        /// The setting, e.g. `memory_mb`.
        setting: &'static str,
        /// The accepted range.
        reason: String,
    },
}

/// Why the runtime itself could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// wasmtime refused the engine configuration (e.g. the pooling allocator's reservation).
    #[error("cannot create the wasm engine: {0}")]
    Engine(String),
    /// The compile cache directory cannot be created.
    #[error("cannot create the compile cache {}: {source}", path.display())]
    CacheDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The WASI imports could not be linked.
    #[error("cannot link the WASI imports: {0}")]
    Link(String),
    /// The epoch ticker thread could not be started.
    #[error("cannot start the epoch ticker: {0}")]
    Ticker(std::io::Error),
}
