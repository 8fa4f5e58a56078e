//! The validated model of API protection by authorizers (spec/api-gateway.md §4–5):
//! `[[apis.authorizers]]` (JWT and Lambda authorizers) and `[[issuers]]` (local Cognito-style
//! user pools whose tokens JWT authorizers can check).

use std::path::PathBuf;
use std::time::Duration;

/// `[[apis.authorizers]]`: one authorizer of an API, referenced by routes' `authorizer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// Name, referenced by routes' `authorizer`.
    pub name: String,
    /// What it checks.
    pub kind: AuthorizerKind,
}

/// A JWT or a Lambda authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizerKind {
    /// `type = "jwt"`.
    Jwt(JwtAuthorizer),
    /// `type = "lambda"`.
    Lambda(LambdaAuthorizer),
}

/// A JWT authorizer (spec/api-gateway.md §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtAuthorizer {
    /// Where the token is: one header or query string parameter.
    pub identity_source: IdentitySource,
    /// The expected `iss` (the local issuer's `issuer_url` with `local_issuer`).
    pub issuer: String,
    /// Where the signing keys come from.
    pub keys: JwksSource,
    /// Accepted `aud` values (or `client_id`, when a token has no `aud`).
    pub audience: Vec<String>,
    /// The RSA algorithms accepted (`RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`).
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

/// Where a JWT authorizer's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// The issuer's OIDC discovery document, `{issuer}/.well-known/openid-configuration`,
    /// names the `jwks_uri`.
    Discovery,
    /// A JWKS URL.
    Url(String),
    /// A JWKS file (absolute).
    File(PathBuf),
    /// The keys of an `[[issuers]]` entry, by name.
    LocalIssuer(String),
}

/// A Lambda authorizer (spec/api-gateway.md §5): payload 2.0, simple responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaAuthorizer {
    /// The `[[lambda_functions]]` entry called.
    pub function: String,
    /// The request values the function receives in `identitySource` (and the result cache key);
    /// a request missing one is denied without a call.
    pub identity_source: Vec<IdentitySource>,
    /// How long a result is cached for the same identity source values (zero: not cached).
    pub ttl: Duration,
}

/// One identity source expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// `$request.header.<name>` (name lowercase).
    Header(String),
    /// `$request.querystring.<name>`.
    QueryString(String),
    /// `$context.<variable>`.
    Context(String),
    /// `$stageVariables.<name>`.
    StageVariable(String),
}

impl std::fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentitySource::Header(n) => write!(f, "$request.header.{n}"),
            IdentitySource::QueryString(n) => write!(f, "$request.querystring.{n}"),
            IdentitySource::Context(n) => write!(f, "$context.{n}"),
            IdentitySource::StageVariable(n) => write!(f, "$stageVariables.{n}"),
        }
    }
}

/// `[[issuers]]`: a local Cognito-style user pool served by localfront.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerConfig {
    /// Name, referenced by JWT authorizers' `local_issuer` and `localfront token --issuer`.
    pub name: String,
    /// The `iss` of its tokens, without a trailing `/`; the admin listener serves
    /// `<path>/.well-known/openid-configuration` and `<path>/.well-known/jwks.json`.
    pub issuer_url: String,
    /// The URL path of `issuer_url` (`/local`; empty for the root).
    pub path: String,
    /// The RSA private key (PKCS#8 PEM), generated on first use when missing.
    pub key_file: PathBuf,
    /// Declared users: `localfront token --sub` must name one when any is declared.
    pub users: Vec<IssuerUser>,
}

/// A user of a local issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerUser {
    /// `username` (and `sub`) of the user's tokens.
    pub username: String,
    /// `cognito:groups` of the user's tokens.
    pub groups: Vec<String>,
}
