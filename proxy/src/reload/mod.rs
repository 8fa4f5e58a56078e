//! Hot reload (spec/hardening.md §6): a new config is loaded, its functions compiled and its
//! in-process origins started **before** it replaces the old one; a broken config or function
//! leaves the old generation serving and is reported (log, `/status`, metrics, `/events`).
//!
//! Triggers: the file watcher (`watch.rs`, `serve --watch`), `SIGHUP`, and `POST /reload` on the
//! admin listener. Reloads run one at a time. Listeners, TLS and cache sizes (`[server]`) are fixed
//! at start: a change there is reported as needing a restart, and the rest of the config applies.

mod promote;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use localfront_config::{Config, Server};
use parking_lot::Mutex;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;

use crate::in_process::Bound;
use crate::live::{Live, ReloadOutcome};
use crate::metrics::METRICS;
use crate::snapshot::Snapshot;

/// Where the config comes from.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// The TOML file.
    pub path: PathBuf,
    /// The embedded demo's files live in the state dir it is unpacked to.
    pub state_dir: Option<PathBuf>,
}

impl ConfigSource {
    /// Reads and validates the config.
    pub fn load(&self) -> Result<Config, String> {
        match &self.state_dir {
            None => {
                let (config, notices) = localfront_config::toml::load_reporting(&self.path)
                    .map_err(|e| e.to_string())?;
                // OpenAPI import findings: what an imported API left out or ignores.
                for notice in notices {
                    tracing::warn!("{notice}");
                }
                Ok(config)
            }
            Some(state_dir) => {
                let text = std::fs::read_to_string(&self.path)
                    .map_err(|e| format!("{}: {e}", self.path.display()))?;
                let mut config = localfront_config::toml::parse(&text, &self.path, state_dir)
                    .map_err(|e| e.to_string())?;
                config.server.state_dir = state_dir.clone();
                Ok(config)
            }
        }
    }
}

/// Reloads the live config, and runs the triggers as a pingora background service.
pub struct Reloader {
    live: Arc<Live>,
    source: ConfigSource,
    socket_dir: PathBuf,
    /// The first generation's origins, started when the server starts.
    initial: Mutex<Option<Bound>>,
    /// One reload at a time.
    running: tokio::sync::Mutex<()>,
    watch: bool,
}

impl Reloader {
    /// A reloader for `live`, whose first generation's origins are `initial`.
    pub fn new(
        live: Arc<Live>,
        source: ConfigSource,
        socket_dir: PathBuf,
        initial: Bound,
        watch: bool,
    ) -> Self {
        Self {
            live,
            source,
            socket_dir,
            initial: Mutex::new(Some(initial)),
            running: tokio::sync::Mutex::new(()),
            watch,
        }
    }

    /// Loads the config again and swaps it in; on any error the old generation keeps serving.
    /// Returns the outcome (also recorded in `/status` and the metrics).
    pub async fn reload(&self, trigger: &str) -> ReloadOutcome {
        let source = self.source.clone();
        self.replace(trigger, move |_| source.load()).await
    }

    /// Promotes staging distribution `staging_id` onto its primary in the running config
    /// (`reload/promote.rs`), through the same path as a reload. The config file is not changed:
    /// a later reload from it serves what it says again.
    pub async fn promote(&self, staging_id: &str) -> ReloadOutcome {
        let id = staging_id.to_owned();
        self.replace("promote", move |current| {
            promote::promoted(current.config.clone(), &id)
        })
        .await
    }

    /// Builds a new generation from the config `next` makes (given the current generation) and
    /// swaps it in; on any error the old generation keeps serving.
    async fn replace(
        &self,
        trigger: &str,
        next: impl FnOnce(&Snapshot) -> Result<Config, String> + Send + 'static,
    ) -> ReloadOutcome {
        let _one_at_a_time = self.running.lock().await;
        let current = self.live.current();
        let generation = current.generation + 1;
        let socket_dir = self.socket_dir.clone();
        let previous = current.clone();
        // Compiling functions and components is CPU work: off the async workers.
        let built = tokio::task::spawn_blocking(move || {
            let config = next(&previous).map_err(|e| vec![e])?;
            let restart = restart_required(&previous.config.server, &config.server);
            Snapshot::build(config, &socket_dir, generation, Some(&previous))
                .map(|(snapshot, bound)| (snapshot, bound, restart))
        })
        .await
        .unwrap_or_else(|e| Err(vec![format!("the reload panicked: {e}")]));
        let outcome = match built {
            Ok((snapshot, bound, restart_required)) => {
                bound.start();
                crate::server::configure_logs(&snapshot.config.server);
                self.live.swap(snapshot);
                tracing::info!(
                    target: "localfront::reload",
                    generation,
                    trigger,
                    "reload complete: generation {generation}"
                );
                for setting in &restart_required {
                    tracing::warn!(target: "localfront::reload", "`server.{setting}` changed: it applies after a restart");
                }
                ReloadOutcome {
                    at: SystemTime::now(),
                    trigger: trigger.to_owned(),
                    generation,
                    errors: Vec::new(),
                    restart_required,
                }
            }
            Err(errors) => {
                tracing::error!(
                    target: "localfront::reload",
                    trigger,
                    "reload failed, generation {} keeps serving:\n{}",
                    current.generation,
                    errors.join("\n")
                );
                ReloadOutcome {
                    at: SystemTime::now(),
                    trigger: trigger.to_owned(),
                    generation: current.generation,
                    errors,
                    restart_required: Vec::new(),
                }
            }
        };
        METRICS.record_reload(outcome.errors.is_empty(), outcome.generation);
        self.live.record(outcome.clone());
        outcome
    }

    /// The files a change to which reloads: the config and everything it reads.
    fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.source.path.clone()];
        // A config that does not load keeps the last good one's files watched too.
        let config = self.source.load().ok();
        let current = self.live.current();
        for c in config.iter().chain(std::iter::once(&current.config)) {
            files.extend(referenced_files(c));
        }
        files.sort();
        files.dedup();
        files
    }
}

/// Files a config reads besides itself: function code, KeyValueStore data, wasm components, public
/// keys, imported OpenAPI documents.
fn referenced_files(config: &Config) -> Vec<PathBuf> {
    let mut files = Vec::new();
    files.extend(config.apis.iter().filter_map(|a| a.openapi.clone()));
    files.extend(config.functions.iter().map(|f| f.code.clone()));
    files.extend(config.key_value_stores.iter().map(|s| s.file.clone()));
    files.extend(config.edge_functions.iter().map(|f| f.component.clone()));
    // Key groups' public keys (signed URLs and cookies).
    for d in &config.distributions {
        for b in &d.cache_behaviors {
            for g in &b.trusted_key_groups {
                files.extend(g.public_keys.iter().filter_map(|k| k.file.clone()));
            }
        }
    }
    files
}

/// `[server]` settings bound at start whose change needs a restart.
fn restart_required(old: &Server, new: &Server) -> Vec<String> {
    let mut changed = Vec::new();
    let mut check = |name: &str, same: bool| {
        if !same {
            changed.push(name.to_owned());
        }
    };
    check("http_listen", old.http_listen == new.http_listen);
    check("https_listen", old.https_listen == new.https_listen);
    check("admin_listen", old.admin_listen == new.admin_listen);
    check("tls_cert", old.tls == new.tls);
    check("threads", old.threads == new.threads);
    check(
        "function_threads",
        old.function_threads == new.function_threads,
    );
    check("state_dir", old.state_dir == new.state_dir);
    check(
        "cache_max_bytes",
        old.cache_max_bytes == new.cache_max_bytes,
    );
    check(
        "cache_max_object_bytes",
        old.cache_max_object_bytes == new.cache_max_object_bytes,
    );
    check("grace_period", old.grace_period == new.grace_period);
    check("h2c", old.h2c == new.h2c);
    let (was, is) = (&old.viewer_timeouts, &new.viewer_timeouts);
    check(
        "client_header_timeout",
        was.client_header == is.client_header,
    );
    check("max_connections", was.max_connections == is.max_connections);
    changed
}

/// The reload triggers (file watcher, `SIGHUP`) as a pingora background service, which also
/// starts the first generation's in-process origins.
pub struct Triggers(pub Arc<Reloader>);

#[async_trait]
impl BackgroundService for Triggers {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let this = &self.0;
        if let Some(initial) = this.initial.lock().take() {
            initial.start();
        }
        let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            Ok(signal) => Some(signal),
            Err(e) => {
                tracing::warn!("SIGHUP cannot trigger reloads: {e}");
                None
            }
        };
        let mut watcher = this
            .watch
            .then(|| watch::FileWatcher::new(this.watched_files()));
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                Some(()) = async { match hangup.as_mut() { Some(s) => s.recv().await, None => None } } => {
                    this.reload("SIGHUP").await;
                }
                changed = async { match watcher.as_mut() { Some(w) => w.changed().await, None => std::future::pending().await } } => {
                    if changed {
                        this.reload("watch").await;
                        if let Some(w) = watcher.as_mut() {
                            w.rewatch(this.watched_files());
                        }
                    }
                }
            }
        }
    }
}

/// The state dir the embedded demo unpacks to, and its config file there.
pub fn demo_source(state_dir: &Path) -> Result<ConfigSource, String> {
    let path = crate::demo::unpack(state_dir)?;
    Ok(ConfigSource {
        path,
        state_dir: Some(state_dir.to_owned()),
    })
}
