//! Threads that ran functions and then exit (tokio's blocking pool retires idle threads): each
//! thread's cached contexts are dropped while its boa collector still exists. The collector being
//! dropped first was a heap-use-after-free (AddressSanitizer reports it at once; without a
//! sanitizer it corrupts the heap, which glibc noticed only sometimes — "unaligned tcache chunk
//! detected" in the benchmark smoke run). Under `make fuzz` the `cff_conversion` target runs
//! invocations on exiting threads too, under AddressSanitizer.

use localfront_events::cff;
use localfront_js::{FunctionSource, Functions, InvokeOptions};

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);

const HANDLER: &str = "function handler(event) {
    var parts = [];
    for (var i = 0; i < 50; i++) parts.push({ value: 'v' + i });
    event.request.headers['x-parts'] = { value: String(parts.length) };
    return event.request;
}";

#[test]
fn threads_that_ran_functions_exit_cleanly() {
    let functions = Functions::new(vec![
        FunctionSource::new("a", HANDLER),
        FunctionSource::new("b", "function handler(event) { return event.request; }"),
    ])
    .expect("the functions load");
    let event: cff::Event = serde_json::from_str(
        r#"{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}"#,
    )
    .unwrap();
    for _ in 0..8 {
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for name in ["a", "b", "a"] {
                        functions
                            .invoke(name, &event, &InvokeOptions::default())
                            .expect("the function runs");
                    }
                });
            }
        });
    }
    let out = functions
        .invoke("a", &event, &InvokeOptions::default())
        .expect("the function runs after the threads exited");
    let cff::Output::Request(request) = out.output else {
        panic!("a request comes back: {:?}", out.output);
    };
    assert_eq!(request.headers.first("x-parts"), Some("50"));
}
