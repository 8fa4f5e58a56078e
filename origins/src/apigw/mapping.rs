//! Parameter mapping values (spec/api-gateway.md §3): `$request.*`, `$response.*`,
//! `$context.*` and `$stageVariables.*` references resolved against one request, and the
//! body JSONPath subset (`.a.b[0]`, `['key']`; no recursive descent or filters) over the first
//! 100 KB of a body.

use localfront_config::{ValuePart, ValueRef};
use localfront_events::apigw::{
    claim_string, request_time, ApiContext, ApiRequest, AuthorizerData,
};
use serde_json::Value;

/// Bodies are read this far for `$request.body`/`$response.body` (spec/api-gateway.md §3).
const BODY_JSONPATH_LIMIT: usize = 100 * 1024;

/// The response a response mapping sees.
pub(crate) struct ResponseView<'a> {
    pub(crate) status: u16,
    pub(crate) headers: &'a [(String, String)],
    pub(crate) body: &'a [u8],
    pub(crate) latency_ms: u128,
}

/// Everything a mapping value may reference.
pub(crate) struct MappingScope<'a> {
    pub(crate) request: &'a ApiRequest,
    pub(crate) context: &'a ApiContext,
    /// The request path without the stage (`$request.path`).
    pub(crate) route_path: &'a str,
    pub(crate) response: Option<ResponseView<'a>>,
}

impl MappingScope<'_> {
    /// The value of `parts`; `None` when every reference in it is missing and it has no text.
    pub(crate) fn evaluate(&self, parts: &[ValuePart]) -> Option<String> {
        let mut out = String::new();
        let mut found = false;
        for part in parts {
            match part {
                ValuePart::Text(t) => {
                    out.push_str(t);
                    found = true;
                }
                ValuePart::Ref(r) => {
                    if let Some(v) = self.reference(r) {
                        out.push_str(&v);
                        found = true;
                    }
                }
            }
        }
        found.then_some(out)
    }

    pub(crate) fn reference(&self, r: &ValueRef) -> Option<String> {
        let req = self.request;
        let cx = self.context;
        match r {
            ValueRef::RequestHeader(name) => join(req.header_values(name)),
            ValueRef::RequestQueryString(name) => join(
                req.query_parameters()
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str()),
            ),
            ValueRef::RequestBody(path) => json_path(&req.body, path),
            ValueRef::RequestPath => Some(self.route_path.to_owned()),
            ValueRef::RequestPathParameter(name) => lookup(&cx.path_parameters, name),
            ValueRef::StageVariable(name) => lookup(&cx.stage_variables, name),
            ValueRef::ResponseHeader(name) => {
                let response = self.response.as_ref()?;
                join(
                    response
                        .headers
                        .iter()
                        .filter(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str()),
                )
            }
            ValueRef::ResponseBody(path) => json_path(self.response.as_ref()?.body, path),
            ValueRef::Context(var) => self.context_variable(var),
        }
    }

    /// `$context.<var>`: the variables of API Gateway's access logs and mappings, with
    /// `authorizer.claims.<claim>` (JWT authorizers) and `authorizer.<key>` (Lambda
    /// authorizers' context).
    fn context_variable(&self, var: &str) -> Option<String> {
        let req = self.request;
        let cx = self.context;
        if let Some(key) = var.strip_prefix("authorizer.") {
            let value = match cx.authorizer.as_ref()? {
                AuthorizerData::Jwt { claims, .. } => claims.get(key.strip_prefix("claims.")?)?,
                AuthorizerData::Lambda(context) => context.get(key)?,
            };
            return claim_string(value);
        }
        let epoch = cx
            .time
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Some(match var {
            "requestId" | "extendedRequestId" => cx.request_id.clone(),
            "routeKey" => cx.route_key.clone(),
            "stage" => cx.stage.clone(),
            "path" => req.raw_path.clone(),
            "httpMethod" => req.method.clone(),
            "protocol" => req.protocol.clone(),
            "apiId" => cx.api_id.clone(),
            "accountId" => cx.account_id.clone(),
            "domainName" => cx.domain_name.clone(),
            "domainPrefix" => cx.domain_name.split('.').next().unwrap_or("").to_owned(),
            "requestTime" => request_time(cx.time),
            "requestTimeEpoch" => epoch.to_string(),
            "identity.sourceIp" => req.source_ip.clone(),
            "identity.userAgent" => join(req.header_values("user-agent")).unwrap_or_default(),
            "integrationStatus" | "integration.status" => {
                self.response.as_ref()?.status.to_string()
            }
            "integrationLatency" | "integration.latency" => {
                self.response.as_ref()?.latency_ms.to_string()
            }
            _ => return None,
        })
    }
}

fn join<'a>(values: impl Iterator<Item = &'a str>) -> Option<String> {
    let values: Vec<&str> = values.collect();
    (!values.is_empty()).then(|| values.join(","))
}

fn lookup(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// `path` (`.a.b[0]`, `['k']`) in the JSON of `body`'s first 100 KB: a string as itself, other
/// values as JSON text.
fn json_path(body: &[u8], path: &str) -> Option<String> {
    let body = &body[..body.len().min(BODY_JSONPATH_LIMIT)];
    let doc: Value = serde_json::from_slice(body).ok()?;
    let mut pointer = String::new();
    let mut rest = path;
    while !rest.is_empty() {
        let segment;
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            segment = &r[..end];
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            let end = r.find(['\'', '"'])?;
            segment = &r[..end];
            rest = r[end + 1..].strip_prefix(']')?;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            segment = &r[..end];
            rest = &r[end + 1..];
        } else {
            return None;
        }
        pointer.push('/');
        pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    match doc.pointer(&pointer)? {
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths() {
        let body = br#"{"a":{"b":[1,{"c":"x"}]},"k y":true}"#;
        assert_eq!(json_path(body, ".a.b[1].c").as_deref(), Some("x"));
        assert_eq!(json_path(body, ".a.b[0]").as_deref(), Some("1"));
        assert_eq!(json_path(body, "['k y']").as_deref(), Some("true"));
        assert_eq!(
            json_path(body, ".a").as_deref(),
            Some("{\"b\":[1,{\"c\":\"x\"}]}")
        );
        assert_eq!(json_path(body, ".nope"), None);
        assert_eq!(json_path(b"not json", ".a"), None);
    }
}
