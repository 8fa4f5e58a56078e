//! The compile cache: a component is compiled once and reused from disk by a new runtime. These
//! tests use a fresh cache, so they compile: they use the smallest fixture.

use localfront_wasm::{EdgeFunctionSpec, EdgeRuntime};

use crate::guests;

#[test]
fn a_second_runtime_loads_the_compiled_component_from_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let component = guests::component("infinite-loop");
    let spec = || EdgeFunctionSpec::new("loop", &component);

    EdgeRuntime::new(dir.path())
        .expect("runtime")
        .load(spec())
        .expect("first load compiles");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).expect("cache dir").collect();
    assert_eq!(entries.len(), 1, "one cached artifact");

    EdgeRuntime::new(dir.path())
        .expect("runtime")
        .load(spec())
        .expect("second load reads the cache");
    assert_eq!(std::fs::read_dir(dir.path()).expect("cache dir").count(), 1);
}

#[test]
fn a_corrupt_cache_entry_is_recompiled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = EdgeFunctionSpec::new("loop", guests::component("infinite-loop"));
    EdgeRuntime::new(dir.path())
        .expect("runtime")
        .load(spec.clone())
        .expect("load");
    let entry = std::fs::read_dir(dir.path())
        .expect("dir")
        .next()
        .expect("entry")
        .expect("entry")
        .path();
    std::fs::write(&entry, b"not a compiled component").expect("corrupt it");

    EdgeRuntime::new(dir.path())
        .expect("runtime")
        .load(spec)
        .expect("recompiled");

    assert!(
        std::fs::read(&entry).expect("entry").len() > 100,
        "the entry was rewritten"
    );
}
