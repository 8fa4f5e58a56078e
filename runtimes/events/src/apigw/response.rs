//! What a Lambda integration's result becomes (spec/api-gateway.md §2, the response table).

use base64::Engine as _;
use serde_json::{Map, Value};

/// The HTTP response API Gateway sends for a function's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaResponse {
    /// The status.
    pub status: u16,
    /// Headers in order, `set-cookie` once per cookie.
    pub headers: Vec<(String, String)>,
    /// The body bytes (decoded when `isBase64Encoded`).
    pub body: Vec<u8>,
}

/// A result API Gateway cannot turn into a response: it answers 500
/// `{"message":"Internal Server Error"}`. The text says why, for the logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Lambda proxy response: {0}")]
pub struct InvalidResponse(pub String);

fn invalid(why: impl Into<String>) -> InvalidResponse {
    InvalidResponse(why.into())
}

/// Interprets a payload 2.0 result: an object with `statusCode` is a structured response;
/// any other valid JSON is a 200 `application/json` body holding that value (a string
/// unquoted).
pub fn interpret_v2(result: &str) -> Result<LambdaResponse, InvalidResponse> {
    let value: Value =
        serde_json::from_str(result).map_err(|e| invalid(format!("not JSON: {e}")))?;
    match value {
        Value::Object(map) if map.contains_key("statusCode") => structured(&map, false),
        Value::String(text) => Ok(json_body(text.into_bytes())),
        _ => Ok(json_body(result.trim().as_bytes().to_vec())),
    }
}

/// Interprets a payload 1.0 result: `{statusCode, headers, multiValueHeaders, body,
/// isBase64Encoded}`, `statusCode` required. A name in both header maps takes the
/// `multiValueHeaders` values (localfront's pick, spec/api-gateway.md §2).
pub fn interpret_v1(result: &str) -> Result<LambdaResponse, InvalidResponse> {
    let value: Value =
        serde_json::from_str(result).map_err(|e| invalid(format!("not JSON: {e}")))?;
    match value {
        Value::Object(map) if map.contains_key("statusCode") => structured(&map, true),
        _ => Err(invalid(
            "payload format 1.0 needs an object with `statusCode`",
        )),
    }
}

fn json_body(body: Vec<u8>) -> LambdaResponse {
    LambdaResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body,
    }
}

fn structured(map: &Map<String, Value>, v1: bool) -> Result<LambdaResponse, InvalidResponse> {
    let status = match &map["statusCode"] {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .and_then(|s| u16::try_from(s).ok())
    .filter(|s| (100..=599).contains(s))
    .ok_or_else(|| {
        invalid(format!(
            "statusCode {} is not a status code",
            map["statusCode"]
        ))
    })?;

    let mut headers: Vec<(String, String)> = Vec::new();
    let multi = match map.get("multiValueHeaders") {
        Some(Value::Object(m)) if v1 => Some(m),
        None | Some(Value::Null) => None,
        Some(_) if !v1 => None, // not part of 2.0: ignored
        Some(other) => return Err(invalid(format!("multiValueHeaders is {other}"))),
    };
    match map.get("headers") {
        Some(Value::Object(h)) => {
            for (name, value) in h {
                let name = name.to_ascii_lowercase();
                if multi.is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case(&name))) {
                    continue;
                }
                headers.push((name, scalar(value, "headers")?));
            }
        }
        None | Some(Value::Null) => {}
        Some(other) => return Err(invalid(format!("headers is {other}"))),
    }
    if let Some(m) = multi {
        for (name, values) in m {
            let Value::Array(values) = values else {
                return Err(invalid(format!("multiValueHeaders.{name} is not an array")));
            };
            for v in values {
                headers.push((name.to_ascii_lowercase(), scalar(v, "multiValueHeaders")?));
            }
        }
    }
    if !v1 {
        match map.get("cookies") {
            Some(Value::Array(cookies)) => {
                for c in cookies {
                    headers.push(("set-cookie".into(), scalar(c, "cookies")?));
                }
            }
            None | Some(Value::Null) => {}
            Some(other) => return Err(invalid(format!("cookies is {other}"))),
        }
    }
    if !headers.iter().any(|(n, _)| n == "content-type") {
        // localfront (unconfirmed): HTTP APIs label a 2.0 body without a type as text, REST-style
        // 1.0 responses as JSON.
        let default = if v1 {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        };
        headers.push(("content-type".into(), default.into()));
    }
    let base64 = match map.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(invalid(format!("isBase64Encoded is {other}"))),
    };
    let body = match map.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if base64 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| invalid(format!("body is not base64: {e}")))?,
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => return Err(invalid(format!("body is {other}, not a string"))),
    };
    Ok(LambdaResponse {
        status,
        headers,
        body,
    })
}

/// A header or cookie value: a string, or a number or boolean written as text.
fn scalar(v: &Value, field: &str) -> Result<String, InvalidResponse> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(invalid(format!("a value of {field} is {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_values_without_status_code_are_json_bodies() {
        let r = interpret_v2("\"hi\"").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hi"[..]));
        assert_eq!(
            r.headers,
            [("content-type".into(), "application/json".into())]
        );
        assert_eq!(interpret_v2("42").unwrap().body, b"42");
        assert_eq!(interpret_v2("{\"a\":1}").unwrap().body, b"{\"a\":1}");
        assert!(interpret_v2("{nope").is_err());
    }

    #[test]
    fn v2_structured_with_cookies_and_base64() {
        let r = interpret_v2(
            r#"{"statusCode":201,"headers":{"X-A":"1"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true}"#,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"hi");
        assert_eq!(
            r.headers,
            [
                ("x-a".to_string(), "1".to_string()),
                ("set-cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
                ("content-type".into(), "text/plain; charset=utf-8".into()),
            ]
        );
        assert!(interpret_v2(r#"{"statusCode":"200"}"#).is_err());
        assert!(interpret_v2(r#"{"statusCode":200,"body":{"a":1}}"#).is_err());
    }

    #[test]
    fn v1_needs_a_status_code_and_prefers_multi_value_headers() {
        assert!(interpret_v1("\"hi\"").is_err());
        let r = interpret_v1(
            r#"{"statusCode":200,"headers":{"x-a":"1","x-b":"2"},"multiValueHeaders":{"x-a":["3","4"]},"body":"ok"}"#,
        )
        .unwrap();
        assert_eq!(
            r.headers,
            [
                ("x-b".to_string(), "2".to_string()),
                ("x-a".into(), "3".into()),
                ("x-a".into(), "4".into()),
                ("content-type".into(), "application/json".into()),
            ]
        );
    }
}
