//! `components.securitySchemes` → authorizers, operation `security` → a route's authorizer and
//! scopes, and `x-amazon-apigateway-cors` (spec/api-gateway.md §8–9).

use super::document::{Node, Value};
use super::integration::function_name;
use super::reader::Reader;
use crate::error::{did_you_mean, KeyPath, Severity};
use crate::raw_apis::{RawApiCors, RawAuthorizer, RawRoute};

/// What a security scheme is to localfront.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scheme {
    /// An authorizer of `[[apis.authorizers]]` (index into the imported ones).
    Authorizer(usize),
    /// REST's API key: `type: apiKey, in: header, name: x-api-key` without an authorizer.
    ApiKey,
    /// Something localfront cannot enforce (IAM, REST authorizer types, plain OpenAPI schemes):
    /// referencing it is an error, with this reason.
    Unsupported(String),
}

/// A security scheme's OpenAPI keys.
const SCHEME_KEYS: &[&str] = &[
    "type",
    "description",
    "name",
    "in",
    "scheme",
    "bearerFormat",
    "flows",
    "openIdConnectUrl",
    "x-amazon-apigateway-authorizer",
    "x-amazon-apigateway-authtype",
];

const AUTHORIZER_KEYS: &[&str] = &[
    "type",
    "identitySource",
    "jwtConfiguration",
    "authorizerUri",
    "authorizerPayloadFormatVersion",
    "authorizerResultTtlInSeconds",
    "enableSimpleResponses",
    "authorizerCredentials",
];

/// `components.securitySchemes`: the authorizers they define, and each scheme by name.
pub(super) fn schemes(
    r: &mut Reader,
    node: &Node,
    path: &KeyPath,
) -> (Vec<RawAuthorizer>, Vec<(String, Scheme)>) {
    let mut authorizers = Vec::new();
    let mut schemes = Vec::new();
    for (name, node) in r.entries(node, path) {
        let at = path.key(&name.name);
        let scheme = scheme(r, &name.name, node, &at, &mut authorizers).unwrap_or_else(|| {
            Scheme::Unsupported(format!("security scheme `{}` has errors", name.name))
        });
        schemes.push((name.name.clone(), scheme));
    }
    (authorizers, schemes)
}

/// One scheme, its authorizer pushed to `authorizers`; `None` on errors (reported).
fn scheme(
    r: &mut Reader,
    name: &str,
    scheme: &Node,
    path: &KeyPath,
    authorizers: &mut Vec<RawAuthorizer>,
) -> Option<Scheme> {
    let index = authorizers.len();
    let origins = r.origins.len();
    let errors = r.errors.len();
    let mut openapi_type = None;
    let mut api_key_header = None;
    let mut open_id_url = None;
    let mut extension = None;
    let mut authtype = None;
    for (k, v) in r.entries(scheme, path) {
        let at = path.key(&k.name);
        match k.name.as_str() {
            "type" => openapi_type = r.string(v, &at),
            "name" => api_key_header = r.string(v, &at),
            "openIdConnectUrl" => open_id_url = r.string(v, &at).map(|u| (v, u)),
            "x-amazon-apigateway-authorizer" => extension = Some((k, v)),
            "x-amazon-apigateway-authtype" => authtype = r.string(v, &at),
            "in" | "description" | "scheme" | "bearerFormat" | "flows" => {}
            n if n.starts_with("x-") && !n.starts_with("x-amazon-apigateway-") => {}
            _ => r.unknown_key(k, path, SCHEME_KEYS),
        }
    }
    let raw_at = KeyPath::default().key("authorizers").index(index);
    let Some((ext_key, ext)) = extension else {
        if r.errors.len() > errors {
            return None;
        }
        let reason = match (openapi_type.as_deref(), authtype.as_deref()) {
            (Some("apiKey"), None)
                if api_key_header
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case("x-api-key")) =>
            {
                return Some(Scheme::ApiKey);
            }
            (_, Some(t)) if t.eq_ignore_ascii_case("awsSigv4") => format!(
                "security scheme `{name}` is IAM authorization (SigV4), which localfront does not enforce"
            ),
            _ => format!(
                "security scheme `{name}` has no `x-amazon-apigateway-authorizer`: localfront enforces JWT and Lambda authorizers only"
            ),
        };
        return Some(Scheme::Unsupported(reason));
    };
    let ext_at = path.key("x-amazon-apigateway-authorizer");
    r.came_from(raw_at.clone(), ext_key, &ext_at);
    let mut a = RawAuthorizer {
        name: Some(name.to_owned()),
        ..RawAuthorizer::default()
    };
    let mut kind = None;
    let mut jwt_config: Option<&Node> = None;
    let mut function = None;
    for (k, v) in r.entries(ext, &ext_at) {
        let at = ext_at.key(&k.name);
        match k.name.as_str() {
            "type" => kind = r.string(v, &at).map(|t| (v, t.to_ascii_lowercase())),
            "identitySource" => {
                a.identity_source = Some(r.strings(v, &at, true));
                r.came_from(raw_at.key("identity_source"), v, &at);
            }
            "jwtConfiguration" => jwt_config = Some(v),
            "authorizerUri" => function = r.string(v, &at).map(|u| (v, u)),
            "authorizerPayloadFormatVersion" => {
                if let Some(version) = r.text(v, &at) {
                    if version != "2.0" {
                        r.error_hint(
                            v,
                            &at,
                            format!("payload format `{version}`: localfront's Lambda authorizers use format `2.0`"),
                            "write `authorizerPayloadFormatVersion: \"2.0\"`",
                        );
                    }
                }
            }
            "authorizerResultTtlInSeconds" => {
                a.ttl_seconds = r.integer(v, &at);
                r.came_from(raw_at.key("ttl_seconds"), v, &at);
            }
            "enableSimpleResponses" => {
                a.enable_simple_responses = r.boolean(v, &at);
                r.came_from(raw_at.key("enable_simple_responses"), v, &at);
            }
            "authorizerCredentials" => r.notice(
                Severity::Info,
                v,
                &at,
                "ignored: localfront invokes authorizers without IAM credentials",
            ),
            _ => r.unknown_key(k, &ext_at, AUTHORIZER_KEYS),
        }
    }
    let type_at = ext_at.key("type");
    match kind.as_ref().map(|(v, k)| (*v, k.as_str())) {
        Some((_, "jwt")) => {
            a.kind = Some("jwt".into());
            if a.identity_source.is_none() {
                a.identity_source = Some(vec!["$request.header.Authorization".into()]);
            }
            if let Some(v) = jwt_config {
                let at = ext_at.key("jwtConfiguration");
                for (key, value) in r.entries(v, &at) {
                    let value_at = at.key(&key.name);
                    match key.name.as_str() {
                        "issuer" => {
                            a.issuer = r.string(value, &value_at);
                            r.came_from(raw_at.key("issuer"), value, &value_at);
                        }
                        "audience" => {
                            a.audience = Some(r.strings(value, &value_at, false));
                            r.came_from(raw_at.key("audience"), value, &value_at);
                        }
                        _ => r.unknown_key(key, &at, &["issuer", "audience"]),
                    }
                }
            }
            if a.issuer.is_none() {
                // `type: openIdConnect`: the issuer is discovered from the URL (spec §9).
                if let Some((v, url)) = open_id_url {
                    let issuer = url
                        .strip_suffix("/.well-known/openid-configuration")
                        .unwrap_or(&url)
                        .to_owned();
                    a.issuer = Some(issuer);
                    r.came_from(raw_at.key("issuer"), v, &path.key("openIdConnectUrl"));
                } else {
                    r.error_hint(
                        ext_key,
                        &ext_at,
                        "a JWT authorizer needs `jwtConfiguration.issuer` (or the scheme's `openIdConnectUrl`)",
                        "e.g. `jwtConfiguration: { issuer: \"https://issuer.example.com\", audience: [\"app\"] }`",
                    );
                }
            }
        }
        Some((_, "request")) => {
            a.kind = Some("lambda".into());
            match function {
                Some((v, uri)) => match function_name(&uri) {
                    Some((f, _)) => {
                        a.function = Some(f.to_owned());
                        r.came_from(raw_at.key("function"), v, &ext_at.key("authorizerUri"));
                    }
                    None => r.error_hint(
                        v,
                        &ext_at.key("authorizerUri"),
                        format!("`{uri}` is not a Lambda function ARN"),
                        "`arn:aws:lambda:<region>:<account>:function:<name>` or API Gateway's `…/functions/<function ARN>/invocations`",
                    ),
                },
                None => r.error_hint(
                    ext_key,
                    &ext_at,
                    "a Lambda authorizer needs `authorizerUri`",
                    "the authorizer function's ARN, e.g. `arn:aws:lambda:us-east-1:123456789012:function:authz`",
                ),
            }
        }
        Some((v, t @ ("token" | "cognito_user_pools"))) => {
            r.notice(
                Severity::Warning,
                v,
                &type_at,
                format!("REST authorizer type `{t}` is not supported by HTTP APIs (use `jwt` or `request`)"),
            );
            return Some(Scheme::Unsupported(format!(
                "security scheme `{name}` is a REST `{t}` authorizer, which HTTP APIs do not support"
            )));
        }
        Some((v, t)) => {
            r.error_hint(
                v,
                &type_at,
                format!("unknown authorizer type `{t}`"),
                "expected `jwt` or `request`",
            );
        }
        None => r.error_hint(
            ext_key,
            &ext_at,
            "the authorizer has no `type`",
            "`type: jwt` or `type: request` (a Lambda authorizer)",
        ),
    }
    if r.errors.len() > errors {
        // The authorizer is not imported: nothing may be located at its index.
        r.origins.truncate(origins);
        return None;
    }
    authorizers.push(a);
    Some(Scheme::Authorizer(index))
}

/// An operation's (or the document's) `security`: sets the route's authorizer, scopes and
/// `api_key_required`.
pub(super) fn apply(
    r: &mut Reader,
    node: &Node,
    path: &KeyPath,
    schemes: &[(String, Scheme)],
    authorizers: &[RawAuthorizer],
    route: &mut RawRoute,
    raw_at: &KeyPath,
) {
    let Value::Seq(requirements) = &node.value else {
        r.error(
            node,
            path,
            format!(
                "expected a list of security requirements, found {}",
                node.kind()
            ),
        );
        return;
    };
    if requirements.len() > 1 {
        r.error_hint(
            node,
            path,
            "alternative security requirements: API Gateway takes one authorizer per operation",
            "keep one requirement object, e.g. `security: [ { idp: [\"pets/read\"] } ]`",
        );
        return;
    }
    let Some(requirement) = requirements.first() else {
        return; // `security: []`: no authorization
    };
    let at = path.index(0);
    for (k, scopes) in r.entries(requirement, &at) {
        let scheme_at = at.key(&k.name);
        let Some((_, scheme)) = schemes.iter().find(|(n, _)| *n == k.name) else {
            let message = format!("unknown security scheme `{}`", k.name);
            match did_you_mean(&k.name, schemes.iter().map(|(n, _)| n.as_str())) {
                Some(h) => r.error_hint(k, &scheme_at, message, h),
                None => r.error_hint(
                    k,
                    &scheme_at,
                    message,
                    "declare it in `components.securitySchemes`",
                ),
            }
            continue;
        };
        let scopes = r.strings(scopes, &scheme_at, false);
        match scheme {
            Scheme::Authorizer(i) => {
                if route.authorizer.is_some() {
                    r.error(k, &scheme_at, "a second authorizer: API Gateway takes one authorizer per operation");
                    continue;
                }
                route.authorizer = authorizers[*i].name.clone();
                route.authorization_scopes = scopes;
                r.came_from(raw_at.key("authorizer"), k, &scheme_at);
                r.came_from(raw_at.key("authorization_scopes"), k, &scheme_at);
            }
            Scheme::ApiKey => {
                route.api_key_required = Some(true);
                r.came_from(raw_at.key("api_key_required"), k, &scheme_at);
            }
            Scheme::Unsupported(reason) => r.error_hint(
                k,
                &scheme_at,
                reason.clone(),
                "give the scheme an `x-amazon-apigateway-authorizer` of `type: jwt` or `type: request`",
            ),
        }
    }
}

/// `x-amazon-apigateway-cors` → `[apis.cors]`.
pub(super) fn cors(r: &mut Reader, node: &Node, path: &KeyPath) -> RawApiCors {
    let mut cors = RawApiCors::default();
    let raw_at = KeyPath::default().key("cors");
    r.came_from(raw_at.clone(), node, path);
    for (k, v) in r.entries(node, path) {
        let at = path.key(&k.name);
        let (raw_key, list) = match k.name.as_str() {
            "allowOrigins" => ("allow_origins", Some(&mut cors.allow_origins)),
            "allowMethods" => ("allow_methods", Some(&mut cors.allow_methods)),
            "allowHeaders" => ("allow_headers", Some(&mut cors.allow_headers)),
            "exposeHeaders" => ("expose_headers", Some(&mut cors.expose_headers)),
            "maxAge" => {
                cors.max_age = r.integer(v, &at);
                ("max_age", None)
            }
            "allowCredentials" => {
                cors.allow_credentials = r.boolean(v, &at);
                ("allow_credentials", None)
            }
            _ => {
                r.unknown_key(
                    k,
                    path,
                    &[
                        "allowOrigins",
                        "allowMethods",
                        "allowHeaders",
                        "exposeHeaders",
                        "maxAge",
                        "allowCredentials",
                    ],
                );
                continue;
            }
        };
        if let Some(list) = list {
            *list = r.strings(v, &at, false);
        }
        r.came_from(raw_at.key(raw_key), v, &at);
    }
    cors
}
