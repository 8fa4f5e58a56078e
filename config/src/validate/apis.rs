//! `[[apis]]` (HTTP APIs: stages, route keys, integrations, parameter mappings;
//! spec/api-gateway.md §1–3, §11) and `[[lambda_functions]]` (Lambda's settings and quotas), and
//! the `api = "name"` references of origins.

use std::time::Duration;

use super::api_auth::{check_route_authorization, convert_authorizers};
use super::{api_limits, quoted, Checker};
use crate::api_auth::IssuerConfig;
use crate::apis::{
    ApiConfig, Integration, LambdaFunctionConfig, MappingAction, MappingTarget, ParameterMapping,
    PayloadFormat, RouteConfig, RouteKey, StageConfig, ValuePart, ValueRef,
};
use crate::error::{did_you_mean, KeyPath};
use crate::model::{Distribution, OriginKind};
use crate::raw_apis::{RawApi, RawLambdaFunction, RawRoute, RawStage};

/// Route key methods (spec/api-gateway.md §1).
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// Quotas of spec/api-gateway.md §11.
const MAX_ROUTES: usize = 300;
const MAX_STAGES: usize = 10;
const MAX_STAGE_VARIABLES: usize = 100;

/// Headers parameter mapping may not touch (spec/api-gateway.md §3).
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-location",
    "forwarded",
    "keep-alive",
    "origin",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "via",
];
const RESERVED_HEADER_PREFIXES: &[&str] = &["access-control-", "apigw-", "x-amz-", "x-amzn-"];

/// Environment variables Lambda sets itself and refuses in a function's configuration.
const RESERVED_ENVIRONMENT: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Lambda's 4 KB quota on a function's environment variables, keys and values together.
const MAX_ENVIRONMENT_BYTES: usize = 4 * 1024;

/// `[[lambda_functions]]`.
pub(super) fn convert_lambda_functions(
    c: &mut Checker,
    raw: Vec<RawLambdaFunction>,
) -> Vec<LambdaFunctionConfig> {
    let mut out: Vec<LambdaFunctionConfig> = Vec::new();
    for (i, f) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("lambda_functions").index(i);
        let Some((name, component)) = c.named_component(f.name, f.component, &at) else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(
                &at.key("name"),
                format!("duplicate lambda function `{name}`"),
            );
        }
        let environment = environment(c, f.environment, &at.key("environment"));
        let reserved_concurrency = f.reserved_concurrency.map(|_| {
            c.ranged(
                f.reserved_concurrency,
                &at.key("reserved_concurrency"),
                0,
                1000,
                0,
            ) as u32
        });
        let provisioned_concurrency = c.ranged(
            f.provisioned_concurrency,
            &at.key("provisioned_concurrency"),
            0,
            1000,
            0,
        ) as u32;
        if let Some(reserved) = reserved_concurrency {
            if provisioned_concurrency > reserved {
                c.error(
                    &at.key("provisioned_concurrency"),
                    format!("{provisioned_concurrency} is above reserved_concurrency = {reserved}: provisioned environments count against the reserved ones"),
                );
            }
        }
        let snap_start = f.snap_start.unwrap_or(false);
        // Lambda refuses SnapStart together with provisioned concurrency.
        if snap_start && provisioned_concurrency > 0 {
            c.error(
                &at.key("snap_start"),
                "snap_start cannot be combined with provisioned_concurrency",
            );
        }
        out.push(LambdaFunctionConfig {
            name,
            component,
            memory_mb: c.ranged(f.memory_mb, &at.key("memory_mb"), 128, 10_240, 128) as u64,
            timeout: Duration::from_secs(c.ranged(f.timeout, &at.key("timeout"), 1, 900, 3) as u64),
            environment,
            reserved_concurrency,
            provisioned_concurrency,
            snap_start,
        });
    }
    out
}

fn environment(
    c: &mut Checker,
    raw: std::collections::BTreeMap<String, String>,
    at: &KeyPath,
) -> Vec<(String, String)> {
    let mut bytes = 0;
    for (key, value) in &raw {
        let valid = key.len() >= 2
            && key.starts_with(|ch: char| ch.is_ascii_alphabetic())
            && key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if !valid {
            c.error(
                &at.key(key),
                format!(
                    "`{key}` is not a valid variable name: a letter, then letters, digits or `_`"
                ),
            );
        } else if RESERVED_ENVIRONMENT.contains(&key.as_str()) {
            c.error(
                &at.key(key),
                format!("`{key}` is reserved: Lambda sets it itself"),
            );
        }
        bytes += key.len() + value.len();
    }
    if bytes > MAX_ENVIRONMENT_BYTES {
        c.error(
            at,
            format!("the environment variables take {bytes} bytes: Lambda allows 4 KB (4096 bytes) in total"),
        );
    }
    raw.into_iter().collect()
}

/// `[[apis]]`, their lambda references checked against `functions`.
pub(super) fn convert_apis(
    c: &mut Checker,
    raw: Vec<RawApi>,
    functions: &[LambdaFunctionConfig],
    issuers: &[IssuerConfig],
) -> Vec<ApiConfig> {
    let mut out: Vec<ApiConfig> = Vec::new();
    for (i, a) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("apis").index(i);
        let Some(name) = c.required(a.name, &at, "name") else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate api `{name}`"));
        }
        let api_id = match a.api_id {
            Some(id) => {
                if id.len() != 10
                    || !id
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                {
                    c.error(
                        &at.key("api_id"),
                        format!("`{id}` is not an API id: 10 lowercase letters or digits"),
                    );
                }
                id
            }
            None => derived_api_id(&name),
        };
        let stages = stages(c, a.stages, &at.key("stages"));
        let authorizers =
            convert_authorizers(c, a.authorizers, functions, issuers, &at.key("authorizers"));
        if a.routes.len() > MAX_ROUTES {
            c.error(
                &at.key("routes"),
                format!("{} routes: an API has at most {MAX_ROUTES}", a.routes.len()),
            );
        }
        let mut routes: Vec<RouteConfig> = Vec::new();
        for (key, r) in a.routes {
            let route_at = at.key("routes").key(&key);
            let Some(route_key) = route_key(c, &key, &route_at) else {
                continue;
            };
            if let Some(other) = routes.iter().find(|x| same_route(&x.key, &route_key)) {
                c.error(
                    &route_at,
                    format!(
                        "route `{key}` conflicts with `{}`: they match the same requests",
                        other.key
                    ),
                );
            }
            check_route_authorization(
                c,
                r.authorizer.as_deref(),
                &r.authorization_scopes,
                &authorizers,
                &route_at,
            );
            if let Some(route) = route(c, route_key, r, functions, &route_at) {
                routes.push(route);
            }
        }
        let api_key_source =
            api_limits::api_key_source(c, a.api_key_source.as_deref(), &at.key("api_key_source"));
        let cors = api_limits::cors(c, a.cors, &at.key("cors"));
        out.push(ApiConfig {
            name,
            api_id,
            stages,
            routes,
            api_key_source,
            cors,
            authorizers,
            openapi: a.openapi.map(|p| c.path(&p)),
        });
    }
    out
}

/// A stable 10-character id from the API's name (FNV-1a, base 36).
fn derived_api_id(name: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    const DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..10)
        .map(|_| {
            let d = DIGITS[(hash % 36) as usize] as char;
            hash /= 36;
            d
        })
        .collect()
}

fn stages(c: &mut Checker, raw: Vec<RawStage>, at: &KeyPath) -> Vec<StageConfig> {
    if raw.is_empty() {
        // An API without stages is served by an auto-deployed `$default` stage, as the console
        // creates it.
        return vec![StageConfig {
            name: "$default".into(),
            variables: Vec::new(),
            throttling: None,
        }];
    }
    if raw.len() > MAX_STAGES {
        c.error(
            at,
            format!("{} stages: an API has at most {MAX_STAGES}", raw.len()),
        );
    }
    let mut out: Vec<StageConfig> = Vec::new();
    for (i, s) in raw.into_iter().enumerate() {
        let at = at.index(i);
        let Some(name) = c.required(s.name, &at, "name") else {
            continue;
        };
        let valid = name == "$default"
            || (!name.is_empty()
                && name.len() <= 128
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'));
        if !valid {
            c.error_hint(
                &at.key("name"),
                format!("`{name}` is not a stage name"),
                "`$default`, or 1 to 128 letters, digits, `-` and `_`",
            );
        }
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate stage `{name}`"));
        }
        if s.variables.len() > MAX_STAGE_VARIABLES {
            c.error(
                &at.key("variables"),
                format!(
                    "{} variables: a stage has at most {MAX_STAGE_VARIABLES}",
                    s.variables.len()
                ),
            );
        }
        for (key, value) in &s.variables {
            if key.is_empty()
                || key.len() > 64
                || !key
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                c.error(
                    &at.key("variables").key(key),
                    format!("`{key}` is not a stage variable name: 1 to 64 letters, digits or `_`"),
                );
            }
            let value_ok = value.len() <= 2048
                && value
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-._~:/?#&=,".contains(ch));
            if !value_ok {
                c.error(
                    &at.key("variables").key(key),
                    format!("`{value}` is not a stage variable value: up to 2048 letters, digits and `-._~:/?#&=,`"),
                );
            }
        }
        let throttling = api_limits::throttle(c, s.throttling, &at.key("throttling"));
        out.push(StageConfig {
            name,
            variables: s.variables.into_iter().collect(),
            throttling,
        });
    }
    out
}

/// Parses `$default` or `METHOD /path` (spec/api-gateway.md §1).
fn route_key(c: &mut Checker, key: &str, at: &KeyPath) -> Option<RouteKey> {
    if key == "$default" {
        return Some(RouteKey::Default);
    }
    let hint =
        "a route key is `$default` or `METHOD /path`, e.g. `GET /pets/{id}` or `ANY /{proxy+}`";
    let Some((method, path)) = key.split_once(' ') else {
        c.error_hint(at, format!("`{key}` is not a route key"), hint);
        return None;
    };
    if !METHODS.contains(&method) {
        let message = format!(
            "unknown method `{method}` in route `{key}`: expected one of {}",
            quoted(METHODS)
        );
        match did_you_mean(&method.to_ascii_uppercase(), METHODS.iter().copied()) {
            Some(h) => c.error_hint(at, message, h),
            None => c.error(at, message),
        }
        return None;
    }
    if !path.starts_with('/') {
        c.error_hint(
            at,
            format!("the path of route `{key}` must start with `/`"),
            hint,
        );
        return None;
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut names: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(n) => (n, true),
                None => (inner, false),
            };
            let name_ok = !name.is_empty()
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.');
            if !name_ok {
                c.error(
                    at,
                    format!("`{segment}` is not a path variable: `{{name}}` or a last `{{name+}}`"),
                );
                return None;
            }
            if greedy && !last {
                c.error(
                    at,
                    format!("the greedy variable `{segment}` must be the last segment of the path"),
                );
                return None;
            }
            if names.contains(&name) {
                c.error(
                    at,
                    format!("path variable `{name}` appears twice in route `{key}`"),
                );
                return None;
            }
            names.push(name);
        } else if segment.contains(['{', '}']) {
            c.error(
                at,
                format!("`{segment}`: a path variable takes a whole segment, `{{name}}`"),
            );
            return None;
        } else if segment.is_empty() && !last {
            c.error(
                at,
                format!("the path of route `{key}` has an empty segment"),
            );
            return None;
        }
    }
    Some(RouteKey::Route {
        method: method.to_owned(),
        path: path.to_owned(),
    })
}

/// Two route keys that match the same requests: same method, same path up to the names of
/// their variables.
fn same_route(a: &RouteKey, b: &RouteKey) -> bool {
    match (a, b) {
        (RouteKey::Default, RouteKey::Default) => true,
        (
            RouteKey::Route {
                method: ma,
                path: pa,
            },
            RouteKey::Route {
                method: mb,
                path: pb,
            },
        ) => ma == mb && shape(pa) == shape(pb),
        _ => false,
    }
}

/// A path with its variable names erased.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| match s.strip_prefix('{') {
            Some(v) if v.ends_with("+}") => "{+}",
            Some(_) => "{}",
            None => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn route(
    c: &mut Checker,
    key: RouteKey,
    r: RawRoute,
    functions: &[LambdaFunctionConfig],
    at: &KeyPath,
) -> Option<RouteConfig> {
    let integration = match (r.uri, r.lambda) {
        (Some(uri), None) => {
            if let Some(p) = &r.payload_format_version {
                if p != "1.0" {
                    c.error(
                        &at.key("payload_format_version"),
                        format!("HTTP integrations use payload format `1.0`, not `{p}`"),
                    );
                }
            }
            if uri.starts_with("https://") {
                c.error_hint(
                    &at.key("uri"),
                    format!("`{uri}`: localfront calls HTTP backends over plain http only"),
                    "use an `http://` URI (a local backend)",
                );
            } else if !uri.starts_with("http://") || uri.len() <= "http://".len() {
                c.error_hint(
                    &at.key("uri"),
                    format!("`{uri}` is not an HTTP integration URI"),
                    "e.g. `http://127.0.0.1:9000/pets/{id}` or `http://${stageVariables.backend}/`",
                );
            }
            Integration::Http { uri }
        }
        (None, Some(function)) => {
            if functions.iter().all(|f| f.name != function) {
                let message = format!("unknown lambda function `{function}`");
                match did_you_mean(&function, functions.iter().map(|f| f.name.as_str())) {
                    Some(h) => c.error_hint(&at.key("lambda"), message, h),
                    None => c.error_hint(
                        &at.key("lambda"),
                        message,
                        "declare it in `[[lambda_functions]]`",
                    ),
                }
            }
            let payload_format = c.choice(
                r.payload_format_version.as_deref(),
                &at.key("payload_format_version"),
                &[("2.0", PayloadFormat::V2), ("1.0", PayloadFormat::V1)],
                PayloadFormat::V2,
            );
            Integration::Lambda {
                function,
                payload_format,
            }
        }
        _ => {
            c.error_hint(
                at,
                format!("route `{key}` needs exactly one of `uri` (HTTP integration) or `lambda` (Lambda integration)"),
                "e.g. `uri = \"http://127.0.0.1:9000/{proxy}\"` or `lambda = \"orders\"`",
            );
            return None;
        }
    };
    let timeout =
        Duration::from_millis(
            c.ranged(r.timeout_ms, &at.key("timeout_ms"), 50, 30_000, 30_000) as u64,
        );
    let params_at = at.key("request_parameters");
    // Request mappings rewrite the request an HTTP backend receives; a Lambda proxy
    // integration gets the request itself in its event.
    if matches!(integration, Integration::Lambda { .. }) && !r.request_parameters.is_empty() {
        c.error(
            &params_at,
            "request_parameters apply to HTTP integrations (`uri`), not to Lambda integrations",
        );
    }
    let request_parameters = r
        .request_parameters
        .into_iter()
        .filter_map(|(k, v)| mapping(c, &k, &v, Side::Request, &params_at.key(&k)))
        .collect();
    let mut response_parameters = Vec::new();
    for (status, mappings) in r.response_parameters {
        let status_at = at.key("response_parameters").key(&status);
        let code = match status.parse::<u16>() {
            Ok(code) if (200..=599).contains(&code) => code,
            _ => {
                c.error(
                    &status_at,
                    format!("`{status}` is not a backend status code (200 to 599)"),
                );
                continue;
            }
        };
        let mappings = mappings
            .into_iter()
            .filter_map(|(k, v)| mapping(c, &k, &v, Side::Response, &status_at.key(&k)))
            .collect();
        response_parameters.push((code, mappings));
    }
    Some(RouteConfig {
        key,
        integration,
        timeout,
        request_parameters,
        response_parameters,
        throttling: api_limits::throttle(c, r.throttling, &at.key("throttling")),
        api_key_required: r.api_key_required.unwrap_or(false),
        authorizer: r.authorizer,
        authorization_scopes: r.authorization_scopes,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

/// One `"action:target" = "value"` mapping.
fn mapping(
    c: &mut Checker,
    key: &str,
    value: &str,
    side: Side,
    at: &KeyPath,
) -> Option<ParameterMapping> {
    let hint = match side {
        Side::Request => "request mappings are `append|overwrite|remove:header.<name>`, `append|overwrite|remove:querystring.<name>` or `overwrite:path`",
        Side::Response => "response mappings are `append|overwrite|remove:header.<name>` or `overwrite:statuscode`",
    };
    let Some((action, target)) = key.split_once(':') else {
        c.error_hint(at, format!("`{key}` is not a parameter mapping"), hint);
        return None;
    };
    let action = match action {
        "append" => MappingAction::Append,
        "overwrite" => MappingAction::Overwrite,
        "remove" => MappingAction::Remove,
        _ => {
            c.error_hint(at, format!("unknown action `{action}` in `{key}`"), hint);
            return None;
        }
    };
    let target = if let Some(name) = target.strip_prefix("header.") {
        let name = name.to_ascii_lowercase();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            c.error(at, format!("`{name}` is not a header name"));
            return None;
        }
        if RESERVED_HEADERS.contains(&name.as_str())
            || RESERVED_HEADER_PREFIXES.iter().any(|p| name.starts_with(p))
        {
            c.error(
                at,
                format!("header `{name}` is reserved: API Gateway does not let mappings change it"),
            );
            return None;
        }
        MappingTarget::Header(name)
    } else if let (Some(name), Side::Request) = (target.strip_prefix("querystring."), side) {
        if name.is_empty() {
            c.error(at, "a query string mapping needs a parameter name");
            return None;
        }
        MappingTarget::QueryString(name.to_owned())
    } else if target == "path" && side == Side::Request && action == MappingAction::Overwrite {
        MappingTarget::Path
    } else if target == "statuscode" && side == Side::Response && action == MappingAction::Overwrite
    {
        MappingTarget::StatusCode
    } else {
        c.error_hint(at, format!("`{key}` is not a parameter mapping"), hint);
        return None;
    };
    let parts = if action == MappingAction::Remove {
        if !value.is_empty() {
            c.error(at, "a `remove` mapping takes an empty value `\"\"`");
        }
        Vec::new()
    } else {
        match parse_value(value, side) {
            Ok(parts) => parts,
            Err(message) => {
                c.error(at, message);
                return None;
            }
        }
    };
    if target == MappingTarget::StatusCode {
        if let [ValuePart::Text(t)] = parts.as_slice() {
            if !matches!(t.parse::<u16>(), Ok(100..=599)) {
                c.error(at, format!("`{t}` is not a status code (100 to 599)"));
            }
        }
    }
    Some(ParameterMapping {
        action,
        target,
        value: parts,
    })
}

/// A mapping value: static text, `$ref` tokens (delimited by spaces) and `${ref}` anywhere.
fn parse_value(value: &str, side: Side) -> Result<Vec<ValuePart>, String> {
    let mut parts: Vec<ValuePart> = Vec::new();
    let mut text = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        let (reference, len) = if let Some(inner) = rest.strip_prefix("${") {
            let end = inner
                .find('}')
                .ok_or_else(|| format!("`{value}`: `${{` without a closing `}}`"))?;
            (format!("${}", &inner[..end]), end + 3)
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (rest[..end].to_owned(), end)
        };
        if !text.is_empty() {
            parts.push(ValuePart::Text(std::mem::take(&mut text)));
        }
        parts.push(ValuePart::Ref(parse_ref(&reference, side)?));
        rest = &rest[len..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(ValuePart::Text(text));
    }
    if parts.is_empty() {
        return Err(
            "an empty value: give static text or a `$request…`/`$context…` reference".into(),
        );
    }
    Ok(parts)
}

fn parse_ref(r: &str, side: Side) -> Result<ValueRef, String> {
    let named = |prefix: &str| r.strip_prefix(prefix).filter(|n| !n.is_empty());
    let body_path = |prefix: &str| {
        r.strip_prefix(prefix).filter(|p| {
            // JSONPath without recursive descent or filters (spec/api-gateway.md §3).
            (p.starts_with('.') || p.starts_with('[')) && !p.contains("..") && !p.contains('?')
        })
    };
    let reference = if r == "$request.path" {
        ValueRef::RequestPath
    } else if let Some(n) = named("$request.header.") {
        ValueRef::RequestHeader(n.to_ascii_lowercase())
    } else if let Some(n) = named("$request.querystring.") {
        ValueRef::RequestQueryString(n.to_owned())
    } else if let Some(n) = named("$request.path.") {
        ValueRef::RequestPathParameter(n.to_owned())
    } else if let Some(p) = body_path("$request.body") {
        ValueRef::RequestBody(p.to_owned())
    } else if let Some(n) = named("$context.") {
        ValueRef::Context(n.to_owned())
    } else if let Some(n) = named("$stageVariables.") {
        ValueRef::StageVariable(n.to_owned())
    } else if let (Some(n), Side::Response) = (named("$response.header."), side) {
        ValueRef::ResponseHeader(n.to_ascii_lowercase())
    } else if let (Some(p), Side::Response) = (body_path("$response.body"), side) {
        ValueRef::ResponseBody(p.to_owned())
    } else {
        let allowed = match side {
            Side::Request => "`$request.header.<name>`, `$request.querystring.<name>`, `$request.body.<jsonpath>`, `$request.path`, `$request.path.<name>`, `$context.<variable>` or `$stageVariables.<name>`",
            Side::Response => "`$response.header.<name>`, `$response.body.<jsonpath>`, `$request.…`, `$context.<variable>` or `$stageVariables.<name>`",
        };
        return Err(format!("`{r}` is not a mapping value: expected {allowed}"));
    };
    Ok(reference)
}

/// Origins' `api = "name"` must name an `[[apis]]` entry.
pub(super) fn check_api_origins(
    c: &mut Checker,
    distributions: &[Distribution],
    apis: &[ApiConfig],
) {
    for (i, d) in distributions.iter().enumerate() {
        for (j, o) in d.origins.iter().enumerate() {
            let OriginKind::Api(name) = &o.kind else {
                continue;
            };
            if apis.iter().all(|a| &a.name != name) {
                let at = KeyPath::default()
                    .key("distributions")
                    .index(i)
                    .key("origins")
                    .index(j)
                    .key("api");
                let message = format!("unknown api `{name}`");
                match did_you_mean(name, apis.iter().map(|a| a.name.as_str())) {
                    Some(h) => c.error_hint(&at, message, h),
                    None => c.error_hint(&at, message, "declare it in `[[apis]]`"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn errors(tail: &str) -> Vec<String> {
        let source = format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\napi = \"pets\"\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n{tail}"
        );
        match crate::toml::parse(&source, Path::new("t.toml"), Path::new(".")) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_api_loads() {
        let e = errors(
            r#"[[apis]]
name = "pets"
[[apis.stages]]
name = "$default"
[[apis.stages]]
name = "dev"
variables = { backend = "127.0.0.1:9000" }
[apis.routes."GET /pets/{id}"]
uri = "http://${stageVariables.backend}/pets/{id}"
request_parameters = { "overwrite:header.x-stage" = "$context.stage", "append:querystring.q" = "${request.header.x} and $request.path" }
response_parameters = { "500" = { "overwrite:statuscode" = "503" } }
[apis.routes."ANY /{proxy+}"]
uri = "http://127.0.0.1:9000"
"#,
        );
        assert!(e.is_empty(), "{e:#?}");
    }

    #[test]
    fn route_keys_and_mappings_are_checked() {
        let e = errors(
            r#"[[apis]]
name = "pets"
[apis.routes."FETCH /x"]
uri = "http://a"
[apis.routes."GET /a/{p+}/b"]
uri = "http://a"
[apis.routes."GET /a/{x}"]
uri = "http://a"
[apis.routes."GET /a/{y}"]
uri = "http://a"
[apis.routes."GET /b"]
uri = "http://a"
request_parameters = { "overwrite:header.authorization" = "x", "overwrite:header.x" = "$request.nope" }
[apis.routes."GET /c"]
lambda = "nope"
"#,
        );
        let joined = e.join("\n");
        for expected in [
            "unknown method `FETCH`",
            "the greedy variable `{p+}` must be the last segment",
            "route `GET /a/{y}` conflicts with `GET /a/{x}`",
            "header `authorization` is reserved",
            "`$request.nope` is not a mapping value",
            "unknown lambda function `nope`",
        ] {
            assert!(joined.contains(expected), "{expected}: {joined}");
        }
    }

    #[test]
    fn an_unknown_api_and_lambda_limits() {
        let source = r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
api = "pest"
[distributions.default_cache_behavior]
target_origin_id = "a"
[[apis]]
name = "pets"
[[lambda_functions]]
name = "f"
component = "Cargo.toml"
timeout = 901
reserved_concurrency = 1
provisioned_concurrency = 2
environment = { AWS_REGION = "x" }
"#;
        let e: Vec<String> = crate::toml::parse(source, Path::new("t.toml"), Path::new("."))
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        let joined = e.join("\n");
        for expected in [
            "t.toml:5:7: distributions[0].origins[0].api: unknown api `pest` (did you mean `pets`?)",
            "lambda_functions[0].timeout: 901 is out of range: expected 1 to 900",
            "2 is above reserved_concurrency = 1",
            "`AWS_REGION` is reserved",
        ] {
            assert!(joined.contains(expected), "{expected}: {joined}");
        }
    }
}
