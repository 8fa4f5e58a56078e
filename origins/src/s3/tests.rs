//! Tests of the S3 directory origin against a temporary bucket.

use super::*;
use http_body_util::BodyExt;

/// A bucket with `index.html`, `style.css`, `data.bin` (0..=255), `sub/`
/// with an index, `noindex/` without, and a `secret` file next to (outside)
/// the root.
struct Bucket {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

fn bucket() -> Bucket {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bucket");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(root.join("noindex")).unwrap();
    std::fs::create_dir_all(root.join("a")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>root</h1>").unwrap();
    std::fs::write(root.join("style.css"), "body{}").unwrap();
    std::fs::write(root.join("data.bin"), (0..=255u8).collect::<Vec<_>>()).unwrap();
    std::fs::write(root.join("sub/index.html"), "<h1>sub</h1>").unwrap();
    std::fs::write(root.join("noindex/file.txt"), "text").unwrap();
    std::fs::write(tmp.path().join("secret"), "top secret").unwrap();
    Bucket { _tmp: tmp, root }
}

fn dir(b: &Bucket, list_bucket: bool) -> S3Directory {
    S3Directory::new(&b.root, Some("index.html".into()), list_bucket).unwrap()
}

fn get(path: &str) -> Request<()> {
    Request::get(path).body(()).unwrap()
}

async fn body(r: Response<OriginBody>) -> Vec<u8> {
    r.into_body().collect().await.unwrap().to_bytes().to_vec()
}

fn header<'a>(r: &'a Response<OriginBody>, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[test]
fn new_rejects_missing_dir_and_bad_index() {
    let b = bucket();
    assert!(S3Directory::new(b.root.join("nope"), None, false).is_err());
    assert!(S3Directory::new(b.root.join("style.css"), None, false).is_err());
    assert!(S3Directory::new(&b.root, Some("../x".into()), false).is_err());
    assert!(S3Directory::new(&b.root, Some(String::new()), false).is_err());
}

#[tokio::test]
async fn serves_file_with_s3_headers() {
    let b = bucket();
    let r = dir(&b, false).handle(get("/style.css")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&r, "content-length"), "6");
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert_eq!(header(&r, "server"), "AmazonS3");
    assert_eq!(header(&r, "x-amz-request-id").len(), 16);
    let etag = header(&r, "etag");
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.ends_with("-6\""));
    let mtime = std::fs::metadata(b.root.join("style.css"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(header(&r, "last-modified"), httpdate::fmt_http_date(mtime));
    assert_eq!(body(r).await, b"body{}");

    let r = dir(&b, false).handle(get("/data.bin?x=1")).await;
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(body(r).await.len(), 256);
}

#[tokio::test]
async fn etag_changes_with_content() {
    let b = bucket();
    let d = dir(&b, false);
    let first = d.handle(get("/style.css")).await;
    std::fs::write(b.root.join("style.css"), "body{x}").unwrap();
    let second = d.handle(get("/style.css")).await;
    assert_ne!(header(&first, "etag"), header(&second, "etag"));
}

#[tokio::test]
async fn percent_decoded_key() {
    let b = bucket();
    std::fs::write(b.root.join("a b+c.txt"), "x").unwrap();
    let r = dir(&b, false).handle(get("/a%20b+c.txt")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "text/plain; charset=utf-8");
}

#[tokio::test]
async fn if_none_match_gives_304() {
    let b = bucket();
    let d = dir(&b, false);
    let etag = header(&d.handle(get("/style.css")).await, "etag").to_owned();
    for value in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let req = Request::get("/style.css")
            .header("if-none-match", &value)
            .body(())
            .unwrap();
        let r = d.handle(req).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{value}");
        assert_eq!(header(&r, "etag"), etag);
        assert!(r.headers().contains_key("last-modified"));
        assert!(body(r).await.is_empty());
    }
    // Mismatch wins over a matching If-Modified-Since (which is then ignored).
    let req = Request::get("/style.css")
        .header("if-none-match", "\"other\"")
        .header("if-modified-since", "Fri, 31 Dec 9999 23:59:59 GMT")
        .body(())
        .unwrap();
    assert_eq!(d.handle(req).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn if_modified_since_gives_304() {
    let b = bucket();
    let d = dir(&b, false);
    let lm = header(&d.handle(get("/style.css")).await, "last-modified").to_owned();
    let ims = |v: &str| {
        Request::get("/style.css")
            .header("if-modified-since", v)
            .body(())
            .unwrap()
    };
    assert_eq!(d.handle(ims(&lm)).await.status(), StatusCode::NOT_MODIFIED);
    let old = "Thu, 01 Jan 1970 00:00:00 GMT";
    assert_eq!(d.handle(ims(old)).await.status(), StatusCode::OK);
    assert_eq!(d.handle(ims("garbage")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn failed_preconditions_give_412() {
    let b = bucket();
    let d = dir(&b, false);
    let etag = header(&d.handle(get("/style.css")).await, "etag").to_owned();
    let with = |name: &str, value: &str| {
        Request::get("/style.css")
            .header(name, value)
            .body(())
            .unwrap()
    };
    let r = d.handle(with("if-match", "\"nope\"")).await;
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let xml = String::from_utf8(body(r).await).unwrap();
    assert!(xml.contains("<Code>PreconditionFailed</Code>"), "{xml}");
    // If-Match uses strong comparison.
    let weak = format!("W/{etag}");
    assert_eq!(
        d.handle(with("if-match", &weak)).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        d.handle(with("if-match", &etag)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        d.handle(with("if-match", "*")).await.status(),
        StatusCode::OK
    );
    let old = "Thu, 01 Jan 1970 00:00:00 GMT";
    assert_eq!(
        d.handle(with("if-unmodified-since", old)).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let future = "Fri, 31 Dec 9999 23:59:59 GMT";
    assert_eq!(
        d.handle(with("if-unmodified-since", future)).await.status(),
        StatusCode::OK
    );
}

async fn ranged(d: &S3Directory, range: &str) -> Response<OriginBody> {
    d.handle(
        Request::get("/data.bin")
            .header("range", range)
            .body(())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn single_ranges_give_206() {
    let b = bucket();
    let d = dir(&b, false);
    for (range, start, end) in [
        ("bytes=10-19", 10u8, 19u8),
        ("bytes=250-", 250, 255),
        ("bytes=-6", 250, 255),
        ("bytes=-1000", 0, 255),
        ("bytes=200-9999", 200, 255),
        ("BYTES = 0-0", 0, 0),
    ] {
        let r = ranged(&d, range).await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            header(&r, "content-range"),
            format!("bytes {start}-{end}/256")
        );
        let len = usize::from(end - start) + 1;
        assert_eq!(header(&r, "content-length"), len.to_string());
        assert_eq!(body(r).await, (start..=end).collect::<Vec<_>>(), "{range}");
    }
}

#[tokio::test]
async fn unsatisfiable_range_gives_416() {
    let b = bucket();
    let d = dir(&b, false);
    for range in ["bytes=256-", "bytes=300-400", "bytes=-0"] {
        let r = ranged(&d, range).await;
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(header(&r, "content-range"), "bytes */256");
        assert_eq!(header(&r, "content-type"), "application/xml");
        let xml = String::from_utf8(body(r).await).unwrap();
        assert!(xml.contains("<Code>InvalidRange</Code>"), "{xml}");
    }
}

#[tokio::test]
async fn invalid_or_multiple_ranges_give_200() {
    let b = bucket();
    let d = dir(&b, false);
    for range in [
        "bytes=20-10",
        "bytes=0-1,5-6",
        "bytes=abc",
        "bytes=-",
        "bytes=1-x",
        "items=0-1",
        "bytes=+1-2",
    ] {
        let r = ranged(&d, range).await;
        assert_eq!(r.status(), StatusCode::OK, "{range}");
        assert!(!r.headers().contains_key("content-range"));
        assert_eq!(body(r).await.len(), 256);
    }
}

#[tokio::test]
async fn index_documents() {
    let b = bucket();
    let d = dir(&b, false);
    let r = d.handle(get("/")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(body(r).await, b"<h1>root</h1>");
    let r = d.handle(get("/sub/")).await;
    assert_eq!(body(r).await, b"<h1>sub</h1>");
    // No index document configured: keys ending in `/` are plain missing keys.
    let plain = S3Directory::new(&b.root, None, false).unwrap();
    assert_eq!(plain.handle(get("/")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        plain.handle(get("/sub")).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn directory_without_slash_redirects() {
    let b = bucket();
    let d = dir(&b, false);
    let r = d.handle(get("/sub?q=1")).await;
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(header(&r, "location"), "/sub/");
    // A directory without an index document is just missing.
    assert_eq!(
        d.handle(get("/noindex")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        d.handle(get("/noindex/")).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn missing_key_403_or_404() {
    let b = bucket();
    let r = dir(&b, false).handle(get("/nope.txt")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&r, "content-type"), "application/xml");
    let xml = String::from_utf8(body(r).await).unwrap();
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>"
    ), "{xml}");
    assert!(xml.ends_with("</HostId></Error>"), "{xml}");

    let r = dir(&b, true).handle(get("/dir/no%20pe%3C.txt")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let xml = String::from_utf8(body(r).await).unwrap();
    assert!(xml.contains(
        "<Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>dir/no pe&lt;.txt</Key>"
    ), "{xml}");
}

#[tokio::test]
async fn traversal_is_a_missing_key() {
    let b = bucket();
    std::os::unix::fs::symlink(b.root.join("../secret"), b.root.join("link")).unwrap();
    std::os::unix::fs::symlink(b.root.parent().unwrap(), b.root.join("up")).unwrap();
    for list_bucket in [false, true] {
        let d = dir(&b, list_bucket);
        let expected = if list_bucket {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        for path in [
            "/../secret",
            "/%2e%2e/secret",
            "/%2E%2E/secret",
            "/a/%2E%2E/%2E%2E/secret",
            "/a%2f..%2f..%2fsecret",
            "/a/..%2F..%2Fsecret",
            "/link",
            "/up/secret",
            "/up/",
            "/./style.css",
            "//style.css",
            "/style.css%00",
            "/%ff",
        ] {
            let r = d.handle(get(path)).await;
            assert_eq!(r.status(), expected, "{path}");
            assert!(!String::from_utf8_lossy(&body(r).await).contains("top secret"));
        }
    }
}

#[tokio::test]
async fn head_has_headers_but_no_body() {
    let b = bucket();
    let d = dir(&b, true);
    let r = d.handle(Request::head("/data.bin").body(()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-length"), "256");
    assert!(body(r).await.is_empty());
    let r = d.handle(Request::head("/nope").body(()).unwrap()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(body(r).await.is_empty());
}

#[tokio::test]
async fn other_methods_give_405() {
    let b = bucket();
    let r = dir(&b, false)
        .handle(Request::post("/style.css").body(()).unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&r, "allow"), "GET, HEAD");
    let xml = String::from_utf8(body(r).await).unwrap();
    assert!(xml.contains("<Code>MethodNotAllowed</Code>"), "{xml}");
}
