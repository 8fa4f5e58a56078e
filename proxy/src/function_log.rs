//! Function logs (spec/cloudfront-functions.md §9, spec/lambda-edge.md §7): what a CloudFront
//! Function `console.log`s and what a wasm handler writes to stdout/stderr, framed as CloudWatch
//! frames them — `START`/`END` around each run, every line prefixed with the request id — and
//! written to `[server] function_log` (stderr by default, or a file). The admin listener's
//! `GET /logs` serves the recent lines and follows new ones (`localfront logs --follow`).
//!
//! localfront writes a run's frame only when the run logged something or failed: CloudWatch keeps
//! `START`/`END` for every run, but two lines per request would dominate a load test's cost.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::{Arc, LazyLock};
use std::time::SystemTime;

use localfront_config::LogTarget;
use parking_lot::Mutex;
use tokio::sync::broadcast;

/// Lines kept for `GET /logs` without `follow`.
const RECENT: usize = 1000;

/// One run's framed lines.
#[derive(Debug, Clone)]
pub struct Record {
    /// The function or handler's name.
    pub function: String,
    /// The lines, framed.
    pub lines: Vec<String>,
}

/// The process's function log (configured from `[server] function_log`, again at each reload).
pub static FUNCTION_LOG: LazyLock<FunctionLog> = LazyLock::new(FunctionLog::new);

/// Where function log lines go.
pub struct FunctionLog {
    out: Mutex<(LogTarget, Box<dyn Write + Send>)>,
    recent: Mutex<VecDeque<Arc<Record>>>,
    feed: broadcast::Sender<Arc<Record>>,
}

/// Which runtime ran: the frame differs.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// A CloudFront Function, in the distribution.
    CloudFrontFunction {
        /// The distribution id for `START DistributionID:`.
        distribution: &'a str,
    },
    /// A Lambda (Lambda@Edge handler or API Gateway integration).
    Lambda {
        /// `Duration` of the REPORT line.
        duration: std::time::Duration,
        /// `Init Duration`, on a cold start.
        init: Option<std::time::Duration>,
        /// `Memory Size`.
        memory_mb: u64,
        /// `Max Memory Used`, in bytes.
        max_memory: usize,
    },
}

impl FunctionLog {
    fn new() -> Self {
        Self {
            out: Mutex::new((LogTarget::Stderr, Box::new(std::io::stderr()))),
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
            feed: broadcast::channel(1024).0,
        }
    }

    /// Applies `[server] function_log` (reopened only when it changed).
    pub fn configure(&self, target: &LogTarget) {
        let mut out = self.out.lock();
        if &out.0 == target {
            return;
        }
        let writer: Box<dyn Write + Send> = match target {
            LogTarget::Stdout => Box::new(std::io::stdout()),
            LogTarget::Stderr => Box::new(std::io::stderr()),
            LogTarget::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(dir);
                }
                match OpenOptions::new().create(true).append(true).open(path) {
                    Ok(f) => Box::new(f),
                    Err(e) => {
                        tracing::error!("cannot open the function log {}: {e}", path.display());
                        Box::new(std::io::stderr())
                    }
                }
            }
        };
        *out = (target.clone(), writer);
    }

    /// Writes one run's lines (`error` is the failure's reason, if it failed). Nothing is written
    /// for a quiet, successful run.
    pub fn run(
        &self,
        function: &str,
        request_id: &str,
        kind: Kind<'_>,
        logs: &[String],
        error: Option<&str>,
    ) {
        if logs.is_empty() && error.is_none() {
            return;
        }
        let mut lines = Vec::with_capacity(logs.len() + 4);
        match kind {
            Kind::CloudFrontFunction { distribution } => {
                lines.push(format!("{request_id} START DistributionID: {distribution}"));
                lines.extend(logs.iter().map(|l| format!("{request_id} {l}")));
                if let Some(e) = error {
                    lines.push(format!("{request_id} ERROR {e}"));
                }
                lines.push(format!("{request_id} END"));
            }
            Kind::Lambda {
                duration,
                init,
                memory_mb,
                max_memory,
            } => {
                let at = httpdate::fmt_http_date(SystemTime::now());
                lines.push(format!("START RequestId: {request_id} Version: $LATEST"));
                lines.extend(
                    logs.iter()
                        .map(|l| format!("{at}\t{request_id}\tINFO\t{l}")),
                );
                if let Some(e) = error {
                    lines.push(format!("{at}\t{request_id}\tERROR\t{e}"));
                }
                lines.push(format!("END RequestId: {request_id}"));
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
                let mut report = format!(
                    "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {} MB",
                    ms(duration),
                    ms(duration).ceil().max(1.0) as u64,
                    max_memory.div_ceil(1 << 20),
                );
                if let Some(init) = init {
                    report.push_str(&format!("\tInit Duration: {:.2} ms", ms(init)));
                }
                lines.push(report);
            }
        }
        let record = Arc::new(Record {
            function: function.to_owned(),
            lines,
        });
        {
            let mut out = self.out.lock();
            let mut text = String::new();
            for line in &record.lines {
                text.push_str(&format!("[{function}] {line}\n"));
            }
            let _ = out.1.write_all(text.as_bytes());
            let _ = out.1.flush();
        }
        {
            let mut recent = self.recent.lock();
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(record.clone());
        }
        let _ = self.feed.send(record);
    }

    /// The recent runs' records, oldest first.
    pub fn recent(&self) -> Vec<Arc<Record>> {
        self.recent.lock().iter().cloned().collect()
    }

    /// New records as they are written.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Record>> {
        self.feed.subscribe()
    }
}
