//! Per-thread allocation accounting for the memory budget (issue 5 item 5): boa has no heap cap,
//! so the embedding binary installs [`MeteredAllocator`] as its global allocator and the budget
//! reads how many bytes the current thread holds net of frees.
//!
//! ```text
//! #[global_allocator]
//! static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);
//! ```
//!
//! It wraps any allocator: the `localfront` binary meters mimalloc (glibc's malloc was ~11 % of a
//! cache hit's CPU samples; mimalloc's gain was measured together with other changes,
//! benches/README.md "Tuning").
//!
//! Without it, runs still have time and stack budgets, but no memory budget
//! ([`memory_metering_active`] says which).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// An allocator (`A`, the system's by default) plus a per-thread count of net allocated bytes (a
/// thread-local add per allocation and free).
pub struct MeteredAllocator<A = System>(pub A);

static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    // Const-initialised and without a destructor: usable from the allocator at any time.
    static NET: Cell<isize> = const { Cell::new(0) };
}

#[inline]
fn account(delta: isize) {
    let _ = NET.try_with(|n| n.set(n.get().wrapping_add(delta)));
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for MeteredAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the wrapped allocator.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
            if !INSTALLED.load(Ordering::Relaxed) {
                INSTALLED.store(true, Ordering::Relaxed);
            }
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the wrapped allocator.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the wrapped allocator.
        unsafe { self.0.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the wrapped allocator.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Whether [`MeteredAllocator`] is the global allocator of this process (known after its first
/// allocation, which happens before `main`).
pub fn memory_metering_active() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Net bytes allocated by this thread so far (allocations minus frees, any thread's memory).
pub(crate) fn thread_net_bytes() -> isize {
    NET.try_with(Cell::get).unwrap_or(0)
}
