//! CloudFront Function event and result conversion (runtimes/js): an event from any JSON the event
//! model accepts goes into JavaScript and back out through an identity function, and any value a
//! function returns (here: any JSON text, parsed by the function) is converted and validated —
//! both end in an output or one of CloudFront's function errors, never a panic.
//!
//! Input: a mode byte (bit 0: event or result; bit 1: invoke on a fresh thread that then exits,
//! dropping its cached contexts, as tokio's blocking pool retires threads), then UTF-8 JSON.
//!
//! Under AddressSanitizer two of its defaults misfire on boa, so this target turns them off
//! itself (`__asan_default_options` below; `ASAN_OPTIONS` still overrides):
//!
//! - `detect_stack_use_after_return`: ASan then moves locals whose address is taken onto a "fake
//!   stack" on the heap. The native-stack budget (runtimes/js/src/budget.rs) measures the stack by
//!   the address of a local, so every run looked megabytes deep and even loading the functions
//!   failed with "exceeded its stack limit". Not a bug in the budget: on a real stack it holds.
//! - `detect_leaks`: boa NaN-boxes `JsValue`s (a pointer with tag bits in its high 16 bits), which
//!   LeakSanitizer cannot read as pointers, so every string held only by a JS value of garbage not
//!   yet collected is reported as leaked (seen: the event's header values, `event_js.rs`).
//!   Memory that really grows is still caught: by the memory budget, metered here as in the
//!   proxy, and by libFuzzer's `-rss_limit_mb`.
#![no_main]

use std::ffi::{c_char, CStr};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use localfront_events::cff;
use localfront_js::{
    Budgets, FunctionSource, Functions, InvokeOptions, MeteredAllocator, ThrottlePolicy,
};

// As the proxy binary: the memory budget is enforced only with the metering allocator.
#[global_allocator]
static ALLOC: MeteredAllocator = MeteredAllocator(std::alloc::System);

/// AddressSanitizer's defaults for this target (see the module docs); unused without ASan.
#[no_mangle]
pub extern "C" fn __asan_default_options() -> *const c_char {
    const OPTIONS: &CStr = c"detect_stack_use_after_return=0:detect_leaks=0";
    OPTIONS.as_ptr()
}

const ECHO_REQUEST: &str = "function handler(event) { return event.request; }";
const ECHO_RESPONSE: &str = "function handler(event) { return event.response; }";
const RETURN_JSON: &str =
    "function handler(event) { return JSON.parse(event.request.headers['x-result'].value); }";

fn functions() -> &'static Functions {
    static FUNCTIONS: OnceLock<Functions> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        // Sanitizer builds use bigger stack frames (redzones): give deep recursion room before
        // the budget stops it (libFuzzer runs inputs on the main thread, 8 MiB).
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
    if mode & 2 == 0 {
        convert(mode, text);
    } else {
        // Room for the 4 MiB stack budget (a thread's default stack is 2 MiB).
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(16 << 20)
                .spawn_scoped(s, || convert(mode, text))
                .expect("a thread");
        });
    }
});

fn convert(mode: u8, text: &str) {
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
}
