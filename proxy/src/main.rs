//! The `localfront` binary: the CLI of the `localfront_proxy` library.

use std::process::ExitCode;

/// Meters allocations per thread so a CloudFront Function's memory budget holds
/// (runtimes/js); off the function path it only adds a thread-local check.
#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator;

fn main() -> ExitCode {
    localfront_proxy::run()
}
