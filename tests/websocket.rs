//! WebSockets through a cache behavior: the upgrade goes to the origin, the tunnel opens only on
//! the origin's `101` (hardening.md §1), frames flow both ways until a side closes, the idle
//! timeout closes quiet tunnels, viewer-request functions still run, nothing is cached.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use support::Localfront;

/// What the WebSocket origin saw of each handshake: path and headers.
type Handshakes = Arc<Mutex<Vec<(String, http::HeaderMap)>>>;

/// A WebSocket origin: greets each connection, then echoes every text and binary message until
/// the viewer closes.
async fn echo_origin() -> (SocketAddr, Handshakes) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Handshakes = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                // tungstenite's callback type fixes the (large) error response type.
                #[allow(clippy::result_large_err)]
                let callback = |req: &Request, res: Response| {
                    record
                        .lock()
                        .unwrap()
                        .push((req.uri().to_string(), req.headers().clone()));
                    Ok(res)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                    return;
                };
                ws.send(Message::text("hello from the origin"))
                    .await
                    .unwrap();
                while let Some(Ok(msg)) = ws.next().await {
                    let reply = match msg {
                        Message::Text(t) => Message::text(format!("echo: {t}")),
                        Message::Binary(b) => Message::binary([b"echo: ".as_slice(), &b].concat()),
                        // tungstenite answers the Close itself while the stream is polled to its end.
                        _ => continue,
                    };
                    ws.send(reply).await.unwrap();
                }
            });
        }
    });
    (addr, seen)
}

type Viewer =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next message the viewer receives; on a broken tunnel, fails with localfront's log.
async fn next(ws: &mut Viewer, lf: &Localfront) -> Message {
    match ws.next().await {
        Some(Ok(m)) => m,
        other => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            panic!("no message: {other:?}\nlocalfront log:\n{}", lf.log())
        }
    }
}

/// The keys of a custom origin at `addr`.
fn ws_origin(addr: SocketAddr) -> String {
    format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", addr.port())
}

#[tokio::test]
async fn messages_flow_both_ways_through_a_behavior_until_the_viewer_closes() {
    let (origin, handshakes) = echo_origin().await;
    let lf = Localfront::builder()
        .raw_origin("app", &ws_origin(origin))
        .default_behavior("app", "")
        .start()
        .await;

    let (mut ws, res) = tokio_tungstenite::connect_async(format!("ws://{}/live/chat", lf.http))
        .await
        .unwrap();
    assert_eq!(res.status(), 101);
    assert!(res.headers().contains_key("x-amz-cf-id"));
    assert_eq!(
        next(&mut ws, &lf).await,
        Message::text("hello from the origin")
    );
    for i in 0..3 {
        ws.send(Message::text(format!("ping {i}"))).await.unwrap();
        assert_eq!(
            next(&mut ws, &lf).await,
            Message::text(format!("echo: ping {i}"))
        );
    }
    ws.send(Message::binary(vec![0u8, 1, 2])).await.unwrap();
    assert_eq!(
        next(&mut ws, &lf).await,
        Message::binary(b"echo: \x00\x01\x02".to_vec())
    );
    // A clean close: our Close frame reaches the origin, whose Close comes back, then the end.
    ws.close(None).await.unwrap();
    let mut rest = Vec::new();
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(m) => rest.push(m),
            Err(e) => panic!("the close was not clean: {e}"),
        }
    }
    assert!(
        rest.iter().all(|m| matches!(m, Message::Close(_))),
        "{rest:?}"
    );

    let handshakes = handshakes.lock().unwrap();
    let (path, headers) = &handshakes[0];
    assert_eq!(path, "/live/chat");
    assert!(headers.contains_key("sec-websocket-key"));
    assert_eq!(headers["upgrade"], "websocket");
    // CloudFront's Host for the origin: its domain name (spec/distribution.md §3).
    assert_eq!(headers["host"], "127.0.0.1");
}

#[tokio::test]
async fn upgrades_are_never_cached() {
    let (origin, handshakes) = echo_origin().await;
    let lf = Localfront::builder()
        .raw_origin("app", &ws_origin(origin))
        // CachingOptimized caches GETs; an upgrade is still never a hit.
        .default_behavior("app", "cache_policy = \"CachingOptimized\"")
        .start()
        .await;
    for _ in 0..2 {
        let (mut ws, res) = tokio_tungstenite::connect_async(format!("ws://{}/ws", lf.http))
            .await
            .unwrap();
        assert_eq!(res.status(), 101);
        assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
        assert_eq!(
            next(&mut ws, &lf).await,
            Message::text("hello from the origin")
        );
        ws.close(None).await.unwrap();
    }
    assert_eq!(handshakes.lock().unwrap().len(), 2);
}

/// An origin that answers the upgrade request with `200` and records every byte it receives
/// after the request head.
async fn refusing_origin() -> (SocketAddr, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let after_head: Arc<Mutex<Vec<u8>>> = Arc::default();
    let record = after_head.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                record.lock().unwrap().extend_from_slice(&buf[head_end..]);
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nnot upgrad.")
                    .await;
                while let Ok(n) = stream.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                    record.lock().unwrap().extend_from_slice(&chunk[..n]);
                }
            });
        }
    });
    (addr, after_head)
}

#[tokio::test]
async fn an_upgrade_the_origin_refuses_does_not_tunnel() {
    let (origin, after_head) = refusing_origin().await;
    let lf = Localfront::builder()
        .raw_origin("app", &ws_origin(origin))
        .default_behavior("app", "cache_policy = \"CachingDisabled\"")
        .start()
        .await;

    let mut s = TcpStream::connect(lf.http).await.unwrap();
    // The viewer sends frame bytes right behind its upgrade request, as a client hoping for a
    // tunnel might; they must never reach the origin as tunnel data (Pingora CVE-2026-2833).
    s.write_all(
        b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\
          TUNNEL-BYTES",
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("not upgrad."), "{text}");
    assert!(!text.contains("HTTP/1.1 101"), "{text}");
    let received = after_head.lock().unwrap().clone();
    assert!(
        !String::from_utf8_lossy(&received).contains("TUNNEL-BYTES"),
        "the origin received {:?}",
        String::from_utf8_lossy(&received)
    );
}

#[tokio::test]
async fn a_viewer_request_function_rejects_or_rewrites_the_upgrade() {
    let (origin, handshakes) = echo_origin().await;
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("gate.js");
    std::fs::write(
        &code,
        r#"function handler(event) {
    var req = event.request;
    if (!req.querystring.token) {
        return { statusCode: 403, statusDescription: 'Forbidden' };
    }
    req.uri = '/socket' + req.uri;
    return req;
}"#,
    )
    .unwrap();
    let lf = Localfront::builder()
        .raw_origin("app", &ws_origin(origin))
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"gate\" }",
        )
        .tail(&format!(
            "[[functions]]\nname = \"gate\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;

    let refused = tokio_tungstenite::connect_async(format!("ws://{}/chat", lf.http)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("expected a 403, got {other:?}"),
    }
    assert!(handshakes.lock().unwrap().is_empty());

    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/chat?token=t", lf.http))
        .await
        .unwrap();
    assert_eq!(
        next(&mut ws, &lf).await,
        Message::text("hello from the origin")
    );
    ws.close(None).await.unwrap();
    assert_eq!(handshakes.lock().unwrap()[0].0, "/socket/chat");
}

#[tokio::test]
async fn an_idle_tunnel_is_closed_after_the_idle_timeout() {
    let (origin, _) = echo_origin().await;
    let lf = Localfront::builder()
        .server("websocket_idle_timeout = 1")
        .raw_origin("app", &ws_origin(origin))
        .default_behavior("app", "")
        .start()
        .await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", lf.http))
        .await
        .unwrap();
    assert_eq!(
        next(&mut ws, &lf).await,
        Message::text("hello from the origin")
    );
    // Nothing is sent either way: localfront ends the tunnel (the bound only guards the test).
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => return,
                Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the idle tunnel stayed open");
}
