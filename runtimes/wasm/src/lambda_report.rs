//! Lambda's log lines for one invocation: the CloudWatch `REPORT` line (shared with
//! Lambda@Edge's `localfront invoke` output) and the whole `localfront invoke --function`
//! output, as `sam local invoke` prints it.

use std::fmt::Write as _;
use std::time::Duration;

use crate::lambda::{LambdaError, LambdaInvocation};

/// How an invocation's environment was created, when it had to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColdStart {
    /// Instantiate + `init`: the REPORT line's `Init Duration`.
    Init(Duration),
    /// Started from the SnapStart snapshot: `Restore Duration`.
    Restore(Duration),
}

impl ColdStart {
    /// How long creating the environment took.
    pub fn duration(self) -> Duration {
        match self {
            ColdStart::Init(d) | ColdStart::Restore(d) => d,
        }
    }
}

/// `REPORT RequestId: …␉Duration: 0.05 ms␉Billed Duration: 1 ms␉Memory Size: 128 MB␉Max Memory
/// Used: 2 MB` and, on a cold start, `␉Init Duration: 0.42 ms` (or SnapStart's `␉Restore
/// Duration: … ms␉Billed Restore Duration: … ms`), `␉` being a tab as in Lambda's line.
pub fn report_line(
    request_id: &str,
    duration: Duration,
    memory_mb: u64,
    max_memory_used: usize,
    cold_start: Option<ColdStart>,
) -> String {
    let mut out = format!(
        "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {} MB",
        millis(duration),
        billed_ms(duration),
        max_memory_used.div_ceil(1024 * 1024),
    );
    // Writing to a String cannot fail.
    match cold_start {
        Some(ColdStart::Init(d)) => {
            let _ = write!(out, "\tInit Duration: {:.2} ms", millis(d));
        }
        Some(ColdStart::Restore(d)) => {
            let _ = write!(
                out,
                "\tRestore Duration: {:.2} ms\tBilled Restore Duration: {} ms",
                millis(d),
                billed_ms(d)
            );
        }
        None => {}
    }
    out
}

fn billed_ms(d: Duration) -> u128 {
    d.as_micros().div_ceil(1000).max(1)
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The output of `localfront invoke --function NAME`: `START`, the logs, `END`, the REPORT line
/// (when the function ran), then the result or the error JSON.
pub fn lambda_invoke_report(
    memory_mb: u64,
    outcome: &Result<LambdaInvocation, LambdaError>,
) -> String {
    let mut out = String::new();
    match outcome {
        Ok(inv) => {
            let _ = writeln!(out, "START RequestId: {} Version: $LATEST", inv.request_id);
            for line in &inv.logs {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "END RequestId: {}", inv.request_id);
            let _ = writeln!(
                out,
                "{}",
                report_line(
                    &inv.request_id,
                    inv.duration,
                    memory_mb,
                    inv.max_memory_used,
                    inv.cold_start
                )
            );
            let _ = writeln!(out, "{}", inv.result);
        }
        Err(error) => {
            for line in error.logs() {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "{:#}", error.to_json());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_for_init_and_restore() {
        let d = Duration::from_micros(1500);
        assert_eq!(
            report_line("r", d, 128, 1, Some(ColdStart::Init(Duration::from_micros(420)))),
            "REPORT RequestId: r\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\tInit Duration: 0.42 ms"
        );
        assert!(report_line("r", d, 128, 1, Some(ColdStart::Restore(d)))
            .ends_with("\tRestore Duration: 1.50 ms\tBilled Restore Duration: 2 ms"));
        assert!(!report_line("r", d, 128, 1, None).contains("Init"));
    }
}
