//! Warm instances: reuse, cold-start counting and `init` once per instance — Lambda's
//! execution environments (spec/lambda-edge.md §6).

use std::time::Duration;

use localfront_events::lambda_edge::{EventType, Response};

use crate::support::{event, load, response_of, runtime};

fn counts(r: &Response) -> (u32, u32) {
    let n = |h| {
        r.headers
            .get(h)
            .and_then(|v| v.parse().ok())
            .expect("counter header")
    };
    (n("x-init-count"), n("x-handle-count"))
}

#[tokio::test]
async fn sequential_invocations_reuse_one_warm_instance() {
    let rt = runtime();
    let f = load(&rt, "init-counter");
    let cf = event(EventType::ViewerRequest, "/");

    let first = f.invoke(&cf).await.expect("invocation");
    let second = f.invoke(&cf).await.expect("invocation");
    let third = f.invoke(&cf).await.expect("invocation");

    assert!(first.init_duration.is_some(), "the first is a cold start");
    assert!(second.init_duration.is_none() && third.init_duration.is_none());
    assert_eq!(
        counts(&response_of(third.result)),
        (1, 3),
        "init once, handle three times"
    );
    let stats = f.stats();
    assert_eq!(
        (stats.invocations, stats.cold_starts, stats.warm_instances),
        (3, 1, 1)
    );
}

#[tokio::test]
async fn concurrent_invocations_get_their_own_instances_each_initialized_once() {
    let rt = runtime();
    let f = load(&rt, "init-counter");
    let mut busy = event(EventType::ViewerRequest, "/");
    busy.request.headers.set("x-busy-ms", "200");

    let (a, b) = tokio::join!(f.invoke(&busy), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        f.invoke(&busy).await
    });

    for r in [a, b] {
        assert_eq!(counts(&response_of(r.expect("invocation").result)), (1, 1));
    }
    assert_eq!((f.stats().cold_starts, f.stats().warm_instances), (2, 2));
    // Both stay warm: two more concurrent calls start nothing new.
    let (c, d) = tokio::join!(f.invoke(&busy), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        f.invoke(&busy).await
    });
    assert!(c.is_ok() && d.is_ok());
    assert_eq!(f.stats().cold_starts, 2);
}

#[tokio::test]
async fn init_logs_and_handle_logs_arrive_with_the_first_invocation() {
    let rt = runtime();
    let f = load(&rt, "init-counter");
    let cf = event(EventType::ViewerRequest, "/");

    let first = f.invoke(&cf).await.expect("invocation");
    let second = f.invoke(&cf).await.expect("invocation");

    assert_eq!(first.logs, ["init-counter: handle #1"]);
    assert_eq!(second.logs, ["init-counter: handle #2"]);
}

#[tokio::test]
async fn the_wall_clock_is_available_to_init() {
    let rt = runtime();
    let f = load(&rt, "init-counter");

    let r = response_of(
        f.invoke(&event(EventType::ViewerRequest, "/"))
            .await
            .expect("invocation")
            .result,
    );

    let at: u64 = r
        .headers
        .get("x-init-at-ms")
        .and_then(|v| v.parse().ok())
        .expect("header");
    assert!(at > 1_600_000_000_000, "init saw the real time: {at}");
}
