//! `POST /distributions/{id}/invalidations` with `{"paths": ["/images/*", "/index.html"]}`:
//! removes every cached variant of the paths at once and answers like CloudFront's
//! `CreateInvalidation`, already `Completed` (spec/distribution.md §11).

use http::Response;
use serde_json::json;

use super::{json, Body};
use crate::cache::EdgeCache;
use crate::snapshot::{random_hex, Snapshot};

/// CloudFront's limit on an invalidation path's length.
const MAX_PATH: usize = 4000;

/// Handles one invalidation request.
pub fn create(snapshot: &Snapshot, cache: &EdgeCache, id: &str, body: &[u8]) -> Response<Body> {
    if !snapshot.config.distributions.iter().any(|d| d.id == id) {
        return error(
            404,
            "NoSuchDistribution",
            &format!("The specified distribution does not exist: {id}"),
        );
    }
    let paths: Vec<String> = match serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("paths").cloned())
        .and_then(|p| serde_json::from_value(p).ok())
    {
        Some(paths) => paths,
        None => {
            return error(
                400,
                "MalformedInput",
                "expected a JSON body {\"paths\": [\"/path\", \"/prefix*\"]}",
            )
        }
    };
    if paths.is_empty() {
        return error(400, "InvalidArgument", "no paths to invalidate");
    }
    let mut patterns = Vec::with_capacity(paths.len());
    for p in &paths {
        match Pattern::parse(p) {
            Ok(pattern) => patterns.push(pattern),
            Err(message) => return error(400, "InvalidArgument", &format!("{p}: {message}")),
        }
    }
    let removed = cache.invalidate(id, |path| patterns.iter().any(|p| p.matches(path)));
    tracing::info!(distribution = id, ?paths, removed, "invalidation");
    json(
        201,
        &json!({
            "Location": format!("/distributions/{id}/invalidations/I{}", random_hex(6).to_uppercase()),
            "Invalidation": {
                "Id": format!("I{}", random_hex(6).to_uppercase()),
                "Status": "Completed",
                "CreateTime": httpdate::fmt_http_date(std::time::SystemTime::now()),
                "InvalidationBatch": {
                    "Paths": { "Quantity": paths.len(), "Items": paths },
                    "CallerReference": random_hex(8),
                },
                "ObjectsRemoved": removed,
            }
        }),
    )
}

/// An invalidation path: exact, or a prefix when it ends in `*`. Case-sensitive; the query string
/// is not part of it, so every variant of the path goes.
enum Pattern {
    Exact(String),
    Prefix(String),
}

impl Pattern {
    fn parse(p: &str) -> Result<Self, &'static str> {
        if !p.starts_with('/') {
            return Err("a path starts with `/`");
        }
        if p.len() > MAX_PATH {
            return Err("a path is at most 4,000 characters");
        }
        match p.find('*') {
            None => Ok(Self::Exact(p.to_owned())),
            Some(i) if i == p.len() - 1 => Ok(Self::Prefix(p[..i].to_owned())),
            Some(_) => Err("`*` is allowed only as the last character"),
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exact(p) => path == p,
            Self::Prefix(p) => path.starts_with(p.as_str()),
        }
    }
}

fn error(status: u16, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        &json!({ "Error": { "Code": code, "Message": message } }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_only_at_the_end() {
        assert!(Pattern::parse("/images/*")
            .unwrap()
            .matches("/images/a/b.png"));
        assert!(Pattern::parse("/images/logo*")
            .unwrap()
            .matches("/images/logo-2x.png"));
        assert!(!Pattern::parse("/index.html")
            .unwrap()
            .matches("/index.html.bak"));
        assert!(Pattern::parse("/a/*/b").is_err());
        assert!(Pattern::parse("nope").is_err());
        assert!(!Pattern::parse("/Images/*").unwrap().matches("/images/a"));
    }
}
