//! The client side of the admin API, for the commands that act on a running localfront:
//! `localfront invalidate` (like `aws cloudfront create-invalidation`), `localfront kvs`,
//! `localfront reload` and `localfront logs`.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Sends one request to the admin listener; returns the answer's body, or why it failed.
pub fn call(
    admin: SocketAddr,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let req = http::Request::builder()
            .method(method)
            .uri(format!("http://{admin}{path}"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        let client = Client::builder(TokioExecutor::new()).build_http();
        let res = client
            .request(req)
            .await
            .map_err(|e| format!("cannot reach the admin API at {admin}: {e}"))?;
        let status = res.status();
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let text = String::from_utf8_lossy(&body).into_owned();
        if status.is_success() {
            Ok(text)
        } else {
            Err(format!("{status}: {text}"))
        }
    })
}

/// Sends a GET and copies the answer's body to stdout as it arrives, until the server ends it.
pub fn stream(admin: SocketAddr, path: &str) -> Result<(), String> {
    use std::io::Write;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let req = http::Request::builder()
            .uri(format!("http://{admin}{path}"))
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        let client = Client::builder(TokioExecutor::new()).build_http();
        let res = client
            .request(req)
            .await
            .map_err(|e| format!("cannot reach the admin API at {admin}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("{}", res.status()));
        }
        let mut body = res.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| e.to_string())?;
            if let Ok(data) = frame.into_data() {
                let mut out = std::io::stdout().lock();
                out.write_all(&data).map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// A key in a URL path segment (keys may hold `/`).
pub fn encode_key(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, percent_encoding::NON_ALPHANUMERIC).to_string()
}
