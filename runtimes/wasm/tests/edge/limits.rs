//! The limits of spec/lambda-edge.md §6: a timeout really stops the guest and the runtime
//! keeps serving, the memory cap stops growth, `max_concurrency` throttles, and a running guest
//! does not hold the executor. Bounds on elapsed time are generous: they prove a guest was
//! stopped, not how fast.

use std::time::{Duration, Instant};

use localfront_events::lambda_edge::EventType;
use localfront_wasm::{EdgeError, Limit};

use crate::support::{event, load, load_with, runtime, SHORT_TIMEOUT};

#[tokio::test]
async fn an_infinite_loop_is_stopped_at_its_timeout_and_the_function_serves_again() {
    let rt = runtime();
    let looping = load_with(&rt, "infinite-loop", |s| s.timeout = Some(SHORT_TIMEOUT));
    let healthy = load(&rt, "ab-cookie");
    let cf = event(EventType::ViewerRequest, "/");

    let started = Instant::now();
    let err = looping.invoke(&cf).await.unwrap_err();
    let elapsed = started.elapsed();

    let EdgeError::LimitExceeded(l) = &err else {
        panic!("expected LimitExceeded, got {err}")
    };
    assert_eq!(l.limit, Limit::Timeout(SHORT_TIMEOUT));
    assert!(
        elapsed >= SHORT_TIMEOUT,
        "stopped before its timeout: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "not stopped near its timeout: {elapsed:?}"
    );
    // The looping instance is gone; the next call cold-starts and times out again, and other
    // functions of the runtime are unaffected.
    assert!(looping.invoke(&cf).await.is_err());
    assert_eq!(looping.stats().cold_starts, 2);
    assert!(healthy.invoke(&cf).await.is_ok());
}

#[tokio::test]
async fn the_event_timeout_caps_a_longer_function_timeout() {
    let rt = runtime();
    let f = load_with(&rt, "ab-cookie", |s| {
        s.timeout = Some(Duration::from_secs(20))
    });

    assert_eq!(
        f.timeout_for(EventType::ViewerRequest),
        Duration::from_secs(5)
    );
    assert_eq!(
        f.timeout_for(EventType::OriginRequest),
        Duration::from_secs(20)
    );
    let default = load(&rt, "ab-cookie");
    assert_eq!(
        default.timeout_for(EventType::OriginResponse),
        Duration::from_secs(30)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_running_guest_yields_to_the_executor() {
    // One thread: if the guest held it, the timer below could not fire before the timeout.
    let rt = runtime();
    let looping = load_with(&rt, "infinite-loop", |s| {
        s.timeout = Some(Duration::from_secs(2))
    });
    let cf = event(EventType::ViewerRequest, "/");

    let guest = async {
        let _ = looping.invoke(&cf).await;
        Instant::now()
    };
    let timer = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Instant::now()
    };
    let (guest_done, timer_done) = tokio::join!(guest, timer);

    assert!(timer_done < guest_done, "the timer waited for the guest");
}

#[tokio::test]
async fn memory_growth_past_memory_mb_is_a_limit_error() {
    let rt = runtime();
    let f = load_with(&rt, "memory-growth", |s| s.memory_mb = 16);

    let err = f
        .invoke(&event(EventType::OriginRequest, "/"))
        .await
        .unwrap_err();

    let EdgeError::LimitExceeded(l) = &err else {
        panic!("expected LimitExceeded, got {err}")
    };
    assert_eq!(l.limit, Limit::Memory { limit_mb: 16 });
    assert_eq!(err.cloudfront_name(), "LambdaLimitExceeded");
}

#[tokio::test]
async fn max_memory_used_stays_within_the_cap() {
    let rt = runtime();
    let f = load_with(&rt, "ab-cookie", |s| s.memory_mb = 16);

    let invocation = f
        .invoke(&event(EventType::ViewerRequest, "/"))
        .await
        .expect("invocation");

    assert!(invocation.max_memory_used > 0);
    assert!(invocation.max_memory_used <= 16 * 1024 * 1024);
}

#[tokio::test]
async fn invocations_past_max_concurrency_are_throttled() {
    let rt = runtime();
    let f = load_with(&rt, "init-counter", |s| s.max_concurrency = 1);
    let mut busy = event(EventType::ViewerRequest, "/");
    busy.request.headers.set("x-busy-ms", "400");
    let quick = event(EventType::ViewerRequest, "/");

    let (first, second) = tokio::join!(f.invoke(&busy), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        f.invoke(&quick).await
    });

    assert!(first.is_ok(), "{:?}", first.err());
    let err = second.unwrap_err();
    let EdgeError::LimitExceeded(l) = &err else {
        panic!("expected LimitExceeded, got {err}")
    };
    assert_eq!(l.limit, Limit::Concurrency { max: 1 });
    // Once the first is done the function serves again.
    assert!(f.invoke(&quick).await.is_ok());
}

#[tokio::test]
async fn a_runtime_with_every_instance_slot_in_use_throttles() {
    let mut config = localfront_wasm::RuntimeConfig::new(crate::guests::compile_cache_dir());
    config.instance_slots = 2;
    config.max_memory_mb = 64;
    let rt = localfront_wasm::EdgeRuntime::with_config(config).expect("runtime");
    let busy_fn = load_with(&rt, "init-counter", |s| {
        s.max_concurrency = 2;
        s.memory_mb = 64;
    });
    let other = load_with(&rt, "ab-cookie", |s| {
        s.max_concurrency = 1;
        s.memory_mb = 64;
    });
    let mut busy = event(EventType::ViewerRequest, "/");
    busy.request.headers.set("x-busy-ms", "100");
    // Two concurrent calls leave two warm instances holding both slots.
    let (a, b) = tokio::join!(busy_fn.invoke(&busy), busy_fn.invoke(&busy));
    assert!(a.is_ok() && b.is_ok());

    let err = other
        .invoke(&event(EventType::ViewerRequest, "/"))
        .await
        .unwrap_err();

    let EdgeError::LimitExceeded(l) = &err else {
        panic!("expected LimitExceeded, got {err}")
    };
    assert_eq!(l.limit, Limit::InstancePool);
}
