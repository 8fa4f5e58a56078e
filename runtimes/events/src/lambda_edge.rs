//! Lambda@Edge's event and result contract (spec/lambda-edge.md), shared by the wasm runtime
//! (`runtimes/wasm`), the guest SDK (`runtimes/guest`) and the proxy.
//!
//! - [`Event`] is `{"Records":[{"cf":…}]}` exactly as AWS builds it for the four event types:
//!   `config`, `request` (with `clientIp`, lowercase headers → `[{key, value}]`, the raw query
//!   string, `body` with IncludeBody, `origin` on origin events) and `response` on response
//!   events, its `status` a string.
//! - [`HandlerResult`] is what a handler returns: the request, or a response.
//! - [`check_result`] parses a handler's JSON result and applies CloudFront's validation rules
//!   (§3, §4, §6, §8); a [`ValidationError`] is CloudFront's 502 `LambdaValidationError`.
//!
//! The proxy builds events and applies results; this module only knows the shapes and rules.

mod error;
mod event;
mod headers;
mod limits;
mod origin;
mod result;
mod validate;

pub use error::ValidationError;
pub use event::{
    BodyAction, BodyEncoding, Cf, CfConfig, Event, EventType, Record, Request, RequestBody,
    Response,
};
pub use headers::{is_token, title_case, Header, Headers};
pub use limits::{body_input_limit, generated_response_limit, replaced_body_limit};
pub use origin::{CustomOrigin, Origin, S3Origin};
pub use result::{check_result, parse_result, HandlerResult};
pub use validate::validate_result;

#[cfg(test)]
mod tests;
