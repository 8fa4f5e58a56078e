//! CORS of an API with `[apis.cors]` (spec/api-gateway.md §8), as HTTP APIs do it: API
//! Gateway answers preflights itself (204, before throttling, keys and routes), ignores the
//! integration's `Access-Control-*` headers and sets the configured ones on every answer —
//! its own errors (403, 404, 429) included — when the request's `Origin` is allowed. An origin
//! that is not allowed gets no CORS headers at all.

use http::HeaderMap;
use localfront_config::ApiCors;

use super::Answer;

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
pub(crate) fn is_preflight(method: &http::Method, headers: &HeaderMap) -> bool {
    method == http::Method::OPTIONS
        && headers.contains_key(http::header::ORIGIN)
        && headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The answer to a preflight, before its CORS headers ([`apply`] adds them).
pub(crate) fn preflight_answer() -> Answer {
    Answer {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// Replaces `answer`'s CORS headers by the configured ones for a request from `origin`.
pub(crate) fn apply(cors: &ApiCors, origin: Option<&str>, preflight: bool, answer: &mut Answer) {
    answer
        .headers
        .retain(|(name, _)| !name.to_ascii_lowercase().starts_with("access-control-"));
    let Some(allow_origin) = origin.and_then(|o| allowed_origin(cors, o)) else {
        return;
    };
    let mut add = |name: &str, value: String| answer.headers.push((name.to_owned(), value));
    add("access-control-allow-origin", allow_origin);
    if cors.allow_credentials {
        add("access-control-allow-credentials", "true".into());
    }
    if preflight {
        if !cors.allow_methods.is_empty() {
            add("access-control-allow-methods", cors.allow_methods.join(","));
        }
        if !cors.allow_headers.is_empty() {
            add("access-control-allow-headers", cors.allow_headers.join(","));
        }
        if let Some(max_age) = cors.max_age {
            add("access-control-max-age", max_age.to_string());
        }
    } else if !cors.expose_headers.is_empty() {
        add(
            "access-control-expose-headers",
            cors.expose_headers.join(","),
        );
    }
}

/// `Access-Control-Allow-Origin` for a request from `origin`: `*` when `*` is allowed without
/// credentials, else the origin itself when a configured one matches it (spec/api-gateway.md
/// §8, unconfirmed).
fn allowed_origin(cors: &ApiCors, origin: &str) -> Option<String> {
    let any = cors.allow_origins.iter().any(|o| o == "*");
    if any && !cors.allow_credentials {
        return Some("*".into());
    }
    let lower = origin.to_ascii_lowercase();
    let matched = any || cors.allow_origins.iter().any(|o| matches(o, &lower));
    matched.then(|| origin.to_owned())
}

/// Whether allowed origin `pattern` (lowercase) matches `origin` (lowercase): exact, `scheme://*`
/// (any host), or `scheme://*.domain` (any subdomain, at any depth).
fn matches(pattern: &str, origin: &str) -> bool {
    let (Some((p_scheme, p_host)), Some((o_scheme, o_host))) =
        (pattern.split_once("://"), origin.split_once("://"))
    else {
        return false;
    };
    if p_scheme != o_scheme || o_host.is_empty() {
        return false;
    }
    match p_host.strip_prefix('*') {
        None => p_host == o_host,
        Some("") => true,
        Some(suffix) => o_host.len() > suffix.len() && o_host.ends_with(suffix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str], credentials: bool) -> ApiCors {
        ApiCors {
            allow_origins: origins.iter().map(|o| o.to_string()).collect(),
            allow_methods: vec!["GET".into()],
            allow_headers: vec![],
            expose_headers: vec![],
            max_age: None,
            allow_credentials: credentials,
        }
    }

    #[test]
    fn origins_match_exactly_or_by_wildcard() {
        let c = cors(
            &[
                "https://app.example.com",
                "https://*.example.org",
                "http://localhost:3000",
            ],
            false,
        );
        let allowed = |o: &str| allowed_origin(&c, o);
        assert_eq!(
            allowed("https://app.example.com").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            allowed("https://a.b.example.org").as_deref(),
            Some("https://a.b.example.org")
        );
        assert_eq!(
            allowed("http://localhost:3000").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(allowed("http://localhost:3001"), None);
        assert_eq!(allowed("https://example.org"), None);
        assert_eq!(allowed("https://evil-example.org"), None);
        assert_eq!(allowed("http://app.example.com"), None);
        assert_eq!(allowed("https://app.example.com.evil.test"), None);
    }

    #[test]
    fn star_is_literal_without_credentials_and_echoed_with_them() {
        assert_eq!(
            allowed_origin(&cors(&["*"], false), "https://x.test").as_deref(),
            Some("*")
        );
        assert_eq!(
            allowed_origin(&cors(&["*"], true), "https://x.test").as_deref(),
            Some("https://x.test")
        );
    }
}
