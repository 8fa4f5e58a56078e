//! Sending the planned requests to the target: open loop at their scheduled times (a request goes
//! when it is due, whether or not earlier ones were answered), or back to back at `max`; at most
//! `concurrency` in flight either way. Requests logged over HTTPS go to the HTTPS listener when
//! one is given (`--https-target`), so viewer protocol policies see them as CloudFront did. Each response body is read to its end, so latency covers
//! the whole response and connections are reused.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{mpsc, Semaphore};

use super::progress::Counters;
use super::schedule::{Planned, Speed};
use super::tally::{Outcome, Tally};

/// Where and how requests are sent.
pub struct Sender {
    /// `http://host:port` of the target.
    pub target: Uri,
    /// `https://host:port` of the target's HTTPS listener, for requests logged over HTTPS.
    pub https_target: Option<Uri>,
    /// A `Host` for every request instead of the logged one.
    pub host: Option<String>,
    /// Headers added to every request (the viewer override headers).
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// The most requests in flight.
    pub concurrency: usize,
    /// How long a request may take before it counts as failed.
    pub timeout: Duration,
    /// `max`, or the scaled recorded timing.
    pub speed: Speed,
    /// At `max`: stop sending after this long.
    pub duration: Option<Duration>,
}

impl Sender {
    /// Sends every planned request; returns the totals once all are answered.
    pub async fn run(&self, plan: Vec<Planned>, counters: Arc<Counters>) -> Result<Tally, String> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        // `https://` URIs are enabled for the HTTPS listener only.
        connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(super::tls::client_config()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client: Client<HttpsConnector<HttpConnector>, Full<Bytes>> =
            Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(self.concurrency)
                .build(connector);
        let (tx, mut rx) = mpsc::unbounded_channel::<Outcome>();
        let collector = tokio::spawn(async move {
            let mut tally = Tally::default();
            while let Some(outcome) = rx.recv().await {
                tally.add(outcome);
            }
            tally
        });

        let permits = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let start = Instant::now();
        for planned in plan {
            if self.speed == Speed::Max {
                if self.duration.is_some_and(|d| start.elapsed() >= d) {
                    break;
                }
            } else {
                tokio::time::sleep_until((start + planned.offset).into()).await;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let request = self.request(&planned);
            let sent = start.elapsed();
            counters.sent.fetch_add(1, Ordering::Relaxed);
            let (client, tx, counters, timeout) =
                (client.clone(), tx.clone(), counters.clone(), self.timeout);
            tokio::spawn(async move {
                let began = Instant::now();
                let (status, result, error) = match request {
                    Ok(request) => exchange(&client, request, timeout).await,
                    Err(e) => (None, None, Some(e)),
                };
                counters.finished(status);
                let _ = tx.send(Outcome {
                    index: planned.index,
                    scheduled: planned.offset,
                    sent,
                    latency: began.elapsed(),
                    status,
                    result,
                    error,
                });
                drop(permit);
            });
        }
        drop(tx);
        Ok(collector.await.unwrap_or_default())
    }

    /// The request a log line records, aimed at the target.
    fn request(&self, planned: &Planned) -> Result<Request<Full<Bytes>>, String> {
        let r = &planned.record;
        let over_tls = matches!(r.protocol.as_deref(), Some("https" | "wss"));
        let target = match &self.https_target {
            Some(https) if over_tls => https,
            _ => &self.target,
        };
        let uri = Uri::builder()
            .scheme(target.scheme_str().unwrap_or("http"))
            .authority(target.authority().map_or("127.0.0.1", |a| a.as_str()))
            .path_and_query(r.path_and_query.as_str())
            .build()
            .map_err(|e| format!("request target: {e}"))?;
        let mut builder = Request::builder().method(r.method.clone()).uri(uri);
        if let Some(host) = self.host.as_ref().or(r.host.as_ref()) {
            builder = builder.header(http::header::HOST, host);
        }
        for (name, value) in r.headers.iter().chain(&self.extra_headers) {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("request: {e}"))
    }
}

/// Sends one request and reads the whole response: its status and `X-Cache` result type, or why
/// there was none.
async fn exchange(
    client: &Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request: Request<Full<Bytes>>,
    timeout: Duration,
) -> (Option<u16>, Option<String>, Option<String>) {
    let answer = tokio::time::timeout(timeout, async {
        let response = client.request(request).await.map_err(describe)?;
        let status = response.status().as_u16();
        // `Hit from cloudfront` → `Hit`, as the access log names it.
        let result = response
            .headers()
            .get("x-cache")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.strip_suffix(" from cloudfront").unwrap_or(v).to_owned());
        response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?;
        Ok::<_, String>((status, result))
    })
    .await;
    match answer {
        Ok(Ok((status, result))) => (Some(status), result, None),
        Ok(Err(e)) => (None, None, Some(e)),
        Err(_) => (None, None, Some(format!("no answer within {timeout:?}"))),
    }
}

/// A client error with its causes (`client error (Connect): tcp connect error: Connection refused`).
fn describe(e: hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
