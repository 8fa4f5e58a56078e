//! Micro-benchmark (issue 3 item 3): an API's route match, `RouteTable::find` (matchit's radix
//! trees per method and tier, then the path parameters copied out), as `ApiGateway` runs it for
//! every request, on a pet-store API of 21 routes and `$default`: a static route, two `{var}`
//! segments, a greedy `{proxy+}`, a method only `ANY` serves, and no route at all. Run:
//! `cargo bench -p localfront-origins --bench api_routes`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_origins::bench_api::Routes;

const ROUTES: &[&str] = &[
    "GET /pets",
    "POST /pets",
    "GET /pets/{petId}",
    "PUT /pets/{petId}",
    "DELETE /pets/{petId}",
    "GET /pets/{petId}/photos",
    "POST /pets/{petId}/photos",
    "GET /pets/{petId}/photos/{photoId}",
    "GET /owners",
    "POST /owners",
    "GET /owners/{ownerId}",
    "PATCH /owners/{ownerId}",
    "GET /owners/{ownerId}/pets",
    "GET /stores",
    "GET /stores/{storeId}/inventory",
    "POST /orders",
    "GET /orders/{orderId}",
    "DELETE /orders/{orderId}",
    "GET /health",
    "ANY /admin/{proxy+}",
    "GET /static/{proxy+}",
    "$default",
];

/// (benchmark name, method, path, expected route).
const REQUESTS: &[(&str, &str, &str, &str)] = &[
    ("static", "GET", "/pets", "GET /pets"),
    (
        "two variables",
        "GET",
        "/pets/4711/photos/12",
        "GET /pets/{petId}/photos/{photoId}",
    ),
    (
        "greedy",
        "GET",
        "/static/css/site/main.css",
        "GET /static/{proxy+}",
    ),
    ("ANY", "DELETE", "/admin/users/42", "ANY /admin/{proxy+}"),
    ("$default", "GET", "/nothing/here", "$default"),
];

fn config() -> String {
    let mut toml = String::from(
        "[[distributions]]\nid = \"EBENCH\"\n[[distributions.origins]]\nid = \"api\"\napi = \"pets\"\n\
         [distributions.default_cache_behavior]\ntarget_origin_id = \"api\"\n\
         cache_policy = \"CachingDisabled\"\n\n[[apis]]\nname = \"pets\"\n",
    );
    for route in ROUTES {
        toml.push_str(&format!(
            "[apis.routes.\"{route}\"]\nuri = \"http://127.0.0.1:9/backend\"\n"
        ));
    }
    toml
}

fn api_routes(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = localfront_config::toml::parse(&config(), &dir.join("bench.toml"), dir)
        .expect("bench config");
    let api = &config.apis[0];
    let routes = Routes::new(&api.routes).expect("routes");
    let mut group = c.benchmark_group("api_routes");
    for (name, method, path, expected) in REQUESTS {
        let (route, _) = routes.find(method, path).expect("a route");
        assert_eq!(
            api.routes[route].key.to_string(),
            *expected,
            "{method} {path}"
        );
        group.bench_function(*name, |b| {
            b.iter(|| routes.find(black_box(method), black_box(path)))
        });
    }
    group.finish();
}

criterion_group!(benches, api_routes);
criterion_main!(benches);
