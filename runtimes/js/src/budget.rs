//! Per-invocation budgets (issue 5 items 5 and 6, spec §9): a hard time limit, a memory limit, a
//! native-stack limit, and the nominal budget compute utilization is measured against.
//!
//! The checks run in `__lf_tick()`, which `instrument.rs` puts at every loop head and function
//! entry, and in natives that allocate on request (`Buffer.alloc`). Over budget, the tick returns
//! boa's runtime-limit error, which JavaScript cannot catch, so the run unwinds at once and the
//! worker thread is free again.
//!
//! Time is wall-clock on the worker thread (cheap to read at every tick); when the deadline passes,
//! the thread's CPU time decides, so a run preempted by the OS is not blamed for it.

use std::cell::Cell;
use std::time::{Duration, Instant};

use boa_engine::error::RuntimeLimitError;
use boa_engine::{Context, JsResult, JsValue};

use crate::alloc;

/// Budgets of every invocation of a [`crate::Functions`] set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// The nominal compute budget: utilization = CPU time / this × 100, capped at 100 (§9).
    /// CloudFront does not publish its budget (~1 ms is an unconfirmed third-party figure); the
    /// default is 1 ms. boa is slower than CloudFront's engine, so a function near 70 here may
    /// be comfortable there; raise it to compare like with like.
    pub nominal_compute: Duration,
    /// CPU time after which a run is stopped (a `Limit` error). Default 20 ms: far above any
    /// function CloudFront would run, short enough to keep a worker thread responsive.
    pub max_run_time: Duration,
    /// Bytes a run may hold (net of frees, after a garbage collection) before it is stopped.
    /// Default 32 MiB: CloudFront's 2 MB is measured in its engine's much smaller objects.
    /// Enforced only with [`crate::MeteredAllocator`] installed.
    pub max_memory: usize,
    /// Native stack a run may use below its start before it is stopped (deep native recursion such
    /// as callbacks calling callbacks). Default 512 KiB: worker threads need at least 1 MiB more.
    pub max_stack: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            nominal_compute: Duration::from_millis(1),
            max_run_time: Duration::from_millis(20),
            max_memory: 32 * 1024 * 1024,
            max_stack: 512 * 1024,
        }
    }
}

/// Which budget stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// CPU time over [`Budgets::max_run_time`].
    Time,
    /// Memory over [`Budgets::max_memory`].
    Memory,
    /// Native stack over [`Budgets::max_stack`], or boa's recursion limit.
    Stack,
}

#[derive(Clone, Copy)]
struct Meter {
    deadline: Instant,
    cpu_start: Duration,
    max_run_time: Duration,
    memory_start: isize,
    max_memory: usize,
    stack_start: usize,
    max_stack: usize,
}

thread_local! {
    static METER: Cell<Option<Meter>> = const { Cell::new(None) };
    static EXCEEDED: Cell<Option<Exceeded>> = const { Cell::new(None) };
}

/// This thread's CPU time.
pub(crate) fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn stack_address() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Starts metering a run on this thread; returns the CPU time at its start.
pub(crate) fn start(budgets: &Budgets) -> Duration {
    let cpu_start = thread_cpu_time();
    EXCEEDED.with(|e| e.set(None));
    let deadline = Instant::now() + budgets.max_run_time;
    // A regular expression backtracks inside one native call, out of reach of the ticks: the
    // (patched) regex engine checks the same deadline itself.
    regress::set_match_deadline(Some(deadline));
    METER.with(|m| {
        m.set(Some(Meter {
            deadline,
            cpu_start,
            max_run_time: budgets.max_run_time,
            memory_start: alloc::thread_net_bytes(),
            max_memory: budgets.max_memory,
            stack_start: stack_address(),
            max_stack: budgets.max_stack,
        }))
    });
    cpu_start
}

/// Stops metering; returns which budget was exceeded, if one was.
pub(crate) fn finish() -> Option<Exceeded> {
    METER.with(|m| m.set(None));
    let regex_gave_up = regress::take_match_aborted();
    regress::set_match_deadline(None);
    EXCEEDED
        .with(Cell::take)
        .or(regex_gave_up.then_some(Exceeded::Time))
}

fn exceed(kind: Exceeded) -> boa_engine::JsError {
    EXCEEDED.with(|e| e.set(Some(kind)));
    RuntimeLimitError::LoopIteration.into()
}

fn memory_used(meter: &Meter) -> usize {
    alloc::thread_net_bytes()
        .saturating_sub(meter.memory_start)
        .max(0) as usize
}

/// The check behind `__lf_tick()`: `Ok(true)` within budget, else the uncatchable limit error.
pub(crate) fn tick(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    check(0)?;
    Ok(JsValue::from(true))
}

/// Checks every budget, counting `extra` bytes about to be allocated.
fn check(extra: usize) -> JsResult<()> {
    let Some(mut meter) = METER.with(Cell::get) else {
        return Ok(());
    };
    if Instant::now() >= meter.deadline {
        let used = thread_cpu_time().saturating_sub(meter.cpu_start);
        if used >= meter.max_run_time {
            return Err(exceed(Exceeded::Time));
        }
        // Preempted: wait for the CPU time the run is still owed.
        meter.deadline = Instant::now() + (meter.max_run_time - used);
        METER.with(|m| m.set(Some(meter)));
    }
    if stack_address().abs_diff(meter.stack_start) > meter.max_stack {
        return Err(exceed(Exceeded::Stack));
    }
    if alloc::memory_metering_active() && memory_used(&meter) + extra > meter.max_memory {
        // Garbage counts until collected: collect, then judge what is live.
        boa_engine::gc::force_collect();
        if memory_used(&meter) + extra > meter.max_memory {
            return Err(exceed(Exceeded::Memory));
        }
    }
    Ok(())
}

/// Checks that `bytes` more fit in the memory budget before a native allocates them on request.
pub(crate) fn reserve(bytes: usize) -> JsResult<()> {
    let max = METER.with(Cell::get).map_or(usize::MAX, |m| m.max_memory);
    if bytes > max {
        return Err(exceed(Exceeded::Memory));
    }
    check(bytes)
}

/// Compute utilization of a run that used `cpu` (§9): 0–100.
pub(crate) fn utilization(cpu: Duration, budgets: &Budgets) -> u8 {
    let nominal = budgets.nominal_compute.as_nanos().max(1);
    (cpu.as_nanos() * 100 / nominal).min(100) as u8
}
