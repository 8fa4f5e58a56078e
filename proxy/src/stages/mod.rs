//! CloudFront's request lifecycle, one stage per step (spec/distribution.md §1). Each stage takes
//! plain data and returns a decision; `lifecycle.rs` maps pingora's phases onto them.

pub mod cache;
pub mod compress;
pub mod continuous_deployment;
pub mod edge_code;
pub mod errors;
pub mod exchange;
pub mod function_origins;
pub mod functions;
pub mod lambdas;
pub mod observe;
pub mod origin_request;
pub mod origin_response;
pub mod private_content;
pub mod request_body;
pub mod response_headers;
pub mod route;
pub mod viewer_headers;
pub mod viewer_response;
pub mod viewer_values;

use bytes::Bytes;

use crate::context::XCache;

/// A response CloudFront generates itself (redirects, errors), sent without contacting an origin.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Status code.
    pub status: u16,
    /// Headers besides the ones every response gets.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
    /// `X-Cache` to report.
    pub x_cache: XCache,
}
