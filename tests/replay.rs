//! `localfront replay` (issue 12): CloudFront standard access logs replayed by the real binary
//! against a real localfront with a CloudFront Function in front of a real origin; the report's
//! counts are checked against the log and against localfront's own `/metrics`.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::localfront::binary;
use support::{metric, Localfront, Reply, TestOrigin};

/// The committed sample: 12 requests over 5 seconds, URL-encoded values, 2 malformed lines.
fn sample_log() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/replay/sample.log")
}

/// A viewer-request function: answers `/old-page` itself (301), stamps every other request.
const FUNCTION: &str = "function handler(event) {\n  if (event.request.uri === '/old-page') {\n    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/new-page' } } };\n  }\n  event.request.headers['x-replayed'] = { value: 'yes' };\n  return event.request;\n}\n";

/// A localfront for `www.example.test` (the sample's host) with the function on every request.
async fn edge(origin: &TestOrigin, dir: &Path, behavior: &str) -> Localfront {
    let code = dir.join("stamp.js");
    std::fs::write(&code, FUNCTION).unwrap();
    Localfront::builder()
        .distribution("aliases = [\"www.example.test\"]")
        .origin("app", origin)
        .default_behavior(
            "app",
            &format!("function_associations = {{ viewer_request = \"stamp\" }}\n{behavior}"),
        )
        .tail(&format!(
            "[[functions]]\nname = \"stamp\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await
}

/// Runs `localfront replay ARGS`; returns its stdout, and panics with its output when it fails.
async fn replay(args: &[&str]) -> String {
    let out = tokio::process::Command::new(binary())
        .arg("replay")
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "replay failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn target(lf: &Localfront) -> String {
    format!("http://{}", lf.http)
}

#[tokio::test]
async fn a_sample_log_replays_every_request_and_the_report_matches_localfronts_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    // AllViewer: the origin sees the headers the replay rebuilt.
    let lf = edge(&origin, dir.path(), "origin_request_policy = \"AllViewer\"").await;
    let json = dir.path().join("report.json");

    let stdout = replay(&[
        sample_log().to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "max",
        "--admin",
        &lf.admin.to_string(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    let report = read_json(&json);

    // Every request of the log was sent and answered; the malformed lines were skipped.
    assert_eq!(report["log"]["requests"], 12, "{report:#}");
    assert_eq!(report["log"]["bad_lines"], 2);
    assert_eq!(report["sent"], 12);
    assert_eq!(report["completed"], 12);
    assert_eq!(report["status_codes"]["200"], 11, "{report:#}");
    assert_eq!(report["status_codes"]["301"], 1);
    assert!(report["failures"].as_object().unwrap().is_empty());
    let bad = report["log"]["bad_examples"].as_array().unwrap();
    assert_eq!(bad.len(), 2);
    assert_eq!(bad[0]["line"], 8, "{bad:?}");
    assert!(
        bad[0]["reason"]
            .as_str()
            .unwrap()
            .contains("5 tab-separated values"),
        "{bad:?}"
    );
    assert_eq!(bad[1]["line"], 13);
    assert!(bad[1]["reason"].as_str().unwrap().contains("`date`"));

    // The log's own result mix, next to the local one.
    let log_mix = &report["cache"]["log"];
    assert_eq!(log_mix["Miss"], 6);
    assert_eq!(log_mix["Hit"], 4);
    assert_eq!(log_mix["RefreshHit"], 1);
    assert_eq!(log_mix["FunctionGeneratedResponse"], 1);
    assert_eq!(report["cache"]["local"]["FunctionGeneratedResponse"], 1);
    let local: u64 = report["cache"]["local"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(local, 12);

    // The function's runs, as localfront's /metrics counts them.
    let m = lf.metrics().await;
    let runs = metric(
        &m,
        "localfront_function_invocations_total",
        &[("function", "stamp")],
    );
    assert_eq!(runs, 12.0);
    let metrics = &report["metrics"];
    assert_eq!(metrics["requests"], 12, "{metrics:#}");
    let f = &metrics["functions"][0];
    assert_eq!(f["function"], "stamp");
    assert_eq!(f["kind"], "CloudFront Function");
    assert_eq!(f["invocations"].as_f64().unwrap(), runs);
    assert_eq!(f["errors"], 0);
    assert_eq!(f["throttles"], 0);
    assert_eq!(f["events"][0]["event"], "viewer-request");
    assert_eq!(f["events"][0]["invocations"], 12);
    assert!(f["events"][0]["p99_ms"].as_f64().unwrap() > 0.0);
    let buckets: u64 = f["compute_utilization"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(buckets, 12, "every run has a utilization: {f:#}");
    assert!(
        stdout.contains("function stamp (CloudFront Function): 12 invocations"),
        "{stdout}"
    );

    // The requests were rebuilt from the log: values decoded once, as the viewer sent them.
    let seen = origin.requests();
    assert!(seen.iter().all(|r| r.header("x-replayed") == "yes"));
    assert!(seen.iter().all(|r| r.header("host") == "www.example.test"));
    let account = seen.iter().find(|r| r.uri == "/account").unwrap();
    assert_eq!(account.header("cookie"), "session=abc123; theme=dark");
    assert_eq!(
        account.header("user-agent"),
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
    );
    assert!(
        seen.iter()
            .any(|r| r.uri == "/search?q=caf%C3%A9%20au%20lait"),
        "{:?}",
        seen.iter().map(|r| &r.uri).collect::<Vec<_>>()
    );
    assert!(seen.iter().any(|r| r.uri == "/docs/a%20b.html"));
    let logo = seen
        .iter()
        .find(|r| r.uri.starts_with("/images/logo.png"))
        .unwrap();
    assert_eq!(
        logo.header("referer"),
        "https://www.example.test/index.html"
    );
}

#[tokio::test]
async fn gzip_compressed_logs_replay_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = edge(&origin, dir.path(), "").await;
    // Named as CloudFront delivers them.
    let gz = dir.path().join("E2EXAMPLE.2026-11-20-10.a1b2c3d4.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder
        .write_all(&std::fs::read(sample_log()).unwrap())
        .unwrap();
    encoder.finish().unwrap();
    let json = dir.path().join("report.json");

    replay(&[
        gz.to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "max",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    let report = read_json(&json);
    assert_eq!(report["log"]["requests"], 12);
    assert_eq!(report["log"]["bad_lines"], 2);
    assert_eq!(report["completed"], 12);
    assert_eq!(report["status_codes"]["200"], 11);
}

#[tokio::test]
async fn malformed_lines_are_counted_and_the_fields_header_maps_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = edge(&origin, dir.path(), "").await;
    // A log with its own column order: only what `#Fields:` names, in its order.
    let log = dir.path().join("custom.log");
    let mut bytes =
        b"#Version: 1.0\n#Fields: cs-uri-stem cs-method time date x-host-header\n".to_vec();
    bytes.extend_from_slice(b"/first\tGET\t10:00:00\t2026-11-20\twww.example.test\n");
    bytes.extend_from_slice(b"/second\tGET\t10:00:00\t2026-11-20\n"); // a value short
    bytes.extend_from_slice(b"/third\tGE T\t10:00:00\t2026-11-20\twww.example.test\n"); // no method
    bytes.extend_from_slice(b"/fourth\tGET\t25:00:00\t2026-11-20\twww.example.test\n"); // no such hour
    bytes.extend_from_slice(b"/fifth\tGET\t10:00:01\t2026-11-20\twww.example.test\xff\n"); // not UTF-8
    bytes.extend_from_slice(b"relative\tGET\t10:00:01\t2026-11-20\twww.example.test\n"); // not a path
    bytes.extend_from_slice(b"/last\tGET\t10:00:01\t2026-11-20\twww.example.test\n");
    std::fs::write(&log, bytes).unwrap();
    let json = dir.path().join("report.json");

    let stdout = replay(&[
        log.to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "max",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    let report = read_json(&json);
    assert_eq!(report["log"]["requests"], 2, "{report:#}");
    assert_eq!(report["log"]["bad_lines"], 5);
    assert_eq!(report["status_codes"]["200"], 2);
    let mut uris: Vec<String> = origin.requests().into_iter().map(|r| r.uri).collect();
    uris.sort();
    assert_eq!(uris, ["/first", "/last"]);
    assert!(stdout.contains("2 requests, 5 bad lines"), "{stdout}");
    let reasons: Vec<&str> = report["log"]["bad_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("4 tab-separated values where #Fields names 5"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("cs-method"), "{reasons:?}");
    assert!(reasons[2].contains("`time`"), "{reasons:?}");
    assert_eq!(reasons[3], "not UTF-8");
    assert!(
        reasons[4].contains("does not start with `/`"),
        "{reasons:?}"
    );
}

#[tokio::test]
async fn requests_go_out_at_their_recorded_offsets_without_waiting_for_answers() {
    let dir = tempfile::tempdir().unwrap();
    // Every answer takes 3 s: a replay that waited for answers could not send on schedule.
    let origin = TestOrigin::start(|_| Reply::new(200, "slow").delay(Duration::from_secs(3))).await;
    let lf = edge(&origin, dir.path(), "cache_policy = \"CachingDisabled\"").await;
    // Three requests 3 s apart, replayed at 10x: due at 0, 300 and 600 ms.
    let log = dir.path().join("paced.log");
    std::fs::write(
        &log,
        "#Version: 1.0\n#Fields: date time cs-method cs-uri-stem x-host-header\n\
         2026-11-20\t10:00:00\tGET\t/a\twww.example.test\n\
         2026-11-20\t10:00:03\tGET\t/b\twww.example.test\n\
         2026-11-20\t10:00:06\tGET\t/c\twww.example.test\n",
    )
    .unwrap();
    let json = dir.path().join("report.json");

    replay(&[
        log.to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "10x",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    let report = read_json(&json);
    assert_eq!(report["status_codes"]["200"], 3, "{report:#}");
    let sends = report["sends"].as_array().unwrap();
    let at = |i: usize, k: &str| sends[i][k].as_f64().unwrap();
    for (i, due) in [0.0, 300.0, 600.0].into_iter().enumerate() {
        assert!((at(i, "scheduled_ms") - due).abs() < 1e-6, "{sends:?}");
        assert!(at(i, "sent_ms") >= due, "never early: {sends:?}");
        assert!(at(i, "latency_ms") >= 3000.0, "{sends:?}");
    }
    // Never early, so spread by the recorded offsets; and all sent before the first answer
    // came back (3 s): open loop.
    assert!(at(0, "sent_ms") <= at(1, "sent_ms") && at(1, "sent_ms") <= at(2, "sent_ms"));
    assert!(at(2, "sent_ms") < 3000.0, "open loop: {sends:?}");
}

#[tokio::test]
async fn requests_logged_over_https_go_to_the_https_listener() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .https()
        .origin("app", &origin)
        .default_behavior("app", "viewer_protocol_policy = \"redirect-to-https\"")
        .start()
        .await;
    let log = dir.path().join("mixed.log");
    std::fs::write(
        &log,
        "#Version: 1.0\n#Fields: date time cs-method cs-uri-stem cs-protocol\n\
         2026-11-20\t10:00:00\tGET\t/secure\thttps\n\
         2026-11-20\t10:00:00\tGET\t/plain\thttp\n\
         2026-11-20\t10:00:01\tGET\t/secure-too\thttps\n",
    )
    .unwrap();
    let json = dir.path().join("report.json");

    replay(&[
        log.to_str().unwrap(),
        "--target",
        &target(&lf),
        "--https-target",
        &format!("https://127.0.0.1:{}", lf.https.unwrap().port()),
        "--speed",
        "max",
        "--json",
        json.to_str().unwrap(),
    ])
    .await;

    // The HTTPS requests are served; the HTTP one is redirected, as CloudFront did for that viewer.
    let report = read_json(&json);
    assert_eq!(report["status_codes"]["200"], 2, "{report:#}");
    assert_eq!(report["status_codes"]["301"], 1);
    assert_eq!(report["log"]["protocols"]["https"], 2);
    let mut uris: Vec<String> = origin.requests().into_iter().map(|r| r.uri).collect();
    uris.sort();
    assert_eq!(uris, ["/secure", "/secure-too"]);
}

#[tokio::test]
async fn a_generated_log_draws_zipf_distributed_paths_from_the_behaviors_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .origin("app", &origin)
        .default_behavior("app", "")
        .behavior("/images/*.png", "app", "")
        .behavior("/api/v?/*", "app", "cache_policy = \"CachingDisabled\"")
        .start()
        .await;
    let log = dir.path().join("synthetic.log");

    let out = tokio::process::Command::new(binary())
        .args([
            "replay",
            "--generate",
            "300",
            "--rate",
            "500",
            "--behaviors",
        ])
        .arg(lf.config_path())
        .arg("--output")
        .arg(&log)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The log's paths: every behavior's, a few hot ones and a long tail.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("#Version: 1.0\n#Fields: date time x-edge-location"));
    let mut counts = std::collections::HashMap::<String, u64>::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let stem = line.split('\t').nth(7).unwrap().to_owned();
        *counts.entry(stem).or_default() += 1;
    }
    assert_eq!(counts.values().sum::<u64>(), 300);
    assert!(counts
        .keys()
        .any(|p| p.starts_with("/images/") && p.ends_with(".png")));
    assert!(counts.keys().any(|p| p.starts_with("/api/v")));
    assert!(counts.keys().any(|p| p == "/" || p.starts_with("/page-")));
    let top = counts.values().max().unwrap();
    // Zipf (s = 1) over 75 paths gives the top one about a fifth; uniform would give 1.3 %.
    assert!(*top >= 30, "the hottest path has {top} of 300: {counts:?}");
    assert!(counts.len() >= 20, "a long tail: {counts:?}");

    let json = dir.path().join("report.json");
    replay(&[
        log.to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "max",
        "--admin",
        &lf.admin.to_string(),
        "--json",
        json.to_str().unwrap(),
    ])
    .await;
    let report = read_json(&json);
    assert_eq!(report["log"]["bad_lines"], 0);
    assert_eq!(report["log"]["requests"], 300);
    assert_eq!(report["status_codes"]["200"], 300, "{report:#}");
    assert_eq!(report["metrics"]["requests"], 300);
    let m = lf.metrics().await;
    for behavior in ["*", "/images/*.png", "/api/v?/*"] {
        assert!(
            metric(&m, "localfront_requests_total", &[("behavior", behavior)]) > 0.0,
            "{behavior} got traffic"
        );
    }
}

/// Debian's Chromium, as `make deps` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test]
async fn the_html_report_draws_rate_latency_and_utilization_plots_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = edge(&origin, dir.path(), "").await;
    let html = dir.path().join("report.html");

    // The sample's 5 seconds at 2x: a few timeline intervals and utilization samples.
    replay(&[
        sample_log().to_str().unwrap(),
        "--target",
        &target(&lf),
        "--speed",
        "2x",
        "--admin",
        &lf.admin.to_string(),
        "--html",
        html.to_str().unwrap(),
    ])
    .await;

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("<script src"), "self-contained");
    assert!(!page.contains("<link"), "self-contained");
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: `make deps` installs Debian's chromium"
    );
    let chromium = |profile: &str, extra: &[String]| {
        std::process::Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=3000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join(profile).display()
            ))
            .args(extra)
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("chromium runs")
    };
    let dom = chromium("profile-dom", &["--dump-dom".to_owned()]);
    let dom = String::from_utf8_lossy(&dom.stdout);

    assert!(dom.contains("3 of 3 plots drawn"), "{dom}");
    for id in ["rate-plot", "latency-plot", "utilization-plot"] {
        let start = dom
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id}: {dom}"));
        let tag = &dom[start..start + dom[start..].find('>').unwrap()];
        let width: u64 = tag
            .split("data-rendered-width=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{id} was laid out: {tag}"));
        assert!(width > 0, "{id} has a drawn width: {tag}");
    }
    assert!(
        dom.contains("data-name=\"stamp p99 %\""),
        "the function's utilization line: {dom}"
    );
    assert!(
        dom.contains(
            "<td>stamp</td><td>CloudFront Function</td><td>viewer-request</td><td>12</td>"
        ),
        "{dom}"
    );

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-report.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        "profile-shot",
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1000,1400".to_owned(),
            "--hide-scrollbars".to_owned(),
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "a screenshot of the page at {}",
        shot.display()
    );
    println!("replay report screenshot: {}", shot.display());
}
