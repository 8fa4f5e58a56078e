//! The live dashboard (`GET /` on the admin listener), opened in headless Chromium after real
//! traffic: what the page shows is asserted from its rendered DOM, and a screenshot is saved
//! (its path is printed in the test output).

mod support;

use std::path::Path;
use std::process::Command;

use support::{Localfront, TestOrigin};

/// Debian's Chromium, as `make deps` installs it.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs headless Chromium on `url` with `args` (the flags this machine's closed network needs).
fn chromium(profile: &Path, url: &str, args: &[&str]) -> std::process::Output {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: `make deps` installs Debian's chromium"
    );
    Command::new(CHROMIUM)
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
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[tokio::test]
async fn the_dashboard_shows_the_traffic_functions_and_last_requests_with_trace_links() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("stamp.js");
    std::fs::write(
        &code,
        "function handler(event) {\n  event.request.headers['x-stamp'] = { value: '1' };\n  return event.request;\n}\n",
    )
    .unwrap();
    let origin = TestOrigin::named("app").await;
    let lf = Localfront::builder()
        .server("trace = true\n")
        .origin("app", &origin)
        .default_behavior(
            "app",
            "function_associations = { viewer_request = \"stamp\" }",
        )
        .tail(&format!(
            "[[functions]]\nname = \"stamp\"\ncode = \"{}\"\n",
            code.display()
        ))
        .start()
        .await;
    // An open dashboard turns on the last-requests list; this stands for one opened earlier.
    lf.admin_json("/dashboard.json").await;

    for i in 0..6 {
        assert_eq!(lf.get(&format!("/page{}", i % 3)).await.status(), 200);
    }
    let traced = lf
        .request("GET", "/traced")
        .header("x-localfront-trace", "1")
        .send()
        .await
        .unwrap();
    let trace_id = traced.headers()["x-localfront-trace-id"]
        .to_str()
        .unwrap()
        .to_owned();

    // Requests are recorded just after their responses go out: wait until all 7 are.
    let mut counted = 0.0;
    for _ in 0..250 {
        counted = lf.admin_json("/dashboard.json").await["requests"]
            .as_f64()
            .unwrap_or(0.0);
        if counted >= 7.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(counted, 7.0);
    let url = format!("http://{}/", lf.admin);
    let dom = chromium(&dir.path().join("profile-dom"), &url, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);

    assert!(
        dom.contains(r#"id="generation">config generation 1</span>"#),
        "{dom}"
    );
    assert!(
        dom.contains(r#"id="requests">7</div>"#),
        "7 requests: {dom}"
    );
    // 3 misses then 3 hits (the traced request is a miss too): 3 of 7.
    assert!(dom.contains(r#"id="hit-ratio">42.9%</div>"#), "{dom}");
    assert!(dom.contains("<tr><td>2xx</td><td>7</td></tr>"), "{dom}");
    assert!(
        dom.contains("<tr><td>stamp</td><td>viewer-request</td><td>7</td>"),
        "the function's row: {dom}"
    );
    assert!(
        dom.contains("<td>GET</td><td>/traced</td><td>200</td><td>Miss</td>"),
        "{dom}"
    );
    let href = format!(
        r#"<td><a href="/trace/{}">trace</a></td>"#,
        trace_id.replace('=', "%3D")
    );
    assert!(dom.contains(&href), "a link to the trace {href}: {dom}");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &dir.path().join("profile-shot"),
        &url,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,1400",
            "--hide-scrollbars",
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "a screenshot of the page at {}",
        shot.display()
    );
    println!("dashboard screenshot: {}", shot.display());
}
