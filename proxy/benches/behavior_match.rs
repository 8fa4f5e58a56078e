//! Micro-benchmark (issue 3 item 3): the cache behavior match of every request,
//! `stages::route::match_behavior` (the path normalized, then each behavior's path pattern tried
//! in order) on a distribution with ten behaviors (`distribution.toml`), for a path matched by
//! the first pattern, by the fifth, by none (the default behavior), and one with dot segments and
//! escapes to normalize. Also the normalization alone. Run: `cargo bench -p localfront-proxy
//! --bench behavior_match`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_config::path_pattern::normalize_path;
use localfront_proxy::bench_api::Edge;

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator<mimalloc::MiMalloc> =
    localfront_js::MeteredAllocator(mimalloc::MiMalloc);

/// (benchmark name, path, expected behavior index; the default is last, 10).
const PATHS: &[(&str, &str, usize)] = &[
    ("first pattern", "/api/v1/users/42", 0),
    ("fifth pattern", "/images/products/shoe.png", 4),
    ("default behavior", "/blog/2026/11/hello-world", 10),
    ("dot segments", "/static/../account/./settings/%7Euser", 8),
];

fn behavior_match(c: &mut Criterion) {
    let dir = std::env::temp_dir();
    let edge = Edge::load(include_str!("distribution.toml"), &dir).expect("bench config");
    let mut group = c.benchmark_group("behavior_match");
    for (name, path, expected) in PATHS {
        assert_eq!(edge.match_behavior(0, path), *expected, "{path}");
        group.bench_function(*name, |b| {
            b.iter(|| edge.match_behavior(0, black_box(path)))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("normalize_path");
    for (name, path, _) in PATHS {
        group.bench_function(*name, |b| b.iter(|| normalize_path(black_box(path))));
    }
    group.finish();
}

criterion_group!(benches, behavior_match);
criterion_main!(benches);
