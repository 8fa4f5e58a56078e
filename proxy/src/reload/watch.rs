//! Watches the config and the files it references, for `serve --watch`.
//!
//! Debounced and content-based (spec/hardening.md §6.6): editors save by writing a temporary file
//! and renaming it, touch metadata, or write in several chunks, so events are collected until the
//! directories are quiet, then the files' contents are hashed; only a changed hash reloads (a
//! `chmod` or a save without changes does not). The watch is on the parent directories, since a
//! rename replaces the file the watch would otherwise follow.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

/// How long the watched directories must be quiet before the files are read.
const QUIET: Duration = Duration::from_millis(150);

/// A watch over a set of files.
pub struct FileWatcher {
    files: Vec<PathBuf>,
    hash: [u8; 32],
    events: mpsc::UnboundedReceiver<()>,
    sender: mpsc::UnboundedSender<()>,
    watcher: Option<RecommendedWatcher>,
}

impl FileWatcher {
    /// Starts watching `files` (missing ones too: creating them is a change).
    pub fn new(files: Vec<PathBuf>) -> Self {
        let (sender, events) = mpsc::unbounded_channel();
        let mut w = Self {
            hash: hash(&files),
            files: Vec::new(),
            events,
            sender,
            watcher: None,
        };
        w.rewatch(files);
        w
    }

    /// Watches `files` from now on (after a reload changed what the config references).
    pub fn rewatch(&mut self, files: Vec<PathBuf>) {
        let dirs: BTreeSet<PathBuf> = files
            .iter()
            .map(|f| match f.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                _ => PathBuf::from("."),
            })
            .collect();
        let sender = self.sender.clone();
        let watched: BTreeSet<PathBuf> = files.iter().filter_map(|f| absolute(f)).collect();
        let handler =
            move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                if event.paths.iter().any(|p| {
                    watched.contains(p) || absolute(p).is_some_and(|p| watched.contains(&p))
                }) {
                    let _ = sender.send(());
                }
            };
        self.watcher = match notify::recommended_watcher(handler) {
            Ok(mut watcher) => {
                for dir in &dirs {
                    if let Err(e) = watcher.watch(dir, RecursiveMode::NonRecursive) {
                        tracing::warn!("cannot watch {}: {e}", dir.display());
                    }
                }
                Some(watcher)
            }
            Err(e) => {
                tracing::warn!("cannot watch files: {e}");
                None
            }
        };
        self.hash = hash(&files);
        self.files = files;
    }

    /// Waits for a change; `true` when the contents differ from the last ones seen.
    pub async fn changed(&mut self) -> bool {
        if self.events.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
        // Debounce: wait until no event arrived for QUIET.
        while tokio::time::timeout(QUIET, self.events.recv())
            .await
            .is_ok()
        {}
        let now = hash(&self.files);
        if now == self.hash {
            return false;
        }
        self.hash = now;
        true
    }
}

/// The path made absolute (and canonical where it exists), to compare with event paths.
fn absolute(path: &std::path::Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = match parent {
        Some(p) => p.canonicalize().ok()?,
        None => std::env::current_dir().ok()?,
    };
    Some(dir.join(path.file_name()?))
}

/// One hash over every file's path and contents (a missing file counts as its absence).
fn hash(files: &[PathBuf]) -> [u8; 32] {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.as_os_str().as_encoded_bytes());
        match std::fs::read(f) {
            Ok(bytes) => {
                h.update([1]);
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(_) => h.update([0]),
        }
    }
    h.finalize().into()
}
