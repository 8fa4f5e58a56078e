//! TLS: the HTTPS listener with a generated dev certificate and HTTP/2 via ALPN, and HTTPS origins
//! with certificate verification (spec/distribution.md §3).

mod support;

use support::{Localfront, Reply, TestOrigin};

#[tokio::test]
async fn the_https_listener_speaks_http2_with_a_dev_certificate_for_the_aliases() {
    let origin = TestOrigin::named("a").await;
    let lf = Localfront::builder()
        .distribution("aliases = [\"app.test\"]")
        .origin("a", &origin)
        .default_behavior("a", "")
        .https()
        .start()
        .await;

    // Trust only the generated certificate: the connection verifies for the alias.
    let pem = std::fs::read(lf.dir.path().join(".localfront/tls/dev-cert.pem")).unwrap();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .resolve("app.test", lf.https.unwrap())
        .build()
        .unwrap();
    let res = client
        .get(format!(
            "https://app.test:{}/page",
            lf.https.unwrap().port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert!(res.headers()["via"].to_str().unwrap().starts_with("2.0 "));
    assert_eq!(res.text().await.unwrap(), "origin a: /page");
}

#[tokio::test]
async fn a_self_signed_https_origin_fails_verification_with_502() {
    let origin = TestOrigin::tls(|_| Reply::new(200, "secure")).await;
    let lf = Localfront::builder()
        .raw_origin(
            "tls",
            &format!(
                "domain_name = \"localhost\"\nhttps_port = {}\nprotocol_policy = \"https-only\"",
                origin.port()
            ),
        )
        .default_behavior("tls", "")
        .start()
        .await;

    let res = lf.get("/").await;
    assert_eq!(res.status(), 502);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert!(origin.requests().is_empty());
}

#[tokio::test]
async fn tls_verify_false_opts_out_for_a_self_signed_local_origin() {
    let origin = TestOrigin::tls(|r| Reply::new(200, format!("secure {}", r.uri))).await;
    let lf = Localfront::builder()
        .raw_origin(
            "tls",
            &format!(
                "domain_name = \"localhost\"\nhttps_port = {}\nprotocol_policy = \"https-only\"\ntls_verify = false",
                origin.port()
            ),
        )
        .default_behavior("tls", "")
        .start()
        .await;

    let res = lf.get("/x").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "secure /x");
    assert_eq!(origin.last_request().header("host"), "localhost");
}

#[tokio::test]
async fn match_viewer_uses_the_viewers_protocol() {
    let plain = TestOrigin::named("plain").await;
    let tls = TestOrigin::tls(|_| Reply::new(200, "over tls")).await;
    // One origin name, two ports: HTTP to the plain server, HTTPS to the TLS one.
    let lf = Localfront::builder()
        .raw_origin(
            "o",
            &format!(
                "domain_name = \"localhost\"\nhttp_port = {}\nhttps_port = {}\nprotocol_policy = \"match-viewer\"\ntls_verify = false",
                plain.port(),
                tls.port()
            ),
        )
        .default_behavior("o", "")
        .https()
        .start()
        .await;

    assert_eq!(lf.get("/").await.text().await.unwrap(), "origin plain: /");
    assert_eq!(
        lf.request_https("GET", "/")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "over tls"
    );
}
