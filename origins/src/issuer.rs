//! Local Cognito-style issuers (`[[issuers]]`): an RSA key generated once and kept in the
//! issuer's `key_file`, the OIDC discovery document and JWKS the admin listener serves under
//! the issuer URL's path, and access and ID tokens with Cognito's claim names
//! (`localfront token`).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use localfront_config::IssuerConfig;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The size of generated keys (Cognito's).
const KEY_BITS: usize = 2048;

/// One issuer, its key loaded.
pub struct LocalIssuer {
    config: IssuerConfig,
    kid: String,
    encoding: EncodingKey,
    jwks: JwkSet,
    jwks_json: String,
}

impl std::fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("name", &self.config.name)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// What a token says, beyond the issuer's own claims.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    /// `sub` and `username` (`cognito:username` in ID tokens).
    pub sub: String,
    /// `scope` (access tokens).
    pub scopes: Vec<String>,
    /// Added to the user's groups in `cognito:groups`.
    pub groups: Vec<String>,
    /// `client_id` (access tokens) or `aud` (ID tokens).
    pub client_id: String,
    /// Lifetime (`exp` - `iat`).
    pub ttl: Duration,
    /// An ID token instead of an access token.
    pub id_token: bool,
    /// Extra claims, replacing the issuer's when named the same.
    pub claims: Vec<(String, Value)>,
}

impl LocalIssuer {
    /// Loads the issuer's key from its `key_file`, generating and saving one (mode 0600) when
    /// the file does not exist.
    pub fn load(config: &IssuerConfig) -> Result<Self, String> {
        let key = load_or_generate(&config.key_file).map_err(|e| {
            format!(
                "issuer `{}`: {}: {e}",
                config.name,
                config.key_file.display()
            )
        })?;
        let public = key.to_public_key();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let n = b64.encode(public.n().to_bytes_be());
        let e = b64.encode(public.e().to_bytes_be());
        // The key id: a digest of the public key, stable for the key file.
        let kid = b64.encode(&Sha256::digest(format!("{n}.{e}"))[..16]);
        let der = key
            .to_pkcs1_der()
            .map_err(|e| format!("issuer `{}`: {e}", config.name))?;
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let jwks_value = json!({ "keys": [{
            "alg": "RS256", "e": e, "kid": kid, "kty": "RSA", "n": n, "use": "sig",
        }]});
        let jwks: JwkSet = serde_json::from_value(jwks_value.clone())
            .map_err(|e| format!("issuer `{}`: {e}", config.name))?;
        Ok(Self {
            config: config.clone(),
            kid,
            encoding,
            jwks,
            jwks_json: jwks_value.to_string(),
        })
    }

    /// The issuer's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Its public keys.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// `GET <path>/.well-known/openid-configuration` and `…/jwks.json`: the JSON document,
    /// if `path` is one of them.
    pub fn document(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix(self.config.path.as_str())?;
        match rest {
            "/.well-known/jwks.json" => Some(self.jwks_json.clone()),
            "/.well-known/openid-configuration" => Some(
                json!({
                    "issuer": self.config.issuer_url,
                    "jwks_uri": format!("{}/.well-known/jwks.json", self.config.issuer_url),
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "subject_types_supported": ["public"],
                    "response_types_supported": ["code", "token"],
                    "claims_supported": ["sub", "iss", "aud", "client_id", "scope", "token_use", "cognito:groups", "cognito:username", "username", "auth_time", "exp", "iat", "jti"],
                })
                .to_string(),
            ),
            _ => None,
        }
    }

    /// A signed token (RS256) with Cognito's claims for an access token (`token_use: access`,
    /// `client_id`, `scope`, `username`) or an ID token (`token_use: id`, `aud`,
    /// `cognito:username`). When the issuer declares users, `sub` must name one; their groups
    /// join `groups` in `cognito:groups`.
    pub fn mint(&self, request: &TokenRequest) -> Result<String, String> {
        let mut groups: Vec<String> = Vec::new();
        if !self.config.users.is_empty() {
            let Some(user) = self.config.users.iter().find(|u| u.username == request.sub) else {
                let names: Vec<&str> = self
                    .config
                    .users
                    .iter()
                    .map(|u| u.username.as_str())
                    .collect();
                return Err(format!(
                    "issuer `{}` has no user `{}` (its users: {})",
                    self.config.name,
                    request.sub,
                    names.join(", ")
                ));
            };
            groups.extend(user.groups.iter().cloned());
        }
        for g in &request.groups {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(request.sub));
        if !groups.is_empty() {
            claims.insert("cognito:groups".into(), json!(groups));
        }
        claims.insert("iss".into(), json!(self.config.issuer_url));
        claims.insert("origin_jti".into(), json!(uuid()));
        claims.insert("event_id".into(), json!(uuid()));
        claims.insert("auth_time".into(), json!(now));
        claims.insert("exp".into(), json!(now + request.ttl.as_secs()));
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(uuid()));
        if request.id_token {
            claims.insert("aud".into(), json!(request.client_id));
            claims.insert("cognito:username".into(), json!(request.sub));
            claims.insert("token_use".into(), json!("id"));
        } else {
            claims.insert("client_id".into(), json!(request.client_id));
            claims.insert("token_use".into(), json!("access"));
            if !request.scopes.is_empty() {
                claims.insert("scope".into(), json!(request.scopes.join(" ")));
            }
            claims.insert("username".into(), json!(request.sub));
            claims.insert("version".into(), json!(2));
        }
        for (k, v) in &request.claims {
            claims.insert(k.clone(), v.clone());
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|e| e.to_string())
    }
}

/// Every `[[issuers]]` entry of a config, loaded.
#[derive(Debug, Default, Clone)]
pub struct LocalIssuers(HashMap<String, Arc<LocalIssuer>>);

impl LocalIssuers {
    /// Loads (or creates the keys of) every issuer; every problem is reported.
    pub fn load(configs: &[IssuerConfig]) -> Result<Self, Vec<String>> {
        let mut issuers = HashMap::new();
        let mut errors = Vec::new();
        for c in configs {
            match LocalIssuer::load(c) {
                Ok(i) => {
                    issuers.insert(c.name.clone(), Arc::new(i));
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Self(issuers))
        } else {
            Err(errors)
        }
    }

    /// The issuer `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<LocalIssuer>> {
        self.0.get(name)
    }

    /// The discovery document or JWKS of the issuer serving `path`.
    pub fn document(&self, path: &str) -> Option<String> {
        self.0.values().find_map(|i| i.document(path))
    }
}

/// Reads the PKCS#8 PEM key at `path`, or generates one and writes it there without ever
/// replacing a file another process wrote meanwhile (the key is written to a temporary file
/// and hard-linked into place).
fn load_or_generate(path: &Path) -> Result<RsaPrivateKey, String> {
    match std::fs::read_to_string(path) {
        Ok(pem) => return parse(&pem),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.to_string()),
        Err(_) => {}
    }
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", uuid(), std::process::id()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        f.write_all(pem.as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => Ok(key),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            parse(&std::fs::read_to_string(path).map_err(|e| e.to_string())?)
        }
        Err(e) => Err(format!("cannot write the key: {e}")),
    }
}

fn parse(pem: &str) -> Result<RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an RSA private key in PEM: {e}"))
}

/// A random UUID (version 4), as Cognito's `jti` and `event_id`.
fn uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
