//! Builds the pingora `Server` and its services from a config: the edge (HTTP and HTTPS
//! listeners), the reload triggers (which also run the in-process origins), and the admin listener.

use std::path::PathBuf;
use std::sync::Arc;

use localfront_config::Config;
use pingora::listeners::tls::TlsSettings;
use pingora::proxy::DownstreamLimits;
use pingora::server::configuration::ServerConf;
use pingora::server::Server;
use pingora::services::background::background_service;

use crate::access_log::ACCESS_LOG;
use crate::admin::Admin;
use crate::cache::EdgeCache;
use crate::function_log::FUNCTION_LOG;
use crate::lifecycle::Edge;
use crate::live::Live;
use crate::metrics::METRICS;
use crate::reload::{ConfigSource, Reloader, Triggers};
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
    /// Reload when the config or a file it references changes (`serve --watch`).
    pub watch: bool,
}

/// Points the access log and the function log where `[server]` says (at start and each reload).
pub fn configure_logs(server: &localfront_config::Server) {
    ACCESS_LOG.configure(server.access_log.as_ref(), server.access_log_format);
    FUNCTION_LOG.configure(&server.function_log);
}

/// Builds every service for `config`, read from `source` (which reloads read again).
pub fn build(source: ConfigSource, config: Config, options: Options) -> Result<Built, String> {
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
    crate::function_threads::start(config.server.function_threads)?;
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();

    let http_listen = config.server.http_listen;
    let https_listen = config.server.https_listen.map(|a| a.to_string());
    let admin_listen = config.server.admin_listen;
    let certificate = match https_listen {
        Some(_) => Some(crate::tls::certificate(&config)?),
        None => None,
    };
    let admin_listener = admin_listen
        .map(|addr| {
            std::net::TcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| format!("cannot listen on {addr} (admin_listen): {e}"))
        })
        .transpose()?;

    let cache = EdgeCache::new(
        config.server.cache_max_bytes,
        config.server.cache_max_object_bytes,
    );
    let https_port = config.server.https_listen.map(|a| a.port());
    let (snapshot, origins) =
        Snapshot::build(config, &socket_dir, 1, None).map_err(|errors| errors.join("\n"))?;
    let live = Arc::new(Live::new(
        snapshot,
        source.path.display().to_string(),
        options.watch,
    ));
    METRICS.started();
    configure_logs(&live.current().config.server);
    let reloader = Arc::new(Reloader::new(
        live.clone(),
        source,
        socket_dir.clone(),
        origins,
        options.watch,
    ));
    server.add_service(background_service(
        "config reload",
        Triggers(reloader.clone()),
    ));

    let mut edge = pingora::proxy::http_proxy_service_with_name(
        &server.configuration,
        Edge::new(
            live.clone(),
            http_listen,
            https_port,
            cache,
            !options.no_cache,
        ),
        "localfront edge",
    );
    // Slow and idle viewers (spec/hardening.md §3): the request-header deadline and the
    // connection cap live in the (patched) pingora proxy, read at start; the per-request timers
    // are set in `Edge::request_filter` from the serving config.
    let timeouts = live.current().config.server.viewer_timeouts;
    if let Some(proxy) = edge.app_logic_mut() {
        proxy.downstream_limits = DownstreamLimits {
            header_timeout: Some(timeouts.client_header),
            max_connections: Some(DownstreamLimits::connection_cap(timeouts.max_connections)),
        };
    }
    if live.current().config.server.h2c {
        // HTTP/2 with prior knowledge on the plain listener (gRPC clients, `curl --http2-prior-knowledge`);
        // HTTP/1.1 viewers are still served there.
        let mut options = pingora::apps::HttpServerOptions::default();
        options.h2c = true;
        if let Some(proxy) = edge.app_logic_mut() {
            proxy.server_options = Some(options);
        }
    }
    edge.add_tcp(&http_listen.to_string());
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

    if let Some(listener) = admin_listener {
        server.add_service(background_service(
            "localfront admin",
            Admin::new(live, cache, reloader, listener),
        ));
    }
    Ok(Built { server, socket_dir })
}
