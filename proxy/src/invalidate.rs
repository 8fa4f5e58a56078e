//! `localfront invalidate --distribution ID PATH...`: asks a running localfront's admin API to
//! invalidate paths, as `aws cloudfront create-invalidation` asks CloudFront.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// Sends the invalidation; returns the admin API's answer, or why it could not be had.
pub fn run(admin: SocketAddr, distribution: &str, paths: &[String]) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let body = serde_json::json!({ "paths": paths }).to_string();
        let req = http::Request::post(format!(
            "http://{admin}/distributions/{distribution}/invalidations"
        ))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
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
