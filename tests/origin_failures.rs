//! Origin failures: CloudFront's 502/504 error pages, connection attempts, read-timeout retries,
//! and origin group failover (spec/distribution.md §3–4, hardening.md §4).

mod support;

use std::time::Duration;

use support::{closed_port, raw, Localfront, Reply, TestOrigin};

const ALL_METHODS: &str =
    "allowed_methods = [\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"]";

#[tokio::test]
async fn an_unreachable_origin_gets_502_with_cloudfronts_error_page() {
    let lf = Localfront::builder()
        .raw_origin(
            "down",
            &format!("domain_name = \"127.0.0.1\"\nhttp_port = {}", closed_port()),
        )
        .default_behavior("down", "")
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 502);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(res.headers()["server"], "CloudFront");
    assert_eq!(res.headers()["content-type"], "text/html");
    let id = res.headers()["x-amz-cf-id"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    assert!(body.contains("<H1>502 ERROR</H1>"), "{body}");
    assert!(
        body.contains("The request could not be satisfied."),
        "{body}"
    );
    assert!(body.contains(&format!("Request ID: {id}")), "{body}");
}

#[tokio::test]
async fn a_slow_origin_gets_504_after_the_read_timeout_and_get_is_retried() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "late").delay(Duration::from_millis(2500))).await;
    let lf = Localfront::builder()
        .origin_with("slow", &origin, "read_timeout = 1\nconnection_attempts = 2")
        .default_behavior("slow", ALL_METHODS)
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 504);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(
        origin.requests().len(),
        2,
        "GET is retried up to connection_attempts"
    );
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_read_timeout() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "late").delay(Duration::from_millis(2500))).await;
    let lf = Localfront::builder()
        .origin_with("slow", &origin, "read_timeout = 1\nconnection_attempts = 3")
        .default_behavior("slow", ALL_METHODS)
        .start()
        .await;

    let res = lf
        .request("POST", "/x")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 504);
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn an_origin_group_fails_over_on_a_configured_status() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin("primary", &primary)
        .origin("backup", &backup)
        .default_behavior("ha", ALL_METHODS)
        .origin_group("ha", "primary", "backup", "500, 502, 503, 504")
        .start()
        .await;

    let res = lf.get("/page").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
    assert_eq!(res.text().await.unwrap(), "origin backup: /page");
    // Every request tries the primary first: no stickiness.
    lf.get("/again").await;
    assert_eq!(primary.requests().len(), 2);
    assert_eq!(backup.requests().len(), 2);
}

#[tokio::test]
async fn statuses_not_configured_for_failover_pass_through() {
    let primary = TestOrigin::status(404).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin("primary", &primary)
        .origin("backup", &backup)
        .default_behavior("ha", "")
        .origin_group("ha", "primary", "backup", "500, 502, 503, 504")
        .start()
        .await;

    assert_eq!(lf.get("/x").await.status(), 404);
    assert!(backup.requests().is_empty());
}

#[tokio::test]
async fn an_origin_group_fails_over_when_the_primary_is_unreachable() {
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .raw_origin(
            "primary",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nconnection_attempts = 2",
                closed_port()
            ),
        )
        .origin("backup", &backup)
        .default_behavior("ha", "")
        .origin_group("ha", "primary", "backup", "503")
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "origin backup: /x");
}

#[tokio::test]
async fn only_get_head_and_options_fail_over() {
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin("primary", &primary)
        .origin("backup", &backup)
        .default_behavior("ha", ALL_METHODS)
        .origin_group("ha", "primary", "backup", "503")
        .start()
        .await;

    let res = lf.request("POST", "/x").body("data").send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        lf.request("OPTIONS", "/x").send().await.unwrap().status(),
        200
    );
    assert_eq!(lf.request("HEAD", "/x").send().await.unwrap().status(), 200);
    assert_eq!(backup.requests().len(), 2);
    assert!(backup.requests().iter().all(|r| r.method != "POST"));
}

#[tokio::test]
async fn an_origin_group_fails_over_after_a_read_timeout() {
    let primary =
        TestOrigin::start(|_| Reply::new(200, "late").delay(Duration::from_millis(2500))).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .origin_with(
            "primary",
            &primary,
            "read_timeout = 1\nconnection_attempts = 1",
        )
        .origin("backup", &backup)
        .default_behavior("ha", "allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\"]")
        .origin_group("ha", "primary", "backup", "503")
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.text().await.unwrap(), "origin backup: /x");
    let res = lf.request("OPTIONS", "/y").send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "origin backup: /y");
    assert_eq!(primary.requests().len(), 2);
}

/// One request on an open connection, and its response (`""` once the connection is closed).
async fn exchange(
    conn: &mut tokio::net::TcpStream,
    method: &str,
    path: &str,
    body: &str,
) -> String {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw::exchange(conn, &request).await
}

/// A whole answer of `status` on a connection that stays open.
fn assert_kept_open(res: &str, status: u16) {
    assert_eq!(raw::status(res), status, "{res}");
    let lower = res.to_ascii_lowercase();
    assert!(!lower.contains("connection: close"), "{res}");
    let (head, body) = res.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}\r\n", body.len())),
        "{res}"
    );
}

#[tokio::test]
async fn an_error_page_after_a_failed_origin_keeps_the_viewer_connection_open() {
    let up = TestOrigin::named("up").await;
    let slow =
        TestOrigin::start(|_| Reply::new(200, "late").delay(Duration::from_millis(2500))).await;
    let refusing = || {
        format!(
            "domain_name = \"127.0.0.1\"\nhttp_port = {}\nconnection_attempts = 1",
            closed_port()
        )
    };
    let lf = Localfront::builder()
        .origin("up", &up)
        .origin_with("slow", &slow, "read_timeout = 1\nconnection_attempts = 1")
        .raw_origin("down", &refusing())
        .raw_origin("down2", &refusing())
        .behavior("/up/*", "up", ALL_METHODS)
        .behavior("/slow/*", "slow", ALL_METHODS)
        .behavior("/group/*", "both-down", "")
        .default_behavior("down", ALL_METHODS)
        .origin_group("both-down", "down", "down2", "503")
        .tail("[[distributions.custom_error_responses]]\nerror_code = 504\nresponse_page_path = \"/up/sorry\"\nresponse_code = 503")
        .start()
        .await;

    // CloudFront's error pages for an origin that refuses (alone, or both origins of a group), and
    // the custom error response for one that does not answer in time, a POST whose body reached it
    // included: each is the whole answer, and the same connection carries the next request.
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    for (method, path, body, status, page) in [
        ("GET", "/x", "", 502, "<H1>502 ERROR</H1>"),
        ("GET", "/group/x", "", 502, "<H1>502 ERROR</H1>"),
        ("GET", "/x", "", 502, "<H1>502 ERROR</H1>"),
        ("POST", "/slow/x", "sent", 503, "origin up: /up/sorry"),
        ("GET", "/group/y", "", 502, "<H1>502 ERROR</H1>"),
    ] {
        let res = exchange(&mut conn, method, path, body).await;
        assert_kept_open(&res, status);
        assert!(
            res.to_ascii_lowercase()
                .contains("x-cache: error from cloudfront\r\n"),
            "{res}"
        );
        assert!(res.contains(page), "{res}");
    }
    assert_eq!(slow.requests().len(), 1, "a POST is not retried");
    assert_eq!(&slow.last_request().body[..], b"sent");
    let res = exchange(&mut conn, "GET", "/up/z", "").await;
    assert_eq!(raw::status(&res), 200, "{res}");
    assert!(res.ends_with("origin up: /up/z"), "{res}");
}

#[tokio::test]
async fn an_error_page_before_the_request_body_was_read_closes_the_connection() {
    let up = TestOrigin::named("up").await;
    let lf = Localfront::builder()
        .origin("up", &up)
        .raw_origin(
            "down",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nconnection_attempts = 1",
                closed_port()
            ),
        )
        .behavior("/up/*", "up", ALL_METHODS)
        .default_behavior("down", ALL_METHODS)
        .start()
        .await;

    // The origin refused before the body was read: the 502 says the connection closes, and it
    // does — the unread body (shaped like a request) is never taken for the next request.
    let smuggled = "GET /up/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    let res = exchange(&mut conn, "POST", "/x", smuggled).await;
    assert_eq!(raw::status(&res), 502, "{res}");
    assert!(
        res.to_ascii_lowercase().contains("connection: close\r\n"),
        "{res}"
    );
    assert_eq!(exchange(&mut conn, "GET", "/up/next", "").await, "");
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}

#[tokio::test]
async fn an_error_page_follows_a_100_continue() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let lf = Localfront::builder()
        .raw_origin(
            "down",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nconnection_attempts = 1",
                closed_port()
            ),
        )
        .default_behavior("down", ALL_METHODS)
        .start()
        .await;

    // The edge invites the body, then the origin refuses: the viewer gets CloudFront's 502 after
    // the `100 Continue`, not a connection closed without an answer. (pingora closes a connection
    // once it sent a `100 Continue` before the body: the 502 says so.)
    let mut conn = tokio::net::TcpStream::connect(lf.http).await.unwrap();
    conn.write_all(
        b"POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .await
    .unwrap();
    const CONTINUE: &str = "HTTP/1.1 100 Continue\r\n\r\n";
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    // The 100 first; the 502 may follow it in the same read when the origin refuses at once, and
    // the connection may be closed before the body is written.
    while got.len() < CONTINUE.len() {
        let n = conn.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "closed before the 100: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    if got.len() == CONTINUE.len() {
        // Nothing after the 100 yet: send the body it invited (the edge may close without
        // reading it).
        let _ = conn.write_all(b"body").await;
    }
    let read_to_close = async {
        while let Ok(n @ 1..) = conn.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read_to_close).await;
    let all = String::from_utf8_lossy(&got).into_owned();
    let res = all
        .strip_prefix(CONTINUE)
        .unwrap_or_else(|| panic!("no 100 Continue first: {all}"));
    assert_eq!(raw::status(res), 502, "{res}");
    assert!(res.contains("<H1>502 ERROR</H1>"), "{res}");
    assert!(
        res.to_ascii_lowercase().contains("connection: close\r\n"),
        "{res}"
    );
}
