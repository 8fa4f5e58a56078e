//! An OpenAPI 3.0 document → the raw API parts it defines (spec/api-gateway.md §9): one route per
//! operation (`x-amazon-apigateway-any-method` = `ANY`, `isDefaultRoute` under `/$default` =
//! `$default`), integrations written inline or `$ref`'d from
//! `components.x-amazon-apigateway-integrations`, authorizers from `components.securitySchemes`,
//! CORS and the API key source.

use super::document::{Key, Node, Value};
use super::integration;
use super::reader::Reader;
use super::security::{self, Scheme};
use crate::error::{did_you_mean, KeyPath, Severity};
use crate::raw_apis::{RawApiCors, RawAuthorizer, RawRoute};

/// What a document defines, as the raw parts of an `[[apis]]` entry.
#[derive(Debug, Default)]
pub(crate) struct Imported {
    /// Route key → route.
    pub routes: Vec<(String, RawRoute)>,
    pub authorizers: Vec<RawAuthorizer>,
    pub cors: Option<RawApiCors>,
    pub api_key_source: Option<String>,
}

/// OpenAPI 3.0's top-level keys.
const ROOT_KEYS: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "paths",
    "components",
    "security",
    "tags",
    "externalDocs",
];

/// Operations' keys localfront reads or that only document the API.
const OPERATION_KEYS: &[&str] = &[
    "x-amazon-apigateway-integration",
    "security",
    "requestBody",
    "parameters",
    "responses",
    "summary",
    "description",
    "operationId",
    "tags",
    "deprecated",
    "externalDocs",
    "callbacks",
    "servers",
];

/// Path items' methods and their route methods.
const METHODS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("options", "OPTIONS"),
    ("head", "HEAD"),
    ("patch", "PATCH"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// REST-only extensions: HTTP APIs import them as Info (spec/api-gateway.md §9).
const REST_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-tag-value",
];

/// The document-level extensions localfront reads.
const ROOT_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-cors",
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-importexport-version",
];

/// Reads the document `root`; problems go to `r`.
pub(crate) fn document(r: &mut Reader, root: &Node) -> Imported {
    let top = KeyPath::default();
    let mut out = Imported::default();
    let Value::Map(entries) = &root.value else {
        r.error(
            root,
            &top,
            format!(
                "expected an OpenAPI document (a mapping), found {}",
                root.kind()
            ),
        );
        return out;
    };
    if let Some((k, v)) = root.get("swagger") {
        let version = v.text().unwrap_or_default();
        r.error_hint(
            k,
            &top.key("swagger"),
            format!("`swagger: \"{version}\"`: API Gateway HTTP APIs import OpenAPI 3.0 only"),
            "convert the document to OpenAPI 3.0 (`openapi: 3.0.1`)",
        );
        return out;
    }
    match root.get("openapi") {
        None => {
            r.error_hint(
                root,
                &top,
                "not an OpenAPI document: no `openapi` version",
                "start the document with `openapi: 3.0.1`",
            );
            return out;
        }
        Some((_, v)) => {
            let version = v.text().unwrap_or_default();
            if version != "3.0" && !version.starts_with("3.0.") {
                r.error_hint(
                    v,
                    &top.key("openapi"),
                    format!("OpenAPI `{version}`: API Gateway HTTP APIs import OpenAPI 3.0 only"),
                    "write `openapi: 3.0.1`",
                );
                return out;
            }
        }
    }
    let components = root.get("components").map(|(_, v)| v);
    let integrations = components.and_then(|c| c.get("x-amazon-apigateway-integrations"));
    let (authorizers, schemes) = match components.and_then(|c| c.get("securitySchemes")) {
        Some((_, v)) => security::schemes(r, v, &top.key("components").key("securitySchemes")),
        None => Default::default(),
    };
    out.authorizers = authorizers;
    if let Some(c) = components {
        check_components(r, c, &top.key("components"));
    }
    let default_security = root.get("security");
    for (k, v) in entries {
        let at = top.key(&k.name);
        match k.name.as_str() {
            "openapi" | "info" | "servers" | "components" | "security" | "tags"
            | "externalDocs" => {}
            "paths" => {
                let ctx = Context {
                    integrations: integrations.map(|(_, v)| v),
                    schemes: &schemes,
                    authorizers: &out.authorizers,
                    default_security,
                };
                out.routes = paths(r, v, &at, &ctx);
            }
            "x-amazon-apigateway-cors" => out.cors = Some(security::cors(r, v, &at)),
            "x-amazon-apigateway-api-key-source" => {
                out.api_key_source = r.string(v, &at);
                r.came_from(KeyPath::default().key("api_key_source"), v, &at);
            }
            "x-amazon-apigateway-importexport-version" => {
                if r.text(v, &at).is_some_and(|version| version != "1.0") {
                    r.error_hint(v, &at, "unknown import/export version", "write `\"1.0\"`");
                }
            }
            name => extension_or_unknown(r, k, &top, name, ROOT_KEYS, ROOT_EXTENSIONS),
        }
    }
    out
}

/// A key no object here accepts: REST-only extensions are Info, other `x-amazon-apigateway-`
/// extensions and unknown OpenAPI keys errors, other vendor extensions (`x-…`) ignored.
fn extension_or_unknown(
    r: &mut Reader,
    k: &Key,
    path: &KeyPath,
    name: &str,
    keys: &[&str],
    extensions: &[&str],
) {
    if REST_EXTENSIONS.contains(&name) {
        r.notice(
            Severity::Info,
            k,
            &path.key(name),
            format!("ignored: `{name}` applies to REST APIs"),
        );
    } else if name.starts_with("x-amazon-apigateway-") {
        let known = extensions.iter().chain(REST_EXTENSIONS);
        let message = format!("unknown extension `{name}` here");
        match did_you_mean(name, known.copied()) {
            Some(h) => r.error_hint(k, &path.key(name), message, h),
            None => r.error_hint(
                k,
                &path.key(name),
                message,
                format!("expected one of {}", crate::validate::quoted(extensions)),
            ),
        }
    } else if !name.starts_with("x-") {
        r.unknown_key(k, path, keys);
    }
}

/// `components`: only the extensions are checked; schemas and the rest document the API.
fn check_components(r: &mut Reader, node: &Node, path: &KeyPath) {
    const EXTENSIONS: &[&str] = &["x-amazon-apigateway-integrations"];
    for (k, _) in r.entries(node, path) {
        if k.name.starts_with("x-amazon-apigateway-") && !EXTENSIONS.contains(&k.name.as_str()) {
            extension_or_unknown(r, k, path, &k.name, &[], EXTENSIONS);
        }
    }
}

/// What operations need from the rest of the document.
struct Context<'a> {
    integrations: Option<&'a Node>,
    schemes: &'a [(String, Scheme)],
    authorizers: &'a [RawAuthorizer],
    default_security: Option<(&'a Key, &'a Node)>,
}

/// `paths` → routes.
fn paths(r: &mut Reader, node: &Node, path: &KeyPath, ctx: &Context) -> Vec<(String, RawRoute)> {
    let mut routes = Vec::new();
    for (p, item) in r.entries(node, path) {
        let item_at = path.key(&p.name);
        if !p.name.starts_with('/') {
            r.error(
                p,
                &item_at,
                format!("the path `{}` must start with `/`", p.name),
            );
            continue;
        }
        for (k, operation) in r.entries(item, &item_at) {
            let at = item_at.key(&k.name);
            let Some((_, method)) = METHODS.iter().find(|(m, _)| *m == k.name) else {
                match k.name.as_str() {
                    "parameters" | "summary" | "description" | "servers" => {}
                    "trace" => r.error(k, &at, "HTTP APIs have no TRACE routes"),
                    "$ref" => r.error_hint(
                        k,
                        &at,
                        "path item `$ref`s are not supported",
                        "write the operations under the path",
                    ),
                    name => {
                        let keys: Vec<&str> = METHODS
                            .iter()
                            .map(|(m, _)| *m)
                            .chain(["parameters", "summary", "description", "servers"])
                            .collect();
                        extension_or_unknown(
                            r,
                            k,
                            &item_at,
                            name,
                            &keys,
                            &["x-amazon-apigateway-any-method"],
                        );
                    }
                }
                continue;
            };
            if let Some(route) = operation_route(r, &p.name, method, k, operation, &at, ctx) {
                routes.push(route);
            }
        }
    }
    routes
}

/// One operation → its route key and route; `None` when it has errors or is left out.
fn operation_route(
    r: &mut Reader,
    openapi_path: &str,
    method: &str,
    key: &Key,
    node: &Node,
    at: &KeyPath,
    ctx: &Context,
) -> Option<(String, RawRoute)> {
    let any = method == "ANY";
    let default_route = match node.get("isDefaultRoute") {
        Some((k, v)) => {
            let is = r.boolean(v, &at.key("isDefaultRoute")).unwrap_or(false);
            if is && (!any || openapi_path != "/$default") {
                r.error_hint(
                    k,
                    &at.key("isDefaultRoute"),
                    "only `x-amazon-apigateway-any-method` under `/$default` can be the default route",
                    "move it to `paths: { /$default: { x-amazon-apigateway-any-method: { isDefaultRoute: true, … } } }`",
                );
                return None;
            }
            is
        }
        None => false,
    };
    let route_key = if default_route {
        "$default".to_owned()
    } else {
        format!("{method} {openapi_path}")
    };
    let raw_at = KeyPath::default().key("routes").key(&route_key);
    r.came_from(raw_at.clone(), key, at);
    let mut integration = None;
    for (k, v) in r.entries(node, at) {
        let key_at = at.key(&k.name);
        match k.name.as_str() {
            "x-amazon-apigateway-integration" => integration = Some((k, v)),
            "isDefaultRoute" if any => {}
            "requestBody" => r.notice(
                Severity::Info,
                k,
                &key_at,
                "ignored: HTTP APIs do not validate request bodies",
            ),
            name if OPERATION_KEYS.contains(&name) => {}
            name => {
                let mut keys = OPERATION_KEYS.to_vec();
                if any {
                    keys.push("isDefaultRoute");
                }
                extension_or_unknown(r, k, at, name, &keys, &["x-amazon-apigateway-integration"]);
            }
        }
    }
    let Some((ik, inode)) = integration else {
        r.notice(
            Severity::Warning,
            key,
            at,
            format!("no `x-amazon-apigateway-integration`: route `{route_key}` is not imported"),
        );
        return None;
    };
    let (inode, integration_at) = resolve(r, inode, &at.key(&ik.name), ctx.integrations)?;
    let mut route = integration::read(r, inode, &integration_at, &raw_at, method)?;
    let security = node
        .get("security")
        .map(|(_, v)| (v, at.key("security")))
        .or_else(|| {
            ctx.default_security
                .map(|(_, v)| (v, KeyPath::default().key("security")))
        });
    if let Some((v, security_at)) = security {
        security::apply(
            r,
            v,
            &security_at,
            ctx.schemes,
            ctx.authorizers,
            &mut route,
            &raw_at,
        );
    }
    Some((route_key, route))
}

/// An integration written inline, or its `$ref` to `#/components/x-amazon-apigateway-integrations/<name>`.
fn resolve<'a>(
    r: &mut Reader,
    node: &'a Node,
    at: &KeyPath,
    integrations: Option<&'a Node>,
) -> Option<(&'a Node, KeyPath)> {
    let Some((_, target)) = node.get("$ref") else {
        return Some((node, at.clone()));
    };
    let ref_at = at.key("$ref");
    if let Value::Map(entries) = &node.value {
        if let Some((extra, _)) = entries.iter().find(|(k, _)| k.name != "$ref") {
            r.error(
                extra,
                &at.key(&extra.name),
                "an integration `$ref` takes no other keys",
            );
            return None;
        }
    }
    let target_text = r.string(target, &ref_at)?;
    const PREFIX: &str = "#/components/x-amazon-apigateway-integrations/";
    let Some(name) = target_text.strip_prefix(PREFIX) else {
        r.error_hint(
            target,
            &ref_at,
            format!("`{target_text}` is not an integration reference"),
            format!("integrations are referenced as `{PREFIX}<name>`"),
        );
        return None;
    };
    let found = integrations.and_then(|i| i.get(name));
    match found {
        Some((_, integration)) => Some((
            integration,
            KeyPath::default()
                .key("components")
                .key("x-amazon-apigateway-integrations")
                .key(name),
        )),
        None => {
            let message = format!("`{target_text}`: no integration `{name}` in `components.x-amazon-apigateway-integrations`");
            let names: Vec<&str> = match integrations.map(|i| &i.value) {
                Some(Value::Map(entries)) => entries.iter().map(|(k, _)| k.name.as_str()).collect(),
                _ => Vec::new(),
            };
            match did_you_mean(name, names.iter().copied()) {
                Some(h) => r.error_hint(target, &ref_at, message, h),
                None => r.error(target, &ref_at, message),
            }
            None
        }
    }
}
