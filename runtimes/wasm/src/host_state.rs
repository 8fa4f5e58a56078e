//! What a store holds for one instance: its WASI context (logs to a [`LogSink`], real clocks,
//! randomness and, for Lambda functions, environment variables), its memory limiter, and the deadline of the call in progress.

use std::time::Instant;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::limiter::MemoryLimiter;
use crate::logs::LogSink;

/// The data of one instance's `Store`.
pub(crate) struct HostState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) logs: LogSink,
    /// When the call in progress must stop (checked at every epoch tick).
    pub(crate) deadline: Instant,
    /// Set when the epoch callback stopped the guest at `deadline`.
    pub(crate) timed_out: bool,
}

impl HostState {
    /// State for a new instance capped at `memory_bytes` per linear memory, with environment
    /// variables `env` (none for Lambda@Edge; a Lambda function's `environment`).
    pub(crate) fn new(memory_bytes: usize, env: &[(String, String)]) -> Self {
        let logs = LogSink::default();
        let wasi = WasiCtx::builder()
            .stdout(logs.clone())
            .stderr(logs.clone())
            .envs(env)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_bytes),
            logs,
            deadline: Instant::now(),
            timed_out: false,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
