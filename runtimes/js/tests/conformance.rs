//! Conformance functions of `examples/functions/` through TestFunction, compared with golden
//! `FunctionOutput`s (spec §11: parsed output, not key order), and through live invocations where
//! TestFunction hides something (origin changes, validation).

mod support;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use localfront_events::cff::{self, OriginChange, Output};
use localfront_js::{
    EdgeLocation, FileKeyValueStore, FunctionSource, Functions, InvokeOptions, KeyValueStore,
    TestFunctionOptions,
};
use serde_json::json;
use support::*;

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);

#[test]
fn url_rewrite_appends_index_html() {
    let options = TestFunctionOptions::default();
    let event = request_event(
        "/docs/guide",
        json!({}),
        json!({"host": {"value": "example.org"}}),
        json!({}),
    );
    let result = run_test(&source("url-rewrite.js"), &event, &options);
    assert_eq!(
        output(&result),
        json!({"request": {"method": "GET", "uri": "/docs/guide/index.html", "querystring": {},
            "headers": {"host": {"value": "example.org"}}, "cookies": {}}})
    );
    let summary = &result["FunctionSummary"];
    assert_eq!(summary["Name"], "url-rewrite");
    assert_eq!(summary["FunctionConfig"]["Runtime"], "cloudfront-js-2.0");
    assert_eq!(
        summary["FunctionMetadata"]["FunctionARN"],
        "arn:aws:cloudfront::111122223333:function/url-rewrite"
    );
    assert_eq!(summary["FunctionMetadata"]["Stage"], "DEVELOPMENT");
    assert!(
        result["ComputeUtilization"]
            .as_str()
            .unwrap()
            .parse::<u8>()
            .unwrap()
            <= 100
    );
    assert_eq!(result["FunctionExecutionLogs"], json!([]));
}

#[test]
fn redirect_generates_a_response_with_the_raw_query() {
    let event = request_event(
        "/shop",
        json!({"a": {"value": "1"}, "b": {"value": "x y"}}),
        json!({"host": {"value": "example.org"}}),
        json!({}),
    );
    let result = run_test(
        &source("redirect.js"),
        &event,
        &TestFunctionOptions::default(),
    );
    assert_eq!(
        output(&result),
        json!({"response": {"statusCode": 301, "statusDescription": "Moved Permanently",
            "headers": {"location": {"value": "https://www.example.org/shop?a=1&b=x y"},
                        "cache-control": {"value": "max-age=3600"}},
            "cookies": {}}})
    );
}

#[test]
fn security_headers_are_added_on_viewer_response() {
    let event = json!({
        "context": {"eventType": "viewer-response"},
        "request": {"method": "GET", "uri": "/"},
        "response": {"statusCode": 200, "statusDescription": "OK",
            "headers": {"x-powered-by": {"value": "php"}, "content-type": {"value": "text/html"}},
            "cookies": {"id": {"value": "1", "attributes": "Path=/"}}}
    });
    let result = run_test(
        &source("security-headers.js"),
        &event,
        &TestFunctionOptions::default(),
    );
    assert_eq!(
        output(&result),
        json!({"response": {"statusCode": 200, "statusDescription": "OK",
            "headers": {"content-type": {"value": "text/html"},
                "strict-transport-security": {"value": "max-age=63072000; includeSubDomains; preload"},
                "x-content-type-options": {"value": "nosniff"}, "x-frame-options": {"value": "DENY"},
                "referrer-policy": {"value": "same-origin"},
                "content-security-policy": {"value": "default-src 'self'"}},
            "cookies": {"id": {"value": "1", "attributes": "Path=/"}}}})
    );
}

#[test]
fn ab_cookie_assigns_a_stable_group() {
    let event = request_event("/index.html", json!({}), json!({}), json!({}));
    let result = run_test(
        &source("ab-cookie.js"),
        &event,
        &TestFunctionOptions::default(),
    );
    // md5("198.51.100.20")[0] is even: group a.
    assert_eq!(
        output(&result),
        json!({"request": {"method": "GET", "uri": "/index.html", "querystring": {}, "headers": {},
            "cookies": {"ab": {"value": "a"}}}})
    );
    assert_eq!(
        result["FunctionExecutionLogs"],
        json!(["ab group a for 198.51.100.20"])
    );
    let event = request_event(
        "/index.html",
        json!({}),
        json!({}),
        json!({"ab": {"value": "b"}}),
    );
    let out = output(&run_test(
        &source("ab-cookie.js"),
        &event,
        &TestFunctionOptions::default(),
    ));
    assert_eq!(out["request"]["uri"], "/b/index.html");
}

#[test]
fn query_normalisation_returns_the_string_form() {
    let event = request_event(
        "/list",
        json!({"Zeta": {"value": "1"}, "utm_source": {"value": "x"}, "tag": {"value": "red",
            "multiValue": [{"value": "red"}, {"value": "blue"}]}, "fbclid": {"value": "abc"}}),
        json!({}),
        json!({}),
    );
    let out = output(&run_test(
        &source("query-normalise.js"),
        &event,
        &TestFunctionOptions::default(),
    ));
    assert_eq!(out["request"]["querystring"], "zeta=1&tag=red&tag=blue");
}

fn jwt(payload: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let body = b64.encode(payload);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"localfront-example-secret").unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    format!("{head}.{body}.{}", b64.encode(mac.finalize().into_bytes()))
}

#[test]
fn jwt_check_verifies_hmac_and_expiry_at_the_frozen_date() {
    let f = Functions::new(vec![source("jwt-check.js")]).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let options = InvokeOptions {
        now: Some(now),
        ..Default::default()
    };
    let run = |token: &str| {
        let mut event = cff::Event {
            version: "1.0".into(),
            context: cff::EventContext {
                distribution_domain_name: None,
                endpoint: None,
                distribution_id: None,
                event_type: cff::EventType::ViewerRequest,
                request_id: None,
            },
            viewer: cff::Viewer {
                ip: "127.0.0.1".into(),
            },
            request: cff::Request {
                method: "GET".into(),
                uri: "/private".into(),
                querystring: Default::default(),
                headers: Default::default(),
                cookies: Default::default(),
                raw_query: None,
            },
            response: None,
        };
        event.request.cookies.append("token", token);
        f.invoke("jwt-check", &event, &options).unwrap()
    };
    let ok = run(&jwt(r#"{"sub":"alice","exp":1700000060}"#));
    let Output::Request(r) = &ok.output else {
        panic!("{ok:?}")
    };
    assert_eq!(r.headers.first("x-user"), Some("alice"));
    let expired = run(&jwt(r#"{"sub":"alice","exp":1699999999}"#));
    assert!(matches!(&expired.output, Output::Response(r) if r.status_code == 401));
    assert_eq!(expired.logs, vec!["denied: expired"]);
    let forged = run(&format!("{}x", jwt(r#"{"sub":"bob","exp":1700000060}"#)));
    assert_eq!(forged.logs, vec!["denied: bad signature"]);
}

fn store() -> Arc<FileKeyValueStore> {
    Arc::new(
        FileKeyValueStore::from_json(
            "redirects",
            "redirects.json",
            br#"{"data":[{"key":"/old","value":"/new"},{"key":"config","value":"{\"enabled\":true}"}]}"#,
        )
        .unwrap(),
    )
}

#[test]
fn kvs_lookups_resolve_and_reject_like_cloudfront() {
    let store = store();
    let options = TestFunctionOptions {
        kvs: Some(("redirects".into(), store.clone() as Arc<dyn KeyValueStore>)),
        ..Default::default()
    };
    let event = request_event("/old", json!({}), json!({}), json!({}));
    let result = run_test(&source("kvs-redirects.js"), &event, &options);
    assert_eq!(
        output(&result),
        json!({"response": {"statusCode": 302, "statusDescription": "Found",
            "headers": {"location": {"value": "/new"}}, "cookies": {}}})
    );
    assert_eq!(
        result["FunctionExecutionLogs"],
        json!(["redirect /old -> /new (2 keys)"])
    );
    assert_eq!(
        result["FunctionSummary"]["FunctionConfig"]["KeyValueStoreAssociations"]["Items"][0]
            ["KeyValueStoreARN"],
        "arn:aws:cloudfront::111122223333:key-value-store/redirects"
    );
    // A live change is seen by the next run.
    store.put("/old", "/newer").unwrap();
    let result = run_test(&source("kvs-redirects.js"), &event, &options);
    assert_eq!(
        output(&result)["response"]["headers"]["location"]["value"],
        "/newer"
    );
    let miss = run_test(
        &source("kvs-redirects.js"),
        &request_event("/other", json!({}), json!({}), json!({})),
        &options,
    );
    assert_eq!(miss["FunctionExecutionLogs"], json!(["miss: KeyNotFound"]));
}

#[test]
fn origin_helpers_return_typed_changes() {
    let f = Functions::new(vec![source("origin-select.js")]).unwrap();
    let options = InvokeOptions {
        edge_location: Some(EdgeLocation {
            name: "LCL50".into(),
            server_ip: "127.0.0.1".into(),
            region: "us-east-1".into(),
        }),
        ..Default::default()
    };
    let event: cff::Event =
        serde_json::from_value(request_event("/api/users", json!({}), json!({}), json!({})))
            .unwrap();
    let inv = f.invoke("origin-select", &event, &options).unwrap();
    assert_eq!(inv.logs, vec!["edge LCL50 us-east-1"]);
    let Output::Request(r) = inv.output else {
        panic!()
    };
    assert_eq!(r.origin_changes[0], OriginChange::SelectById("api".into()));
    let OriginChange::CreateGroup(g) = &r.origin_changes[1] else {
        panic!()
    };
    assert_eq!(g.origin_ids, vec!["api", "api-backup"]);
    assert_eq!(g.failover_status_codes, vec![502, 503]);

    let event: cff::Event = serde_json::from_value(request_event(
        "/",
        json!({"beta": {"value": "1"}}),
        json!({}),
        json!({}),
    ))
    .unwrap();
    let Output::Request(r) = f.invoke("origin-select", &event, &options).unwrap().output else {
        panic!()
    };
    let OriginChange::Update(u) = &r.origin_changes[0] else {
        panic!()
    };
    assert_eq!(u.domain_name.as_deref(), Some("beta.internal.example"));
    assert_eq!(
        u.custom_headers,
        Some(vec![("x-beta".into(), "yes".into())])
    );
    assert_eq!(u.timeouts.as_ref().unwrap().connection_timeout, Some(2));
}

#[test]
fn runtime_1_0_has_byte_strings_and_no_buffer() {
    let event = request_event("/a", json!({}), json!({}), json!({}));
    let out = output(&run_test(
        &source_1_0("legacy-1.0.js"),
        &event,
        &TestFunctionOptions::default(),
    ));
    // sha1("/a") starts with 4f0a0b3a… ; bytesFrom('6869', 'hex') is "hi".
    let value = out["request"]["headers"]["x-fingerprint"]["value"]
        .as_str()
        .unwrap();
    assert!(value.ends_with("-hi") && value.len() == 11, "{value}");
    let no_buffer = FunctionSource::new(
        "b",
        "function handler(e) { return typeof Buffer === 'undefined' ? e.request : null }",
    )
    .with_runtime(localfront_js::JsRuntime::CloudfrontJs1);
    output(&run_test(
        &no_buffer,
        &event,
        &TestFunctionOptions::default(),
    ));
}

#[test]
fn exceptions_and_invalid_results_are_typed() {
    let f = Functions::new(vec![
        FunctionSource::new(
            "throws",
            "function handler(e) { console.log('before'); null.x; }",
        ),
        FunctionSource::new("event", "function handler(e) { return e }"),
        FunctionSource::new(
            "host",
            "function handler(e) { e.request.headers.host = {value: 'x'}; return e.request }",
        ),
        FunctionSource::new("eval", "function handler(e) { return eval('e.request') }"),
    ])
    .unwrap();
    let event: cff::Event = serde_json::from_value(request_event(
        "/",
        json!({}),
        json!({"host": {"value": "a"}}),
        json!({}),
    ))
    .unwrap();
    let e = f
        .invoke("throws", &event, &InvokeOptions::default())
        .unwrap_err();
    assert_eq!(
        (e.status(), e.x_cache()),
        (503, "FunctionExecutionError from cloudfront")
    );
    assert!(e.error_message().starts_with("TypeError: "), "{e}");
    assert_eq!(e.logs(), ["before"]);
    let e = f
        .invoke("event", &event, &InvokeOptions::default())
        .unwrap_err();
    assert_eq!(
        (e.status(), e.x_cache()),
        (502, "FunctionValidationError from cloudfront")
    );
    let e = f
        .invoke("host", &event, &InvokeOptions::default())
        .unwrap_err();
    assert!(e.error_message().contains("`host` is read-only"), "{e}");
    // TestFunction does not validate (§11).
    let test = InvokeOptions {
        test_mode: true,
        ..Default::default()
    };
    assert!(f.invoke("host", &event, &test).is_ok());
    let e = f
        .invoke("eval", &event, &InvokeOptions::default())
        .unwrap_err();
    assert!(e.error_message().starts_with("EvalError"), "{e}");
}

#[test]
fn load_errors_are_reported_for_every_function() {
    let errors = Functions::new(vec![
        FunctionSource::new("a", "export function handler(e) { return e.request }"),
        FunctionSource::new("b", "function nothandler(e) {}"),
        FunctionSource::new("c", "function handler(e) { return e.request "),
    ])
    .err()
    .unwrap();
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages[0],
        "function `a`:1:1: SyntaxError: Illegal export statement"
    );
    assert!(
        messages[1].contains("handler is not defined"),
        "{messages:?}"
    );
    assert!(
        messages[2].starts_with("function `c`: SyntaxError"),
        "{messages:?}"
    );
}

#[test]
fn no_state_survives_from_one_run_to_the_next() {
    // Each run gets a fresh top level: a counter in a global variable, a `let` cache and a
    // memoised object start over every time, as every CloudFront invocation does.
    let f = Functions::new(vec![FunctionSource::new(
        "counter",
        "var count = 0;\nlet seen = {};\nconst top = this === globalThis;\n\
         function handler(e) {\n  count++;\n  seen[e.request.uri] = (seen[e.request.uri] || 0) + 1;\n\
           e.request.headers['x-count'] = {value: count + '/' + seen[e.request.uri] + '/' + top};\n\
           return e.request;\n}",
    )])
    .unwrap();
    let event: cff::Event = serde_json::from_value(request_event(
        "/same",
        json!({}),
        json!({"host": {"value": "a"}}),
        json!({}),
    ))
    .unwrap();
    for _ in 0..3 {
        let Output::Request(r) = f
            .invoke("counter", &event, &InvokeOptions::default())
            .unwrap()
            .output
        else {
            panic!("expected a request")
        };
        assert_eq!(
            r.headers.get("x-count").map(|e| e.values.clone()),
            Some(vec!["1/1/true".to_owned()])
        );
    }
    // A top level that throws on a run is that run's execution error.
    let f = Functions::new(vec![FunctionSource::new(
        "late",
        "if (Date.now() > 4102444800000) { throw new Error('too late'); }\nfunction handler(e) { return e.request }",
    )])
    .unwrap();
    let options = InvokeOptions {
        now: Some(UNIX_EPOCH + Duration::from_secs(4_102_444_801)),
        ..Default::default()
    };
    let e = f.invoke("late", &event, &options).unwrap_err();
    assert_eq!(e.status(), 503);
    assert!(e.error_message().contains("too late"), "{e}");
}
