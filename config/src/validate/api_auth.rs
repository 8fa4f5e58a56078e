//! `[[issuers]]` (local Cognito-style user pools), `[[apis.authorizers]]` (JWT and Lambda
//! authorizers, spec/api-gateway.md §4–5, §12) and routes' `authorizer` and
//! `authorization_scopes`.

use std::time::Duration;

use super::{quoted, Checker};
use crate::api_auth::{
    AuthorizerConfig, AuthorizerKind, IdentitySource, IssuerConfig, IssuerUser, JwksSource,
    JwtAuthorizer, LambdaAuthorizer,
};
use crate::apis::LambdaFunctionConfig;
use crate::error::{did_you_mean, KeyPath};
use crate::model::Server;
use crate::raw_apis::{RawAuthorizer, RawIssuer};

/// Algorithms a JWT authorizer may accept, by key family. RSA is API Gateway's; the others are
/// localfront's opt-in extension. HMAC is never accepted: its key would be a shared secret, and a
/// JWKS must never become one (spec/api-gateway.md §12).
const RSA_ALGORITHMS: &[&str] = &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const OTHER_ALGORITHMS: &[&str] = &["ES256", "ES384", "EdDSA"];
/// The default allow-list: RSA PKCS#1 v1.5, as API Gateway (spec/api-gateway.md §4 step 2).
const DEFAULT_ALGORITHMS: &[&str] = &["RS256", "RS384", "RS512"];

/// Quotas of spec/api-gateway.md §4.
const MAX_AUTHORIZERS: usize = 10;
const MAX_AUDIENCES: usize = 50;
pub(super) const MAX_ROUTE_SCOPES: usize = 10;

/// `[[issuers]]`: names, URLs served by the admin listener, key files.
pub(super) fn convert_issuers(
    c: &mut Checker,
    raw: Vec<RawIssuer>,
    server: &Server,
) -> Vec<IssuerConfig> {
    let mut out: Vec<IssuerConfig> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("issuers").index(i);
        let (Some(name), Some(url)) = (
            c.required(r.name, &at, "name"),
            c.required(r.issuer_url, &at, "issuer_url"),
        ) else {
            continue;
        };
        if !simple_name(&name) {
            c.error(
                &at.key("name"),
                format!("`{name}` is not an issuer name: letters, digits, `-` and `_`"),
            );
        }
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate issuer `{name}`"));
        }
        let issuer_url = url.trim_end_matches('/').to_owned();
        let path = match issuer_url_path(&issuer_url, server) {
            Ok(path) => path,
            Err((message, hint)) => {
                c.error_hint(&at.key("issuer_url"), message, hint);
                String::new()
            }
        };
        if out.iter().any(|x| x.path == path && x.name != name) && !path.is_empty() {
            c.error(
                &at.key("issuer_url"),
                format!("another issuer is already served at `{path}`"),
            );
        }
        let key_file = match r.key_file {
            Some(f) => c.path(&f),
            None => server.state_dir.join("issuers").join(format!("{name}.pem")),
        };
        let mut users: Vec<IssuerUser> = Vec::new();
        for (j, u) in r.users.into_iter().enumerate() {
            let user_at = at.key("users").index(j);
            let Some(username) = c.required(u.username, &user_at, "username") else {
                continue;
            };
            if username.is_empty() || username.len() > 128 || username.contains(char::is_whitespace)
            {
                c.error(
                    &user_at.key("username"),
                    format!("`{username}` is not a username: 1 to 128 characters, no spaces"),
                );
            }
            if users.iter().any(|x| x.username == username) {
                c.error(
                    &user_at.key("username"),
                    format!("duplicate user `{username}`"),
                );
            }
            users.push(IssuerUser {
                username,
                groups: u.groups,
            });
        }
        out.push(IssuerConfig {
            name,
            issuer_url,
            path,
            key_file,
            users,
        });
    }
    out
}

fn simple_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

/// The path of an issuer URL, which must name the admin listener's port: that is where
/// localfront serves the issuer's discovery document and keys.
fn issuer_url_path(url: &str, server: &Server) -> Result<String, (String, String)> {
    let hint = || {
        let admin = server
            .admin_listen
            .map_or("127.0.0.1:9901".to_owned(), |a| a.to_string());
        format!("the admin listener serves issuers, e.g. `http://{admin}/local`")
    };
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return Err((format!("`{url}` is not an http:// URL"), hint()));
    };
    if rest.contains(['?', '#']) {
        return Err((
            format!("`{url}`: an issuer URL has no query or fragment"),
            hint(),
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let Some(admin) = server.admin_listen else {
        return Err((
            format!("`{url}`: issuers are served on the admin listener, and `server.admin_listen` is off"),
            "set `admin_listen` in `[server]`".into(),
        ));
    };
    let port = authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok());
    if port != Some(admin.port()) {
        return Err((
            format!(
                "`{url}` does not name the admin listener's port {}",
                admin.port()
            ),
            hint(),
        ));
    }
    if path.contains("/.well-known") || path.contains("//") {
        return Err((format!("`{url}` is not an issuer URL"), hint()));
    }
    Ok(path.to_owned())
}

/// An API's `[[apis.authorizers]]`.
pub(super) fn convert_authorizers(
    c: &mut Checker,
    raw: Vec<RawAuthorizer>,
    functions: &[LambdaFunctionConfig],
    issuers: &[IssuerConfig],
    at: &KeyPath,
) -> Vec<AuthorizerConfig> {
    if raw.len() > MAX_AUTHORIZERS {
        c.error(
            at,
            format!(
                "{} authorizers: an API has at most {MAX_AUTHORIZERS}",
                raw.len()
            ),
        );
    }
    let mut out: Vec<AuthorizerConfig> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let at = at.index(i);
        let (Some(name), Some(kind)) = (
            c.required(r.name.clone(), &at, "name"),
            c.required(r.kind.clone(), &at, "type"),
        ) else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate authorizer `{name}`"));
        }
        let kind = match kind.as_str() {
            "jwt" => jwt(c, r, issuers, &at).map(AuthorizerKind::Jwt),
            "lambda" => lambda(c, r, functions, &at).map(AuthorizerKind::Lambda),
            other => {
                c.error_hint(
                    &at.key("type"),
                    format!("unknown authorizer type `{other}`: expected `jwt` or `lambda`"),
                    "AWS_IAM (SigV4) authorization is not emulated",
                );
                None
            }
        };
        if let Some(kind) = kind {
            out.push(AuthorizerConfig { name, kind });
        }
    }
    out
}

/// Keys that belong to the other authorizer type.
fn refuse_keys(c: &mut Checker, at: &KeyPath, kind: &str, keys: &[(&str, bool)]) {
    for (key, present) in keys {
        if *present {
            c.error(
                &at.key(key),
                format!("`{key}` does not apply to a `{kind}` authorizer"),
            );
        }
    }
}

fn jwt(
    c: &mut Checker,
    r: RawAuthorizer,
    issuers: &[IssuerConfig],
    at: &KeyPath,
) -> Option<JwtAuthorizer> {
    refuse_keys(
        c,
        at,
        "jwt",
        &[
            ("function", r.function.is_some()),
            ("ttl_seconds", r.ttl_seconds.is_some()),
            (
                "enable_simple_responses",
                r.enable_simple_responses.is_some(),
            ),
        ],
    );
    let sources = r
        .identity_source
        .unwrap_or_else(|| vec!["$request.header.Authorization".into()]);
    let identity_source = match sources.as_slice() {
        [one] => match identity_source(one) {
            Some(s @ (IdentitySource::Header(_) | IdentitySource::QueryString(_))) => Some(s),
            _ => {
                c.error_hint(
                    &at.key("identity_source"),
                    format!("`{one}` is not a JWT identity source"),
                    "`$request.header.<name>` or `$request.querystring.<name>`",
                );
                None
            }
        },
        _ => {
            c.error(
                &at.key("identity_source"),
                "a JWT authorizer takes exactly one identity source",
            );
            None
        }
    };
    let local = match r.local_issuer {
        Some(name) => match issuers.iter().find(|i| i.name == name) {
            Some(issuer) => Some(issuer),
            None => {
                let message = format!("unknown issuer `{name}`");
                match did_you_mean(&name, issuers.iter().map(|i| i.name.as_str())) {
                    Some(h) => c.error_hint(&at.key("local_issuer"), message, h),
                    None => c.error_hint(
                        &at.key("local_issuer"),
                        message,
                        "declare it in `[[issuers]]`",
                    ),
                }
                return None;
            }
        },
        None => None,
    };
    let issuer = match (r.issuer, local) {
        (Some(iss), Some(local)) if iss.trim_end_matches('/') != local.issuer_url => {
            c.error(
                &at.key("issuer"),
                format!(
                    "`{iss}` is not the issuer URL of local issuer `{}` (`{}`): leave `issuer` out",
                    local.name, local.issuer_url
                ),
            );
            return None;
        }
        (_, Some(local)) => local.issuer_url.clone(),
        (Some(iss), None) => {
            if !iss.starts_with("https://") && !iss.starts_with("http://") {
                c.error(
                    &at.key("issuer"),
                    format!("`{iss}` is not an issuer URL (https://…, or http:// for a local identity provider)"),
                );
            }
            iss
        }
        (None, None) => {
            c.error_hint(
                at,
                "a JWT authorizer needs `issuer` (the expected `iss`) or `local_issuer`",
                "e.g. `issuer = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc\"`",
            );
            return None;
        }
    };
    let keys = match (local, r.jwks_url, r.jwks_file) {
        (Some(l), None, None) => JwksSource::LocalIssuer(l.name.clone()),
        (None, Some(url), None) => {
            if !url.starts_with("http://") || url.len() <= "http://".len() {
                c.error_hint(
                    &at.key("jwks_url"),
                    format!("`{url}` is not an http:// URL: localfront fetches keys over plain http only"),
                    "for an https:// identity provider, download its JWKS and give it as `jwks_file`",
                );
            }
            JwksSource::Url(url)
        }
        (None, None, Some(file)) => {
            let path = c.path(&file);
            if !path.is_file() {
                c.error(
                    &at.key("jwks_file"),
                    format!("`{}` is not a file", path.display()),
                );
            }
            JwksSource::File(path)
        }
        (None, None, None) => {
            if !issuer.starts_with("http://") {
                c.error_hint(
                    at,
                    format!("`{issuer}`: localfront fetches OIDC discovery documents and keys over plain http only"),
                    "download the issuer's JWKS and give it as `jwks_file`",
                );
            }
            JwksSource::Discovery
        }
        _ => {
            c.error(
                at,
                "give at most one key source: `local_issuer`, `jwks_url` or `jwks_file` (none: the issuer's OIDC discovery document)",
            );
            return None;
        }
    };
    let audience = r.audience.unwrap_or_default();
    if audience.is_empty() {
        c.error_hint(
            &at.key("audience"),
            "a JWT authorizer needs at least one audience",
            "the app client ids whose tokens are accepted, e.g. `audience = [\"app\"]`",
        );
    } else if audience.len() > MAX_AUDIENCES {
        c.error(
            &at.key("audience"),
            format!(
                "{} audiences: an authorizer has at most {MAX_AUDIENCES}",
                audience.len()
            ),
        );
    }
    let algorithms = match r.algorithms {
        Some(list) => {
            if list.is_empty() {
                c.error(
                    &at.key("algorithms"),
                    "an empty allow-list accepts no token",
                );
            }
            for alg in &list {
                if !RSA_ALGORITHMS.contains(&alg.as_str())
                    && !OTHER_ALGORITHMS.contains(&alg.as_str())
                {
                    let all: Vec<&str> = RSA_ALGORITHMS
                        .iter()
                        .chain(OTHER_ALGORITHMS)
                        .copied()
                        .collect();
                    c.error_hint(
                        &at.key("algorithms"),
                        format!("`{alg}` is not an accepted signing algorithm"),
                        format!(
                            "one of {} (never HMAC or `none`: keys come from a public JWKS)",
                            quoted(&all)
                        ),
                    );
                }
            }
            list
        }
        None => DEFAULT_ALGORITHMS.iter().map(|a| (*a).to_owned()).collect(),
    };
    let leeway = c.ranged(r.leeway_seconds, &at.key("leeway_seconds"), 0, 300, 0) as u64;
    Some(JwtAuthorizer {
        identity_source: identity_source?,
        issuer: issuer.trim_end_matches('/').to_owned(),
        keys,
        audience,
        algorithms,
        leeway: Duration::from_secs(leeway),
    })
}

fn lambda(
    c: &mut Checker,
    r: RawAuthorizer,
    functions: &[LambdaFunctionConfig],
    at: &KeyPath,
) -> Option<LambdaAuthorizer> {
    refuse_keys(
        c,
        at,
        "lambda",
        &[
            ("issuer", r.issuer.is_some()),
            ("local_issuer", r.local_issuer.is_some()),
            ("audience", r.audience.is_some()),
            ("jwks_url", r.jwks_url.is_some()),
            ("jwks_file", r.jwks_file.is_some()),
            ("algorithms", r.algorithms.is_some()),
            ("leeway_seconds", r.leeway_seconds.is_some()),
        ],
    );
    let function = c.required(r.function, at, "function")?;
    if functions.iter().all(|f| f.name != function) {
        let message = format!("unknown lambda function `{function}`");
        match did_you_mean(&function, functions.iter().map(|f| f.name.as_str())) {
            Some(h) => c.error_hint(&at.key("function"), message, h),
            None => c.error_hint(
                &at.key("function"),
                message,
                "declare it in `[[lambda_functions]]`",
            ),
        }
    }
    if r.enable_simple_responses == Some(false) {
        c.error_hint(
            &at.key("enable_simple_responses"),
            "IAM policy responses are not supported",
            "use simple responses, `{\"isAuthorized\": true, \"context\": {…}}`",
        );
    }
    let ttl = c.ranged(r.ttl_seconds, &at.key("ttl_seconds"), 0, 3600, 0) as u64;
    let mut sources = Vec::new();
    for s in r.identity_source.unwrap_or_default() {
        match identity_source(&s) {
            Some(source) => sources.push(source),
            None => c.error_hint(
                &at.key("identity_source"),
                format!("`{s}` is not an identity source"),
                "`$request.header.<name>`, `$request.querystring.<name>`, `$context.<variable>` or `$stageVariables.<name>`",
            ),
        }
    }
    if ttl > 0 && sources.is_empty() {
        c.error(
            &at.key("identity_source"),
            "a cached Lambda authorizer (ttl_seconds > 0) needs at least one identity source: its values are the cache key",
        );
    }
    Some(LambdaAuthorizer {
        function,
        identity_source: sources,
        ttl: Duration::from_secs(ttl),
    })
}

/// Parses one identity source expression.
fn identity_source(s: &str) -> Option<IdentitySource> {
    let named = |prefix: &str| s.strip_prefix(prefix).filter(|n| !n.is_empty());
    if let Some(n) = named("$request.header.") {
        Some(IdentitySource::Header(n.to_ascii_lowercase()))
    } else if let Some(n) = named("$request.querystring.") {
        Some(IdentitySource::QueryString(n.to_owned()))
    } else if let Some(n) = named("$context.") {
        Some(IdentitySource::Context(n.to_owned()))
    } else {
        named("$stageVariables.").map(|n| IdentitySource::StageVariable(n.to_owned()))
    }
}

/// A route's `authorizer` and `authorization_scopes` against the API's authorizers.
pub(super) fn check_route_authorization(
    c: &mut Checker,
    authorizer: Option<&str>,
    scopes: &[String],
    authorizers: &[AuthorizerConfig],
    at: &KeyPath,
) {
    let found = match authorizer {
        Some(name) => match authorizers.iter().find(|a| a.name == name) {
            Some(a) => Some(a),
            None => {
                let message = format!("unknown authorizer `{name}`");
                match did_you_mean(name, authorizers.iter().map(|a| a.name.as_str())) {
                    Some(h) => c.error_hint(&at.key("authorizer"), message, h),
                    None => c.error_hint(
                        &at.key("authorizer"),
                        message,
                        "declare it in the API's `[[apis.authorizers]]`",
                    ),
                }
                return;
            }
        },
        None => None,
    };
    if scopes.is_empty() {
        return;
    }
    if !matches!(found.map(|a| &a.kind), Some(AuthorizerKind::Jwt(_))) {
        c.error(
            &at.key("authorization_scopes"),
            "authorization_scopes need a JWT authorizer on the route (`authorizer = \"<jwt authorizer>\"`)",
        );
    }
    if scopes.len() > MAX_ROUTE_SCOPES {
        c.error(
            &at.key("authorization_scopes"),
            format!(
                "{} scopes: a route has at most {MAX_ROUTE_SCOPES}",
                scopes.len()
            ),
        );
    }
    for s in scopes {
        if s.is_empty() || s.contains(char::is_whitespace) {
            c.error(
                &at.key("authorization_scopes"),
                format!("`{s}` is not a scope: no spaces"),
            );
        }
    }
}
