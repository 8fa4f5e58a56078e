//! Private content: a behavior with `trusted_key_groups` serves only requests carrying a valid
//! signed URL or signed cookies (spec/distribution.md §1 step 3, §12). Checked after routing (the
//! behavior decides) and before the viewer-request function; a refusal is CloudFront's 403 with its
//! XML error body, and no function runs.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use localfront_config::PublicKey;
use percent_encoding::percent_decode_str;
use pingora::http::RequestHeader;

use super::viewer_values::cookies;
use super::Generated;
use crate::context::{RequestContext, XCache};
use crate::signed_policy::{self, HashAlgorithm, Policy, SIGNING_PARAMS};

/// Why a signed request is refused: CloudFront's XML error code and message. `MissingKey`,
/// `InvalidKey` and `AccessDenied` are CloudFront's observed answers; `MalformedPolicy` for a
/// policy that does not decode or parse is unconfirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Key-Pair-Id` in the query or cookies.
    MissingKey,
    /// The `Key-Pair-Id` is in none of the trusted key groups.
    InvalidKey,
    /// The policy is not base64 JSON CloudFront understands.
    MalformedPolicy,
    /// Bad or missing signature, expired, not yet valid, wrong resource or viewer address.
    AccessDenied,
}

impl Refusal {
    fn code_and_message(self) -> (&'static str, &'static str) {
        match self {
            Self::MissingKey => (
                "MissingKey",
                "Missing Key-Pair-Id query parameter or cookie value",
            ),
            Self::InvalidKey => ("InvalidKey", "Unknown Key"),
            Self::MalformedPolicy => ("MalformedPolicy", "Malformed Policy"),
            Self::AccessDenied => ("AccessDenied", "Access denied"),
        }
    }

    /// CloudFront's 403 for this refusal.
    pub fn response(self) -> Generated {
        let (code, message) = self.code_and_message();
        Generated {
            status: 403,
            headers: vec![("Content-Type".to_owned(), "text/xml".to_owned())],
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            )
            .into(),
            x_cache: XCache::Error,
        }
    }
}

/// Checks the signature when the matched behavior trusts key groups.
pub fn check(
    ctx: &RequestContext,
    req: &RequestHeader,
    viewer_ip: Option<IpAddr>,
) -> Result<(), Generated> {
    if ctx.internal {
        return Ok(());
    }
    let Some(behavior) = ctx.distribution().map(|d| &d.cache_behaviors[ctx.behavior]) else {
        return Ok(());
    };
    if behavior.trusted_key_groups.is_empty() {
        return Ok(());
    }
    let keys: Vec<&PublicKey> = behavior
        .trusted_key_groups
        .iter()
        .flat_map(|g| &g.public_keys)
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    verify(
        &keys,
        &SignedRequest::of(req, ctx.viewer_https),
        viewer_ip,
        now,
    )
    .map_err(Refusal::response)
}

/// The signed parts of a request, from its query (a signed URL) or else its cookies.
#[derive(Debug, Default)]
struct SignedRequest {
    /// The URL as signed: scheme, host, path and the query without the signing parameters.
    url: String,
    expires: Option<String>,
    policy: Option<String>,
    signature: Option<String>,
    key_pair_id: Option<String>,
    hash_algorithm: Option<String>,
}

impl SignedRequest {
    fn of(req: &RequestHeader, https: bool) -> Self {
        let host = req
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri.authority().map(|a| a.as_str()))
            .unwrap_or("");
        let scheme = if https { "https" } else { "http" };
        let mut signed = SignedRequest::default();
        let mut rest: Vec<&str> = Vec::new();
        for pair in req
            .uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !SIGNING_PARAMS.contains(&name) {
                rest.push(pair);
                continue;
            }
            let value = Some(percent_decode_str(value).decode_utf8_lossy().into_owned());
            match name {
                "Expires" => signed.expires = value,
                "Policy" => signed.policy = value,
                "Signature" => signed.signature = value,
                "Key-Pair-Id" => signed.key_pair_id = value,
                _ => signed.hash_algorithm = value,
            }
        }
        let query = if rest.is_empty() {
            String::new()
        } else {
            format!("?{}", rest.join("&"))
        };
        signed.url = format!("{scheme}://{host}{}{query}", req.uri.path());
        let from_url = signed.signature.is_some()
            || signed.key_pair_id.is_some()
            || signed.expires.is_some()
            || signed.policy.is_some();
        if !from_url {
            let header_values = req
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok());
            for (name, value) in cookies(header_values) {
                let value = Some(value.to_owned());
                match name {
                    "CloudFront-Expires" => signed.expires = value,
                    "CloudFront-Policy" => signed.policy = value,
                    "CloudFront-Signature" => signed.signature = value,
                    "CloudFront-Key-Pair-Id" => signed.key_pair_id = value,
                    "CloudFront-Hash-Algorithm" => signed.hash_algorithm = value,
                    _ => {}
                }
            }
        }
        signed
    }
}

/// Verifies a signed request against the trusted keys at `now` (epoch seconds).
fn verify(
    keys: &[&PublicKey],
    signed: &SignedRequest,
    viewer_ip: Option<IpAddr>,
    now: u64,
) -> Result<(), Refusal> {
    let id = signed.key_pair_id.as_deref().ok_or(Refusal::MissingKey)?;
    let key = keys
        .iter()
        .find(|k| k.id == id)
        .ok_or(Refusal::InvalidKey)?;
    let hash = match signed.hash_algorithm.as_deref() {
        None => HashAlgorithm::Sha1,
        Some(h) => HashAlgorithm::parse(h).ok_or(Refusal::AccessDenied)?,
    };
    let signature = signed
        .signature
        .as_deref()
        .and_then(signed_policy::decode)
        .ok_or(Refusal::AccessDenied)?;
    // A custom policy travels with the request; a canned one is rebuilt from the URL, so a query
    // parameter added after signing changes it and the signature fails.
    let (text, policy) = match (&signed.policy, &signed.expires) {
        (Some(encoded), _) => {
            let text = signed_policy::decode(encoded).ok_or(Refusal::MalformedPolicy)?;
            let policy = Policy::parse(&text).map_err(|_| Refusal::MalformedPolicy)?;
            (text, policy)
        }
        (None, Some(expires)) => {
            let expires: u64 = expires.parse().map_err(|_| Refusal::AccessDenied)?;
            let text = signed_policy::canned_policy(&signed.url, expires).into_bytes();
            let policy = Policy::parse(&text).map_err(|_| Refusal::MalformedPolicy)?;
            (text, policy)
        }
        (None, None) => return Err(Refusal::AccessDenied),
    };
    if !signed_policy::verify(&key.key, &text, &signature, hash) {
        return Err(Refusal::AccessDenied);
    }
    if !policy.allows(&signed.url, viewer_ip, now) {
        return Err(Refusal::AccessDenied);
    }
    Ok(())
}
