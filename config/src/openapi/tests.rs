//! The import end to end through the TOML front end: routes, integrations and security as the
//! model or the raw API sees them, and every problem at its `file:line:col`.

use std::path::Path;

use super::import_apis;
use crate::apis::{Integration, PayloadFormat, RouteKey};
use crate::model::Config;
use crate::raw_apis::RawApi;
use crate::ConfigNotice;

const CONFIG: &str = r##"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
api = "pets"
[distributions.default_cache_behavior]
target_origin_id = "a"
[[lambda_functions]]
name = "orders"
component = "lf.toml"
[[lambda_functions]]
name = "authz"
component = "lf.toml"
[[apis]]
name = "pets"
openapi = "api.yaml"
"##;

/// Loads `CONFIG` + `tail` with `yaml` as `api.yaml`, both in a temp dir.
fn load(yaml: &str, tail: &str) -> Result<(Config, Vec<ConfigNotice>), Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.yaml"), yaml).unwrap();
    let config = format!("{CONFIG}{tail}");
    std::fs::write(dir.path().join("lf.toml"), &config).unwrap();
    crate::toml::load_reporting(&dir.path().join("lf.toml")).map_err(|e| {
        let prefix = format!("{}/", dir.path().display());
        e.0.iter()
            .map(|e| e.to_string().replace(&prefix, ""))
            .collect()
    })
}

fn errors(yaml: &str) -> Vec<String> {
    load(yaml, "").map(|_| ()).unwrap_err()
}

const PETSTORE: &str = r##"openapi: 3.0.1
info: { title: pets, version: "1" }
x-amazon-apigateway-cors:
  allowOrigins: ["http://localhost:5173"]
  allowMethods: [GET]
  maxAge: 600
x-amazon-apigateway-api-key-source: HEADER
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/backend"
    post:
      requestBody: { content: { application/json: { schema: { type: object } } } }
      security: [ { api_key: [] } ]
      x-amazon-apigateway-integration:
        type: HTTP_PROXY
        httpMethod: ANY
        uri: http://127.0.0.1:9000/pets
        payloadFormatVersion: 1.0
        timeoutInMillis: 5000
        requestParameters: { "overwrite:header.x-stage": "$context.stage" }
        responseParameters: { "500": { "overwrite:statuscode": "503" } }
  /orders/{id}:
    get:
      security: [ { idp: ["orders.read"] } ]
      x-amazon-apigateway-integration: { type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0",
        uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:orders/invocations" }
    delete:
      security: [ { authz: [] } ]
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "arn:aws:lambda:us-east-1:1:function:orders" }
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://127.0.0.1:9000" }
components:
  x-amazon-apigateway-integrations:
    backend: { type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:9000/{proxy}", payloadFormatVersion: "1.0" }
  securitySchemes:
    idp:
      type: oauth2
      x-amazon-apigateway-authorizer: { type: jwt, identitySource: "$request.header.Authorization",
        jwtConfiguration: { issuer: "http://127.0.0.1:8081/realm", audience: ["web-client"] } }
    authz:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.Authorization, $request.querystring.token"
        authorizerUri: arn:aws:lambda:us-east-1:1:function:authz
        authorizerPayloadFormatVersion: "2.0"
        authorizerResultTtlInSeconds: 60
        enableSimpleResponses: true
    api_key: { type: apiKey, name: x-api-key, in: header }
"##;

#[test]
fn a_petstore_imports_routes_and_integrations() {
    let (config, notices) = load(PETSTORE, "").unwrap();
    let api = &config.apis[0];
    let keys: Vec<String> = api.routes.iter().map(|r| r.key.to_string()).collect();
    for key in [
        "$default",
        "DELETE /orders/{id}",
        "GET /orders/{id}",
        "GET /pets",
        "POST /pets",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key}: {keys:?}");
    }
    let route = |key: &str| {
        api.routes
            .iter()
            .find(|r| r.key.to_string() == key)
            .unwrap()
    };
    assert_eq!(
        route("GET /pets").integration,
        Integration::Http {
            uri: "http://127.0.0.1:9000/{proxy}".into()
        }
    );
    let post = route("POST /pets");
    assert_eq!(post.timeout.as_millis(), 5000);
    assert_eq!(post.request_parameters.len(), 1);
    assert_eq!(post.response_parameters[0].0, 500);
    assert_eq!(
        route("GET /orders/{id}").integration,
        Integration::Lambda {
            function: "orders".into(),
            payload_format: PayloadFormat::V2
        }
    );
    assert_eq!(route("$default").key, RouteKey::Default);
    // `requestBody` is Info; the HTTP_PROXY `httpMethod: GET` on a GET route needs no warning.
    let notices: Vec<String> = notices.iter().map(ToString::to_string).collect();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert!(
        notices[0].ends_with("api.yaml:14:7: info: paths./pets.post.requestBody: ignored: HTTP APIs do not validate request bodies"),
        "{notices:#?}"
    );
}

#[test]
fn security_schemes_cors_and_the_key_source_become_raw_api_parts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.yaml"), PETSTORE).unwrap();
    let mut apis = vec![RawApi {
        openapi: Some("api.yaml".into()),
        ..RawApi::default()
    }];
    let imports = import_apis(&mut apis, dir.path());
    assert!(imports.errors.is_empty(), "{:#?}", imports.errors);
    let api = &apis[0];
    assert_eq!(api.authorizers.len(), 2);
    let idp = &api.authorizers[0];
    assert_eq!(idp.name.as_deref(), Some("idp"));
    assert_eq!(idp.kind.as_deref(), Some("jwt"));
    assert_eq!(
        idp.identity_source.as_deref(),
        Some(&["$request.header.Authorization".to_owned()][..])
    );
    assert_eq!(idp.issuer.as_deref(), Some("http://127.0.0.1:8081/realm"));
    assert_eq!(
        idp.audience.as_deref(),
        Some(&["web-client".to_owned()][..])
    );
    let authz = &api.authorizers[1];
    assert_eq!(authz.kind.as_deref(), Some("lambda"));
    assert_eq!(authz.function.as_deref(), Some("authz"));
    assert_eq!(
        authz.identity_source,
        Some(vec![
            "$request.header.Authorization".to_owned(),
            "$request.querystring.token".to_owned()
        ])
    );
    assert_eq!(
        (authz.ttl_seconds, authz.enable_simple_responses),
        (Some(60), Some(true))
    );
    let get = &api.routes["GET /orders/{id}"];
    assert_eq!(get.authorizer.as_deref(), Some("idp"));
    assert_eq!(get.authorization_scopes, ["orders.read"]);
    assert_eq!(
        api.routes["DELETE /orders/{id}"].authorizer.as_deref(),
        Some("authz")
    );
    assert_eq!(api.routes["POST /pets"].api_key_required, Some(true));
    assert_eq!(api.routes["GET /pets"].authorizer, None);
    let cors = api.cors.as_ref().unwrap();
    assert_eq!(cors.allow_origins, ["http://localhost:5173"]);
    assert_eq!(
        (cors.allow_methods.as_slice(), cors.max_age),
        (&["GET".to_owned()][..], Some(600))
    );
    assert_eq!(api.api_key_source.as_deref(), Some("HEADER"));
}

#[test]
fn toml_routes_and_authorizers_override_the_import() {
    let (config, _) = load(
        PETSTORE,
        "[apis.routes.\"GET /pets\"]\nuri = \"http://127.0.0.1:9001/toml\"\n[apis.routes.\"GET /extra\"]\nlambda = \"orders\"\n",
    )
    .unwrap();
    let api = &config.apis[0];
    let get = api
        .routes
        .iter()
        .find(|r| r.key.to_string() == "GET /pets")
        .unwrap();
    assert_eq!(
        get.integration,
        Integration::Http {
            uri: "http://127.0.0.1:9001/toml".into()
        }
    );
    assert!(api.routes.iter().any(|r| r.key.to_string() == "GET /extra"));
    assert!(api.routes.iter().any(|r| r.key.to_string() == "POST /pets"));
}

#[test]
fn json_documents_import_too() {
    let json = r##"{
  "openapi": "3.0.1",
  "paths": {
    "/pets/{id}": {
      "get": {
        "x-amazon-apigateway-integration": { "type": "HTTP_PROXY", "uri": "http://127.0.0.1:9000/pets/{id}", "payloadFormatVersion": 1.0 }
      }
    }
  }
}
"##;
    let (config, _) = load(json, "").unwrap();
    assert_eq!(config.apis[0].routes[0].key.to_string(), "GET /pets/{id}");
}

#[test]
fn swagger_2_is_an_error_at_its_key() {
    assert_eq!(
        errors("swagger: \"2.0\"\ninfo: { title: x, version: \"1\" }\npaths: {}\n"),
        [
            r#"api.yaml:1:1: swagger: `swagger: "2.0"`: API Gateway HTTP APIs import OpenAPI 3.0 only (convert the document to OpenAPI 3.0 (`openapi: 3.0.1`))"#
        ]
    );
    assert_eq!(
        errors("openapi: 3.1.0\npaths: {}\n"),
        ["api.yaml:1:10: openapi: OpenAPI `3.1.0`: API Gateway HTTP APIs import OpenAPI 3.0 only (write `openapi: 3.0.1`)"]
    );
}

#[test]
fn integration_errors_name_their_position() {
    let e = errors(
        r##"openapi: 3.0.1
paths:
  /a:
    get:
      x-amazon-apigateway-integration: { type: lambda_proxy, uri: "http://x" }
  /b:
    get:
      x-amazon-apigateway-integration: { $ref: "#/components/x-amazon-apigateway-integrations/backnd" }
    put:
      x-amazon-apigateway-integration: { $ref: "#/components/integrations/backend" }
  /c:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        payloadFormatVersion: "1.0"
    post:
      x-amazon-apigateway-integration: { type: aws_proxy, uri: "orders" }
    put:
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://x", timeout: 10 }
components:
  x-amazon-apigateway-integrations:
    backend: { type: http_proxy, uri: "http://127.0.0.1:9000" }
"##,
    );
    assert_eq!(
        e,
        [
            "api.yaml:5:48: paths./a.get.x-amazon-apigateway-integration.type: unknown integration type `LAMBDA_PROXY` (expected `aws_proxy` (a Lambda function) or `http_proxy` (an HTTP backend))",
            "api.yaml:8:48: paths./b.get.x-amazon-apigateway-integration.$ref: `#/components/x-amazon-apigateway-integrations/backnd`: no integration `backnd` in `components.x-amazon-apigateway-integrations` (did you mean `backend`?)",
            "api.yaml:10:48: paths./b.put.x-amazon-apigateway-integration.$ref: `#/components/integrations/backend` is not an integration reference (integrations are referenced as `#/components/x-amazon-apigateway-integrations/<name>`)",
            "api.yaml:14:9: paths./c.get.x-amazon-apigateway-integration: the http_proxy integration has no `uri` (the backend's URL, e.g. `http://127.0.0.1:9000/pets/{id}`)",
            "api.yaml:17:64: paths./c.post.x-amazon-apigateway-integration.uri: `orders` is not a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>` or `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`)",
            "api.yaml:19:77: paths./c.put.x-amazon-apigateway-integration.timeout: unknown key `timeout` (expected one of `type`, `httpMethod`, `uri`, `payloadFormatVersion`, `connectionType`, `connectionId`, `timeoutInMillis`, `credentials`, `integrationSubtype`, `requestParameters`, `responseParameters`, `tlsConfig`)",
        ]
    );
}

#[test]
fn validation_errors_about_imported_values_point_into_the_document() {
    let e = errors(
        r##"openapi: 3.0.1
paths:
  /orders:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:lambda:us-east-1:1:function:ordrs
    post:
      x-amazon-apigateway-integration:
        type: http_proxy
        uri: https://example.com/
        timeoutInMillis: 40000
        requestParameters: { "overwrite:header.authorization": "x" }
"##,
    );
    assert_eq!(
        e,
        [
            "api.yaml:7:14: paths./orders.get.x-amazon-apigateway-integration.uri: unknown lambda function `ordrs` (did you mean `orders`?)",
            "api.yaml:11:14: paths./orders.post.x-amazon-apigateway-integration.uri: `https://example.com/`: localfront calls HTTP backends over plain http only (use an `http://` URI (a local backend))",
            "api.yaml:12:26: paths./orders.post.x-amazon-apigateway-integration.timeoutInMillis: 40000 is out of range: expected 50 to 30000",
            "api.yaml:13:30: paths./orders.post.x-amazon-apigateway-integration.requestParameters.overwrite:header.authorization: header `authorization` is reserved: API Gateway does not let mappings change it",
        ]
    );
}

#[test]
fn unsupported_integrations_are_warnings_and_left_out() {
    let (config, notices) = load(
        r##"openapi: 3.0.1
paths:
  /mock:
    get:
      x-amazon-apigateway-integration: { type: MOCK }
  /none:
    get:
      summary: no integration
  /ok:
    get:
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://127.0.0.1:9000" }
x-amazon-apigateway-binary-media-types: ["image/png"]
"##,
        "",
    )
    .unwrap();
    let keys: Vec<String> = config.apis[0]
        .routes
        .iter()
        .map(|r| r.key.to_string())
        .collect();
    assert_eq!(keys, ["GET /ok"]);
    let notices: Vec<String> = notices.iter().map(ToString::to_string).collect();
    assert_eq!(
        notices.iter().map(|n| &n[n.find("api.yaml").unwrap()..]).collect::<Vec<_>>(),
        [
            "api.yaml:5:48: warning: paths./mock.get.x-amazon-apigateway-integration.type: integration type `MOCK` is not supported by HTTP APIs (only AWS_PROXY and HTTP_PROXY): route `GET /mock` is not imported",
            "api.yaml:7:5: warning: paths./none.get: no `x-amazon-apigateway-integration`: route `GET /none` is not imported",
            "api.yaml:12:1: info: x-amazon-apigateway-binary-media-types: ignored: `x-amazon-apigateway-binary-media-types` applies to REST APIs",
        ]
    );
}

#[test]
fn unknown_extensions_and_security_problems_are_errors() {
    let e = errors(
        r##"openapi: 3.0.1
x-amazon-apigateway-corz: {}
paths:
  /a:
    get:
      security: [ { iam: [] } ]
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://127.0.0.1:9000" }
    put:
      security: [ { idq: [] } ]
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://127.0.0.1:9000" }
components:
  securitySchemes:
    iam: { type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4 }
    idp: { type: oauth2, x-amazon-apigateway-authorizer: { type: jwt } }
"##,
    );
    assert_eq!(
        e,
        [
            "api.yaml:2:1: x-amazon-apigateway-corz: unknown extension `x-amazon-apigateway-corz` here (did you mean `x-amazon-apigateway-cors`?)",
            "api.yaml:6:21: paths./a.get.security[0].iam: security scheme `iam` is IAM authorization (SigV4), which localfront does not enforce (give the scheme an `x-amazon-apigateway-authorizer` of `type: jwt` or `type: request`)",
            "api.yaml:9:21: paths./a.put.security[0].idq: unknown security scheme `idq` (did you mean `idp`?)",
            "api.yaml:14:26: components.securitySchemes.idp.x-amazon-apigateway-authorizer: a JWT authorizer needs `jwtConfiguration.issuer` (or the scheme's `openIdConnectUrl`) (e.g. `jwtConfiguration: { issuer: \"https://issuer.example.com\", audience: [\"app\"] }`)",
        ]
    );
}

#[test]
fn an_unreadable_document_is_reported_at_the_openapi_key() {
    let dir = tempfile::tempdir().unwrap();
    let e = crate::toml::parse(CONFIG, Path::new("lf.toml"), dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("lf.toml:16:11: apis[0].openapi: cannot read the OpenAPI document"),
        "{e}"
    );
}

#[test]
fn yaml_syntax_errors_have_positions() {
    let e = errors("openapi: 3.0.1\npaths:\n  /a: [1, 2\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("api.yaml:"), "{e:?}");
}
