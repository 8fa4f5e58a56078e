//! The S3-style directory origin served directly over TCP, as a baseline for measuring the cost of
//! localfront serving the same directory as an in-process origin over a Unix socket.
//!
//! `bench-s3-origin PORT DIRECTORY`.

use std::sync::Arc;

use localfront_origins::{serve_tcp, InProcessOrigin, S3Directory};

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(18081);
    let directory = args.next().unwrap_or_else(|| ".".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let dir = S3Directory::new(directory, None, false).expect("the directory exists");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the origin port");
        serve_tcp(
            listener,
            InProcessOrigin::S3(Arc::new(dir)),
            std::future::pending(),
        )
        .await;
    });
}
