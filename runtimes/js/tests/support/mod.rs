//! Shared by the integration tests: the example functions, events, and a TestFunction runner that
//! returns the parsed `FunctionOutput`.

#![allow(dead_code)]

use std::path::PathBuf;

use localfront_js::{test_function, FunctionSource, JsRuntime, TestFunctionOptions};
use serde_json::Value;

/// The code of `examples/functions/<name>`.
pub fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/functions")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A 2.0 function from an example file.
pub fn source(name: &str) -> FunctionSource {
    FunctionSource::new(name.trim_end_matches(".js"), example(name))
}

/// A 1.0 function from an example file.
pub fn source_1_0(name: &str) -> FunctionSource {
    source(name).with_runtime(JsRuntime::CloudfrontJs1)
}

/// The `TestResult` of running `source` on `event`.
pub fn run_test(source: &FunctionSource, event: &Value, options: &TestFunctionOptions) -> Value {
    let result = test_function(source, &event.to_string(), options).expect("event is valid");
    result["TestResult"].clone()
}

/// The parsed `FunctionOutput` of a successful TestFunction run; panics with the error otherwise.
pub fn output(result: &Value) -> Value {
    assert_eq!(result["FunctionErrorMessage"], "", "{result:#}");
    serde_json::from_str(result["FunctionOutput"].as_str().expect("a string")).expect("JSON")
}

/// A viewer-request test event.
pub fn request_event(uri: &str, querystring: Value, headers: Value, cookies: Value) -> Value {
    serde_json::json!({
        "version": "1.0",
        "context": { "eventType": "viewer-request" },
        "viewer": { "ip": "198.51.100.20" },
        "request": { "method": "GET", "uri": uri, "querystring": querystring, "headers": headers, "cookies": cookies }
    })
}
