//! Raw `[[apis]]` and `[[lambda_functions]]` tables, before validation (see `raw.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// `[[apis]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawApi {
    pub name: Option<String>,
    pub api_id: Option<String>,
    #[serde(default)]
    pub stages: Vec<RawStage>,
    #[serde(default)]
    pub routes: BTreeMap<String, RawRoute>,
    pub api_key_source: Option<String>,
    pub cors: Option<RawApiCors>,
    #[serde(default)]
    pub authorizers: Vec<RawAuthorizer>,
    /// An OpenAPI 3.0 document the routes, integrations, authorizers and CORS are imported from
    /// (relative to the config file); TOML routes and authorizers of the same name replace the
    /// imported ones.
    pub openapi: Option<String>,
}

/// `[[apis.stages]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawStage {
    pub name: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    pub throttling: Option<RawThrottle>,
}

/// `[apis.routes."GET /pets/{id}"]`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct RawRoute {
    pub uri: Option<String>,
    pub lambda: Option<String>,
    pub payload_format_version: Option<String>,
    pub timeout_ms: Option<i64>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, BTreeMap<String, String>>,
    pub throttling: Option<RawThrottle>,
    pub api_key_required: Option<bool>,
    pub authorizer: Option<String>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
}

/// `throttling = { rate_limit, burst_limit }` of a stage or route, `throttle` of a usage plan.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct RawThrottle {
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<i64>,
}

/// `[apis.cors]`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
pub struct RawApiCors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    pub max_age: Option<i64>,
    pub allow_credentials: Option<bool>,
}

/// `[[api_keys]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawApiKey {
    pub name: Option<String>,
    pub value: Option<String>,
    pub enabled: Option<bool>,
}

/// `[[usage_plans]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawUsagePlan {
    pub name: Option<String>,
    #[serde(default)]
    pub apis: Vec<RawPlanStage>,
    pub throttle: Option<RawThrottle>,
    pub quota: Option<RawQuota>,
    #[serde(default)]
    pub api_keys: Vec<String>,
}

/// `apis = [{ api, stage }]` of a usage plan.
#[derive(Debug, Default, Deserialize)]
pub struct RawPlanStage {
    pub api: Option<String>,
    pub stage: Option<String>,
}

/// `quota = { limit, period }` of a usage plan.
#[derive(Debug, Default, Deserialize)]
pub struct RawQuota {
    pub limit: Option<i64>,
    pub period: Option<String>,
}

/// `[[apis.authorizers]]`: a JWT or Lambda authorizer.
#[derive(Debug, Default, Deserialize)]
pub struct RawAuthorizer {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub identity_source: Option<Vec<String>>,
    pub issuer: Option<String>,
    pub local_issuer: Option<String>,
    pub audience: Option<Vec<String>>,
    pub jwks_url: Option<String>,
    pub jwks_file: Option<String>,
    pub algorithms: Option<Vec<String>>,
    pub leeway_seconds: Option<i64>,
    pub function: Option<String>,
    pub ttl_seconds: Option<i64>,
    pub enable_simple_responses: Option<bool>,
}

/// `[[issuers]]`: a local Cognito-style user pool.
#[derive(Debug, Default, Deserialize)]
pub struct RawIssuer {
    pub name: Option<String>,
    pub issuer_url: Option<String>,
    pub key_file: Option<String>,
    #[serde(default)]
    pub users: Vec<RawIssuerUser>,
}

/// One of `[[issuers]]`' `users`.
#[derive(Debug, Default, Deserialize)]
pub struct RawIssuerUser {
    pub username: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `[[lambda_functions]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawLambdaFunction {
    pub name: Option<String>,
    pub component: Option<String>,
    pub memory_mb: Option<i64>,
    pub timeout: Option<i64>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    pub reserved_concurrency: Option<i64>,
    pub provisioned_concurrency: Option<i64>,
    pub snap_start: Option<bool>,
}
