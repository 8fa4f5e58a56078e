//! The CloudFront Functions event and result model (spec/cloudfront-functions.md §2–§5, §8): what a
//! viewer-request or viewer-response function receives, what it may hand back, and the origin
//! changes its `cloudfront` helpers ask for.
//!
//! Plain Rust data shared by `runtimes/js` (which builds the JavaScript event natively from it and
//! reads the function's result back into it) and the proxy (which builds events from HTTP messages
//! and applies results). The serde forms are the JSON shapes of `aws cloudfront test-function`
//! events and `FunctionOutput` (§11).

mod event;
mod http;
mod origin;
mod output;
mod values;

pub use event::{Event, EventContext, EventType, Request, Response, Viewer};
pub use http::{
    cookie_header, parse_cookie_header, parse_query_string, parse_set_cookie, serialize_query,
    set_cookie_header_values, title_case_header,
};
pub use origin::{
    CustomOriginConfig, OriginAccessControlConfig, OriginChange, OriginGroupRequest, OriginShield,
    OriginTimeouts, OriginUpdate,
};
pub use output::{Body, BodyEncoding, Output, QueryString, RequestOutput, ResponseOutput};
pub use values::{SetCookie, SetCookieEntry, SetCookieMap, ValueEntry, ValueMap};
