//! In-process origins (S3 directory, echo, API Gateway HTTP APIs), each serving HTTP on its own
//! Unix socket.
//!
//! Why a socket: every origin kind then looks the same to pingora — one peer type, one path through
//! failover, the cache and the origin hooks. The hop costs one loopback write/read per request,
//! which pingora's upstream keep-alive pool amortizes; a custom connector without a socket would
//! fork the proxy path. `make bench` measures it: its "S3 directory" row compares localfront serving
//! a directory this way with the same directory served directly on TCP.
//!
//! Each config generation binds its own sockets (the generation is in the path), so a reload starts
//! the new origins before the new config takes requests, and the old ones stop when the last
//! request of the old generation is done (`Stop` is dropped with its snapshot).

use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use localfront_config::{Config, OriginKind};
use localfront_origins::{
    serve_unix, ApiCounters, ApiGateway, InProcessOrigin, LocalIssuers, S3Directory,
};
use tokio::sync::watch;

use crate::lambda_functions::LambdaFunctions;
use crate::snapshot::socket_path;

/// The in-process origins of one generation, bound and waiting to be started.
pub struct Bound {
    servers: Vec<(StdUnixListener, PathBuf, InProcessOrigin)>,
    stop: watch::Receiver<bool>,
    /// The generation's Lambda functions, prepared (SnapStart snapshots, provisioned
    /// environments) before its API origins accept their first request.
    lambda_functions: Arc<LambdaFunctions>,
}

/// Stops the origins of one generation when dropped.
pub struct Stop(watch::Sender<bool>);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// Binds a socket for every in-process origin of `config` under `socket_dir`. API origins count
/// their throttling and quotas in `api_counters`.
pub fn bind(
    config: &Config,
    socket_dir: &Path,
    generation: u64,
    lambda_functions: &Arc<LambdaFunctions>,
    api_counters: &Arc<ApiCounters>,
    issuers: &LocalIssuers,
) -> Result<(Bound, Stop), String> {
    let mut servers = Vec::new();
    for (i, d) in config.distributions.iter().enumerate() {
        for (j, o) in d.origins.iter().enumerate() {
            let origin = match &o.kind {
                OriginKind::Custom(_) => continue,
                OriginKind::Echo => InProcessOrigin::Echo,
                OriginKind::Api(name) => {
                    // Validation checked the name.
                    let Some(api) = config.apis.iter().find(|a| &a.name == name) else {
                        return Err(format!("origin `{}`: unknown api `{name}`", o.id));
                    };
                    let gateway =
                        ApiGateway::new(api.clone(), lambda_functions.all().clone(), issuers)
                            .map_err(|e| format!("origin `{}`: {e}", o.id))?
                            .with_limits(
                                &config.api_keys,
                                &config.usage_plans,
                                api_counters.clone(),
                            );
                    InProcessOrigin::Api(Arc::new(gateway))
                }
                OriginKind::S3(s3) => InProcessOrigin::S3(Arc::new(
                    S3Directory::new(&s3.directory, s3.index_document.clone(), s3.list_bucket)
                        .map_err(|e| {
                            format!("origin `{}`: {}: {e}", o.id, s3.directory.display())
                        })?,
                )),
            };
            let path = socket_path(socket_dir, generation, i, j);
            let _ = std::fs::remove_file(&path);
            let listener = StdUnixListener::bind(&path)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| format!("cannot bind {}: {e}", path.display()))?;
            servers.push((listener, path, origin));
        }
    }
    let (tx, rx) = watch::channel(false);
    Ok((
        Bound {
            servers,
            stop: rx,
            lambda_functions: lambda_functions.clone(),
        },
        Stop(tx),
    ))
}

impl Bound {
    /// Serves every origin on the current tokio runtime until its generation's `Stop` is dropped.
    pub fn start(self) {
        for (listener, path, origin) in self.servers {
            let mut stop = self.stop.clone();
            let functions =
                matches!(origin, InProcessOrigin::Api(_)).then(|| self.lambda_functions.clone());
            match tokio::net::UnixListener::from_std(listener) {
                Ok(listener) => {
                    tokio::spawn(async move {
                        // Requests wait in the socket's backlog meanwhile, so even the first
                        // one finds the provisioned environments warm.
                        if let Some(functions) = functions {
                            functions.prepare().await;
                        }
                        let stopped = async move {
                            let _ = stop.wait_for(|s| *s).await;
                        };
                        serve_unix(listener, origin, stopped).await;
                        let _ = std::fs::remove_file(path);
                    });
                }
                Err(e) => tracing::error!("in-process origin cannot listen: {e}"),
            }
        }
    }
}
