//! The `localfront` command: which config `serve` picks, and the embedded demo distribution.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::localfront::{binary, client, free_addr};

/// Kills the child when the test ends, pass or fail.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(url: &str) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client().get(url).send().await {
            Ok(res) => return res,
            Err(e) if Instant::now() > deadline => panic!("{url} never answered: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

#[tokio::test]
async fn serve_uses_localfront_toml_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let http = free_addr();
    std::fs::create_dir(dir.path().join("public")).unwrap();
    std::fs::write(dir.path().join("public/index.html"), "from ./public").unwrap();
    std::fs::write(
        dir.path().join("localfront.toml"),
        format!(
            "[server]\nhttp_listen = \"{http}\"\ngrace_period = 0\n[[distributions]]\nid = \"E1\"\n\
             [[distributions.origins]]\nid = \"site\"\ns3 = {{ directory = \"public\", index_document = \"index.html\" }}\n\
             [distributions.default_cache_behavior]\ntarget_origin_id = \"site\"\n"
        ),
    )
    .unwrap();
    let _lf = Running(
        Command::new(binary())
            .arg("serve")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let res = wait_for(&format!("http://{http}/")).await;
    assert_eq!(res.text().await.unwrap(), "from ./public");
}

/// The embedded demo listens on fixed ports (8080, 8443, 9180), like `make run`.
#[tokio::test]
async fn serve_without_a_config_runs_the_embedded_demo() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary())
        .arg("serve")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _lf = Running(child);

    let page = wait_for("http://127.0.0.1:8080/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-cache"], "Miss from cloudfront");
    assert!(page.headers().contains_key("via"));
    assert!(page.headers().contains_key("x-amz-cf-id"));
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("localfront is serving this page"));

    let api = wait_for("http://127.0.0.1:8080/api/hello?name=world").await;
    let echoed: serde_json::Value = api.json().await.unwrap();
    assert_eq!(echoed["path"], "/api/hello?name=world");
    assert_eq!(echoed["headers"]["x-from-cdn"], "localfront");

    let missing = wait_for("http://127.0.0.1:8080/nope").await;
    assert_eq!(missing.status(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("custom error response"));

    let https = wait_for("https://127.0.0.1:8443/docs/").await;
    assert_eq!(https.status(), 200);

    // The printed URLs.
    let mut printed = String::new();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(stdout).lines();
    for _ in 0..2 {
        printed.push_str(&lines.next().unwrap().unwrap());
        printed.push('\n');
    }
    assert!(printed.contains("http://127.0.0.1:8080/"), "{printed}");
    assert!(printed.contains("https://127.0.0.1:8443/"), "{printed}");
}
