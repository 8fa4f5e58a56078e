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
}

/// `[[apis.stages]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawStage {
    pub name: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// `[apis.routes."GET /pets/{id}"]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawRoute {
    pub uri: Option<String>,
    pub lambda: Option<String>,
    pub payload_format_version: Option<String>,
    pub timeout_ms: Option<i64>,
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, BTreeMap<String, String>>,
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
