//! What the micro-benchmarks in `origins/benches/` call: an API's route match and a JWT
//! authorizer's token check, as `ApiGateway` calls them per request, with no server around
//! them. Not an API: hidden from the docs.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use localfront_config::{ApiConfig, AuthorizerKind, JwksSource, RouteConfig};

use crate::apigw::jwks::KeyStore;
use crate::apigw::jwt::JwtCheck;
use crate::apigw::routes::RouteTable;
use crate::issuer::LocalIssuers;

/// An API's routes, ready to match (`apigw::routes::RouteTable`).
pub struct Routes(RouteTable);

impl Routes {
    /// The table of `routes`.
    pub fn new(routes: &[RouteConfig]) -> Result<Self, String> {
        RouteTable::new(routes).map(Self)
    }

    /// The index of the route serving `method` and `path` (after the stage) and its path
    /// parameters.
    pub fn find(&self, method: &str, path: &str) -> Option<(usize, Vec<(String, String)>)> {
        self.0
            .find(method, path)
            .map(|m| (m.route, m.path_parameters))
    }
}

/// One JWT authorizer of an API whose keys are a local issuer's or a JWKS file's (fixed keys:
/// no fetch, so a check never waits).
pub struct Jwt(JwtCheck);

impl Jwt {
    /// The authorizer `name` of `api`, its keys taken from `issuers`.
    pub fn new(api: &ApiConfig, name: &str, issuers: &LocalIssuers) -> Result<Self, String> {
        let config = api
            .authorizers
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| format!("no authorizer `{name}`"))?;
        let AuthorizerKind::Jwt(jwt) = &config.kind else {
            return Err(format!("authorizer `{name}` is not a JWT authorizer"));
        };
        let JwksSource::LocalIssuer(issuer) = &jwt.keys else {
            return Err(format!("authorizer `{name}` does not use a local issuer"));
        };
        let jwks = issuers
            .get(issuer)
            .ok_or_else(|| format!("issuer `{issuer}` is not loaded"))?
            .jwks()
            .clone();
        let keys = KeyStore::new(&jwt.keys, Some(jwks), &jwt.issuer);
        Ok(Self(JwtCheck::new(jwt.clone(), keys)))
    }

    /// `JwtCheck::verify`: the verified-token cache first, the full check on a miss.
    pub fn verify(&self, token: &str) -> Result<(), &'static str> {
        now(self.0.verify(token)).map(drop).map_err(|e| e.0)
    }

    /// The full check, never the cache: header, key, signature, claims.
    pub fn verify_uncached(&self, token: &str) -> Result<(), &'static str> {
        now(self.0.verify_uncached(token, crate::apigw::jwt::now()))
            .map(drop)
            .map_err(|e| e.0)
    }
}

/// The output of a future that never waits (fixed keys).
fn now<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("a JWT check with fixed keys never waits"),
    }
}
