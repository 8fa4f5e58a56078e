//! The validated model of `[[apis]]` (API Gateway HTTP APIs, spec/api-gateway.md §1–3) and
//! `[[lambda_functions]]` (Lambda functions as WebAssembly components). An origin with
//! `api = "name"` serves one of these APIs.

use std::path::PathBuf;
use std::time::Duration;

use crate::api_limits::{ApiCors, ApiKeySource, Throttle};

/// `[[apis]]`: an HTTP API with its stages and routes.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    /// Name, referenced by origins' `api`.
    pub name: String,
    /// The API id in `requestContext.apiId` and the `execute-api` domain name (10 lowercase
    /// alphanumerics, derived from the name unless set).
    pub api_id: String,
    /// Stages: `$default` (served at the API root) and named ones (served under `/<name>`).
    pub stages: Vec<StageConfig>,
    /// Routes, in the order of the file (order does not matter for matching).
    pub routes: Vec<RouteConfig>,
    /// Where routes with `api_key_required` read the key.
    pub api_key_source: ApiKeySource,
    /// CORS answers (`[apis.cors]`), if configured.
    pub cors: Option<ApiCors>,
    /// Authorizers routes refer to by name.
    pub authorizers: Vec<crate::api_auth::AuthorizerConfig>,
    /// The OpenAPI document the routes were imported from, if any (watched by `serve --watch`).
    pub openapi: Option<PathBuf>,
}

/// One stage of an API.
#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    /// `$default` or a name (the first path segment that selects it).
    pub name: String,
    /// Stage variables, `${stageVariables.name}` in integration URIs and parameter mappings.
    pub variables: Vec<(String, String)>,
    /// The default throttle of each route of the stage (`None`: the account's limits).
    pub throttling: Option<Throttle>,
}

/// A route key: `METHOD /path` or `$default`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteKey {
    /// `$default`: requests no other route matches.
    Default,
    /// `METHOD /path`, the method uppercase (`ANY` included), the path with `{name}` and a last
    /// greedy `{name+}` segment.
    Route {
        /// `GET`, `POST`, … or `ANY`.
        method: String,
        /// `/pets/{id}`.
        path: String,
    },
}

impl std::fmt::Display for RouteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteKey::Default => f.write_str("$default"),
            RouteKey::Route { method, path } => write!(f, "{method} {path}"),
        }
    }
}

/// One route and its integration.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteConfig {
    /// The route key.
    pub key: RouteKey,
    /// Where matching requests go.
    pub integration: Integration,
    /// API Gateway's integration timeout (`timeout_ms`, 50 ms–30 s, default 30 s).
    pub timeout: Duration,
    /// Request parameter mappings (`"overwrite:header.x-stage" = "$context.stage"`).
    pub request_parameters: Vec<ParameterMapping>,
    /// Response parameter mappings per backend status.
    pub response_parameters: Vec<(u16, Vec<ParameterMapping>)>,
    /// This route's throttle, overriding the stage's default.
    pub throttling: Option<Throttle>,
    /// Callers must send an API key of a usage plan covering the stage (REST rules).
    pub api_key_required: bool,
    /// The authorizer (of the API's `authorizers`) that checks requests first, if any.
    pub authorizer: Option<String>,
    /// With a JWT authorizer: the token's `scope`/`scp` must hold one of these.
    pub authorization_scopes: Vec<String>,
}

/// A route's integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integration {
    /// `HTTP_PROXY` to a URI that may use `{param}` and `${stageVariables.x}`.
    Http {
        /// `http://host:port/path?query`.
        uri: String,
    },
    /// `AWS_PROXY` to a Lambda function of `[[lambda_functions]]`.
    Lambda {
        /// The function's name.
        function: String,
        /// The payload format version.
        payload_format: PayloadFormat,
    },
}

/// `payload_format_version` of a Lambda integration (spec/api-gateway.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// `"1.0"`: REST-style event, `multiValue*` fields.
    V1,
    /// `"2.0"` (the default): HTTP API event.
    V2,
}

/// One parameter mapping: `action:target` = value (spec/api-gateway.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterMapping {
    /// `append`, `overwrite` or `remove`.
    pub action: MappingAction,
    /// What is changed.
    pub target: MappingTarget,
    /// The value: static text and references (`$request.header.x`, `${context.requestId}`);
    /// empty for `remove`.
    pub value: Vec<ValuePart>,
}

/// A piece of a mapping value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuePart {
    /// Static text.
    Text(String),
    /// A value of the request, the response, the context or the stage.
    Ref(ValueRef),
}

/// What a mapping value can reference (spec/api-gateway.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueRef {
    /// `$request.header.<name>` (name lowercase; values comma-joined).
    RequestHeader(String),
    /// `$request.querystring.<name>` (values comma-joined).
    RequestQueryString(String),
    /// `$request.body.<jsonpath>`: the JSONPath after `$request.body`, e.g. `.a.b[0]`.
    RequestBody(String),
    /// `$request.path`: the path without the stage.
    RequestPath,
    /// `$request.path.<name>`: a path parameter.
    RequestPathParameter(String),
    /// `$response.header.<name>`.
    ResponseHeader(String),
    /// `$response.body.<jsonpath>`.
    ResponseBody(String),
    /// `$context.<variable>`, e.g. `requestId`, `identity.sourceIp`.
    Context(String),
    /// `$stageVariables.<name>`.
    StageVariable(String),
}

/// The action of a parameter mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingAction {
    /// Adds a value (comma-joined to an existing header, a repeated query parameter).
    Append,
    /// Replaces every value.
    Overwrite,
    /// Removes the header or parameter.
    Remove,
}

/// The target of a parameter mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingTarget {
    /// `header.<name>` (lowercase).
    Header(String),
    /// `querystring.<name>` (request only; case-sensitive).
    QueryString(String),
    /// `path` (request only).
    Path,
    /// `statuscode` (response only).
    StatusCode,
}

/// `[[lambda_functions]]`: a Lambda function as a WebAssembly component.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaFunctionConfig {
    /// Name, referenced by routes' `lambda`.
    pub name: String,
    /// The component (`.wasm`, absolute) implementing `localfront:edge/lambda-function`.
    pub component: PathBuf,
    /// Memory size in MB (128–10,240).
    pub memory_mb: u64,
    /// Function timeout (1–900 s, default 3 s).
    pub timeout: Duration,
    /// Environment variables (≤ 4 KB in total).
    pub environment: Vec<(String, String)>,
    /// Caps the function's execution environments; over it, invocations are throttled.
    pub reserved_concurrency: Option<u32>,
    /// Environments initialized at start-up.
    pub provisioned_concurrency: u32,
    /// Start new environments from a snapshot of one initialized environment.
    pub snap_start: bool,
}
