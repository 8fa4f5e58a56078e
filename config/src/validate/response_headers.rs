//! `[[response_headers_policies]]`: the file's policies, checked against CloudFront's rules, and
//! the list behaviors resolve `response_headers_policy` against — the file's policies, then AWS's
//! managed ones by name or ID (spec/managed-policies.md §4, spec/distribution.md §8).

use super::{quoted, Checker};
use crate::error::{did_you_mean, KeyPath};
use crate::raw_policies::{RawCors, RawResponseHeadersPolicy, RawSecurityHeaders};
use crate::response_headers::{
    managed_response_headers_policies, never_removable, CorsConfig, PolicyHeader,
    ResponseHeadersPolicy, SecurityHeaders, ALL_METHODS, MANAGED_RESPONSE_HEADERS_POLICY_IDS,
};

/// `Referrer-Policy` values CloudFront accepts.
const REFERRER_POLICIES: &[&str] = &[
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

/// Methods `access_control_allow_methods` may list (or `ALL`).
const CORS_METHODS: &[&str] = &[
    "GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD", "ALL",
];

/// Every policy a behavior may name.
pub(crate) struct ResponseHeadersCatalog(Vec<ResponseHeadersPolicy>);

impl ResponseHeadersCatalog {
    /// The policy `name` (or a managed policy's ID), reporting an unknown one at `at`.
    pub fn get(&self, c: &mut Checker, name: &str, at: &KeyPath) -> Option<ResponseHeadersPolicy> {
        let name = MANAGED_RESPONSE_HEADERS_POLICY_IDS
            .iter()
            .find(|(id, _)| *id == name)
            .map_or(name, |(_, n)| n);
        let found = self.0.iter().find(|p| p.name == name).cloned();
        if found.is_none() {
            let names: Vec<&str> = self.0.iter().map(|p| p.name.as_str()).collect();
            let message = format!("unknown response headers policy `{name}`");
            // Managed names mix cases (`SimpleCORS`, `CORS-With-Preflight`): a case slip is the
            // likeliest typo.
            let same_letters = names.iter().find(|n| n.eq_ignore_ascii_case(name));
            let hint = same_letters
                .map(|n| format!("did you mean `{n}`?"))
                .or_else(|| did_you_mean(name, names.iter().copied()));
            match hint {
                Some(hint) => c.error_hint(at, message, hint),
                None => c.error_hint(at, message, format!("expected one of {}", quoted(&names))),
            }
        }
        found
    }
}

/// Converts the file's policies and builds the catalog.
pub(super) fn catalog(
    c: &mut Checker,
    raw: Vec<RawResponseHeadersPolicy>,
) -> ResponseHeadersCatalog {
    let mut all = managed_response_headers_policies();
    for (i, p) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("response_headers_policies").index(i);
        let Some(policy) = policy(c, p, &at) else {
            continue;
        };
        if all.iter().any(|x| x.name == policy.name) {
            c.error(
                &at.key("name"),
                format!(
                    "a response headers policy named `{}` already exists (managed policies included)",
                    policy.name
                ),
            );
        }
        all.push(policy);
    }
    ResponseHeadersCatalog(all)
}

fn policy(
    c: &mut Checker,
    p: RawResponseHeadersPolicy,
    at: &KeyPath,
) -> Option<ResponseHeadersPolicy> {
    let name = c.required(p.name, at, "name")?;
    let cors = p.cors.map(|raw| cors(c, raw, &at.key("cors")));
    let security_headers = p
        .security_headers
        .map(|raw| security(c, raw, &at.key("security_headers")))
        .unwrap_or_default();
    let mut custom_headers: Vec<(String, PolicyHeader)> = Vec::new();
    for (i, h) in p.custom_headers.into_iter().enumerate() {
        let at = at.key("custom_headers").index(i);
        let (Some(header), Some(value)) = (
            c.required(h.header, &at, "header"),
            c.required(h.value, &at, "value"),
        ) else {
            continue;
        };
        check_header_name(c, &header, &at.key("header"));
        let lower = header.to_ascii_lowercase();
        if custom_headers.iter().any(|(n, _)| *n == lower) {
            c.error(&at.key("header"), format!("`{header}` is listed twice"));
        }
        if security_headers.headers().any(|(n, _)| n == lower) {
            c.error_hint(
                &at.key("header"),
                format!("`{header}` is a security header"),
                "set it under `security_headers`",
            );
        }
        custom_headers.push((
            lower,
            PolicyHeader {
                value,
                override_origin: h.override_origin.unwrap_or(false),
            },
        ));
    }
    let mut remove_headers = Vec::new();
    for (i, h) in p.remove_headers.into_iter().enumerate() {
        let at = at.key("remove_headers").index(i);
        check_header_name(c, &h, &at);
        let lower = h.to_ascii_lowercase();
        if never_removable(&lower) {
            c.error(
                &at,
                format!("CloudFront does not let a policy remove `{h}`"),
            );
        }
        if custom_headers.iter().any(|(n, _)| *n == lower) {
            c.error(&at, format!("`{h}` is both added and removed"));
        }
        remove_headers.push(lower);
    }
    let server_timing_sampling_rate = p.server_timing.and_then(|st| {
        let at = at.key("server_timing");
        let rate = st.sampling_rate.unwrap_or(0.0);
        if !(0.0..=100.0).contains(&rate) {
            c.error(
                &at.key("sampling_rate"),
                format!("{rate} is out of range: expected a percentage from 0 to 100"),
            );
        }
        match st.enabled {
            Some(true) => Some(rate),
            Some(false) => None,
            None => {
                c.error(&at, "missing required key `enabled`");
                None
            }
        }
    });
    Some(ResponseHeadersPolicy {
        name,
        cors,
        security_headers,
        custom_headers,
        remove_headers,
        server_timing_sampling_rate,
    })
}

fn cors(c: &mut Checker, raw: RawCors, at: &KeyPath) -> CorsConfig {
    let allow_origins = c
        .required(
            raw.access_control_allow_origins,
            at,
            "access_control_allow_origins",
        )
        .unwrap_or_default();
    let allow_credentials = c
        .required(
            raw.access_control_allow_credentials,
            at,
            "access_control_allow_credentials",
        )
        .unwrap_or(false);
    let origin_override = c
        .required(raw.origin_override, at, "origin_override")
        .unwrap_or(false);
    for (i, o) in allow_origins.iter().enumerate() {
        let ok = o == "*" || o.contains("://") || o.starts_with("*.");
        if !ok {
            c.error_hint(
                &at.key("access_control_allow_origins").index(i),
                format!("`{o}` is not an origin"),
                "write `*`, or a scheme and host like `https://example.com`",
            );
        }
    }
    if allow_credentials && allow_origins.iter().any(|o| o == "*") {
        c.error(
            &at.key("access_control_allow_origins"),
            "`*` cannot be used with `access_control_allow_credentials = true` (browsers refuse it)",
        );
    }
    let mut allow_methods: Vec<String> = Vec::new();
    for (i, m) in raw
        .access_control_allow_methods
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let upper = m.to_ascii_uppercase();
        if !CORS_METHODS.contains(&upper.as_str()) {
            c.error(
                &at.key("access_control_allow_methods").index(i),
                format!(
                    "unknown method `{m}`: expected one of {}",
                    quoted(CORS_METHODS)
                ),
            );
        } else if upper == "ALL" {
            allow_methods = ALL_METHODS.iter().map(|m| (*m).to_owned()).collect();
        } else if !allow_methods.contains(&upper) {
            allow_methods.push(upper);
        }
    }
    let max_age_sec = raw.access_control_max_age_sec.map(|v| {
        c.ranged(
            Some(v),
            &at.key("access_control_max_age_sec"),
            0,
            i64::from(u32::MAX),
            0,
        ) as u32
    });
    CorsConfig {
        allow_origins,
        allow_headers: raw.access_control_allow_headers.unwrap_or_default(),
        allow_methods,
        allow_credentials,
        expose_headers: raw.access_control_expose_headers.unwrap_or_default(),
        max_age_sec,
        origin_override,
    }
}

fn security(c: &mut Checker, raw: RawSecurityHeaders, at: &KeyPath) -> SecurityHeaders {
    let override_of = |c: &mut Checker, v: Option<bool>, at: &KeyPath| {
        c.required(v, at, "override").unwrap_or(false)
    };
    let strict_transport_security = raw.strict_transport_security.map(|h| {
        let at = at.key("strict_transport_security");
        let max_age = c
            .required(
                h.access_control_max_age_sec,
                &at,
                "access_control_max_age_sec",
            )
            .map_or(0, |v| {
                c.ranged(
                    Some(v),
                    &at.key("access_control_max_age_sec"),
                    0,
                    i64::from(u32::MAX),
                    0,
                )
            });
        let mut value = format!("max-age={max_age}");
        if h.include_subdomains.unwrap_or(false) {
            value.push_str("; includeSubDomains");
        }
        if h.preload.unwrap_or(false) {
            value.push_str("; preload");
        }
        PolicyHeader {
            value,
            override_origin: override_of(c, h.override_origin, &at),
        }
    });
    let valued = |c: &mut Checker,
                  h: Option<crate::raw_policies::RawValueHeader>,
                  key: &str,
                  choices: Option<&[&str]>| {
        let h = h?;
        let at = at.key(key);
        let value = c.required(h.value, &at, "value")?;
        if let Some(choices) = choices {
            if !choices.contains(&value.as_str()) {
                let message = format!(
                    "unknown value `{value}`: expected one of {}",
                    quoted(choices)
                );
                match did_you_mean(&value, choices.iter().copied()) {
                    Some(hint) => c.error_hint(&at.key("value"), message, hint),
                    None => c.error(&at.key("value"), message),
                }
            }
        }
        if value.is_empty() || value.chars().count() > 1783 {
            c.error(&at.key("value"), "expected 1 to 1,783 characters");
        }
        Some(PolicyHeader {
            value,
            override_origin: override_of(c, h.override_origin, &at),
        })
    };
    let content_security_policy = valued(
        c,
        raw.content_security_policy,
        "content_security_policy",
        None,
    );
    let frame_options = valued(
        c,
        raw.frame_options,
        "frame_options",
        Some(&["DENY", "SAMEORIGIN"]),
    );
    let referrer_policy = valued(
        c,
        raw.referrer_policy,
        "referrer_policy",
        Some(REFERRER_POLICIES),
    );
    let content_type_options = raw.content_type_options.map(|h| PolicyHeader {
        value: "nosniff".to_owned(),
        override_origin: override_of(c, h.override_origin, &at.key("content_type_options")),
    });
    let xss_protection = raw.xss_protection.map(|h| {
        let at = at.key("xss_protection");
        let protection = c.required(h.protection, &at, "protection").unwrap_or(false);
        let mode_block = h.mode_block.unwrap_or(false);
        // CloudFront's rules: no mode or report without protection; block and report exclude
        // each other.
        if !protection && (mode_block || h.report_uri.is_some()) {
            c.error(
                &at,
                "`mode_block` and `report_uri` need `protection = true`",
            );
        }
        if mode_block && h.report_uri.is_some() {
            c.error(&at, "`mode_block` and `report_uri` cannot both be set");
        }
        let mut value = if protection {
            "1".to_owned()
        } else {
            "0".to_owned()
        };
        if protection && mode_block {
            value.push_str("; mode=block");
        }
        if let (true, Some(uri)) = (protection, &h.report_uri) {
            value.push_str(&format!("; report={uri}"));
        }
        PolicyHeader {
            value,
            override_origin: override_of(c, h.override_origin, &at),
        }
    });
    SecurityHeaders {
        strict_transport_security,
        content_security_policy,
        content_type_options,
        frame_options,
        referrer_policy,
        xss_protection,
    }
}

/// A header name as HTTP allows it (RFC 9110 §5.1 token characters).
fn check_header_name(c: &mut Checker, name: &str, at: &KeyPath) {
    let token = |ch: char| ch.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(ch);
    if name.is_empty() || !name.chars().all(token) {
        c.error(at, format!("`{name}` is not a valid header name"));
    }
}
