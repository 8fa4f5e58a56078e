//! The cache's storage: objects in memory, bounded by pingora's LRU eviction manager.
//!
//! pingora's `MemCache` is documented as testing-only (unbounded, copies bodies on every read).
//! This store keeps each object's body as one `Bytes` (reads are reference-counted slices, no copy),
//! reports object sizes so the eviction manager enforces `cache_max_bytes`, and remembers each
//! object's distribution and path so an invalidation can find every variant of a path
//! (spec/distribution.md §11).
//!
//! Objects are found by the cache key's 16-byte hash (its hex string cost a `format!` per lookup).
//! The response header stays in pingora's serialized (zstd-compressed) form although decompressing
//! and parsing it is ~18 % of a hit's instructions: kept parsed, it added ~4.8 KB per object, where
//! an object's whole overhead beyond its body is ~0.6 KB serialized (benches/README.md, "Tuning").

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use parking_lot::RwLock;
use pingora::cache::eviction::CacheEntryKey;
use pingora::cache::key::{CacheHashKey, CompactCacheKey, HashBinary};
use pingora::cache::storage::{HandleHit, HandleMiss, MissFinishType, PurgeOutcome, PurgeTarget};
use pingora::cache::trace::SpanHandle;
use pingora::cache::{CacheKey, CacheMeta, HitHandler, MissHandler, PurgeType, Storage};
use pingora::{Error, ErrorType, Result};

use super::key::KeyParts;

/// One stored object.
struct Entry {
    meta: (Vec<u8>, Vec<u8>),
    body: Bytes,
    /// Which distribution and path the object is for, for invalidations.
    distribution: String,
    path: String,
    /// The key pingora's eviction manager tracks it by.
    compact: CompactCacheKey,
}

/// The in-memory object store.
#[derive(Default)]
pub struct MemoryStorage {
    entries: RwLock<HashMap<HashBinary, Arc<Entry>>>,
    bytes: AtomicU64,
}

impl MemoryStorage {
    /// Bytes of bodies held.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Objects held.
    pub fn objects(&self) -> usize {
        self.entries.read().len()
    }

    /// Removes every object of `distribution` whose path `matches`; returns their eviction keys so
    /// the caller can stop tracking them.
    pub fn invalidate(
        &self,
        distribution: &str,
        matches: impl Fn(&str) -> bool,
    ) -> Vec<CompactCacheKey> {
        let mut entries = self.entries.write();
        let doomed: Vec<HashBinary> = entries
            .iter()
            .filter(|(_, e)| e.distribution == distribution && matches(&e.path))
            .map(|(k, _)| *k)
            .collect();
        doomed
            .into_iter()
            .filter_map(|k| entries.remove(&k))
            .map(|e| {
                self.bytes.fetch_sub(e.body.len() as u64, Ordering::Relaxed);
                e.compact.clone()
            })
            .collect()
    }

    fn remove(&self, hash: &HashBinary) -> bool {
        match self.entries.write().remove(hash) {
            Some(e) => {
                self.bytes.fetch_sub(e.body.len() as u64, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn lookup(
        &'static self,
        key: &CacheKey,
        _trace: &SpanHandle,
    ) -> Result<Option<(CacheMeta, HitHandler)>> {
        let Some(entry) = self.entries.read().get(&key.combined_bin()).cloned() else {
            return Ok(None);
        };
        let meta = CacheMeta::deserialize(&entry.meta.0, &entry.meta.1)?;
        let hit = Hit {
            range: 0..entry.body.len(),
            body: entry.body.clone(),
            done: false,
        };
        Ok(Some((meta, Box::new(hit))))
    }

    async fn get_miss_handler(
        &'static self,
        key: &CacheKey,
        meta: &CacheMeta,
        _trace: &SpanHandle,
    ) -> Result<MissHandler> {
        let parts = key
            .primary_key_str()
            .and_then(KeyParts::decode)
            .ok_or_else(|| {
                Error::explain(
                    ErrorType::InternalError,
                    "cache key not built by localfront",
                )
            })?;
        Ok(Box::new(Miss {
            storage: self,
            hash: key.combined_bin(),
            compact: key.to_compact(),
            meta: meta.serialize()?,
            body: BytesMut::new(),
            distribution: parts.distribution.to_owned(),
            path: parts.path.to_owned(),
        }))
    }

    async fn purge(
        &'static self,
        target: PurgeTarget<'_>,
        _purge_type: PurgeType,
        _trace: &SpanHandle,
    ) -> Result<PurgeOutcome> {
        // Entries carry no entry ids, so an identified target cannot be ours.
        if matches!(target, PurgeTarget::Exact(CacheEntryKey::Identified { .. })) {
            return Ok(PurgeOutcome::NotFound);
        }
        Ok(if self.remove(&target.key().combined_bin()) {
            PurgeOutcome::Purged(None)
        } else {
            PurgeOutcome::NotFound
        })
    }

    async fn update_meta(
        &'static self,
        key: &CacheKey,
        meta: &CacheMeta,
        _trace: &SpanHandle,
    ) -> Result<bool> {
        let hash = key.combined_bin();
        let mut entries = self.entries.write();
        let Some(old) = entries.get(&hash) else {
            return Ok(false);
        };
        let updated = Entry {
            meta: meta.serialize()?,
            body: old.body.clone(),
            distribution: old.distribution.clone(),
            path: old.path.clone(),
            compact: old.compact.clone(),
        };
        entries.insert(hash, Arc::new(updated));
        Ok(true)
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync + 'static) {
        self
    }
}

/// Reads a stored body; seekable, so ranges are served from cache.
struct Hit {
    body: Bytes,
    range: std::ops::Range<usize>,
    done: bool,
}

#[async_trait]
impl HandleHit for Hit {
    async fn read_body(&mut self) -> Result<Option<Bytes>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        Ok(Some(self.body.slice(self.range.clone())))
    }

    async fn finish(
        self: Box<Self>,
        _storage: &'static (dyn Storage + Sync),
        _key: &CacheKey,
        _trace: &SpanHandle,
    ) -> Result<()> {
        Ok(())
    }

    fn can_seek(&self) -> bool {
        true
    }

    fn seek(&mut self, start: usize, end: Option<usize>) -> Result<()> {
        let len = self.body.len();
        if start >= len {
            return Error::e_explain(
                ErrorType::InternalError,
                format!("seek start {start} beyond {len}"),
            );
        }
        self.range = start..end.map_or(len, |e| e.min(len));
        self.done = false;
        Ok(())
    }

    fn get_eviction_weight(&self) -> usize {
        self.body.len()
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }

    fn as_any_mut(&mut self) -> &mut (dyn Any + Send + Sync) {
        self
    }
}

/// Collects a body being fetched; the object appears only once complete, so a response cut short
/// is never served from cache (spec/distribution.md §6).
struct Miss {
    storage: &'static MemoryStorage,
    hash: HashBinary,
    compact: CompactCacheKey,
    meta: (Vec<u8>, Vec<u8>),
    body: BytesMut,
    distribution: String,
    path: String,
}

#[async_trait]
impl HandleMiss for Miss {
    async fn write_body(&mut self, data: Bytes, _eof: bool) -> Result<()> {
        self.body.extend_from_slice(&data);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<MissFinishType> {
        let miss = *self;
        let size = miss.body.len();
        let entry = Entry {
            meta: miss.meta,
            body: miss.body.freeze(),
            distribution: miss.distribution,
            path: miss.path,
            compact: miss.compact,
        };
        let previous = miss
            .storage
            .entries
            .write()
            .insert(miss.hash, Arc::new(entry));
        let replaced = previous.map_or(0, |p| p.body.len() as u64);
        miss.storage.bytes.fetch_add(size as u64, Ordering::Relaxed);
        miss.storage.bytes.fetch_sub(replaced, Ordering::Relaxed);
        Ok(MissFinishType::Created(size))
    }
}
