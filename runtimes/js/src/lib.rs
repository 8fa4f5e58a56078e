//! CloudFront Functions for localfront (spec/cloudfront-functions.md): `cloudfront-js-1.0` and
//! `cloudfront-js-2.0` on boa, knowing nothing of HTTP servers. The proxy builds a
//! [`cff::Event`](localfront_events::cff::Event), hands it to [`FunctionThreads::invoke`] (runs on
//! long-lived threads of their own, off the server's workers; [`Functions::invoke`] runs on the
//! calling thread) and applies the [`Invocation`]'s output, or maps the [`FunctionError`] to
//! CloudFront's 502/503.
//!
//! Where things are:
//! - loading: `source.rs` (CloudFront's load-time checks), `tokens.rs` + `instrument.rs` (budget
//!   ticks), `engine.rs` (one boa context per function and thread, restrictions, builtins)
//! - running: `functions.rs` (the public API and the per-thread cache), `function_threads.rs` (the
//!   pool of function threads), `invoke.rs` (one run),
//!   `event_js.rs` / `output_js.rs` (event in, result out, on the templates of `shapes.rs`),
//!   `validate_output.rs` (§9/§10 checks)
//! - builtins: `prelude.js` + `natives.rs` (console, crypto, querystring, Buffer, 1.0 helpers),
//!   `cloudfront_module.rs` (`cf.kvs()`, origin helpers, `cf.edgeLocation`), `kvs.rs` (stores)
//! - limits: `budget.rs`, `alloc.rs` (memory metering), `throttle.rs` (strict compute)
//! - `test_function.rs`: `aws cloudfront test-function`'s `TestResult`

mod alloc;
mod budget;
mod cloudfront_module;
mod engine;
mod error;
mod event_js;
mod function_threads;
mod functions;
mod instrument;
mod invoke;
mod kvs;
mod natives;
mod output_js;
mod run_state;
mod shapes;
mod source;
mod test_function;
mod throttle;
mod time;
mod tokens;
mod validate_output;

pub use alloc::{memory_metering_active, MeteredAllocator};
pub use budget::Budgets;
pub use error::{ExecutionError, FunctionError, LimitError, LimitKind, ValidationError};
pub use function_threads::FunctionThreads;
pub use functions::{ContextCache, EdgeLocation, Functions, Invocation, InvokeOptions};
pub use kvs::{
    FileKeyValueStore, KeyValueStore, KvsError, KvsMeta, MAX_FILE_BYTES, MAX_KEY_CHARS,
    MAX_VALUE_CHARS,
};
pub use source::{FunctionSource, JsRuntime, MAX_CODE_BYTES};
pub use test_function::{test_function, TestFunctionOptions, TestStage};
pub use throttle::ThrottlePolicy;

/// Compute utilization from which CloudFront advises that throttling is likely (§9: 71–100).
pub const UTILIZATION_WARNING: u8 = 71;
