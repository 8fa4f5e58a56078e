//! The benchmark origin: fixed 1 KB and 64 KB bodies with cache headers, as cheap as hyper can
//! serve them (one thread, bodies built once), so the origin is never what a benchmark measures.
//!
//! `bench-origin PORT` serves `…/1k` and `…/64k` (any prefix) with `Cache-Control: max-age=3600`,
//! and 404 for anything else.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18080);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(serve(SocketAddr::from(([127, 0, 0, 1], port))));
}

async fn serve(addr: SocketAddr) {
    let small = Bytes::from(vec![b'a'; 1024]);
    let large = Bytes::from(vec![b'b'; 64 * 1024]);
    let listener = TcpListener::bind(addr).await.expect("bind the origin port");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (small, large) = (small.clone(), large.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let body = match req.uri().path() {
                    p if p.ends_with("/1k") => Some(small.clone()),
                    p if p.ends_with("/64k") => Some(large.clone()),
                    _ => None,
                };
                async move {
                    let res = match body {
                        Some(b) => Response::builder()
                            .header("content-type", "text/plain")
                            .header("cache-control", "max-age=3600")
                            .body(Full::new(b)),
                        None => Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::new())),
                    };
                    Ok::<_, Infallible>(res.expect("static response"))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
