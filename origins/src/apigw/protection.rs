//! The checks a request passes before its route's integration runs, in API Gateway's order
//! (spec/api-gateway.md §11): [`Protection::check`] runs each step in turn; a step lets the
//! request through or answers it (401, 403, 429, 500…). Today's step is the route's authorizer
//! (JWT, `jwt.rs`, or Lambda, `lambda_authorizer.rs`), which also records what it learned in
//! `requestContext.authorizer`.

use std::collections::HashMap;

use http::StatusCode;
use jsonwebtoken::jwk::JwkSet;
use localfront_config::{ApiConfig, AuthorizerKind, IdentitySource, JwksSource, RouteConfig};
use localfront_events::apigw::{claim_string, ApiContext, ApiRequest, AuthorizerData};
use localfront_wasm::LambdaFunction;

use super::jwks::{parse_jwks, KeyStore};
use super::jwt::{token_scopes, JwtCheck};
use super::lambda_authorizer::{Decision, LambdaCheck};
use super::mapping::MappingScope;
use super::Answer;
use crate::issuer::LocalIssuers;

/// An API's protection: its authorizers, by name.
pub(crate) struct Protection {
    authorizers: HashMap<String, Authorizer>,
}

enum Authorizer {
    Jwt(Box<JwtCheck>),
    Lambda(LambdaCheck),
}

impl Protection {
    /// The authorizers of `api`: JWKS files are read, local issuers' keys taken from
    /// `issuers`, Lambda authorizers bound to their functions.
    pub(crate) fn new(
        api: &ApiConfig,
        functions: &HashMap<String, LambdaFunction>,
        issuers: &LocalIssuers,
    ) -> Result<Self, String> {
        let mut authorizers = HashMap::new();
        for a in &api.authorizers {
            let at = || format!("authorizer `{}`", a.name);
            let authorizer = match &a.kind {
                AuthorizerKind::Jwt(jwt) => {
                    let fixed: Option<JwkSet> = match &jwt.keys {
                        JwksSource::File(path) => {
                            let text = std::fs::read(path)
                                .map_err(|e| format!("{}: {}: {e}", at(), path.display()))?;
                            Some(
                                parse_jwks(&text)
                                    .map_err(|e| format!("{}: {}: {e}", at(), path.display()))?,
                            )
                        }
                        JwksSource::LocalIssuer(name) => Some(
                            issuers
                                .get(name)
                                .ok_or_else(|| format!("{}: issuer `{name}` is not loaded", at()))?
                                .jwks()
                                .clone(),
                        ),
                        JwksSource::Url(_) | JwksSource::Discovery => None,
                    };
                    let keys = KeyStore::new(&jwt.keys, fixed, &jwt.issuer);
                    Authorizer::Jwt(Box::new(JwtCheck::new(jwt.clone(), keys)))
                }
                AuthorizerKind::Lambda(lambda) => {
                    let function = functions.get(&lambda.function).ok_or_else(|| {
                        format!(
                            "{}: lambda function `{}` is not loaded",
                            at(),
                            lambda.function
                        )
                    })?;
                    Authorizer::Lambda(LambdaCheck::new(lambda.clone(), function.clone()))
                }
            };
            authorizers.insert(a.name.clone(), authorizer);
        }
        Ok(Self { authorizers })
    }

    /// Runs the protection steps for a request routed to `route`. `Err` is the answer to send
    /// instead of calling the integration.
    pub(crate) async fn check(
        &self,
        route: &RouteConfig,
        request: &ApiRequest,
        context: &mut ApiContext,
        route_path: &str,
    ) -> Result<(), Answer> {
        // Throttling and API keys, when they land, go before the authorizer (spec §11).
        self.authorize(route, request, context, route_path).await
    }

    /// The route's authorizer, if any; on success `context.authorizer` holds what it passes on.
    async fn authorize(
        &self,
        route: &RouteConfig,
        request: &ApiRequest,
        context: &mut ApiContext,
        route_path: &str,
    ) -> Result<(), Answer> {
        let Some(name) = &route.authorizer else {
            return Ok(());
        };
        let Some(authorizer) = self.authorizers.get(name) else {
            // Validation checked the name.
            return Err(Answer::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
            ));
        };
        let scope = MappingScope {
            request,
            context,
            route_path,
            response: None,
        };
        match authorizer {
            Authorizer::Jwt(jwt) => {
                let Some(token) = scope
                    .identity_value(&jwt.config().identity_source)
                    .and_then(|v| bearer_token(&v))
                else {
                    // spec §4: no token → 401, `www-authenticate: Bearer` (unconfirmed).
                    return Err(unauthorized("Bearer".into()));
                };
                let claims = match jwt.verify(&token).await {
                    Ok(claims) => claims,
                    Err(invalid) => {
                        return Err(unauthorized(format!(
                            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{}\"",
                            invalid.0
                        )))
                    }
                };
                let scopes = token_scopes(&claims);
                if !route.authorization_scopes.is_empty()
                    && !route
                        .authorization_scopes
                        .iter()
                        .any(|s| scopes.contains(s))
                {
                    // spec §4: 403 (observed); the header is localfront's (unconfirmed).
                    let mut answer = Answer::message(StatusCode::FORBIDDEN, "Forbidden");
                    answer.headers.push((
                        "www-authenticate".into(),
                        format!(
                            "Bearer scope=\"{}\" error=\"insufficient_scope\" error_description=\"the token does not have a required scope\"",
                            route.authorization_scopes.join(" ")
                        ),
                    ));
                    return Err(answer);
                }
                context.authorizer = Some(AuthorizerData::Jwt {
                    claims: claims
                        .iter()
                        .filter_map(|(k, v)| claim_string(v).map(|s| (k.clone(), s.into())))
                        .collect(),
                    // `null` when the route has no scopes (spec §2, observed).
                    scopes: (!route.authorization_scopes.is_empty()).then_some(scopes),
                });
                Ok(())
            }
            Authorizer::Lambda(lambda) => {
                let mut identity = Vec::new();
                for source in &lambda.config().identity_source {
                    match scope.identity_value(source).filter(|v| !v.is_empty()) {
                        Some(v) => identity.push(v),
                        // spec §5: a missing identity source → 401, no call.
                        None => {
                            return Err(Answer::message(StatusCode::UNAUTHORIZED, "Unauthorized"))
                        }
                    }
                }
                match lambda.decide(identity, request, context).await {
                    Decision::Allow(ctx) => {
                        context.authorizer = Some(AuthorizerData::Lambda(ctx));
                        Ok(())
                    }
                    Decision::Deny => Err(Answer::message(StatusCode::FORBIDDEN, "Forbidden")),
                    Decision::Failed => Err(Answer::message(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    )),
                }
            }
        }
    }
}

/// 401 `{"message":"Unauthorized"}` with `www-authenticate`.
fn unauthorized(www_authenticate: String) -> Answer {
    let mut answer = Answer::message(StatusCode::UNAUTHORIZED, "Unauthorized");
    answer
        .headers
        .push(("www-authenticate".into(), www_authenticate));
    answer
}

/// The token of an identity source value: bare, or after `Bearer ` (any case).
fn bearer_token(value: &str) -> Option<String> {
    let value = value.trim();
    let token = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim_start(),
        _ => value,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

impl MappingScope<'_> {
    /// The value of an identity source for this request (`None` when missing).
    pub(crate) fn identity_value(&self, source: &IdentitySource) -> Option<String> {
        use localfront_config::ValueRef;
        let reference = match source {
            IdentitySource::Header(n) => ValueRef::RequestHeader(n.clone()),
            IdentitySource::QueryString(n) => ValueRef::RequestQueryString(n.clone()),
            IdentitySource::Context(n) => ValueRef::Context(n.clone()),
            IdentitySource::StageVariable(n) => ValueRef::StageVariable(n.clone()),
        };
        self.reference(&reference)
    }
}
