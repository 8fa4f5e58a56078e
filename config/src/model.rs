//! The validated config model: what the rest of localfront sees.
//!
//! Everything here is typed and checked — cross-references resolved, ranges enforced, defaults
//! applied — so the proxy never re-validates. The shape mirrors CloudFront's `DistributionConfig`
//! in snake_case (spec/distribution.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::api_limits::{ApiKey, UsagePlan};
use crate::apis::{ApiConfig, LambdaFunctionConfig};
use crate::continuous_deployment::ContinuousDeploymentPolicy;
use crate::policies::{CachePolicy, OriginRequestPolicy};
use crate::private_content::KeyGroup;
use crate::response_headers::ResponseHeadersPolicy;
use crate::viewer::{GeoRestriction, ViewerSettings};

/// A whole, validated localfront configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Listeners and process-wide settings.
    pub server: Server,
    /// The distributions served, in configured order.
    pub distributions: Vec<Distribution>,
    /// CloudFront Functions, by name.
    pub functions: Vec<FunctionConfig>,
    /// KeyValueStores, by name.
    pub key_value_stores: Vec<KeyValueStoreConfig>,
    /// Lambda@Edge handlers (WebAssembly components), by name.
    pub edge_functions: Vec<EdgeFunctionConfig>,
    /// Where viewers are (`[viewer]`): geo restriction and the `CloudFront-Viewer-*` headers.
    pub viewer: ViewerSettings,
    /// API Gateway HTTP APIs, served by origins with `api = "name"`.
    pub apis: Vec<ApiConfig>,
    /// Lambda functions (WebAssembly components) that API routes integrate with.
    pub lambda_functions: Vec<LambdaFunctionConfig>,
    /// API keys (`[[api_keys]]`), for routes with `api_key_required`.
    pub api_keys: Vec<ApiKey>,
    /// Usage plans: which keys may call which API stages, with throttles and quotas.
    pub usage_plans: Vec<UsagePlan>,
    /// Local Cognito-style issuers (`[[issuers]]`), served on the admin listener.
    pub issuers: Vec<crate::api_auth::IssuerConfig>,
}

/// `[[edge_functions]]`: a Lambda@Edge handler.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeFunctionConfig {
    /// Name, referenced by behaviors' `lambda_associations`.
    pub name: String,
    /// The component (`.wasm`, absolute).
    pub component: PathBuf,
    /// Expose the request body to the handler (IncludeBody).
    pub include_body: bool,
    /// Lowers the event's timeout (viewer 5 s, origin 30 s).
    pub timeout: Option<Duration>,
    /// Memory cap in MB.
    pub memory_mb: u64,
    /// Concurrent invocations before `LambdaLimitExceeded`.
    pub max_concurrency: u32,
}

/// A behavior's Lambda@Edge handlers, one per event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LambdaAssociations {
    /// viewer-request.
    pub viewer_request: Option<String>,
    /// origin-request (cache misses).
    pub origin_request: Option<String>,
    /// origin-response.
    pub origin_response: Option<String>,
    /// viewer-response.
    pub viewer_response: Option<String>,
}

/// `[[functions]]`: a CloudFront Function's code and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    /// Name, referenced by behaviors' `function_associations`.
    pub name: String,
    /// `cloudfront-js-2.0` or `cloudfront-js-1.0`.
    pub runtime: String,
    /// The `.js` file (absolute).
    pub code: PathBuf,
    /// The KeyValueStore `cf.kvs()` opens, if any (CloudFront allows one per function).
    pub key_value_store: Option<String>,
}

/// `[[key_value_stores]]`: a KeyValueStore loaded from AWS's import format.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValueStoreConfig {
    /// Name, referenced by functions.
    pub name: String,
    /// `{"data":[{"key":…,"value":…}]}` file (absolute).
    pub file: PathBuf,
}

/// A behavior's CloudFront Functions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionAssociations {
    /// Runs on viewer-request.
    pub viewer_request: Option<String>,
    /// Runs on viewer-response.
    pub viewer_response: Option<String>,
}

/// `[server]`: listeners and process-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Plain HTTP listener.
    pub http_listen: SocketAddr,
    /// HTTPS listener (HTTP/1.1 and HTTP/2 via ALPN), if any.
    pub https_listen: Option<SocketAddr>,
    /// Admin listener (health, and later metrics and the admin API), if any.
    pub admin_listen: Option<SocketAddr>,
    /// Certificate and key for the HTTPS listener; `None` means a generated dev certificate.
    pub tls: Option<TlsFiles>,
    /// Where generated state (dev certificate, in-process origin sockets) is kept.
    pub state_dir: PathBuf,
    /// The edge location reported in `X-Amz-Cf-Pop` (spec/distribution.md §8: observed header).
    pub pop: String,
    /// Worker threads for the proxy service.
    pub threads: usize,
    /// Threads that run CloudFront Functions, off the worker threads (spec/hardening.md §5).
    pub function_threads: usize,
    /// Seconds to keep serving in-flight requests after SIGTERM.
    pub grace_period: Duration,
    /// Memory the cache may hold; least valuable objects are evicted beyond it.
    pub cache_max_bytes: usize,
    /// Largest object the cache stores; larger ones are served but not cached.
    pub cache_max_object_bytes: usize,
    /// Throttle functions whose compute utilization stays at 100 (`FunctionThrottledError`).
    pub strict_compute: bool,
    /// The nominal CPU budget of one function invocation, for compute utilization (µs).
    pub function_compute_budget: Duration,
    /// Where CloudFront-style access logs go, if anywhere.
    pub access_log: Option<LogTarget>,
    /// The access log's line format.
    pub access_log_format: AccessLogFormat,
    /// Where edge function and Lambda logs go.
    pub function_log: LogTarget,
    /// Requests with `X-Localfront-Trace: 1` are traced (`GET /trace/{id}` on the admin listener).
    pub trace: bool,
    /// Accept HTTP/2 with prior knowledge (h2c) on the plain HTTP listener.
    pub h2c: bool,
    /// How long an upgraded (WebSocket) connection may stay idle: CloudFront's 10 minutes.
    pub websocket_idle_timeout: Duration,
    /// Slow and idle viewers (spec/hardening.md §3).
    pub viewer_timeouts: ViewerTimeouts,
}

/// How long localfront waits on a viewer (spec/hardening.md §3), and how many connections it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewerTimeouts {
    /// The whole request header must arrive within this time: else `408` and the connection closes.
    pub client_header: Duration,
    /// The longest pause between two reads of a request body: else `408` and the connection closes.
    pub client_body: Duration,
    /// The longest a write to the viewer may wait (a viewer that stops reading): then the
    /// connection closes.
    pub send: Duration,
    /// How long an idle keep-alive connection is kept before it is closed silently.
    pub keepalive: Duration,
    /// HTTP/1.x connections open at once; new ones over it are closed at once.
    pub max_connections: usize,
}

/// A log destination.
#[derive(Debug, Clone, PartialEq)]
pub enum LogTarget {
    /// The process's standard output.
    Stdout,
    /// The process's standard error.
    Stderr,
    /// A file, appended to; for access logs `{distribution}` in the path is replaced by the
    /// distribution id (one file per distribution, as CloudFront writes them).
    File(PathBuf),
}

/// The access log's line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLogFormat {
    /// CloudFront's standard log: W3C, tab-separated, the 33 fields (spec/distribution.md §15).
    W3c,
    /// One JSON object per line with the same fields, named as in the W3C header.
    Json,
}

/// PEM certificate chain and private key files.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// One CloudFront distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Distribution id, e.g. `EDFDVBD6EXAMPLE`.
    pub id: String,
    /// The `*.cloudfront.net` name: appears in `Via` and in function events.
    pub domain_name: String,
    /// Alternate domain names (CNAMEs) routed to this distribution by `Host`.
    pub aliases: Vec<String>,
    /// Object served for `/` only (spec/distribution.md §2).
    pub default_root_object: Option<String>,
    /// Countries served or refused (spec/distribution.md §13).
    pub geo_restriction: GeoRestriction,
    /// A staging distribution: served only through its primary's continuous deployment policy.
    pub staging: bool,
    /// Routes part of this distribution's traffic to a staging distribution.
    pub continuous_deployment_policy: Option<ContinuousDeploymentPolicy>,
    /// Origins by id.
    pub origins: Vec<Origin>,
    /// Origin groups (primary + secondary) by id.
    pub origin_groups: Vec<OriginGroup>,
    /// Ordered cache behaviors; the default behavior is last, with pattern `*`.
    pub cache_behaviors: Vec<CacheBehavior>,
    /// Custom error responses by origin status.
    pub custom_error_responses: Vec<CustomErrorResponse>,
}

impl Distribution {
    /// The origin with this id.
    pub fn origin(&self, id: &str) -> Option<&Origin> {
        self.origins.iter().find(|o| o.id == id)
    }

    /// The origin group with this id.
    pub fn origin_group(&self, id: &str) -> Option<&OriginGroup> {
        self.origin_groups.iter().find(|g| g.id == id)
    }
}

/// An origin: where a behavior's requests go.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// Origin id, referenced by behaviors and groups.
    pub id: String,
    /// What kind of origin, with its kind-specific settings.
    pub kind: OriginKind,
    /// Prefix prepended to the request path, without a trailing `/` (spec/distribution.md §3).
    pub origin_path: String,
    /// Headers added to every origin request, overwriting viewer headers of the same name.
    pub custom_headers: Vec<(String, String)>,
    /// Connection settings (CloudFront's ranges, spec/distribution.md §3).
    pub connection: ConnectionSettings,
    /// The HTTP version spoken to the origin.
    pub http_version: OriginHttpVersion,
    /// Which `Host` the origin gets.
    pub host_header: OriginHostHeader,
}

/// `http_version` of a custom origin: CloudFront speaks HTTP/1.1 to custom origins, and HTTP/2
/// for gRPC (spec/distribution.md §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OriginHttpVersion {
    /// `http1.1`, the default.
    #[default]
    Http1_1,
    /// `http2`: HTTP/2 over TLS (ALPN) or cleartext with prior knowledge (h2c); WebSocket upgrades
    /// still use HTTP/1.1.
    Http2,
}

/// `origin_host_header` of a custom origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OriginHostHeader {
    /// CloudFront's default: the origin's domain name, unless a policy forwards the viewer's `Host`.
    #[default]
    Origin,
    /// The viewer's `Host` (`localhost:8080`), as dev servers that check it expect.
    Viewer,
}

/// The kinds of origin localfront serves.
#[derive(Debug, Clone, PartialEq)]
pub enum OriginKind {
    /// A custom HTTP(S) origin.
    Custom(CustomOrigin),
    /// An S3-style bucket backed by a local directory.
    S3(S3Origin),
    /// A built-in origin that answers with a JSON description of the request it received.
    Echo,
    /// An API Gateway HTTP API of `[[apis]]`, by name, served in-process.
    Api(String),
}

/// A custom (HTTP) origin.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomOrigin {
    /// Host name or IP address.
    pub domain_name: String,
    /// Port for HTTP.
    pub http_port: u16,
    /// Port for HTTPS.
    pub https_port: u16,
    /// Which protocol to speak to the origin.
    pub protocol_policy: OriginProtocolPolicy,
    /// Verify the origin's certificate (false only by explicit opt-out for self-signed local origins).
    pub tls_verify: bool,
}

/// `protocol_policy` of a custom origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginProtocolPolicy {
    /// Always HTTP.
    HttpOnly,
    /// Always HTTPS.
    HttpsOnly,
    /// The viewer's protocol.
    MatchViewer,
}

/// An S3-style origin served from a directory.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Origin {
    /// The directory holding the bucket's objects (absolute).
    pub directory: PathBuf,
    /// Object served for keys ending in `/`.
    pub index_document: Option<String>,
    /// Whether the bucket grants `s3:ListBucket` (missing keys → 404 instead of 403).
    pub list_bucket: bool,
}

/// Connection settings of an origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Connection timeout, 1–10 s.
    pub connection_timeout: Duration,
    /// Connection attempts, 1–3.
    pub connection_attempts: u8,
    /// Response (read) timeout, 1–60 s.
    pub read_timeout: Duration,
    /// Keep-alive (idle) timeout, 1–60 s.
    pub keepalive_timeout: Duration,
}

impl Default for ConnectionSettings {
    /// CloudFront's defaults (spec/distribution.md §3).
    fn default() -> Self {
        Self {
            connection_timeout: Duration::from_secs(10),
            connection_attempts: 3,
            read_timeout: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(5),
        }
    }
}

/// An origin group: a primary and a secondary origin.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginGroup {
    /// Group id, referenced by behaviors like an origin id.
    pub id: String,
    /// Primary origin id.
    pub primary: String,
    /// Secondary origin id.
    pub secondary: String,
    /// Origin statuses that trigger failover.
    pub failover_status_codes: Vec<u16>,
}

/// A cache behavior: a path pattern and what to do with matching requests.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheBehavior {
    /// Path pattern (`*`, `?`; case-sensitive); `*` for the default behavior.
    pub path_pattern: String,
    /// Origin or origin group id.
    pub target_origin_id: String,
    /// What to do with HTTP viewers.
    pub viewer_protocol_policy: ViewerProtocolPolicy,
    /// Methods allowed; others get 403.
    pub allowed_methods: AllowedMethods,
    /// Methods whose responses are cached.
    pub cached_methods: CachedMethods,
    /// TTLs and cache key.
    pub cache_policy: CachePolicy,
    /// What is forwarded beyond the key; `None` forwards the key values only.
    pub origin_request_policy: Option<OriginRequestPolicy>,
    /// Headers added to and removed from the response to the viewer (spec/distribution.md §8).
    pub response_headers_policy: Option<ResponseHeadersPolicy>,
    /// Key groups whose signatures are accepted; non-empty: only signed URLs or cookies are served
    /// (spec/distribution.md §12).
    pub trusted_key_groups: Vec<KeyGroup>,
    /// Compress objects at the edge (spec/distribution.md §10).
    pub compress: bool,
    /// CloudFront Functions on viewer events.
    pub function_associations: FunctionAssociations,
    /// Lambda@Edge handlers.
    pub lambda_associations: LambdaAssociations,
    /// gRPC pass-through: `POST` with `application/grpc` goes to the origin over HTTP/2, uncached,
    /// trailers preserved (CloudFront's `GrpcConfig`).
    pub grpc: bool,
}

/// The two method sets CloudFront caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachedMethods {
    /// GET and HEAD.
    GetHead,
    /// GET, HEAD and OPTIONS.
    GetHeadOptions,
}

impl CachedMethods {
    /// Whether responses to `method` are cached.
    pub fn caches(self, method: &str) -> bool {
        match method {
            "GET" | "HEAD" => true,
            "OPTIONS" => self == Self::GetHeadOptions,
            _ => false,
        }
    }
}

/// `viewer_protocol_policy` of a behavior (spec/distribution.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewerProtocolPolicy {
    /// HTTP and HTTPS are both served.
    AllowAll,
    /// HTTP gets 301 (GET/HEAD) or 307 (others) to HTTPS.
    RedirectToHttps,
    /// HTTP gets 403.
    HttpsOnly,
}

/// The three method sets CloudFront allows (spec/distribution.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowedMethods {
    /// GET, HEAD.
    GetHead,
    /// GET, HEAD, OPTIONS.
    GetHeadOptions,
    /// GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE.
    All,
}

impl AllowedMethods {
    /// Whether `method` (an uppercase HTTP method) is allowed.
    pub fn allows(self, method: &str) -> bool {
        match method {
            "GET" | "HEAD" => true,
            "OPTIONS" => self != Self::GetHead,
            "PUT" | "POST" | "PATCH" | "DELETE" => self == Self::All,
            _ => false,
        }
    }
}

/// A custom error response rule (spec/distribution.md §7).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomErrorResponse {
    /// Origin status this rule applies to.
    pub error_code: u16,
    /// Page fetched through the behavior matching it; `None` only sets the error TTL.
    pub response_page_path: Option<String>,
    /// Status sent to the viewer with the page (defaults to `error_code`).
    pub response_code: u16,
    /// Minimum time the error is cached.
    pub error_caching_min_ttl: Duration,
}
