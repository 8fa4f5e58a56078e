//! Micro-benchmark (issue 3 item 3): a JWT authorizer's check of a local issuer's RS256 access
//! token (2048-bit key, generated in the setup), as `ApiGateway` runs it for a protected route:
//! cached (the same token again: a SHA-256 of the token and a map lookup) and uncached (header,
//! key, RSA signature and claims). Run: `cargo bench -p localfront-origins --bench jwt_verify`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_origins::bench_api::Jwt;
use localfront_origins::{LocalIssuers, TokenRequest};

const CONFIG: &str = r#"
[server]
admin_listen = "127.0.0.1:9180"

[[issuers]]
name = "bench"
issuer_url = "http://127.0.0.1:9180/bench"
key_file = "bench.pem"

[[distributions]]
id = "EBENCH"
[[distributions.origins]]
id = "api"
api = "bench"
[distributions.default_cache_behavior]
target_origin_id = "api"
cache_policy = "CachingDisabled"

[[apis]]
name = "bench"
[apis.routes."GET /pets"]
uri = "http://127.0.0.1:9/pets"
authorizer = "jwt"
authorization_scopes = ["bench/read"]
[[apis.authorizers]]
name = "jwt"
type = "jwt"
local_issuer = "bench"
audience = ["bench"]
"#;

fn jwt_verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = localfront_config::toml::parse(CONFIG, &dir.path().join("bench.toml"), dir.path())
        .expect("bench config");
    let issuers = LocalIssuers::load(&config.issuers).expect("issuer key");
    let token = issuers
        .get("bench")
        .expect("issuer")
        .mint(&TokenRequest {
            sub: "alice".into(),
            scopes: vec!["bench/read".into()],
            client_id: "bench".into(),
            ttl: Duration::from_secs(3600),
            ..TokenRequest::default()
        })
        .expect("token");
    let jwt = Jwt::new(&config.apis[0], "jwt", &issuers).expect("authorizer");
    jwt.verify(&token).expect("a valid token");

    let mut group = c.benchmark_group("jwt_verify");
    group.bench_function("cached", |b| b.iter(|| jwt.verify(black_box(&token))));
    group.bench_function("uncached", |b| {
        b.iter(|| jwt.verify_uncached(black_box(&token)))
    });
    group.finish();
}

criterion_group!(benches, jwt_verify);
criterion_main!(benches);
