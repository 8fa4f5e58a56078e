//! Micro-benchmark (issue 3 item 3): the primary cache key of a request,
//! `stages::cache::primary_key` (the values the cache policy selects, framed with the
//! distribution and path), for a browser's request under `CachingOptimized` and an API request
//! under a policy keying on a whitelist of headers, cookies and query parameters with gzip and
//! brotli (`distribution.toml`). Run: `cargo bench -p localfront-proxy --bench cache_key`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_proxy::bench_api::Edge;
use pingora::http::RequestHeader;

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator<mimalloc::MiMalloc> =
    localfront_js::MeteredAllocator(mimalloc::MiMalloc);

/// A browser's request: what a viewer sends, most of which the key ignores.
fn request(path_and_query: &str, extra: &[(&str, &str)]) -> RequestHeader {
    let mut req = RequestHeader::build("GET", path_and_query.as_bytes(), None).expect("request");
    let common = [
        ("host", "d111111abcdef8.cloudfront.net"),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        ),
        (
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        ("accept-language", "en-US,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        (
            "cookie",
            "session=3f2a9c1e; locale=en; _ga=GA1.2.1234567890.1700000000; theme=dark",
        ),
    ];
    for (name, value) in common.iter().chain(extra) {
        req.append_header(name.to_string(), *value).expect("header");
    }
    req
}

fn cache_key(c: &mut Criterion) {
    let dir = std::env::temp_dir();
    let edge = Edge::load(include_str!("distribution.toml"), &dir).expect("bench config");
    let mut group = c.benchmark_group("cache_key");

    // The default behavior (10): CachingOptimized keys on the path and Accept-Encoding only.
    let optimized = edge.routed(0, 10, true);
    let req = request("/blog/2026/11/hello-world?utm_source=news&v=3", &[]);
    let key = edge
        .primary_key(&optimized, &req)
        .expect("a cached behavior");
    println!("CachingOptimized key: {key:?}");
    group.bench_function("CachingOptimized", |b| {
        b.iter(|| edge.primary_key(&optimized, black_box(&req)))
    });

    // `/api/v1/*` (0): the `keyed` policy's whitelists.
    let keyed = edge.routed(0, 0, true);
    let req = request(
        "/api/v1/catalog?page=2&utm_source=news&sort=price&fbclid=abc",
        &[("x-tenant", "acme")],
    );
    let key = edge.primary_key(&keyed, &req).expect("a cached behavior");
    println!("whitelist key: {key:?}");
    group.bench_function("whitelist policy", |b| {
        b.iter(|| edge.primary_key(&keyed, black_box(&req)))
    });
    group.finish();
}

criterion_group!(benches, cache_key);
criterion_main!(benches);
