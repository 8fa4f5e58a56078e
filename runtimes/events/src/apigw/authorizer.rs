//! Lambda authorizers (spec/api-gateway.md §5): the payload 2.0 `REQUEST` event and the simple
//! response `{"isAuthorized": bool, "context": {…}}`.

use serde_json::{json, Map, Value};

use super::request::{payload_v2, ApiContext, ApiRequest};
use super::response::InvalidResponse;

/// A Lambda authorizer's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleResponse {
    /// `isAuthorized`.
    pub is_authorized: bool,
    /// `context`, passed on to the integration (`requestContext.authorizer.lambda`).
    pub context: Map<String, Value>,
}

/// The payload 2.0 authorizer event: the integration event's request fields (no body), with
/// `type: "REQUEST"`, `routeArn` and the `identitySource` values.
pub fn authorizer_event(req: &ApiRequest, cx: &ApiContext, identity_source: &[String]) -> Value {
    let mut event = payload_v2(req, cx);
    if let Value::Object(map) = &mut event {
        map.remove("body");
        map.remove("isBase64Encoded");
        map.insert("type".into(), json!("REQUEST"));
        let (method, path) = match cx.route_key.split_once(' ') {
            Some((m, p)) => (m, p),
            None => ("*", "/*"),
        };
        map.insert(
            "routeArn".into(),
            json!(format!(
                "arn:aws:execute-api:us-east-1:{}:{}/{}/{method}{path}",
                cx.account_id, cx.api_id, cx.stage
            )),
        );
        map.insert("identitySource".into(), json!(identity_source));
    }
    event
}

/// Interprets a simple response. Anything else (not JSON, no boolean `isAuthorized`, a
/// `context` that is not an object or holds `claims`) is an authorizer failure: API Gateway
/// answers 500.
pub fn interpret_simple_response(result: &str) -> Result<SimpleResponse, InvalidResponse> {
    let value: Value = serde_json::from_str(result)
        .map_err(|e| InvalidResponse(format!("authorizer result is not JSON: {e}")))?;
    let Some(is_authorized) = value.get("isAuthorized").and_then(Value::as_bool) else {
        return Err(InvalidResponse(
            "authorizer result has no boolean `isAuthorized`".into(),
        ));
    };
    let context = match value.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(InvalidResponse(
                "authorizer `context` is not an object".into(),
            ))
        }
    };
    if context.contains_key("claims") {
        return Err(InvalidResponse(
            "`claims` may not be a key of an authorizer's context".into(),
        ));
    }
    Ok(SimpleResponse {
        is_authorized,
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_responses() {
        let r = interpret_simple_response(r#"{"isAuthorized":true,"context":{"tenant":"t1"}}"#)
            .unwrap();
        assert!(r.is_authorized);
        assert_eq!(r.context["tenant"], "t1");
        assert!(
            !interpret_simple_response(r#"{"isAuthorized":false}"#)
                .unwrap()
                .is_authorized
        );
        for bad in [
            "nope",
            r#"{"isAuthorized":"yes"}"#,
            r#"{"isAuthorized":true,"context":[1]}"#,
            r#"{"isAuthorized":true,"context":{"claims":"x"}}"#,
        ] {
            assert!(interpret_simple_response(bad).is_err(), "{bad}");
        }
    }
}
