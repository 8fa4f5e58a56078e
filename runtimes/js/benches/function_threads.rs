//! The cost of handing a run to [`FunctionThreads`] (issue 10 item 3): the URL-rewrite example
//! called directly on the calling thread, then through the pool from a tokio task (queue, wake a
//! function thread, run, reply, wake the task) — the difference is the hand-off. Both are printed
//! in µs per call; the pool is measured with one thread (the caller waits for each run) and with
//! several callers in flight on two threads.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use localfront_js::{FunctionSource, FunctionThreads, Functions, InvokeOptions};

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);

mod common;
use common::{event, CODE};

fn bench(c: &mut Criterion) {
    let functions = Functions::new(vec![FunctionSource::new("url-rewrite", CODE)]).expect("loads");
    let event = event();
    let options = InvokeOptions::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let one = FunctionThreads::start("bench-function", 1).expect("threads");
    let two = Arc::new(FunctionThreads::start("bench-function-2", 2).expect("threads"));
    functions
        .invoke("url-rewrite", &event, &options)
        .expect("runs");
    runtime
        .block_on(one.invoke(&functions, "url-rewrite", event.clone(), options.clone()))
        .expect("runs");

    c.bench_function("cff url-rewrite, direct on the calling thread", |b| {
        b.iter(|| black_box(functions.invoke("url-rewrite", black_box(&event), &options)))
    });
    c.bench_function("cff url-rewrite, through FunctionThreads (1 thread)", |b| {
        b.iter(|| {
            runtime.block_on(one.invoke(&functions, "url-rewrite", event.clone(), options.clone()))
        })
    });

    let n = 20_000;
    let started = Instant::now();
    for _ in 0..n {
        black_box(functions.invoke("url-rewrite", &event, &options).ok());
    }
    let direct = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    let started = Instant::now();
    for _ in 0..n {
        let clone = event.clone();
        black_box(clone);
    }
    let clone_only = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..n {
            black_box(
                one.invoke(&functions, "url-rewrite", event.clone(), options.clone())
                    .await
                    .ok(),
            );
        }
    });
    let pooled = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    // Eight callers in flight, as under load: throughput per call.
    let callers = 8;
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..callers {
            let (two, functions, event, options) = (
                two.clone(),
                functions.clone(),
                event.clone(),
                options.clone(),
            );
            tasks.push(tokio::spawn(async move {
                for _ in 0..n / callers {
                    black_box(
                        two.invoke(&functions, "url-rewrite", event.clone(), options.clone())
                            .await
                            .ok(),
                    );
                }
            }));
        }
        for t in tasks {
            t.await.expect("caller");
        }
    });
    let loaded = started.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("direct on the calling thread: {direct:.2} µs per call");
    println!(
        "through FunctionThreads, one at a time: {pooled:.2} µs per call \
         (hand-off {:.2} µs, of which {clone_only:.2} µs cloning the event)",
        pooled - direct
    );
    println!(
        "through FunctionThreads, {callers} callers on 2 threads: {loaded:.2} µs per call (throughput)"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
