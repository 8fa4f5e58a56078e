//! The admin listener: one file per resource. `GET /healthz` (for scripts and tests waiting on a
//! started localfront), `GET /cache` (what the cache holds),
//! `POST /distributions/{id}/invalidations` and `/kvs/{name}[/keys/{key}]`.

mod invalidations;
mod kvs;

use std::sync::Arc;

use async_trait::async_trait;
use http::Response;
use pingora::apps::http_app::ServeHttp;
use pingora::protocols::http::ServerSession;

use crate::cache::EdgeCache;
use crate::snapshot::Snapshot;

/// The admin HTTP app.
pub struct Admin {
    snapshot: Arc<Snapshot>,
    cache: EdgeCache,
}

impl Admin {
    /// The admin API over the edge's config and cache.
    pub fn new(snapshot: Arc<Snapshot>, cache: EdgeCache) -> Self {
        Self { snapshot, cache }
    }
}

#[async_trait]
impl ServeHttp for Admin {
    async fn response(&self, session: &mut ServerSession) -> Response<Vec<u8>> {
        let method = session.req_header().method.clone();
        let path = session.req_header().uri.path().to_owned();
        if let Some(rest) = path.strip_prefix("/kvs/") {
            let body = read_body(session).await;
            return kvs::handle(&self.snapshot, method.as_str(), rest, &body);
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["healthz"]) => text(200, "ok\n"),
            ("GET", ["cache"]) => json(
                200,
                &serde_json::json!({
                    "objects": self.cache.storage.objects(),
                    "bytes": self.cache.storage.bytes(),
                    "max_bytes": self.cache.eviction.weight_limit(),
                }),
            ),
            ("POST", ["distributions", id, "invalidations"]) => {
                let body = read_body(session).await;
                invalidations::create(&self.snapshot, &self.cache, id, &body)
            }
            (_, ["healthz" | "cache"]) | (_, ["distributions", _, "invalidations"]) => {
                text(405, "method not allowed\n")
            }
            _ => text(404, "not found\n"),
        }
    }
}

/// The request body, up to 1 MiB (more is an invalid request; the rest is not read).
async fn read_body(session: &mut ServerSession) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = session.read_request_body().await {
        body.extend_from_slice(&chunk);
        if body.len() > 1 << 20 {
            break;
        }
    }
    body
}

/// A plain-text response.
pub(crate) fn text(status: u16, body: &str) -> Response<Vec<u8>> {
    respond(status, "text/plain", body.as_bytes().to_vec())
}

/// A JSON response.
pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response<Vec<u8>> {
    respond(status, "application/json", value.to_string().into_bytes())
}

fn respond(status: u16, content_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CONTENT_LENGTH, body.len())
        .body(body)
        .unwrap_or_default()
}
