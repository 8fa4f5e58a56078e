//! Micro-benchmark (issue 5 item 7): native event build + call of the URL-rewrite example on a
//! reused per-thread context, i.e. the whole `Functions::invoke`. Prints µs per call. When `node`
//! is on the PATH, also runs the same function in a fresh `vm` context per request (how a naive
//! embedding would isolate runs) in the same run and prints the ratio.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_js::{FunctionSource, Functions, InvokeOptions};

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);

mod common;
use common::{event, CODE};

fn node_us_per_call(iterations: u32) -> Option<f64> {
    let script = format!(
        r#"const vm = require('vm');
const code = {code};
const event = () => ({{ version: '1.0', context: {{ eventType: 'viewer-request' }}, viewer: {{ ip: '127.0.0.1' }},
  request: {{ method: 'GET', uri: '/docs/guide', querystring: {{ a: {{ value: '1' }} }},
    headers: {{ host: {{ value: 'example.org' }}, accept: {{ value: '*/*' }} }}, cookies: {{ s: {{ value: '1' }} }} }} }});
const script = new vm.Script(code + '\nresult = handler(input);');
for (let i = 0; i < 50; i++) script.runInNewContext({{ input: event() }});
const n = {iterations};
const t = process.hrtime.bigint();
for (let i = 0; i < n; i++) script.runInNewContext({{ input: event() }});
console.log(Number(process.hrtime.bigint() - t) / 1000 / n);"#,
        code = serde_json::to_string(CODE).ok()?,
    );
    let out = Command::new("node").arg("-e").arg(script).output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn bench(c: &mut Criterion) {
    let functions = Functions::new(vec![FunctionSource::new("url-rewrite", CODE)]).expect("loads");
    let event = event();
    let options = InvokeOptions::default();
    functions
        .invoke("url-rewrite", &event, &options)
        .expect("runs");

    c.bench_function("cff url-rewrite invoke (event build + call + read)", |b| {
        b.iter(|| black_box(functions.invoke("url-rewrite", black_box(&event), &options)))
    });

    let n = 20_000;
    let started = Instant::now();
    for _ in 0..n {
        black_box(functions.invoke("url-rewrite", &event, &options).ok());
    }
    let boa_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("localfront (boa, reused context): {boa_us:.2} µs per call");
    match node_us_per_call(2_000) {
        Some(node_us) => println!(
            "node (fresh vm context per request): {node_us:.2} µs per call; node/localfront = {:.1}",
            node_us / boa_us
        ),
        None => println!("node not available: no comparison"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
