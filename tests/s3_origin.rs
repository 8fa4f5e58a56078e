//! The S3-style directory origin through the distribution: content types, validators,
//! conditional requests, ranges, index documents, S3's errors, and no way out of the directory.

mod support;

use std::path::Path;

use support::{raw, Localfront};

fn bucket() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bucket");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(root.join("app.css"), "body{}").unwrap();
    std::fs::write(root.join("data.bin"), (0u8..=99).collect::<Vec<u8>>()).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the bucket").unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
    dir
}

async fn start(dir: &Path, list_bucket: bool) -> Localfront {
    Localfront::builder()
        .raw_origin(
            "site",
            &format!(
                "s3 = {{ directory = \"{}\", index_document = \"index.html\", list_bucket = {list_bucket} }}",
                dir.join("bucket").display()
            ),
        )
        .default_behavior("site", "")
        .start()
        .await
}

#[tokio::test]
async fn objects_have_content_type_etag_and_last_modified() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;

    let res = lf.get("/app.css").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(res.headers()["etag"].to_str().unwrap().starts_with('"'));
    assert!(res.headers().contains_key("last-modified"));
    assert_eq!(res.headers()["x-cache"], "Miss from cloudfront");
    assert_eq!(res.text().await.unwrap(), "body{}");
}

#[tokio::test]
async fn conditional_requests_get_304() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;
    let first = lf.get("/app.css").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();

    let res = lf
        .request("GET", "/app.css")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = lf
        .request("GET", "/app.css")
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = lf
        .request("GET", "/app.css")
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn ranges_get_206_and_invalid_ranges_the_whole_object() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;

    let res = lf
        .request("GET", "/data.bin")
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.headers()["content-range"], "bytes 10-19/100");
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        (10u8..=19).collect::<Vec<u8>>()
    );

    let res = lf
        .request("GET", "/data.bin")
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(res.bytes().await.unwrap().len(), 5);

    let res = lf
        .request("GET", "/data.bin")
        .header("range", "bytes=30-20")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), 100);
}

#[tokio::test]
async fn directories_are_served_by_their_index_document() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;

    assert_eq!(lf.get("/").await.text().await.unwrap(), "<h1>home</h1>");
    assert_eq!(
        lf.get("/docs/").await.text().await.unwrap(),
        "<h1>docs</h1>"
    );
}

#[tokio::test]
async fn missing_keys_get_access_denied_or_no_such_key_with_list_bucket() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;
    let res = lf.get("/nope.html").await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-cache"], "Error from cloudfront");
    let body = res.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");

    let lf = start(dir.path(), true).await;
    let res = lf.get("/nope.html").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("<Code>NoSuchKey</Code>"));
}

#[tokio::test]
async fn paths_cannot_escape_the_directory() {
    let dir = bucket();
    let lf = start(dir.path(), false).await;

    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/docs/%2E%2E/%2E%2E/secret.txt",
        "/link.txt",
        "/..%2fsecret.txt",
    ] {
        let res = raw::get(lf.http, target).await;
        assert!(
            !res.contains("outside the bucket"),
            "{target} escaped: {res}"
        );
        assert_eq!(raw::status(&res), 403, "{target}: {res}");
    }
}

#[tokio::test]
async fn other_methods_are_not_allowed_by_the_bucket() {
    let dir = bucket();
    let lf = Localfront::builder()
        .raw_origin("site", &format!("s3 = {{ directory = \"{}\" }}", dir.path().join("bucket").display()))
        .default_behavior("site", "allowed_methods = [\"GET\",\"HEAD\",\"OPTIONS\",\"PUT\",\"POST\",\"PATCH\",\"DELETE\"]")
        .start()
        .await;

    let res = lf
        .request("PUT", "/app.css")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let head = lf.request("HEAD", "/app.css").send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "6");
}
