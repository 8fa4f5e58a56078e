//! Stock pingora: the floors pingora 0.9 itself sets, for a pass-through (P2's "stock pingora"
//! row) and for a cache hit (P1's "pingora, from memory" row).
//!
//! `bench-pingora LISTEN_PORT ORIGIN_PORT` proxies every request to `127.0.0.1:ORIGIN_PORT` over
//! HTTP/1.1 with upstream keep-alive, on one worker thread, implementing `upstream_peer` only: no
//! routing, no header rewriting, no cache. Requests under `/fixed/` never reach the origin: the
//! `request_filter` answers them with a 1 KB body held in memory — what a cache hit sends, without
//! the cache: no lookup, no key, no stored header to restore, three response headers. No hit path
//! built on pingora's proxy service can cost less per request. With a third port,
//! `bench-pingora LISTEN_PORT ORIGIN_PORT APP_PORT` also serves the same answer to every request on
//! `APP_PORT` through pingora's bare HTTP server (`ServeHttp`, no proxy service at all): the floor of
//! anything that speaks HTTP/1 through pingora. It runs on the workspace's pingora
//! (including the patched pingora-proxy of `vendor/`) and on localfront's allocator (mimalloc), so
//! the gap between these rows and localfront's is localfront's own per-request work.

use async_trait::async_trait;
use bytes::Bytes;
use pingora::apps::http_app::ServeHttp;
use pingora::http::ResponseHeader;
use pingora::prelude::{HttpPeer, ProxyHttp, Result, Session};
use pingora::protocols::http::ServerSession;
use pingora::server::configuration::ServerConf;
use pingora::server::Server;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Sends everything to one origin, but answers `/fixed/` itself.
struct Pass {
    origin: String,
    /// The body of every `/fixed/` answer: 1 KB, as the origin's `/…/1k`.
    fixed: Bytes,
}

#[async_trait]
impl ProxyHttp for Pass {
    type CTX = ();

    fn new_ctx(&self) {}

    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> Result<bool> {
        if !session.req_header().uri.path().starts_with("/fixed/") {
            return Ok(false);
        }
        let mut header = ResponseHeader::build(200, Some(3))?;
        header.insert_header("content-type", "text/plain")?;
        header.insert_header("content-length", self.fixed.len())?;
        header.insert_header("cache-control", "max-age=3600")?;
        session
            .write_response_header(Box::new(header), false)
            .await?;
        session
            .write_response_body(Some(self.fixed.clone()), true)
            .await?;
        Ok(true)
    }

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Ok(Box::new(HttpPeer::new(
            self.origin.as_str(),
            false,
            String::new(),
        )))
    }
}

/// Answers every request with the 1 KB body, through pingora's bare HTTP server.
struct Fixed {
    body: Bytes,
}

#[async_trait]
impl ServeHttp for Fixed {
    async fn response(&self, _session: &mut ServerSession) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body.to_vec());
        let headers = response.headers_mut();
        headers.insert("content-type", http::HeaderValue::from_static("text/plain"));
        headers.insert("content-length", self.body.len().into());
        headers.insert(
            "cache-control",
            http::HeaderValue::from_static("max-age=3600"),
        );
        response
    }
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u16>());
    let (Some(Ok(listen)), Some(Ok(origin)), app) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: bench-pingora LISTEN_PORT ORIGIN_PORT [APP_PORT]");
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
    let fixed = Bytes::from(vec![b'x'; 1024]);
    let mut proxy = pingora::proxy::http_proxy_service(
        &server.configuration,
        Pass {
            origin: format!("127.0.0.1:{origin}"),
            fixed: fixed.clone(),
        },
    );
    proxy.add_tcp(&format!("127.0.0.1:{listen}"));
    server.add_service(proxy);
    match app {
        Some(Ok(port)) => {
            let mut bare = pingora::services::listening::Service::new(
                "bare HTTP".to_owned(),
                Fixed { body: fixed },
            );
            bare.add_tcp(&format!("127.0.0.1:{port}"));
            server.add_service(bare);
        }
        Some(Err(_)) => {
            eprintln!("APP_PORT: not a port");
            std::process::exit(2);
        }
        None => {}
    }
    server.run_forever();
}
