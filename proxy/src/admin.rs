//! The admin listener. Today it answers `GET /healthz` (for scripts and tests waiting on a
//! started localfront); metrics and the admin API are added here, one file per resource.

use async_trait::async_trait;
use http::Response;
use pingora::apps::http_app::ServeHttp;
use pingora::protocols::http::ServerSession;

/// The admin HTTP app.
pub struct Admin;

#[async_trait]
impl ServeHttp for Admin {
    async fn response(&self, session: &mut ServerSession) -> Response<Vec<u8>> {
        let (status, body) = match session.req_header().uri.path() {
            "/healthz" => (200, "ok\n"),
            _ => (404, "not found\n"),
        };
        Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "text/plain")
            .header(http::header::CONTENT_LENGTH, body.len())
            .body(body.as_bytes().to_vec())
            .unwrap_or_default()
    }
}
