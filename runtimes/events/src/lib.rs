//! Event models shared by localfront's runtimes (`runtimes/js`, `runtimes/wasm`) and the proxy:
//! the shapes CloudFront hands to edge code and the results it accepts back.

pub mod apigw;
pub mod cff;
mod disallowed;
pub mod lambda_edge;

pub use disallowed::is_disallowed_header;
pub use lambda_edge::is_token as is_header_token;
