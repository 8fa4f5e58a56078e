//! `localfront sign-url` and `localfront sign-cookies`: signed URLs and signed cookies made with a
//! private key, as AWS's SDK signers make them (spec/distribution.md §12), so a private-content
//! flow can be tested end to end.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;

use crate::signed_policy::{self, HashAlgorithm};

/// What to sign with and for how long.
#[derive(clap::Args)]
pub struct SigningArgs {
    /// The public key's id in the key group (`Key-Pair-Id`).
    #[arg(long)]
    key_pair_id: String,
    /// The private key (PEM, PKCS#8 or PKCS#1).
    #[arg(long)]
    private_key: PathBuf,
    /// Expiry time, in seconds since the epoch.
    #[arg(long, conflicts_with = "expires_in")]
    expires: Option<u64>,
    /// Expiry, in seconds from now (default 3600).
    #[arg(long)]
    expires_in: Option<u64>,
    /// Custom policy: not valid before this time (seconds since the epoch).
    #[arg(long)]
    not_before: Option<u64>,
    /// Custom policy: only viewers in this range (`192.0.2.0/24`).
    #[arg(long)]
    ip_address: Option<String>,
    /// Custom policy: the URLs it covers (`*` any characters, `?` one); default: the URL.
    #[arg(long)]
    resource: Option<String>,
    /// Custom policy: sign this policy JSON file as it is (the other policy options are ignored).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// `SHA1` (CloudFront's default) or `SHA256`.
    #[arg(long, default_value = "SHA1")]
    hash_algorithm: String,
}

/// The signed parts: a canned policy's expiry or a custom policy, the signature and the key id.
struct Signed {
    expires: Option<u64>,
    policy: Option<String>,
    signature: String,
    key_pair_id: String,
    hash: HashAlgorithm,
}

impl SigningArgs {
    /// Signs for `url` (canned when only an expiry is given and `url` is set), or a custom policy.
    fn sign(&self, url: Option<&str>) -> Result<Signed, String> {
        let hash = HashAlgorithm::parse(&self.hash_algorithm).ok_or_else(|| {
            format!(
                "--hash-algorithm `{}`: expected SHA1 or SHA256",
                self.hash_algorithm
            )
        })?;
        let key = private_key(&self.private_key)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let expires = self
            .expires
            .unwrap_or_else(|| now + self.expires_in.unwrap_or(3600));
        let custom = self.policy.is_some()
            || self.not_before.is_some()
            || self.ip_address.is_some()
            || self.resource.as_deref().is_some_and(|r| Some(r) != url);
        let (text, canned_expires) = match (&self.policy, url) {
            (Some(file), _) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                signed_policy::Policy::parse(text.as_bytes())
                    .map_err(|e| format!("{}: not a CloudFront policy: {e}", file.display()))?;
                (text, None)
            }
            (None, Some(url)) if !custom => {
                (signed_policy::canned_policy(url, expires), Some(expires))
            }
            (None, url) => {
                let resource = self
                    .resource
                    .as_deref()
                    .or(url)
                    .ok_or("name what to sign: a URL, or --resource for a custom policy")?;
                if let Some(ip) = &self.ip_address {
                    signed_policy::parse_range(ip)
                        .ok_or_else(|| format!("--ip-address `{ip}` is not an IP range"))?;
                }
                let text = signed_policy::custom_policy(
                    resource,
                    expires,
                    self.not_before,
                    self.ip_address.as_deref(),
                );
                (text, None)
            }
        };
        let signature = signed_policy::sign(&key, text.as_bytes(), hash)?;
        Ok(Signed {
            expires: canned_expires,
            policy: canned_expires
                .is_none()
                .then(|| signed_policy::encode(text.as_bytes())),
            signature: signed_policy::encode(&signature),
            key_pair_id: self.key_pair_id.clone(),
            hash,
        })
    }
}

/// `url` with `Expires` or `Policy`, `Signature` and `Key-Pair-Id` appended (and
/// `Hash-Algorithm=SHA256` when that was asked for).
pub fn sign_url(url: &str, args: &SigningArgs) -> Result<String, String> {
    let signed = args.sign(Some(url))?;
    let mut params: Vec<(&str, String)> = Vec::new();
    if let Some(expires) = signed.expires {
        params.push(("Expires", expires.to_string()));
    }
    if let Some(policy) = signed.policy {
        params.push(("Policy", policy));
    }
    params.push(("Signature", signed.signature));
    params.push(("Key-Pair-Id", signed.key_pair_id));
    if signed.hash == HashAlgorithm::Sha256 {
        params.push(("Hash-Algorithm", signed.hash.name().to_owned()));
    }
    let joined: Vec<String> = params.iter().map(|(n, v)| format!("{n}={v}")).collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{separator}{}", joined.join("&")))
}

/// The `CloudFront-*` cookies as `name=value`, one per line.
pub fn sign_cookies(url: Option<&str>, args: &SigningArgs) -> Result<String, String> {
    let signed = args.sign(url)?;
    let mut lines = Vec::new();
    if let Some(expires) = signed.expires {
        lines.push(format!("CloudFront-Expires={expires}"));
    }
    if let Some(policy) = signed.policy {
        lines.push(format!("CloudFront-Policy={policy}"));
    }
    lines.push(format!("CloudFront-Signature={}", signed.signature));
    lines.push(format!("CloudFront-Key-Pair-Id={}", signed.key_pair_id));
    if signed.hash == HashAlgorithm::Sha256 {
        lines.push(format!("CloudFront-Hash-Algorithm={}", signed.hash.name()));
    }
    Ok(lines.join("\n"))
}

fn private_key(path: &Path) -> Result<RsaPrivateKey, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let pem = pem.trim();
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("{}: not a PEM RSA private key: {e}", path.display()))
}
