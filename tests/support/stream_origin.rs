//! Origins whose bodies are streams, not buffers: hyper servers on `127.0.0.1:0` whose handler
//! builds each response (server-sent events, generated downloads, uploads counted as they arrive).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A response body fed chunk by chunk through a channel; it ends when the sender is dropped.
pub struct ChannelBody(pub mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

/// A body of `len` bytes produced on demand in `chunk`-sized pieces, never held whole.
pub struct GeneratedBody {
    remaining: u64,
    chunk: Bytes,
    /// Announce the length (`Content-Length`), or not (chunked).
    sized: bool,
}

impl GeneratedBody {
    pub fn new(len: u64, chunk_size: usize) -> Self {
        Self {
            remaining: len,
            chunk: Bytes::from(vec![b'x'; chunk_size]),
            sized: true,
        }
    }

    /// The same body without a length: sent chunked.
    pub fn chunked(mut self) -> Self {
        self.sized = false;
        self
    }
}

impl Body for GeneratedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self.remaining.min(self.chunk.len() as u64);
        self.remaining -= n;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n as usize)))))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        if self.sized {
            hyper::body::SizeHint::with_exact(self.remaining)
        } else {
            hyper::body::SizeHint::default()
        }
    }

    fn is_end_stream(&self) -> bool {
        self.sized && self.remaining == 0
    }
}

/// The response type handlers build.
pub type StreamResponse = Response<BoxBody<Bytes, Infallible>>;

/// Boxes any body for a [`StreamResponse`].
pub fn boxed<B>(body: B) -> BoxBody<Bytes, Infallible>
where
    B: Body<Data = Bytes, Error = Infallible> + Send + Sync + 'static,
{
    body.boxed()
}

/// Serves every connection (HTTP/1.1, or HTTP/2 with prior knowledge) with `handler`.
pub async fn serve<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = StreamResponse> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(req).await) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// The resident set size of process `pid` in bytes, from `/proc/<pid>/status` (`VmRSS`).
pub fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status");
    kb * 1024
}
