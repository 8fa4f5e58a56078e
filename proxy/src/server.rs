//! Builds the pingora `Server` and its services from a config: the edge (HTTP and HTTPS
//! listeners), one background service per in-process origin, and the admin listener.

use std::path::PathBuf;
use std::sync::Arc;

use localfront_config::Config;
use pingora::listeners::tls::TlsSettings;
use pingora::server::configuration::ServerConf;
use pingora::server::Server;
use pingora::services::listening::Service;

use crate::admin::Admin;
use crate::cache::EdgeCache;
use crate::edge_functions::EdgeFunctions;
use crate::edge_lambdas::EdgeLambdas;
use crate::lifecycle::Edge;
use crate::snapshot::{random_hex, Snapshot};

/// A built server, ready to run.
pub struct Built {
    /// The pingora server with every service added.
    pub server: Server,
    /// Where in-process origins listen; removed on exit.
    pub socket_dir: PathBuf,
}

/// Process options that are not part of the config file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Bypass the cache: every request goes to the origin (`serve --no-cache`).
    pub no_cache: bool,
}

/// Builds every service for `config`.
pub fn build(config: Config, options: Options) -> Result<Built, String> {
    let state_dir = config.server.state_dir.clone();
    std::fs::create_dir_all(&state_dir)
        .map_err(|e| format!("cannot create the state dir {}: {e}", state_dir.display()))?;
    // Unix socket paths are limited to ~100 bytes, so they live in a short temp dir, not the state dir.
    let socket_dir = std::env::temp_dir().join(format!(
        "localfront-{}-{}",
        std::process::id(),
        random_hex(4)
    ));
    std::fs::create_dir_all(&socket_dir)
        .map_err(|e| format!("cannot create {}: {e}", socket_dir.display()))?;

    let conf = ServerConf {
        threads: config.server.threads,
        grace_period_seconds: Some(config.server.grace_period.as_secs()),
        graceful_shutdown_timeout_seconds: Some(config.server.grace_period.as_secs()),
        pid_file: state_dir
            .join("localfront.pid")
            .to_string_lossy()
            .into_owned(),
        upgrade_sock: state_dir
            .join("upgrade.sock")
            .to_string_lossy()
            .into_owned(),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    for service in crate::in_process::services(&config, &socket_dir)? {
        server.add_service(service);
    }

    let http_listen = config.server.http_listen.to_string();
    let https_listen = config.server.https_listen.map(|a| a.to_string());
    let admin_listen = config.server.admin_listen.map(|a| a.to_string());
    let certificate = match https_listen {
        Some(_) => Some(crate::tls::certificate(&config)?),
        None => None,
    };

    let cache = EdgeCache::new(
        config.server.cache_max_bytes,
        config.server.cache_max_object_bytes,
    );
    let functions = EdgeFunctions::load(&config).map_err(|errors| errors.join("\n"))?;
    let lambdas = EdgeLambdas::load(&config).map_err(|errors| errors.join("\n"))?;
    let snapshot = Arc::new(Snapshot::new(config, &socket_dir, functions, lambdas));
    let mut edge = pingora::proxy::http_proxy_service_with_name(
        &server.configuration,
        Edge::new(snapshot.clone(), cache, !options.no_cache),
        "localfront edge",
    );
    edge.add_tcp(&http_listen);
    if let (Some(addr), Some((cert, key))) = (https_listen, certificate) {
        let mut tls = TlsSettings::intermediate(&cert.to_string_lossy(), &key.to_string_lossy())
            .map_err(|e| {
                format!(
                    "TLS certificate {} / key {}: {e}",
                    cert.display(),
                    key.display()
                )
            })?;
        // HTTP/2 for viewers is negotiated with ALPN.
        tls.enable_h2();
        edge.add_tls_with_settings(&addr, None, tls);
    }
    server.add_service(edge);

    if let Some(addr) = admin_listen {
        let mut admin = Service::new("localfront admin".to_owned(), Admin::new(snapshot, cache));
        admin.add_tcp(&addr);
        server.add_service(admin);
    }
    Ok(Built { server, socket_dir })
}
