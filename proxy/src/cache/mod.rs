//! The edge cache: storage, eviction and the cache lock, shared by every request of the process.
//!
//! pingora-cache drives lookups, stores, revalidation (`RefreshHit`) and request coalescing; this
//! module supplies its `'static` parts. CloudFront's rules — the key, TTLs, what is cacheable — live
//! in `stages/cache.rs`.

pub mod key;
mod storage;

use std::time::Duration;

use pingora::cache::eviction::lru::Manager;
use pingora::cache::eviction::EvictionManager;
use pingora::cache::lock::{CacheKeyLockImpl, CacheLock};

pub use storage::MemoryStorage;

/// Shards of the LRU eviction manager.
const SHARDS: usize = 16;

/// How long a request waits for another one fetching the same key before fetching itself.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The process-wide cache parts (references to leaked singletons, so copies share one cache).
#[derive(Clone, Copy)]
pub struct EdgeCache {
    /// The object store.
    pub storage: &'static MemoryStorage,
    /// Keeps the store within `cache_max_bytes`.
    pub eviction: &'static Manager<SHARDS>,
    /// Coalesces concurrent misses for one key into one origin fetch.
    pub lock: &'static CacheKeyLockImpl,
    /// Objects larger than this are served but not stored (the store enforces it on bodies
    /// without a `Content-Length`).
    pub max_object_bytes: usize,
}

impl EdgeCache {
    /// A cache bounded to `max_bytes`. Leaked on purpose: pingora needs `'static` parts, and one
    /// cache lives as long as the process.
    pub fn new(max_bytes: usize, max_object_bytes: usize) -> Self {
        // The item-count hint only pre-sizes the LRU; the byte weight is the bound.
        let eviction = Box::leak(Box::new(Manager::<SHARDS>::with_capacity(max_bytes, 8192)));
        Self {
            storage: Box::leak(Box::new(MemoryStorage::new(max_object_bytes, eviction))),
            eviction,
            lock: Box::leak(CacheLock::new_boxed(LOCK_TIMEOUT)),
            max_object_bytes,
        }
    }

    /// Removes every object of `distribution` whose path `matches`.
    pub fn invalidate(&self, distribution: &str, matches: impl Fn(&str) -> bool) -> usize {
        let removed = self.storage.invalidate(distribution, matches);
        for key in &removed {
            let entry = pingora::cache::eviction::CacheEntryKey::key_only(key.clone());
            self.eviction.remove((&entry).into());
        }
        removed.len()
    }
}
