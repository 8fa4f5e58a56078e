//! Typed errors of loading and running functions, with CloudFront's names (spec §9): the proxy maps
//! them to a status and an `X-Cache` value with [`FunctionError::status`] and
//! [`FunctionError::x_cache`].

use std::fmt;
use std::time::Duration;

use crate::budget::Exceeded;

/// A function rejected at load, or an invalid result of a run (§9: 502 when live).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The function's name.
    pub function: String,
    /// 1-based line in the function's code, for load-time errors that have one.
    pub line: Option<usize>,
    /// 1-based column, with `line`.
    pub column: Option<usize>,
    /// What is wrong, e.g. `SyntaxError: Illegal export statement`.
    pub message: String,
    /// `console.log` lines of the run (empty at load).
    pub logs: Vec<String>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function `{}`", self.function)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// The function threw, or its code could not run (§9: 503 `FunctionExecutionError`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionError {
    /// The function's name.
    pub function: String,
    /// The error's `name`, e.g. `TypeError`, `Error`.
    pub name: String,
    /// The error's message.
    pub message: String,
    /// `console.log` lines before the failure.
    pub logs: Vec<String>,
}

impl fmt::Display for ExecutionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function `{}`: {}", self.function, self.error_message())
    }
}

impl ExecutionError {
    /// `<ErrorName>: <message>`, as in `FunctionErrorMessage` (§11).
    pub fn error_message(&self) -> String {
        if self.message.is_empty() {
            self.name.clone()
        } else {
            format!("{}: {}", self.name, self.message)
        }
    }
}

/// Which limit stopped or refused a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// The run used more CPU time than the budget.
    Time(Duration),
    /// The run held more memory than the budget (bytes).
    Memory(usize),
    /// The run recursed too deeply.
    Stack,
    /// Strict compute: the function keeps exceeding its compute budget and is throttled (§9).
    Throttled,
}

/// A run stopped by a budget, or refused by throttling (§9: 503).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError {
    /// The function's name.
    pub function: String,
    /// The limit.
    pub kind: LimitKind,
    /// `console.log` lines before the stop.
    pub logs: Vec<String>,
}

impl LimitError {
    pub(crate) fn from_exceeded(
        function: &str,
        exceeded: Exceeded,
        budgets: &crate::Budgets,
        logs: Vec<String>,
    ) -> Self {
        let kind = match exceeded {
            Exceeded::Time => LimitKind::Time(budgets.max_run_time),
            Exceeded::Memory => LimitKind::Memory(budgets.max_memory),
            Exceeded::Stack => LimitKind::Stack,
        };
        LimitError {
            function: function.to_owned(),
            kind,
            logs,
        }
    }

    /// `<ErrorName>: <message>` in CloudFront's vocabulary (§7: `InternalError`, `MemoryError`).
    pub fn error_message(&self) -> String {
        match self.kind {
            LimitKind::Time(limit) => format!(
                "InternalError: the function exceeded its execution time limit ({} ms)",
                limit.as_millis()
            ),
            LimitKind::Memory(limit) => format!(
                "MemoryError: the function exceeded its memory limit ({} bytes)",
                limit
            ),
            LimitKind::Stack => {
                "InternalError: the function exceeded its stack limit (too much recursion)"
                    .to_owned()
            }
            LimitKind::Throttled => {
                "FunctionThrottledError: the function keeps exceeding its compute budget".to_owned()
            }
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function `{}`: {}", self.function, self.error_message())
    }
}

/// Why an invocation produced no usable result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FunctionError {
    /// The result is invalid (shape, headers, URI, query string, body), or the function is unknown.
    #[error("{0}")]
    Validation(ValidationError),
    /// The function threw or could not run.
    #[error("{0}")]
    Execution(ExecutionError),
    /// A budget stopped the run, or strict compute throttled it.
    #[error("{0}")]
    Limit(LimitError),
}

impl FunctionError {
    /// The HTTP status CloudFront answers with (§9): 502 for validation, 503 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            FunctionError::Validation(_) => 502,
            FunctionError::Execution(_) | FunctionError::Limit(_) => 503,
        }
    }

    /// The `X-Cache` value (§9).
    pub fn x_cache(&self) -> &'static str {
        match self {
            FunctionError::Validation(_) => "FunctionValidationError from cloudfront",
            FunctionError::Limit(LimitError {
                kind: LimitKind::Throttled,
                ..
            }) => "FunctionThrottledError from cloudfront",
            FunctionError::Execution(_) | FunctionError::Limit(_) => {
                "FunctionExecutionError from cloudfront"
            }
        }
    }

    /// `<ErrorName>: <message>`, as TestFunction's `FunctionErrorMessage` (§11).
    pub fn error_message(&self) -> String {
        match self {
            FunctionError::Validation(v) => v.message.clone(),
            FunctionError::Execution(e) => e.error_message(),
            FunctionError::Limit(l) => l.error_message(),
        }
    }

    /// `console.log` lines of the failed run.
    pub fn logs(&self) -> &[String] {
        match self {
            FunctionError::Validation(v) => &v.logs,
            FunctionError::Execution(e) => &e.logs,
            FunctionError::Limit(l) => &l.logs,
        }
    }
}
