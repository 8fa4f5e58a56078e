//! The glue between the component's string exports and a typed handler.

use std::fmt::Display;

use localfront_events::lambda_edge::{Cf, Event, HandlerResult};

/// Parses `event_json`, runs `handler` on `Records[0].cf` and serializes its result: what
/// [`export_handler!`](crate::export_handler) calls for a typed handler.
///
/// An event that does not parse is an `Err` (a 503 `LambdaExecutionError`), as a Node.js
/// handler throwing on it would be.
pub fn handle_json<R, E>(
    event_json: &str,
    handler: impl FnOnce(Cf) -> Result<R, E>,
) -> Result<String, String>
where
    R: Into<HandlerResult>,
    E: Display,
{
    let event: Event = serde_json::from_str(event_json)
        .map_err(|e| format!("localfront-guest: the event does not parse: {e}"))?;
    let cf = event
        .into_cf()
        .ok_or("localfront-guest: the event has no record")?;
    let result: HandlerResult = handler(cf).map_err(|e| e.to_string())?.into();
    serde_json::to_string(&result).map_err(|e| format!("localfront-guest: {e}"))
}

/// The `init` of a handler exported without one: nothing to do.
pub fn no_init() -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use localfront_events::lambda_edge::Response;

    const EVENT: &str = r#"{"Records":[{"cf":{
        "config":{"distributionDomainName":"d.cloudfront.net","distributionId":"E1","eventType":"viewer-request","requestId":"r"},
        "request":{"clientIp":"203.0.113.9","method":"GET","uri":"/","querystring":"","headers":{}}}}]}"#;

    #[test]
    fn a_typed_handler_gets_cf_and_returns_bare_json() {
        let out = handle_json(EVENT, |cf| -> Result<_, String> {
            let mut r = Response::new(302);
            r.headers
                .set("Location", format!("https://example.org{}", cf.request.uri));
            Ok(r)
        })
        .expect("handler runs");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["status"], "302");
        assert_eq!(v["headers"]["location"][0]["value"], "https://example.org/");
    }

    #[test]
    fn handler_errors_and_bad_events_are_errors() {
        let err = handle_json(EVENT, |_| Err::<HandlerResult, _>("boom")).unwrap_err();
        assert_eq!(err, "boom");
        assert!(handle_json("{}", |cf| Ok::<_, String>(cf.request)).is_err());
    }
}
