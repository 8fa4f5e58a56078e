//! CloudFront's standard access log (spec/distribution.md §15): W3C, tab-separated, the 33 fields
//! in CloudFront's order under `#Version`/`#Fields` header lines, or the same fields as JSON lines.
//!
//! Lines are formatted on the request's thread and written by one writer thread, so a slow disk
//! never holds a request; the writer flushes whenever it has nothing queued, so a line is on disk
//! moments after its request ends. `{distribution}` in a file path gives one file per
//! distribution, as CloudFront delivers them.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::LazyLock;

use localfront_config::{AccessLogFormat, LogTarget};
use parking_lot::RwLock;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// The W3C header's field names, in CloudFront's order.
pub const FIELDS: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// Characters CloudFront URL-encodes in log values: controls, space, and what would break the
/// line's tab-separated shape or its quoting.
const LOG_ENCODE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'\\').add(b'\t');

/// One request's log entry: the 33 values, in `FIELDS` order, already encoded (`-` when empty).
pub struct Entry {
    /// The distribution it belongs to (chooses the file with `{distribution}`).
    pub distribution: String,
    /// The values.
    pub values: [String; 33],
}

/// A value as CloudFront writes it: URL-encoded, `-` when absent or empty.
pub fn value(v: Option<&str>) -> String {
    match v {
        Some(v) if !v.is_empty() => utf8_percent_encode(v, LOG_ENCODE).to_string(),
        _ => "-".to_owned(),
    }
}

/// The process's access log (configured from `[server]`, again at each reload).
pub static ACCESS_LOG: LazyLock<AccessLog> = LazyLock::new(AccessLog::default);

/// Where entries go.
#[derive(Default)]
pub struct AccessLog {
    sink: RwLock<Option<Sink>>,
}

/// A configured destination and its writer thread's queue.
struct Sink {
    format: AccessLogFormat,
    target: LogTarget,
    tx: Sender<Line>,
}

/// A formatted line on its way to the writer.
struct Line {
    target: PathTarget,
    text: String,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum PathTarget {
    Stdout,
    Stderr,
    File(PathBuf),
}

impl AccessLog {
    /// Applies `[server] access_log` and `access_log_format` (`None` turns logging off); the
    /// writer is replaced only when they changed.
    pub fn configure(&self, target: Option<&LogTarget>, format: AccessLogFormat) {
        let mut sink = self.sink.write();
        let same = match (sink.as_ref(), target) {
            (Some(s), Some(t)) => s.format == format && &s.target == t,
            (None, None) => true,
            _ => false,
        };
        if same {
            return;
        }
        *sink = target.map(|target| {
            let (tx, rx) = mpsc::channel();
            let _ = std::thread::Builder::new()
                .name("access-log".into())
                .spawn(move || write_lines(rx, format));
            Sink {
                format,
                target: target.clone(),
                tx,
            }
        });
    }

    /// Whether entries are wanted (building one has a cost).
    pub fn enabled(&self) -> bool {
        self.sink.read().is_some()
    }

    /// Queues `entry` for the writer.
    pub fn log(&self, entry: Entry) {
        let sink = self.sink.read();
        let Some(sink) = sink.as_ref() else {
            return;
        };
        let text = match sink.format {
            AccessLogFormat::W3c => entry.values.join("\t"),
            AccessLogFormat::Json => {
                let object: serde_json::Map<String, serde_json::Value> = FIELDS
                    .iter()
                    .zip(entry.values)
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                    .chain(std::iter::once((
                        "distribution-id".to_owned(),
                        serde_json::Value::String(entry.distribution.clone()),
                    )))
                    .collect();
                serde_json::Value::Object(object).to_string()
            }
        };
        let target = match &sink.target {
            LogTarget::Stdout => PathTarget::Stdout,
            LogTarget::Stderr => PathTarget::Stderr,
            LogTarget::File(path) => PathTarget::File(PathBuf::from(
                path.to_string_lossy()
                    .replace("{distribution}", &entry.distribution),
            )),
        };
        let _ = sink.tx.send(Line { target, text });
    }
}

/// The writer thread: appends lines, writing the W3C header to each new file, and flushes when
/// the queue is empty.
fn write_lines(rx: Receiver<Line>, format: AccessLogFormat) {
    let mut files: HashMap<PathTarget, Box<dyn Write>> = HashMap::new();
    let mut header_written_stdout = false;
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(line) = next {
            let out = files
                .entry(line.target.clone())
                .or_insert_with(|| open(&line.target, format, &mut header_written_stdout));
            let _ = writeln!(out, "{}", line.text);
            next = rx.try_recv().ok();
        }
        for out in files.values_mut() {
            let _ = out.flush();
        }
    }
}

/// Opens a destination; a new or empty W3C file starts with the header lines.
fn open(target: &PathTarget, format: AccessLogFormat, stdout_header: &mut bool) -> Box<dyn Write> {
    let header = format!("#Version: 1.0\n#Fields: {}\n", FIELDS.join(" "));
    match target {
        PathTarget::Stdout | PathTarget::Stderr => {
            let mut out: Box<dyn Write> = if *target == PathTarget::Stdout {
                Box::new(std::io::stdout())
            } else {
                Box::new(std::io::stderr())
            };
            if format == AccessLogFormat::W3c && !*stdout_header {
                let _ = out.write_all(header.as_bytes());
                *stdout_header = true;
            }
            out
        }
        PathTarget::File(path) => match open_file(path) {
            Ok(mut file) => {
                let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(true);
                if format == AccessLogFormat::W3c && empty {
                    let _ = file.write_all(header.as_bytes());
                }
                Box::new(BufWriter::new(file))
            }
            Err(e) => {
                tracing::error!("cannot open the access log {}: {e}", path.display());
                Box::new(std::io::sink())
            }
        },
    }
}

fn open_file(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}
