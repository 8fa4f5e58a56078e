//! Lambda@Edge IncludeBody (spec/lambda-edge.md §2): the viewer's body in request events (cut at
//! 40 KB on viewer events, 1 MB on origin events), `action: replace` bodies sent to the origin,
//! and read-only bodies reaching the origin whole however much of them the event read.

mod support;

use support::guests::component;
use support::origin::Recorded;
use support::{raw, Localfront, Reply, TestOrigin};

/// A distribution whose default behavior runs `fixture` on `event` with IncludeBody.
async fn with_body_handler(origin: &TestOrigin, event: &str, fixture: &str) -> Localfront {
    Localfront::builder()
        .origin("app", origin)
        .default_behavior(
            "app",
            &format!(
                "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\n\
                 allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]\nlambda_associations = {{ {event} = \"h\" }}"
            ),
        )
        .tail(&format!(
            "[[edge_functions]]\nname = \"h\"\ncomponent = \"{}\"\ninclude_body = true\n",
            component(fixture).display()
        ))
        .start()
        .await
}

fn recording_origin() -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    |r| Reply::new(200, format!("got {} bytes", r.body.len()))
}

#[tokio::test]
async fn a_viewer_request_handler_replaces_or_refuses_the_body() {
    let origin = TestOrigin::start(recording_origin()).await;
    let lf = with_body_handler(&origin, "viewer_request", "body-inspection").await;

    let res = lf
        .request("POST", "/form")
        .body("name=ada")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen = origin.last_request();
    assert_eq!(&seen.body[..], b"name=ada&inspected=true");
    assert_eq!(seen.header("content-length"), "23");

    let res = lf
        .request("POST", "/form")
        .body("x=<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.headers()["x-cache"],
        "LambdaGeneratedResponse from cloudfront"
    );

    // Over 40 KB the viewer event's input is cut and says so: the fixture refuses with a 413.
    let res = lf
        .request("POST", "/form")
        .body(vec![b'a'; 50 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn a_read_only_body_reaches_the_origin_whole() {
    let origin = TestOrigin::start(recording_origin()).await;
    let lf = with_body_handler(&origin, "viewer_request", "body-peek").await;

    // 300 KB, chunked: the event reads 40 KB (plus what arrives with it); the rest streams on.
    let body: String = (0..300 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let mut request = "POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\
                       Connection: close\r\n\r\n"
        .to_owned();
    for chunk in body.as_bytes().chunks(16 * 1024) {
        request.push_str(&format!(
            "{:x}\r\n{}\r\n",
            chunk.len(),
            std::str::from_utf8(chunk).unwrap()
        ));
    }
    request.push_str("0\r\n\r\n");
    let response = raw::send(lf.http, &request).await;
    assert_eq!(raw::status(&response), 200, "{response}");
    let seen = origin.last_request();
    assert_eq!(seen.header("x-body-bytes"), (40 * 1024).to_string());
    assert_eq!(seen.header("x-body-truncated"), "true");
    assert_eq!(seen.header("x-body-start"), "abcdefgh");
    assert_eq!(seen.body.len(), body.len());
    assert!(
        seen.body[..] == *body.as_bytes(),
        "the origin got a different body"
    );

    // A small body is shown whole; a request without one shows an empty body.
    lf.request("POST", "/upload")
        .body("tiny")
        .send()
        .await
        .unwrap();
    let seen = origin.last_request();
    assert_eq!(
        (seen.header("x-body-bytes"), seen.header("x-body-truncated")),
        ("4", "false")
    );
    assert_eq!(&seen.body[..], b"tiny");
    lf.get("/nothing").await;
    assert_eq!(origin.last_request().header("x-body-bytes"), "0");
}

#[tokio::test]
async fn an_origin_request_handler_sees_up_to_a_megabyte() {
    let origin = TestOrigin::start(recording_origin()).await;
    let lf = with_body_handler(&origin, "origin_request", "body-inspection").await;

    // 200 KB: over pingora's 64 KB retry buffer, under the origin event's 1 MB.
    let body = "k=".to_owned() + &"v".repeat(200 * 1024);
    let res = lf
        .request("PUT", "/doc")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen = origin.last_request();
    assert_eq!(seen.body.len(), body.len() + "&inspected=true".len());
    assert!(seen.body.ends_with(b"&inspected=true"));
    assert_eq!(
        seen.header("content-length"),
        (body.len() + "&inspected=true".len()).to_string()
    );

    // Over 1 MB the origin event's input is cut.
    let res = lf
        .request("PUT", "/doc")
        .body(vec![b'z'; 1024 * 1024 + 10])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
}
