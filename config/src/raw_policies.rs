//! Raw config for the distribution policies: response headers policies, key groups (signed URLs
//! and cookies), geo restriction, viewer locations and continuous deployment. Field names are the
//! TOML keys: CloudFront's API names in snake_case.

use serde::Deserialize;

/// `[[response_headers_policies]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawResponseHeadersPolicy {
    pub name: Option<String>,
    pub cors: Option<RawCors>,
    pub security_headers: Option<RawSecurityHeaders>,
    #[serde(default)]
    pub custom_headers: Vec<RawCustomHeader>,
    #[serde(default)]
    pub remove_headers: Vec<String>,
    pub server_timing: Option<RawServerTiming>,
}

/// `cors = { … }` (`CorsConfig`).
#[derive(Debug, Default, Deserialize)]
pub struct RawCors {
    pub access_control_allow_origins: Option<Vec<String>>,
    pub access_control_allow_headers: Option<Vec<String>>,
    pub access_control_allow_methods: Option<Vec<String>>,
    pub access_control_allow_credentials: Option<bool>,
    pub access_control_expose_headers: Option<Vec<String>>,
    pub access_control_max_age_sec: Option<i64>,
    pub origin_override: Option<bool>,
}

/// `security_headers = { … }` (`SecurityHeadersConfig`).
#[derive(Debug, Default, Deserialize)]
pub struct RawSecurityHeaders {
    pub strict_transport_security: Option<RawStrictTransportSecurity>,
    pub content_security_policy: Option<RawValueHeader>,
    pub content_type_options: Option<RawOverrideOnly>,
    pub frame_options: Option<RawValueHeader>,
    pub referrer_policy: Option<RawValueHeader>,
    pub xss_protection: Option<RawXssProtection>,
}

/// A security header with a value: `{ value = "…", override = true }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawValueHeader {
    pub value: Option<String>,
    #[serde(rename = "override")]
    pub override_origin: Option<bool>,
}

/// `content_type_options = { override = true }`: the value is always `nosniff`.
#[derive(Debug, Default, Deserialize)]
pub struct RawOverrideOnly {
    #[serde(rename = "override")]
    pub override_origin: Option<bool>,
}

/// `strict_transport_security = { … }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawStrictTransportSecurity {
    pub access_control_max_age_sec: Option<i64>,
    pub include_subdomains: Option<bool>,
    pub preload: Option<bool>,
    #[serde(rename = "override")]
    pub override_origin: Option<bool>,
}

/// `xss_protection = { … }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawXssProtection {
    pub protection: Option<bool>,
    pub mode_block: Option<bool>,
    pub report_uri: Option<String>,
    #[serde(rename = "override")]
    pub override_origin: Option<bool>,
}

/// `[[response_headers_policies.custom_headers]]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawCustomHeader {
    pub header: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "override")]
    pub override_origin: Option<bool>,
}

/// `server_timing = { … }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawServerTiming {
    pub enabled: Option<bool>,
    pub sampling_rate: Option<f64>,
}

/// `[[key_groups]]`: public keys whose signatures a behavior's `trusted_key_groups` accept.
#[derive(Debug, Default, Deserialize)]
pub struct RawKeyGroup {
    pub name: Option<String>,
    #[serde(default)]
    pub public_keys: Vec<RawPublicKey>,
}

/// `public_keys = [{ id = "K…", file = "public.pem" }]`.
#[derive(Debug, Default, Deserialize)]
pub struct RawPublicKey {
    pub id: Option<String>,
    pub file: Option<String>,
    pub encoded_key: Option<String>,
}

/// `[viewer]`: where viewers are, for geo restriction and the `CloudFront-Viewer-*` headers.
#[derive(Debug, Default, Deserialize)]
pub struct RawViewer {
    pub country_override_header: Option<bool>,
    #[serde(default)]
    pub locations: Vec<RawViewerLocation>,
}

/// `[[viewer.locations]]`: viewers whose address is in `cidr` are located here.
#[derive(Debug, Default, Deserialize)]
pub struct RawViewerLocation {
    pub cidr: Option<String>,
    pub country: Option<String>,
    pub country_name: Option<String>,
    pub region: Option<String>,
    pub region_name: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub time_zone: Option<String>,
    pub latitude: Option<String>,
    pub longitude: Option<String>,
    pub metro_code: Option<String>,
    pub asn: Option<i64>,
}

/// `geo_restriction = { … }` on a distribution.
#[derive(Debug, Default, Deserialize)]
pub struct RawGeoRestriction {
    pub restriction_type: Option<String>,
    #[serde(default)]
    pub locations: Vec<String>,
}

/// `continuous_deployment_policy = { … }` on a primary distribution.
#[derive(Debug, Default, Deserialize)]
pub struct RawContinuousDeploymentPolicy {
    pub staging_distribution_id: Option<String>,
    pub enabled: Option<bool>,
    pub single_weight: Option<RawSingleWeight>,
    pub single_header: Option<RawSingleHeader>,
}

/// `single_weight = { weight = 0.1, session_stickiness = { … } }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawSingleWeight {
    pub weight: Option<f64>,
    pub session_stickiness: Option<RawSessionStickiness>,
}

/// `session_stickiness = { idle_ttl = 300, maximum_ttl = 600 }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawSessionStickiness {
    pub idle_ttl: Option<i64>,
    pub maximum_ttl: Option<i64>,
}

/// `single_header = { header = "aws-cf-cd-…", value = "…" }`.
#[derive(Debug, Default, Deserialize)]
pub struct RawSingleHeader {
    pub header: Option<String>,
    pub value: Option<String>,
}
