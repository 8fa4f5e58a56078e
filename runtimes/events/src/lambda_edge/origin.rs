//! `request.origin` on origin events: a custom (HTTP) origin or an S3 origin, and the rules a
//! value set by an origin-request handler must follow (spec/lambda-edge.md §1).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::error::ValidationError;
use super::headers::{is_disallowed, Headers};

/// `request.origin`: exactly one of `custom` / `s3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// An HTTP(S) origin.
    Custom(CustomOrigin),
    /// An S3 origin; localfront serves it from its S3-style origin without request signing.
    S3(S3Origin),
}

/// `origin.custom`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomOrigin {
    /// Headers added toward this origin.
    #[serde(default)]
    pub custom_headers: Headers,
    /// Host name, ≤ 253 characters, not an IP address.
    pub domain_name: String,
    /// 1–60 s.
    pub keepalive_timeout: u64,
    /// `/`-prefixed, no trailing `/`, ≤ 255 characters, URL-encoded; `""` = none.
    #[serde(default)]
    pub path: String,
    /// 80, 443 or 1024–65535.
    pub port: u64,
    /// `http` or `https`.
    pub protocol: String,
    /// 4–60 s.
    pub read_timeout: u64,
    /// From `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`.
    #[serde(default)]
    pub ssl_protocols: Vec<String>,
}

/// `origin.s3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Origin {
    /// `origin-access-identity` or `none` (origin access control cannot be expressed).
    pub auth_method: String,
    /// Headers added toward this origin.
    #[serde(default)]
    pub custom_headers: Headers,
    /// The bucket's domain name, ≤ 128 characters, lowercase.
    pub domain_name: String,
    /// As for a custom origin.
    #[serde(default)]
    pub path: String,
    /// The bucket's region; required with an origin access identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Checks an origin an origin-request handler set. `request_headers` are the request's headers:
/// a custom header must not also be one of them.
pub(crate) fn validate_origin(
    origin: &Origin,
    request_headers: &Headers,
) -> Result<(), ValidationError> {
    match origin {
        Origin::Custom(c) => {
            check_domain(&c.domain_name, "origin.custom.domainName", 253)?;
            check_range(c.keepalive_timeout, 1, 60, "origin.custom.keepaliveTimeout")?;
            check_range(c.read_timeout, 4, 60, "origin.custom.readTimeout")?;
            check_path(&c.path, "origin.custom.path")?;
            if !(c.port == 80 || c.port == 443 || (1024..=65535).contains(&c.port)) {
                return Err(invalid(
                    "origin.custom.port",
                    c.port,
                    "must be 80, 443 or 1024–65535",
                ));
            }
            if c.protocol != "http" && c.protocol != "https" {
                return Err(invalid(
                    "origin.custom.protocol",
                    &c.protocol,
                    "must be `http` or `https`",
                ));
            }
            const SSL: &[&str] = &["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"];
            if let Some(p) = c.ssl_protocols.iter().find(|p| !SSL.contains(&p.as_str())) {
                return Err(invalid(
                    "origin.custom.sslProtocols",
                    p,
                    "must be one of SSLv3, TLSv1, TLSv1.1, TLSv1.2",
                ));
            }
            check_custom_headers(
                &c.custom_headers,
                request_headers,
                "origin.custom.customHeaders",
            )
        }
        Origin::S3(s) => {
            if s.auth_method != "origin-access-identity" && s.auth_method != "none" {
                return Err(invalid(
                    "origin.s3.authMethod",
                    &s.auth_method,
                    "must be `origin-access-identity` or `none`",
                ));
            }
            check_domain(&s.domain_name, "origin.s3.domainName", 128)?;
            if s.domain_name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(invalid(
                    "origin.s3.domainName",
                    &s.domain_name,
                    "must be lowercase",
                ));
            }
            check_path(&s.path, "origin.s3.path")?;
            let region = s.region.as_deref().unwrap_or("");
            if s.auth_method == "origin-access-identity" && region.is_empty() {
                return Err(invalid(
                    "origin.s3.region",
                    region,
                    "is required with authMethod `origin-access-identity`",
                ));
            }
            check_custom_headers(
                &s.custom_headers,
                request_headers,
                "origin.s3.customHeaders",
            )
        }
    }
}

fn invalid(field: &str, value: impl ToString, reason: &'static str) -> ValidationError {
    ValidationError::InvalidOrigin {
        field: field.to_owned(),
        value: value.to_string(),
        reason,
    }
}

fn check_range(value: u64, min: u64, max: u64, field: &str) -> Result<(), ValidationError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else if min == 1 {
        Err(invalid(field, value, "must be from 1 to 60 seconds"))
    } else {
        Err(invalid(field, value, "must be from 4 to 60 seconds"))
    }
}

/// A host name: dot-separated labels of letters, digits and `-`, not an IP address, no port.
fn check_domain(domain: &str, field: &str, max: usize) -> Result<(), ValidationError> {
    if domain.is_empty() || domain.len() > max {
        let reason = if max == 253 {
            "must be 1–253 characters"
        } else {
            "must be 1–128 characters"
        };
        return Err(invalid(field, domain, reason));
    }
    if domain.contains(':') || domain.parse::<Ipv4Addr>().is_ok() {
        return Err(invalid(
            field,
            domain,
            "must be a host name, not an IP address or host:port",
        ));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !domain.split('.').all(label_ok) {
        return Err(invalid(field, domain, "must be a host name"));
    }
    Ok(())
}

/// `""`, or `/`-prefixed without a trailing `/`, ≤ 255 characters, URL-encoded.
fn check_path(path: &str, field: &str) -> Result<(), ValidationError> {
    if path.is_empty() {
        return Ok(());
    }
    if !path.starts_with('/') || path.ends_with('/') {
        return Err(invalid(
            field,
            path,
            "must start with `/` and not end with `/`",
        ));
    }
    if path.len() > 255 {
        return Err(invalid(field, path, "must be at most 255 characters"));
    }
    // RFC 3986 §3.3 path characters; anything else must be percent-encoded.
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(invalid(
                    field,
                    path,
                    "has a `%` not followed by two hex digits",
                ));
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b)) {
            return Err(invalid(field, path, "must be URL-encoded"));
        }
        i += 1;
    }
    Ok(())
}

fn check_custom_headers(
    custom: &Headers,
    request_headers: &Headers,
    field: &str,
) -> Result<(), ValidationError> {
    for (name, _) in custom.iter() {
        if is_disallowed(name) {
            return Err(ValidationError::DisallowedHeader {
                header: name.to_owned(),
            });
        }
        if request_headers.contains(name) {
            return Err(invalid(
                field,
                name,
                "a custom header must not also be a request header",
            ));
        }
    }
    super::validate::check_header_shapes(custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> CustomOrigin {
        CustomOrigin {
            custom_headers: Headers::default(),
            domain_name: "example.org".into(),
            keepalive_timeout: 5,
            path: "".into(),
            port: 443,
            protocol: "https".into(),
            read_timeout: 30,
            ssl_protocols: vec!["TLSv1.2".into()],
        }
    }

    fn check(c: CustomOrigin) -> Result<(), ValidationError> {
        validate_origin(&Origin::Custom(c), &Headers::default())
    }

    #[test]
    fn a_plain_custom_origin_passes() {
        assert_eq!(check(custom()), Ok(()));
    }

    #[test]
    fn custom_origin_rules_name_the_field() {
        let field = |r: Result<(), ValidationError>| match r {
            Err(ValidationError::InvalidOrigin { field, .. }) => field,
            other => panic!("expected InvalidOrigin, got {other:?}"),
        };
        assert_eq!(
            field(check(CustomOrigin {
                port: 8,
                ..custom()
            })),
            "origin.custom.port"
        );
        assert_eq!(
            field(check(CustomOrigin {
                domain_name: "10.0.0.1".into(),
                ..custom()
            })),
            "origin.custom.domainName"
        );
        assert_eq!(
            field(check(CustomOrigin {
                domain_name: "a.org:8080".into(),
                ..custom()
            })),
            "origin.custom.domainName"
        );
        assert_eq!(
            field(check(CustomOrigin {
                read_timeout: 3,
                ..custom()
            })),
            "origin.custom.readTimeout"
        );
        assert_eq!(
            field(check(CustomOrigin {
                keepalive_timeout: 61,
                ..custom()
            })),
            "origin.custom.keepaliveTimeout"
        );
        assert_eq!(
            field(check(CustomOrigin {
                path: "/v1/".into(),
                ..custom()
            })),
            "origin.custom.path"
        );
        assert_eq!(
            field(check(CustomOrigin {
                path: "/a b".into(),
                ..custom()
            })),
            "origin.custom.path"
        );
        assert_eq!(
            field(check(CustomOrigin {
                protocol: "ftp".into(),
                ..custom()
            })),
            "origin.custom.protocol"
        );
        assert_eq!(
            field(check(CustomOrigin {
                ssl_protocols: vec!["TLSv1.3".into()],
                ..custom()
            })),
            "origin.custom.sslProtocols"
        );
    }

    #[test]
    fn s3_needs_a_region_with_an_origin_access_identity() {
        let s3 = S3Origin {
            auth_method: "origin-access-identity".into(),
            custom_headers: Headers::default(),
            domain_name: "bucket.s3.amazonaws.com".into(),
            path: "".into(),
            region: None,
        };
        assert!(validate_origin(&Origin::S3(s3.clone()), &Headers::default()).is_err());
        let ok = S3Origin {
            region: Some("us-east-1".into()),
            ..s3
        };
        assert_eq!(
            validate_origin(&Origin::S3(ok), &Headers::default()),
            Ok(())
        );
    }

    #[test]
    fn custom_headers_must_not_repeat_request_headers() {
        let mut c = custom();
        c.custom_headers.set("X-Token", "t");
        let mut request = Headers::default();
        request.set("x-token", "viewer");
        assert!(validate_origin(&Origin::Custom(c), &request).is_err());
    }
}
