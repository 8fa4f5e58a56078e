//! The `localfront` binary: the CLI of the `localfront_proxy` library.

use std::process::ExitCode;

/// mimalloc, metered per thread so a CloudFront Function's memory budget holds (runtimes/js); off
/// the function path the meter only adds a thread-local add. mimalloc rather than glibc's malloc:
/// allocation was ~11 % of a cache hit's CPU samples with glibc (benches/README.md, "Tuning").
#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator<mimalloc::MiMalloc> =
    localfront_js::MeteredAllocator(mimalloc::MiMalloc);

fn main() -> ExitCode {
    localfront_proxy::run()
}
