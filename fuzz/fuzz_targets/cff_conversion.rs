//! CloudFront Function event and result conversion (runtimes/js): an event from any JSON the event
//! model accepts goes into JavaScript and back out through an identity function, and any value a
//! function returns (here: any JSON text, parsed by the function) is converted and validated —
//! both end in an output or one of CloudFront's function errors, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use localfront_events::cff;
use localfront_js::{Budgets, FunctionSource, Functions, InvokeOptions, ThrottlePolicy};

const ECHO_REQUEST: &str = "function handler(event) { return event.request; }";
const ECHO_RESPONSE: &str = "function handler(event) { return event.response; }";
const RETURN_JSON: &str =
    "function handler(event) { return JSON.parse(event.request.headers['x-result'].value); }";

fn functions() -> &'static Functions {
    static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        // Sanitizer builds use far bigger stack frames: give the run room (libFuzzer's thread has
        // 8 MiB), or even loading trips the native-stack budget.
        let budgets = Budgets {
            max_stack: 4 << 20,
            ..Budgets::default()
        };
        Functions::with_budgets(
            vec![
                FunctionSource::new("echo-request", ECHO_REQUEST),
                FunctionSource::new("echo-response", ECHO_RESPONSE),
                FunctionSource::new("return-json", RETURN_JSON),
            ],
            budgets,
            ThrottlePolicy::default(),
        )
        .expect("the fuzz functions load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let options = InvokeOptions::default();
    if mode % 2 == 0 {
        // The event: whatever the event model parses goes through JavaScript and back.
        let Ok(event) = serde_json::from_str::<cff::Event>(text) else {
            return;
        };
        let name = match event.event_type() {
            cff::EventType::ViewerRequest => "echo-request",
            cff::EventType::ViewerResponse => "echo-response",
        };
        let _ = functions().invoke(name, &event, &options);
    } else {
        // The result: any JSON value a function returns.
        let mut event: cff::Event = serde_json::from_str(
            r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"203.0.113.9"},
               "request":{"method":"GET","uri":"/","querystring":{},"headers":{},"cookies":{}}}"#,
        )
        .expect("fixture event");
        event.request.headers.append("x-result", text);
        let _ = functions().invoke("return-json", &event, &options);
    }
});
