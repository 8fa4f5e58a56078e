//! Private content: key groups whose public keys verify signed URLs and signed cookies
//! (spec/distribution.md §12). A behavior with `trusted_key_groups` serves only signed requests.

pub use rsa::RsaPublicKey;

/// `[[key_groups]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyGroup {
    /// Name, referenced by behaviors' `trusted_key_groups`.
    pub name: String,
    /// The group's public keys (at most 5, CloudFront's quota).
    pub public_keys: Vec<PublicKey>,
}

/// A public key and the id signers name it by (`Key-Pair-Id`).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey {
    /// The public key id, e.g. `K2JCJMDEHXQW5F`.
    pub id: String,
    /// The RSA key (2048 bits, as CloudFront requires).
    pub key: RsaPublicKey,
    /// The PEM file it was read from (absolute), if not inline: hot reload watches it.
    pub file: Option<std::path::PathBuf>,
}
