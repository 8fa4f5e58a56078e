//! localfront's in-process origins.
//!
//! This crate knows nothing of CloudFront's hooks (functions, cache
//! policies, failover): it only answers HTTP. The proxy serves the
//! in-process origins — a local directory answering like an S3 bucket, an
//! echo origin for demos and debugging, and API Gateway HTTP APIs with their
//! HTTP and Lambda (WebAssembly) integrations — as real HTTP/1.1 services on a
//! Unix socket, so every origin kind looks the same to pingora and caching,
//! failover and the viewer/origin hooks run on one code path.

mod apigw;
#[doc(hidden)]
pub mod bench_api;
mod body;
mod echo;
mod issuer;
mod s3;
mod serve;

pub use apigw::{ApiCounters, ApiGateway, ROUTE_KEY_HEADER};
pub use body::OriginBody;
pub use echo::Echo;
pub use issuer::{LocalIssuer, LocalIssuers, TokenRequest};
pub use s3::S3Directory;
pub use serve::{serve_tcp, serve_unix, InProcessOrigin};
