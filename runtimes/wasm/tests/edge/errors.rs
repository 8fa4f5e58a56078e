//! Every error kind, as the proxy will map it (spec/lambda-edge.md §7): validation → 502,
//! execution → 503, limits → 503; each names the function and keeps the guest's logs.

use localfront_events::lambda_edge::{EventType, ValidationError};
use localfront_wasm::EdgeError;

use crate::support::{event, load, runtime};

#[tokio::test]
async fn invalid_json_is_a_validation_error() {
    let rt = runtime();
    let f = load(&rt, "invalid-json");

    let err = f
        .invoke(&event(EventType::ViewerRequest, "/"))
        .await
        .unwrap_err();

    let EdgeError::Validation(v) = &err else {
        panic!("expected Validation, got {err}")
    };
    assert!(
        matches!(v.error, ValidationError::InvalidJson { .. }),
        "{err}"
    );
    assert_eq!(err.function(), "invalid-json");
    assert_eq!(err.cloudfront_name(), "LambdaValidationError");
}

#[tokio::test]
async fn a_forbidden_header_is_a_validation_error_naming_it() {
    let rt = runtime();
    let f = load(&rt, "forbidden-header");

    let err = f
        .invoke(&event(EventType::OriginRequest, "/"))
        .await
        .unwrap_err();

    let EdgeError::Validation(v) = &err else {
        panic!("expected Validation, got {err}")
    };
    assert_eq!(
        v.error,
        ValidationError::DisallowedHeader {
            header: "x-amz-cf-id".into()
        }
    );
    assert!(
        err.to_string().contains("`forbidden-header`") && err.to_string().contains("x-amz-cf-id"),
        "{err}"
    );
}

#[tokio::test]
async fn an_oversized_viewer_response_is_a_validation_error_but_fits_origin_events() {
    let rt = runtime();
    let f = load(&rt, "oversized-response");

    let viewer = f
        .invoke(&event(EventType::ViewerRequest, "/"))
        .await
        .unwrap_err();
    let origin = f.invoke(&event(EventType::OriginRequest, "/")).await;

    let EdgeError::Validation(v) = &viewer else {
        panic!("expected Validation, got {viewer}")
    };
    assert!(
        matches!(v.error, ValidationError::TooLarge { limit: 40960, .. }),
        "{viewer}"
    );
    assert!(
        origin.is_ok(),
        "1 MB limit on origin events: {:?}",
        origin.err()
    );
}

#[tokio::test]
async fn a_trap_is_an_execution_error_with_the_panic_in_the_logs() {
    let rt = runtime();
    let f = load(&rt, "trap");

    let err = f
        .invoke(&event(EventType::ViewerRequest, "/boom"))
        .await
        .unwrap_err();

    let EdgeError::Execution(e) = &err else {
        panic!("expected Execution, got {err}")
    };
    assert!(
        e.reason.contains("unreachable"),
        "the trap is named: {}",
        e.reason
    );
    assert_eq!(err.cloudfront_name(), "LambdaExecutionError");
    assert!(
        err.logs()
            .iter()
            .any(|l| l.contains("trap fixture: deliberate panic handling /boom")),
        "{:?}",
        err.logs()
    );
}

#[tokio::test]
async fn a_returned_error_is_an_execution_error_with_its_message() {
    let rt = runtime();
    let f = load(&rt, "handler-error");

    let err = f
        .invoke(&event(EventType::OriginRequest, "/"))
        .await
        .unwrap_err();

    let EdgeError::Execution(e) = &err else {
        panic!("expected Execution, got {err}")
    };
    assert_eq!(e.reason, "handler-error: the origin is on fire");
}

#[tokio::test]
async fn a_returned_error_keeps_the_instance_but_a_trap_discards_it() {
    let rt = runtime();
    let erring = load(&rt, "handler-error");
    let trapping = load(&rt, "trap");
    let cf = event(EventType::ViewerRequest, "/");

    for _ in 0..3 {
        assert!(erring.invoke(&cf).await.is_err());
        assert!(trapping.invoke(&cf).await.is_err());
    }

    assert_eq!(
        (erring.stats().cold_starts, erring.stats().warm_instances),
        (1, 1)
    );
    assert_eq!(
        (
            trapping.stats().cold_starts,
            trapping.stats().warm_instances
        ),
        (3, 0)
    );
}
