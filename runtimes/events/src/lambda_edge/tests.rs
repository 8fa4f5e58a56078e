//! The validation rules of spec/lambda-edge.md §3, §4, §6 and §8, one behaviour per test.

use serde_json::json;

use super::*;

fn event(event_type: EventType) -> Cf {
    let mut cf: Cf = serde_json::from_value(json!({
        "config": { "distributionDomainName": "d1.cloudfront.net", "distributionId": "EDIST",
                    "eventType": event_type.as_str(), "requestId": "rid" },
        "request": {
            "clientIp": "203.0.113.9", "method": "GET", "uri": "/img/logo.png",
            "querystring": "size=large",
            "headers": {
                "host": [{ "key": "Host", "value": "assets.example.net" }],
                "via": [{ "key": "Via", "value": "2.0 x.cloudfront.net (CloudFront)" }]
            }
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

fn check(cf: &Cf, result: serde_json::Value) -> Result<HandlerResult, ValidationError> {
    check_result(cf, &result.to_string())
}

fn request_with(cf: &Cf, edit: impl FnOnce(&mut Request)) -> serde_json::Value {
    let mut r = cf.request.clone();
    edit(&mut r);
    serde_json::to_value(r).expect("serializable")
}

#[test]
fn the_event_round_trips_in_aws_shape() {
    let cf = event(EventType::OriginResponse);
    let v = serde_json::to_value(Event::new(cf.clone())).expect("serializable");
    assert_eq!(
        v["Records"][0]["cf"]["config"]["eventType"],
        "origin-response"
    );
    assert_eq!(v["Records"][0]["cf"]["request"]["clientIp"], "203.0.113.9");
    assert_eq!(v["Records"][0]["cf"]["response"]["status"], "200");
    let back: Event = serde_json::from_value(v).expect("parses");
    assert_eq!(back.into_cf(), Some(cf));
}

#[test]
fn an_unchanged_request_passes() {
    for t in [EventType::ViewerRequest, EventType::OriginRequest] {
        let cf = event(t);
        let r = check(
            &cf,
            serde_json::to_value(&cf.request).expect("serializable"),
        );
        assert_eq!(r, Ok(HandlerResult::Request(cf.request.clone())));
    }
}

#[test]
fn unparsable_json_is_invalid_json() {
    let cf = event(EventType::ViewerRequest);
    assert!(matches!(
        check_result(&cf, "{not json"),
        Err(ValidationError::InvalidJson { .. })
    ));
}

#[test]
fn a_top_level_status_makes_a_response_however_it_is_written() {
    let cf = event(EventType::ViewerRequest);
    // A header named `status` leaves a request a request.
    let with_header = request_with(&cf, |r| r.headers.set("Status", "x"));
    assert!(matches!(
        check(&cf, with_header),
        Ok(HandlerResult::Request(_))
    ));
    // A `status` spelled with an escape is still the generated-response marker.
    let escaped = r#"{"st\u0061tus": "200", "statusDescription": "OK", "headers": {}}"#;
    assert!(matches!(
        check_result(&cf, escaped),
        Ok(HandlerResult::Response(_))
    ));
    // Text that is not an object is a shape error, not a request error.
    assert!(matches!(
        check_result(&cf, "42"),
        Err(ValidationError::InvalidShape { .. })
    ));
}

#[test]
fn a_response_without_status_is_invalid_on_response_events() {
    let cf = event(EventType::OriginResponse);
    let err = check(&cf, json!({ "headers": {} })).unwrap_err();
    assert!(err.to_string().contains("status"), "{err}");
}

#[test]
fn method_and_client_ip_are_read_only() {
    let cf = event(EventType::ViewerRequest);
    let err = check(&cf, request_with(&cf, |r| r.method = "POST".into())).unwrap_err();
    assert!(matches!(
        err,
        ValidationError::ReadOnlyField {
            field: "request.method",
            ..
        }
    ));
    let err = check(&cf, request_with(&cf, |r| r.client_ip = "1.1.1.1".into())).unwrap_err();
    assert!(matches!(
        err,
        ValidationError::ReadOnlyField {
            field: "request.clientIp",
            ..
        }
    ));
}

#[test]
fn uri_must_start_with_a_slash_and_query_must_be_clean() {
    let cf = event(EventType::ViewerRequest);
    let err = check(&cf, request_with(&cf, |r| r.uri = "index.html".into())).unwrap_err();
    assert!(matches!(err, ValidationError::InvalidUri { .. }));
    let err = check(
        &cf,
        request_with(&cf, |r| r.querystring = "a=1#frag".into()),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::InvalidQueryString { .. }));
    let err = check(
        &cf,
        request_with(&cf, |r| r.uri = format!("/{}", "a".repeat(8200))),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::UriTooLong { .. }));
}

#[test]
fn read_only_headers_differ_per_event() {
    let vr = event(EventType::ViewerRequest);
    let err = check(&vr, request_with(&vr, |r| r.headers.set("Host", "other"))).unwrap_err();
    assert_eq!(
        err,
        ValidationError::ReadOnlyHeader {
            header: "host".into(),
            event_type: EventType::ViewerRequest
        }
    );
    let or = event(EventType::OriginRequest);
    // AWS's own examples set `host` on origin-request.
    assert!(check(&or, request_with(&or, |r| r.headers.set("Host", "other"))).is_ok());
    let err = check(
        &or,
        request_with(&or, |r| r.headers.set("Accept-Encoding", "br")),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::ReadOnlyHeader { .. }));
    let err = check(&or, request_with(&or, |r| drop(r.headers.remove("via")))).unwrap_err();
    assert!(matches!(err, ValidationError::ReadOnlyHeader { .. }));
}

#[test]
fn disallowed_headers_are_refused_on_every_event() {
    let cf = event(EventType::OriginRequest);
    let err = check(
        &cf,
        request_with(&cf, |r| r.headers.set("X-Amz-Cf-Id", "x")),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ValidationError::DisallowedHeader {
            header: "x-amz-cf-id".into()
        }
    );
    let vres = event(EventType::ViewerResponse);
    let err = check(
        &vres,
        json!({ "status": "200", "headers": {
        "via": [{ "value": "1.1 origin" }], "connection": [{ "value": "close" }] } }),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ValidationError::DisallowedHeader {
            header: "connection".into()
        }
    );
}

#[test]
fn viewer_request_cannot_add_viewer_country() {
    let cf = event(EventType::ViewerRequest);
    let err = check(
        &cf,
        request_with(&cf, |r| r.headers.set("CloudFront-Viewer-Country", "DE")),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::ReadOnlyHeader { .. }));
    let or = event(EventType::OriginRequest);
    assert!(check(
        &or,
        request_with(&or, |r| r.headers.set("CloudFront-Viewer-Country", "DE"))
    )
    .is_ok());
}

#[test]
fn header_key_must_match_its_name() {
    let cf = event(EventType::ViewerRequest);
    let err = check(
        &cf,
        request_with(&cf, |r| {
            r.headers.0.insert(
                "x-a".into(),
                vec![Header {
                    key: Some("X-B".into()),
                    value: "1".into(),
                }],
            );
        }),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::InvalidHeader { .. }));
}

#[test]
fn generated_responses_need_a_valid_status_and_no_204_body() {
    let cf = event(EventType::ViewerRequest);
    assert!(check(
        &cf,
        json!({ "status": "302", "headers": { "location": [{ "value": "/x" }] } })
    )
    .is_ok());
    let err = check(&cf, json!({ "status": "99" })).unwrap_err();
    assert!(matches!(err, ValidationError::InvalidStatus { .. }));
    let err = check(&cf, json!({ "status": "204", "body": "x" })).unwrap_err();
    assert_eq!(err, ValidationError::BodyNotAllowed { status: 204 });
    let err = check(&cf, json!({ "status": 200 })).unwrap_err();
    assert!(matches!(err, ValidationError::InvalidShape { .. }));
}

#[test]
fn generated_responses_may_carry_request_side_read_only_names_but_not_disallowed_ones() {
    let cf = event(EventType::ViewerRequest);
    let ok = json!({ "status": "200", "headers": { "content-length": [{ "value": "2" }] }, "body": "hi" });
    assert!(check(&cf, ok).is_ok());
    let err = check(
        &cf,
        json!({ "status": "200", "headers": { "x-cache": [{ "value": "Hit" }] } }),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ValidationError::DisallowedHeader {
            header: "x-cache".into()
        }
    );
}

#[test]
fn generated_responses_have_a_per_event_size_limit() {
    let big = "x".repeat(41 * 1024);
    let vr = event(EventType::ViewerRequest);
    let err = check(&vr, json!({ "status": "200", "body": big })).unwrap_err();
    assert!(matches!(
        err,
        ValidationError::TooLarge { limit: 40960, .. }
    ));
    let or = event(EventType::OriginRequest);
    assert!(check(&or, json!({ "status": "200", "body": big })).is_ok());
}

#[test]
fn base64_bodies_must_decode() {
    let cf = event(EventType::OriginRequest);
    let err = check(
        &cf,
        json!({ "status": "200", "body": "***", "bodyEncoding": "base64" }),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::InvalidBody { .. }));
}

#[test]
fn replaced_bodies_have_encoding_specific_limits() {
    let cf = event(EventType::ViewerRequest);
    let with_body = |encoding, data: String| {
        request_with(&cf, |r| {
            r.body = Some(RequestBody {
                input_truncated: false,
                action: BodyAction::Replace,
                encoding,
                data,
            })
        })
    };
    assert!(check(&cf, with_body(BodyEncoding::Text, "a".repeat(40 * 1024))).is_ok());
    let err = check(
        &cf,
        with_body(BodyEncoding::Text, "a".repeat(40 * 1024 + 1)),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ValidationError::TooLarge { limit: 40960, .. }
    ));
    assert!(check(&cf, with_body(BodyEncoding::Base64, "QUFB".repeat(13_000))).is_ok());
    let err = check(&cf, with_body(BodyEncoding::Base64, "QUFB".repeat(14_000))).unwrap_err();
    assert!(matches!(
        err,
        ValidationError::TooLarge { limit: 54476, .. }
    ));
}

#[test]
fn only_origin_request_may_change_the_origin() {
    let or = event(EventType::OriginRequest);
    let s3 = json!({ "s3": { "authMethod": "none", "customHeaders": {}, "domainName": "assets.s3.amazonaws.com", "path": "" } });
    let mut changed = request_with(&or, |_| {});
    changed["origin"] = s3.clone();
    assert!(check(&or, changed).is_ok());
    let vr = event(EventType::ViewerRequest);
    let mut changed = request_with(&vr, |_| {});
    changed["origin"] = s3;
    assert_eq!(
        check(&vr, changed).unwrap_err(),
        ValidationError::OriginNotAllowed {
            event_type: EventType::ViewerRequest
        }
    );
}

#[test]
fn an_unchanged_origin_is_not_revalidated() {
    // The fixture's origin is an IP, which a handler could not set (§1) but config may.
    let or = event(EventType::OriginRequest);
    assert!(check(&or, request_with(&or, |r| r.uri = "/other".into())).is_ok());
}

#[test]
fn origin_response_may_change_status_but_viewer_response_may_not() {
    let ores = event(EventType::OriginResponse);
    let via = json!({ "via": [{ "key": "Via", "value": "1.1 origin" }] });
    assert!(check(&ores, json!({ "status": "503", "headers": via })).is_ok());
    let vres = event(EventType::ViewerResponse);
    let err = check(&vres, json!({ "status": "404", "headers": via })).unwrap_err();
    assert!(matches!(err, ValidationError::StatusChanged { .. }));
    assert!(check(
        &vres,
        json!({ "status": "200", "headers": via, "body": "hi" })
    )
    .is_ok());
}

#[test]
fn response_events_keep_their_read_only_headers() {
    let ores = event(EventType::OriginResponse);
    let err = check(&ores, json!({ "status": "200", "headers": {} })).unwrap_err();
    assert_eq!(
        err,
        ValidationError::ReadOnlyHeader {
            header: "via".into(),
            event_type: EventType::OriginResponse
        }
    );
    let vres = event(EventType::ViewerResponse);
    let err = check(
        &vres,
        json!({ "status": "200", "headers": {
        "via": [{ "value": "1.1 origin" }], "warning": [{ "value": "199 x" }] } }),
    )
    .unwrap_err();
    assert!(matches!(err, ValidationError::ReadOnlyHeader { .. }));
}

#[test]
fn a_request_result_is_refused_on_response_events() {
    let cf = event(EventType::OriginResponse);
    let err = validate_result(&cf, &HandlerResult::Request(cf.request.clone())).unwrap_err();
    assert!(matches!(err, ValidationError::InvalidShape { .. }));
}
