//! The one wasmtime [`Engine`] of a runtime, and how its pooling allocator is sized.
//!
//! The pooling allocator reserves, at engine creation, address space for every instance slot:
//! by default ~6 GiB per linear memory (4 GiB reservation + guard regions) for 1,000 memories.
//! localfront sizes it to what Lambda@Edge needs instead (spec/lambda-edge.md §6):
//!
//! - each memory slot reserves [`RuntimeConfig::max_memory_mb`] (default 512 MiB, the largest
//!   `memory_mb` a function may ask for) plus a 2 MiB guard; linear memories below 4 GiB make
//!   Cranelift emit explicit bounds checks, which cost nothing measurable on JSON handlers;
//! - [`RuntimeConfig::instance_slots`] (default 128) component instances, each with one memory,
//!   up to 8 core instances, 4 tables and one async stack.
//!
//! The defaults reserve 128 × 514 MiB ≈ 64 GiB of address space and commit only what guests
//! touch. A function's own cap (`memory_mb`, default 128) is enforced per store with
//! `StoreLimits` (see `limiter.rs`).

use std::path::PathBuf;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::error::RuntimeError;

/// How a runtime's engine and pool are sized.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached, by content hash.
    pub cache_dir: PathBuf,
    /// Component instances that can exist at once, warm or running, across all functions.
    pub instance_slots: u32,
    /// The largest `memory_mb` a function may have; also each memory slot's reservation.
    pub max_memory_mb: u64,
    /// How often the epoch advances: the granularity of timeouts and of yielding to the
    /// executor while a guest runs.
    pub epoch_tick: Duration,
}

impl RuntimeConfig {
    /// The defaults, caching compiled components in `cache_dir`.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            cache_dir: cache_dir.into(),
            instance_slots: 128,
            max_memory_mb: 512,
            epoch_tick: Duration::from_millis(5),
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Builds the engine for `config`: Cranelift, the component model, async calls, epoch
/// interruption and the pooling allocator.
pub(crate) fn build_engine(config: &RuntimeConfig) -> Result<Engine, RuntimeError> {
    let slots = config.instance_slots.max(1);
    let memory_bytes = config.max_memory_mb.max(1) * MIB;

    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(8))
        .max_core_instances_per_component(8)
        .total_memories(slots)
        .total_tables(slots.saturating_mul(4))
        .total_stacks(slots)
        .max_memory_size(usize::try_from(memory_bytes).unwrap_or(usize::MAX));

    let mut wasm = Config::new();
    wasm.wasm_component_model(true)
        .epoch_interruption(true)
        .memory_reservation(memory_bytes)
        .memory_guard_size(2 * MIB)
        .memory_reservation_for_growth(0)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm).map_err(|e| RuntimeError::Engine(format!("{e:#}")))
}
