//! The user examples of `examples/edge-handlers/`, built like the fixtures and run on the
//! events they are written for.

use localfront_events::lambda_edge::{EventType, Origin};
use localfront_wasm::invoke_report;

use crate::support::{event, load, request_of, response_of, runtime};

#[tokio::test]
async fn add_security_headers_example() {
    let rt = runtime();
    let f = load(&rt, "add-security-headers");
    let cf = event(EventType::OriginResponse, "/");

    let invocation = f.invoke(&cf).await.expect("invocation");

    assert_eq!(invocation.logs, ["added security headers to 200 /"]);
    let r = response_of(invocation.result);
    assert_eq!(r.headers.get("x-frame-options"), Some("DENY"));
    assert_eq!(
        r.headers.get("content-security-policy"),
        Some("default-src 'self'")
    );
}

#[tokio::test]
async fn redirect_unauthenticated_example() {
    let rt = runtime();
    let f = load(&rt, "redirect-unauthenticated");
    let mut anonymous = event(EventType::ViewerRequest, "/account");
    anonymous.request.querystring = "tab=orders".into();
    let mut signed_in = event(EventType::ViewerRequest, "/account");
    signed_in.request.headers.set("Cookie", "session=abc");

    let redirect = response_of(f.invoke(&anonymous).await.expect("invocation").result);
    let passed = request_of(f.invoke(&signed_in).await.expect("invocation").result);

    assert_eq!(redirect.status, "302");
    assert_eq!(
        redirect.headers.get("location"),
        Some("/signin?redirect=%2Faccount%3Ftab%3Dorders")
    );
    assert_eq!(passed, signed_in.request);
}

#[tokio::test]
async fn route_by_path_example_reports_its_init() {
    let rt = runtime();
    let f = load(&rt, "route-by-path");
    let cf = event(EventType::OriginRequest, "/api/orders/7");

    let outcome = f.invoke(&cf).await;
    let report = invoke_report(&cf.config.request_id, f.spec().memory_mb, &outcome);

    let request = request_of(outcome.expect("invocation").result);
    assert_eq!(request.uri, "/orders/7");
    assert!(
        matches!(request.origin, Some(Origin::Custom(ref c)) if c.domain_name == "api.example.internal")
    );
    assert!(report.contains("\tInit Duration: "), "{report}");
    assert!(
        report.contains("\tMemory Size: 128 MB\tMax Memory Used: "),
        "{report}"
    );
}
