//! `x-amazon-apigateway-integration` → a route's integration (spec/api-gateway.md §9): HTTP_PROXY
//! to a URI, AWS_PROXY to a `[[lambda_functions]]` entry named by the function ARN, with payload
//! format, timeout and parameter mappings.

use super::document::Node;
use super::reader::Reader;
use crate::error::{did_you_mean, KeyPath, Severity};
use crate::raw_apis::RawRoute;

/// The keys of an integration object HTTP APIs read.
const KEYS: &[&str] = &[
    "type",
    "httpMethod",
    "uri",
    "payloadFormatVersion",
    "connectionType",
    "connectionId",
    "timeoutInMillis",
    "credentials",
    "integrationSubtype",
    "requestParameters",
    "responseParameters",
    "tlsConfig",
];

/// REST APIs' integration keys: HTTP APIs ignore them.
const REST_KEYS: &[&str] = &[
    "requestTemplates",
    "responses",
    "passthroughBehavior",
    "contentHandling",
    "cacheKeyParameters",
    "cacheNamespace",
];

/// Integration types, case-insensitive.
const TYPES: &[&str] = &["AWS_PROXY", "HTTP_PROXY", "HTTP", "AWS", "MOCK"];

/// The route's integration fields from an integration object at `path`; `None` when it has
/// errors or is left out (a warning says why). `route` is the raw route's key path, `method` its
/// route method.
pub(super) fn read(
    r: &mut Reader,
    node: &Node,
    path: &KeyPath,
    route: &KeyPath,
    method: &str,
) -> Option<RawRoute> {
    let errors = r.errors.len();
    let mut out = RawRoute::default();
    let mut kind: Option<(&Node, String)> = None;
    let mut uri: Option<(&Node, String)> = None;
    let mut http_method: Option<(&Node, String)> = None;
    let mut subtype: Option<&Node> = None;
    let mut vpc_link: Option<&Node> = None;
    for (k, v) in r.entries(node, path) {
        let at = path.key(&k.name);
        match k.name.as_str() {
            "type" => kind = r.string(v, &at).map(|t| (v, t.to_ascii_uppercase())),
            "uri" => uri = r.string(v, &at).map(|u| (v, u)),
            "httpMethod" => http_method = r.string(v, &at).map(|m| (v, m.to_ascii_uppercase())),
            "payloadFormatVersion" => {
                out.payload_format_version = r.text(v, &at);
                r.came_from(route.key("payload_format_version"), v, &at);
            }
            "connectionType" => {
                if let Some(t) = r.string(v, &at) {
                    match t.to_ascii_uppercase().as_str() {
                        "INTERNET" => {}
                        "VPC_LINK" => vpc_link = Some(v),
                        _ => r.error_hint(
                            v,
                            &at,
                            format!("unknown connection type `{t}`"),
                            "expected `INTERNET` or `VPC_LINK`",
                        ),
                    }
                }
            }
            "connectionId" => {}
            "timeoutInMillis" => {
                out.timeout_ms = r.integer(v, &at);
                r.came_from(route.key("timeout_ms"), v, &at);
            }
            "credentials" => r.notice(
                Severity::Info,
                v,
                &at,
                "ignored: localfront invokes integrations without IAM credentials",
            ),
            "integrationSubtype" => subtype = Some(v),
            "requestParameters" => {
                for (k, _, value) in r.string_map(v, &at) {
                    r.came_from(
                        route.key("request_parameters").key(&k.name),
                        k,
                        &at.key(&k.name),
                    );
                    out.request_parameters.insert(k.name.clone(), value);
                }
            }
            "responseParameters" => {
                for (status, mappings) in r.entries(v, &at) {
                    let status_at = at.key(&status.name);
                    let raw_at = route.key("response_parameters").key(&status.name);
                    r.came_from(raw_at.clone(), status, &status_at);
                    let mut map = std::collections::BTreeMap::new();
                    for (k, _, value) in r.string_map(mappings, &status_at) {
                        r.came_from(raw_at.key(&k.name), k, &status_at.key(&k.name));
                        map.insert(k.name.clone(), value);
                    }
                    out.response_parameters.insert(status.name.clone(), map);
                }
            }
            "tlsConfig" => r.notice(
                Severity::Info,
                v,
                &at,
                "ignored: localfront calls HTTP backends over plain http",
            ),
            name if REST_KEYS.contains(&name) => r.notice(
                Severity::Info,
                k,
                &at,
                format!("ignored: `{name}` applies to REST APIs' non-proxy integrations"),
            ),
            _ => r.unknown_key(k, path, KEYS),
        }
    }
    let Some((kind_node, kind)) = kind else {
        r.error_hint(
            node,
            path,
            "the integration has no `type`",
            "`type: aws_proxy` (a Lambda function) or `type: http_proxy` (an HTTP backend)",
        );
        return None;
    };
    let type_at = path.key("type");
    match kind.as_str() {
        "AWS_PROXY" | "HTTP_PROXY" => {}
        "HTTP" | "AWS" | "MOCK" => {
            r.notice(
                Severity::Warning,
                kind_node,
                &type_at,
                format!("integration type `{kind}` is not supported by HTTP APIs (only AWS_PROXY and HTTP_PROXY): route `{}` is not imported", route_name(route)),
            );
            return None;
        }
        _ => {
            let message = format!("unknown integration type `{kind}`");
            match did_you_mean(&kind, TYPES.iter().copied()) {
                Some(h) => r.error_hint(kind_node, &type_at, message, h),
                None => r.error_hint(
                    kind_node,
                    &type_at,
                    message,
                    "expected `aws_proxy` (a Lambda function) or `http_proxy` (an HTTP backend)",
                ),
            }
            return None;
        }
    }
    if let Some(v) = subtype {
        r.notice(
            Severity::Warning,
            v,
            &path.key("integrationSubtype"),
            format!(
                "AWS service integrations are not supported: route `{}` is not imported",
                route_name(route)
            ),
        );
        return None;
    }
    if let Some(v) = vpc_link {
        r.notice(
            Severity::Warning,
            v,
            &path.key("connectionType"),
            format!("VPC_LINK integrations reach private resources in a VPC, which localfront has not: route `{}` is not imported", route_name(route)),
        );
        return None;
    }
    let Some((uri_node, uri)) = uri else {
        let hint = if kind == "AWS_PROXY" {
            "the Lambda function's ARN, e.g. `arn:aws:lambda:us-east-1:123456789012:function:orders`"
        } else {
            "the backend's URL, e.g. `http://127.0.0.1:9000/pets/{id}`"
        };
        r.error_hint(
            node,
            path,
            format!("the {} integration has no `uri`", kind.to_ascii_lowercase()),
            hint,
        );
        return None;
    };
    let uri_at = path.key("uri");
    if kind == "AWS_PROXY" {
        if let Some((v, m)) = &http_method {
            if m != "POST" {
                r.error_hint(
                    *v,
                    &path.key("httpMethod"),
                    format!("`{m}`: Lambda functions are invoked with POST"),
                    "write `httpMethod: POST`",
                );
            }
        }
        match function_name(&uri) {
            Some((name, qualifier)) => {
                if let Some(q) = qualifier {
                    r.notice(
                        Severity::Info,
                        uri_node,
                        &uri_at,
                        format!("the qualifier `{q}` is ignored: localfront runs one version of `{name}`"),
                    );
                }
                out.lambda = Some(name.to_owned());
                r.came_from(route.key("lambda"), uri_node, &uri_at);
            }
            None => r.error_hint(
                uri_node,
                &uri_at,
                format!("`{uri}` is not a Lambda function ARN"),
                "`arn:aws:lambda:<region>:<account>:function:<name>` or `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`",
            ),
        }
    } else {
        if let Some((v, m)) = &http_method {
            if m != "ANY" && m != method {
                r.notice(
                    Severity::Warning,
                    *v,
                    &path.key("httpMethod"),
                    format!("localfront passes the request's method through to the backend (as `ANY`), not `{m}`"),
                );
            }
        }
        out.uri = Some(uri);
        r.came_from(route.key("uri"), uri_node, &uri_at);
    }
    (r.errors.len() == errors).then_some(out)
}

/// The route key at the end of a raw route's key path.
fn route_name(route: &KeyPath) -> String {
    match route.0.last() {
        Some(crate::error::Segment::Key(k)) => k.clone(),
        _ => String::new(),
    }
}

/// The function name (and qualifier) of a Lambda ARN: the function ARN
/// `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`, bare or inside API Gateway's
/// `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`.
pub(super) fn function_name(uri: &str) -> Option<(&str, Option<&str>)> {
    let arn = match uri.split_once("/functions/") {
        Some((prefix, rest)) => {
            let parts: Vec<&str> = prefix.splitn(6, ':').collect();
            if parts.len() != 6
                || parts[0] != "arn"
                || parts[2] != "apigateway"
                || parts[4] != "lambda"
            {
                return None;
            }
            rest.strip_suffix("/invocations")?
        }
        None => uri,
    };
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _partition, "lambda", _region, _account, "function", name, rest @ ..]
            if !name.is_empty() && rest.len() <= 1 =>
        {
            Some((name, rest.first().copied().filter(|q| !q.is_empty())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::function_name;

    #[test]
    fn lambda_arns_name_their_function() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111122223333:function:orders"),
            Some(("orders", None))
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111122223333:function:orders:live"),
            Some(("orders", Some("live")))
        );
        assert_eq!(
            function_name("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:pets/invocations"),
            Some(("pets", None))
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}"),
            Some(("${stageVariables.fn}", None))
        );
        for bad in [
            "orders",
            "http://127.0.0.1/",
            "arn:aws:lambda:us-east-1:1:layer:x",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f",
            "arn:aws:lambda:us-east-1:1:function:",
        ] {
            assert_eq!(function_name(bad), None, "{bad}");
        }
    }
}
