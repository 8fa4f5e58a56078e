//! Serving in-process origins as HTTP/1.1 services on a listener.
//!
//! One accept loop, generic over the listener kind (Unix or TCP socket),
//! spawns one task per connection; hyper serves HTTP/1.1 with keep-alive on
//! it. When the shutdown future resolves the loop stops accepting, open
//! connections finish their in-flight request and close, and the serving
//! future returns once all are gone.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Body;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::apigw::ApiGateway;
use crate::body::OriginBody;
use crate::echo::Echo;
use crate::s3::S3Directory;

/// Pause after a failed `accept` (e.g. out of file descriptors) so the loop
/// doesn't spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// An origin served in-process.
#[derive(Clone, Debug)]
pub enum InProcessOrigin {
    /// A local directory served as an S3 bucket.
    S3(Arc<S3Directory>),
    /// The request-describing [`Echo`] origin.
    Echo,
    /// An API Gateway HTTP API.
    Api(Arc<ApiGateway>),
}

impl InProcessOrigin {
    /// Answers one request.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<OriginBody>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match self {
            Self::S3(dir) => dir.handle(req).await,
            Self::Echo => Echo.handle(req).await,
            Self::Api(api) => api.handle(req).await,
        }
    }
}

/// Serves `origin` on a Unix socket until `shutdown` resolves, then waits
/// for open connections to finish.
pub async fn serve_unix(
    listener: UnixListener,
    origin: InProcessOrigin,
    shutdown: impl Future<Output = ()>,
) {
    serve(listener, origin, shutdown).await;
}

/// Serves `origin` on a TCP socket until `shutdown` resolves, then waits
/// for open connections to finish.
pub async fn serve_tcp(
    listener: TcpListener,
    origin: InProcessOrigin,
    shutdown: impl Future<Output = ()>,
) {
    serve(listener, origin, shutdown).await;
}

/// A listener the accept loop can take connections from.
trait Accept {
    /// A connection.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Waits for the next connection.
    fn accept_io(&self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Accept for UnixListener {
    type Io = UnixStream;

    async fn accept_io(&self) -> io::Result<UnixStream> {
        Ok(self.accept().await?.0)
    }
}

impl Accept for TcpListener {
    type Io = TcpStream;

    async fn accept_io(&self) -> io::Result<TcpStream> {
        Ok(self.accept().await?.0)
    }
}

/// The accept loop.
async fn serve<L: Accept>(
    listener: L,
    origin: InProcessOrigin,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept_io() => match accepted {
                Ok(io) => {
                    connections.spawn(serve_connection(io, origin.clone(), stop_rx.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "in-process origin: accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
            },
            // Reap finished connection tasks.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Receivers only wait for `true`; none may be left if no connection is open.
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
}

/// Serves HTTP/1.1 on one connection until the client closes it or `stop`
/// turns true, which closes it gracefully after any in-flight request.
async fn serve_connection<I>(io: I, origin: InProcessOrigin, stop: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let origin = origin.clone();
        async move { Ok::<_, Infallible>(origin.handle(req).await) }
    });
    let mut conn = pin!(http1::Builder::new().serve_connection(TokioIo::new(io), service));
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = stopped(stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "in-process origin: connection error");
    }
}

/// Resolves when `stop` turns true, or when the serving loop is gone.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper::client::conn::http1::{handshake, SendRequest};

    async fn client(path: &std::path::Path) -> SendRequest<Empty<Bytes>> {
        let stream = UnixStream::connect(path).await.unwrap();
        let (sender, conn) = handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        sender
    }

    #[tokio::test]
    async fn serves_s3_and_echo_over_a_unix_socket() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("index.html"), "<p>hello</p>").unwrap();
        let dir = S3Directory::new(&root, Some("index.html".into()), false).unwrap();

        let s3_sock = tmp.path().join("s3.sock");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let s3_server = tokio::spawn(serve_unix(
            UnixListener::bind(&s3_sock).unwrap(),
            InProcessOrigin::S3(Arc::new(dir)),
            async {
                let _ = stop_rx.await;
            },
        ));

        // Two requests on one keep-alive connection: GET, then HEAD.
        let mut s3 = client(&s3_sock).await;
        let get = Request::get("/")
            .header("host", "x")
            .body(Empty::new())
            .unwrap();
        let r = s3.send_request(get).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(r.headers()["server"], "AmazonS3");
        assert_eq!(
            &r.into_body().collect().await.unwrap().to_bytes()[..],
            b"<p>hello</p>"
        );
        let head = Request::head("/index.html")
            .header("host", "x")
            .body(Empty::new())
            .unwrap();
        let r = s3.send_request(head).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-length"], "12");
        assert!(r.into_body().collect().await.unwrap().to_bytes().is_empty());

        let echo_sock = tmp.path().join("echo.sock");
        let echo_server = tokio::spawn(serve_unix(
            UnixListener::bind(&echo_sock).unwrap(),
            InProcessOrigin::Echo,
            std::future::pending(),
        ));
        let mut echo = client(&echo_sock).await;
        let req = Request::get("/api/x?y=1")
            .header("host", "x")
            .body(Empty::new())
            .unwrap();
        let r = echo.send_request(req).await.unwrap();
        let doc: serde_json::Value =
            serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(doc["path"], "/api/x?y=1");
        assert_eq!(doc["headers"]["host"], "x");
        echo_server.abort();

        // Shutdown completes although the idle keep-alive connection is open.
        stop_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), s3_server)
            .await
            .expect("serve_unix did not stop")
            .unwrap();
    }

    #[tokio::test]
    async fn serves_over_tcp() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve_tcp(
            listener,
            InProcessOrigin::Echo,
            std::future::pending(),
        ));
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let req = Request::post("/p")
            .header("host", "x")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let r = sender.send_request(req).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        server.abort();
    }
}
