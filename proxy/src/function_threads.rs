//! The process's CloudFront Function threads (`lf-function-N`, `[server] function_threads`):
//! started once by `server::build`, bound at start (a reload that changes the count lists it in
//! `restart_required`), and never stopped while the process runs. `stages/functions.rs` hands
//! every viewer-request and viewer-response run to them, so a function spinning to its budget
//! holds one of these threads, never a proxy worker (spec/hardening.md §5).

use std::sync::OnceLock;

use localfront_js::FunctionThreads;

static THREADS: OnceLock<FunctionThreads> = OnceLock::new();

/// Starts `count` function threads; later calls keep the threads already running.
pub fn start(count: usize) -> Result<(), String> {
    if THREADS.get().is_some() {
        return Ok(());
    }
    let threads = FunctionThreads::start("lf-function", count)
        .map_err(|e| format!("cannot start the function threads: {e}"))?;
    // Only `server::build` starts them, once, before any request.
    let _ = THREADS.set(threads);
    Ok(())
}

/// The running function threads; `None` before [`start`].
pub fn get() -> Option<&'static FunctionThreads> {
    THREADS.get()
}
