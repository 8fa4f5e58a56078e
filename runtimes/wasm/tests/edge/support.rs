//! Events and runtimes for the tests: `Records[0].cf` for each trigger, as the proxy would
//! build them, and a small runtime per test sharing one compile cache.

use std::time::Duration;

use localfront_events::lambda_edge::{Cf, EventType, HandlerResult, Request, Response};
use localfront_wasm::{EdgeFunction, EdgeFunctionSpec, EdgeRuntime, RuntimeConfig};
use serde_json::json;

use crate::guests;

/// A runtime with a few slots, sharing the run's compile cache.
pub fn runtime() -> EdgeRuntime {
    let mut config = RuntimeConfig::new(guests::compile_cache_dir());
    config.instance_slots = 32;
    config.max_memory_mb = 256;
    EdgeRuntime::with_config(config).expect("runtime starts")
}

/// Loads fixture or example `name` with default settings.
pub fn load(runtime: &EdgeRuntime, name: &str) -> EdgeFunction {
    load_with(runtime, name, |_| {})
}

/// Loads `name` after `edit` adjusted its settings.
pub fn load_with(
    runtime: &EdgeRuntime,
    name: &str,
    edit: impl FnOnce(&mut EdgeFunctionSpec),
) -> EdgeFunction {
    let mut spec = EdgeFunctionSpec::new(name, guests::component(name));
    edit(&mut spec);
    runtime.load(spec).expect("function loads")
}

/// A short timeout for hostile guests, so tests do not wait the event's 5 s.
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

/// The event for `event_type` on `GET uri`, with `response_status` on response events.
pub fn event(event_type: EventType, uri: &str) -> Cf {
    let mut cf: Cf = serde_json::from_value(json!({
        "config": { "distributionDomainName": "d111111abcdef8.cloudfront.net",
                    "distributionId": "EDFDVBD6EXAMPLE", "eventType": event_type.as_str(),
                    "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==" },
        "request": {
            "clientIp": "203.0.113.178", "method": "GET", "uri": uri, "querystring": "",
            "headers": {
                "host": [{ "key": "Host", "value": "d111111abcdef8.cloudfront.net" }],
                "user-agent": [{ "key": "User-Agent", "value": "curl/8.5.0" }]
            }
        }
    }))
    .expect("test event");
    if !event_type.is_viewer() {
        cf.request
            .headers
            .set("Via", "2.0 5f1cexample.cloudfront.net (CloudFront)");
        cf.request.origin = Some(
            serde_json::from_value(json!({ "custom": {
                "customHeaders": {}, "domainName": "example.org", "keepaliveTimeout": 5,
                "path": "", "port": 443, "protocol": "https", "readTimeout": 30,
                "sslProtocols": ["TLSv1.2"] } }))
            .expect("test origin"),
        );
    }
    if !event_type.is_request() {
        cf.response = Some(response(200));
    }
    cf
}

/// A response event's response: `status`, `Via` and a content type.
pub fn response(status: u16) -> Response {
    let mut r = Response::new(status);
    r.status_description = Some("OK".into());
    r.headers.set("Via", "1.1 origin");
    r.headers.set("Content-Type", "text/html");
    r.headers.set("Content-Length", "1234");
    r
}

/// The request of a result that must be one.
pub fn request_of(result: HandlerResult) -> Request {
    match result {
        HandlerResult::Request(r) => r,
        HandlerResult::Response(r) => panic!("expected a request, got response {r:?}"),
    }
}

/// The response of a result that must be one.
pub fn response_of(result: HandlerResult) -> Response {
    match result {
        HandlerResult::Response(r) => r,
        HandlerResult::Request(r) => panic!("expected a response, got request {r:?}"),
    }
}
