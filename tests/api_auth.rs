//! API protection by authorizers (spec/api-gateway.md §4, §5, §12): a JWT authorizer against a
//! JWKS served by a real origin and the attack matrix of the security checklist (every attack
//! ends in 401), scopes (403), tokens from a local issuer minted by the real `localfront token`
//! command, claims passed to Lambda and HTTP integrations, and Lambda authorizers with their
//! result cache.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use support::guests::component;
use support::localfront::{binary, free_addr};
use support::{Localfront, Reply, TestOrigin};

/// Every method allowed, nothing cached, every viewer value forwarded.
const PASS_THROUGH: &str = "cache_policy = \"CachingDisabled\"\norigin_request_policy = \"AllViewer\"\nallowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"POST\", \"PATCH\", \"DELETE\"]";

const ISSUER: &str = "https://issuer.test/pool";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/signing")
        .join(name);
    std::fs::read_to_string(&path).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWKS holding the public half of `private_pem` as `kid`.
fn jwks(private_pem: &str, kid: &str) -> Value {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_pem).unwrap();
    json!({ "keys": [{
        "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
        "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()),
    }]})
}

/// A JWT signed with `header` and the RSA key `pem`.
fn sign(header: &Header, claims: &Value, pem: &str) -> String {
    jsonwebtoken::encode(
        header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn rs256(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.into());
    h
}

/// Claims that pass: right issuer and audience, valid for ten minutes, scope `pets/read`.
fn good_claims() -> Value {
    json!({
        "iss": ISSUER, "aud": "app", "sub": "u-1", "exp": now() + 600, "iat": now(),
        "scope": "pets/read", "groups": ["admin", "ops"],
    })
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut c = claims.clone();
    c[key] = value;
    c
}

fn without(claims: &Value, key: &str) -> Value {
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove(key);
    c
}

/// An origin answering 200 with what it received of interest.
async fn backend() -> TestOrigin {
    TestOrigin::start(|r| Reply::new(200, format!("{} user={}", r.uri, r.header("x-user")))).await
}

async fn start(tail: &str) -> Localfront {
    start_with_admin(tail, None).await
}

async fn start_with_admin(tail: &str, admin: Option<SocketAddr>) -> Localfront {
    let mut b = Localfront::builder()
        .raw_origin("api", "api = \"pets\"")
        .default_behavior("api", PASS_THROUGH)
        .tail(tail);
    if let Some(admin) = admin {
        b = b.admin_addr(admin);
    }
    b.start().await
}

async fn get_with(lf: &Localfront, path: &str, authorization: Option<&str>) -> reqwest::Response {
    let mut r = lf.request("GET", path);
    if let Some(a) = authorization {
        r = r.header("authorization", a);
    }
    r.send().await.unwrap()
}

async fn body_json(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn the_jwt_attack_matrix_ends_in_401_and_scopes_in_403() {
    let signer = fixture("signer-private.pem");
    let attacker = fixture("other-private.pem");
    let real_jwks = jwks(&signer, "k1").to_string();
    let keys = TestOrigin::start(move |_| {
        Reply::new(200, real_jwks.clone()).header("content-type", "application/json")
    })
    .await;
    let evil_jwks = jwks(&attacker, "evil").to_string();
    let evil = TestOrigin::start(move |_| Reply::new(200, evil_jwks.clone())).await;
    let b = backend().await;
    let lf = start(&format!(
        r#"[[apis]]
name = "pets"
[[apis.authorizers]]
name = "jwt"
type = "jwt"
issuer = "{ISSUER}"
audience = ["app", "other-app"]
jwks_url = "http://127.0.0.1:{}/jwks.json"
[apis.routes."GET /pets"]
uri = "http://127.0.0.1:{port}/pets"
authorizer = "jwt"
authorization_scopes = ["pets/read"]
[apis.routes."GET /admin"]
uri = "http://127.0.0.1:{port}/admin"
authorizer = "jwt"
authorization_scopes = ["pets/admin", "pets/root"]
[apis.routes."GET /open"]
uri = "http://127.0.0.1:{port}/open"
"#,
        keys.port(),
        port = b.port()
    ))
    .await;

    let good = good_claims();
    let valid = sign(&rs256("k1"), &good, &signer);
    let evil_url = format!("http://127.0.0.1:{}/jwks.json", evil.port());

    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#),
        b64(good.to_string().as_bytes())
    );
    let public_pem = fixture("signer-public.pem");
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("k1".into());
    let hs256_with_public_key =
        jsonwebtoken::encode(&hs, &good, &EncodingKey::from_secret(public_pem.as_bytes())).unwrap();
    let mut jku = rs256("evil");
    jku.jku = Some(evil_url.clone());
    let mut x5u = rs256("evil");
    x5u.x5u = Some(evil_url.clone());
    let mut jku_real_kid = rs256("k1");
    jku_real_kid.jku = Some(evil_url.clone());
    let tampered = {
        let parts: Vec<&str> = valid.split('.').collect();
        let payload = with(&good, "scope", json!("pets/read pets/admin"));
        format!(
            "{}.{}.{}",
            parts[0],
            b64(payload.to_string().as_bytes()),
            parts[2]
        )
    };
    let oversized = sign(
        &rs256("k1"),
        &with(&good, "pad", json!("x".repeat(9000))),
        &signer,
    );

    let attacks: Vec<(&str, String)> = vec![
        ("alg none", none),
        (
            "HS256 signed with the RSA public key",
            hs256_with_public_key,
        ),
        ("unknown kid", sign(&rs256("k9"), &good, &signer)),
        ("jku pointing elsewhere", sign(&jku, &good, &attacker)),
        ("x5u pointing elsewhere", sign(&x5u, &good, &attacker)),
        (
            "jku with the real kid",
            sign(&jku_real_kid, &good, &attacker),
        ),
        (
            "expired",
            sign(
                &rs256("k1"),
                &with(&good, "exp", json!(now() - 120)),
                &signer,
            ),
        ),
        (
            "nbf in the future",
            sign(
                &rs256("k1"),
                &with(&good, "nbf", json!(now() + 600)),
                &signer,
            ),
        ),
        (
            "iat in the future",
            sign(
                &rs256("k1"),
                &with(&good, "iat", json!(now() + 600)),
                &signer,
            ),
        ),
        (
            "malformed exp",
            sign(
                &rs256("k1"),
                &with(&good, "exp", json!((now() + 600).to_string())),
                &signer,
            ),
        ),
        (
            "no exp",
            sign(&rs256("k1"), &without(&good, "exp"), &signer),
        ),
        (
            "wrong iss",
            sign(
                &rs256("k1"),
                &with(&good, "iss", json!("https://evil.test")),
                &signer,
            ),
        ),
        (
            "iss as an array",
            sign(&rs256("k1"), &with(&good, "iss", json!([ISSUER])), &signer),
        ),
        (
            "wrong aud",
            sign(
                &rs256("k1"),
                &with(&good, "aud", json!("someone-else")),
                &signer,
            ),
        ),
        (
            "no aud and a wrong client_id",
            sign(
                &rs256("k1"),
                &with(&without(&good, "aud"), "client_id", json!("nope")),
                &signer,
            ),
        ),
        ("oversized token", oversized),
        ("tampered payload", tampered),
        ("not a JWT", "abc.def".into()),
        (
            "no kid",
            sign(&Header::new(Algorithm::RS256), &good, &signer),
        ),
    ];
    for (name, token) in &attacks {
        let res = get_with(&lf, "/pets", Some(&format!("Bearer {token}"))).await;
        assert_eq!(res.status(), 401, "{name}");
        let www = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            www.starts_with("Bearer scope=\"\" error=\"invalid_token\" error_description=\""),
            "{name}: {www}"
        );
        assert!(res.headers().contains_key("apigw-requestid"), "{name}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Unauthorized"}"#,
            "{name}"
        );
    }
    assert!(
        evil.requests().is_empty(),
        "keys come only from the configured JWKS"
    );
    assert!(b.requests().is_empty(), "no attack reached the integration");
    // Unknown kids refetch the JWKS at most once per 10 s: the first fetch and at most one more.
    let fetches = keys.requests().len();
    assert!((1..=2).contains(&fetches), "{fetches} JWKS fetches");

    // No token: 401 with a bare `Bearer` challenge.
    let res = get_with(&lf, "/pets", None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_eq!(res.text().await.unwrap(), r#"{"message":"Unauthorized"}"#);

    // A valid token passes, with or without `Bearer `, again and again (verified once, cached).
    for auth in [
        format!("Bearer {valid}"),
        valid.clone(),
        format!("bearer {valid}"),
    ] {
        let res = get_with(&lf, "/pets", Some(&auth)).await;
        assert_eq!(res.status(), 200, "{auth}");
        assert_eq!(res.text().await.unwrap(), "/pets user=");
    }
    // A token without `aud` passes on its `client_id`.
    let client_token = sign(
        &rs256("k1"),
        &with(&without(&good, "aud"), "client_id", json!("other-app")),
        &signer,
    );
    assert_eq!(
        get_with(&lf, "/pets", Some(&client_token)).await.status(),
        200
    );
    // `scp` as an array counts too.
    let scp = sign(
        &rs256("k1"),
        &with(&without(&good, "scope"), "scp", json!(["pets/root"])),
        &signer,
    );
    assert_eq!(get_with(&lf, "/admin", Some(&scp)).await.status(), 200);

    // Valid, but none of the route's scopes: 403.
    let res = get_with(&lf, "/admin", Some(&valid)).await;
    assert_eq!(res.status(), 403);
    let www = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(www.contains("error=\"insufficient_scope\""), "{www}");
    assert_eq!(res.text().await.unwrap(), r#"{"message":"Forbidden"}"#);
    // A route without an authorizer needs no token.
    assert_eq!(lf.get("/open").await.status(), 200);
}

/// `localfront token --config <config> <args>`: the token, or the failure's stderr.
fn token(config: &Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new(binary())
        .arg("token")
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap().trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn local_issuer_tokens_reach_lambda_and_http_integrations() {
    let admin = free_addr();
    let b = backend().await;
    let lf = start_with_admin(
        &format!(
            r#"[[issuers]]
name = "local"
issuer_url = "http://{admin}/local"
users = [{{ username = "alice", groups = ["admins"] }}, {{ username = "bob" }}]

[[apis]]
name = "pets"
[[apis.authorizers]]
name = "cognito"
type = "jwt"
local_issuer = "local"
audience = ["app"]
[[apis.authorizers]]
name = "discovered"
type = "jwt"
identity_source = ["$request.querystring.token"]
issuer = "http://{admin}/local"
audience = ["app"]
[apis.routes."GET /pets"]
uri = "http://127.0.0.1:{port}/pets"
authorizer = "cognito"
authorization_scopes = ["pets/read"]
request_parameters = {{ "overwrite:header.x-user" = "$context.authorizer.claims.sub" }}
[apis.routes."GET /event"]
lambda = "echo"
authorizer = "cognito"
[apis.routes."GET /scoped-event"]
lambda = "echo"
authorizer = "cognito"
authorization_scopes = ["pets/read"]
[apis.routes."GET /discovered"]
uri = "http://127.0.0.1:{port}/discovered"
authorizer = "discovered"

[[lambda_functions]]
name = "echo"
component = "{}"
"#,
            component("lambda-echo").display(),
            port = b.port()
        ),
        Some(admin),
    )
    .await;
    let config = lf.config_path();

    // The key was generated at start and persisted; the issuer's documents are served.
    assert!(lf
        .dir
        .path()
        .join(".localfront/issuers/local.pem")
        .is_file());
    let discovery = lf
        .admin_json("/local/.well-known/openid-configuration")
        .await;
    assert_eq!(discovery["issuer"], format!("http://{admin}/local"));
    assert_eq!(
        discovery["jwks_uri"],
        format!("http://{admin}/local/.well-known/jwks.json")
    );
    let keys = lf.admin_json("/local/.well-known/jwks.json").await;
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    assert_eq!(keys["keys"][0]["alg"], "RS256");

    let access = token(
        &config,
        &[
            "--issuer",
            "local",
            "--sub",
            "alice",
            "--scope",
            "pets/read pets/write",
            "--client-id",
            "app",
            "--claim",
            "tier=\"gold\"",
            "--claim",
            "level=3",
        ],
    )
    .unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], keys["keys"][0]["kid"]);
    let claims = payload(&access);
    for (k, v) in [
        ("sub", json!("alice")),
        ("username", json!("alice")),
        ("token_use", json!("access")),
        ("client_id", json!("app")),
        ("scope", json!("pets/read pets/write")),
        ("cognito:groups", json!(["admins"])),
        ("iss", json!(format!("http://{admin}/local"))),
        ("tier", json!("gold")),
        ("level", json!(3)),
    ] {
        assert_eq!(claims[k], v, "{k}");
    }
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
    assert!(claims["auth_time"].is_u64() && claims["jti"].is_string());

    // HTTP integration: the claim through a parameter mapping.
    let res = get_with(&lf, "/pets", Some(&format!("Bearer {access}"))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "/pets user=alice");

    // Lambda integration: claims as strings, scopes null without route scopes.
    let event = body_json(get_with(&lf, "/event", Some(&access)).await).await["event"].clone();
    let jwt = &event["requestContext"]["authorizer"]["jwt"];
    assert_eq!(jwt["claims"]["sub"], "alice");
    assert_eq!(jwt["claims"]["cognito:groups"], "[admins]");
    assert_eq!(jwt["claims"]["level"], "3");
    assert_eq!(jwt["claims"]["exp"], claims["exp"].to_string());
    assert_eq!(jwt["scopes"], Value::Null);
    let event =
        body_json(get_with(&lf, "/scoped-event", Some(&access)).await).await["event"].clone();
    assert_eq!(
        event["requestContext"]["authorizer"]["jwt"]["scopes"],
        json!(["pets/read", "pets/write"])
    );

    // An ID token (`aud`, `cognito:username`, groups added with --group) also passes.
    let id = token(
        &config,
        &[
            "--issuer",
            "local",
            "--sub",
            "bob",
            "--id-token",
            "--client-id",
            "app",
            "--group",
            "ops",
            "--ttl",
            "5m",
        ],
    )
    .unwrap();
    let id_claims = payload(&id);
    assert_eq!(id_claims["token_use"], "id");
    assert_eq!(id_claims["aud"], "app");
    assert_eq!(id_claims["cognito:username"], "bob");
    assert_eq!(id_claims["cognito:groups"], json!(["ops"]));
    assert_eq!(
        id_claims["exp"].as_u64().unwrap() - id_claims["iat"].as_u64().unwrap(),
        300
    );
    assert_eq!(get_with(&lf, "/event", Some(&id)).await.status(), 200);
    // ... but has no scopes, so a scoped route refuses it.
    assert_eq!(get_with(&lf, "/pets", Some(&id)).await.status(), 403);

    // Another client's token, a token without the scope, an expired one.
    let other_client = token(
        &config,
        &[
            "--issuer",
            "local",
            "--sub",
            "alice",
            "--scope",
            "pets/read",
            "--client-id",
            "web",
        ],
    )
    .unwrap();
    assert_eq!(
        get_with(&lf, "/pets", Some(&other_client)).await.status(),
        401
    );
    let unscoped = token(
        &config,
        &["--issuer", "local", "--sub", "alice", "--client-id", "app"],
    )
    .unwrap();
    assert_eq!(get_with(&lf, "/pets", Some(&unscoped)).await.status(), 403);
    let expired = token(
        &config,
        &[
            "--issuer",
            "local",
            "--sub",
            "alice",
            "--scope",
            "pets/read",
            "--client-id",
            "app",
            "--claim",
            &format!("exp={}", now() - 10),
        ],
    )
    .unwrap();
    assert_eq!(get_with(&lf, "/pets", Some(&expired)).await.status(), 401);

    // An authorizer finding the keys through the issuer's OIDC discovery document, the token in
    // the query string.
    let res = lf.get(&format!("/discovered?token={access}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(lf.get("/discovered").await.status(), 401);

    // Undeclared users and unknown issuers are refused by the command.
    let e = token(&config, &["--issuer", "local", "--sub", "mallory"]).unwrap_err();
    assert!(
        e.contains("issuer `local` has no user `mallory` (its users: alice, bob)"),
        "{e}"
    );
    let e = token(&config, &["--issuer", "nope", "--sub", "alice"]).unwrap_err();
    assert!(e.contains("no issuer `nope` (declared: local)"), "{e}");
}

#[tokio::test]
async fn lambda_authorizers_allow_deny_and_cache_their_results() {
    let lf = start(&format!(
        r#"[[apis]]
name = "pets"
[[apis.authorizers]]
name = "cached"
type = "lambda"
function = "authz"
identity_source = ["$request.header.x-token"]
ttl_seconds = 300
[[apis.authorizers]]
name = "uncached"
type = "lambda"
function = "authz2"
identity_source = ["$request.header.x-token", "$context.routeKey"]
[apis.routes."GET /orders"]
lambda = "echo"
authorizer = "cached"
[apis.routes."GET /fresh"]
lambda = "echo"
authorizer = "uncached"

[[lambda_functions]]
name = "echo"
component = "{echo}"
[[lambda_functions]]
name = "authz"
component = "{authz}"
[[lambda_functions]]
name = "authz2"
component = "{authz}"
"#,
        echo = component("lambda-echo").display(),
        authz = component("lambda-authorizer").display(),
    ))
    .await;
    let call = |path: &'static str, token: Option<&'static str>| {
        let mut r = lf.request("GET", path);
        if let Some(t) = token {
            r = r.header("x-token", t);
        }
        r.send()
    };
    let invocations = |name: &'static str| {
        let lf = &lf;
        async move {
            lf.admin_json("/lambda-functions").await["functions"][name]["invocations"]
                .as_u64()
                .unwrap_or(0)
        }
    };

    // No identity source: 401 without a call.
    let res = call("/orders", None).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.text().await.unwrap(), r#"{"message":"Unauthorized"}"#);
    assert_eq!(invocations("authz").await, 0);

    // Allowed: the context reaches the integration; the result is cached for the same token.
    for _ in 0..3 {
        let res = call("/orders", Some("allow-t1")).await.unwrap();
        assert_eq!(res.status(), 200);
        let event = body_json(res).await["event"].clone();
        assert_eq!(
            event["requestContext"]["authorizer"]["lambda"],
            json!({ "tenant": "t1", "calls": 1 })
        );
    }
    assert_eq!(invocations("authz").await, 1, "cached by identity source");
    assert_eq!(
        call("/orders", Some("allow-t2")).await.unwrap().status(),
        200
    );
    assert_eq!(invocations("authz").await, 2, "another token, another call");

    // Denied: 403; failures and malformed answers: 500.
    let res = call("/orders", Some("deny")).await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.text().await.unwrap(), r#"{"message":"Forbidden"}"#);
    for t in ["error", "bad"] {
        let res = call("/orders", Some(t)).await.unwrap();
        assert_eq!(res.status(), 500, "{t}");
        assert_eq!(
            res.text().await.unwrap(),
            r#"{"message":"Internal Server Error"}"#
        );
    }

    // Without a TTL every request calls the authorizer.
    for _ in 0..2 {
        assert_eq!(
            call("/fresh", Some("allow-t3")).await.unwrap().status(),
            200
        );
    }
    assert_eq!(invocations("authz2").await, 2);
}

#[test]
fn config_errors_name_the_authorization_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        r#"[server]
admin_listen = "127.0.0.1:9901"

[[issuers]]
name = "local"
issuer_url = "http://127.0.0.1:9999/local"

[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
api = "pets"
[distributions.default_cache_behavior]
target_origin_id = "a"

[[apis]]
name = "pets"
[[apis.authorizers]]
name = "jwt"
type = "jwt"
local_issuer = "locl"
audience = ["app"]
[[apis.authorizers]]
name = "hs"
type = "jwt"
issuer = "https://issuer.test"
audience = ["app"]
algorithms = ["HS256"]
[[apis.authorizers]]
name = "fn"
type = "lambda"
function = "nope"
[apis.routes."GET /a"]
uri = "http://127.0.0.1:9000/"
authorizer = "jw"
[apis.routes."GET /b"]
uri = "http://127.0.0.1:9000/"
authorization_scopes = ["pets/read"]
"#,
    )
    .unwrap();
    let out = std::process::Command::new(binary())
        .arg("validate")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "bad.toml:6:14: issuers[0].issuer_url: `http://127.0.0.1:9999/local` does not name the admin listener's port 9901",
        "apis[0].authorizers[0].local_issuer: unknown issuer `locl` (did you mean `local`?)",
        "apis[0].authorizers[1].algorithms: `HS256` is not an accepted signing algorithm",
        "apis[0].authorizers[2].function: unknown lambda function `nope`",
        "apis[0].routes.GET /a.authorizer: unknown authorizer `jw`",
        "apis[0].routes.GET /b.authorization_scopes: authorization_scopes need a JWT authorizer",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}
