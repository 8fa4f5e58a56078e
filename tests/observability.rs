//! Observability (issue: operate and observe): Prometheus metrics that move by exactly the traffic
//! sent, CloudFront's standard access log (W3C and JSON lines), and function logs framed as
//! CloudWatch frames them.

mod support;

use std::path::Path;

use support::{closed_port, metric, wait_for_lines, Localfront, Reply, TestOrigin};

/// An origin answering `/cached` with a cacheable 1 KB body and `/missing` with a 404.
async fn origin() -> TestOrigin {
    TestOrigin::start(|r| match r.uri.split('?').next() {
        Some("/cached") => Reply::new(200, vec![b'x'; 1024])
            .header("cache-control", "max-age=60")
            .header("content-type", "text/plain"),
        _ => Reply::new(404, "no"),
    })
    .await
}

/// A distribution whose default behavior runs CloudFront Function `name` (`code`) on viewer-request
/// in front of an `app` origin, with extra `[server]` lines and behavior keys. Keep the origin and
/// the temp dir (it holds the code) alive.
async fn with_function(
    name: &str,
    code: &str,
    server: &str,
    behavior: &str,
) -> (Localfront, TestOrigin, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.js"));
    std::fs::write(&path, code).unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server(server)
        .origin("app", &origin)
        .default_behavior(
            "app",
            &format!("{behavior}\nfunction_associations = {{ viewer_request = \"{name}\" }}"),
        )
        .tail(&format!(
            "[[functions]]\nname = \"{name}\"\ncode = \"{}\"\n",
            path.display()
        ))
        .start()
        .await;
    (lf, origin, dir)
}

#[tokio::test]
async fn request_counters_move_by_exactly_the_traffic_sent() {
    let origin = origin().await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;

    for _ in 0..5 {
        assert_eq!(lf.get("/cached").await.status(), 200);
    }
    for _ in 0..3 {
        assert_eq!(lf.get("/missing").await.status(), 404);
    }

    let m = lf
        .metrics_when(|m| metric(m, "localfront_requests_total", &[]) >= 8.0)
        .await;
    let requests = |result: &str, class: &str| {
        metric(
            &m,
            "localfront_requests_total",
            &[
                ("distribution", "ETEST"),
                ("behavior", "*"),
                ("method", "GET"),
                ("cache_result", result),
                ("status_class", class),
            ],
        )
    };
    assert_eq!(requests("Miss", "2xx"), 1.0);
    assert_eq!(requests("Hit", "2xx"), 4.0);
    // CloudFront caches 404s for 10 s by default: the first is an error fetched, the others hits.
    assert_eq!(requests("Error", "4xx") + requests("Hit", "4xx"), 3.0);
    assert_eq!(
        metric(
            &m,
            "localfront_requests_total",
            &[("distribution", "ETEST")]
        ),
        8.0
    );
    assert_eq!(
        metric(
            &m,
            "localfront_bytes_downloaded_total",
            &[("distribution", "ETEST")]
        ),
        (5 * 1024 + 3 * 2) as f64
    );
    assert_eq!(metric(&m, "localfront_cache_objects", &[]), 2.0);
    assert_eq!(
        metric(
            &m,
            "localfront_origin_latency_seconds",
            &[("distribution", "ETEST"), ("origin", "app")]
        ),
        2.0,
        "one origin fetch per miss"
    );
    assert_eq!(metric(&m, "localfront_requests_in_flight", &[]), 0.0);
    assert_eq!(
        metric(&m, "localfront_build_info", &[]),
        1.0,
        "build info is exported"
    );
}

#[tokio::test]
async fn function_runs_are_counted_by_result_with_duration_and_compute_utilization() {
    let (lf, _origin, _dir) = with_function(
        "gate",
        "function handler(event) {\n  if (event.request.uri === '/boom') { throw new Error('boom'); }\n  return event.request;\n}\n",
        "",
        "cache_policy = \"CachingDisabled\"",
    )
    .await;

    for _ in 0..4 {
        assert_eq!(lf.get("/fine").await.status(), 200);
    }
    for _ in 0..2 {
        assert_eq!(lf.get("/boom").await.status(), 503);
    }

    let m = lf
        .metrics_when(|m| metric(m, "localfront_requests_total", &[]) >= 6.0)
        .await;
    let runs = |result: &str| {
        metric(
            &m,
            "localfront_function_invocations_total",
            &[
                ("function", "gate"),
                ("event", "viewer-request"),
                ("result", result),
            ],
        )
    };
    assert_eq!(runs("ok"), 4.0);
    assert_eq!(runs("execution_error"), 2.0);
    assert_eq!(
        metric(
            &m,
            "localfront_function_duration_seconds",
            &[("function", "gate")]
        ),
        6.0
    );
    assert_eq!(
        metric(
            &m,
            "localfront_function_compute_utilization",
            &[("function", "gate")]
        ),
        4.0,
        "utilization is known for completed runs"
    );
    assert_eq!(
        metric(
            &m,
            "localfront_requests_total",
            &[("cache_result", "FunctionExecutionError")]
        ),
        2.0
    );
}

/// The 33 fields of a W3C line, by name.
fn fields(header: &str, line: &str) -> std::collections::HashMap<String, String> {
    let names: Vec<&str> = header
        .strip_prefix("#Fields: ")
        .expect("a #Fields line")
        .split(' ')
        .collect();
    let values: Vec<&str> = line.split('\t').collect();
    assert_eq!(names.len(), 33, "CloudFront's 33 fields");
    assert_eq!(values.len(), 33, "33 tab-separated values in {line:?}");
    names
        .into_iter()
        .map(str::to_owned)
        .zip(values.into_iter().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_access_log_has_cloudfronts_header_and_one_truthful_line_per_request() {
    let origin = origin().await;
    let lf = Localfront::builder()
        .server("access_log = \"logs/{distribution}.log\"\n")
        .origin("app", &origin)
        .default_behavior("app", "")
        .start()
        .await;

    let miss = lf
        .request("GET", "/cached?a=1")
        .header("user-agent", "Test Agent/1.0")
        .header("referer", "http://example.com/")
        .header("cookie", "session=abc")
        .send()
        .await
        .unwrap();
    let hit = lf.get("/cached?a=1").await;
    let id = |r: &reqwest::Response| r.headers()["x-amz-cf-id"].to_str().unwrap().to_owned();
    let (miss_id, hit_id) = (id(&miss), id(&hit));
    assert_eq!(hit.headers()["x-cache"], "Hit from cloudfront");

    let lines = wait_for_lines(&lf.dir.path().join("logs/ETEST.log"), 2);
    assert_eq!(lines[0], "#Version: 1.0");
    assert!(lines[1].starts_with("#Fields: date time x-edge-location sc-bytes c-ip"));
    assert!(lines[1].ends_with("sc-content-type sc-content-len sc-range-start sc-range-end"));
    let first = fields(&lines[1], &lines[2]);
    let second = fields(&lines[1], &lines[3]);

    assert_eq!(first["x-edge-request-id"], miss_id, "= X-Amz-Cf-Id");
    assert_eq!(second["x-edge-request-id"], hit_id);
    assert_eq!(first["x-edge-result-type"], "Miss");
    assert_eq!(first["x-edge-response-result-type"], "Miss");
    assert_eq!(first["x-edge-detailed-result-type"], "Miss");
    assert_eq!(second["x-edge-result-type"], "Hit");
    assert_eq!(first["cs-method"], "GET");
    assert_eq!(first["cs-uri-stem"], "/cached", "without the query string");
    assert_eq!(first["cs-uri-query"], "a=1");
    assert_eq!(first["sc-status"], "200");
    assert_eq!(first["cs(Host)"], "dtest.cloudfront.net");
    assert_eq!(first["x-host-header"], lf.http.to_string());
    assert_eq!(first["cs(User-Agent)"], "Test%20Agent/1.0", "URL-encoded");
    assert_eq!(first["cs(Referer)"], "http://example.com/");
    assert_eq!(first["cs(Cookie)"], "session=abc");
    assert_eq!(second["cs(Cookie)"], "-");
    assert_eq!(first["cs-protocol"], "http");
    assert_eq!(first["cs-protocol-version"], "HTTP/1.1");
    assert_eq!(first["c-ip"], "127.0.0.1");
    assert_eq!(first["x-edge-location"], "LCL50-C1");
    assert_eq!(first["sc-content-len"], "1024");
    assert_eq!(first["sc-content-type"], "text/plain");
    assert!(
        first["sc-bytes"].parse::<u64>().unwrap() > 1024,
        "headers and body"
    );
    assert!(first["time-taken"].parse::<f64>().is_ok());
    assert!(first["date"].len() == 10 && first["time"].len() == 8);
}

#[tokio::test]
async fn an_origin_that_refuses_connections_is_logged_as_an_origin_connect_error() {
    let lf = Localfront::builder()
        .server("access_log = \"access.log\"\naccess_log_format = \"json\"\n")
        .raw_origin(
            "down",
            &format!(
                "domain_name = \"127.0.0.1\"\nhttp_port = {}\nprotocol_policy = \"http-only\"\nconnection_attempts = 1",
                closed_port()
            ),
        )
        .default_behavior("down", "")
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 502);

    let lines = wait_for_lines(&lf.dir.path().join("access.log"), 1);
    let entry: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(entry["sc-status"], "502");
    assert_eq!(entry["x-edge-result-type"], "Error");
    assert_eq!(entry["x-edge-detailed-result-type"], "OriginConnectError");
    assert_eq!(entry["distribution-id"], "ETEST");
    assert_eq!(
        entry["x-edge-request-id"],
        res.headers()["x-amz-cf-id"].to_str().unwrap()
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn function_logs_are_framed_with_the_request_id_and_served_by_the_admin_api() {
    let (lf, _origin, _dir) = with_function(
        "talk",
        "function handler(event) {\n  console.log('saw ' + event.request.uri);\n  return event.request;\n}\n",
        "function_log = \"functions.log\"\n",
        "",
    )
    .await;

    let res = lf.get("/hello").await;
    let id = res.headers()["x-amz-cf-id"].to_str().unwrap().to_owned();

    let lines = wait_for_lines(&lf.dir.path().join("functions.log"), 3);
    assert_eq!(
        lines,
        vec![
            format!("[talk] {id} START DistributionID: ETEST"),
            format!("[talk] {id} saw /hello"),
            format!("[talk] {id} END"),
        ],
        "{}",
        read(&lf.dir.path().join("functions.log"))
    );

    let recent = lf
        .admin_request("GET", "/logs?function=talk")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        recent.contains(&format!("[talk] {id} saw /hello")),
        "{recent}"
    );
    let other = lf
        .admin_request("GET", "/logs?function=other")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(other, "", "filtered by function");
}

#[tokio::test]
async fn logs_follow_streams_new_lines_as_they_are_written() {
    let (lf, _origin, _dir) = with_function(
        "talk",
        "function handler(event) {\n  console.log('uri ' + event.request.uri);\n  return event.request;\n}\n",
        "",
        "",
    )
    .await;

    // `localfront logs --follow` in a child process, reading its stdout as lines arrive.
    let mut follower = std::process::Command::new(support::localfront::binary())
        .args(["logs", "--follow", "--function", "talk", "--admin"])
        .arg(lf.admin.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // The follower is connected once a request's lines reach it; retry until one does.
    let mut seen = Vec::new();
    for i in 0..50 {
        lf.get(&format!("/n{i}")).await;
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(100)) {
            seen.push(line);
        }
        if seen.iter().any(|l| l.contains(" uri /n")) {
            break;
        }
    }
    let _ = follower.kill();
    let _ = follower.wait();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("[talk] ") && l.contains(" uri /n")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_trace_names_each_step_of_a_function_a_cache_miss_and_a_failover() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("mark.js");
    std::fs::write(
        &code,
        "function handler(event) {\n  event.request.headers['x-marked'] = { value: 'yes' };\n  return event.request;\n}\n",
    )
    .unwrap();
    let primary = TestOrigin::status(503).await;
    let backup = TestOrigin::named("backup").await;
    let lf = Localfront::builder()
        .server("trace = true\n")
        .origin("primary", &primary)
        .origin("backup", &backup)
        .default_behavior(
            "ha",
            "function_associations = { viewer_request = \"mark\" }",
        )
        .origin_group("ha", "primary", "backup", "503")
        .tail(&format!(
            "[[functions]]\nname = \"mark\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;

    let untraced = lf.get("/page").await;
    assert!(untraced.headers().get("x-localfront-trace-id").is_none());
    let res = lf
        .request("GET", "/other")
        .header("x-localfront-trace", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-localfront-trace-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id, res.headers()["x-amz-cf-id"].to_str().unwrap());
    assert!(
        primary
            .last_request()
            .headers
            .get("x-localfront-trace")
            .is_none(),
        "the trace header stays at the edge"
    );

    // The trace is kept once the request is done, just after the response went out.
    let mut trace = serde_json::Value::Null;
    for _ in 0..250 {
        let res = lf
            .admin_request("GET", &format!("/trace/{id}"))
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            trace = res.json().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let steps = trace["steps"].as_array().unwrap();
    let stages: Vec<&str> = steps.iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(
        stages,
        [
            "viewer_request",
            "route",
            "hook",
            "cache_lookup",
            "origin",
            "origin_response",
            "origin_error",
            "origin",
            "origin_response",
            "cache_result",
        ],
        "{trace:#}"
    );
    let step = |i: usize| &steps[i];
    assert_eq!(step(1)["distribution"], "ETEST");
    assert_eq!(step(1)["behavior"], "*");
    assert_eq!(step(2)["function"], "mark");
    assert_eq!(step(2)["event"], "viewer-request");
    assert_eq!(step(2)["result"], "ok");
    assert!(step(2)["compute_utilization"].is_u64());
    assert_eq!(
        step(2)["changes"]["headers"]["x-marked"],
        serde_json::json!({ "from": null, "to": ["yes"] })
    );
    assert!(step(3)["key"].as_str().unwrap().contains("/other"));
    assert_eq!(step(4)["origin"], "primary");
    assert_eq!(step(4)["group"], "ha");
    assert_eq!(step(5)["status"], 503);
    assert_eq!(step(7)["origin"], "backup");
    assert_eq!(step(7)["secondary"], true);
    assert_eq!(step(8)["status"], 200);
    assert_eq!(step(9)["x_cache"], "Miss from cloudfront");
    assert_eq!(trace["result"]["status"], 200);
    assert_eq!(trace["result"]["result_type"], "Miss");

    let unknown = lf.admin_request("GET", "/trace/nope").send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_wasm_handlers_output_is_framed_like_lambdas_and_its_cold_start_counted() {
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server("function_log = \"functions.log\"\n")
        .origin("app", &origin)
        .default_behavior(
            "app",
            "cache_policy = \"CachingDisabled\"\nlambda_associations = { viewer_request = \"counter\" }",
        )
        .tail(&format!(
            "[[edge_functions]]\nname = \"counter\"\ncomponent = \"{}\"\nmax_concurrency = 1\n",
            support::guests::component("init-counter").display()
        ))
        .start()
        .await;

    let first = lf.get("/a").await;
    let second = lf.get("/b").await;
    let id = |r: &reqwest::Response| r.headers()["x-amz-cf-id"].to_str().unwrap().to_owned();
    let (first, second) = (id(&first), id(&second));

    let lines = wait_for_lines(&lf.dir.path().join("functions.log"), 8);
    assert_eq!(
        lines[0],
        format!("[counter] START RequestId: {first} Version: $LATEST")
    );
    assert!(
        lines[1].ends_with(&format!("\t{first}\tINFO\tinit-counter: handle #1")),
        "{lines:?}"
    );
    assert_eq!(lines[2], format!("[counter] END RequestId: {first}"));
    assert!(
        lines[3].starts_with(&format!("[counter] REPORT RequestId: {first}\tDuration: "))
            && lines[3].contains("\tInit Duration: "),
        "the cold start reports its Init Duration: {lines:?}"
    );
    assert!(
        lines[5].ends_with(&format!("\t{second}\tINFO\tinit-counter: handle #2")),
        "the warm instance kept its globals: {lines:?}"
    );
    assert!(!lines[7].contains("Init Duration"), "{lines:?}");

    let m = lf
        .metrics_when(|m| metric(m, "localfront_requests_total", &[]) >= 2.0)
        .await;
    assert_eq!(
        metric(
            &m,
            "localfront_lambda_cold_starts_total",
            &[("function", "counter")]
        ),
        1.0
    );
    assert_eq!(
        metric(
            &m,
            "localfront_function_invocations_total",
            &[
                ("function", "counter"),
                ("event", "viewer-request"),
                ("result", "ok")
            ]
        ),
        2.0
    );
}
