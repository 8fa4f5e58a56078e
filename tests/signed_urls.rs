//! Signed URLs and signed cookies (spec/distribution.md §12): canned and custom policies, the
//! accept/reject matrix, CloudFront's 403 bodies, and `localfront sign-url` / `sign-cookies`.
//! Keys are test-only fixtures (tests/fixtures/signing); one signature was made with OpenSSL, so
//! the check does not only agree with localfront's own signer.

mod support;

use std::path::{Path, PathBuf};

use support::{Localfront, TestOrigin};

/// Signed by `openssl dgst -sha1 -sign signer-private.pem` over the canned policy of
/// `http://media.test/private/report.txt` expiring at 4102444800 (2100-01-01), in CloudFront's
/// URL-safe base64.
const OPENSSL_SHA1: &str = "avhB4A5p7wGMWlJ5cIRNBNvwiVFp4mlNPM4Gjp490MxcFPmuLwhCqQNk8eMQ0fL-WffrpTRdt1bdNo-z229A8K9v-I9IE2ZGeinC9eeclLIJzETE~f52seb6Y7Rz5My6jIz3avQQYjwt0-sB6rLFBJhjwIKlTRUWVgdRSQbsuYcyouIT9B7Y13cHa00kD1wyY1bxGxatkEjDwDbzoZf3la1LETwVeIdiAmCS0rAsNlwv9ZKapd6PJx6xSTyJnAP5TbvV~8YGKebEnGD~r3LDsmsoX3DCaRuDxwisBouiJj2aobutzP7oP2Z3crUzbYjWOXlVLomRo8cI0032GFqWaQ__";
/// The same with `-sha256`.
const OPENSSL_SHA256: &str = "bfJJZNKXFwDvV0ROYvupYSmvY96rrAEWpzqtUsyvWe9Zn12yapuaRE1~239~kkg54Yzy65KcMHjOjaLGMZ1ET8IvHAK6DPzRTUPpjnuW2x4BxbTmSMh8CnMmi7pIKVtbY7YfVvKKxDK6LFCexYDi-rM2hTOHh4Ow752FQj9pb2Kgbc9MWsZ5tUrrW6sPjCesVZjmFw3d42QqoVC9HZ47ddPODhT9MIlB2Htb75eyebnVc41IO1glsHuzdWTZqA700KWDdCgzD7QM8asllNbc5--kZCj84L0rZci3rBJpTwI6zhGJx0WwF6kYg6YiYRlM-k8JpjA7S9p8szrQK54Ucg__";

const ACCESS_DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/signing")
        .join(name)
}

/// `/private/*` trusts the `signers` key group (key `KSIGNER`); everything else is public.
async fn private_distribution() -> (Localfront, TestOrigin) {
    let origin = TestOrigin::named("media").await;
    let lf = Localfront::builder()
        .origin("media", &origin)
        .behavior("/private/*", "media", "trusted_key_groups = [\"signers\"]")
        .default_behavior("media", "")
        .tail(&format!(
            "[[key_groups]]\nname = \"signers\"\npublic_keys = [{{ id = \"KSIGNER\", file = \"{}\" }}]\n",
            fixture("signer-public.pem").display()
        ))
        .start()
        .await;
    (lf, origin)
}

/// Runs `localfront <args>` and returns its stdout, asserting success.
fn localfront(args: &[&str]) -> String {
    let out = std::process::Command::new(support::localfront::binary())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `localfront sign-url URL` with the signer's key and `extra` options.
fn sign_url(url: &str, key: &str, extra: &[&str]) -> String {
    let key = fixture(key);
    let mut args = vec![
        "sign-url",
        url,
        "--key-pair-id",
        "KSIGNER",
        "--private-key",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    localfront(&args)
}

/// `localfront sign-cookies` as one `Cookie` header value.
fn sign_cookies(key: &str, extra: &[&str]) -> String {
    let key = fixture(key);
    let mut args = vec![
        "sign-cookies",
        "--key-pair-id",
        "KSIGNER",
        "--private-key",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    localfront(&args).lines().collect::<Vec<_>>().join("; ")
}

/// GETs a signed `http://media.test/…` URL through localfront (Host: media.test).
async fn get(lf: &Localfront, url: &str, cookie: Option<&str>) -> (u16, String) {
    let path = url.strip_prefix("http://media.test").unwrap();
    let mut req = lf.request("GET", path).header("host", "media.test");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn an_unsigned_request_gets_cloudfronts_missing_key_403_and_public_paths_are_served() {
    let (lf, origin) = private_distribution().await;
    let res = lf
        .request("GET", "/private/report.txt")
        .header("host", "media.test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "text/xml");
    assert_eq!(res.headers()["server"], "CloudFront");
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    assert_eq!(
        res.text().await.unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>"
    );
    assert_eq!(origin.requests().len(), 0);
    assert_eq!(lf.get("/public.txt").await.status(), 200);
}

#[tokio::test]
async fn a_canned_url_signed_by_openssl_is_accepted_with_sha1_and_sha256() {
    let (lf, _origin) = private_distribution().await;
    let base = "http://media.test/private/report.txt?Expires=4102444800";
    let url = format!("{base}&Signature={OPENSSL_SHA1}&Key-Pair-Id=KSIGNER");
    assert_eq!(
        get(&lf, &url, None).await,
        (200, "origin media: /private/report.txt".to_owned())
    );
    let url =
        format!("{base}&Signature={OPENSSL_SHA256}&Key-Pair-Id=KSIGNER&Hash-Algorithm=SHA256");
    assert_eq!(get(&lf, &url, None).await.0, 200);
    // The SHA-256 signature is not a SHA-1 one.
    let url = format!("{base}&Signature={OPENSSL_SHA256}&Key-Pair-Id=KSIGNER");
    assert_eq!(get(&lf, &url, None).await, (403, ACCESS_DENIED.to_owned()));
}

#[tokio::test]
async fn canned_urls_reject_expiry_other_keys_unknown_ids_and_added_parameters() {
    let (lf, _origin) = private_distribution().await;
    let url = sign_url(
        "http://media.test/private/a.txt?v=1",
        "signer-private.pem",
        &[],
    );
    assert!(url.contains("?v=1&Expires="), "{url}");
    assert_eq!(get(&lf, &url, None).await.0, 200);

    let sha256 = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &["--hash-algorithm", "SHA256"],
    );
    assert!(
        sha256.ends_with("&Key-Pair-Id=KSIGNER&Hash-Algorithm=SHA256"),
        "{sha256}"
    );
    assert_eq!(get(&lf, &sha256, None).await.0, 200);

    // A parameter added after signing changes the canned policy's resource.
    assert_eq!(
        get(&lf, &format!("{url}&v=2"), None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // Expired.
    let expired = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &["--expires", "1000"],
    );
    assert_eq!(
        get(&lf, &expired, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // Signed with another private key under the trusted id.
    let wrong = sign_url("http://media.test/private/a.txt", "other-private.pem", &[]);
    assert_eq!(
        get(&lf, &wrong, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // An id in no trusted key group.
    let unknown = url.replace("Key-Pair-Id=KSIGNER", "Key-Pair-Id=KNOBODY");
    assert_eq!(
        get(&lf, &unknown, None).await,
        (
            403,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidKey</Code><Message>Unknown Key</Message></Error>".to_owned()
        )
    );
}

#[tokio::test]
async fn custom_policies_apply_wildcards_ip_ranges_and_date_windows() {
    let (lf, _origin) = private_distribution().await;
    let resource = ["--resource", "http://media.test/private/*"];

    let url = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &[&resource[..], &["--ip-address", "127.0.0.0/8"]].concat(),
    );
    assert!(url.contains("?Policy="), "{url}");
    assert_eq!(get(&lf, &url, None).await.0, 200);
    // The wildcard covers other paths and added parameters.
    let other = url.replace("/private/a.txt?", "/private/b/c.txt?x=1&");
    assert_eq!(get(&lf, &other, None).await.0, 200);

    // The viewer (127.0.0.1) outside the range.
    let outside = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &[&resource[..], &["--ip-address", "10.0.0.0/8"]].concat(),
    );
    assert_eq!(
        get(&lf, &outside, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // Not yet valid.
    let later = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &[
            &resource[..],
            &["--not-before", "4102444800", "--expires", "4102448400"],
        ]
        .concat(),
    );
    assert_eq!(
        get(&lf, &later, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // A resource that does not cover the URL.
    let elsewhere = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &["--resource", "http://media.test/other/*"],
    );
    assert_eq!(
        get(&lf, &elsewhere, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
}

#[tokio::test]
async fn a_tampered_custom_policy_fails_its_signature() {
    let (lf, _origin) = private_distribution().await;
    let url = sign_url(
        "http://media.test/private/a.txt",
        "signer-private.pem",
        &["--ip-address", "127.0.0.0/8"],
    );
    let policy = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("Policy="))
        .unwrap();
    // Widen the resource and re-encode in CloudFront's alphabet, keeping the signature.
    let decoded = base64_decode(policy);
    let widened = decoded.replace("/private/a.txt", "/private/*");
    assert_ne!(decoded, widened);
    let tampered = url.replace(policy, &base64_encode(&widened));
    assert_eq!(
        get(&lf, &tampered, None).await,
        (403, ACCESS_DENIED.to_owned())
    );
    // Garbage instead of a policy.
    let garbage = url.replace(policy, "bm90IGpzb24_");
    assert_eq!(
        get(&lf, &garbage, None).await,
        (
            403,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>MalformedPolicy</Code><Message>Malformed Policy</Message></Error>".to_owned()
        )
    );
}

#[tokio::test]
async fn signed_cookies_canned_and_custom() {
    let (lf, _origin) = private_distribution().await;
    let canned = sign_cookies(
        "signer-private.pem",
        &["--url", "http://media.test/private/c.txt"],
    );
    assert!(canned.starts_with("CloudFront-Expires="), "{canned}");
    let c = Some(canned.as_str());
    assert_eq!(get(&lf, "http://media.test/private/c.txt", c).await.0, 200);
    // A canned cookie covers its one URL only.
    assert_eq!(get(&lf, "http://media.test/private/d.txt", c).await.0, 403);

    let custom = sign_cookies(
        "signer-private.pem",
        &[
            "--resource",
            "http://media.test/private/*",
            "--ip-address",
            "127.0.0.1",
        ],
    );
    assert!(custom.starts_with("CloudFront-Policy="), "{custom}");
    let c = Some(custom.as_str());
    assert_eq!(get(&lf, "http://media.test/private/c.txt", c).await.0, 200);
    assert_eq!(
        get(&lf, "http://media.test/private/x/y.txt?z=1", c).await.0,
        200
    );

    let wrong_key = sign_cookies(
        "other-private.pem",
        &["--resource", "http://media.test/private/*"],
    );
    let res = get(&lf, "http://media.test/private/c.txt", Some(&wrong_key)).await;
    assert_eq!(res, (403, ACCESS_DENIED.to_owned()));
    let expired = sign_cookies(
        "signer-private.pem",
        &[
            "--url",
            "http://media.test/private/c.txt",
            "--expires",
            "1000",
        ],
    );
    let res = get(&lf, "http://media.test/private/c.txt", Some(&expired)).await;
    assert_eq!(res, (403, ACCESS_DENIED.to_owned()));
}

#[tokio::test]
async fn a_bad_public_key_or_unknown_key_group_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.pem"), "not a key").unwrap();
    std::fs::write(
        dir.path().join("localfront.toml"),
        r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
trusted_key_groups = ["signer"]

[[key_groups]]
name = "signers"
public_keys = [{ id = "K1", file = "bad.pem" }]
"#,
    )
    .unwrap();
    let out = std::process::Command::new(support::localfront::binary())
        .args(["validate", "localfront.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert_eq!(lines[0], "localfront.toml:8:23: distributions[0].default_cache_behavior.trusted_key_groups[0]: unknown key group `signer` (did you mean `signers`?)");
    assert!(
        lines[1].starts_with(
            "localfront.toml:12:16: key_groups[0].public_keys[0]: not a PEM RSA public key"
        ),
        "{stderr}"
    );
}

fn base64_decode(s: &str) -> String {
    use base64::Engine;
    let standard: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(standard)
            .unwrap(),
    )
    .unwrap()
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(s)
        .replace('+', "-")
        .replace('=', "_")
        .replace('/', "~")
}
