//! The memory cap of one instance (`memory_mb`, spec/lambda-edge.md §6): wasmtime's
//! `StoreLimits`, plus the peak for the REPORT line's "Max Memory Used" and a flag telling a
//! trap caused by the cap (a `LambdaLimitExceeded`) from any other trap.

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// `StoreLimits` with a high-water mark.
pub(crate) struct MemoryLimiter {
    limits: StoreLimits,
    peak_bytes: usize,
    exceeded: bool,
}

impl MemoryLimiter {
    /// A limiter allowing each linear memory `cap_bytes`.
    pub(crate) fn new(cap_bytes: usize) -> Self {
        Self {
            limits: StoreLimitsBuilder::new().memory_size(cap_bytes).build(),
            peak_bytes: 0,
            exceeded: false,
        }
    }

    /// The largest linear memory this instance has had, in bytes.
    pub(crate) fn peak_bytes(&self) -> usize {
        self.peak_bytes
    }

    /// Whether a growth past the cap was refused.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if self.limits.memory_growing(current, desired, maximum)? {
            self.peak_bytes = self.peak_bytes.max(desired);
            return Ok(true);
        }
        // Trap rather than let `memory.grow` return -1: Rust guests abort on allocation failure
        // anyway, and a trap here is told apart from other traps by `exceeded`.
        self.exceeded = true;
        Err(wasmtime::format_err!(
            "memory cap: growing a linear memory to {desired} bytes refused"
        ))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}
