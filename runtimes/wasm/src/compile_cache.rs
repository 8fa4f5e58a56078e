//! Components compiled once: in memory for the life of the runtime, and on disk across runs,
//! keyed by the SHA-256 of the engine's compatibility hash and the component's bytes. A
//! changed component, a different wasmtime or a different engine configuration is a new key,
//! so a stale entry is never used; entries that fail to load are recompiled and replaced.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

use crate::error::RuntimeError;

/// Compiled components by content hash.
pub(crate) struct CompileCache {
    dir: PathBuf,
    compiled: Mutex<HashMap<[u8; 32], Component>>,
}

impl CompileCache {
    /// A cache in `dir`, created if missing.
    pub(crate) fn new(dir: &Path) -> Result<Self, RuntimeError> {
        std::fs::create_dir_all(dir).map_err(|source| RuntimeError::CacheDir {
            path: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The compiled form of the component `bytes`: from memory, from disk, or compiled now
    /// (and written to disk for the next run).
    pub(crate) fn component(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        let key = cache_key(engine, bytes);
        if let Some(c) = self.lock().get(&key) {
            return Ok(c.clone());
        }
        let path = self.dir.join(format!("{}.cwasm", hex(&key)));
        let component = match Self::read(engine, &path) {
            Some(c) => c,
            None => {
                let c = Component::new(engine, bytes)?;
                if let Err(e) = self.write(&path, &c) {
                    // A read-only cache only costs the next run a compile.
                    tracing::warn!(path = %path.display(), error = %e, "cannot write the compile cache");
                }
                c
            }
        };
        self.lock().insert(key, component.clone());
        Ok(component)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Component>> {
        // The map holds no invariant a panicking thread could break mid-update.
        self.compiled.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(engine: &Engine, path: &Path) -> Option<Component> {
        if !path.exists() {
            return None;
        }
        // SAFETY: wasmtime trusts precompiled artifacts. Files in the cache are written only
        // by `write` below, atomically, and are named by the hash of what they were compiled
        // from and the engine's compatibility hash; wasmtime also checks its own header and
        // version. The cache directory is localfront's state, as trusted as its binary.
        match unsafe { Component::deserialize_file(engine, path) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unusable compile cache entry");
                None
            }
        }
    }

    fn write(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        let bytes = component.serialize().map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(&bytes)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn cache_key(engine: &Engine, bytes: &[u8]) -> [u8; 32] {
    let mut engine_hash = DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut sha = Sha256::new();
    sha.update(engine_hash.finish().to_le_bytes());
    sha.update(bytes);
    sha.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
