//! The outcome of one successful invocation, and the text `localfront invoke` prints for an
//! outcome: the handler's logs between `START`/`END`, a Lambda-style `REPORT` line, then the
//! result JSON (or the error), as `sam local invoke` shows them.

use std::fmt::Write as _;
use std::time::Duration;

use localfront_events::lambda_edge::HandlerResult;

use crate::error::EdgeError;
use crate::lambda_report::{report_line, ColdStart};

/// A handler's validated result and what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The request to continue with, or the response.
    pub result: HandlerResult,
    /// Lines the handler (and, on a cold start, its `init`) wrote to stdout and stderr.
    pub logs: Vec<String>,
    /// Time in `handle`.
    pub duration: Duration,
    /// Time to instantiate and run `init`, on a cold start only.
    pub init_duration: Option<Duration>,
    /// The instance's largest linear memory so far, in bytes.
    pub max_memory_used: usize,
}

/// The output of `localfront invoke` for one event with `request_id`, on a function with
/// `memory_mb`:
///
/// ```text
/// START RequestId: 4f2c… Version: $LATEST
/// <log lines>
/// END RequestId: 4f2c…
/// REPORT RequestId: 4f2c…␉Duration: 0.05 ms␉Billed Duration: 1 ms␉Memory Size: 128 MB␉Max Memory Used: 2 MB␉Init Duration: 0.42 ms
/// <result JSON>
/// ```
///
/// where `␉` is a tab, as in Lambda's REPORT line. On an error the REPORT line is left out and the error follows as
/// `{"errorType": "LambdaExecutionError", "errorMessage": …}`.
pub fn invoke_report(
    request_id: &str,
    memory_mb: u64,
    outcome: &Result<Invocation, EdgeError>,
) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "START RequestId: {request_id} Version: $LATEST");
    let logs = match outcome {
        Ok(invocation) => &invocation.logs[..],
        Err(error) => error.logs(),
    };
    for line in logs {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "END RequestId: {request_id}");
    match outcome {
        Ok(invocation) => {
            let cold = invocation.init_duration.map(ColdStart::Init);
            let _ = write!(
                out,
                "{}",
                report_line(
                    request_id,
                    invocation.duration,
                    memory_mb,
                    invocation.max_memory_used,
                    cold
                )
            );
            let result = serde_json::to_string_pretty(&invocation.result)
                .unwrap_or_else(|e| format!("(result not serializable: {e})"));
            let _ = writeln!(out, "\n{result}");
        }
        Err(error) => {
            let body = serde_json::json!({
                "errorType": error.cloudfront_name(),
                "errorMessage": error.to_string(),
            });
            let _ = writeln!(out, "{body:#}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ExecutionError, Limit, LimitExceeded};
    use localfront_events::lambda_edge::Response;

    fn invocation(init: Option<Duration>) -> Invocation {
        Invocation {
            result: HandlerResult::Response(Response::new(204)),
            logs: vec!["hello".into()],
            duration: Duration::from_micros(1500),
            init_duration: init,
            max_memory_used: 3 * 1024 * 1024 + 1,
        }
    }

    #[test]
    fn a_cold_start_reports_init_duration() {
        let out = invoke_report(
            "rid",
            128,
            &Ok(invocation(Some(Duration::from_micros(420)))),
        );
        assert_eq!(
            out,
            "START RequestId: rid Version: $LATEST\nhello\nEND RequestId: rid\n\
             REPORT RequestId: rid\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 4 MB\tInit Duration: 0.42 ms\n\
             {\n  \"status\": \"204\",\n  \"headers\": {}\n}\n"
        );
    }

    #[test]
    fn a_warm_call_has_no_init_duration() {
        let out = invoke_report("rid", 128, &Ok(invocation(None)));
        assert!(!out.contains("Init Duration"), "{out}");
    }

    #[test]
    fn an_error_prints_its_cloudfront_name_and_logs() {
        let err = EdgeError::Execution(ExecutionError {
            function: "f".into(),
            reason: "boom".into(),
            logs: vec!["panicked".into()],
        });
        let out = invoke_report("rid", 128, &Err(err));
        assert!(out.contains("panicked\nEND RequestId: rid\n"), "{out}");
        assert!(
            out.contains("\"errorType\": \"LambdaExecutionError\""),
            "{out}"
        );
        let err = EdgeError::LimitExceeded(LimitExceeded {
            function: "f".into(),
            limit: Limit::Concurrency { max: 1 },
            logs: vec![],
        });
        assert!(invoke_report("rid", 128, &Err(err)).contains("LambdaLimitExceeded"));
    }
}
