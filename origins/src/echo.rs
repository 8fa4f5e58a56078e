//! A demo/debug origin that describes the request it received.
//!
//! Every method gets 200 with a JSON document giving the method, the raw
//! path and query, the headers and the body size, so users can see exactly
//! what the distribution forwards to an origin (the demo distribution's
//! `/api/*` behavior points here).

use std::pin::pin;

use bytes::Buf;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Body;
use serde_json::{json, Map, Value};

use crate::body::OriginBody;

/// The body is read up to this many bytes; the rest is not read.
const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The echo origin.
#[derive(Clone, Copy, Debug, Default)]
pub struct Echo;

impl Echo {
    /// Answers 200 `application/json` (`Cache-Control: no-store`):
    /// `{"method", "path", "headers", "body_bytes", "body_truncated"}`.
    /// Headers sent once map to a string, repeated ones to an array;
    /// `body_truncated` is true when reading stopped at 1 MiB. A body that
    /// fails to read gives 400.
    pub async fn handle<B: Body>(&self, req: Request<B>) -> Response<OriginBody> {
        let (parts, body) = req.into_parts();
        let Ok((body_bytes, body_truncated)) = count_body(body).await else {
            let mut r = Response::new(OriginBody::empty());
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        };
        let mut headers = Map::new();
        for name in parts.headers.keys() {
            let mut values: Vec<Value> = parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into())
                .collect();
            let value = if values.len() == 1 {
                values.remove(0)
            } else {
                values.into()
            };
            headers.insert(name.as_str().to_owned(), value);
        }
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
        let doc = json!({
            "method": parts.method.as_str(),
            "path": path,
            "headers": headers,
            "body_bytes": body_bytes,
            "body_truncated": body_truncated,
        });
        let mut r = Response::new(OriginBody::from(format!("{doc:#}\n")));
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

/// Reads `body` until its end or until [`MAX_BODY_BYTES`] have been read;
/// returns the bytes read and whether reading stopped before the end.
async fn count_body<B: Body>(body: B) -> Result<(u64, bool), B::Error> {
    let mut body = pin!(body);
    let mut read = 0;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            read += data.remaining() as u64;
        }
        if read >= MAX_BODY_BYTES {
            return Ok((read, !body.is_end_stream()));
        }
    }
    Ok((read, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::body::Frame;
    use std::convert::Infallible;
    use std::task::{Context, Poll};

    async fn echo<B: Body>(req: Request<B>) -> (Response<OriginBody>, Value) {
        let (parts, body) = Echo.handle(req).await.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let doc = serde_json::from_slice(&bytes).unwrap();
        (Response::from_parts(parts, OriginBody::empty()), doc)
    }

    /// A body of `n` frames of 512 KiB each.
    struct Chunks(u32);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            if self.0 == 0 {
                return Poll::Ready(None);
            }
            self.0 -= 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![0; 512 * 1024])))))
        }

        fn is_end_stream(&self) -> bool {
            self.0 == 0
        }
    }

    #[tokio::test]
    async fn reports_method_path_headers_and_body_size() {
        let req = Request::put("/api/items?id=7&x=%20")
            .header("x-one", "1")
            .header("x-many", "a")
            .header("x-many", "b")
            .body(Full::new(Bytes::from_static(b"hello")))
            .unwrap();
        let (r, doc) = echo(req).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(doc["method"], "PUT");
        assert_eq!(doc["path"], "/api/items?id=7&x=%20");
        assert_eq!(doc["headers"]["x-one"], "1");
        assert_eq!(doc["headers"]["x-many"], json!(["a", "b"]));
        assert_eq!(doc["body_bytes"], 5);
        assert_eq!(doc["body_truncated"], false);
    }

    #[tokio::test]
    async fn stops_reading_at_the_cap() {
        let (_, doc) = echo(Request::post("/").body(Chunks(2)).unwrap()).await;
        assert_eq!(doc["body_bytes"], MAX_BODY_BYTES);
        assert_eq!(doc["body_truncated"], false);
        let (_, doc) = echo(Request::post("/").body(Chunks(5)).unwrap()).await;
        assert_eq!(doc["body_bytes"], MAX_BODY_BYTES);
        assert_eq!(doc["body_truncated"], true);
    }

    #[tokio::test]
    async fn any_method_and_empty_body() {
        let (r, doc) = echo(Request::delete("/x").body(Full::new(Bytes::new())).unwrap()).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(doc["method"], "DELETE");
        assert_eq!(doc["body_bytes"], 0);
        assert_eq!(doc["headers"], json!({}));
    }
}
