//! API Gateway origins (spec/api-gateway.md): stage selection and route precedence, HTTP
//! integrations with stage variables and parameter mappings, Lambda integrations (wasm
//! components) with both payload formats and API Gateway's response rules, and Lambda's
//! execution model (warm reuse, reserved and provisioned concurrency, SnapStart).

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::guests::component;
use support::{closed_port, Localfront, Reply, TestOrigin};

/// Every method allowed, nothing cached, every viewer value forwarded: the distribution steps
/// aside so the API origin sees the request as sent.
const PASS_THROUGH: &str = "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nallowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]";

/// A distribution whose default behavior targets API `pets`, declared in `tail`.
async fn api(tail: &str) -> Localfront {
    Localfront::builder()
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(tail)
        .start()
        .await
}

/// `[[lambda_functions]]` entry `name` running the lambda-echo fixture, with extra keys.
fn echo_function(name: &str, extra: &str) -> String {
    format!(
        "[[lambda_functions]]\nname = \"{name}\"\ncomponent = \"{}\"\n{extra}\n",
        component("lambda-echo").display()
    )
}

/// An origin answering 200 with the path and query it received.
async fn backend() -> TestOrigin {
    TestOrigin::start(|r| Reply::new(200, r.uri.clone())).await
}

async fn body_json(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The `REPORT` lines the process logged so far.
fn reports(lf: &Localfront) -> Vec<String> {
    lf.log()
        .lines()
        .filter_map(|l| l.find("REPORT RequestId:").map(|i| l[i..].to_owned()))
        .collect()
}

#[tokio::test]
async fn routes_follow_http_api_precedence() {
    let b = backend().await;
    let base = format!("http://127.0.0.1:{}", b.port());
    let lf = api(&format!(
        r#"[[apis]]
name = "pets"
[apis.routes."GET /pets/dog/1"]
uri = "{base}/static"
[apis.routes."GET /pets/dog/{{id}}"]
uri = "{base}/var/{{id}}"
[apis.routes."GET /pets/{{proxy+}}"]
uri = "{base}/greedy/{{proxy}}"
[apis.routes."ANY /{{proxy+}}"]
uri = "{base}/any/{{proxy}}"
[apis.routes."$default"]
uri = "{base}"
"#
    ))
    .await;

    // spec/api-gateway.md §1's worked example.
    for (method, path, backend_path) in [
        ("GET", "/pets/dog/1", "/static"),
        ("GET", "/pets/dog/2", "/var/2"),
        ("GET", "/pets/cat/1", "/greedy/cat/1"),
        ("POST", "/test/5", "/any/test/5"),
        // `{proxy+}` needs a character: `/` falls to `$default`, which forwards the full path.
        ("GET", "/", "/"),
        ("GET", "/?q=1", "/?q=1"),
    ] {
        let res = lf.request(method, path).send().await.unwrap();
        assert_eq!(res.status(), 200, "{method} {path}");
        assert!(res.headers().contains_key("apigw-requestid"));
        assert_eq!(res.text().await.unwrap(), backend_path, "{method} {path}");
    }
}

#[tokio::test]
async fn no_route_and_no_stage_is_404_not_found() {
    let b = backend().await;
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[[apis.stages]]\nname = \"dev\"\n[apis.routes.\"GET /pets\"]\nuri = \"http://127.0.0.1:{}/\"\n",
        b.port()
    ))
    .await;
    assert_eq!(lf.get("/dev/pets").await.status(), 200);
    for path in ["/pets", "/dev/cats", "/prod/pets"] {
        let res = lf.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/json");
        assert!(res.headers().contains_key("apigw-requestid"));
        assert_eq!(res.text().await.unwrap(), r#"{"message":"Not Found"}"#);
    }
}

#[tokio::test]
async fn stage_variables_pick_the_backend_and_named_stages_keep_their_segment() {
    let prod = TestOrigin::start(|r| Reply::new(200, format!("prod {}", r.uri))).await;
    let dev = TestOrigin::start(|r| Reply::new(200, format!("dev {}", r.uri))).await;
    let lf = api(&format!(
        r#"[[apis]]
name = "pets"
[[apis.stages]]
name = "$default"
variables = {{ backend = "127.0.0.1:{}", tier = "prod" }}
[[apis.stages]]
name = "dev"
variables = {{ backend = "127.0.0.1:{}", tier = "dev" }}
[apis.routes."GET /orders/{{id}}"]
uri = "http://${{stageVariables.backend}}/orders/{{id}}?tier=${{stageVariables.tier}}"
[apis.routes."GET /event"]
lambda = "echo"
{}"#,
        prod.port(),
        dev.port(),
        echo_function("echo", "")
    ))
    .await;

    assert_eq!(
        lf.get("/orders/7?x=1").await.text().await.unwrap(),
        "prod /orders/7?tier=prod&x=1"
    );
    assert_eq!(
        lf.get("/dev/orders/7").await.text().await.unwrap(),
        "dev /orders/7?tier=dev"
    );
    // The stage segment stays in rawPath and requestContext.http.path (observed).
    let event = &body_json(lf.get("/dev/event").await).await["event"];
    assert_eq!(event["rawPath"], "/dev/event");
    assert_eq!(event["requestContext"]["http"]["path"], "/dev/event");
    assert_eq!(event["requestContext"]["stage"], "dev");
    assert_eq!(event["stageVariables"]["tier"], "dev");
}

#[tokio::test]
async fn parameter_mappings_rewrite_the_integration_request_and_response() {
    let b = TestOrigin::start(|r| {
        let status = if r.uri.contains("fail") { 500 } else { 200 };
        Reply::new(status, r#"{"item":{"id":"i-9"}}"#)
            .header("content-type", "application/json")
            .header("x-backend-name", "orders-v2")
    })
    .await;
    let lf = api(&format!(
        r#"[[apis]]
name = "pets"
[apis.routes."ANY /api/{{proxy+}}"]
uri = "http://127.0.0.1:{}/ignored"
request_parameters = {{ "overwrite:path" = "/v2$request.path", "overwrite:header.x-stage" = "$context.stage", "append:querystring.client" = "$request.header.x-client", "remove:header.x-secret" = "", "remove:querystring.debug" = "", "append:header.x-route" = "${{context.routeKey}} via ${{request.path.proxy}}" }}
[apis.routes."ANY /api/{{proxy+}}".response_parameters."200"]
"overwrite:header.x-backend" = "$response.header.x-backend-name"
"append:header.x-item" = "$response.body.item.id"
"remove:header.x-backend-name" = ""
[apis.routes."ANY /api/{{proxy+}}".response_parameters."500"]
"overwrite:statuscode" = "503"
"append:header.x-req" = "$context.requestId"
"#,
        b.port()
    ))
    .await;

    let res = lf
        .request("GET", "/api/orders/7?debug=1&keep=yes")
        .header("x-client", "web")
        .header("x-secret", "s3cr3t")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-backend"], "orders-v2");
    assert_eq!(res.headers()["x-item"], "i-9");
    assert!(!res.headers().contains_key("x-backend-name"));
    let got = b.last_request();
    assert_eq!(got.uri, "/v2/api/orders/7?keep=yes&client=web");
    assert_eq!(got.header("x-stage"), "$default");
    assert_eq!(got.header("x-route"), "ANY /api/{proxy+} via orders/7");
    assert!(got.headers.get("x-secret").is_none());

    let res = lf.get("/api/fail").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.headers()["x-req"],
        res.headers()["apigw-requestid"].to_str().unwrap()
    );
}

#[tokio::test]
async fn an_http_integration_past_its_timeout_is_504_and_an_unreachable_one_503() {
    let slow = TestOrigin::start(|_| Reply::new(200, "late").delay(Duration::from_secs(3))).await;
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /slow\"]\nuri = \"http://127.0.0.1:{}/\"\ntimeout_ms = 300\n[apis.routes.\"GET /down\"]\nuri = \"http://127.0.0.1:{}/\"\n",
        slow.port(),
        closed_port()
    ))
    .await;
    let res = lf.get("/slow").await;
    assert_eq!(res.status(), 504);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Endpoint request timed out"}"#
    );
    let res = lf.get("/down").await;
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Service Unavailable"}"#
    );
}

#[tokio::test]
async fn a_lambda_integration_gets_the_payload_2_0_event() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\napi_id = \"a1b2c3d4e5\"\n[apis.routes.\"GET /orders/{{id}}\"]\nlambda = \"echo\"\n[apis.routes.\"POST /orders\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "environment = { GREETING = \"hello\" }")
    ))
    .await;
    let res = lf
        .request("GET", "/orders/7?expand=lines&expand=notes")
        .header("cookie", "sid=ab12; theme=dark")
        .header("x-trace", "a")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let request_id = res.headers()["apigw-requestid"]
        .to_str()
        .unwrap()
        .to_owned();
    let doc = body_json(res).await;
    assert_eq!(doc["greeting"], "hello");
    let e = &doc["event"];
    assert_eq!(e["version"], "2.0");
    assert_eq!(e["routeKey"], "GET /orders/{id}");
    assert_eq!(e["rawPath"], "/orders/7");
    assert_eq!(e["rawQueryString"], "expand=lines&expand=notes");
    assert_eq!(e["cookies"], json!(["sid=ab12", "theme=dark"]));
    assert!(e["headers"].get("cookie").is_none());
    assert_eq!(e["headers"]["x-trace"], "a");
    assert_eq!(e["headers"]["accept"], "application/json");
    assert_eq!(
        e["queryStringParameters"],
        json!({ "expand": "lines,notes" })
    );
    assert_eq!(e["pathParameters"], json!({ "id": "7" }));
    assert!(e.get("stageVariables").is_none());
    assert!(e.get("body").is_none());
    assert_eq!(e["isBase64Encoded"], false);
    let rc = &e["requestContext"];
    assert_eq!(rc["apiId"], "a1b2c3d4e5");
    assert_eq!(
        rc["domainName"],
        "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    );
    assert_eq!(rc["domainPrefix"], "a1b2c3d4e5");
    assert_eq!(rc["http"]["method"], "GET");
    assert_eq!(rc["http"]["path"], "/orders/7");
    assert_eq!(rc["requestId"], request_id.as_str());
    assert_eq!(rc["routeKey"], "GET /orders/{id}");
    assert_eq!(rc["stage"], "$default");
    let time = rc["time"].as_str().unwrap();
    assert!(time.ends_with(" +0000") && time.len() == 26, "{time}");
    assert!(rc["timeEpoch"].as_u64().unwrap() > 1_700_000_000_000);

    // A binary body arrives base64-encoded; text as is.
    let doc = body_json(
        lf.request("POST", "/orders")
            .body(vec![0xffu8, 0x00, 0x01])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(doc["event"]["body"], "/wAB");
    assert_eq!(doc["event"]["isBase64Encoded"], true);
    let doc = body_json(
        lf.request("POST", "/orders")
            .body("{\"n\":1}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(doc["event"]["body"], "{\"n\":1}");
    assert_eq!(doc["event"]["isBase64Encoded"], false);
}

#[tokio::test]
async fn a_lambda_integration_gets_the_payload_1_0_event() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /orders/{{id}}\"]\nlambda = \"echo\"\npayload_format_version = \"1.0\"\n{}",
        echo_function("echo", "")
    ))
    .await;
    let res = lf
        .request("GET", "/orders/7?expand=lines&expand=notes")
        .header("x-trace", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e = &body_json(res).await["event"];
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["resource"], "/orders/{id}");
    assert_eq!(e["path"], "/orders/7");
    assert_eq!(e["httpMethod"], "GET");
    assert_eq!(e["headers"]["x-trace"], "a");
    assert_eq!(e["multiValueHeaders"]["x-trace"], json!(["a"]));
    assert_eq!(e["queryStringParameters"]["expand"], "notes");
    assert_eq!(
        e["multiValueQueryStringParameters"]["expand"],
        json!(["lines", "notes"])
    );
    assert_eq!(e["pathParameters"], json!({ "id": "7" }));
    assert_eq!(e["stageVariables"], Value::Null);
    assert_eq!(e["body"], Value::Null);
    assert_eq!(e["requestContext"]["resourcePath"], "/orders/{id}");
    assert_eq!(e["requestContext"]["httpMethod"], "GET");
    assert_eq!(e["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert!(e["requestContext"]["requestTimeEpoch"].as_u64().is_some());
}

/// POSTs `result` as the body the lambda-echo fixture returns verbatim as its result.
async fn returning(lf: &Localfront, path: &str, result: &str) -> reqwest::Response {
    lf.request("POST", path)
        .header("x-mode", "result")
        .body(result.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn lambda_results_follow_api_gateways_response_rules() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"POST /v2\"]\nlambda = \"echo\"\n[apis.routes.\"POST /v1\"]\nlambda = \"echo\"\npayload_format_version = \"1.0\"\n{}",
        echo_function("echo", "")
    ))
    .await;

    // 2.0: a value without statusCode is a 200 JSON body; a string unquoted.
    let res = returning(&lf, "/v2", "\"hi\"").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.text().await.unwrap(), "hi");
    let res = returning(&lf, "/v2", "{\"a\":1}").await;
    assert_eq!(res.text().await.unwrap(), "{\"a\":1}");
    assert_eq!(
        returning(&lf, "/v2", "42").await.text().await.unwrap(),
        "42"
    );

    // 2.0 structured: cookies become set-cookie headers; base64 bodies are decoded.
    let res = returning(
        &lf,
        "/v2",
        r#"{"statusCode":201,"headers":{"x-a":"1","content-type":"text/plain"},"cookies":["a=1; Path=/","b=2"],"body":"aGVsbG8=","isBase64Encoded":true}"#,
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-a"], "1");
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
    assert_eq!(res.text().await.unwrap(), "hello");

    // 1.0: multiValueHeaders win over headers for the same name.
    let res = returning(
        &lf,
        "/v1",
        r#"{"statusCode":202,"headers":{"x-a":"1","x-b":"2"},"multiValueHeaders":{"x-a":["3","4"]},"body":"ok"}"#,
    )
    .await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.headers()["x-b"], "2");
    let xa: Vec<_> = res.headers().get_all("x-a").iter().collect();
    assert_eq!(xa, ["3", "4"]);
    assert_eq!(res.text().await.unwrap(), "ok");

    // Invalid results, a 1.0 result without statusCode, a returned error and a crash: 500.
    for (path, result) in [
        ("/v2", "{not json"),
        ("/v2", r#"{"statusCode":"200"}"#),
        ("/v1", "\"hi\""),
    ] {
        let res = returning(&lf, path, result).await;
        assert_eq!(res.status(), 500, "{path} {result}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Internal Server Error"}"#
        );
    }
    for mode in ["error", "trap"] {
        let res = lf
            .request("POST", "/v2")
            .header("x-mode", mode)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 500, "{mode}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Internal Server Error"}"#
        );
    }
}

#[tokio::test]
async fn environments_are_reused_and_cold_starts_reported() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /count\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "")
    ))
    .await;
    for expected_calls in 1..=3 {
        let doc = body_json(lf.get("/count").await).await;
        assert_eq!(doc["calls"], expected_calls, "globals persist");
        assert_eq!(doc["inits"], 1, "init runs once per environment");
        assert_eq!(doc["init_type"], "on-demand");
    }
    let reports = reports(&lf);
    assert_eq!(reports.len(), 3, "{reports:#?}");
    assert!(reports[0].contains("\tInit Duration: "), "{}", reports[0]);
    assert!(!reports[1].contains("Init Duration") && !reports[2].contains("Init Duration"));
    assert!(reports[0].contains("\tMemory Size: 128 MB\t"));
    let stats = &lf.admin_json("/lambda-functions").await["functions"]["echo"];
    assert_eq!(stats["invocations"], 3);
    assert_eq!(stats["cold_starts"], 1);
    assert_eq!(stats["environments"], 1);
    assert!(stats["init_duration_ms"].as_f64().unwrap() > 0.0);
}

/// Two overlapping invocations (each holding its environment for `ms`).
async fn two_at_once(lf: &Localfront, path: &str, ms: u64) -> [reqwest::Response; 2] {
    let send = || {
        lf.request("GET", path)
            .header("x-mode", "sleep")
            .header("x-sleep-ms", ms.to_string())
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    [a.unwrap(), b.unwrap()]
}

#[tokio::test]
async fn reserved_concurrency_throttles_the_invocations_over_it() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /busy\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "reserved_concurrency = 1")
    ))
    .await;
    let mut statuses: Vec<u16> = Vec::new();
    for res in two_at_once(&lf, "/busy", 1500).await {
        statuses.push(res.status().as_u16());
        if res.status() == 503 {
            assert_eq!(
                res.text().await.unwrap(),
                r#"{"message":"Service Unavailable"}"#
            );
        }
    }
    statuses.sort();
    assert_eq!(statuses, [200, 503]);
    let stats = &lf.admin_json("/lambda-functions").await["functions"]["echo"];
    assert_eq!(stats["throttles"], 1);
    assert_eq!(stats["invocations"], 1);
    assert_eq!(stats["environments"], 1);
    // The same counts in Prometheus' exposition, with the API requests by route and status.
    let m = lf
        .metrics_when(|m| {
            support::metric(m, "localfront_apigw_requests_total", &[("api", "pets")]) >= 2.0
        })
        .await;
    let value = |name: &str, labels: &[(&str, &str)]| support::metric(&m, name, labels);
    assert_eq!(
        value("localfront_lambda_throttles_total", &[("function", "echo")]),
        1.0
    );
    assert_eq!(
        value(
            "localfront_lambda_cold_starts_total",
            &[("function", "echo")]
        ),
        1.0
    );
    let route = |status: &str| {
        value(
            "localfront_apigw_requests_total",
            &[("api", "pets"), ("route", "GET /busy"), ("status", status)],
        )
    };
    assert_eq!((route("200"), route("503")), (1.0, 1.0));
}

#[tokio::test]
async fn provisioned_environments_are_warm_from_the_first_request() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /busy\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "provisioned_concurrency = 2")
    ))
    .await;
    for res in two_at_once(&lf, "/busy", 300).await {
        assert_eq!(res.status(), 200);
        let doc = body_json(res).await;
        assert_eq!(doc["init_type"], "provisioned-concurrency");
        assert_eq!(doc["calls"], 1);
    }
    let reports = reports(&lf);
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert!(
        reports.iter().all(|r| !r.contains("Init Duration")),
        "{reports:#?}"
    );
    let stats = &lf.admin_json("/lambda-functions").await["functions"]["echo"];
    assert_eq!(stats["cold_starts"], 0);
    assert_eq!(stats["environments"], 2);
}

#[tokio::test]
async fn snap_start_restores_environments_from_one_initialized_snapshot() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /busy\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "snap_start = true")
    ))
    .await;
    let mut tokens = Vec::new();
    for res in two_at_once(&lf, "/busy", 500).await {
        assert_eq!(res.status(), 200, "{}", lf.log());
        let doc = body_json(res).await;
        // Both environments hold the state init computed once, before the snapshot.
        assert_eq!(doc["inits"], 1);
        assert_eq!(doc["init_type"], "snap-start");
        tokens.push(doc["init_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens[0], tokens[1], "both restored from one snapshot");
    let reports = reports(&lf);
    assert_eq!(reports.len(), 2, "{reports:#?}");
    for r in &reports {
        assert!(
            r.contains("\tRestore Duration: ") && !r.contains("Init Duration"),
            "{r}"
        );
    }
    let stats = &lf.admin_json("/lambda-functions").await["functions"]["echo"];
    assert_eq!(stats["cold_starts"], 2);
    assert!(stats["snapshot_ms"].as_f64().is_some());

    // Without SnapStart, each environment runs its own init: different tokens.
    let plain = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /busy\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "")
    ))
    .await;
    let mut tokens = Vec::new();
    for res in two_at_once(&plain, "/busy", 500).await {
        tokens.push(
            body_json(res).await["init_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_ne!(tokens[0], tokens[1]);
}

#[tokio::test]
async fn function_timeouts_are_500_and_integration_timeouts_504() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /fn\"]\nlambda = \"short\"\n[apis.routes.\"GET /route\"]\nlambda = \"long\"\ntimeout_ms = 300\n{}{}",
        echo_function("short", "timeout = 1"),
        echo_function("long", "timeout = 10")
    ))
    .await;
    let res = lf
        .request("GET", "/fn")
        .header("x-mode", "sleep")
        .header("x-sleep-ms", "3000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Internal Server Error"}"#
    );
    let res = lf
        .request("GET", "/route")
        .header("x-mode", "sleep")
        .header("x-sleep-ms", "3000")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 504);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":"Gateway Timeout"}"#
    );
}

#[tokio::test]
async fn the_example_orders_function_answers_with_api_gateways_rules() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /orders/{{id}}\"]\nlambda = \"orders\"\n[[lambda_functions]]\nname = \"orders\"\ncomponent = \"{}\"\nenvironment = {{ CURRENCY = \"USD\" }}\n",
        component("orders").display()
    ))
    .await;
    // A result without statusCode: 200 with the object as a JSON body.
    let res = lf.get("/orders/2").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        body_json(res).await,
        json!({ "id": "2", "total": 20, "currency": "USD" })
    );
    let res = lf.get("/orders/9").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.text().await.unwrap(), r#"{"message":"no order 9"}"#);
}

#[test]
fn invoke_runs_a_lambda_function_of_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("localfront.toml");
    std::fs::write(
        &config,
        format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n{}",
            echo_function("echo", "memory_mb = 256\nenvironment = { GREETING = \"hi\" }")
        ),
    )
    .unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(&event, r#"{"hello":"world"}"#).unwrap();
    let out = std::process::Command::new(support::localfront::binary())
        .args(["invoke", "--function", "echo", "--config"])
        .arg(&config)
        .arg("--event")
        .arg(&event)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("START RequestId: "), "{stdout}");
    assert!(stdout.contains("lambda-echo: init\n"), "{stdout}");
    let report = lines
        .iter()
        .find(|l| l.starts_with("REPORT RequestId: "))
        .unwrap();
    assert!(report.contains("\tMemory Size: 256 MB\t") && report.contains("\tInit Duration: "));
    let result: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["event"], json!({ "hello": "world" }));
    assert_eq!(body["greeting"], "hi");

    let out = std::process::Command::new(support::localfront::binary())
        .args(["invoke", "--function", "nope", "--config"])
        .arg(&config)
        .arg("--event")
        .arg(&event)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no lambda function `nope` (declared: echo)")
    );
}

#[tokio::test]
async fn a_reload_serves_the_new_routes_from_new_environments() {
    let lf = api(&format!(
        "[[apis]]\nname = \"pets\"\n[apis.routes.\"GET /before\"]\nlambda = \"echo\"\n{}",
        echo_function("echo", "provisioned_concurrency = 1")
    ))
    .await;
    assert_eq!(body_json(lf.get("/before").await).await["calls"], 1);
    assert_eq!(body_json(lf.get("/before").await).await["calls"], 2);

    let path = lf.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("GET /before", "GET /after")).unwrap();
    let res = lf.admin_request("POST", "/reload").send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // The new generation's API has the new route and its own (provisioned) environment.
    let doc = body_json(lf.get("/after").await).await;
    assert_eq!(doc["calls"], 1);
    assert_eq!(doc["init_type"], "provisioned-concurrency");
    assert_eq!(lf.get("/before").await.status(), 404);
}
