//! Request framing and smuggling (spec/hardening.md §1), raw bytes over TCP: every ambiguous
//! request is rejected and nothing ambiguous reaches an origin; an early answer never lets the
//! unread body be parsed as a next request.

mod support;

use std::time::Duration;

use support::raw::{send, status};
use support::{Localfront, TestOrigin};

async fn edge() -> (Localfront, TestOrigin) {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior(
            "app",
            "allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]\ncache_policy = \"CachingDisabled\"",
        )
        .start()
        .await;
    (lf, origin)
}

/// Sends `request`; expects `expected` as the first status and that no request reached the origin.
async fn rejected(request: &str, expected: &[u16]) {
    let (lf, origin) = edge().await;
    let response = send(lf.http, request).await;
    let head: String = request.chars().take(120).collect();
    assert!(
        expected.contains(&status(&response)),
        "{head:?}… → {}, expected one of {expected:?}",
        response.lines().next().unwrap_or("")
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(origin.requests().is_empty(), "{head:?}… reached the origin");
}

#[tokio::test]
async fn content_length_with_transfer_encoding_is_rejected() {
    rejected(
        "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        &[400],
    )
    .await;
}

#[tokio::test]
async fn differing_content_lengths_are_rejected() {
    rejected(
        "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
        &[400],
    )
    .await;
}

#[tokio::test]
async fn a_non_numeric_content_length_is_rejected() {
    rejected(
        "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4x\r\n\r\nabcd",
        &[400],
    )
    .await;
}

#[tokio::test]
async fn a_transfer_encoding_other_than_chunked_is_rejected() {
    rejected(
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        &[400, 501],
    )
    .await;
}

#[tokio::test]
async fn transfer_encoding_on_http_1_0_is_rejected() {
    rejected(
        "POST /x HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        &[400],
    )
    .await;
}

#[tokio::test]
async fn a_space_before_the_colon_is_rejected() {
    rejected("GET /x HTTP/1.1\r\nHost : a\r\n\r\n", &[400]).await;
}

#[tokio::test]
async fn a_url_over_8192_bytes_is_414() {
    let path = format!("/{}", "a".repeat(8200));
    rejected(&format!("GET {path} HTTP/1.1\r\nHost: a\r\n\r\n"), &[414]).await;
}

#[tokio::test]
async fn headers_over_20480_bytes_are_rejected() {
    let big = "b".repeat(21_000);
    rejected(
        &format!("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: {big}\r\n\r\n"),
        &[400, 431, 494],
    )
    .await;
}

#[tokio::test]
async fn a_non_hex_chunk_size_is_rejected_and_nothing_more_is_parsed() {
    let (lf, origin) = edge().await;
    let response = send(
        lf.http,
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !origin.requests().iter().any(|r| r.uri == "/smuggled"),
        "a smuggled request reached the origin: {response:?}"
    );
    assert!(!response.contains("origin app: /smuggled"), "{response}");
}

#[tokio::test]
async fn an_early_answer_never_parses_the_unread_body_as_a_request() {
    // `/x` is answered by CloudFront's 403 (method not allowed on this behavior) while the body
    // is still unread; the body holds what would be a second request.
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;
    let smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    let response = send(
        lf.http,
        &format!(
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n{smuggled}",
            smuggled.len()
        ),
    )
    .await;
    assert_eq!(status(&response), 403, "{response}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        origin.requests().is_empty(),
        "the body was parsed as a request"
    );
    assert_eq!(
        response.matches("HTTP/1.1 ").count(),
        1,
        "one response only: {response}"
    );
}
