//! The cache's storage: objects in memory, bounded by pingora's LRU eviction manager.
//!
//! pingora's `MemCache` is documented as testing-only (unbounded, copies bodies on every read).
//! This store keeps each object's body as one `Bytes` (reads are reference-counted slices, no copy),
//! reports object sizes so the eviction manager enforces `cache_max_bytes`, and remembers each
//! object's distribution and path so an invalidation can find every variant of a path
//! (spec/distribution.md §11).
//!
//! Objects are found by the cache key's 16-byte hash (its hex string cost a `format!` per lookup).
//! An object costs one `Arc<Entry>` and one byte blob beyond its body (benches/README.md, "Tuning",
//! has the measured breakdown): the blob holds pingora's serialized internal meta, the response
//! header, the distribution and path (for invalidations) and the eviction manager's key, packed
//! with exact capacity.
//!
//! The header is kept in pingora's serialized form — a zstd frame, which `CacheMeta::deserialize`
//! requires — but written as **raw (stored) zstd blocks** (RFC 8878 §3.1.1.2): decompressing those
//! is a copy, where pingora's own compressed frame made every hit rebuild Huffman tables (~11 % of
//! a hit's instructions). Keeping the header parsed instead was measured at ~4.8 KB per object.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{BufMut, Bytes, BytesMut};
use parking_lot::RwLock;
use pingora::cache::eviction::CacheEntryKey;
use pingora::cache::key::{CacheHashKey, CompactCacheKey, HashBinary};
use pingora::cache::storage::{HandleHit, HandleMiss, MissFinishType, PurgeOutcome, PurgeTarget};
use pingora::cache::trace::SpanHandle;
use pingora::cache::{CacheKey, CacheMeta, HitHandler, MissHandler, PurgeType, Storage};
use pingora::http::ResponseHeader;
use pingora::{Error, ErrorType, Result};

use super::key::KeyParts;

/// One stored object.
struct Entry {
    body: Bytes,
    /// Internal meta, header frame, distribution, path, then the eviction key's primary hash and
    /// variance hash (if any), back to back; `ends` marks where the first four end.
    blob: Box<[u8]>,
    ends: [u32; 4],
}

impl Entry {
    fn new(
        body: Bytes,
        meta: &CacheMeta,
        distribution: &str,
        path: &str,
        key: &CompactCacheKey,
    ) -> Result<Self> {
        // pingora serializes the internal meta only together with a compressed header, which is
        // thrown away here (a cost on stores only).
        let (internal, _) = meta.serialize()?;
        let mut blob = internal;
        let mut ends = [0u32; 4];
        ends[0] = offset(&blob)?;
        write_raw_frame(meta.response_header(), &mut blob);
        ends[1] = offset(&blob)?;
        blob.extend_from_slice(distribution.as_bytes());
        ends[2] = offset(&blob)?;
        blob.extend_from_slice(path.as_bytes());
        ends[3] = offset(&blob)?;
        blob.extend_from_slice(&key.primary);
        if let Some(variance) = &key.variance {
            blob.extend_from_slice(&variance[..]);
        }
        // Copied into an exact allocation: shrinking in place would keep the slack (mimalloc's
        // realloc keeps a block that is at least half used).
        Ok(Self {
            body,
            blob: blob.as_slice().into(),
            ends,
        })
    }

    fn part(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.blob.len(), |e| *e as usize);
        &self.blob[start..end]
    }

    fn meta(&self) -> Result<CacheMeta> {
        CacheMeta::deserialize(self.part(0), self.part(1))
    }

    fn distribution(&self) -> &str {
        // Both written from a `&str` in `new`.
        std::str::from_utf8(self.part(2)).unwrap_or_default()
    }

    fn path(&self) -> &str {
        std::str::from_utf8(self.part(3)).unwrap_or_default()
    }

    /// The key pingora's eviction manager tracks the object by.
    fn eviction_key(&self) -> CompactCacheKey {
        let hashes = self.part(4);
        let hash = |at: usize| -> HashBinary { hashes[at..at + 16].try_into().unwrap_or_default() };
        CompactCacheKey {
            primary: hash(0),
            variance: (hashes.len() == 32).then(|| Box::new(hash(16))),
            user_tag: Box::default(),
        }
    }
}

fn offset(blob: &[u8]) -> Result<u32> {
    u32::try_from(blob.len())
        .map_err(|_| Error::explain(ErrorType::InternalError, "cache meta over 4 GiB"))
}

/// zstd's frame magic number (RFC 8878 §3.1.1).
const ZSTD_MAGIC: [u8; 4] = 0xFD2F_B528u32.to_le_bytes();
/// Frame header descriptor: a 4-byte content size, single segment, no checksum, no dictionary.
const ZSTD_DESCRIPTOR: u8 = 0b1010_0000;
/// The largest block a frame may hold (RFC 8878 §3.1.1.2.4).
const ZSTD_MAX_BLOCK: usize = 128 * 1024;

/// The header in HTTP/1.1 wire form, as pingora-header-serde writes it before compressing.
fn write_wire(header: &ResponseHeader, buf: &mut Vec<u8>) {
    buf.put_slice(match header.version {
        http::Version::HTTP_10 => b"HTTP/1.0 ",
        _ => b"HTTP/1.1 ",
    });
    buf.put_slice(header.status.as_str().as_bytes());
    buf.put_u8(b' ');
    if let Some(reason) = header.status.canonical_reason() {
        buf.put_slice(reason.as_bytes());
    }
    buf.put_slice(b"\r\n");
    header.header_to_h1_wire(buf);
    buf.put_slice(b"\r\n");
}

/// Appends the header as a zstd frame of raw blocks: valid zstd that decompresses as a copy.
fn write_raw_frame(header: &ResponseHeader, out: &mut Vec<u8>) {
    let mut wire = Vec::new();
    write_wire(header, &mut wire);
    out.extend_from_slice(&ZSTD_MAGIC);
    out.push(ZSTD_DESCRIPTOR);
    out.extend_from_slice(&(wire.len() as u32).to_le_bytes());
    let mut blocks = wire.chunks(ZSTD_MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0]);
    }
    while let Some(block) = blocks.next() {
        let last = u32::from(blocks.peek().is_none());
        // Block header: last-block bit, block type 0 (raw), 21-bit size.
        let block_header = last | ((block.len() as u32) << 3);
        out.extend_from_slice(&block_header.to_le_bytes()[..3]);
        out.extend_from_slice(block);
    }
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
            .filter(|(_, e)| e.distribution() == distribution && matches(e.path()))
            .map(|(k, _)| *k)
            .collect();
        doomed
            .into_iter()
            .filter_map(|k| entries.remove(&k))
            .map(|e| {
                self.bytes.fetch_sub(e.body.len() as u64, Ordering::Relaxed);
                e.eviction_key()
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
        let meta = entry.meta()?;
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
        let entry = Entry::new(
            Bytes::new(),
            meta,
            parts.distribution,
            parts.path,
            &key.to_compact(),
        )?;
        Ok(Box::new(Miss {
            storage: self,
            hash: key.combined_bin(),
            entry,
            body: BytesMut::new(),
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
        let updated = Entry::new(
            old.body.clone(),
            meta,
            old.distribution(),
            old.path(),
            &old.eviction_key(),
        )?;
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
    /// The object's entry, its body still empty.
    entry: Entry,
    body: BytesMut,
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
            body: miss.body.freeze(),
            ..miss.entry
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn an_entry_gives_back_its_meta_parts_and_eviction_key() {
        let mut header = ResponseHeader::build(404, None).unwrap();
        header.append_header("Cache-Control", "max-age=60").unwrap();
        header.append_header("X-Many", "a").unwrap();
        header.append_header("x-many", "b").unwrap();
        header.append_header("ETag", "\"v1\"").unwrap();
        let now = SystemTime::now();
        let mut meta = CacheMeta::new(now + Duration::from_secs(60), now, 5, 7, header);
        meta.set_variance_key([9; 16]);
        let key = CompactCacheKey {
            primary: [1; 16],
            variance: Some(Box::new([2; 16])),
            user_tag: Box::default(),
        };
        let entry = Entry::new(Bytes::from_static(b"body"), &meta, "E1", "/a/b", &key).unwrap();
        assert_eq!((entry.distribution(), entry.path()), ("E1", "/a/b"));
        assert_eq!(entry.eviction_key(), key);
        let back = entry.meta().unwrap();
        assert_eq!(back.response_header().status, 404);
        assert_eq!(back.headers(), meta.headers());
        let wire = |h: &ResponseHeader| {
            let mut buf = Vec::new();
            write_wire(h, &mut buf);
            buf
        };
        // Names keep their case.
        assert_eq!(wire(back.response_header()), wire(meta.response_header()));
        assert_eq!(back.fresh_until(), meta.fresh_until());
        assert_eq!(back.created(), meta.created());
        assert_eq!(back.stale_if_error_sec(), 7);
        assert_eq!(back.variance(), Some([9; 16]));

        let plain = CompactCacheKey {
            variance: None,
            ..key
        };
        let entry = Entry::new(Bytes::new(), &meta, "E1", "/", &plain).unwrap();
        assert_eq!(entry.eviction_key(), plain);
    }

    #[test]
    fn a_header_past_one_zstd_block_still_round_trips() {
        let mut header = ResponseHeader::build(200, None).unwrap();
        header
            .append_header("x-big", "v".repeat(ZSTD_MAX_BLOCK + 10))
            .unwrap();
        let now = SystemTime::now();
        let meta = CacheMeta::new(now, now, 0, 0, header);
        let key = CompactCacheKey {
            primary: [1; 16],
            variance: None,
            user_tag: Box::default(),
        };
        let entry = Entry::new(Bytes::new(), &meta, "E1", "/", &key).unwrap();
        assert_eq!(entry.meta().unwrap().headers(), meta.headers());
    }
}
