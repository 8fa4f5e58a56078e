//! The integration test harness: real origins on loopback, the real `localfront` binary, a viewer
//! client. A test composes a distribution, starts it, makes requests and asserts.

#![allow(dead_code, unused_imports)] // each test binary uses part of the harness

/// The Lambda@Edge guest components, built once per test binary (shared with runtimes/wasm's tests).
#[path = "../../runtimes/wasm/tests/edge/guests.rs"]
pub mod guests;
pub mod localfront;
pub mod origin;
pub mod raw;
pub mod stream_origin;

pub use localfront::{metric, wait_for_lines, Localfront};
pub use origin::{closed_port, Reply, TestOrigin};
