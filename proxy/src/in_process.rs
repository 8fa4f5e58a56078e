//! In-process origins (S3 directory, echo) as pingora background services, each serving HTTP on
//! its own Unix socket.
//!
//! Why a socket: every origin kind then looks the same to pingora — one peer type, one path through
//! failover, the cache and the origin hooks. The hop costs one loopback write/read per request,
//! which pingora's upstream keep-alive pool amortizes; a custom connector without a socket would
//! fork the proxy path. `make bench` measures it: its "S3 directory" row compares localfront serving
//! a directory this way with the same directory served directly on TCP.

use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use localfront_config::{Config, OriginKind};
use localfront_origins::{serve_unix, InProcessOrigin, S3Directory};
use pingora::server::ShutdownWatch;
use pingora::services::background::{background_service, BackgroundService, GenBackgroundService};

use crate::snapshot::socket_path;

/// One in-process origin bound to its socket, waiting for the server to start it.
pub struct InProcessService {
    listener: Mutex<Option<StdUnixListener>>,
    origin: InProcessOrigin,
}

/// Binds a socket for every in-process origin of `config` under `socket_dir`.
pub fn services(
    config: &Config,
    socket_dir: &Path,
) -> Result<Vec<GenBackgroundService<InProcessService>>, String> {
    let mut services = Vec::new();
    for (i, d) in config.distributions.iter().enumerate() {
        for (j, o) in d.origins.iter().enumerate() {
            let origin = match &o.kind {
                OriginKind::Custom(_) => continue,
                OriginKind::Echo => InProcessOrigin::Echo,
                OriginKind::S3(s3) => InProcessOrigin::S3(Arc::new(
                    S3Directory::new(&s3.directory, s3.index_document.clone(), s3.list_bucket)
                        .map_err(|e| {
                            format!("origin `{}`: {}: {e}", o.id, s3.directory.display())
                        })?,
                )),
            };
            let path = socket_path(socket_dir, i, j);
            let _ = std::fs::remove_file(&path);
            let listener = StdUnixListener::bind(&path)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| format!("cannot bind {}: {e}", path.display()))?;
            let service = InProcessService {
                listener: Mutex::new(Some(listener)),
                origin,
            };
            services.push(background_service(
                &format!("origin {}/{}", d.id, o.id),
                service,
            ));
        }
    }
    Ok(services)
}

#[async_trait]
impl BackgroundService for InProcessService {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let taken = self.listener.lock().ok().and_then(|mut l| l.take());
        let Some(listener) = taken else { return };
        match tokio::net::UnixListener::from_std(listener) {
            Ok(listener) => {
                let stop = async move {
                    let _ = shutdown.changed().await;
                };
                serve_unix(listener, self.origin.clone(), stop).await;
            }
            Err(e) => tracing::error!("in-process origin cannot listen: {e}"),
        }
    }
}
