//! The well-behaved fixtures, each on its trigger: the result is CloudFront-valid and does what
//! the handler promises.

use base64::Engine as _;
use localfront_events::lambda_edge::{BodyAction, BodyEncoding, EventType, Origin, RequestBody};

use crate::support::{event, load, request_of, response, response_of, runtime};

#[tokio::test]
async fn ab_cookie_rewrites_the_uri_to_the_cookie_group() {
    let rt = runtime();
    let f = load(&rt, "ab-cookie");
    let mut cf = event(EventType::ViewerRequest, "/index.html");
    cf.request.headers.set("Cookie", "theme=dark; ab=b");

    let request = request_of(f.invoke(&cf).await.expect("invocation").result);

    assert_eq!(request.uri, "/b/index.html");
    assert_eq!(request.headers.get("x-ab-group"), Some("b"));
}

#[tokio::test]
async fn ab_cookie_assigns_new_viewers_by_ip() {
    let rt = runtime();
    let f = load(&rt, "ab-cookie");
    let mut cf = event(EventType::ViewerRequest, "/index.html");
    cf.request.client_ip = "198.51.100.8".into();

    let request = request_of(f.invoke(&cf).await.expect("invocation").result);

    assert_eq!(request.uri, "/a/index.html");
}

#[tokio::test]
async fn security_headers_are_added_on_origin_response_and_logged() {
    let rt = runtime();
    let f = load(&rt, "security-headers");
    let cf = event(EventType::OriginResponse, "/app.js");

    let invocation = f.invoke(&cf).await.expect("invocation");

    let r = response_of(invocation.result);
    assert_eq!(r.status, "200");
    assert_eq!(r.headers.get("x-frame-options"), Some("DENY"));
    assert_eq!(r.headers.get("x-content-type-options"), Some("nosniff"));
    assert!(r.headers.get("strict-transport-security").is_some());
    assert_eq!(
        invocation.logs,
        ["security-headers: 5 headers added to a 200 response for /app.js"]
    );
}

#[tokio::test]
async fn security_headers_work_on_viewer_response_too() {
    let rt = runtime();
    let f = load(&rt, "security-headers");
    let cf = event(EventType::ViewerResponse, "/");

    let r = response_of(f.invoke(&cf).await.expect("invocation").result);

    assert_eq!(r.headers.get("referrer-policy"), Some("same-origin"));
}

#[tokio::test]
async fn origin_rewrite_sends_api_to_a_second_custom_origin() {
    let rt = runtime();
    let f = load(&rt, "origin-rewrite");
    let cf = event(EventType::OriginRequest, "/api/users");

    let request = request_of(f.invoke(&cf).await.expect("invocation").result);

    assert_eq!(request.uri, "/users");
    assert_eq!(request.headers.get("host"), Some("api.internal.example"));
    let Some(Origin::Custom(origin)) = request.origin else {
        panic!("expected a custom origin, got {:?}", request.origin);
    };
    assert_eq!(origin.domain_name, "api.internal.example");
    assert_eq!((origin.port, origin.path.as_str()), (8443, "/v2"));
    assert_eq!(
        origin.custom_headers.get("x-origin-token"),
        Some("fixture-token")
    );
}

#[tokio::test]
async fn origin_rewrite_sends_assets_to_s3_and_leaves_the_rest() {
    let rt = runtime();
    let f = load(&rt, "origin-rewrite");

    let assets = request_of(
        f.invoke(&event(EventType::OriginRequest, "/assets/a.png"))
            .await
            .expect("invocation")
            .result,
    );
    let other_event = event(EventType::OriginRequest, "/about");
    let other = request_of(f.invoke(&other_event).await.expect("invocation").result);

    assert!(
        matches!(assets.origin, Some(Origin::S3(ref s)) if s.region.as_deref() == Some("us-east-1"))
    );
    assert_eq!(other, other_event.request);
}

#[tokio::test]
async fn error_rewrite_turns_a_5xx_into_a_maintenance_page() {
    let rt = runtime();
    let f = load(&rt, "error-rewrite");
    let mut cf = event(EventType::OriginResponse, "/checkout");
    cf.response = Some(response(502));

    let r = response_of(f.invoke(&cf).await.expect("invocation").result);

    assert_eq!(r.status, "503");
    assert_eq!(
        r.headers.get("via"),
        Some("1.1 origin"),
        "read-only header kept"
    );
    assert!(r.headers.get("content-length").is_none());
    assert_eq!(r.body_encoding, Some(BodyEncoding::Text));
    assert!(r
        .body
        .as_deref()
        .is_some_and(|b| b.contains("answered 502")));
}

#[tokio::test]
async fn error_rewrite_redirects_a_404_and_passes_a_200() {
    let rt = runtime();
    let f = load(&rt, "error-rewrite");
    let mut not_found = event(EventType::OriginResponse, "/gone");
    not_found.response = Some(response(404));

    let redirected = response_of(f.invoke(&not_found).await.expect("invocation").result);
    let ok_event = event(EventType::OriginResponse, "/");
    let ok = response_of(f.invoke(&ok_event).await.expect("invocation").result);

    assert_eq!(redirected.status, "302");
    assert_eq!(redirected.headers.get("location"), Some("/not-found.html"));
    assert_eq!(Some(ok), ok_event.response);
}

fn with_body(text: &str, truncated: bool) -> localfront_events::lambda_edge::Cf {
    let mut cf = event(EventType::ViewerRequest, "/form");
    cf.request.method = "POST".into();
    cf.request.body = Some(RequestBody {
        input_truncated: truncated,
        action: BodyAction::ReadOnly,
        encoding: BodyEncoding::Base64,
        data: base64::engine::general_purpose::STANDARD.encode(text),
    });
    cf
}

#[tokio::test]
async fn body_inspection_replaces_a_clean_body() {
    let rt = runtime();
    let f = load(&rt, "body-inspection");

    let request = request_of(
        f.invoke(&with_body("name=ada", false))
            .await
            .expect("invocation")
            .result,
    );

    let body = request.body.expect("body");
    assert_eq!(body.action, BodyAction::Replace);
    assert_eq!(body.encoding, BodyEncoding::Text);
    assert_eq!(body.data, "name=ada&inspected=true");
}

#[tokio::test]
async fn body_inspection_refuses_scripts_and_truncated_bodies() {
    let rt = runtime();
    let f = load(&rt, "body-inspection");

    let script = response_of(
        f.invoke(&with_body("x=<script>alert(1)</script>", false))
            .await
            .expect("invocation")
            .result,
    );
    let truncated = response_of(
        f.invoke(&with_body("name=ada", true))
            .await
            .expect("invocation")
            .result,
    );

    assert_eq!(script.status, "403");
    assert_eq!(truncated.status, "413");
}
