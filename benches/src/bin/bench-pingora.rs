//! Stock pingora: the floor pingora 0.9 itself sets for a pass-through (P2's "stock pingora" row).
//!
//! `bench-pingora LISTEN_PORT ORIGIN_PORT` proxies every request to `127.0.0.1:ORIGIN_PORT` over
//! HTTP/1.1 with upstream keep-alive, on one worker thread, implementing `upstream_peer` only: no
//! routing, no header rewriting, no cache. It runs on the workspace's pingora (including the
//! patched pingora-proxy of `vendor/`) and on localfront's allocator (mimalloc), so the gap
//! between this row and localfront's is localfront's own per-request work.

use async_trait::async_trait;
use pingora::prelude::{HttpPeer, ProxyHttp, Result, Session};
use pingora::server::configuration::ServerConf;
use pingora::server::Server;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sends everything to one origin.
struct Pass {
    origin: String,
}

#[async_trait]
impl ProxyHttp for Pass {
    type CTX = ();

    fn new_ctx(&self) {}

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Ok(Box::new(HttpPeer::new(
            self.origin.as_str(),
            false,
            String::new(),
        )))
    }
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u16>());
    let (Some(Ok(listen)), Some(Ok(origin))) = (args.next(), args.next()) else {
        eprintln!("usage: bench-pingora LISTEN_PORT ORIGIN_PORT");
        std::process::exit(2);
    };
    let conf = ServerConf {
        threads: 1,
        grace_period_seconds: Some(0),
        graceful_shutdown_timeout_seconds: Some(0),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();
    let mut proxy = pingora::proxy::http_proxy_service(
        &server.configuration,
        Pass {
            origin: format!("127.0.0.1:{origin}"),
        },
    );
    proxy.add_tcp(&format!("127.0.0.1:{listen}"));
    server.add_service(proxy);
    server.run_forever();
}
