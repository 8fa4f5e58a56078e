//! What the CloudFront Function benchmarks share: the URL-rewrite example and its viewer-request
//! event.

use localfront_events::cff;

/// The URL-rewrite example every function benchmark runs.
pub const CODE: &str = include_str!("../../../../examples/functions/url-rewrite.js");

/// The viewer-request event it runs on.
pub fn event() -> cff::Event {
    serde_json::from_str(
        r#"{"context":{"eventType":"viewer-request","distributionId":"EBENCH","requestId":"r1"},
            "viewer":{"ip":"127.0.0.1"},
            "request":{"method":"GET","uri":"/docs/guide","querystring":{"a":{"value":"1"}},
                       "headers":{"host":{"value":"example.org"},"accept":{"value":"*/*"}},
                       "cookies":{"s":{"value":"1"}}}}"#,
    )
    .expect("valid event")
}
