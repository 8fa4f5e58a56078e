//! An API Gateway HTTP API served as an in-process origin (spec/api-gateway.md): stage
//! selection, route matching (`routes.rs`), and the route's integration — an HTTP backend
//! (`http_integration.rs`) or a Lambda function run as a WebAssembly component
//! (`lambda_integration.rs`) — with parameter mappings (`mapping.rs`), after the protection
//! checks (`protection.rs`: JWT and Lambda authorizers). Every answer carries
//! `apigw-requestid`; API Gateway's own errors are JSON `{"message": …}` bodies.
//!
//! Before the integration run the API's protections, in AWS's order: the CORS preflight answer
//! (`cors.rs`), stage and route throttling, then API keys and usage plans (`limits.rs`). CORS
//! headers are set last, on whatever answered.
//!
//! Like the other in-process origins it only answers HTTP: CloudFront's behaviors, cache and
//! edge code run in front of it in the proxy, as they would in front of an
//! `execute-api` origin.

mod cors;
mod http_integration;
pub(crate) mod jwks;
pub(crate) mod jwt;
mod lambda_authorizer;
mod lambda_integration;
mod limits;
mod mapping;
mod protection;
pub(crate) mod routes;

pub use self::limits::ApiCounters;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use http::header::HeaderValue;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Body;
use localfront_config::{
    ApiConfig, ApiKey, Integration, MappingAction, MappingTarget, ParameterMapping, RouteConfig,
    RouteKey, StageConfig, UsagePlan,
};
use localfront_events::apigw::{ApiContext, ApiRequest};
use localfront_wasm::LambdaFunction;

use self::http_integration::HttpIntegration;
use self::limits::ApiLimits;
use self::mapping::{MappingScope, ResponseView};
use self::protection::Protection;
use self::routes::RouteTable;
use crate::body::OriginBody;
use crate::issuer::LocalIssuers;

/// API Gateway's payload quota: 10 MB (spec/api-gateway.md §11).
const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The account id in events and `$context.accountId` (the spec's example account).
const ACCOUNT_ID: &str = "111122223333";

/// The region of the `execute-api` domain name.
const REGION: &str = "us-east-1";

/// One HTTP API, ready to serve.
pub struct ApiGateway {
    api: ApiConfig,
    routes: RouteTable,
    functions: HashMap<String, LambdaFunction>,
    http: HttpIntegration,
    protection: Protection,
    domain_name: String,
    limits: ApiLimits,
}

/// The response header that tells the edge which route key answered (removed by the edge).
pub const ROUTE_KEY_HEADER: &str = "x-localfront-apigw-route";

impl std::fmt::Debug for ApiGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiGateway")
            .field("api", &self.api.name)
            .finish_non_exhaustive()
    }
}

/// An answer being built: status, headers, body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// API Gateway's own error: `{"message":"…"}` as JSON.
    pub(crate) fn message(status: StatusCode, message: &str) -> Self {
        Answer {
            status: status.as_u16(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::json!({ "message": message })
                .to_string()
                .into_bytes(),
        }
    }
}

impl ApiGateway {
    /// Prepares `api`; its Lambda routes and authorizers call `functions` (loaded by the caller
    /// from `[[lambda_functions]]`); JWT authorizers with `local_issuer` use the keys of
    /// `issuers`. Fails if a function or issuer is missing, a JWKS file cannot be read or the
    /// routes cannot be compiled.
    pub fn new(
        api: ApiConfig,
        functions: HashMap<String, LambdaFunction>,
        issuers: &LocalIssuers,
    ) -> Result<Self, String> {
        let routes =
            RouteTable::new(&api.routes).map_err(|e| format!("api `{}`: {e}", api.name))?;
        for r in &api.routes {
            if let Integration::Lambda { function, .. } = &r.integration {
                if !functions.contains_key(function) {
                    return Err(format!(
                        "api `{}`: route `{}`: lambda function `{function}` is not loaded",
                        api.name, r.key
                    ));
                }
            }
        }
        let domain_name = format!("{}.execute-api.{REGION}.amazonaws.com", api.api_id);
        let limits = ApiLimits::new(&api, &[], &[], Arc::default());
        let protection = Protection::new(&api, &functions, issuers)
            .map_err(|e| format!("api `{}`: {e}", api.name))?;
        Ok(Self {
            api,
            routes,
            functions,
            http: HttpIntegration::new(),
            protection,
            domain_name,
            limits,
        })
    }

    /// Throttles the API's stages and routes, and admits callers of routes with
    /// `api_key_required` by the account's `keys` and usage `plans`, counting in `counters`
    /// (which outlive a config generation, so quotas survive a reload).
    pub fn with_limits(
        mut self,
        keys: &[ApiKey],
        plans: &[UsagePlan],
        counters: Arc<ApiCounters>,
    ) -> Self {
        self.limits = ApiLimits::new(&self.api, keys, plans, counters);
        self
    }

    /// The API's name.
    pub fn name(&self) -> &str {
        &self.api.name
    }

    /// Answers one request the way API Gateway does.
    pub async fn handle<B>(&self, req: Request<B>) -> Response<OriginBody>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let received = SystemTime::now();
        let request_id = request_id();
        let origin = req
            .headers()
            .get(http::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let preflight = self.api.cors.is_some() && cors::is_preflight(req.method(), req.headers());
        let (mut answer, route_key) = self.answer(req, received, &request_id, preflight).await;
        if let Some(config) = &self.api.cors {
            cors::apply(config, origin.as_deref(), preflight, &mut answer);
        }
        let mut response = Response::new(OriginBody::from(Bytes::from(answer.body)));
        *response.status_mut() =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, value) in answer.headers {
            let (Ok(name), Ok(value)) = (
                http::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) else {
                tracing::warn!(api = %self.api.name, header = %name, "dropping a response header that is not valid HTTP");
                continue;
            };
            headers.append(name, value);
        }
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            headers.insert("apigw-requestid", id);
        }
        // For the edge's metrics: which route answered. The proxy removes it before the response
        // goes anywhere (API Gateway sends no such header).
        if let Ok(route) = HeaderValue::from_str(route_key.as_deref().unwrap_or("-")) {
            headers.insert(ROUTE_KEY_HEADER, route);
        }
        response
    }

    /// The answer, and the key of the route that produced it (`None`: no route matched).
    async fn answer<B>(
        &self,
        req: Request<B>,
        received: SystemTime,
        request_id: &str,
        preflight: bool,
    ) -> (Answer, Option<String>)
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(_) => {
                let answer =
                    Answer::message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
                return (answer, None);
            }
        };
        let request = ApiRequest {
            method: parts.method.as_str().to_owned(),
            raw_path: parts.uri.path().to_owned(),
            raw_query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            protocol: format!("{:?}", parts.version),
            // The TCP peer of API Gateway is CloudFront: here, localfront on this machine.
            source_ip: "127.0.0.1".into(),
        };

        let Some((stage, route_path)) = self.stage_for(&request.raw_path) else {
            return (Answer::message(StatusCode::NOT_FOUND, "Not Found"), None);
        };
        // API Gateway answers CORS preflights itself, before routes, throttling and keys.
        if preflight {
            return (cors::preflight_answer(), None);
        }
        let Some(found) = self.routes.find(&request.method, route_path) else {
            return (Answer::message(StatusCode::NOT_FOUND, "Not Found"), None);
        };
        let route = &self.api.routes[found.route];
        // Stage and route throttling, then API key and usage plan (spec/api-gateway.md §6–7).
        let stage_index = self.api.stages.iter().position(|s| s.name == stage.name);
        if let Some(denied) = self.limits.throttle(stage_index.unwrap_or(0), found.route) {
            return (denied, Some(route.key.to_string()));
        }
        if let Some(denied) = self.limits.api_key(&stage.name, route, &request.headers) {
            return (denied, Some(route.key.to_string()));
        }
        let mut context = ApiContext {
            account_id: ACCOUNT_ID.into(),
            api_id: self.api.api_id.clone(),
            domain_name: self.domain_name.clone(),
            stage: stage.name.clone(),
            route_key: route.key.to_string(),
            resource_path: match &route.key {
                RouteKey::Default => "$default".into(),
                RouteKey::Route { path, .. } => path.clone(),
            },
            request_id: request_id.to_owned(),
            time: received,
            path_parameters: found.path_parameters,
            stage_variables: stage.variables.clone(),
            authorizer: None,
        };
        // Authorizers answer after throttling and API keys, before the integration runs.
        if let Err(answer) = self
            .protection
            .check(route, &request, &mut context, route_path)
            .await
        {
            return (answer, Some(context.route_key));
        }
        let scope = MappingScope {
            request: &request,
            context: &context,
            route_path,
            response: None,
        };
        let started = Instant::now();
        let mut answer = match &route.integration {
            Integration::Http { uri } => self.http.call(uri, route, &scope).await,
            Integration::Lambda {
                function,
                payload_format,
            } => match self.functions.get(function) {
                Some(f) => {
                    lambda_integration::call(f, *payload_format, route.timeout, &request, &context)
                        .await
                }
                // ApiGateway::new checked every function is loaded.
                None => Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            },
        };
        let latency_ms = started.elapsed().as_millis();
        apply_response_parameters(route, &mut answer, &scope, latency_ms);
        (answer, Some(context.route_key.clone()))
    }

    /// The stage serving `path` and the path routes match: a named stage when the first
    /// segment names one (the segment stays in `rawPath`), else `$default`.
    fn stage_for<'p>(&self, path: &'p str) -> Option<(&StageConfig, &'p str)> {
        let rest = path.strip_prefix('/').unwrap_or(path);
        let (first, after) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if let Some(stage) = self
            .api
            .stages
            .iter()
            .find(|s| s.name != "$default" && s.name == first)
        {
            return Some((stage, after));
        }
        self.api
            .stages
            .iter()
            .find(|s| s.name == "$default")
            .map(|s| (s, path))
    }
}

/// The route's response mappings for the integration's status (spec/api-gateway.md §3).
fn apply_response_parameters(
    route: &RouteConfig,
    answer: &mut Answer,
    scope: &MappingScope<'_>,
    latency_ms: u128,
) {
    let Some((_, mappings)) = route
        .response_parameters
        .iter()
        .find(|(status, _)| *status == answer.status)
    else {
        return;
    };
    let view = MappingScope {
        request: scope.request,
        context: scope.context,
        route_path: scope.route_path,
        response: Some(ResponseView {
            status: answer.status,
            headers: &answer.headers,
            body: &answer.body,
            latency_ms,
        }),
    };
    // Values are computed from the integration's response before any mapping changes it.
    let values: Vec<Option<String>> = mappings.iter().map(|m| view.evaluate(&m.value)).collect();
    for (m, value) in mappings.iter().zip(values) {
        if m.target == MappingTarget::StatusCode {
            if let Some(Ok(status @ 100..=599)) = value.as_deref().map(str::parse::<u16>) {
                answer.status = status;
            }
        } else {
            apply_header_mapping(m, value, &mut answer.headers);
        }
    }
}

/// `append|overwrite|remove:header.<name>` on a header list.
pub(crate) fn apply_header_mapping(
    m: &ParameterMapping,
    value: Option<String>,
    headers: &mut Vec<(String, String)>,
) {
    let MappingTarget::Header(name) = &m.target else {
        return;
    };
    match m.action {
        MappingAction::Remove => headers.retain(|(n, _)| n != name),
        MappingAction::Overwrite => {
            if let Some(v) = value {
                headers.retain(|(n, _)| n != name);
                headers.push((name.clone(), v));
            }
        }
        MappingAction::Append => {
            if let Some(v) = value {
                // Multiple values of a header are comma-joined (spec/api-gateway.md §3).
                match headers.iter_mut().find(|(n, _)| n == name) {
                    Some((_, existing)) => {
                        existing.push(',');
                        existing.push_str(&v);
                    }
                    None => headers.push((name.clone(), v)),
                }
            }
        }
    }
}

/// An HTTP API request id: 16 base64 characters, like `JKJaXmPLvHcESHA=`.
fn request_id() -> String {
    let bytes: [u8; 11] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
