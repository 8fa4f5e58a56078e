//! Lambda@Edge result validation: any bytes a handler returns, on each of the four events, are
//! either a valid result or CloudFront's validation error — never a panic — and a result accepted
//! once is accepted again after a serialization round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localfront_events::lambda_edge::{check_result, Cf, EventType};
use serde_json::json;

fn event(event_type: EventType) -> Cf {
    let mut cf: Cf = serde_json::from_value(json!({
        "config": { "distributionDomainName": "d1.cloudfront.net", "distributionId": "EDIST",
                    "eventType": event_type.as_str(), "requestId": "rid" },
        "request": {
            "clientIp": "203.0.113.9", "method": "GET", "uri": "/img/logo.png",
            "querystring": "size=large",
            "headers": { "host": [{ "key": "Host", "value": "assets.example.net" }] }
        }
    }))
    .expect("fixture event");
    if event_type == EventType::OriginRequest {
        cf.request.origin = Some(
            serde_json::from_value(json!({ "custom": {
                "customHeaders": {}, "domainName": "127.0.0.1", "keepaliveTimeout": 5, "path": "",
                "port": 8080, "protocol": "http", "readTimeout": 30, "sslProtocols": ["TLSv1.2"] } }))
            .expect("fixture origin"),
        );
    }
    if !event_type.is_request() {
        cf.response = Some(
            serde_json::from_value(json!({ "status": "200", "statusDescription": "OK",
                "headers": { "via": [{ "key": "Via", "value": "1.1 origin" }] } }))
            .expect("fixture response"),
        );
    }
    cf
}

const EVENTS: [EventType; 4] = [
    EventType::ViewerRequest,
    EventType::OriginRequest,
    EventType::OriginResponse,
    EventType::ViewerResponse,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(rest) else {
        return;
    };
    let cf = event(EVENTS[usize::from(selector) % EVENTS.len()]);
    if let Ok(result) = check_result(&cf, json) {
        let again = serde_json::to_string(&result).expect("a valid result serializes");
        let reparsed = check_result(&cf, &again).unwrap_or_else(|e| {
            panic!("accepted result rejected after a round trip: {e}\n{again}")
        });
        assert_eq!(reparsed, result, "the round trip changed the result");
    }
});
