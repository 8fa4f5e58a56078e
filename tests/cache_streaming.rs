//! A miss is served to every viewer that asks for the object while the origin sends it: a second
//! viewer follows the first one's fetch (one origin request) instead of waiting for the whole
//! object, and a fetch that fails mid-body fails its viewers instead of ending their responses
//! early as if complete.
//!
//! The origin holds the rest of its first answer back until the second viewer has its first
//! bytes (or 10 s have passed), so the tests assert ordering against what the origin recorded,
//! not timing: a localfront that makes the second viewer wait for the whole object fails them.

mod support;

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use support::Localfront;

/// The object: `CHUNKS` chunks of `CHUNK` bytes (1 MiB), sent 50 ms apart.
const CHUNK: usize = 64 * 1024;
const CHUNKS: usize = 16;
/// Chunks of the first answer sent before the origin waits for the test's go-ahead.
const BEFORE_GATE: usize = 2;

/// How the origin frames its answers.
#[derive(Clone, Copy, PartialEq)]
enum Framing {
    Length,
    Chunked,
}

/// How the origin's first answer ends.
#[derive(Clone, Copy, PartialEq)]
enum Ending {
    Complete,
    /// The origin closes the connection after the first chunks.
    Dies,
}

/// A raw HTTP/1.1 origin serving [`object`] for any request; its first answer is paced and gated.
struct PacedOrigin {
    port: u16,
    requests: Arc<AtomicUsize>,
    /// Set once the origin has stopped sending its first answer (complete or cut off).
    finished: Arc<AtomicBool>,
    /// Lets the first answer go on past its first `BEFORE_GATE` chunks.
    gate: Arc<Notify>,
}

impl PacedOrigin {
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// The object's bytes: not one repeated byte, so a reordered or mixed body shows.
fn object() -> Vec<u8> {
    (0..CHUNK * CHUNKS).map(|i| (i % 251) as u8).collect()
}

async fn paced_origin(framing: Framing, first: Ending, content_type: &'static str) -> PacedOrigin {
    paced_origin_with(framing, first, content_type, CHUNKS).await
}

/// A [`PacedOrigin`] whose answers after the first hold only the object's first `later_chunks`
/// chunks.
async fn paced_origin_with(
    framing: Framing,
    first: Ending,
    content_type: &'static str,
    later_chunks: usize,
) -> PacedOrigin {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = PacedOrigin {
        port: listener.local_addr().unwrap().port(),
        requests: Arc::default(),
        finished: Arc::default(),
        gate: Arc::default(),
    };
    let (requests, finished, gate) = (
        origin.requests.clone(),
        origin.finished.clone(),
        origin.gate.clone(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (requests, finished, gate) = (requests.clone(), finished.clone(), gate.clone());
            tokio::spawn(async move {
                let _ = answer(
                    stream,
                    (framing, first, later_chunks),
                    content_type,
                    &requests,
                    &finished,
                    &gate,
                )
                .await;
            });
        }
    });
    origin
}

async fn answer(
    mut stream: TcpStream,
    (framing, first, later_chunks): (Framing, Ending, usize),
    content_type: &str,
    requests: &AtomicUsize,
    finished: &AtomicBool,
    gate: &Notify,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let is_first = requests.fetch_add(1, Ordering::SeqCst) == 0;
    let mut body = object();
    if !is_first {
        body.truncate(CHUNK * later_chunks);
    }
    let framing_header = match framing {
        Framing::Length => format!("Content-Length: {}", body.len()),
        Framing::Chunked => "Transfer-Encoding: chunked".to_string(),
    };
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: max-age=60\r\n\
         {framing_header}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(header.as_bytes()).await?;
    for (i, chunk) in body.chunks(CHUNK).enumerate() {
        if is_first {
            if i == BEFORE_GATE {
                let _ = tokio::time::timeout(Duration::from_secs(10), gate.notified()).await;
                if first == Ending::Dies {
                    finished.store(true, Ordering::SeqCst);
                    return Ok(());
                }
            }
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        if framing == Framing::Chunked {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
        }
        stream.write_all(chunk).await?;
        if framing == Framing::Chunked {
            stream.write_all(b"\r\n").await?;
        }
        stream.flush().await?;
    }
    if framing == Framing::Chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await?;
    if is_first {
        finished.store(true, Ordering::SeqCst);
    }
    Ok(())
}

async fn edge(origin: &PacedOrigin, behavior: &str, server: &str) -> Localfront {
    Localfront::builder()
        .raw_origin(
            "app",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", origin.port),
        )
        .default_behavior(
            "app",
            &format!("cache_policy = \"CachingOptimized\"\n{behavior}"),
        )
        .server(server)
        .start()
        .await
}

/// The rest of a response after `first`; an error if it ends short of complete.
async fn read_rest(mut res: reqwest::Response, first: Bytes) -> reqwest::Result<Vec<u8>> {
    let mut body = first.to_vec();
    while let Some(chunk) = res.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Viewer A's miss starts, A has its first bytes, then viewer B asks (300 ms later) with
/// `b_headers`. Returns A's response (its first bytes read) and B's, its first bytes read, and
/// whether the origin was still sending when B had them. The origin's gate stays closed.
async fn join_a_miss(
    lf: &Localfront,
    origin: &PacedOrigin,
    headers: &[(&str, &str)],
    b_headers: &[(&str, &str)],
) -> ((reqwest::Response, Bytes), (reqwest::Response, Bytes), bool) {
    let get = |extra: &[(&str, &str)]| {
        let mut req = lf.request("GET", "/object");
        for (k, v) in headers.iter().chain(extra) {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let mut a = get(&[]).await.unwrap();
    assert_eq!(a.headers()["x-cache"], "Miss from cloudfront");
    let a_first = a.chunk().await.unwrap().expect("A's first bytes");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut b = get(b_headers).await.unwrap();
    let b_first = b.chunk().await.unwrap().expect("B's first bytes");
    let origin_was_sending = !origin.finished.load(Ordering::SeqCst);
    ((a, a_first), (b, b_first), origin_was_sending)
}

#[tokio::test]
async fn a_second_viewer_streams_the_first_viewers_miss_while_the_origin_sends_it() {
    let origin = paced_origin(
        Framing::Length,
        Ending::Complete,
        "application/octet-stream",
    )
    .await;
    let lf = edge(&origin, "", "").await;

    let ((a, a_first), (b, b_first), origin_was_sending) =
        join_a_miss(&lf, &origin, &[], &[]).await;
    // A HEAD is answered from the fetch in progress too.
    let head = lf.request("HEAD", "/object").send().await.unwrap();
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(
        origin_was_sending,
        "B's first bytes came only once the origin had sent the whole object"
    );
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(
        head.headers()["content-length"],
        (CHUNK * CHUNKS).to_string()
    );
    assert_eq!(b.status(), 200);
    assert_eq!(b.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(b.headers()["content-length"], (CHUNK * CHUNKS).to_string());
    let b_body = read_rest(b, b_first).await.unwrap();
    let a_body = a.await.unwrap().unwrap();
    assert!(a_body == object(), "A's body differs from the origin's");
    assert!(b_body == object(), "B's body differs from the origin's");
    assert_eq!(origin.requests(), 1);

    let c = lf.get("/object").await;
    assert_eq!(c.headers()["x-cache"], "Hit from cloudfront");
    assert!(c.bytes().await.unwrap() == object());
    assert_eq!(origin.requests(), 1);
}

/// The origin's first answer dies after its first chunks while B follows A's fetch.
async fn a_write_dying_mid_body_fails_the_viewer_following_it(framing: Framing) {
    let origin = paced_origin(framing, Ending::Dies, "application/octet-stream").await;
    let lf = edge(&origin, "", "").await;

    let ((a, a_first), (b, b_first), origin_was_sending) =
        join_a_miss(&lf, &origin, &[], &[]).await;
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(origin_was_sending, "B did not follow A's fetch");
    assert!(
        read_rest(b, b_first).await.is_err(),
        "B's response ended as if complete"
    );
    assert!(
        a.await.unwrap().is_err(),
        "A's response ended as if complete"
    );
    assert_eq!(origin.requests(), 1);

    // Nothing was stored: the next viewer's request goes to the origin.
    let c = lf.get("/object").await;
    assert_eq!(c.headers()["x-cache"], "Miss from cloudfront");
    assert!(c.bytes().await.unwrap() == object());
    assert_eq!(origin.requests(), 2);
}

#[tokio::test]
async fn a_write_dying_mid_body_fails_the_viewer_following_it_content_length() {
    a_write_dying_mid_body_fails_the_viewer_following_it(Framing::Length).await;
}

#[tokio::test]
async fn a_write_dying_mid_body_fails_the_viewer_following_it_chunked() {
    a_write_dying_mid_body_fails_the_viewer_following_it(Framing::Chunked).await;
}

#[tokio::test]
async fn an_object_outgrowing_the_size_cap_mid_stream_reaches_its_viewers_whole_but_is_not_stored()
{
    // Chunked, so the size shows only as the body arrives; B joins before the cap is passed.
    let origin = paced_origin(
        Framing::Chunked,
        Ending::Complete,
        "application/octet-stream",
    )
    .await;
    let cap = CHUNK * (BEFORE_GATE + 1);
    let lf = edge(&origin, "", &format!("cache_max_object_bytes = {cap}")).await;

    let ((a, a_first), (b, b_first), origin_was_sending) =
        join_a_miss(&lf, &origin, &[], &[]).await;
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(origin_was_sending, "B did not follow A's fetch");
    assert!(read_rest(b, b_first).await.unwrap() == object());
    assert!(a.await.unwrap().unwrap() == object());
    assert_eq!(origin.requests(), 1);

    let c = lf.get("/object").await;
    assert_eq!(c.headers()["x-cache"], "Miss from cloudfront");
    assert!(c.bytes().await.unwrap() == object());
    assert_eq!(origin.requests(), 2);
}

#[tokio::test]
async fn a_range_request_joining_a_miss_gets_its_range() {
    let origin = paced_origin(
        Framing::Length,
        Ending::Complete,
        "application/octet-stream",
    )
    .await;
    let lf = edge(&origin, "", "").await;

    let range = (10, CHUNK * CHUNKS - 5);
    let spec = format!("bytes={}-{}", range.0, range.1);
    let ((a, a_first), (b, b_first), origin_was_sending) =
        join_a_miss(&lf, &origin, &[], &[("range", &spec)]).await;
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(origin_was_sending, "B did not follow A's fetch");
    assert_eq!(b.status(), 206);
    assert_eq!(
        b.headers()["content-range"],
        format!("bytes {}-{}/{}", range.0, range.1, CHUNK * CHUNKS)
    );
    let b_body = read_rest(b, b_first).await.unwrap();
    assert!(b_body[..] == object()[range.0..=range.1]);
    assert!(a.await.unwrap().unwrap() == object());
    assert_eq!(origin.requests(), 1);
}

#[tokio::test]
async fn a_viewer_joining_a_compressed_miss_gets_the_compressed_object() {
    let origin = paced_origin(Framing::Length, Ending::Complete, "text/plain").await;
    let lf = edge(&origin, "compress = true", "").await;

    let gzip = [("accept-encoding", "gzip")];
    let ((a, a_first), (b, b_first), origin_was_sending) =
        join_a_miss(&lf, &origin, &gzip, &[]).await;
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(origin_was_sending, "B did not follow A's fetch");
    assert_eq!(b.headers()["content-encoding"], "gzip");
    assert_eq!(b.headers()["x-cache"], "Hit from cloudfront");
    let gunzip = |bytes: Vec<u8>| {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    let b_body = read_rest(b, b_first).await.unwrap();
    let a_body = a.await.unwrap().unwrap();
    assert_eq!(a_body, b_body);
    assert!(gunzip(b_body) == object());
    assert_eq!(origin.requests(), 1);
}

#[tokio::test]
async fn an_object_invalidated_while_it_is_fetched_is_not_stored() {
    let origin = paced_origin(
        Framing::Length,
        Ending::Complete,
        "application/octet-stream",
    )
    .await;
    let lf = edge(&origin, "", "").await;

    let mut a = lf.get("/object").await;
    let a_first = a.chunk().await.unwrap().expect("A's first bytes");
    let res = lf
        .admin_request("POST", "/distributions/ETEST/invalidations")
        .body(r#"{"paths":["/object"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    origin.gate.notify_one();
    // The viewer fetching it still gets all of it.
    assert!(read_rest(a, a_first).await.unwrap() == object());

    let c = lf.get("/object").await;
    assert_eq!(c.headers()["x-cache"], "Miss from cloudfront");
    assert!(c.bytes().await.unwrap() == object());
    assert_eq!(origin.requests(), 2);
}

#[tokio::test]
async fn a_head_miss_then_a_get_get_their_answers() {
    let origin = support::TestOrigin::start(|_| {
        support::Reply::new(200, "0123456789").header("cache-control", "max-age=60")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .start()
        .await;
    let head = lf.request("HEAD", "/x").send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "10");
    let get = lf.get("/x").await;
    assert_eq!(get.text().await.unwrap(), "0123456789");
    let head = lf.request("HEAD", "/x").send().await.unwrap();
    assert_eq!(head.headers()["x-cache"], "Hit from cloudfront");
}

#[tokio::test]
async fn a_fetch_outgrowing_the_size_cap_leaves_the_copy_a_later_fetch_stored() {
    // The first answer outgrows the cap before the origin's gate; later ones fit.
    let origin = paced_origin_with(
        Framing::Chunked,
        Ending::Complete,
        "application/octet-stream",
        1,
    )
    .await;
    let lf = edge(
        &origin,
        "",
        &format!("cache_max_object_bytes = {}", CHUNK * BEFORE_GATE - 1),
    )
    .await;
    let short = &object()[..CHUNK];

    let mut a = lf.get("/object").await;
    let mut a_body = Vec::new();
    while a_body.len() < CHUNK * BEFORE_GATE {
        a_body.extend_from_slice(&a.chunk().await.unwrap().expect("A's first chunks"));
    }
    // A's fetch is past the cap: the next viewer's request fetches the object again, and that
    // fetch is stored.
    let c = lf.get("/object").await;
    assert_eq!(c.headers()["x-cache"], "Miss from cloudfront");
    assert!(c.bytes().await.unwrap() == short);
    let d = lf.get("/object").await;
    assert_eq!(d.headers()["x-cache"], "Hit from cloudfront");
    assert!(d.bytes().await.unwrap() == short);

    // A's fetch finishes (unstored) after C's was stored: C's copy stays.
    origin.gate.notify_one();
    assert!(read_rest(a, Bytes::from(a_body)).await.unwrap() == object());
    let e = lf.get("/object").await;
    assert_eq!(e.headers()["x-cache"], "Hit from cloudfront");
    assert!(e.bytes().await.unwrap() == short);
    assert_eq!(origin.requests(), 2);
}

#[tokio::test]
async fn an_h2_viewer_streams_the_first_viewers_miss_while_the_origin_sends_it() {
    let origin = paced_origin(
        Framing::Length,
        Ending::Complete,
        "application/octet-stream",
    )
    .await;
    let lf = edge(&origin, "", "h2c = true").await;
    let h2c = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let url = format!("http://{}/object", lf.http);

    // Both viewers on one HTTP/2 connection.
    let mut a = h2c.get(&url).send().await.unwrap();
    assert_eq!(a.version(), http::Version::HTTP_2);
    assert_eq!(a.headers()["x-cache"], "Miss from cloudfront");
    let a_first = a.chunk().await.unwrap().expect("A's first bytes");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut b = h2c.get(&url).send().await.unwrap();
    let b_first = b.chunk().await.unwrap().expect("B's first bytes");
    let origin_was_sending = !origin.finished.load(Ordering::SeqCst);
    origin.gate.notify_one();
    let a = tokio::spawn(read_rest(a, a_first));
    assert!(
        origin_was_sending,
        "B's first bytes came only once the origin had sent the whole object"
    );
    assert_eq!(b.version(), http::Version::HTTP_2);
    assert_eq!(b.status(), 200);
    assert_eq!(b.headers()["x-cache"], "Hit from cloudfront");
    let b_body = read_rest(b, b_first).await.unwrap();
    let a_body = a.await.unwrap().unwrap();
    assert!(a_body == object(), "A's body differs from the origin's");
    assert!(b_body == object(), "B's body differs from the origin's");
    assert_eq!(origin.requests(), 1);
}
