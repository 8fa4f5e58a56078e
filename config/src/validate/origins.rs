//! `[[distributions.origins]]` and `[[distributions.origin_groups]]` (spec/distribution.md §3–4).

use std::time::Duration;

use super::{quoted, Checker};
use crate::error::KeyPath;
use crate::model::{
    ConnectionSettings, CustomOrigin, Origin, OriginGroup, OriginHostHeader, OriginHttpVersion,
    OriginKind, OriginProtocolPolicy, S3Origin,
};
use crate::raw::{RawOrigin, RawOriginGroup};

/// Header names an origin custom header may not use (spec/distribution.md §3).
const FORBIDDEN_CUSTOM_HEADERS: &[&str] = &[
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "pragma",
    "proxy-authorization",
    "proxy-connection",
    "range",
    "request-range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "x-real-ip",
];

/// Statuses CloudFront can fail over on (spec/distribution.md §4).
const FAILOVER_STATUSES: &[i64] = &[400, 403, 404, 416, 500, 502, 503, 504];

pub(super) fn convert(c: &mut Checker, raw: Vec<RawOrigin>, at: &KeyPath) -> Vec<Origin> {
    let mut origins: Vec<Origin> = Vec::new();
    for (i, o) in raw.into_iter().enumerate() {
        let at = at.index(i);
        let Some(origin) = origin(c, o, &at) else {
            continue;
        };
        if origins.iter().any(|x| x.id == origin.id) {
            c.error(
                &at.key("id"),
                format!("duplicate origin id `{}`", origin.id),
            );
        }
        origins.push(origin);
    }
    origins
}

/// A custom origin's `domain_name` is a host name or an IP address, nothing more: CloudFront takes
/// the scheme from the protocol policy, the port from `http_port`/`https_port` and a path from
/// `origin_path`. (CloudFront refuses IP addresses; localfront accepts them, since local origins
/// listen on `127.0.0.1`.)
fn check_domain_name(c: &mut Checker, domain: &str, at: &KeyPath) {
    if domain.is_empty() {
        c.error(at, "empty domain name");
    } else if let Some((scheme, _)) = domain.split_once("://") {
        c.error_hint(
            at,
            format!("`{domain}` is a URL, not a domain name"),
            format!("write the host alone; the scheme `{scheme}` comes from `protocol_policy`, a path from `origin_path`, a port from `http_port`/`https_port`"),
        );
    } else if domain.parse::<std::net::IpAddr>().is_err() && !is_host_name(domain) {
        let hint = match domain.find([':', '/']) {
            Some(_) => "no port or path here: use `http_port`/`https_port` and `origin_path`",
            None => "labels of letters, digits and `-`, separated by dots (e.g. `app.example.com`, `localhost`, `127.0.0.1`)",
        };
        c.error_hint(at, format!("`{domain}` is not a valid domain name"), hint);
    }
}

/// At most 253 characters of dot-separated labels (1–63 letters, digits, `-` inside, `_`).
fn is_host_name(domain: &str) -> bool {
    domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn origin(c: &mut Checker, o: RawOrigin, at: &KeyPath) -> Option<Origin> {
    let id = c.required(o.id, at, "id")?;
    let kinds = [
        o.domain_name.is_some(),
        o.s3.is_some(),
        o.echo == Some(true),
        o.api.is_some(),
    ];
    let kind = match kinds {
        [true, false, false, false] => {
            let protocol_policy = c.choice(
                o.protocol_policy.as_deref(),
                &at.key("protocol_policy"),
                &[
                    ("http-only", OriginProtocolPolicy::HttpOnly),
                    ("https-only", OriginProtocolPolicy::HttpsOnly),
                    ("match-viewer", OriginProtocolPolicy::MatchViewer),
                ],
                OriginProtocolPolicy::HttpOnly,
            );
            let domain_name = o.domain_name.unwrap_or_default();
            check_domain_name(c, &domain_name, &at.key("domain_name"));
            OriginKind::Custom(CustomOrigin {
                domain_name,
                http_port: port(c, o.http_port, &at.key("http_port"), 80),
                https_port: port(c, o.https_port, &at.key("https_port"), 443),
                protocol_policy,
                tls_verify: o.tls_verify.unwrap_or(true),
            })
        }
        [false, true, false, false] => {
            let s3 = o.s3.unwrap_or_default();
            let s3_at = at.key("s3");
            let directory = c
                .required(s3.directory, &s3_at, "directory")
                .map(|d| c.path(&d));
            if let Some(dir) = &directory {
                if !dir.is_dir() {
                    c.error(
                        &s3_at.key("directory"),
                        format!("`{}` is not a directory", dir.display()),
                    );
                }
            }
            OriginKind::S3(S3Origin {
                directory: directory.unwrap_or_default(),
                index_document: s3.index_document,
                list_bucket: s3.list_bucket.unwrap_or(false),
            })
        }
        [false, false, true, false] => OriginKind::Echo,
        // The API is checked against `[[apis]]` by validate/apis.rs.
        [false, false, false, true] => OriginKind::Api(o.api.unwrap_or_default()),
        _ => {
            c.error_hint(
                at,
                format!("origin `{id}` needs exactly one of `domain_name` (custom origin), `s3 = {{ … }}`, `echo = true` or `api = \"name\"`"),
                "a custom origin sets `domain_name`; an S3-style origin sets `s3 = { directory = \"./public\" }`",
            );
            // Keep the id (the config is rejected anyway) so references to it are not also
            // reported as unknown.
            return Some(Origin {
                id,
                kind: OriginKind::Echo,
                origin_path: String::new(),
                custom_headers: Vec::new(),
                connection: ConnectionSettings::default(),
                http_version: OriginHttpVersion::default(),
                host_header: OriginHostHeader::default(),
            });
        }
    };
    if !matches!(kind, OriginKind::Custom(_)) {
        for (key, set) in [
            ("http_port", o.http_port.is_some()),
            ("https_port", o.https_port.is_some()),
            ("protocol_policy", o.protocol_policy.is_some()),
            ("tls_verify", o.tls_verify.is_some()),
            ("http_version", o.http_version.is_some()),
            ("origin_host_header", o.origin_host_header.is_some()),
        ] {
            if set {
                c.error(
                    &at.key(key),
                    format!("`{key}` applies only to custom origins (with `domain_name`)"),
                );
            }
        }
    }
    let origin_path = o.origin_path.unwrap_or_default();
    // CloudFront: the origin path starts with `/` and does not end with one (spec/distribution.md §3).
    if !origin_path.is_empty() && (!origin_path.starts_with('/') || origin_path.ends_with('/')) {
        c.error_hint(
            &at.key("origin_path"),
            format!("`{origin_path}` must start with `/` and not end with `/`"),
            format!("write `/{}`", origin_path.trim_matches('/')),
        );
    }
    let custom_headers = custom_headers(c, o.custom_headers, &at.key("custom_headers"));
    let connection = ConnectionSettings {
        connection_timeout: secs(c.ranged(
            o.connection_timeout,
            &at.key("connection_timeout"),
            1,
            10,
            10,
        )),
        connection_attempts: c.ranged(
            o.connection_attempts,
            &at.key("connection_attempts"),
            1,
            3,
            3,
        ) as u8,
        read_timeout: secs(c.ranged(o.read_timeout, &at.key("read_timeout"), 1, 60, 30)),
        keepalive_timeout: secs(c.ranged(
            o.keepalive_timeout,
            &at.key("keepalive_timeout"),
            1,
            60,
            5,
        )),
    };
    let (http_version, host_header) = protocol(c, &o.http_version, &o.origin_host_header, at);
    Some(Origin {
        id,
        kind,
        origin_path,
        custom_headers,
        connection,
        http_version,
        host_header,
    })
}

/// `http_version` and `origin_host_header` of a custom origin.
fn protocol(
    c: &mut Checker,
    http_version: &Option<String>,
    host_header: &Option<String>,
    at: &KeyPath,
) -> (OriginHttpVersion, OriginHostHeader) {
    let version = c.choice(
        http_version.as_deref(),
        &at.key("http_version"),
        &[
            ("http1.1", OriginHttpVersion::Http1_1),
            ("http2", OriginHttpVersion::Http2),
        ],
        OriginHttpVersion::Http1_1,
    );
    let host = c.choice(
        host_header.as_deref(),
        &at.key("origin_host_header"),
        &[
            ("origin", OriginHostHeader::Origin),
            ("viewer", OriginHostHeader::Viewer),
        ],
        OriginHostHeader::Origin,
    );
    (version, host)
}

fn secs(n: i64) -> Duration {
    Duration::from_secs(n as u64)
}

/// CloudFront allows 80, 443 and 1024–65535 (spec/distribution.md §3).
fn port(c: &mut Checker, value: Option<i64>, at: &KeyPath, default: u16) -> u16 {
    match value {
        None => default,
        Some(p @ (80 | 443 | 1024..=65535)) => p as u16,
        Some(p) => {
            c.error(
                at,
                format!("port {p} is not allowed: expected 80, 443 or 1024 to 65535"),
            );
            default
        }
    }
}

/// ≤ 10 headers, name ≤ 256, value ≤ 1,783, total ≤ 10,240 characters, no forbidden names.
fn custom_headers(
    c: &mut Checker,
    raw: std::collections::BTreeMap<String, String>,
    at: &KeyPath,
) -> Vec<(String, String)> {
    if raw.len() > 10 {
        c.error(
            at,
            format!("{} custom headers: at most 10 are allowed", raw.len()),
        );
    }
    let mut total = 0;
    for (name, value) in &raw {
        let lower = name.to_ascii_lowercase();
        total += name.len() + value.len();
        if FORBIDDEN_CUSTOM_HEADERS.contains(&lower.as_str())
            || lower.starts_with("x-amz-")
            || lower.starts_with("x-edge-")
        {
            c.error(
                &at.key(name),
                format!("`{name}` cannot be an origin custom header"),
            );
        } else if name.is_empty() || name.len() > 256 || !name.bytes().all(is_token_byte) {
            c.error(
                &at.key(name),
                format!("`{name}` is not a valid header name (1–256 token characters)"),
            );
        }
        if value.len() > 1783 || value.bytes().any(|b| b < 0x20 && b != b'\t') {
            c.error(
                &at.key(name),
                "header value must be at most 1,783 characters without control characters",
            );
        }
    }
    if total > 10_240 {
        c.error(
            at,
            format!("custom headers total {total} characters: at most 10,240 are allowed"),
        );
    }
    raw.into_iter().collect()
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(super) fn convert_groups(
    c: &mut Checker,
    raw: Vec<RawOriginGroup>,
    origins: &[Origin],
    at: &KeyPath,
) -> Vec<OriginGroup> {
    let mut groups: Vec<OriginGroup> = Vec::new();
    for (i, g) in raw.into_iter().enumerate() {
        let at = at.index(i);
        let Some(id) = c.required(g.id, &at, "id") else {
            continue;
        };
        if origins.iter().any(|o| o.id == id) || groups.iter().any(|x| x.id == id) {
            c.error(
                &at.key("id"),
                format!("duplicate id `{id}`: origin and group ids share one namespace"),
            );
        }
        if g.members.len() != 2 {
            c.error(
                &at.key("members"),
                format!(
                    "{} members: an origin group has exactly 2 (primary, secondary)",
                    g.members.len()
                ),
            );
        }
        for (j, m) in g.members.iter().enumerate() {
            if origins.iter().all(|o| &o.id != m) {
                let hint = crate::error::did_you_mean(m, origins.iter().map(|o| o.id.as_str()));
                let message = format!("unknown origin id `{m}`");
                match hint {
                    Some(h) => c.error_hint(&at.key("members").index(j), message, h),
                    None => c.error(&at.key("members").index(j), message),
                }
            }
        }
        if g.members.len() == 2 && g.members[0] == g.members[1] {
            c.error(
                &at.key("members"),
                "primary and secondary must be different origins",
            );
        }
        if g.failover_status_codes.is_empty() {
            c.error(&at, "missing required key `failover_status_codes`");
        }
        for (j, code) in g.failover_status_codes.iter().enumerate() {
            if !FAILOVER_STATUSES.contains(code) {
                let allowed: Vec<String> = FAILOVER_STATUSES.iter().map(i64::to_string).collect();
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                c.error(
                    &at.key("failover_status_codes").index(j),
                    format!(
                        "{code} cannot trigger failover: expected one of {}",
                        quoted(&allowed)
                    ),
                );
            }
        }
        let mut members = g.members.into_iter();
        groups.push(OriginGroup {
            id,
            primary: members.next().unwrap_or_default(),
            secondary: members.next().unwrap_or_default(),
            failover_status_codes: g.failover_status_codes.iter().map(|&s| s as u16).collect(),
        });
    }
    groups
}
