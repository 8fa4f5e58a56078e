//! localfront in front of a local dev server: the viewer's `Host` on request
//! (`origin_host_header = "viewer"`), and examples/vite.toml serving a Vite-like origin's pages and
//! its HMR WebSocket (`Sec-WebSocket-Protocol: vite-hmr`).

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use support::{Localfront, TestOrigin};

#[tokio::test]
async fn origin_host_header_viewer_sends_the_viewers_host() {
    let dev = TestOrigin::named("dev").await;
    let prod = TestOrigin::named("prod").await;
    let lf = Localfront::builder()
        .origin_with("dev", &dev, "origin_host_header = \"viewer\"")
        .origin("prod", &prod)
        .behavior("/dev/*", "dev", "")
        .default_behavior("prod", "")
        .start()
        .await;

    for path in ["/dev/page", "/page"] {
        let res = lf
            .request("GET", path)
            .header("host", "app.test:8080")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // The viewer's Host, port included, as a dev server checking it expects.
    assert_eq!(dev.last_request().header("host"), "app.test:8080");
    // CloudFront's default: the origin's domain name (spec/distribution.md §3).
    assert_eq!(prod.last_request().header("host"), "127.0.0.1");
}

/// A Vite-like dev server: `/` is the page, `/@vite/client` a module, and an upgrade with the
/// `vite-hmr` protocol opens the HMR socket, which greets with `{"type":"connected"}`.
async fn vite_like_origin() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = service_fn(|mut req: http::Request<Incoming>| async move {
                    let hmr = req
                        .headers()
                        .get("sec-websocket-protocol")
                        .is_some_and(|p| p == "vite-hmr");
                    let key = req.headers().get("sec-websocket-key").cloned();
                    let res = match (hmr, key) {
                        (true, Some(key)) => {
                            let upgrade = hyper::upgrade::on(&mut req);
                            tokio::spawn(async move {
                                let io = TokioIo::new(upgrade.await.unwrap());
                                let mut ws =
                                    WebSocketStream::from_raw_socket(io, Role::Server, None).await;
                                ws.send(Message::text(r#"{"type":"connected"}"#))
                                    .await
                                    .unwrap();
                                while let Some(Ok(_)) = ws.next().await {}
                            });
                            http::Response::builder()
                                .status(101)
                                .header("connection", "Upgrade")
                                .header("upgrade", "websocket")
                                .header("sec-websocket-protocol", "vite-hmr")
                                .header("sec-websocket-accept", derive_accept_key(key.as_bytes()))
                                .body(Full::new(Bytes::new()))
                                .unwrap()
                        }
                        _ => {
                            let (ct, body) = match req.uri().path() {
                                "/@vite/client" => ("text/javascript", "// vite client"),
                                _ => (
                                    "text/html",
                                    "<script type=module src=/@vite/client></script>",
                                ),
                            };
                            http::Response::builder()
                                .header("content-type", ct)
                                .header("cache-control", "no-cache")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap()
                        }
                    };
                    Ok::<_, Infallible>(res)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

/// examples/vite.toml's distribution, pointed at `origin` (the harness writes `[server]`).
fn vite_example(origin: SocketAddr) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/vite.toml");
    let example = std::fs::read_to_string(path).unwrap();
    let distributions = &example[example.find("[[distributions]]").unwrap()..];
    let pointed = distributions
        .replace("domain_name = \"localhost\"", "domain_name = \"127.0.0.1\"")
        .replace(
            "http_port = 5173",
            &format!("http_port = {}", origin.port()),
        );
    assert_ne!(pointed, distributions, "examples/vite.toml changed shape");
    pointed
}

#[tokio::test]
async fn the_vite_example_serves_pages_and_the_hmr_websocket() {
    let vite = vite_like_origin().await;
    let lf = Localfront::builder()
        .distributions_toml(&vite_example(vite))
        .start()
        .await;

    let page = lf.get("/").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/@vite/client"));
    let module = lf.get("/@vite/client").await;
    assert_eq!(module.headers()["content-type"], "text/javascript");

    let mut req = format!("ws://{}/", lf.http).into_client_request().unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", "vite-hmr".parse().unwrap());
    let (mut ws, res) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(res.headers()["sec-websocket-protocol"], "vite-hmr");
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text(r#"{"type":"connected"}"#)
    );
    ws.close(None).await.unwrap();
}
