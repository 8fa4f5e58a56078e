//! Why CloudFront refuses a handler's result: each variant is a 502 `LambdaValidationError`
//! (spec/lambda-edge.md §7), and says which field, header, value or limit is at fault so the
//! proxy can log it.

use std::fmt;

use super::event::EventType;

/// A handler result CloudFront would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationError {
    /// The result is not JSON.
    InvalidJson {
        /// The parser's complaint, with its position.
        reason: String,
    },
    /// The result is JSON but not a request or response object (a missing `status`, a field of
    /// the wrong type, an unknown enum value…).
    InvalidShape {
        /// What is wrong, naming the field.
        reason: String,
    },
    /// A read-only field changed, e.g. `method`, `clientIp` or `querystring` where it is fixed.
    ReadOnlyField {
        /// The field, e.g. `request.method`.
        field: &'static str,
        /// The trigger.
        event_type: EventType,
    },
    /// A disallowed header was added, changed or removed (cloudfront-functions.md §10).
    DisallowedHeader {
        /// Lowercase header name.
        header: String,
    },
    /// A header read-only for this trigger was added, changed or removed (§8).
    ReadOnlyHeader {
        /// Lowercase header name.
        header: String,
        /// The trigger.
        event_type: EventType,
    },
    /// A header's name or value is malformed.
    InvalidHeader {
        /// The header name as given.
        header: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The new `uri` is malformed.
    InvalidUri {
        /// The URI as given.
        uri: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The new query string contains a space, a control character or `#` (§8).
    InvalidQueryString {
        /// The query string as given.
        querystring: String,
    },
    /// URI plus query string reach 8,192 characters (§8).
    UriTooLong {
        /// Characters of `uri` plus `querystring`.
        length: usize,
    },
    /// `status` is not a number from 200 to 599 (§3).
    InvalidStatus {
        /// The status as given.
        status: String,
    },
    /// A viewer-response handler changed the status (§4).
    StatusChanged {
        /// The status CloudFront passed in.
        from: String,
        /// The status the handler returned.
        to: String,
    },
    /// A 204 response with a body (§3; RFC 9110 §15.3.5).
    BodyNotAllowed {
        /// The status.
        status: u16,
    },
    /// A body is not valid in its declared encoding.
    InvalidBody {
        /// Which body, e.g. `response.body`.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A generated response or replacement body exceeds its limit (§6).
    TooLarge {
        /// What is too large, e.g. `generated response (headers + body)`.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes for this trigger.
        limit: usize,
    },
    /// A changed `request.origin` has a bad value (§1, the `origin.custom` / `origin.s3` rules).
    InvalidOrigin {
        /// The field, e.g. `origin.custom.port`.
        field: String,
        /// The value as given.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// `request.origin` set or changed outside origin-request (§4).
    OriginNotAllowed {
        /// The trigger.
        event_type: EventType,
    },
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ValidationError::*;
        match self {
            InvalidJson { reason } => write!(f, "the result is not valid JSON: {reason}"),
            InvalidShape { reason } => write!(f, "the result has an invalid structure: {reason}"),
            ReadOnlyField { field, event_type } => {
                write!(f, "`{field}` is read-only on {event_type} but was changed")
            }
            DisallowedHeader { header } => {
                write!(f, "header `{header}` is disallowed and may not be added, changed or removed")
            }
            ReadOnlyHeader { header, event_type } => write!(
                f,
                "header `{header}` is read-only on {event_type} and may not be added, changed or removed"
            ),
            InvalidHeader { header, reason } => write!(f, "header `{header}`: {reason}"),
            InvalidUri { uri, reason } => write!(f, "uri `{uri}`: {reason}"),
            InvalidQueryString { querystring } => write!(
                f,
                "querystring `{querystring}` contains a space, a control character or `#`"
            ),
            UriTooLong { length } => write!(
                f,
                "uri plus querystring is {length} characters; the limit is 8191"
            ),
            InvalidStatus { status } => {
                write!(f, "status `{status}` is not a number from 200 to 599")
            }
            StatusChanged { from, to } => write!(
                f,
                "viewer-response may not change the status ({from} → {to})"
            ),
            BodyNotAllowed { status } => write!(f, "a {status} response may not have a body"),
            InvalidBody { field, reason } => write!(f, "`{field}`: {reason}"),
            TooLarge { what, size, limit } => {
                write!(f, "{what} is {size} bytes; the limit is {limit}")
            }
            InvalidOrigin { field, value, reason } => write!(f, "`{field}` = `{value}`: {reason}"),
            OriginNotAllowed { event_type } => {
                write!(f, "`request.origin` may only be changed on origin-request, not {event_type}")
            }
        }
    }
}

impl std::error::Error for ValidationError {}
