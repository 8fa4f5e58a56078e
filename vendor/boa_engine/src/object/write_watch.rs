//! localfront patch (the whole file): reports writes to objects made while watching was on.
//!
//! An embedder that reuses a context for many runs (localfront's CloudFront Functions, whose runs
//! must not see each other's writes) turns watching on while it builds the context, so every
//! object of the realm (intrinsics, global object, its own builtins) is created *watched*, then
//! turns it off. Any later change to a watched object's properties, prototype or extensibility
//! (every path through `Object::properties_mut` and the few that touch the fields directly) sets
//! a per-thread flag that [`take_watched_write`] reads and clears: one flag test per write, and
//! nothing per run but reading the flag. Changes to an object's internal data (`[[MapData]]` and
//! the like) are not reported.

use std::cell::Cell;

thread_local! {
    static WATCH_NEW: Cell<bool> = const { Cell::new(false) };
    static WRITTEN: Cell<bool> = const { Cell::new(false) };
}

/// Objects created on this thread from now on are watched (`true`) or not (`false`, the default).
pub fn watch_new_objects(on: bool) {
    let _ = WATCH_NEW.try_with(|w| w.set(on));
}

/// Whether an object created now on this thread is watched.
#[inline]
pub(crate) fn watching_new() -> bool {
    WATCH_NEW.try_with(Cell::get).unwrap_or(false)
}

/// Records a write to a watched object.
#[cold]
pub(crate) fn note_write() {
    let _ = WRITTEN.try_with(|w| w.set(true));
}

/// Whether a watched object was written on this thread since [`take_watched_write`] last ran;
/// leaves the flag as it is.
#[inline]
pub(crate) fn written() -> bool {
    WRITTEN.try_with(Cell::get).unwrap_or(true)
}

/// Whether a watched object was written on this thread since the last call; clears the flag.
pub fn take_watched_write() -> bool {
    WRITTEN.try_with(|w| w.replace(false)).unwrap_or(false)
}
