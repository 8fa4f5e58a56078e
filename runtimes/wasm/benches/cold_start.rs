//! SnapStart's cold-start gain: the `lambda-heavy-init` fixture (an `init` filling a 4 MiB
//! table) started the usual way (instantiate + `init`: the REPORT's `Init Duration`) and from a
//! SnapStart snapshot (instantiate the snapshot: `Restore Duration`).
//!
//! `cargo bench -p localfront-wasm --bench cold_start` (release) or add `--profile dev`; prints
//! the median and range of 16 cold starts each way, each the first invocation of a freshly
//! loaded function (with SnapStart, after its snapshot: the `prepare` time).

#[path = "../tests/edge/guests.rs"]
mod guests;

use std::time::Duration;

use localfront_wasm::{EdgeRuntime, LambdaFunctionSpec};

const SAMPLES: u32 = 16;

fn main() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let runtime = EdgeRuntime::new(guests::compile_cache_dir()).expect("runtime");
    for snap_start in [false, true] {
        let mut cold: Vec<Duration> = Vec::new();
        let mut prepare = Duration::ZERO;
        // A fresh function per sample: its first invocation is a cold start, measured alone.
        for _ in 0..SAMPLES {
            let mut spec = LambdaFunctionSpec::new("heavy", guests::component("lambda-heavy-init"));
            spec.snap_start = snap_start;
            spec.timeout = Duration::from_secs(30);
            let function = runtime.load_lambda(spec).expect("load");
            let started = std::time::Instant::now();
            tokio.block_on(function.prepare()).expect("prepare");
            prepare += started.elapsed();
            let invocation = tokio.block_on(function.invoke("{}", None)).expect("invoke");
            cold.push(invocation.cold_start.expect("a cold start").duration());
        }
        cold.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<28} cold start median {:>8.3} ms (min {:.3}, max {:.3}) over {} functions; prepare {:.1} ms each",
            if snap_start { "SnapStart (Restore Duration)" } else { "init (Init Duration)" },
            ms(cold[cold.len() / 2]),
            ms(cold[0]),
            ms(cold[cold.len() - 1]),
            cold.len(),
            ms(prepare / SAMPLES),
        );
    }
}
