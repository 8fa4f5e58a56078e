//! Raw config: the TOML document as serde reads it, before validation.
//!
//! Every field is optional or defaulted so that one pass can report every problem; unknown keys are
//! collected by `serde_ignored` in [`crate::toml`] rather than rejected here, for the same reason.
//! Field names are the TOML keys.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::raw_apis::{RawApi, RawApiKey, RawIssuer, RawLambdaFunction, RawUsagePlan};
use crate::raw_policies::{
    RawContinuousDeploymentPolicy, RawGeoRestriction, RawKeyGroup, RawResponseHeadersPolicy,
    RawViewer,
};
use crate::raw_selection::RawSelection;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig {
    pub server: Option<RawServer>,
    #[serde(default)]
    pub distributions: Vec<RawDistribution>,
    #[serde(default)]
    pub cache_policies: Vec<RawCachePolicy>,
    #[serde(default)]
    pub origin_request_policies: Vec<RawOriginRequestPolicy>,
    #[serde(default)]
    pub response_headers_policies: Vec<RawResponseHeadersPolicy>,
    #[serde(default)]
    pub key_groups: Vec<RawKeyGroup>,
    pub viewer: Option<RawViewer>,
    #[serde(default)]
    pub functions: Vec<RawFunction>,
    #[serde(default)]
    pub key_value_stores: Vec<RawKeyValueStore>,
    #[serde(default)]
    pub edge_functions: Vec<RawEdgeFunction>,
    #[serde(default)]
    pub apis: Vec<RawApi>,
    #[serde(default)]
    pub lambda_functions: Vec<RawLambdaFunction>,
    #[serde(default)]
    pub api_keys: Vec<RawApiKey>,
    #[serde(default)]
    pub usage_plans: Vec<RawUsagePlan>,
    #[serde(default)]
    pub issuers: Vec<RawIssuer>,
}

/// `[[edge_functions]]`: a Lambda@Edge handler as a WebAssembly component.
#[derive(Debug, Default, Deserialize)]
pub struct RawEdgeFunction {
    pub name: Option<String>,
    pub component: Option<String>,
    pub include_body: Option<bool>,
    pub timeout: Option<i64>,
    pub memory_mb: Option<i64>,
    pub max_concurrency: Option<i64>,
}

/// `lambda_associations = { … }` on a behavior.
#[derive(Debug, Default, Deserialize)]
pub struct RawLambdaAssociations {
    pub viewer_request: Option<String>,
    pub origin_request: Option<String>,
    pub origin_response: Option<String>,
    pub viewer_response: Option<String>,
}

/// `[[functions]]`: a CloudFront Function.
#[derive(Debug, Default, Deserialize)]
pub struct RawFunction {
    pub name: Option<String>,
    pub runtime: Option<String>,
    pub code: Option<String>,
    pub key_value_store: Option<String>,
}

/// `[[key_value_stores]]`: a CloudFront KeyValueStore.
#[derive(Debug, Default, Deserialize)]
pub struct RawKeyValueStore {
    pub name: Option<String>,
    pub file: Option<String>,
}

/// `function_associations = { … }` on a behavior.
#[derive(Debug, Default, Deserialize)]
pub struct RawFunctionAssociations {
    pub viewer_request: Option<String>,
    pub viewer_response: Option<String>,
}

/// `[[cache_policies]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawCachePolicy {
    pub name: Option<String>,
    pub min_ttl: Option<i64>,
    pub default_ttl: Option<i64>,
    pub max_ttl: Option<i64>,
    pub headers: Option<RawSelection>,
    pub cookies: Option<RawSelection>,
    pub query_strings: Option<RawSelection>,
    pub enable_accept_encoding_gzip: Option<bool>,
    pub enable_accept_encoding_brotli: Option<bool>,
}

/// `[[origin_request_policies]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawOriginRequestPolicy {
    pub name: Option<String>,
    pub headers: Option<RawSelection>,
    pub cookies: Option<RawSelection>,
    pub query_strings: Option<RawSelection>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawServer {
    pub http_listen: Option<String>,
    pub https_listen: Option<String>,
    pub admin_listen: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub state_dir: Option<String>,
    pub pop: Option<String>,
    pub threads: Option<i64>,
    pub function_threads: Option<i64>,
    pub grace_period: Option<i64>,
    pub cache_max_bytes: Option<i64>,
    pub cache_max_object_bytes: Option<i64>,
    pub strict_compute: Option<bool>,
    pub function_compute_budget_us: Option<i64>,
    pub access_log: Option<String>,
    pub access_log_format: Option<String>,
    pub function_log: Option<String>,
    pub trace: Option<bool>,
    pub h2c: Option<bool>,
    pub websocket_idle_timeout: Option<i64>,
    pub client_header_timeout: Option<i64>,
    pub client_body_timeout: Option<i64>,
    pub send_timeout: Option<i64>,
    pub keepalive_timeout: Option<i64>,
    pub max_connections: Option<i64>,
}

/// `[[distributions]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawDistribution {
    pub id: Option<String>,
    pub domain_name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub default_root_object: Option<String>,
    pub geo_restriction: Option<RawGeoRestriction>,
    pub staging: Option<bool>,
    pub continuous_deployment_policy: Option<RawContinuousDeploymentPolicy>,
    #[serde(default)]
    pub origins: Vec<RawOrigin>,
    #[serde(default)]
    pub origin_groups: Vec<RawOriginGroup>,
    pub default_cache_behavior: Option<RawCacheBehavior>,
    #[serde(default)]
    pub cache_behaviors: Vec<RawCacheBehavior>,
    #[serde(default)]
    pub custom_error_responses: Vec<RawCustomErrorResponse>,
}

/// `[[distributions.origins]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawOrigin {
    pub id: Option<String>,
    pub domain_name: Option<String>,
    pub http_port: Option<i64>,
    pub https_port: Option<i64>,
    pub protocol_policy: Option<String>,
    pub tls_verify: Option<bool>,
    pub s3: Option<RawS3>,
    pub echo: Option<bool>,
    pub api: Option<String>,
    pub origin_path: Option<String>,
    #[serde(default)]
    pub custom_headers: BTreeMap<String, String>,
    pub connection_timeout: Option<i64>,
    pub connection_attempts: Option<i64>,
    pub read_timeout: Option<i64>,
    pub keepalive_timeout: Option<i64>,
    pub http_version: Option<String>,
    pub origin_host_header: Option<String>,
}

/// `s3 = { … }` on an origin.
#[derive(Debug, Default, Deserialize)]
pub struct RawS3 {
    pub directory: Option<String>,
    pub index_document: Option<String>,
    pub list_bucket: Option<bool>,
}

/// `[[distributions.origin_groups]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawOriginGroup {
    pub id: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub failover_status_codes: Vec<i64>,
}

/// `[distributions.default_cache_behavior]` and `[[distributions.cache_behaviors]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawCacheBehavior {
    pub path_pattern: Option<String>,
    pub target_origin_id: Option<String>,
    pub viewer_protocol_policy: Option<String>,
    pub allowed_methods: Option<Vec<String>>,
    pub cached_methods: Option<Vec<String>>,
    pub cache_policy: Option<String>,
    pub origin_request_policy: Option<String>,
    pub response_headers_policy: Option<String>,
    pub trusted_key_groups: Option<Vec<String>>,
    pub compress: Option<bool>,
    pub function_associations: Option<RawFunctionAssociations>,
    pub lambda_associations: Option<RawLambdaAssociations>,
    pub grpc: Option<bool>,
}

/// `[[distributions.custom_error_responses]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawCustomErrorResponse {
    pub error_code: Option<i64>,
    pub response_page_path: Option<String>,
    pub response_code: Option<i64>,
    pub error_caching_min_ttl: Option<i64>,
}
