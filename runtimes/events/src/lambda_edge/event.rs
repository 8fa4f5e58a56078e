//! The Lambda@Edge event, `Records[0].cf`, as AWS defines it (spec/lambda-edge.md §1, §2).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::headers::Headers;
use super::origin::Origin;

/// The event a handler receives: `{"Records": [{"cf": …}]}`. CloudFront always sends exactly
/// one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `Records`: one record per event.
    #[serde(rename = "Records")]
    pub records: Vec<Record>,
}

impl Event {
    /// The event CloudFront sends for `cf`: a single record.
    pub fn new(cf: Cf) -> Self {
        Self {
            records: vec![Record { cf }],
        }
    }

    /// `Records[0].cf`, the only record CloudFront sends; `None` for an event without records.
    pub fn cf(&self) -> Option<&Cf> {
        self.records.first().map(|r| &r.cf)
    }

    /// Consumes the event, returning `Records[0].cf`.
    pub fn into_cf(self) -> Option<Cf> {
        self.records.into_iter().next().map(|r| r.cf)
    }
}

/// One element of `Records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The CloudFront part of the record.
    pub cf: Cf,
}

/// `Records[0].cf`: config, request and, on response events, the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cf {
    /// Read-only facts about the distribution and the request.
    pub config: CfConfig,
    /// The viewer's request (viewer events) or the request toward the origin (origin events).
    /// Response events receive it too (§1).
    pub request: Request,
    /// The response: origin-response and viewer-response only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

/// `cf.config`, read-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CfConfig {
    /// The distribution's domain name, e.g. `d111111abcdef8.cloudfront.net`.
    pub distribution_domain_name: String,
    /// The distribution id. AWS's prose says `distributionID`; its examples, and localfront,
    /// use `distributionId` (§1).
    pub distribution_id: String,
    /// Which trigger runs.
    pub event_type: EventType,
    /// The request id, also the `X-Amz-Cf-Id` header and the log's `x-edge-request-id`.
    pub request_id: String,
}

/// The four Lambda@Edge triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventType {
    /// Every viewer request, before the cache.
    ViewerRequest,
    /// Cache misses, before the origin is contacted.
    OriginRequest,
    /// After the origin answered (≥ 400 included), before the cache stores.
    OriginResponse,
    /// Before the response is sent to the viewer, cache hits included.
    ViewerResponse,
}

impl EventType {
    /// The name CloudFront uses, e.g. `origin-request`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ViewerRequest => "viewer-request",
            EventType::OriginRequest => "origin-request",
            EventType::OriginResponse => "origin-response",
            EventType::ViewerResponse => "viewer-response",
        }
    }

    /// Viewer events have the tighter limits: 5 s, 40 KB (§6).
    pub fn is_viewer(self) -> bool {
        matches!(self, EventType::ViewerRequest | EventType::ViewerResponse)
    }

    /// Request events may return the request or a generated response (§3).
    pub fn is_request(self) -> bool {
        matches!(self, EventType::ViewerRequest | EventType::OriginRequest)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `cf.request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The viewer's IP address, read-only.
    pub client_ip: String,
    /// The HTTP method, read-only.
    pub method: String,
    /// The path, starting with `/`; writable, without re-matching behavior or origin.
    pub uri: String,
    /// The raw query string without `?`, `""` if none; writable on request events.
    #[serde(default)]
    pub querystring: String,
    /// Request headers, lowercase names.
    #[serde(default)]
    pub headers: Headers,
    /// The body, only when the trigger sets IncludeBody (§2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RequestBody>,
    /// The origin, on origin events only; writable on origin-request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// `cf.request.body` (§2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestBody {
    /// Read-only: the body was cut at 40 KB (viewer) / 1 MB (origin).
    #[serde(default)]
    pub input_truncated: bool,
    /// `read-only` (edits ignored) or `replace`.
    #[serde(default)]
    pub action: BodyAction,
    /// How `data` is encoded; always `base64` on input.
    #[serde(default)]
    pub encoding: BodyEncoding,
    /// The body.
    #[serde(default)]
    pub data: String,
}

/// `body.action`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyAction {
    /// The default: CloudFront ignores changes to the body.
    #[default]
    ReadOnly,
    /// CloudFront sends `data` to the origin instead of the viewer's body.
    Replace,
}

/// A body's encoding: `body.encoding` of a request, `bodyEncoding` of a response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// Base64 of the bytes; the default of a request body, and always so on input.
    #[default]
    Base64,
    /// The body as text (UTF-8); the default of a generated response's body.
    Text,
}

/// `cf.response` on response events, and the response a handler returns or generates (§3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The status code **as a string**, e.g. `"200"`.
    pub status: String,
    /// The reason phrase; CloudFront's standard one when a generated response has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// Response headers, lowercase names.
    #[serde(default)]
    pub headers: Headers,
    /// A generated body; never present on input (no response body is exposed, §1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `text` (the default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_encoding: Option<BodyEncoding>,
}

impl Response {
    /// A response with `status` and nothing else, for handlers generating one.
    pub fn new(status: u16) -> Self {
        Self {
            status: status.to_string(),
            status_description: None,
            headers: Headers::default(),
            body: None,
            body_encoding: None,
        }
    }
}
