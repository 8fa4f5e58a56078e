//! CloudFront's signed policies (spec/distribution.md §12): the canned policy text, custom policy
//! parsing, CloudFront's URL-safe base64 and the RSA signatures. Shared by the private-content
//! check (`stages/private_content.rs`) and `localfront sign-url` / `sign-cookies` (`sign.rs`).

use std::net::IpAddr;

use base64::Engine;
use ipnet::IpNet;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// The query parameters a signed URL adds, which are not part of the signed resource.
pub const SIGNING_PARAMS: &[&str] = &[
    "Expires",
    "Policy",
    "Signature",
    "Key-Pair-Id",
    "Hash-Algorithm",
];

/// The digest signed with the key. CloudFront's RSA signatures are SHA-1 (spec/distribution.md
/// §12); AWS's signed-URL pages also document `Hash-Algorithm=SHA256`, which is not in the spec
/// and so unconfirmed here: localfront accepts it on URLs and as the `CloudFront-Hash-Algorithm`
/// cookie (the cookie name follows the other cookies; unconfirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// RSA-SHA1, the default.
    Sha1,
    /// RSA-SHA256.
    Sha256,
}

impl HashAlgorithm {
    /// `SHA1` or `SHA256` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            _ => None,
        }
    }

    /// The parameter value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    fn scheme_and_digest(self, policy: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
        match self {
            Self::Sha1 => (Pkcs1v15Sign::new::<Sha1>(), Sha1::digest(policy).to_vec()),
            Self::Sha256 => (
                Pkcs1v15Sign::new::<Sha256>(),
                Sha256::digest(policy).to_vec(),
            ),
        }
    }
}

/// CloudFront's URL-safe base64: standard base64 with `+` → `-`, `=` → `_`, `/` → `~`.
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

/// The inverse of [`encode`]; `None` when it is not base64.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let standard: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(standard)
        .ok()
}

/// The canned policy CloudFront signs for `resource` expiring at `expires` (epoch seconds), byte
/// for byte (spec/distribution.md §12).
pub fn canned_policy(resource: &str, expires: u64) -> String {
    format!(
        r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    )
}

/// A custom policy's text, as `sign-url` writes it.
pub fn custom_policy(
    resource: &str,
    expires: u64,
    not_before: Option<u64>,
    source_ip: Option<&str>,
) -> String {
    let mut condition = format!(r#""DateLessThan":{{"AWS:EpochTime":{expires}}}"#);
    if let Some(t) = not_before {
        condition.push_str(&format!(r#","DateGreaterThan":{{"AWS:EpochTime":{t}}}"#));
    }
    if let Some(ip) = source_ip {
        condition.push_str(&format!(r#","IpAddress":{{"AWS:SourceIp":"{ip}"}}"#));
    }
    format!(r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{{condition}}}}}]}}"#)
}

/// A policy's statement, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The URL pattern (`*` any characters, `?` one); `None` matches any URL.
    pub resource: Option<String>,
    /// Not valid at or after this time (epoch seconds).
    pub date_less_than: u64,
    /// Not valid before this time.
    pub date_greater_than: Option<u64>,
    /// Only viewers in this range.
    pub source_ip: Option<IpNet>,
}

impl Policy {
    /// Parses CloudFront's policy JSON: one statement, `DateLessThan` required.
    pub fn parse(json: &[u8]) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
        let statements = v
            .get("Statement")
            .and_then(|s| s.as_array())
            .ok_or("no `Statement` array")?;
        let [statement] = statements.as_slice() else {
            return Err("a policy has exactly one statement".into());
        };
        let resource = match statement.get("Resource") {
            None => None,
            Some(r) => Some(r.as_str().ok_or("`Resource` is not a string")?.to_owned()),
        };
        let condition = statement.get("Condition").ok_or("no `Condition`")?;
        let epoch = |name: &str| -> Result<Option<u64>, String> {
            match condition.get(name) {
                None => Ok(None),
                Some(c) => c
                    .get("AWS:EpochTime")
                    .and_then(serde_json::Value::as_u64)
                    .map(Some)
                    .ok_or_else(|| format!("`{name}` needs an integer `AWS:EpochTime`")),
            }
        };
        let date_less_than = epoch("DateLessThan")?.ok_or("no `DateLessThan`")?;
        let date_greater_than = epoch("DateGreaterThan")?;
        let source_ip = match condition.get("IpAddress") {
            None => None,
            Some(ip) => {
                let s = ip
                    .get("AWS:SourceIp")
                    .and_then(|s| s.as_str())
                    .ok_or("`IpAddress` needs a string `AWS:SourceIp`")?;
                Some(parse_range(s).ok_or_else(|| format!("`{s}` is not an IP range"))?)
            }
        };
        Ok(Self {
            resource,
            date_less_than,
            date_greater_than,
            source_ip,
        })
    }

    /// Whether the policy allows `url` from `ip` at `now` (epoch seconds).
    pub fn allows(&self, url: &str, ip: Option<IpAddr>, now: u64) -> bool {
        let resource_ok = self
            .resource
            .as_deref()
            .is_none_or(|r| wildmatch::WildMatch::new(r).matches(url));
        let ip_ok = match (self.source_ip, ip) {
            (None, _) => true,
            (Some(range), Some(ip)) => range.contains(&ip),
            (Some(_), None) => false,
        };
        resource_ok
            && ip_ok
            && now < self.date_less_than
            && self.date_greater_than.is_none_or(|t| now >= t)
    }
}

/// `192.0.2.0/24`, or a single address.
pub fn parse_range(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Signs `policy` with `key`.
pub fn sign(key: &RsaPrivateKey, policy: &[u8], hash: HashAlgorithm) -> Result<Vec<u8>, String> {
    let (scheme, digest) = hash.scheme_and_digest(policy);
    // Deterministic PKCS#1 v1.5 signing, run once on the user's machine by the CLI.
    key.sign(scheme, &digest).map_err(|e| e.to_string())
}

/// Whether `signature` is `key`'s signature of `policy`.
pub fn verify(key: &RsaPublicKey, policy: &[u8], signature: &[u8], hash: HashAlgorithm) -> bool {
    let (scheme, digest) = hash.scheme_and_digest(policy);
    key.verify(scheme, &digest, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_safe_base64_round_trips_with_cloudfronts_alphabet() {
        let bytes = [0xfb, 0xff, 0xfe, 0x01];
        let text = encode(&bytes);
        assert_eq!(text, "-~~-AQ__");
        assert_eq!(decode(&text).unwrap(), bytes);
        assert_eq!(decode("!!"), None);
    }

    #[test]
    fn canned_policy_is_cloudfronts_text() {
        assert_eq!(
            canned_policy("https://d111111abcdef8.cloudfront.net/a.jpg", 1357034400),
            r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/a.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}"#
        );
    }

    #[test]
    fn custom_policies_parse_and_apply_their_conditions() {
        let text = custom_policy("http://x.test/a/*", 200, Some(100), Some("10.0.0.0/8"));
        let p = Policy::parse(text.as_bytes()).unwrap();
        let ip = |s: &str| Some(s.parse().unwrap());
        assert!(p.allows("http://x.test/a/b?c=1", ip("10.1.2.3"), 150));
        assert!(!p.allows("http://x.test/b", ip("10.1.2.3"), 150));
        assert!(!p.allows("http://x.test/a/b", ip("192.0.2.1"), 150));
        assert!(!p.allows("http://x.test/a/b", ip("10.1.2.3"), 99));
        assert!(!p.allows("http://x.test/a/b", ip("10.1.2.3"), 200));
        assert!(Policy::parse(br#"{"Statement":[{"Condition":{}}]}"#).is_err());
        assert!(Policy::parse(b"nope").is_err());
    }
}
