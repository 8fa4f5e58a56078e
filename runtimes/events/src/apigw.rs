//! API Gateway HTTP API Lambda integration payloads (spec/api-gateway.md §2), shared by the API
//! origin (`origins/`), the wasm runtime and tests:
//!
//! - [`payload_v2`] and [`payload_v1`] build the event a function receives from a plain view of
//!   the request ([`ApiRequest`]) and its routing context ([`ApiContext`]);
//! - [`interpret_v2`] and [`interpret_v1`] turn what the function returned into the HTTP response
//!   API Gateway sends, or an error API Gateway answers 500 for;
//! - [`authorizer_event`] and [`interpret_simple_response`] do the same for Lambda authorizers
//!   (spec/api-gateway.md §5).

mod authorizer;
mod request;
mod response;

pub use authorizer::{authorizer_event, interpret_simple_response, SimpleResponse};
pub use request::{
    claim_string, payload_v1, payload_v2, request_time, ApiContext, ApiRequest, AuthorizerData,
};
pub use response::{interpret_v1, interpret_v2, InvalidResponse, LambdaResponse};
