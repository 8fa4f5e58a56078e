//! `[server]`: listeners, TLS files, state directory, process settings.

use std::net::SocketAddr;
use std::time::Duration;

use super::Checker;
use crate::error::KeyPath;
use crate::model::{AccessLogFormat, LogTarget, Server, TlsFiles, ViewerTimeouts};
use crate::raw::RawServer;

/// The default edge location name for `X-Amz-Cf-Pop` (localfront: CloudFront's header is observed,
/// not documented; the value is configurable).
const DEFAULT_POP: &str = "LCL50-C1";

pub(super) fn convert(c: &mut Checker, s: RawServer, at: &KeyPath) -> Server {
    let http_listen = listen(c, s.http_listen.as_deref(), &at.key("http_listen"))
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let https_listen = s
        .https_listen
        .as_deref()
        .and_then(|a| listen(c, Some(a), &at.key("https_listen")));
    let admin_listen = s
        .admin_listen
        .as_deref()
        .and_then(|a| listen(c, Some(a), &at.key("admin_listen")));
    let tls = match (s.tls_cert, s.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: c.path(&cert),
            key: c.path(&key),
        }),
        (None, None) => None,
        (Some(_), None) => {
            c.error(at, "`tls_cert` is set without `tls_key`");
            None
        }
        (None, Some(_)) => {
            c.error(at, "`tls_key` is set without `tls_cert`");
            None
        }
    };
    if tls.is_some() && https_listen.is_none() {
        c.error_hint(
            at,
            "`tls_cert`/`tls_key` are set but there is no HTTPS listener",
            "add `https_listen = \"127.0.0.1:8443\"`",
        );
    }
    let cache_max_bytes = c.ranged(
        s.cache_max_bytes,
        &at.key("cache_max_bytes"),
        1 << 20,
        1 << 40,
        256 << 20,
    );
    let cache_max_object_bytes = c.ranged(
        s.cache_max_object_bytes,
        &at.key("cache_max_object_bytes"),
        1,
        cache_max_bytes,
        (32 << 20).min(cache_max_bytes),
    );
    let access_log = s
        .access_log
        .as_deref()
        .map(|t| log_target(c, t, &at.key("access_log")));
    let access_log_format = match s.access_log_format.as_deref() {
        None | Some("w3c") => AccessLogFormat::W3c,
        Some("json") => AccessLogFormat::Json,
        Some(other) => {
            c.error_hint(
                &at.key("access_log_format"),
                format!("unknown access log format `{other}`"),
                "use `w3c` (CloudFront's standard log) or `json`",
            );
            AccessLogFormat::W3c
        }
    };
    let function_log = log_target(
        c,
        s.function_log.as_deref().unwrap_or("stderr"),
        &at.key("function_log"),
    );
    let default_threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    Server {
        http_listen,
        https_listen,
        admin_listen,
        tls,
        state_dir: c.path(s.state_dir.as_deref().unwrap_or(".localfront")),
        pop: s.pop.unwrap_or_else(|| DEFAULT_POP.to_owned()),
        threads: c.ranged(s.threads, &at.key("threads"), 1, 256, default_threads) as usize,
        // One per CPU, as the workers: runs are CPU-bound, so more threads than cores only
        // time-slice them, and fewer leave cores idle under a function-heavy load. Not tied to
        // `threads`, so changing that alone does not change this.
        function_threads: c.ranged(
            s.function_threads,
            &at.key("function_threads"),
            1,
            256,
            default_threads,
        ) as usize,
        grace_period: Duration::from_secs(c.ranged(
            s.grace_period,
            &at.key("grace_period"),
            0,
            300,
            5,
        ) as u64),
        strict_compute: s.strict_compute.unwrap_or(false),
        // localfront: CloudFront does not publish the budget behind ComputeUtilization; 1 ms is
        // the documented default of the JS runtime's `Budgets` (runtimes/js).
        function_compute_budget: Duration::from_micros(c.ranged(
            s.function_compute_budget_us,
            &at.key("function_compute_budget_us"),
            100,
            1_000_000,
            1_000,
        ) as u64),
        cache_max_bytes: cache_max_bytes as usize,
        cache_max_object_bytes: cache_max_object_bytes as usize,
        access_log,
        access_log_format,
        function_log,
        trace: s.trace.unwrap_or(false),
        h2c: s.h2c.unwrap_or(false),
        websocket_idle_timeout: websocket_idle_timeout(c, s.websocket_idle_timeout, at),
        viewer_timeouts: ViewerTimeouts {
            client_header: seconds(c, s.client_header_timeout, at, "client_header_timeout", 30),
            client_body: seconds(c, s.client_body_timeout, at, "client_body_timeout", 60),
            send: seconds(c, s.send_timeout, at, "send_timeout", 60),
            keepalive: seconds(c, s.keepalive_timeout, at, "keepalive_timeout", 60),
            max_connections: c.ranged(
                s.max_connections,
                &at.key("max_connections"),
                1,
                1_000_000,
                DEFAULT_MAX_CONNECTIONS,
            ) as usize,
        },
    }
}

/// Open viewer connections by default: far above a developer's load, low enough that idle
/// connections cannot exhaust a default file descriptor limit raised for a server.
const DEFAULT_MAX_CONNECTIONS: i64 = 10_000;

/// A viewer timer in whole seconds, 1 s to 1 hour (spec/hardening.md §3 has the defaults).
fn seconds(c: &mut Checker, value: Option<i64>, at: &KeyPath, key: &str, default: i64) -> Duration {
    Duration::from_secs(c.ranged(value, &at.key(key), 1, 3600, default) as u64)
}

/// `stdout`, `stderr`, or a file path (relative to the config file).
fn log_target(c: &mut Checker, value: &str, at: &KeyPath) -> LogTarget {
    match value {
        "stdout" | "-" => LogTarget::Stdout,
        "stderr" => LogTarget::Stderr,
        "" => {
            c.error_hint(
                at,
                "the log target is empty",
                "write `stdout`, `stderr` or a file path",
            );
            LogTarget::Stderr
        }
        path => LogTarget::File(c.path(path)),
    }
}

/// CloudFront closes a WebSocket connection idle for 10 minutes; shorter values are for tests.
fn websocket_idle_timeout(c: &mut Checker, value: Option<i64>, at: &KeyPath) -> Duration {
    Duration::from_secs(c.ranged(value, &at.key("websocket_idle_timeout"), 1, 600, 600) as u64)
}

fn listen(c: &mut Checker, value: Option<&str>, at: &KeyPath) -> Option<SocketAddr> {
    let v = value?;
    match v.parse() {
        Ok(a) => Some(a),
        Err(_) => {
            c.error_hint(
                at,
                format!("`{v}` is not a socket address"),
                "write `127.0.0.1:8080` or `[::1]:8080`",
            );
            None
        }
    }
}
