//! Response headers policies: the model and AWS's managed policies (spec/distribution.md §8,
//! spec/managed-policies.md §4). Applied to the response to the viewer after the cache and the
//! custom error response, before the viewer-response function (spec/distribution.md §1 step 12).

/// A header a policy sets, and whether it replaces the origin's header of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyHeader {
    /// The header value.
    pub value: String,
    /// `override`: replace the origin's header; otherwise the origin's header wins when present.
    pub override_origin: bool,
}

impl PolicyHeader {
    fn new(value: &str, override_origin: bool) -> Self {
        Self {
            value: value.to_owned(),
            override_origin,
        }
    }
}

/// A response headers policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeadersPolicy {
    /// Policy name (managed names as AWS spells them).
    pub name: String,
    /// CORS headers, added to responses to CORS requests (those with an `Origin` header).
    pub cors: Option<CorsConfig>,
    /// Security headers, added to every response.
    pub security_headers: SecurityHeaders,
    /// Custom headers, added to every response.
    pub custom_headers: Vec<(String, PolicyHeader)>,
    /// Headers removed from the response (lowercase).
    pub remove_headers: Vec<String>,
    /// `Server-Timing` on this percentage of responses (0–100), when enabled.
    pub server_timing_sampling_rate: Option<f64>,
}

/// `CorsConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsConfig {
    /// `Access-Control-Allow-Origin` candidates: `*`, exact origins, or patterns with `*`.
    pub allow_origins: Vec<String>,
    /// `Access-Control-Allow-Headers` on preflight responses (`*` allowed); empty: not sent.
    pub allow_headers: Vec<String>,
    /// `Access-Control-Allow-Methods` on preflight responses; empty: not sent.
    pub allow_methods: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// `Access-Control-Expose-Headers` (`*` allowed); empty: not sent.
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` on preflight responses.
    pub max_age_sec: Option<u32>,
    /// Replace CORS headers the origin sent.
    pub origin_override: bool,
}

/// `SecurityHeadersConfig`: each header rendered, with its override flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`.
    pub strict_transport_security: Option<PolicyHeader>,
    /// `Content-Security-Policy`.
    pub content_security_policy: Option<PolicyHeader>,
    /// `X-Content-Type-Options: nosniff`.
    pub content_type_options: Option<PolicyHeader>,
    /// `X-Frame-Options`.
    pub frame_options: Option<PolicyHeader>,
    /// `Referrer-Policy`.
    pub referrer_policy: Option<PolicyHeader>,
    /// `X-XSS-Protection`.
    pub xss_protection: Option<PolicyHeader>,
}

impl SecurityHeaders {
    /// The configured headers as `(name, header)`, in a fixed order.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &PolicyHeader)> {
        [
            ("strict-transport-security", &self.strict_transport_security),
            ("content-security-policy", &self.content_security_policy),
            ("x-content-type-options", &self.content_type_options),
            ("x-frame-options", &self.frame_options),
            ("referrer-policy", &self.referrer_policy),
            ("x-xss-protection", &self.xss_protection),
        ]
        .into_iter()
        .filter_map(|(name, h)| h.as_ref().map(|h| (name, h)))
    }
}

/// `ALL` in `AccessControlAllowMethods`, as the managed policies render it
/// (spec/managed-policies.md §4).
pub const ALL_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// Response headers CloudFront never lets a policy remove (spec/distribution.md §8); a trailing
/// `*` is a prefix.
pub const NEVER_REMOVABLE: &[&str] = &[
    "connection",
    "content-encoding",
    "content-length",
    "expect",
    "host",
    "keep-alive",
    "proxy-*",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
    "x-accel-*",
    "x-amz-cf-*",
    "x-amzn-*",
    "x-cache",
    "x-edge-*",
    "x-forwarded-proto",
    "x-real-ip",
];

/// Whether `name` (lowercase) is one a policy may not remove.
pub fn never_removable(name: &str) -> bool {
    NEVER_REMOVABLE.iter().any(|n| match n.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *n,
    })
}

/// AWS's managed response headers policies, by name (spec/managed-policies.md §4). Each header has
/// the same value and override flag in every policy that carries it; the CORS headers do not
/// override the origin's, `X-Content-Type-Options` does.
pub fn managed_response_headers_policies() -> Vec<ResponseHeadersPolicy> {
    let simple_cors = CorsConfig {
        allow_origins: vec!["*".to_owned()],
        allow_headers: Vec::new(),
        allow_methods: Vec::new(),
        allow_credentials: false,
        expose_headers: Vec::new(),
        max_age_sec: None,
        origin_override: false,
    };
    let preflight_cors = CorsConfig {
        allow_methods: ALL_METHODS.iter().map(|m| (*m).to_owned()).collect(),
        expose_headers: vec!["*".to_owned()],
        ..simple_cors.clone()
    };
    let security = SecurityHeaders {
        strict_transport_security: Some(PolicyHeader::new("max-age=31536000", false)),
        content_security_policy: None,
        content_type_options: Some(PolicyHeader::new("nosniff", true)),
        frame_options: Some(PolicyHeader::new("SAMEORIGIN", false)),
        referrer_policy: Some(PolicyHeader::new("strict-origin-when-cross-origin", false)),
        xss_protection: Some(PolicyHeader::new("1; mode=block", false)),
    };
    let policy = |name: &str, cors: Option<&CorsConfig>, security: Option<&SecurityHeaders>| {
        ResponseHeadersPolicy {
            name: name.to_owned(),
            cors: cors.cloned(),
            security_headers: security.cloned().unwrap_or_default(),
            custom_headers: Vec::new(),
            remove_headers: Vec::new(),
            server_timing_sampling_rate: None,
        }
    };
    vec![
        policy(
            "CORS-and-SecurityHeadersPolicy",
            Some(&simple_cors),
            Some(&security),
        ),
        policy("CORS-With-Preflight", Some(&preflight_cors), None),
        policy(
            "CORS-with-preflight-and-SecurityHeadersPolicy",
            Some(&preflight_cors),
            Some(&security),
        ),
        policy("SecurityHeadersPolicy", None, Some(&security)),
        policy("SimpleCORS", Some(&simple_cors), None),
    ]
}

/// The managed policies' fixed IDs, which behaviors may use instead of the names
/// (spec/managed-policies.md §1, §4).
pub const MANAGED_RESPONSE_HEADERS_POLICY_IDS: &[(&str, &str)] = &[
    (
        "e61eb60c-9c35-4d20-a928-2b84e02af89c",
        "CORS-and-SecurityHeadersPolicy",
    ),
    (
        "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
        "CORS-With-Preflight",
    ),
    (
        "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
        "CORS-with-preflight-and-SecurityHeadersPolicy",
    ),
    (
        "67f7725c-6f97-4210-82d7-5512b31e9d03",
        "SecurityHeadersPolicy",
    ),
    ("60669652-455b-4ae9-85a4-c4c02393f86c", "SimpleCORS"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_removable_matches_prefixes() {
        assert!(never_removable("x-amz-cf-id"));
        assert!(never_removable("proxy-authenticate"));
        assert!(never_removable("via"));
        assert!(!never_removable("server"));
        assert!(!never_removable("x-powered-by"));
    }

    #[test]
    fn every_managed_policy_has_an_id() {
        for p in managed_response_headers_policies() {
            assert!(MANAGED_RESPONSE_HEADERS_POLICY_IDS
                .iter()
                .any(|(_, n)| *n == p.name));
        }
    }
}
