//! JWT authorizers (spec/api-gateway.md §4, the checklist of §12): the token from the identity
//! source, its header's `alg` in the authorizer's allow-list and `kid` naming a key of the
//! matching family, the signature, `iss`, `exp`/`nbf`/`iat` with the configured leeway, `aud`
//! (or `client_id` when there is no `aud`); then the route's scopes. `jku`, `x5u` and an
//! embedded `jwk` are never read.
//!
//! Verified tokens are remembered until they expire (a bounded map keyed by the SHA-256 of the
//! token), so an authorized request usually costs one hash.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use localfront_config::JwtAuthorizer;
use parking_lot::Mutex;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::jwks::KeyStore;

/// The longest token considered (localfront's bound; API Gateway's 10,240-byte request
/// header limit makes longer ones impossible there).
pub(crate) const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// How many verified tokens are remembered per authorizer.
const VERIFIED_CAPACITY: usize = 10_000;

/// Why a token was refused: the `error_description` of `www-authenticate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid(pub(crate) &'static str);

/// One JWT authorizer, ready to check tokens.
pub(crate) struct JwtCheck {
    config: JwtAuthorizer,
    algorithms: Vec<Algorithm>,
    keys: KeyStore,
    verified: Mutex<HashMap<[u8; 32], Verified>>,
}

#[derive(Clone)]
struct Verified {
    claims: Arc<Map<String, Value>>,
    /// Unix seconds after which the token no longer passes (`exp` + leeway).
    until: u64,
}

impl JwtCheck {
    /// The authorizer `config` with its key store.
    pub(crate) fn new(config: JwtAuthorizer, keys: KeyStore) -> Self {
        // Validation accepted only names of these algorithms.
        let algorithms = config
            .algorithms
            .iter()
            .filter_map(|a| a.parse::<Algorithm>().ok())
            .filter(|a| family(*a) != Family::Hmac)
            .collect();
        Self {
            config,
            algorithms,
            keys,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// The authorizer's settings.
    pub(crate) fn config(&self) -> &JwtAuthorizer {
        &self.config
    }

    /// The token's claims, if every check passes.
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<Map<String, Value>>, Invalid> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Invalid("the token is too large"));
        }
        let now = now();
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(v) = self.verified.lock().get(&digest) {
            if now < v.until {
                return Ok(v.claims.clone());
            }
        }
        let claims = self.verify_uncached(token, now).await?;
        let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
        let claims = Arc::new(claims);
        let mut verified = self.verified.lock();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.retain(|_, v| now < v.until);
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
        }
        verified.insert(
            digest,
            Verified {
                claims: claims.clone(),
                until: exp.saturating_add(self.config.leeway.as_secs()),
            },
        );
        Ok(claims)
    }

    /// The full check of `token` at Unix time `now`, never the verified-token cache.
    pub(crate) async fn verify_uncached(
        &self,
        token: &str,
        now: u64,
    ) -> Result<Map<String, Value>, Invalid> {
        // Unverified: only `alg` and `kid` are read from it.
        let header = decode_header(token).map_err(|_| Invalid("the token is malformed"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(Invalid("the token's signing algorithm is not accepted"));
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or(Invalid("the token has no kid"))?;
        let jwk = self
            .keys
            .find(kid)
            .await
            .ok_or(Invalid("no key matches the token's kid"))?;
        let key = decoding_key(&jwk, header.alg)?;
        let mut v = Validation::new(header.alg);
        v.algorithms = vec![header.alg];
        v.set_required_spec_claims(&["exp", "iss"]);
        v.set_issuer(&[&self.config.issuer]);
        v.validate_exp = true;
        v.validate_nbf = true;
        // `aud`, else `client_id`, is checked below (spec/api-gateway.md §4 step 5).
        v.validate_aud = false;
        v.leeway = self.config.leeway.as_secs();
        let claims = decode::<Map<String, Value>>(token, &key, &v)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Invalid("the token has expired"),
                ErrorKind::ImmatureSignature => Invalid("the token is not valid yet"),
                ErrorKind::InvalidIssuer => Invalid("the token does not have a valid issuer"),
                ErrorKind::InvalidSignature => Invalid("the token's signature is invalid"),
                ErrorKind::MissingRequiredClaim(_) => Invalid("the token lacks a required claim"),
                _ => Invalid("the token is invalid"),
            })?
            .claims;
        let leeway = self.config.leeway.as_secs();
        // Time claims must be numbers (CVE-2026-25537: older crates ignored malformed ones).
        for name in ["exp", "nbf", "iat"] {
            if let Some(value) = claims.get(name) {
                if !value.is_number() {
                    return Err(Invalid("the token has a malformed time claim"));
                }
            }
        }
        if claims.get("exp").and_then(Value::as_f64).unwrap_or(0.0) <= now as f64 - leeway as f64 {
            return Err(Invalid("the token has expired"));
        }
        if let Some(nbf) = claims.get("nbf").and_then(Value::as_f64) {
            if nbf > (now + leeway) as f64 {
                return Err(Invalid("the token is not valid yet"));
            }
        }
        // The crate never checks `iat`.
        if let Some(iat) = claims.get("iat").and_then(Value::as_f64) {
            if iat > (now + leeway) as f64 {
                return Err(Invalid("the token was issued in the future"));
            }
        }
        // A single string `iss` (the crate also accepts an array).
        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.as_str()) {
            return Err(Invalid("the token does not have a valid issuer"));
        }
        if !self.audience_matches(&claims) {
            return Err(Invalid("the token does not have a valid audience"));
        }
        Ok(claims)
    }

    /// `aud` (a string or an array) when present, else `client_id`, against the configured
    /// audiences.
    fn audience_matches(&self, claims: &Map<String, Value>) -> bool {
        let accepted = |v: &str| self.config.audience.iter().any(|a| a == v);
        match claims.get("aud") {
            Some(Value::String(aud)) => accepted(aud),
            Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).any(accepted),
            Some(_) => false,
            None => claims
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(accepted),
        }
    }
}

/// The token's scopes: `scope` (space-separated) and `scp` (a string or an array).
pub(crate) fn token_scopes(claims: &Map<String, Value>) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        for s in s.split_whitespace() {
            if !scopes.iter().any(|x| x == s) {
                scopes.push(s.to_owned());
            }
        }
    };
    if let Some(s) = claims.get("scope").and_then(Value::as_str) {
        add(s);
    }
    match claims.get("scp") {
        Some(Value::String(s)) => add(s),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(add),
        _ => {}
    }
    scopes
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Hmac,
    Rsa,
    Ec,
    Ed,
}

fn family(alg: Algorithm) -> Family {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
        Algorithm::ES256 | Algorithm::ES384 => Family::Ec,
        Algorithm::EdDSA => Family::Ed,
        _ => Family::Rsa,
    }
}

/// The public key of `jwk` for `alg`: the key's type must be of `alg`'s family (an `oct` key
/// never is: it would become an HMAC secret), its `alg` (if any) equal to `alg`, its `use` (if
/// any) `sig`.
fn decoding_key(jwk: &Jwk, alg: Algorithm) -> Result<DecodingKey, Invalid> {
    let key_family = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Family::Rsa,
        AlgorithmParameters::EllipticCurve(_) => Family::Ec,
        AlgorithmParameters::OctetKeyPair(_) => Family::Ed,
        // `oct` keys, and any kind a later crate version adds, are never used.
        _ => Family::Hmac,
    };
    let mismatch = Invalid("the token's algorithm does not match its key");
    if key_family == Family::Hmac || key_family != family(alg) {
        return Err(mismatch);
    }
    if let Some(ka) = jwk.common.key_algorithm {
        if key_algorithm(ka) != Some(alg) {
            return Err(mismatch);
        }
    }
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Err(mismatch);
    }
    DecodingKey::from_jwk(jwk).map_err(|_| Invalid("the token's key is unusable"))
}

fn key_algorithm(ka: KeyAlgorithm) -> Option<Algorithm> {
    Some(match ka {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    })
}

/// Unix seconds now.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}
