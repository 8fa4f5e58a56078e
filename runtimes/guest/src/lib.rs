//! Write localfront Lambda@Edge handlers in Rust.
//!
//! A handler is a WebAssembly component implementing the `localfront:edge/handler-with-init`
//! world (`runtimes/wasm/wit/handler.wit`). This crate gives it the typed Lambda@Edge event and
//! results — the same types the host validates against, re-exported from `localfront-events` —
//! and [`export_handler!`], which turns a function into the component's `handle` export:
//!
//! ```text
//! use localfront_guest::{export_handler, Cf, HandlerResult};
//!
//! fn add_hsts(cf: Cf) -> Result<HandlerResult, String> {
//!     let mut response = cf.response.ok_or("origin-response only")?;
//!     response.headers.set("Strict-Transport-Security", "max-age=63072000");
//!     Ok(response.into())
//! }
//!
//! export_handler!(add_hsts);
//! ```
//!
//! Build with `crate-type = ["cdylib"]` and `cargo build --release --target wasm32-wasip2`;
//! the `.wasm` in `target/wasm32-wasip2/release/` is the component. `println!`/`eprintln!`
//! lines are the invocation's logs.

// The generated bindings name this crate by its absolute path, which must also resolve inside it.
extern crate self as localfront_guest;

pub use localfront_events::lambda_edge::*;

mod run;

pub use run::{handle_json, no_init};

/// The `wit-bindgen` bindings of `localfront:edge/handler-with-init`, used by
/// [`export_handler!`]; not part of the API.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "handler-with-init",
        path: "../wasm/wit",
        pub_export_macro: true,
        export_macro_name: "export_world",
        default_bindings_module: "::localfront_guest::bindings",
        runtime_path: "::localfront_guest::__wit_bindgen::rt",
        // The WASI imports are there for the contract; handlers reach them through std.
        generate_all,
    });
}

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

/// Exports a handler as the component's `handle` (and `init`).
///
/// - `export_handler!(handle)` — `handle: fn(Cf) -> Result<R, E>` where `R: Into<HandlerResult>`
///   (a [`Request`], a [`Response`] or a [`HandlerResult`]) and `E: Display`. The event is
///   parsed and the result serialized for you; an `Err` is an unhandled error, CloudFront's
///   503 `LambdaExecutionError`.
/// - `export_handler!(handle, init = setup)` — also runs `setup: fn() -> Result<(), E>` once per
///   instance before its first event (Lambda's code outside the handler).
/// - `export_handler!(raw = handle)` / `export_handler!(raw = handle, init = setup)` —
///   `handle: fn(&str) -> Result<String, String>` gets the event JSON and returns the result
///   JSON untouched, for handlers that bring their own JSON.
#[macro_export]
macro_rules! export_handler {
    (raw = $handle:path, init = $init:path) => {
        struct LocalfrontEdgeHandler;

        impl $crate::bindings::Guest for LocalfrontEdgeHandler {
            fn handle(event: ::std::string::String) -> ::std::result::Result<::std::string::String, ::std::string::String> {
                $handle(&event)
            }

            fn init() -> ::std::result::Result<(), ::std::string::String> {
                $init().map_err(|e| ::std::string::ToString::to_string(&e))
            }
        }

        $crate::bindings::export_world!(LocalfrontEdgeHandler with_types_in $crate::bindings);
    };
    (raw = $handle:path) => {
        $crate::export_handler!(raw = $handle, init = $crate::no_init);
    };
    ($handle:path, init = $init:path) => {
        fn localfront_edge_handle_json(
            event: &str,
        ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
            $crate::handle_json(event, $handle)
        }

        $crate::export_handler!(raw = localfront_edge_handle_json, init = $init);
    };
    ($handle:path) => {
        $crate::export_handler!($handle, init = $crate::no_init);
    };
}
