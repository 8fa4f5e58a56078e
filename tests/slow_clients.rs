//! Slow and abusive viewers (spec/hardening.md §3), as raw bytes over TCP: a request header sent a
//! byte at a time and a stalled body get `408` and a closed connection once their `[server]`
//! timeouts pass, idle keep-alive connections are closed silently, the number of open connections
//! is capped, and a viewer that stops reading mid-response does not make localfront buffer the body.
//!
//! The timeouts are set to a second or two; every wait below is bounded by a generous multiple.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::raw::status;
use support::stream_origin::{boxed, rss_bytes, serve, GeneratedBody};
use support::{Localfront, TestOrigin};

/// The longest any expected close may take: far above every timeout configured here.
const BOUND: Duration = Duration::from_secs(15);

/// Reads until the server closes (or resets) the connection; `None` if it stays open past `BOUND`.
async fn read_until_closed(s: &mut TcpStream) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one `Content-Length`-framed response, leaving the connection open.
async fn read_response(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = tokio::time::timeout(BOUND, s.read(&mut buf))
            .await
            .expect("a response")
            .unwrap();
        assert!(
            n > 0,
            "closed mid-response: {}",
            String::from_utf8_lossy(&out)
        );
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

async fn edge(server: &str) -> (Localfront, TestOrigin) {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server(server)
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"CachingDisabled\"\n\
             allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]",
        )
        .start()
        .await;
    (lf, origin)
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

#[tokio::test]
async fn a_request_header_sent_a_byte_at_a_time_gets_408() {
    let (lf, origin) = edge("client_header_timeout = 2").await;
    let mut s = connect(lf.http).await;
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    // One header byte every 200 ms: each read is quick, the header never completes in time.
    let drip = async {
        loop {
            if s.write_all(b"X").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            if started.elapsed() > BOUND {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(BOUND, drip).await;
    let response = read_until_closed(&mut s)
        .await
        .expect("the connection is closed");
    assert_eq!(status(&response), 408, "{response}");
    assert!(
        started.elapsed() < BOUND,
        "closed after {:?}",
        started.elapsed()
    );
    assert!(origin.requests().is_empty(), "nothing reaches the origin");
    // The proxy serves others as usual.
    assert_eq!(lf.get("/fine").await.status(), 200);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_gets_408_after_the_header_timeout() {
    let (lf, _origin) = edge("client_header_timeout = 1").await;
    let mut s = connect(lf.http).await;
    let response = read_until_closed(&mut s)
        .await
        .expect("the connection is closed");
    assert_eq!(status(&response), 408, "{response}");
}

#[tokio::test]
async fn a_stalled_request_body_gets_408() {
    let (lf, _origin) = edge("client_body_timeout = 1").await;
    let mut s = connect(lf.http).await;
    s.write_all(
        b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nonly ten..",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let response = read_until_closed(&mut s)
        .await
        .expect("the connection is closed");
    assert_eq!(status(&response), 408, "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-cache: error from cloudfront"),
        "{response}"
    );
    assert!(started.elapsed() < BOUND);
}

#[tokio::test]
async fn a_body_that_keeps_trickling_is_not_cut_off() {
    // The body timer is the pause between reads, not a total (nginx's client_body_timeout).
    let (lf, origin) = edge("client_body_timeout = 2").await;
    let mut s = connect(lf.http).await;
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 8\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    for byte in b"trickled" {
        tokio::time::sleep(Duration::from_millis(500)).await;
        s.write_all(&[*byte]).await.unwrap();
    }
    let response = read_until_closed(&mut s)
        .await
        .expect("closed after the response");
    assert_eq!(status(&response), 200, "{response}");
    assert_eq!(origin.last_request().body, "trickled");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_silently() {
    let (lf, _origin) = edge("keepalive_timeout = 1\nclient_header_timeout = 30").await;
    let mut s = connect(lf.http).await;
    s.write_all(b"GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(status(&read_response(&mut s).await), 200);
    // Reused within the idle time: served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    s.write_all(b"GET /two HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(status(&read_response(&mut s).await), 200);
    // Then left idle: closed with nothing sent (no 408 for an idle keep-alive connection), long
    // before the 30 s header timeout.
    let started = Instant::now();
    let rest = read_until_closed(&mut s).await.expect("closed when idle");
    assert_eq!(rest, "", "an idle connection is closed silently");
    assert!(started.elapsed() < BOUND);
}

#[tokio::test]
async fn slowloris_on_a_kept_alive_connection_gets_408() {
    let (lf, _origin) = edge("keepalive_timeout = 2\nclient_header_timeout = 1").await;
    let mut s = connect(lf.http).await;
    s.write_all(b"GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(status(&read_response(&mut s).await), 200);
    s.write_all(b"GET /two HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    let drip = async {
        while started.elapsed() < BOUND && s.write_all(b"X").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let _ = tokio::time::timeout(BOUND, drip).await;
    let response = read_until_closed(&mut s).await.expect("closed");
    assert_eq!(status(&response), 408, "{response}");
    assert!(started.elapsed() < BOUND);
}

#[tokio::test]
async fn open_connections_are_capped() {
    let (lf, _origin) = edge("max_connections = 4").await;
    // The harness's readiness probes hold slots until localfront sees them close.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut held = Vec::new();
    for i in 0..4 {
        let mut s = connect(lf.http).await;
        s.write_all(format!("GET /held/{i} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
            .await
            .unwrap();
        assert_eq!(status(&read_response(&mut s).await), 200);
        held.push(s);
    }
    // A fifth is closed without an answer, however well it behaves.
    let mut fifth = connect(lf.http).await;
    let _ = fifth
        .write_all(b"GET /fifth HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await;
    assert_eq!(
        read_until_closed(&mut fifth).await.expect("closed at once"),
        "",
        "over the cap"
    );
    // Closing one frees its slot.
    drop(held.pop());
    let deadline = Instant::now() + BOUND;
    loop {
        let mut s = connect(lf.http).await;
        let _ = s
            .write_all(b"GET /again HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await;
        let response = read_until_closed(&mut s).await.unwrap_or_default();
        if status(&response) == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The held connections still work.
    for s in &mut held {
        s.write_all(b"GET /still HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(status(&read_response(s).await), 200);
    }
}

/// A large response to a viewer that stops reading: pingora's writes wait on the socket
/// (backpressure), so localfront holds buffers, not the body; the send timeout then closes the
/// connection.
#[tokio::test]
async fn a_viewer_that_stops_reading_does_not_pin_memory() {
    const BODY: u64 = 300 << 20;
    const GROWTH_CEILING: u64 = 96 << 20;
    let origin = serve(|_req| async move {
        http::Response::builder()
            .header("content-type", "application/octet-stream")
            .body(boxed(GeneratedBody::new(BODY, 64 << 10)))
            .unwrap()
    })
    .await;
    let lf = Localfront::builder()
        .server("send_timeout = 2")
        .raw_origin(
            "bulk",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", origin.port()),
        )
        .default_behavior("bulk", "cache_policy = \"CachingDisabled\"")
        .start()
        .await;
    let before = rss_bytes(lf.pid());
    let mut s = connect(lf.http).await;
    s.write_all(b"GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    // Read the first bytes, then stop reading while the send timeout runs.
    let mut first = [0u8; 4096];
    let n = s.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    let mut peak = before;
    let stalled = Instant::now();
    while stalled.elapsed() < Duration::from_secs(4) {
        peak = peak.max(rss_bytes(lf.pid()));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "RSS before {} MiB, peak while the viewer did not read {} MiB",
        before >> 20,
        peak >> 20
    );
    assert!(
        peak.saturating_sub(before) < GROWTH_CEILING,
        "localfront grew by {} MiB for a viewer that stopped reading",
        (peak - before) >> 20
    );
    // The send timeout has closed the connection: what is left to read ends well short of the body.
    let mut received = n as u64;
    let mut buf = vec![0u8; 1 << 16];
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(k)) => received += k as u64,
            Err(_) => panic!("the connection stayed open after the send timeout"),
        }
    }
    assert!(received < BODY, "the whole body arrived: {received}");
}
