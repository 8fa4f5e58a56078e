//! The admin listener: one file per resource. `GET /` (the live dashboard), `GET /healthz` (for scripts and tests waiting on a
//! started localfront), `GET /status` (config generation, last reload), `POST /reload`,
//! `GET /events` (server-sent events: `reload`, `reload_failed`), `GET /metrics` (Prometheus),
//! `GET /logs[?function=NAME][&follow=1]` (function logs), `GET /trace/{id}` (a traced request's
//! story),
//! `GET /cache` (what the cache holds), `POST /distributions/{id}/invalidations`,
//! `POST /distributions/{staging id}/promote` (continuous deployment),
//! `/kvs/{name}[/keys/{key}]`, `GET /lambda-functions` (each Lambda function's counters), and
//! each `[[issuers]]` entry's `<path>/.well-known/openid-configuration` and `…/jwks.json`.
//!
//! A hyper server rather than a pingora app: `/events` streams, which pingora's `ServeHttp`
//! (one whole response) cannot.

mod dashboard;
mod invalidations;
mod kvs;
mod lambda_functions;
mod logs;

use std::convert::Infallible;
use std::net::TcpListener as StdTcpListener;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;

use crate::cache::EdgeCache;
use crate::live::Live;
use crate::metrics::METRICS;
use crate::reload::Reloader;
use crate::trace::TRACES;

/// A response body: whole, or a stream of events.
pub type Body = BoxBody<Bytes, Infallible>;

/// The admin HTTP service: the API, and the listener it answers on once started.
pub struct Admin {
    api: Arc<AdminApi>,
    listener: Mutex<Option<StdTcpListener>>,
}

/// The admin API's handlers and what they reach.
struct AdminApi {
    live: Arc<Live>,
    cache: EdgeCache,
    reloader: Arc<Reloader>,
}

impl Admin {
    /// The admin API over the live config and the cache, answering on `listener`.
    pub fn new(
        live: Arc<Live>,
        cache: EdgeCache,
        reloader: Arc<Reloader>,
        listener: StdTcpListener,
    ) -> Self {
        Self {
            api: Arc::new(AdminApi {
                live,
                cache,
                reloader,
            }),
            listener: Mutex::new(Some(listener)),
        }
    }
}

impl AdminApi {
    /// Answers one request.
    async fn response(&self, req: Request<Incoming>) -> Response<Body> {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        if let Some(rest) = path.strip_prefix("/kvs/") {
            let body = read_body(req).await;
            return kvs::handle(&self.live.current(), method.as_str(), rest, &body);
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", [""]) => respond(200, "text/html; charset=utf-8", dashboard::PAGE.into()),
            ("GET", ["dashboard.json"]) => json(200, &dashboard::summary(&self.live, &self.cache)),
            ("GET", ["healthz"]) => text(200, "ok\n"),
            ("GET", ["status"]) => json(200, &self.live.status()),
            ("POST", ["reload"]) => {
                let outcome = self.reloader.reload("admin").await;
                reload_answer(&outcome)
            }
            ("POST", ["distributions", id, "promote"]) => {
                let outcome = self.reloader.promote(id).await;
                reload_answer(&outcome)
            }
            ("GET", ["events"]) => self.events(),
            ("GET", ["logs"]) => logs::follow(req.uri().query()),
            ("GET", ["trace"]) => json(200, &serde_json::json!({ "traces": TRACES.ids() })),
            ("GET", ["trace", id]) => match TRACES.get(id) {
                Some(trace) => json(200, &trace),
                None => text(
                    404,
                    "no such trace (traces are kept for the last 1000 traced requests)\n",
                ),
            },
            ("GET", ["metrics"]) => {
                let lambda: Vec<(String, u64, u64)> = self
                    .live
                    .current()
                    .lambda_functions
                    .stats()
                    .into_iter()
                    .map(|(name, s)| (name, s.cold_starts, s.throttles))
                    .collect();
                METRICS.sync_lambda(&lambda);
                METRICS
                    .cache_objects
                    .set(self.cache.storage.objects() as i64);
                METRICS.cache_bytes.set(self.cache.storage.bytes() as i64);
                respond(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    METRICS.render(),
                )
            }
            ("GET", ["cache"]) => json(
                200,
                &serde_json::json!({
                    "objects": self.cache.storage.objects(),
                    "bytes": self.cache.storage.bytes(),
                    "max_bytes": self.cache.eviction.weight_limit(),
                }),
            ),
            ("GET", ["lambda-functions"]) => lambda_functions::list(&self.live.current()),
            ("POST", ["distributions", id, "invalidations"]) => {
                let id = id.to_string();
                let body = read_body(req).await;
                invalidations::create(&self.live.current(), &self.cache, &id, &body)
            }
            (
                _,
                ["healthz" | "status" | "reload" | "events" | "logs" | "metrics" | "cache"
                | "lambda-functions"],
            )
            | (_, ["distributions", _, "invalidations" | "promote"]) => {
                text(405, "method not allowed\n")
            }
            // `[[issuers]]`: `<issuer path>/.well-known/openid-configuration` and `…/jwks.json`.
            ("GET", _) => match self.live.current().issuers.document(&path) {
                Some(doc) => respond(200, "application/json", doc.into()),
                None => text(404, "not found\n"),
            },
            _ => text(404, "not found\n"),
        }
    }

    /// `GET /events`: server-sent events until the client goes away.
    fn events(&self) -> Response<Body> {
        let feed = self.live.subscribe();
        let hello = format!(
            "event: hello\ndata: {{\"generation\":{}}}\n\n",
            self.live.current().generation
        );
        let stream =
            futures_util::stream::unfold((Some(hello), feed), |(first, mut feed)| async move {
                if let Some(first) = first {
                    return Some((Ok(Frame::data(Bytes::from(first))), (None, feed)));
                }
                loop {
                    match feed.recv().await {
                        Ok(event) => {
                            return Some((Ok(Frame::data(Bytes::from(event))), (None, feed)))
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            });
        Response::builder()
            .status(200)
            .header(http::header::CONTENT_TYPE, "text/event-stream")
            .header(http::header::CACHE_CONTROL, "no-cache")
            .body(BodyExt::boxed(StreamBody::new(stream)))
            .unwrap_or_default()
    }
}

#[async_trait]
impl BackgroundService for Admin {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let taken = self.listener.lock().ok().and_then(|mut l| l.take());
        let Some(listener) = taken else { return };
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("the admin listener cannot start: {e}");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let api = self.api.clone();
                    let service = hyper::service::service_fn(move |req| {
                        let api = api.clone();
                        async move { Ok::<_, Infallible>(api.response(req).await) }
                    });
                    tokio::spawn(async move {
                        let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        }
    }
}

/// The request body, up to 1 MiB (more is an invalid request; the rest is not read).
async fn read_body(req: Request<Incoming>) -> Vec<u8> {
    match Limited::new(req.into_body(), 1 << 20).collect().await {
        Ok(body) => body.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    }
}

/// A plain-text response.
pub(crate) fn text(status: u16, body: &str) -> Response<Body> {
    respond(status, "text/plain", body.as_bytes().to_vec())
}

/// A JSON response.
pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response<Body> {
    respond(status, "application/json", value.to_string().into_bytes())
}

fn respond(status: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CONTENT_LENGTH, body.len())
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap_or_default()
}

/// The answer to `POST /reload` and `POST /distributions/{id}/promote`: 200 when the new generation
/// serves, 400 with the errors when the old one keeps serving.
fn reload_answer(outcome: &crate::live::ReloadOutcome) -> Response<Body> {
    let status = if outcome.errors.is_empty() { 200 } else { 400 };
    json(
        status,
        &serde_json::json!({
            "result": if outcome.errors.is_empty() { "success" } else { "failure" },
            "generation": outcome.generation,
            "errors": outcome.errors,
            "restart_required": outcome.restart_required,
        }),
    )
}
