//! What a handler returns (spec/lambda-edge.md §3, §4): the request object it was given
//! (changed or not), or a response object — told apart, as CloudFront does, by `status`.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::error::ValidationError;
use super::event::{Cf, EventType, Request, Response};
use super::validate::validate_result;

/// A handler's result: the request to continue with, or a response (generated on request
/// events, the changed response on response events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HandlerResult {
    /// Continue with this request (request events only).
    Request(Request),
    /// Answer with this response.
    Response(Response),
}

impl From<Request> for HandlerResult {
    fn from(r: Request) -> Self {
        HandlerResult::Request(r)
    }
}

impl From<Response> for HandlerResult {
    fn from(r: Response) -> Self {
        HandlerResult::Response(r)
    }
}

/// Parses a handler's JSON result for a trigger of `event_type`, without validating values.
///
/// On request events an object with `status` is a generated response and anything else must
/// be a request; response events must return a response.
pub fn parse_result(event_type: EventType, json: &str) -> Result<HandlerResult, ValidationError> {
    /// The one thing to know before choosing the type: is there a top-level `status`?
    /// Deserializing just that (skipping the rest) avoids building a `serde_json::Value`.
    #[derive(Deserialize)]
    struct Probe {
        status: Option<IgnoredAny>,
    }
    // Most results are the request given back: when the text has no `"status"` at all (and no
    // `\u` escape that could spell one), skip the probe's extra pass over it. A text that does
    // not parse takes the probe's path below, which names what is wrong with it.
    if event_type.is_request() && !json.contains("\"status\"") && !json.contains("\\u") {
        if let Ok(request) = serde_json::from_str(json) {
            return Ok(HandlerResult::Request(request));
        }
    }
    let probe: Probe = serde_json::from_str(json).map_err(|e| {
        if e.is_data() {
            ValidationError::InvalidShape {
                reason: "expected a request or response object".into(),
            }
        } else {
            ValidationError::InvalidJson {
                reason: e.to_string(),
            }
        }
    })?;
    if !event_type.is_request() || probe.status.is_some() {
        parse_as(json, HandlerResult::Response, "response")
    } else {
        parse_as(json, HandlerResult::Request, "request")
    }
}

/// Parses `json` as a `T` (a request or a response, named `what` in the error).
fn parse_as<'a, T: Deserialize<'a>>(
    json: &'a str,
    wrap: fn(T) -> HandlerResult,
    what: &str,
) -> Result<HandlerResult, ValidationError> {
    serde_json::from_str(json)
        .map(wrap)
        .map_err(|e| ValidationError::InvalidShape {
            reason: format!("{what}: {e}"),
        })
}

/// Parses and validates a handler's JSON result against the event it answered: CloudFront's
/// 502 `LambdaValidationError` whenever this returns an error (§7).
pub fn check_result(event: &Cf, json: &str) -> Result<HandlerResult, ValidationError> {
    let result = parse_result(event.config.event_type, json)?;
    validate_result(event, &result)?;
    Ok(result)
}
