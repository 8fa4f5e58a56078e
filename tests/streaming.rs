//! Streaming responses: an uncacheable response reaches the viewer chunk by chunk as the origin
//! sends it (server-sent events one at a time), and a cacheable one streams to the first viewer
//! while it is stored.
//!
//! The origin sends the next event only after the viewer has acknowledged the previous one, so
//! the tests assert causality, not timing: any buffering in localfront stalls the stream and the
//! test fails at its bound.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, Mutex};

use support::stream_origin::{boxed, serve, ChannelBody};
use support::Localfront;

const EVENTS: usize = 5;

/// An SSE origin: on each request, emits `EVENTS` events 100 ms apart, each only after the
/// viewer acknowledged the one before on `acks`. `sent` counts the events written so far.
struct EventOrigin {
    port: u16,
    sent: Arc<AtomicUsize>,
    acks: mpsc::UnboundedSender<()>,
}

async fn event_origin(cache_control: &'static str) -> EventOrigin {
    let sent = Arc::new(AtomicUsize::new(0));
    let (acks, ack_rx) = mpsc::unbounded_channel::<()>();
    let ack_rx = Arc::new(Mutex::new(ack_rx));
    let counter = sent.clone();
    let addr = serve(move |_req| {
        let counter = counter.clone();
        let ack_rx = ack_rx.clone();
        async move {
            let (tx, rx) = mpsc::channel::<Bytes>(1);
            tokio::spawn(async move {
                let mut acks = ack_rx.lock().await;
                counter.store(0, Ordering::SeqCst);
                for i in 0..EVENTS {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    counter.store(i + 1, Ordering::SeqCst);
                    let event = format!("id: {i}\ndata: event {i}\n\n");
                    if tx.send(Bytes::from(event)).await.is_err() {
                        return;
                    }
                    // The next event waits for the viewer to have seen this one.
                    if acks.recv().await.is_none() {
                        return;
                    }
                }
            });
            http::Response::builder()
                .header("content-type", "text/event-stream")
                .header("cache-control", cache_control)
                .body(boxed(ChannelBody(rx)))
                .unwrap()
        }
    })
    .await;
    EventOrigin {
        port: addr.port(),
        sent,
        acks,
    }
}

/// Reads the events of `res` one at a time, asserting each arrives while the origin has sent
/// exactly it and no later one, then acknowledging it. Returns the whole body.
async fn read_events_one_by_one(mut res: reqwest::Response, origin: &EventOrigin) -> String {
    let mut body = String::new();
    for i in 0..EVENTS {
        let expected = format!("id: {i}\ndata: event {i}\n\n");
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            while !body.ends_with(&expected) {
                let chunk = res.chunk().await.unwrap().expect("the stream ended early");
                body.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await;
        assert!(
            read.is_ok(),
            "event {i} did not arrive on its own (buffered?); got {body:?}"
        );
        assert_eq!(origin.sent.load(Ordering::SeqCst), i + 1);
        origin.acks.send(()).unwrap();
    }
    assert!(res.chunk().await.unwrap().is_none());
    body
}

#[tokio::test]
async fn server_sent_events_arrive_one_at_a_time_with_caching_disabled() {
    let origin = event_origin("no-cache").await;
    let lf = Localfront::builder()
        .raw_origin(
            "app",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", origin.port),
        )
        // Compression on: text/event-stream without a length is never compressed, never held.
        .default_behavior("app", "cache_policy = \"CachingDisabled\"\ncompress = true")
        .start()
        .await;

    let res = lf
        .request("GET", "/events")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert!(!res.headers().contains_key("content-encoding"));
    read_events_one_by_one(res, &origin).await;
}

#[tokio::test]
async fn an_uncacheable_response_on_a_caching_behavior_streams_too() {
    // CachingOptimized with the origin's `no-store`: looked up, not stored, still streamed.
    let origin = event_origin("no-store").await;
    let lf = Localfront::builder()
        .raw_origin(
            "app",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", origin.port),
        )
        .default_behavior(
            "app",
            "cache_policy = \"CachingOptimized\"\ncompress = true",
        )
        .start()
        .await;
    let res = lf
        .request("GET", "/events")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    read_events_one_by_one(res, &origin).await;
}

#[tokio::test]
async fn a_cacheable_response_streams_to_the_first_viewer_while_it_is_stored() {
    let origin = event_origin("max-age=60").await;
    let lf = Localfront::builder()
        .raw_origin(
            "app",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", origin.port),
        )
        .default_behavior("app", "cache_policy = \"CachingOptimized\"")
        .start()
        .await;

    let first = lf.get("/feed").await;
    assert_eq!(first.headers()["x-cache"], "Miss from cloudfront");
    let streamed = read_events_one_by_one(first, &origin).await;

    let second = lf.get("/feed").await;
    assert_eq!(second.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(second.text().await.unwrap(), streamed);
}
