//! A JWT authorizer's signing keys (spec/api-gateway.md §4 step 2, §12): a JWKS file or a local
//! issuer's keys (fixed), or a JWKS fetched from a URL or through the issuer's OIDC discovery
//! document — each fetch bounded (1,500 ms, 150,000 bytes), the keys kept up to 2 hours, and a
//! `kid` the set does not hold refetching at most once per [`REFETCH_INTERVAL`] (a failed fetch
//! is remembered as long: negative caching). `kid` is only ever a lookup key.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Uri};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use localfront_config::JwksSource;
use serde_json::Value;

/// Fetch timeout of each request (spec/api-gateway.md §4).
const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// The largest JWKS (and discovery document) accepted.
const MAX_DOCUMENT_BYTES: usize = 150_000;
/// How long fetched keys are used before they are fetched again.
const KEYS_MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);
/// The least time between two fetches (localfront's rate limit on unknown-`kid` refetches).
pub(crate) const REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// The keys of one authorizer.
pub(crate) struct KeyStore {
    source: Source,
    state: tokio::sync::Mutex<Fetched>,
}

enum Source {
    /// Keys that do not change while this config is served.
    Fixed(JwkSet),
    /// Keys fetched from the JWKS at `jwks_url`, or the one the issuer's discovery document
    /// names.
    Remote {
        client: Box<Client<HttpConnector, Empty<Bytes>>>,
        jwks_url: Option<String>,
        issuer: String,
    },
}

#[derive(Default)]
struct Fetched {
    keys: Option<Arc<JwkSet>>,
    fetched_at: Option<Instant>,
    attempted_at: Option<Instant>,
}

impl KeyStore {
    /// The store for `source`; `fixed` is the JWKS of a file or a local issuer (read by the
    /// caller), `issuer` the expected `iss` (for discovery).
    pub(crate) fn new(source: &JwksSource, fixed: Option<JwkSet>, issuer: &str) -> Self {
        let source = match (source, fixed) {
            (_, Some(set)) => Source::Fixed(set),
            (JwksSource::Url(url), None) => Source::Remote {
                client: Box::new(Client::builder(TokioExecutor::new()).build_http()),
                jwks_url: Some(url.clone()),
                issuer: issuer.to_owned(),
            },
            _ => Source::Remote {
                client: Box::new(Client::builder(TokioExecutor::new()).build_http()),
                jwks_url: None,
                issuer: issuer.to_owned(),
            },
        };
        Self {
            source,
            state: tokio::sync::Mutex::new(Fetched::default()),
        }
    }

    /// The key with id `kid`, fetching the set when it is missing, stale, or lacks `kid` (within
    /// the refetch rate limit).
    pub(crate) async fn find(&self, kid: &str) -> Option<Jwk> {
        let (client, jwks_url, issuer) = match &self.source {
            Source::Fixed(set) => return set.find(kid).cloned(),
            Source::Remote {
                client,
                jwks_url,
                issuer,
            } => (client, jwks_url, issuer),
        };
        let mut state = self.state.lock().await;
        let fresh = state.fetched_at.is_some_and(|t| t.elapsed() < KEYS_MAX_AGE);
        if fresh {
            if let Some(key) = state.keys.as_ref().and_then(|k| k.find(kid)) {
                return Some(key.clone());
            }
        }
        let may_fetch = state
            .attempted_at
            .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if may_fetch {
            state.attempted_at = Some(Instant::now());
            match fetch(client, jwks_url.as_deref(), issuer).await {
                Ok(set) => {
                    state.keys = Some(Arc::new(set));
                    state.fetched_at = Some(Instant::now());
                }
                Err(e) => tracing::warn!(issuer = %issuer, "JWKS fetch failed: {e}"),
            }
        }
        let fresh = state.fetched_at.is_some_and(|t| t.elapsed() < KEYS_MAX_AGE);
        if !fresh {
            return None;
        }
        state.keys.as_ref()?.find(kid).cloned()
    }
}

/// Parses a JWKS, keeping the keys jsonwebtoken understands (a key of an unknown type does not
/// invalidate the others).
pub(crate) fn parse_jwks(text: &[u8]) -> Result<JwkSet, String> {
    let doc: Value = serde_json::from_slice(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(keys) = doc.get("keys").and_then(Value::as_array) else {
        return Err("no `keys` array".into());
    };
    Ok(JwkSet {
        keys: keys
            .iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .collect(),
    })
}

async fn fetch(
    client: &Client<HttpConnector, Empty<Bytes>>,
    jwks_url: Option<&str>,
    issuer: &str,
) -> Result<JwkSet, String> {
    let url = match jwks_url {
        Some(u) => u.to_owned(),
        None => {
            let discovery = format!("{issuer}/.well-known/openid-configuration");
            let doc: Value = serde_json::from_slice(&get(client, &discovery).await?)
                .map_err(|e| format!("{discovery}: not JSON: {e}"))?;
            doc.get("jwks_uri")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{discovery}: no `jwks_uri`"))?
                .to_owned()
        }
    };
    parse_jwks(&get(client, &url).await?).map_err(|e| format!("{url}: {e}"))
}

/// `GET url`: 200 within the timeout, at most [`MAX_DOCUMENT_BYTES`].
async fn get(client: &Client<HttpConnector, Empty<Bytes>>, url: &str) -> Result<Bytes, String> {
    let uri: Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url}: localfront fetches keys over http:// only"));
    }
    let request = Request::get(uri)
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    let work = async {
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if response.status() != 200 {
            return Err(format!("{url}: status {}", response.status()));
        }
        Limited::new(response.into_body(), MAX_DOCUMENT_BYTES)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|_| format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"))
    };
    tokio::time::timeout(FETCH_TIMEOUT, work)
        .await
        .map_err(|_| format!("{url}: no answer within {FETCH_TIMEOUT:?}"))?
}
