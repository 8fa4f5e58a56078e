//! The Lambda integration event, payload formats 2.0 and 1.0 (spec/api-gateway.md §2).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

/// The request as API Gateway received it.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as received, stage segment included (`/dev/orders/7`).
    pub raw_path: String,
    /// The query string as received, without `?`.
    pub raw_query: String,
    /// Headers in arrival order, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// `HTTP/1.1`.
    pub protocol: String,
    /// The address of the TCP peer.
    pub source_ip: String,
}

/// What API Gateway knows of the request once routed.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// `111122223333`.
    pub account_id: String,
    /// The API id.
    pub api_id: String,
    /// `<api_id>.execute-api.<region>.amazonaws.com`.
    pub domain_name: String,
    /// The stage (`$default` or its name).
    pub stage: String,
    /// The matched route key (`GET /orders/{id}`, `$default`).
    pub route_key: String,
    /// The route's path (`/orders/{id}`), `$default` for the default route.
    pub resource_path: String,
    /// The request id (also sent back as `apigw-requestid`).
    pub request_id: String,
    /// When the request arrived.
    pub time: SystemTime,
    /// Path parameters, percent-encoded as received.
    pub path_parameters: Vec<(String, String)>,
    /// The stage's variables.
    pub stage_variables: Vec<(String, String)>,
    /// What the route's authorizer passed on, if the route has one.
    pub authorizer: Option<AuthorizerData>,
}

/// What an authorizer passes on to the integration (spec/api-gateway.md §2, §4–5).
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizerData {
    /// A JWT authorizer: the token's claims, each value a string as API Gateway renders it
    /// (see [`claim_string`]), and its scopes when the route requires scopes.
    Jwt {
        /// Claim name → string value (null claims left out).
        claims: Map<String, Value>,
        /// The token's scopes, `None` when the route has no `authorization_scopes`.
        scopes: Option<Vec<String>>,
    },
    /// A Lambda authorizer: the `context` of its simple response.
    Lambda(Map<String, Value>),
}

/// A claim value as API Gateway passes it on: strings as they are, numbers and booleans as
/// their JSON text, arrays as `[a b]` and objects as `map[k:v]` (Go's formatting, which API
/// Gateway shows); `None` for null.
pub fn claim_string(value: &Value) -> Option<String> {
    fn go(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Null => "<nil>".into(),
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(go).collect();
                format!("[{}]", items.join(" "))
            }
            Value::Object(map) => {
                let items: Vec<String> =
                    map.iter().map(|(k, v)| format!("{k}:{}", go(v))).collect();
                format!("map[{}]", items.join(" "))
            }
            other => other.to_string(),
        }
    }
    (!value.is_null()).then(|| go(value))
}

impl AuthorizerData {
    /// `requestContext.authorizer` of a payload 2.0 event.
    fn v2(&self) -> Value {
        match self {
            AuthorizerData::Jwt { claims, scopes } => {
                json!({ "jwt": { "claims": claims, "scopes": scopes } })
            }
            AuthorizerData::Lambda(context) => json!({ "lambda": context }),
        }
    }

    /// `requestContext.authorizer` of a payload 1.0 event: the JWT block is flat (observed);
    /// a Lambda authorizer's context keys are too (localfront's pick, unconfirmed).
    fn v1(&self) -> Value {
        match self {
            AuthorizerData::Jwt { claims, scopes } => json!({ "claims": claims, "scopes": scopes }),
            AuthorizerData::Lambda(context) => Value::Object(context.clone()),
        }
    }
}

impl ApiRequest {
    /// The values of header `name` (lowercase), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query parameters in order, names and values percent-decoded.
    pub fn query_parameters(&self) -> Vec<(String, String)> {
        self.raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(n), decode(v))
            })
            .collect()
    }

    fn user_agent(&self) -> String {
        self.header_values("user-agent")
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The body as the event carries it: text, or base64 when it is not UTF-8.
    fn event_body(&self) -> (String, bool) {
        match std::str::from_utf8(&self.body) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(&self.body),
                true,
            ),
        }
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `dd/MMM/yyyy:HH:mm:ss +0000`, the format of `requestContext.time` (2.0) and `requestTime`
/// (1.0), in UTC.
pub fn request_time(t: SystemTime) -> String {
    // httpdate gives `Sun, 06 Nov 1994 08:49:37 GMT`; the fields are rearranged.
    let http = httpdate::fmt_http_date(t);
    let f: Vec<&str> = http.split(' ').collect();
    match f.as_slice() {
        [_, day, month, year, clock, _] => format!("{day}/{month}/{year}:{clock} +0000"),
        _ => http,
    }
}

fn epoch_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Name → comma-joined values, in first-seen order.
fn joined(pairs: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        match map.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                map.insert(name, Value::String(value));
            }
        }
    }
    map
}

/// Name → every value, in first-seen order.
fn multi(pairs: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        match map.get_mut(&name) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            _ => {
                map.insert(name, Value::Array(vec![Value::String(value)]));
            }
        }
    }
    map
}

fn string_map(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// The domain prefix: the first label of the domain name.
fn domain_prefix(domain: &str) -> &str {
    domain.split('.').next().unwrap_or(domain)
}

/// The payload format 2.0 event.
///
/// Headers are lowercase with repeated ones comma-joined; every `Cookie` header feeds `cookies`
/// (one `name=value` each) and is not repeated in `headers`; query parameters are decoded and
/// comma-joined; empty `cookies`, `queryStringParameters`, `pathParameters`, `stageVariables`
/// and `body` are left out (localfront's picks, spec/api-gateway.md §2).
pub fn payload_v2(req: &ApiRequest, cx: &ApiContext) -> Value {
    let cookies: Vec<Value> = req
        .header_values("cookie")
        .flat_map(|h| h.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Value::String(c.to_owned()))
        .collect();
    let headers = joined(req.headers.iter().filter(|(n, _)| n != "cookie").cloned());
    let query = joined(req.query_parameters());
    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!(cx.route_key));
    event.insert("rawPath".into(), json!(req.raw_path));
    event.insert("rawQueryString".into(), json!(req.raw_query));
    if !cookies.is_empty() {
        event.insert("cookies".into(), Value::Array(cookies));
    }
    event.insert("headers".into(), Value::Object(headers));
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !cx.path_parameters.is_empty() {
        event.insert(
            "pathParameters".into(),
            Value::Object(string_map(&cx.path_parameters)),
        );
    }
    if !cx.stage_variables.is_empty() {
        event.insert(
            "stageVariables".into(),
            Value::Object(string_map(&cx.stage_variables)),
        );
    }
    event.insert(
        "requestContext".into(),
        json!({
            "accountId": cx.account_id,
            "apiId": cx.api_id,
            "domainName": cx.domain_name,
            "domainPrefix": domain_prefix(&cx.domain_name),
            "http": {
                "method": req.method,
                "path": req.raw_path,
                "protocol": req.protocol,
                "sourceIp": req.source_ip,
                "userAgent": req.user_agent(),
            },
            "requestId": cx.request_id,
            "routeKey": cx.route_key,
            "stage": cx.stage,
            "time": request_time(cx.time),
            "timeEpoch": epoch_millis(cx.time),
        }),
    );
    if let (Some(authorizer), Some(Value::Object(rc))) =
        (&cx.authorizer, event.get_mut("requestContext"))
    {
        rc.insert("authorizer".into(), authorizer.v2());
    }
    let (body, base64) = req.event_body();
    if !body.is_empty() {
        event.insert("body".into(), Value::String(body));
    }
    event.insert("isBase64Encoded".into(), Value::Bool(base64));
    Value::Object(event)
}

/// The payload format 1.0 event: `headers`/`queryStringParameters` carry the last value of each
/// name, `multiValue*` every value; absent parts are `null`, as API Gateway sends them.
pub fn payload_v1(req: &ApiRequest, cx: &ApiContext) -> Value {
    let last = |pairs: &[(String, String)]| -> Value {
        if pairs.is_empty() {
            return Value::Null;
        }
        let mut map = Map::new();
        for (n, v) in pairs {
            map.insert(n.clone(), Value::String(v.clone()));
        }
        Value::Object(map)
    };
    let all = |pairs: &[(String, String)]| -> Value {
        if pairs.is_empty() {
            Value::Null
        } else {
            Value::Object(multi(pairs.iter().cloned()))
        }
    };
    let optional = |pairs: &[(String, String)]| -> Value {
        if pairs.is_empty() {
            Value::Null
        } else {
            Value::Object(string_map(pairs))
        }
    };
    let query = req.query_parameters();
    let (body, base64) = req.event_body();
    let epoch = epoch_millis(cx.time);
    let mut event = json!({
        "version": "1.0",
        "resource": cx.resource_path,
        "path": req.raw_path,
        "httpMethod": req.method,
        "headers": last(&req.headers),
        "multiValueHeaders": all(&req.headers),
        "queryStringParameters": last(&query),
        "multiValueQueryStringParameters": all(&query),
        "requestContext": {
            "accountId": cx.account_id,
            "apiId": cx.api_id,
            "domainName": cx.domain_name,
            "domainPrefix": domain_prefix(&cx.domain_name),
            "extendedRequestId": cx.request_id,
            "httpMethod": req.method,
            "identity": {
                "accessKey": null,
                "accountId": null,
                "caller": null,
                "cognitoAuthenticationProvider": null,
                "cognitoAuthenticationType": null,
                "cognitoIdentityId": null,
                "cognitoIdentityPoolId": null,
                "principalOrgId": null,
                "sourceIp": req.source_ip,
                "user": null,
                "userAgent": req.user_agent(),
                "userArn": null,
            },
            "path": req.raw_path,
            "protocol": req.protocol,
            "requestId": cx.request_id,
            "requestTime": request_time(cx.time),
            "requestTimeEpoch": epoch,
            "resourceId": cx.route_key,
            "resourcePath": cx.resource_path,
            "stage": cx.stage,
        },
        "pathParameters": optional(&cx.path_parameters),
        "stageVariables": optional(&cx.stage_variables),
        "body": if body.is_empty() { Value::Null } else { Value::String(body) },
        "isBase64Encoded": base64,
    });
    if let Some(authorizer) = &cx.authorizer {
        event["requestContext"]["authorizer"] = authorizer.v1();
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn request() -> (ApiRequest, ApiContext) {
        let req = ApiRequest {
            method: "GET".into(),
            raw_path: "/orders/7".into(),
            raw_query: "expand=lines&expand=notes&q=a%20b".into(),
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("x-trace".into(), "a".into()),
                ("cookie".into(), "sid=ab12; theme=dark".into()),
                ("x-trace".into(), "b".into()),
                ("user-agent".into(), "curl/8.5.0".into()),
            ],
            body: Vec::new(),
            protocol: "HTTP/1.1".into(),
            source_ip: "192.0.2.44".into(),
        };
        let cx = ApiContext {
            account_id: "111122223333".into(),
            api_id: "a1b2c3".into(),
            domain_name: "a1b2c3.execute-api.us-east-1.amazonaws.com".into(),
            stage: "$default".into(),
            route_key: "GET /orders/{id}".into(),
            resource_path: "/orders/{id}".into(),
            request_id: "Qx7example".into(),
            time: UNIX_EPOCH + Duration::from_millis(1_738_577_730_000),
            path_parameters: vec![("id".into(), "7".into())],
            stage_variables: vec![],
            authorizer: None,
        };
        (req, cx)
    }

    #[test]
    fn v2_matches_the_spec_example() {
        let (req, cx) = request();
        let e = payload_v2(&req, &cx);
        assert_eq!(e["cookies"], json!(["sid=ab12", "theme=dark"]));
        assert_eq!(e["headers"]["x-trace"], "a,b");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["queryStringParameters"]["expand"], "lines,notes");
        assert_eq!(e["queryStringParameters"]["q"], "a b");
        assert_eq!(e["requestContext"]["time"], "03/Feb/2025:10:15:30 +0000");
        assert_eq!(e["requestContext"]["timeEpoch"], 1_738_577_730_000u64);
        assert_eq!(e["requestContext"]["domainPrefix"], "a1b2c3");
        assert!(e.get("body").is_none());
        assert!(e.get("stageVariables").is_none());
        assert_eq!(e["isBase64Encoded"], false);
    }

    #[test]
    fn claims_are_strings_and_the_authorizer_is_in_the_request_context() {
        assert_eq!(
            claim_string(&json!(1738581330)).as_deref(),
            Some("1738581330")
        );
        assert_eq!(
            claim_string(&json!(["admin", "ops"])).as_deref(),
            Some("[admin ops]")
        );
        assert_eq!(claim_string(&json!(true)).as_deref(), Some("true"));
        assert_eq!(claim_string(&json!({"a": 1})).as_deref(), Some("map[a:1]"));
        assert_eq!(claim_string(&Value::Null), None);
        let (req, mut cx) = request();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("u-1"));
        cx.authorizer = Some(AuthorizerData::Jwt {
            claims,
            scopes: None,
        });
        let v2 = payload_v2(&req, &cx);
        assert_eq!(
            v2["requestContext"]["authorizer"],
            json!({"jwt": {"claims": {"sub": "u-1"}, "scopes": null}})
        );
        let v1 = payload_v1(&req, &cx);
        assert_eq!(v1["requestContext"]["authorizer"]["claims"]["sub"], "u-1");
    }

    #[test]
    fn v1_has_multi_values_and_nulls() {
        let (mut req, cx) = request();
        req.body = vec![0xff, 0x00];
        let e = payload_v1(&req, &cx);
        assert_eq!(e["headers"]["x-trace"], "b");
        assert_eq!(e["multiValueHeaders"]["x-trace"], json!(["a", "b"]));
        assert_eq!(
            e["multiValueQueryStringParameters"]["expand"],
            json!(["lines", "notes"])
        );
        assert_eq!(e["stageVariables"], Value::Null);
        assert_eq!(e["body"], "/wA=");
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(
            e["requestContext"]["requestTime"],
            "03/Feb/2025:10:15:30 +0000"
        );
    }
}
