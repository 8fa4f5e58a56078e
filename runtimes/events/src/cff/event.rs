//! The event a function receives (§2): `version`, `context`, `viewer`, `request` and, on
//! viewer-response, `response`. The serde form accepts `aws cloudfront test-function` events with
//! their quirks: only `context.eventType` is required, the other context fields, `viewer`,
//! `querystring`, `headers` and `cookies` may be omitted (§2, §11).

use serde::{Deserialize, Serialize};

use super::values::{SetCookieMap, ValueMap};

/// Which viewer event a function runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// Before the cache lookup; may return the request or a generated response.
    #[serde(rename = "viewer-request")]
    ViewerRequest,
    /// Before the response goes to the viewer; returns the response.
    #[serde(rename = "viewer-response")]
    ViewerResponse,
}

impl EventType {
    /// The name used in `context.eventType`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ViewerRequest => "viewer-request",
            EventType::ViewerResponse => "viewer-response",
        }
    }
}

/// `event.context` (§2). Test events may omit everything but `eventType`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventContext {
    /// The distribution's `*.cloudfront.net` name (standard distributions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_domain_name: Option<String>,
    /// The connection-group domain of a multi-tenant distribution, instead of the domain name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The distribution id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_id: Option<String>,
    /// `viewer-request` or `viewer-response`.
    pub event_type: EventType,
    /// Identifies the request/response pair; localfront reuses it as `X-Amz-Cf-Id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `event.viewer`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// The connecting peer's address.
    #[serde(default)]
    pub ip: String,
}

/// `event.request` (§2, §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The method; the only read-only request field.
    pub method: String,
    /// The path, starting with `/`.
    pub uri: String,
    /// Query parameters, values still percent-encoded as sent (§4); `{}` without a query string.
    #[serde(default)]
    pub querystring: ValueMap,
    /// Headers with lowercase names, without `cookie`.
    #[serde(default)]
    pub headers: ValueMap,
    /// The parsed `Cookie` header.
    #[serde(default)]
    pub cookies: ValueMap,
    /// The query exactly as received, without `?`: `Some("")` for a bare `?`, `None` without one.
    /// Backs `request.rawQueryString()` (§4); not part of the JSON shape.
    #[serde(skip)]
    pub raw_query: Option<String>,
}

/// `event.response` on viewer-response (§5). `body` is never populated on input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The status code.
    pub status_code: u16,
    /// The reason phrase.
    #[serde(default)]
    pub status_description: String,
    /// Headers with lowercase names, without `set-cookie`.
    #[serde(default)]
    pub headers: ValueMap,
    /// The `Set-Cookie` headers, parsed.
    #[serde(default)]
    pub cookies: SetCookieMap,
}

/// The whole event object (§2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Always `"1.0"`.
    #[serde(default = "default_version")]
    pub version: String,
    /// Distribution and event identification.
    pub context: EventContext,
    /// The viewer.
    #[serde(default)]
    pub viewer: Viewer,
    /// The viewer's request.
    pub request: Request,
    /// The response, on viewer-response only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

fn default_version() -> String {
    "1.0".to_owned()
}

impl Event {
    /// The event type from `context.eventType`.
    pub fn event_type(&self) -> EventType {
        self.context.event_type
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_test_event_parses() {
        let e: Event = serde_json::from_str(
            r#"{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}"#,
        )
        .unwrap();
        assert_eq!(e.version, "1.0");
        assert_eq!(e.event_type(), EventType::ViewerRequest);
        assert!(e.request.querystring.is_empty());
        assert!(e.context.request_id.is_none());
    }
}
