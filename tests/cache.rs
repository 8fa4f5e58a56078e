//! The edge cache: hits and misses, TTLs, revalidation, coalescing, error caching, keys and
//! poisoning (spec/distribution.md §5–7, §11; hardening.md §2).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{Localfront, Reply, TestOrigin};

async fn cached(origin: &TestOrigin, behavior: &str) -> Localfront {
    Localfront::builder()
        .origin("a", origin)
        .default_behavior("a", behavior)
        .start()
        .await
}

#[tokio::test]
async fn a_second_request_is_a_hit_with_age() {
    let origin = TestOrigin::start(|r| {
        Reply::new(200, format!("body {}", r.uri)).header("cache-control", "max-age=60")
    })
    .await;
    let lf = cached(&origin, "").await;

    let first = lf.get("/x").await;
    assert_eq!(first.headers()["x-cache"], "Miss from cloudfront");
    assert_eq!(first.text().await.unwrap(), "body /x");
    let second = lf.get("/x").await;
    assert_eq!(second.headers()["x-cache"], "Hit from cloudfront");
    assert!(second.headers().contains_key("age"));
    assert_eq!(second.text().await.unwrap(), "body /x");
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn caching_disabled_always_goes_to_the_origin() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "x").header("cache-control", "max-age=60")).await;
    let lf = cached(&origin, "cache_policy = \"CachingDisabled\"").await;

    for _ in 0..3 {
        assert_eq!(
            lf.get("/x").await.headers()["x-cache"],
            "Miss from cloudfront"
        );
    }
    assert_eq!(origin.requests().len(), 3);
}

#[tokio::test]
async fn an_expired_object_is_revalidated_and_a_304_is_a_refresh_hit() {
    let origin = TestOrigin::start(|r| {
        if r.header("if-none-match") == "\"v1\"" {
            Reply::new(304, "")
                .header("etag", "\"v1\"")
                .header("cache-control", "max-age=1")
        } else {
            Reply::new(200, "v1 body")
                .header("etag", "\"v1\"")
                .header("cache-control", "max-age=1")
        }
    })
    .await;
    let lf = cached(&origin, "cache_policy = \"UseOriginCacheControlHeaders\"").await;

    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = lf.get("/x").await;
    assert_eq!(res.headers()["x-cache"], "RefreshHit from cloudfront");
    assert_eq!(res.headers()["etag"], "\"v1\"");
    assert_eq!(res.text().await.unwrap(), "v1 body");
    let reqs = origin.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("if-none-match"), "\"v1\"");
}

#[tokio::test]
async fn viewer_conditional_requests_are_answered_from_cache() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "body")
            .header("etag", "\"e\"")
            .header("cache-control", "max-age=60")
    })
    .await;
    let lf = cached(&origin, "").await;

    lf.get("/x").await;
    let res = lf
        .request("GET", "/x")
        .header("if-none-match", "\"e\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn concurrent_misses_for_one_key_cause_one_origin_fetch() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "slow")
            .header("cache-control", "max-age=60")
            .delay(Duration::from_millis(500))
    })
    .await;
    let lf = Arc::new(cached(&origin, "").await);

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let lf = lf.clone();
            tokio::spawn(async move { lf.get("/same").await.text().await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "slow");
    }
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn the_origins_ttl_is_clamped_by_the_policy() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "x").header("cache-control", "max-age=1")).await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "cache_policy = \"Min5\"")
        .tail("[[cache_policies]]\nname = \"Min5\"\nmin_ttl = 5\ndefault_ttl = 10\nmax_ttl = 20")
        .start()
        .await;

    lf.get("/x").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Hit from cloudfront",
        "min_ttl 5 beats max-age=1"
    );
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn no_store_is_cached_only_for_min_ttl() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "x").header("cache-control", "no-store")).await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .behavior(
            "/zero/*",
            "a",
            "cache_policy = \"UseOriginCacheControlHeaders\"",
        )
        .default_behavior("a", "")
        .start()
        .await;

    // CachingOptimized: MinTTL 1 keeps it a second despite no-store.
    lf.get("/x").await;
    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
    // MinTTL 0: never stored.
    lf.get("/zero/x").await;
    assert_eq!(
        lf.get("/zero/x").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
    assert_eq!(origin.requests().len(), 3);
}

#[tokio::test]
async fn errors_are_cached_for_the_error_caching_min_ttl() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let origin = TestOrigin::start(move |r| {
        counter.fetch_add(1, Ordering::SeqCst);
        match r.uri.as_str() {
            "/missing" => Reply::new(404, "nope"),
            _ => Reply::new(403, "denied"),
        }
    })
    .await;
    let lf = cached(&origin, "").await;

    for _ in 0..2 {
        let res = lf.get("/missing").await;
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    }
    // 403 without cache headers is not cached.
    lf.get("/denied").await;
    lf.get("/denied").await;
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn head_is_served_from_a_cached_get() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "0123456789").header("cache-control", "max-age=60"))
            .await;
    let lf = cached(&origin, "").await;

    lf.get("/x").await;
    let head = lf.request("HEAD", "/x").send().await.unwrap();
    assert_eq!(head.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(head.headers()["content-length"], "10");
    assert_eq!(origin.requests().len(), 1);
}

#[tokio::test]
async fn ranges_are_served_from_cache() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "0123456789").header("cache-control", "max-age=60"))
            .await;
    let lf = cached(&origin, "").await;

    lf.get("/x").await;
    let res = lf
        .request("GET", "/x")
        .header("range", "bytes=2-4")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], "bytes 2-4/10");
    assert_eq!(res.text().await.unwrap(), "234");
    let res = lf
        .request("GET", "/x")
        .header("range", "bytes=5-2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "an invalid range gets the whole object");
    assert_eq!(origin.requests().len(), 1);
    // The origin never saw a Range header: the whole object is cached.
    assert_eq!(origin.requests()[0].header("range"), "");
}

#[tokio::test]
async fn only_keyed_values_vary_the_object() {
    let origin = TestOrigin::start(|r| {
        Reply::new(200, format!("for {}", r.uri)).header("cache-control", "max-age=60")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .behavior(
            "/q/*",
            "a",
            "cache_policy = \"UseOriginCacheControlHeaders-QueryStrings\"",
        )
        .default_behavior("a", "")
        .start()
        .await;

    // CachingOptimized: the query string is neither keyed nor forwarded.
    assert_eq!(lf.get("/p?a=1").await.text().await.unwrap(), "for /p");
    assert_eq!(
        lf.get("/p?a=2").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
    // All query strings keyed: separate objects.
    assert_eq!(
        lf.get("/q/p?a=1").await.text().await.unwrap(),
        "for /q/p?a=1"
    );
    assert_eq!(
        lf.get("/q/p?a=2").await.text().await.unwrap(),
        "for /q/p?a=2"
    );
    assert_eq!(
        lf.get("/q/p?a=1").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
}

#[tokio::test]
async fn an_unkeyed_header_or_cookie_neither_reaches_the_origin_nor_varies_the_object() {
    let origin = TestOrigin::start(|r| {
        let host = r.header("x-forwarded-host").to_owned();
        Reply::new(200, format!("link to {host}")).header("cache-control", "max-age=60")
    })
    .await;
    let lf = cached(&origin, "").await;

    let poisoned = lf
        .request("GET", "/page")
        .header("x-forwarded-host", "evil.test")
        .header("cookie", "admin=1")
        .send()
        .await
        .unwrap();
    assert_eq!(poisoned.text().await.unwrap(), "link to ");
    let clean = lf.get("/page").await;
    assert_eq!(clean.headers()["x-cache"], "Hit from cloudfront");
    assert_eq!(clean.text().await.unwrap(), "link to ");
    assert!(origin.last_request().headers.get("cookie").is_none());
}

#[tokio::test]
async fn responses_setting_cookies_are_never_stored() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "x")
            .header("cache-control", "max-age=60")
            .header("set-cookie", "s=1")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .behavior("/fwd/*", "a", "origin_request_policy = \"AllViewer\"")
        .default_behavior("a", "")
        .start()
        .await;

    // Cookies not forwarded: Set-Cookie is stripped, so the object can be cached.
    let res = lf.get("/x").await;
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
    // Cookies forwarded: Set-Cookie reaches the viewer and the response is not stored.
    assert_eq!(lf.get("/fwd/x").await.headers()["set-cookie"], "s=1");
    assert_eq!(
        lf.get("/fwd/x").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
}

#[tokio::test]
async fn objects_over_the_size_cap_are_served_but_not_stored() {
    let origin = TestOrigin::start(|r| {
        let size = if r.uri == "/big" { 4096 } else { 10 };
        Reply::new(200, vec![b'x'; size]).header("cache-control", "max-age=60")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .server("cache_max_object_bytes = 1024")
        .start()
        .await;

    assert_eq!(lf.get("/big").await.bytes().await.unwrap().len(), 4096);
    assert_eq!(
        lf.get("/big").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
    lf.get("/small").await;
    assert_eq!(
        lf.get("/small").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
}

#[tokio::test]
async fn distributions_never_share_cache_entries() {
    let one =
        TestOrigin::start(|_| Reply::new(200, "one").header("cache-control", "max-age=60")).await;
    let two =
        TestOrigin::start(|_| Reply::new(200, "two").header("cache-control", "max-age=60")).await;
    let dist = |id: &str, alias: &str, port: u16| {
        format!(
            "[[distributions]]\nid = \"{id}\"\naliases = [\"{alias}\"]\n[[distributions.origins]]\nid = \"o\"\ndomain_name = \"127.0.0.1\"\nhttp_port = {port}\n[distributions.default_cache_behavior]\ntarget_origin_id = \"o\"\n"
        )
    };
    let lf = Localfront::builder()
        .distributions_toml(
            &(dist("E1", "one.test", one.port()) + &dist("E2", "two.test", two.port())),
        )
        .start()
        .await;

    let get = |host: &'static str| {
        let lf = &lf;
        async move {
            lf.request("GET", "/same")
                .header("host", host)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(get("one.test").await, "one");
    assert_eq!(get("two.test").await, "two");
    assert_eq!(get("one.test").await, "one");
}

#[tokio::test]
async fn an_expired_object_is_served_when_the_origin_fails() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = fail.clone();
    let origin = TestOrigin::start(move |_| {
        if failing.load(Ordering::SeqCst) {
            Reply::new(503, "down")
        } else {
            Reply::new(200, "good").header("cache-control", "max-age=1")
        }
    })
    .await;
    let lf = cached(&origin, "cache_policy = \"UseOriginCacheControlHeaders\"").await;

    lf.get("/x").await;
    fail.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = lf.get("/x").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "good");
    assert_eq!(
        origin.requests().len(),
        2,
        "the origin was asked and failed"
    );
}

#[tokio::test]
async fn stale_if_error_zero_lets_the_origins_error_through() {
    let fail = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failing = fail.clone();
    let origin = TestOrigin::start(move |_| {
        if failing.load(Ordering::SeqCst) {
            Reply::new(503, "down")
        } else {
            Reply::new(200, "good").header("cache-control", "max-age=1, stale-if-error=0")
        }
    })
    .await;
    let lf = cached(&origin, "cache_policy = \"UseOriginCacheControlHeaders\"").await;

    lf.get("/x").await;
    fail.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(lf.get("/x").await.status(), 503);
}

#[tokio::test]
async fn invalidation_removes_every_variant_of_the_paths() {
    let origin = TestOrigin::start(|r| {
        Reply::new(200, format!("v {}", r.uri)).header("cache-control", "max-age=600")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior(
            "a",
            "cache_policy = \"UseOriginCacheControlHeaders-QueryStrings\"",
        )
        .start()
        .await;
    for path in [
        "/images/a.png?w=1",
        "/images/a.png?w=2",
        "/images/b/c.png",
        "/index.html",
        "/other",
    ] {
        lf.get(path).await;
    }

    let res = lf
        .admin_request("POST", "/distributions/ETEST/invalidations")
        .body(r#"{"paths": ["/images/*", "/index.html"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let answer: serde_json::Value = res.json().await.unwrap();
    assert_eq!(answer["Invalidation"]["Status"], "Completed");
    assert_eq!(answer["Invalidation"]["ObjectsRemoved"], 4);

    for path in ["/images/a.png?w=1", "/images/b/c.png", "/index.html"] {
        assert_eq!(
            lf.get(path).await.headers()["x-cache"],
            "Miss from cloudfront",
            "{path}"
        );
    }
    assert_eq!(
        lf.get("/other").await.headers()["x-cache"],
        "Hit from cloudfront"
    );
}

#[tokio::test]
async fn bad_invalidations_are_refused() {
    let origin = TestOrigin::named("a").await;
    let lf = cached(&origin, "").await;

    let post = |path: &'static str, body: &'static str| {
        let lf = &lf;
        async move {
            lf.admin_request("POST", path)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        post("/distributions/ENOPE/invalidations", r#"{"paths":["/x"]}"#).await,
        404
    );
    assert_eq!(
        post(
            "/distributions/ETEST/invalidations",
            r#"{"paths":["/a/*/b"]}"#
        )
        .await,
        400
    );
    assert_eq!(
        post("/distributions/ETEST/invalidations", r#"{"paths":["x"]}"#).await,
        400
    );
    assert_eq!(
        post("/distributions/ETEST/invalidations", "not json").await,
        400
    );
}

#[tokio::test]
async fn the_invalidate_command_calls_the_admin_api() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "x").header("cache-control", "max-age=600")).await;
    let lf = cached(&origin, "").await;
    lf.get("/doc").await;

    let out = tokio::process::Command::new(support::localfront::binary())
        .args([
            "invalidate",
            "--distribution",
            "ETEST",
            "--admin",
            &lf.admin.to_string(),
            "/doc",
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Completed"));
    assert_eq!(
        lf.get("/doc").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
}

#[tokio::test]
async fn the_cache_stays_within_cache_max_bytes() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, vec![b'x'; 300 * 1024]).header("cache-control", "max-age=600")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .server("cache_max_bytes = 1048576")
        .start()
        .await;

    for i in 0..10 {
        lf.get(&format!("/obj{i}")).await.bytes().await.unwrap();
    }
    // Evicted objects are purged in the background, just after the response that evicted them.
    let mut stats = lf.admin_json("/cache").await;
    for _ in 0..50 {
        if stats["bytes"].as_u64().unwrap() <= 1_048_576 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        stats = lf.admin_json("/cache").await;
    }
    assert!(stats["bytes"].as_u64().unwrap() <= 1_048_576, "{stats}");
    assert!(stats["objects"].as_u64().unwrap() >= 1, "{stats}");
}

#[tokio::test]
async fn no_cache_bypasses_the_cache() {
    let origin =
        TestOrigin::start(|_| Reply::new(200, "x").header("cache-control", "max-age=600")).await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "")
        .arg("--no-cache")
        .start()
        .await;

    lf.get("/x").await;
    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
    assert_eq!(origin.requests().len(), 2);
}

mod compression {
    use std::io::Read;

    use super::support::{Localfront, Reply, TestOrigin};

    const PAGE: &str = "<p>compress me</p>";

    async fn start(origin: &TestOrigin) -> Localfront {
        Localfront::builder()
            .origin("a", origin)
            .default_behavior("a", "compress = true")
            .start()
            .await
    }

    fn html(size: usize) -> Reply {
        Reply::new(200, PAGE.repeat(size / PAGE.len()))
            .header("content-type", "text/html; charset=utf-8")
            .header("etag", "\"abc\"")
            .header("cache-control", "max-age=60")
    }

    #[tokio::test]
    async fn brotli_is_preferred_and_cached_per_encoding() {
        let origin = TestOrigin::start(|_| html(5000)).await;
        let lf = start(&origin).await;

        let res = lf
            .request("GET", "/p")
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "br");
        assert_eq!(res.headers()["etag"], "W/\"abc\"");
        assert!(res.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("Accept-Encoding"));
        let body = res.bytes().await.unwrap();
        let mut plain = String::new();
        brotli::Decompressor::new(&body[..], 4096)
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain.len(), PAGE.len() * (5000 / PAGE.len()));
        // The origin was asked for br,gzip: the normalized Accept-Encoding.
        assert_eq!(origin.last_request().header("accept-encoding"), "br,gzip");

        let res = lf
            .request("GET", "/p")
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "gzip");
        assert_eq!(
            res.headers()["x-cache"],
            "Miss from cloudfront",
            "a separate object per encoding"
        );
        let body = res.bytes().await.unwrap();
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert!(plain.starts_with(PAGE));

        let res = lf
            .request("GET", "/p")
            .header("accept-encoding", "br;q=1, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["x-cache"],
            "Hit from cloudfront",
            "same normalized value: br,gzip"
        );
        assert_eq!(res.headers()["content-encoding"], "br");
    }

    #[tokio::test]
    async fn viewers_without_accept_encoding_get_identity() {
        let origin = TestOrigin::start(|_| html(5000)).await;
        let lf = start(&origin).await;

        let res = lf.get("/p").await;
        assert!(res.headers().get("content-encoding").is_none());
        assert_eq!(res.headers()["etag"], "\"abc\"");
        assert_eq!(origin.last_request().header("accept-encoding"), "identity");
    }

    #[tokio::test]
    async fn small_or_unlisted_or_already_encoded_bodies_are_left_alone() {
        let origin = TestOrigin::start(|r| match r.uri.as_str() {
            "/small" => html(500),
            "/image" => Reply::new(200, vec![0u8; 5000])
                .header("content-type", "image/png")
                .header("cache-control", "max-age=60"),
            _ => Reply::new(200, vec![1u8; 5000])
                .header("content-type", "text/html")
                .header("content-encoding", "gzip")
                .header("cache-control", "max-age=60"),
        })
        .await;
        let lf = start(&origin).await;

        for (path, encoding) in [
            ("/small", None),
            ("/image", None),
            ("/encoded", Some("gzip")),
        ] {
            let res = lf
                .request("GET", path)
                .header("accept-encoding", "br, gzip")
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap()),
                encoding,
                "{path}"
            );
        }
    }

    #[tokio::test]
    async fn without_compress_nothing_is_compressed() {
        let origin = TestOrigin::start(|_| html(5000)).await;
        let lf = Localfront::builder()
            .origin("a", &origin)
            .default_behavior("a", "")
            .start()
            .await;

        let res = lf
            .request("GET", "/p")
            .header("accept-encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("content-encoding").is_none());
    }
}

#[tokio::test]
async fn stale_while_revalidate_serves_the_old_object_while_refetching() {
    let version = Arc::new(AtomicUsize::new(1));
    let current = version.clone();
    let origin = TestOrigin::start(move |_| {
        Reply::new(200, format!("v{}", current.load(Ordering::SeqCst)))
            .header("cache-control", "max-age=1, stale-while-revalidate=60")
    })
    .await;
    let lf = cached(&origin, "cache_policy = \"UseOriginCacheControlHeaders\"").await;

    assert_eq!(lf.get("/x").await.text().await.unwrap(), "v1");
    version.store(2, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        lf.get("/x").await.text().await.unwrap(),
        "v1",
        "stale, while refetching"
    );
    let mut fresh = String::new();
    for _ in 0..50 {
        fresh = lf.get("/x").await.text().await.unwrap();
        if fresh == "v2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fresh, "v2", "the background refetch refreshed the object");
}

#[tokio::test]
async fn a_ttl_of_zero_is_cached_and_revalidated_on_every_request() {
    let origin = TestOrigin::start(|r| {
        if r.header("if-none-match") == "\"v1\"" {
            Reply::new(304, "").header("etag", "\"v1\"")
        } else {
            Reply::new(200, "v1 body").header("etag", "\"v1\"")
        }
    })
    .await;
    // UseOriginCacheControlHeaders: DefaultTTL 0 when the origin sends no Cache-Control.
    let lf = cached(&origin, "cache_policy = \"UseOriginCacheControlHeaders\"").await;

    assert_eq!(
        lf.get("/x").await.headers()["x-cache"],
        "Miss from cloudfront"
    );
    let res = lf.get("/x").await;
    assert_eq!(res.headers()["x-cache"], "RefreshHit from cloudfront");
    assert_eq!(res.text().await.unwrap(), "v1 body");
    assert_eq!(origin.requests()[1].header("if-none-match"), "\"v1\"");
}

#[tokio::test]
async fn vary_keeps_only_headers_the_object_can_depend_on() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, vec![b'x'; 2000])
            .header("cache-control", "max-age=60")
            .header("content-type", "text/html")
            .header("vary", "User-Agent, X-Tenant, Accept-Language, Cookie")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "cache_policy = \"tenant\"\ncompress = true")
        .tail(
            "[[cache_policies]]\nname = \"tenant\"\nheaders = { whitelist = [\"X-Tenant\"] }\nenable_accept_encoding_gzip = true\n",
        )
        .start()
        .await;

    let res = lf
        .request("GET", "/page")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();

    // User-Agent and Accept-Language reach no origin here: CloudFront drops them from Vary; the
    // keyed header and Cookie stay, and edge compression adds Accept-Encoding.
    let vary = res.headers()["vary"].to_str().unwrap().to_ascii_lowercase();
    let tokens: Vec<&str> = vary.split(',').map(str::trim).collect();
    assert!(tokens.contains(&"x-tenant"), "{vary}");
    assert!(tokens.contains(&"cookie"), "{vary}");
    assert!(tokens.contains(&"accept-encoding"), "{vary}");
    assert!(!tokens.contains(&"user-agent"), "{vary}");
    assert!(!tokens.contains(&"accept-language"), "{vary}");
}

#[tokio::test]
async fn vary_star_at_min_ttl_zero_is_refetched_every_time() {
    let origin = TestOrigin::start(|_| {
        Reply::new(200, "v")
            .header("cache-control", "max-age=60")
            .header("vary", "*")
    })
    .await;
    let lf = Localfront::builder()
        .origin("a", &origin)
        .default_behavior("a", "cache_policy = \"min0\"")
        .tail("[[cache_policies]]\nname = \"min0\"\nmin_ttl = 0\n")
        .start()
        .await;

    for _ in 0..3 {
        let res = lf.get("/v").await;
        assert_eq!(res.headers()["vary"], "*");
        assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
    }
    assert_eq!(origin.requests().len(), 3);
}
