//! `HTTP_PROXY` integrations (spec/api-gateway.md §3): the request passed through to the
//! integration URI — `{param}` and `${stageVariables.x}` substituted, the full path appended
//! for `$default`, the query string forwarded — after the route's request parameter mappings,
//! over HTTP/1.1 within the route's integration timeout; the response passed back.

use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use localfront_config::{MappingAction, MappingTarget, RouteConfig, RouteKey};

use super::mapping::MappingScope;
use super::{apply_header_mapping, Answer, MAX_PAYLOAD_BYTES};

/// Headers not passed through either way: hop-by-hop ones (RFC 9110 §7.6.1), and `host` and
/// `content-length`, which hyper sets for the backend's authority and the body sent.
const NOT_PASSED_THROUGH: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// The HTTP client of an API's HTTP integrations (keep-alive connections to backends).
pub(crate) struct HttpIntegration {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpIntegration {
    pub(crate) fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Calls the backend for one request.
    pub(crate) async fn call(
        &self,
        uri: &str,
        route: &RouteConfig,
        scope: &MappingScope<'_>,
    ) -> Answer {
        let request = scope.request;
        let target = substitute(uri, scope);
        let Ok(mut target) = target.parse::<Uri>() else {
            tracing::warn!(route = %route.key, uri = %target, "the integration URI is not a valid URI after substitution");
            return Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        };
        let mut path = target.path().to_owned();
        // `$default` forwards the full path (spec/api-gateway.md §1): `/store/checkout` →
        // `http://backend/store/checkout`, the stage segment included as received.
        if route.key == RouteKey::Default {
            path = format!("{}{}", path.trim_end_matches('/'), request.raw_path);
        }
        let mut query: Vec<(String, String)> = split_query(target.query().unwrap_or(""));
        query.extend(split_query(&request.raw_query));
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter(|(n, _)| !NOT_PASSED_THROUGH.contains(&n.as_str()))
            .cloned()
            .collect();

        for m in &route.request_parameters {
            let value = scope.evaluate(&m.value);
            match &m.target {
                MappingTarget::Header(_) => apply_header_mapping(m, value, &mut headers),
                MappingTarget::QueryString(name) => match (m.action, value) {
                    (MappingAction::Remove, _) => query.retain(|(n, _)| n != name),
                    (MappingAction::Overwrite, Some(v)) => {
                        query.retain(|(n, _)| n != name);
                        query.push((name.clone(), encode(&v)));
                    }
                    (MappingAction::Append, Some(v)) => query.push((name.clone(), encode(&v))),
                    (_, None) => {}
                },
                MappingTarget::Path => {
                    if let Some(v) = value {
                        path = if v.starts_with('/') {
                            v
                        } else {
                            format!("/{v}")
                        };
                    }
                }
                MappingTarget::StatusCode => {}
            }
        }

        let path_and_query = if query.is_empty() {
            path
        } else {
            let q: Vec<String> = query
                .iter()
                .map(|(n, v)| {
                    if v.is_empty() {
                        n.clone()
                    } else {
                        format!("{n}={v}")
                    }
                })
                .collect();
            format!("{path}?{}", q.join("&"))
        };
        let mut parts = target.into_parts();
        parts.path_and_query = path_and_query.parse().ok();
        target = match Uri::from_parts(parts) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(route = %route.key, error = %e, "the mapped integration request path is not valid");
                return Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
            }
        };

        let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
        let mut builder = Request::builder().method(method).uri(&target);
        if let Some(authority) = target.authority() {
            builder = builder.header(http::header::HOST, authority.as_str());
        }
        for (n, v) in &headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let Ok(outgoing) = builder.body(Full::new(Bytes::from(request.body.clone()))) else {
            tracing::warn!(route = %route.key, "a mapped header is not valid HTTP");
            return Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        };
        match tokio::time::timeout(route.timeout, self.exchange(outgoing)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                tracing::warn!(route = %route.key, backend = %target, error = %e, "HTTP integration failed");
                // localfront (unconfirmed): an unreachable backend is 503, as HTTP APIs answer
                // integration failures.
                Answer::message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
            }
            Err(_) => {
                tracing::warn!(route = %route.key, backend = %target, timeout_ms = route.timeout.as_millis() as u64, "HTTP integration timed out");
                // 504 `{"message":"Endpoint request timed out"}`: issue 7, API Gateway's
                // `INTEGRATION_TIMEOUT` text (spec/api-gateway.md §11).
                Answer::message(StatusCode::GATEWAY_TIMEOUT, "Endpoint request timed out")
            }
        }
    }

    async fn exchange(&self, outgoing: Request<Full<Bytes>>) -> Result<Answer, String> {
        let response = self
            .client
            .request(outgoing)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_PAYLOAD_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the response: {e}"))?
            .to_bytes();
        let headers = parts
            .headers
            .iter()
            .filter(|(n, _)| !NOT_PASSED_THROUGH.contains(&n.as_str()))
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers,
            body: body.to_vec(),
        })
    }
}

/// `{param}` → the path parameter, `${stageVariables.x}` → the stage variable (empty when
/// undefined).
fn substitute(uri: &str, scope: &MappingScope<'_>) -> String {
    let cx = scope.context;
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(i) = rest.find(['{', '$']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("${stageVariables.") {
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                if let Some((_, v)) = cx.stage_variables.iter().find(|(n, _)| n == name) {
                    out.push_str(v);
                }
                rest = &after[end + 1..];
                continue;
            }
        } else if let Some(after) = rest.strip_prefix('{') {
            if let Some(end) = after.find('}') {
                let name = after[..end].trim_end_matches('+');
                if let Some((_, v)) = cx.path_parameters.iter().find(|(n, _)| n == name) {
                    out.push_str(v);
                    rest = &after[end + 1..];
                    continue;
                }
            }
        }
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// `a=1&b` → pairs, kept encoded as received.
fn split_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (n.to_owned(), v.to_owned())
        })
        .collect()
}

/// A mapped query value, percent-encoded for the query string.
fn encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}
