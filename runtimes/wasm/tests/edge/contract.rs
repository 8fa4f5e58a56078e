//! The contract of `wit/handler.wit`: what a component may import and must export, and the
//! settings `load` refuses.

use std::time::Duration;

use localfront_events::lambda_edge::EventType;
use localfront_wasm::{EdgeError, EdgeFunctionSpec, LoadError};

use crate::guests;
use crate::support::{event, load, runtime};

#[tokio::test]
async fn a_guest_cannot_read_the_filesystem() {
    let rt = runtime();
    let f = load(&rt, "filesystem-access");

    let err = f
        .invoke(&event(EventType::ViewerRequest, "/"))
        .await
        .unwrap_err();

    // Rust's std asks `wasi:filesystem/preopens` for directories; that import traps.
    let EdgeError::Execution(e) = &err else {
        panic!("expected Execution, got {err}")
    };
    assert!(e.reason.contains("wasi:filesystem"), "{}", e.reason);
    assert!(e.reason.contains("does not provide"), "{}", e.reason);
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("handler.wasm");
    std::fs::write(&path, b"\0asm garbage").expect("write");

    let err = rt
        .load(EdgeFunctionSpec::new("bad", &path))
        .err()
        .expect("refused");

    assert!(matches!(err, LoadError::InvalidComponent { .. }), "{err}");
    assert!(err.to_string().contains("`bad`"), "{err}");
}

#[test]
fn a_missing_file_is_a_read_error() {
    let rt = runtime();

    let err = rt
        .load(EdgeFunctionSpec::new("gone", "/nonexistent/handler.wasm"))
        .err()
        .expect("refused");

    assert!(matches!(err, LoadError::Read { .. }), "{err}");
}

#[test]
fn out_of_range_settings_are_refused_naming_the_setting() {
    let rt = runtime();
    let component = guests::component("ab-cookie");
    let refused = |edit: fn(&mut EdgeFunctionSpec)| {
        let mut spec = EdgeFunctionSpec::new("f", &component);
        edit(&mut spec);
        match rt.load(spec) {
            Err(LoadError::InvalidSpec { setting, .. }) => setting,
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("accepted"),
        }
    };

    assert_eq!(refused(|s| s.memory_mb = 0), "memory_mb");
    assert_eq!(refused(|s| s.memory_mb = 100_000), "memory_mb");
    assert_eq!(
        refused(|s| s.timeout = Some(Duration::from_secs(31))),
        "timeout"
    );
    assert_eq!(refused(|s| s.max_concurrency = 0), "max_concurrency");
}
