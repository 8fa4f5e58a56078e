//! The one wasmtime [`Engine`] of a runtime, and how its pooling allocator is sized.
//!
//! The pooling allocator reserves, at engine creation, address space for every instance slot.
//! localfront keeps wasmtime's 4 GiB reservation per linear memory, with a 32 MiB guard, because
//! with it Cranelift needs no bounds check on a guest's loads and stores: a 32-bit index plus a
//! static offset below the guard always lands in reserved memory, and an access past the memory's
//! size faults into the trap handler. With a reservation sized to the largest memory instead
//! (514 MiB, localfront's setting until 2026-11-26) every access carried an explicit check and a
//! Spectre guard: a warm origin-request call took 17.3–17.7 µs against 14.4–14.9 µs without them
//! (`cargo bench -p localfront-wasm --bench invoke`, same machine, back to back).
//!
//! - [`RuntimeConfig::instance_slots`] (default 128) component instances, each with one memory,
//!   up to 8 core instances, 4 tables and one async stack;
//! - each memory may grow to [`RuntimeConfig::max_memory_mb`] (default 512 MiB, the largest
//!   `memory_mb` a function may ask for); a function's own cap (`memory_mb`, default 128) is
//!   enforced per store with `StoreLimits` (see `limiter.rs`).
//!
//! The defaults reserve 128 × (4 GiB + 2 × 32 MiB guards) ≈ 520 GiB of address space — a few
//! per cent of x86-64's 128 TiB of user address space, mapped `PROT_NONE` without a commit
//! charge — and commit only the pages guests touch.

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
/// Everything a 32-bit index can address: reserving it lets Cranelift drop bounds checks.
const WASM32_ADDRESS_SPACE: u64 = 4096 * MIB;

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
        .memory_reservation(WASM32_ADDRESS_SPACE)
        .memory_guard_size(32 * MIB)
        .memory_reservation_for_growth(0)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&wasm).map_err(|e| RuntimeError::Engine(format!("{e:#}")))
}
