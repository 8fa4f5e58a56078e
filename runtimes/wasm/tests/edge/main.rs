//! localfront-wasm's tests: the Lambda@Edge runtime driven with real guest components (built
//! once per run by `guests.rs`), one behaviour per test.

mod guests;
mod support;

mod cache;
mod contract;
mod errors;
mod examples;
mod fixtures;
mod limits;
mod pool;
