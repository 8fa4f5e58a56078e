//! localfront patch: a per-thread deadline for the backtracking matcher.
//!
//! ECMAScript regexes backtrack, and a catastrophic pattern (`(a+)+$` on `aaaa…b`) runs for
//! minutes inside one call, where no script-level budget check can interrupt it. localfront's
//! CloudFront Functions runtime sets a deadline around each function run; the backtracker checks
//! it every few thousand backtracks and, past it, gives up the match and records that it did, so
//! the runtime can stop the run with its time-limit error.

use core::cell::Cell;
use std::time::Instant;

/// Backtracks between two looks at the clock.
const CHECK_EVERY: u32 = 4096;

std::thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static COUNT: Cell<u32> = const { Cell::new(0) };
    static ABORTED: Cell<bool> = const { Cell::new(false) };
}

/// Sets (or clears) this thread's deadline for backtracking matches, and forgets any earlier abort.
pub fn set_match_deadline(deadline: Option<Instant>) {
    DEADLINE.with(|d| d.set(deadline));
    ABORTED.with(|a| a.set(false));
    COUNT.with(|c| c.set(0));
}

/// Whether a match on this thread was given up at the deadline since it was set; clears the flag.
pub fn take_match_aborted() -> bool {
    ABORTED.with(Cell::take)
}

/// Counts one backtrack; `true` when the match must be given up.
#[inline]
pub(crate) fn should_abort() -> bool {
    let n = COUNT.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    });
    if n % CHECK_EVERY != 0 {
        return aborted();
    }
    let past = DEADLINE.with(Cell::get).is_some_and(|d| Instant::now() >= d);
    if past {
        ABORTED.with(|a| a.set(true));
    }
    past
}

/// Whether the current deadline has already been passed by a match.
#[inline]
pub(crate) fn aborted() -> bool {
    ABORTED.with(Cell::get)
}
