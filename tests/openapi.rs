//! OpenAPI 3.0 import (spec/api-gateway.md §9): a pet store document served by the real binary to
//! a real HTTP backend and a wasm Lambda function, TOML routes overriding imported ones, and
//! `localfront validate` reporting import findings and errors at the document's `file:line:col`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use support::guests::component;
use support::{Localfront, Reply, TestOrigin};

/// Every method allowed, nothing cached, every viewer value forwarded.
const PASS_THROUGH: &str = "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nallowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]";

fn petstore_yaml() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/openapi/petstore.yaml")
}

/// An HTTP backend answering with the method, path and query it received; `/pets/404` is a 404
/// and `/pets/slow` answers after 3 s.
async fn backend() -> TestOrigin {
    TestOrigin::start(|r| match r.uri.as_str() {
        u if u.starts_with("/pets/404") => Reply::new(404, "no such pet"),
        u if u.starts_with("/pets/slow") => Reply::new(200, "late").delay(Duration::from_secs(3)),
        _ => Reply::new(200, format!("{} {}", r.method, r.uri)),
    })
    .await
}

/// API `pets` imported from the pet store, its `backend` stage variable naming `backend`, the
/// `orders` function running the lambda-echo fixture; `tail` adds TOML.
async fn petstore(backend: &TestOrigin, tail: &str) -> Localfront {
    Localfront::builder()
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(&format!(
            r#"[[apis]]
name = "pets"
openapi = "{}"
[[apis.stages]]
name = "$default"
variables = {{ backend = "127.0.0.1:{}" }}
{tail}
[[lambda_functions]]
name = "orders"
component = "{}"
"#,
            petstore_yaml().display(),
            backend.port(),
            component("lambda-echo").display()
        ))
        .start()
        .await
}

async fn body_json(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn imported_http_routes_reach_the_backend_through_their_integrations() {
    let b = backend().await;
    let lf = petstore(&b, "").await;

    // `$ref`'d integration, for GET and POST.
    let res = lf.get("/pets").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("apigw-requestid"));
    assert_eq!(res.text().await.unwrap(), "GET /pets");
    let res = lf
        .request("POST", "/pets")
        .body("{\"name\":\"rex\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "POST /pets");
    assert_eq!(b.last_request().body, "{\"name\":\"rex\"}");

    // A path parameter in the URI, request parameter mappings, a response mapping.
    let res = lf.get("/pets/7").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "GET /pets/7?source=openapi");
    assert_eq!(b.last_request().header("x-pet-id"), "7");
    assert_eq!(lf.get("/pets/404").await.status(), 410);

    // `timeoutInMillis: 300`.
    let res = lf.get("/pets/slow").await;
    assert_eq!(res.status(), 504);
}

#[tokio::test]
async fn the_imported_default_route_takes_every_other_request() {
    let b = backend().await;
    let lf = petstore(&b, "").await;
    for method in ["GET", "PUT", "DELETE"] {
        let res = lf
            .request(method, "/anything/else?x=1")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{method}");
        assert_eq!(
            res.text().await.unwrap(),
            format!("{method} /anything/else?x=1")
        );
    }
}

#[tokio::test]
async fn imported_lambda_routes_invoke_the_function_named_by_the_arn() {
    let b = backend().await;
    let lf = petstore(&b, "").await;

    let res = lf.get("/orders/7").await;
    assert_eq!(res.status(), 200);
    let e = &body_json(res).await["event"];
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["routeKey"], "GET /orders/{id}");
    assert_eq!(e["pathParameters"], json!({ "id": "7" }));

    // `x-amazon-apigateway-any-method` on a greedy path, payload format `1.0` written as a number.
    let res = lf.request("DELETE", "/store/a/b").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let e = &body_json(res).await["event"];
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["resource"], "/store/{proxy+}");
    assert_eq!(e["httpMethod"], "DELETE");
    assert_eq!(e["pathParameters"], json!({ "proxy": "a/b" }));
    assert_eq!(b.requests().len(), 0, "the backend saw no Lambda route");
}

#[tokio::test]
async fn toml_routes_replace_and_extend_the_imported_ones() {
    let b = backend().await;
    let port = b.port();
    let lf = petstore(
        &b,
        &format!(
            "[apis.routes.\"GET /pets\"]\nuri = \"http://127.0.0.1:{port}/from-toml\"\n[apis.routes.\"GET /toml-only\"]\nuri = \"http://127.0.0.1:{port}/extra\"\n"
        ),
    )
    .await;
    assert_eq!(
        lf.get("/pets").await.text().await.unwrap(),
        "GET /from-toml"
    );
    assert_eq!(
        lf.get("/toml-only").await.text().await.unwrap(),
        "GET /extra"
    );
    let res = lf.request("POST", "/pets").send().await.unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "POST /pets",
        "imported routes stay"
    );
}

/// Writes `localfront.toml` (an API importing `petstore.yaml`) and `yaml` to a temp dir and
/// runs `localfront validate localfront.toml` there: (success, stdout, stderr).
fn validate(yaml: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("petstore.yaml"), yaml).unwrap();
    std::fs::write(
        dir.path().join("localfront.toml"),
        format!(
            r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "api"
api = "pets"
[distributions.default_cache_behavior]
target_origin_id = "api"
[[apis]]
name = "pets"
openapi = "petstore.yaml"
[[apis.stages]]
name = "$default"
variables = {{ backend = "127.0.0.1:9000" }}
[[lambda_functions]]
name = "orders"
component = "{}"
"#,
            component("lambda-echo").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_localfront"))
        .args(["validate", "localfront.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[test]
fn validate_accepts_the_petstore_and_prints_its_findings() {
    let (ok, stdout, stderr) = validate(&std::fs::read_to_string(petstore_yaml()).unwrap());
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "localfront.toml: OK\n");
    assert_eq!(
        stderr,
        "petstore.yaml:16:7: info: paths./pets.post.requestBody: ignored: HTTP APIs do not validate request bodies\n"
    );
}

#[test]
fn validate_warns_about_integrations_http_apis_do_not_support() {
    let (ok, stdout, stderr) = validate(
        r#"openapi: 3.0.1
paths:
  /mock:
    get:
      x-amazon-apigateway-integration: { type: mock }
  /pets:
    get:
      x-amazon-apigateway-integration: { type: http_proxy, uri: "http://127.0.0.1:9000/pets" }
"#,
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "localfront.toml: OK\n");
    assert_eq!(
        stderr,
        "petstore.yaml:5:48: warning: paths./mock.get.x-amazon-apigateway-integration.type: integration type `MOCK` is not supported by HTTP APIs (only AWS_PROXY and HTTP_PROXY): route `GET /mock` is not imported\n"
    );
}

#[test]
fn validate_rejects_swagger_2_at_its_position() {
    let (ok, _, stderr) =
        validate("swagger: \"2.0\"\ninfo: { title: x, version: \"1\" }\npaths: {}\n");
    assert!(!ok);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            r#"petstore.yaml:1:1: swagger: `swagger: "2.0"`: API Gateway HTTP APIs import OpenAPI 3.0 only (convert the document to OpenAPI 3.0 (`openapi: 3.0.1`))"#
        ]
    );
}

#[test]
fn validate_reports_every_import_error_at_its_position() {
    let (ok, _, stderr) = validate(
        r##"openapi: 3.0.1
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        uri: http://127.0.0.1:9000/a
        retries: 3
  /b:
    get:
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/petz"
  /c:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        payloadFormatVersion: "2.0"
  /d:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:lambda:us-east-1:111122223333:function:order
components:
  x-amazon-apigateway-integrations:
    pets: { type: http_proxy, uri: "http://127.0.0.1:9000/pets" }
"##,
    );
    assert!(!ok);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "petstore.yaml:8:9: paths./a.get.x-amazon-apigateway-integration.retries: unknown key `retries` (expected one of `type`, `httpMethod`, `uri`, `payloadFormatVersion`, `connectionType`, `connectionId`, `timeoutInMillis`, `credentials`, `integrationSubtype`, `requestParameters`, `responseParameters`, `tlsConfig`)",
            "petstore.yaml:12:15: paths./b.get.x-amazon-apigateway-integration.$ref: `#/components/x-amazon-apigateway-integrations/petz`: no integration `petz` in `components.x-amazon-apigateway-integrations` (did you mean `pets`?)",
            "petstore.yaml:16:9: paths./c.get.x-amazon-apigateway-integration: the aws_proxy integration has no `uri` (the Lambda function's ARN, e.g. `arn:aws:lambda:us-east-1:123456789012:function:orders`)",
            "petstore.yaml:22:14: paths./d.get.x-amazon-apigateway-integration.uri: unknown lambda function `order` (did you mean `orders`?)",
        ]
    );
}

#[tokio::test]
async fn serve_watch_reloads_when_the_imported_document_changes() {
    let b = backend().await;
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("api.yaml");
    let write_doc = |path: &str| {
        std::fs::write(
            &doc,
            format!("openapi: 3.0.1\npaths:\n  /pets:\n    get:\n      x-amazon-apigateway-integration: {{ type: http_proxy, uri: \"http://127.0.0.1:{}{path}\" }}\n", b.port()),
        )
        .unwrap();
    };
    write_doc("/one");
    let lf = Localfront::builder()
        .arg("--watch")
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(&format!(
            "[[apis]]\nname = \"pets\"\nopenapi = \"{}\"\n",
            doc.display()
        ))
        .start()
        .await;
    assert_eq!(lf.get("/pets").await.text().await.unwrap(), "GET /one");

    write_doc("/two");
    let mut answer = String::new();
    for _ in 0..100 {
        answer = lf.get("/pets").await.text().await.unwrap();
        if answer == "GET /two" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answer, "GET /two");
    assert_eq!(
        lf.admin_json("/status").await["last_reload"]["trigger"],
        "watch"
    );
}
