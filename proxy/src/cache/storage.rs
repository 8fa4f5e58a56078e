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
//! A miss is visible while it is fetched ("streaming partial writes" in pingora-cache): the cache
//! lock is released once the header is stored, and a concurrent request for the object follows the
//! write in progress — its body streams as the origin's arrives — instead of waiting for the whole
//! object. The writer's own viewer reads its body from the write too. A write that fails (origin
//! error mid-body, a response cut short) ends every reader with an error, so the viewer's
//! connection closes short of the body, and nothing is stored. An object that outgrows
//! `cache_max_object_bytes` mid-stream is served in full to the viewers already following it but
//! not stored; later requests go to the origin. A write finished unstored removes only the object
//! it was fetched to replace (not one a later write stored meanwhile), and leaves nothing in the
//! eviction manager.
//!
//! The header is kept in pingora's serialized form — a zstd frame, which `CacheMeta::deserialize`
//! requires — but written as **raw (stored) zstd blocks** (RFC 8878 §3.1.1.2): decompressing those
//! is a copy, where pingora's own compressed frame made every hit rebuild Huffman tables (~11 % of
//! a hit's instructions). Keeping the header parsed instead was measured at ~4.8 KB per object.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use bytes::{BufMut, Bytes};
use parking_lot::RwLock;
use pingora::cache::eviction::{CacheEntryKey, CacheEntryKeyRef, EvictionManager};
use pingora::cache::key::{CacheHashKey, CompactCacheKey, HashBinary};
use pingora::cache::storage::{HandleHit, HandleMiss, MissFinishType, PurgeOutcome, PurgeTarget};
use pingora::cache::trace::SpanHandle;
use pingora::cache::{CacheKey, CacheMeta, HitHandler, MissHandler, PurgeType, Storage};
use pingora::http::ResponseHeader;
use pingora::{Error, ErrorType, Result};
use tokio::sync::watch;

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

    /// The same object with `body`.
    fn with_body(&self, body: Bytes) -> Self {
        Self {
            body,
            blob: self.blob.clone(),
            ends: self.ends,
        }
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
pub struct MemoryStorage {
    entries: RwLock<HashMap<HashBinary, Arc<Entry>>>,
    /// Objects being fetched, newest last per key; lookups follow the newest.
    writes: RwLock<HashMap<HashBinary, Vec<Arc<Write>>>>,
    /// Writes in `writes`: while none is, a lookup does not look there.
    writing: AtomicUsize,
    /// Tags the next write (pingora's "streaming write tag").
    next_write: AtomicU64,
    bytes: AtomicU64,
    /// Larger objects are served but not stored.
    max_object_bytes: usize,
    /// The eviction manager pingora tells of finished writes: a write not stored is taken out
    /// of it again.
    eviction: &'static (dyn EvictionManager + Sync),
}

impl MemoryStorage {
    /// An empty store keeping objects of up to `max_object_bytes`, whose objects `eviction`
    /// tracks.
    pub fn new(max_object_bytes: usize, eviction: &'static (dyn EvictionManager + Sync)) -> Self {
        Self {
            eviction,
            entries: RwLock::default(),
            writes: RwLock::default(),
            writing: AtomicUsize::new(0),
            next_write: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            max_object_bytes,
        }
    }

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
        // A write in progress finishes for its viewers but is not stored: it may have been
        // fetched before the invalidation.
        let writes: Vec<Arc<Write>> = self
            .writes
            .read()
            .values()
            .flatten()
            .filter(|w| w.entry.distribution() == distribution && matches(w.entry.path()))
            .cloned()
            .collect();
        for write in writes {
            write.body.write().unstored = true;
            self.forget(&write);
        }
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

    /// Takes `write` out of the writes lookups follow (it may be gone already).
    fn forget(&self, write: &Write) {
        let mut writes = self.writes.write();
        let Some(list) = writes.get_mut(&write.hash) else {
            return;
        };
        let Some(at) = list.iter().position(|w| w.tag == write.tag) else {
            return;
        };
        let forgotten = list.remove(at);
        if list.is_empty() {
            writes.remove(&write.hash);
        }
        self.writing.fetch_sub(1, Ordering::Relaxed);
        drop(writes);
        // Dropped unlocked: a write's drop may look at the entries.
        drop(forgotten);
    }

    /// A reader of the newest write of `hash` (with `tag`, that write), if it can still be
    /// followed from its start.
    fn follow(
        &self,
        hash: &HashBinary,
        tag: Option<&[u8]>,
    ) -> Result<Option<(CacheMeta, HitHandler)>> {
        let write = {
            let writes = self.writes.read();
            let Some(list) = writes.get(hash) else {
                return Ok(None);
            };
            let found = match tag {
                Some(tag) => list.iter().rev().find(|w| w.tag[..] == *tag),
                None => list.last(),
            };
            match found {
                Some(w) => w.clone(),
                None => return Ok(None),
            }
        };
        let Some(reader) = FollowWrite::new(write.clone()) else {
            return Ok(None);
        };
        Ok(Some((write.entry.meta()?, Box::new(reader))))
    }

    /// For a write finished without being stored: removes the object it replaces, and only that
    /// one — a newer object of the key, stored by a fetch that began later and finished first,
    /// stays. Returns what pingora is to tell its eviction manager.
    fn drop_replaced(&self, write: &Write) -> MissFinishType {
        let mut entries = self.entries.write();
        let held = entries.get(&write.hash);
        let replaced = held
            .zip(write.replaces.as_ref())
            .is_some_and(|(held, replaced)| std::ptr::eq(Arc::as_ptr(held), replaced.as_ptr()));
        if replaced {
            if let Some(e) = entries.remove(&write.hash) {
                self.bytes.fetch_sub(e.body.len() as u64, Ordering::Relaxed);
            }
            write.stray.store(true, Ordering::Relaxed);
            return MissFinishType::Created(0);
        }
        match held {
            // Adding nothing leaves the newer object's weight as it is (`Created(0)` would set it
            // to 0).
            Some(_) => MissFinishType::Appended(0, None),
            None => {
                write.stray.store(true, Ordering::Relaxed);
                MissFinishType::Created(0)
            }
        }
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
        let hash = key.combined_bin();
        // A write in progress goes first: it replaces an expired object.
        if self.writing.load(Ordering::Relaxed) > 0 {
            if let Some(hit) = self.follow(&hash, None)? {
                return Ok(Some(hit));
            }
        }
        let Some(entry) = self.entries.read().get(&hash).cloned() else {
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
        let (progress, _) = watch::channel(Progress {
            chunks: 0,
            end: End::Open,
        });
        let hash = key.combined_bin();
        let replaces = self.entries.read().get(&hash).map(Arc::downgrade);
        let write = Arc::new(Write {
            storage: self,
            hash,
            stray: AtomicBool::new(false),
            replaces,
            tag: self
                .next_write
                .fetch_add(1, Ordering::Relaxed)
                .to_le_bytes(),
            entry,
            body: RwLock::default(),
            progress,
        });
        self.writes
            .write()
            .entry(write.hash)
            .or_default()
            .push(write.clone());
        self.writing.fetch_add(1, Ordering::Relaxed);
        Ok(Box::new(Miss {
            storage: self,
            write,
            finished: false,
        }))
    }

    async fn lookup_streaming_write(
        &'static self,
        key: &CacheKey,
        streaming_write_tag: Option<&[u8]>,
        _trace: &SpanHandle,
    ) -> Result<Option<(CacheMeta, HitHandler)>> {
        // pingora panics on `None` here; an error fails only the request.
        match self.follow(&key.combined_bin(), streaming_write_tag)? {
            Some(hit) => Ok(Some(hit)),
            None => Error::e_explain(ErrorType::InternalError, "cache write not found"),
        }
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

    fn support_streaming_partial_write(&self) -> bool {
        true
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

/// How far a viewer may fall behind the origin on an object too large to store (or
/// `cache_max_object_bytes`, if larger) before the fetch gives up.
const MIN_LAG_BYTES: usize = 64 << 20;

/// An object being fetched: its header, and its body as it arrives.
struct Write {
    storage: &'static MemoryStorage,
    hash: HashBinary,
    /// Finished without being stored while the store holds nothing for the key: pingora admits
    /// the key to the eviction manager anyway (at weight 0, as 1) once `finish` returns, and the
    /// write takes it out again when it is dropped.
    stray: AtomicBool,
    /// pingora's streaming write tag: tells this write from a concurrent one for the same key.
    tag: [u8; 8],
    /// The stored object this write replaces (the one held when it began), if any. Weak, so the
    /// body is not kept; the allocation is, so a newer object cannot be mistaken for it.
    replaces: Option<Weak<Entry>>,
    /// The object's entry, its body still empty.
    entry: Entry,
    body: RwLock<Chunks>,
    /// How far the body is written, and how the write ended.
    progress: watch::Sender<Progress>,
}

impl Drop for Write {
    /// Takes the key of a write finished unstored out of the eviction manager, unless an object
    /// of the key has been stored since. pingora admits the key right after the write's `finish`
    /// returns, in the task of the viewer whose request fetched it — before that viewer lets go
    /// of its own reader of the write, so the write outlives the admission.
    fn drop(&mut self) {
        if !self.stray.load(Ordering::Relaxed) {
            return;
        }
        // Held while the key is taken out: an object stored meanwhile is admitted after.
        let entries = self.storage.entries.read();
        if !entries.contains_key(&self.hash) {
            let key = self.entry.eviction_key();
            self.storage
                .eviction
                .remove(CacheEntryKeyRef::from_entry_id(&key, None));
        }
    }
}

/// The body of a write so far.
#[derive(Default)]
struct Chunks {
    chunks: Vec<Bytes>,
    len: usize,
    /// Finished writes of this body are not stored (it outgrew `cache_max_object_bytes`, or an
    /// invalidation matched it). No new reader joins it, and chunks every reader has passed are
    /// let go.
    unstored: bool,
    /// Chunks let go (emptied) from the start.
    released: usize,
    /// Bytes of the chunks not let go.
    held: usize,
    /// Each reader's next chunk.
    cursors: Vec<Weak<AtomicUsize>>,
}

impl Chunks {
    /// Empties the chunks no reader will read again.
    fn release_read(&mut self) {
        self.cursors.retain(|c| c.strong_count() > 0);
        let floor = self
            .cursors
            .iter()
            .filter_map(|c| c.upgrade())
            .map(|c| c.load(Ordering::Acquire))
            .min()
            .unwrap_or(self.chunks.len());
        for chunk in self.chunks.iter_mut().take(floor).skip(self.released) {
            self.held -= chunk.len();
            *chunk = Bytes::new();
        }
        self.released = self.released.max(floor);
    }
}

#[derive(Clone, Copy)]
struct Progress {
    /// Chunks readable.
    chunks: usize,
    end: End,
}

#[derive(Clone, Copy, PartialEq)]
enum End {
    Open,
    Complete,
    Failed,
}

/// Reads a write in progress as it arrives; ends when the write does. Seekable to one range
/// (pingora serves a single range from it; a multipart one is cut from the stream).
struct FollowWrite {
    write: Arc<Write>,
    progress: watch::Receiver<Progress>,
    /// The next chunk to read.
    next: Arc<AtomicUsize>,
    /// The body offset of chunk `next`.
    offset: usize,
    /// The bytes to read: from `start` until `end` (exclusive; the body's end if `None`).
    start: usize,
    end: Option<usize>,
    /// An empty body was read as one empty chunk.
    empty_read: bool,
}

impl FollowWrite {
    /// A reader from the start of `write`, unless the write has let its start go.
    fn new(write: Arc<Write>) -> Option<Self> {
        let next = Arc::new(AtomicUsize::new(0));
        {
            let mut body = write.body.write();
            if body.released > 0 {
                return None;
            }
            body.cursors.push(Arc::downgrade(&next));
        }
        Some(Self {
            progress: write.progress.subscribe(),
            write,
            next,
            offset: 0,
            start: 0,
            end: None,
            empty_read: false,
        })
    }

    /// The next chunk of the body, whole; `None` at its end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            let progress = *self.progress.borrow_and_update();
            let next = self.next.load(Ordering::Relaxed);
            if next < progress.chunks {
                let chunk = self.write.body.read().chunks[next].clone();
                self.next.store(next + 1, Ordering::Release);
                return Ok(Some(chunk));
            }
            match progress.end {
                End::Complete => return Ok(None),
                End::Failed => break,
                End::Open => {}
            }
            if self.progress.changed().await.is_err() {
                break;
            }
        }
        Error::e_explain(
            ErrorType::ReadError,
            "the cache write this response follows failed",
        )
    }
}

#[async_trait]
impl HandleHit for FollowWrite {
    async fn read_body(&mut self) -> Result<Option<Bytes>> {
        loop {
            if self.end.is_some_and(|end| self.offset >= end) {
                return Ok(None);
            }
            let Some(chunk) = self.next_chunk().await? else {
                // pingora runs the viewer's body filter on a body read from a write only per
                // chunk (a hit's gets its end too): an empty body is one empty chunk, so a body
                // edge code gives the response (a custom error page) follows its header.
                if self.offset == 0 && !std::mem::replace(&mut self.empty_read, true) {
                    return Ok(Some(Bytes::new()));
                }
                return Ok(None);
            };
            let at = self.offset;
            self.offset += chunk.len();
            let from = self.start.saturating_sub(at).min(chunk.len());
            let to = self
                .end
                .map_or(chunk.len(), |e| e.saturating_sub(at).min(chunk.len()));
            if from < to {
                return Ok(Some(chunk.slice(from..to)));
            }
        }
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

    fn can_seek_multipart(&self) -> bool {
        false
    }

    fn seek(&mut self, start: usize, end: Option<usize>) -> Result<()> {
        // Only forward: a single range is set before the body is read.
        if self.offset > start {
            return Error::e_explain(
                ErrorType::InternalError,
                format!(
                    "seek back to {start} in a cache write read to {}",
                    self.offset
                ),
            );
        }
        (self.start, self.end) = (start, end);
        Ok(())
    }

    fn should_count_access(&self) -> bool {
        // The object is admitted to the eviction manager when its write finishes.
        false
    }

    fn as_any(&self) -> &(dyn Any + Send + Sync) {
        self
    }

    fn as_any_mut(&mut self) -> &mut (dyn Any + Send + Sync) {
        self
    }
}

/// Writes a body being fetched; the object is stored only once complete, so a response cut short
/// is never served from cache (spec/distribution.md §6). Dropped unfinished, the write fails.
struct Miss {
    storage: &'static MemoryStorage,
    write: Arc<Write>,
    finished: bool,
}

#[async_trait]
impl HandleMiss for Miss {
    async fn write_body(&mut self, data: Bytes, eof: bool) -> Result<()> {
        let write = &self.write;
        let mut chunks = None;
        if !data.is_empty() {
            let mut body = write.body.write();
            body.len += data.len();
            body.held += data.len();
            body.chunks.push(data);
            if !body.unstored && body.len > self.storage.max_object_bytes {
                body.unstored = true;
                drop(body);
                self.storage.forget(write);
                body = write.body.write();
            }
            if body.unstored {
                body.release_read();
                // A viewer that stopped reading (or reads far slower than the origin sends)
                // would make the edge hold the whole object: the fetch gives up instead, which
                // ends its viewers with an error.
                if body.held > self.storage.max_object_bytes.max(MIN_LAG_BYTES) {
                    return Error::e_explain(
                        ErrorType::InternalError,
                        "viewers fell too far behind an object too large to cache",
                    );
                }
            }
            chunks = Some(body.chunks.len());
        }
        write.progress.send_modify(|p| {
            if let Some(c) = chunks {
                p.chunks = c;
            }
            if eof {
                p.end = End::Complete;
            }
        });
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<MissFinishType> {
        self.finished = true;
        let write = &self.write;
        let stored = {
            let body = write.body.read();
            (!body.unstored).then(|| {
                let mut whole = Vec::with_capacity(body.len);
                for chunk in &body.chunks {
                    whole.extend_from_slice(chunk);
                }
                Bytes::from(whole)
            })
        };
        let finish = match stored {
            Some(body) => {
                let size = body.len();
                let entry = Arc::new(write.entry.with_body(body));
                let previous = self.storage.entries.write().insert(write.hash, entry);
                let replaced = previous.map_or(0, |p| p.body.len() as u64);
                self.storage.bytes.fetch_add(size as u64, Ordering::Relaxed);
                self.storage.bytes.fetch_sub(replaced, Ordering::Relaxed);
                MissFinishType::Created(size)
            }
            None => self.storage.drop_replaced(write),
        };
        self.storage.forget(write);
        write.progress.send_modify(|p| p.end = End::Complete);
        Ok(finish)
    }

    fn streaming_write_tag(&self) -> Option<&[u8]> {
        Some(&self.write.tag)
    }
}

impl Drop for Miss {
    fn drop(&mut self) {
        if !self.finished {
            self.storage.forget(&self.write);
            self.write.progress.send_modify(|p| p.end = End::Failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use pingora::cache::eviction::lru::Manager;

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

    /// A store with objects of up to `max_object_bytes`, and its eviction manager.
    fn storage(max_object_bytes: usize) -> (&'static MemoryStorage, &'static Manager<1>) {
        let eviction: &'static Manager<1> = Box::leak(Box::new(Manager::with_capacity(1 << 20, 8)));
        let storage = Box::leak(Box::new(MemoryStorage::new(max_object_bytes, eviction)));
        (storage, eviction)
    }

    fn key(path: &str) -> CacheKey {
        CacheKey::new(super::super::key::encode("E1", "", path, ""), "")
    }

    fn meta() -> CacheMeta {
        let now = SystemTime::now();
        let header = ResponseHeader::build(200, None).unwrap();
        CacheMeta::new(now + Duration::from_secs(60), now, 0, 0, header)
    }

    async fn read_all(hit: &mut HitHandler) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(b) = hit.read_body().await? {
            out.extend_from_slice(&b);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn a_reader_follows_a_write_and_the_object_is_stored_when_it_finishes() {
        let storage = storage(100).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        miss.write_body(Bytes::from_static(b"one "), false)
            .await
            .unwrap();
        let (_, mut early) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        assert_eq!(early.read_body().await.unwrap().unwrap(), "one ");
        let reader = tokio::spawn(async move { read_all(&mut early).await });
        miss.write_body(Bytes::from_static(b"two"), true)
            .await
            .unwrap();
        miss.finish().await.unwrap();
        assert_eq!(reader.await.unwrap().unwrap(), b"two");
        assert_eq!((storage.objects(), storage.bytes()), (1, 7));
        let (_, mut hit) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        assert!(hit.can_seek());
        assert_eq!(read_all(&mut hit).await.unwrap(), b"one two");
    }

    #[tokio::test]
    async fn a_write_dropped_unfinished_fails_its_readers_and_stores_nothing() {
        let storage = storage(100).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        let tag = miss.streaming_write_tag().unwrap().to_vec();
        let (_, mut own) = storage
            .lookup_streaming_write(&key, Some(&tag), &trace)
            .await
            .unwrap()
            .unwrap();
        miss.write_body(Bytes::from_static(b"part"), false)
            .await
            .unwrap();
        let (_, mut joined) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        drop(miss);
        assert!(read_all(&mut own).await.is_err());
        assert!(read_all(&mut joined).await.is_err());
        assert!(storage.lookup(&key, &trace).await.unwrap().is_none());
        assert_eq!(storage.objects(), 0);
    }

    #[tokio::test]
    async fn an_object_outgrowing_the_cap_reaches_its_readers_whole_but_is_not_stored() {
        let storage = storage(8).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        let (_, mut reader) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        miss.write_body(Bytes::from_static(b"12345"), false)
            .await
            .unwrap();
        assert_eq!(reader.read_body().await.unwrap().unwrap(), "12345");
        miss.write_body(Bytes::from_static(b"67890"), false)
            .await
            .unwrap();
        // Past the cap: no new reader joins, and what every reader has read is let go.
        assert!(storage.lookup(&key, &trace).await.unwrap().is_none());
        miss.write_body(Bytes::from_static(b"abc"), true)
            .await
            .unwrap();
        miss.finish().await.unwrap();
        assert_eq!(read_all(&mut reader).await.unwrap(), b"67890abc");
        assert!(storage.lookup(&key, &trace).await.unwrap().is_none());
        assert_eq!((storage.objects(), storage.bytes()), (0, 0));
    }

    #[tokio::test]
    async fn a_fetch_too_large_to_store_gives_up_when_its_viewer_stops_reading() {
        let storage = storage(8).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        let (_, mut stalled) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        miss.write_body(Bytes::from(vec![1; 16]), false)
            .await
            .unwrap();
        let too_far = Bytes::from(vec![2; MIN_LAG_BYTES]);
        assert!(miss.write_body(too_far, false).await.is_err());
        drop(miss);
        assert_eq!(stalled.read_body().await.unwrap().unwrap().len(), 16);
        assert!(stalled.read_body().await.is_err());
    }

    #[tokio::test]
    async fn a_reader_of_a_write_seeks_to_a_range() {
        let storage = storage(100).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        let (_, mut ranged) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        ranged.seek(3, Some(9)).unwrap();
        for part in ["0123", "45", "6789"] {
            miss.write_body(Bytes::from_static(part.as_bytes()), false)
                .await
                .unwrap();
        }
        miss.finish().await.unwrap();
        assert_eq!(read_all(&mut ranged).await.unwrap(), b"345678");
        assert!(ranged.seek(0, None).is_err());
    }

    #[tokio::test]
    async fn an_empty_body_is_read_from_a_write_as_one_empty_chunk() {
        let storage = storage(100).0;
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut miss = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        let (_, mut reader) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        miss.write_body(Bytes::new(), true).await.unwrap();
        miss.finish().await.unwrap();
        assert_eq!(reader.read_body().await.unwrap(), Some(Bytes::new()));
        assert_eq!(reader.read_body().await.unwrap(), None);
    }

    /// What pingora does with a finished write: tells the eviction manager.
    fn admit(eviction: &Manager<1>, key: &CacheKey, finish: MissFinishType) {
        let item = CacheEntryKey::key_only(key.to_compact());
        match finish {
            MissFinishType::Created(size) => {
                EvictionManager::admit(eviction, item, size, SystemTime::now());
            }
            MissFinishType::Appended(delta, max) => {
                EvictionManager::increment_weight(eviction, &item, delta, max);
            }
        }
    }

    /// Stores `body` as the object of `key`, as pingora would.
    async fn store(
        storage: &'static MemoryStorage,
        eviction: &Manager<1>,
        key: &CacheKey,
        body: &'static [u8],
    ) {
        let trace = pingora::cache::trace::Span::inactive().handle();
        let mut miss = storage
            .get_miss_handler(key, &meta(), &trace)
            .await
            .unwrap();
        miss.write_body(Bytes::from_static(body), true)
            .await
            .unwrap();
        admit(eviction, key, miss.finish().await.unwrap());
    }

    /// The store's objects and bytes, and the eviction manager's items and weight.
    fn accounting(storage: &MemoryStorage, eviction: &Manager<1>) -> (usize, u64, usize, usize) {
        (
            storage.objects(),
            storage.bytes(),
            EvictionManager::total_items(eviction),
            EvictionManager::total_size(eviction),
        )
    }

    #[tokio::test]
    async fn a_fetch_not_stored_finishing_after_a_newer_one_leaves_the_newer_object() {
        let (storage, eviction) = storage(8);
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        store(storage, eviction, &key, b"old").await;
        let mut older = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        older
            .write_body(Bytes::from_static(b"0123456789"), false)
            .await
            .unwrap();
        // Past the cap: the next request fetches the object again, and finishes first.
        store(storage, eviction, &key, b"newer").await;
        older.write_body(Bytes::new(), true).await.unwrap();
        admit(eviction, &key, older.finish().await.unwrap());
        let (_, mut hit) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        assert_eq!(read_all(&mut hit).await.unwrap(), b"newer");
        assert_eq!(accounting(storage, eviction), (1, 5, 1, 5));
    }

    #[tokio::test]
    async fn an_invalidated_fetch_finishing_after_a_newer_one_leaves_the_newer_object() {
        let (storage, eviction) = storage(100);
        let (key, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        let mut older = storage
            .get_miss_handler(&key, &meta(), &trace)
            .await
            .unwrap();
        older
            .write_body(Bytes::from_static(b"before"), false)
            .await
            .unwrap();
        assert_eq!(storage.invalidate("E1", |p| p == "/a").len(), 0);
        store(storage, eviction, &key, b"after").await;
        older.write_body(Bytes::new(), true).await.unwrap();
        admit(eviction, &key, older.finish().await.unwrap());
        let (_, mut hit) = storage.lookup(&key, &trace).await.unwrap().unwrap();
        assert_eq!(read_all(&mut hit).await.unwrap(), b"after");
        assert_eq!(accounting(storage, eviction), (1, 5, 1, 5));
    }

    #[tokio::test]
    async fn a_fetch_not_stored_removes_the_object_it_replaces_and_leaves_nothing_to_evict() {
        let (storage, eviction) = storage(8);
        let (a, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        store(storage, eviction, &key("/b"), b"bb").await;
        store(storage, eviction, &a, b"old").await;
        let mut miss = storage.get_miss_handler(&a, &meta(), &trace).await.unwrap();
        // The viewer whose request fetches it reads it from the write.
        let tag = miss.streaming_write_tag().unwrap().to_vec();
        let (_, mut own) = storage
            .lookup_streaming_write(&a, Some(&tag), &trace)
            .await
            .unwrap()
            .unwrap();
        miss.write_body(Bytes::from_static(b"0123456789"), true)
            .await
            .unwrap();
        admit(eviction, &a, miss.finish().await.unwrap());
        assert_eq!(read_all(&mut own).await.unwrap(), b"0123456789");
        drop(own);
        assert!(storage.lookup(&a, &trace).await.unwrap().is_none());
        assert_eq!(accounting(storage, eviction), (1, 2, 1, 2));
    }

    #[tokio::test]
    async fn a_fetch_outgrowing_the_cap_leaves_the_accounting_as_it_was() {
        let (storage, eviction) = storage(8);
        let (a, trace) = (key("/a"), pingora::cache::trace::Span::inactive().handle());
        store(storage, eviction, &key("/b"), b"bb").await;
        let before = accounting(storage, eviction);
        let mut miss = storage.get_miss_handler(&a, &meta(), &trace).await.unwrap();
        let tag = miss.streaming_write_tag().unwrap().to_vec();
        let (_, mut own) = storage
            .lookup_streaming_write(&a, Some(&tag), &trace)
            .await
            .unwrap()
            .unwrap();
        let (_, mut joined) = storage.lookup(&a, &trace).await.unwrap().unwrap();
        for part in ["01234", "56789", ""] {
            miss.write_body(Bytes::from_static(part.as_bytes()), part.is_empty())
                .await
                .unwrap();
        }
        admit(eviction, &a, miss.finish().await.unwrap());
        assert_eq!(read_all(&mut joined).await.unwrap(), b"0123456789");
        drop(joined);
        assert_eq!(read_all(&mut own).await.unwrap(), b"0123456789");
        drop(own);
        assert_eq!(accounting(storage, eviction), before);
    }
}
