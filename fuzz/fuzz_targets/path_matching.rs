//! Path matching, both kinds: a distribution's cache behavior path patterns against a viewer's
//! path (normalized once, as localfront matches), and an API's routes (validated by the config
//! front end, then API Gateway's precedence) against a method and path. Any input ends in a match
//! or none, never a panic, and a chosen route is one that can answer the method.
//!
//! Input: line 1 the path, line 2 the method, each further line a path pattern and a route: a
//! line with a space (`ANY /pets/{id}`) or `$default` is a route key as written, any other line
//! the path of a route for the method of line 2.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use localfront_config::path_pattern::{normalize_path, PathPattern};
use localfront_config::RouteKey;

// API route matching is internal to the origins crate; compiled here as the crate compiles it.
#[allow(dead_code)]
#[path = "../../origins/src/apigw/routes.rs"]
mod routes;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let (Some(path), Some(method)) = (lines.next(), lines.next()) else {
        return;
    };
    let patterns: Vec<&str> = lines.take(16).collect();

    // Cache behaviors.
    let normalized = normalize_path(path);
    assert!(normalized.starts_with('/'), "{path:?} → {normalized:?}");
    assert_eq!(
        normalize_path(&normalized),
        normalized,
        "normalization is idempotent for {path:?}"
    );
    for p in &patterns {
        let _ = PathPattern::new(p).matches(&normalized);
    }

    // API routes, through the config front end as a user would write them.
    let mut toml = String::from("[[apis]]\nname = \"fuzz\"\n");
    for p in &patterns {
        let key = if p.contains(' ') || *p == "$default" {
            serde_json::to_string(p)
        } else {
            serde_json::to_string(&format!("{method} {p}"))
        }
        .expect("a string");
        toml.push_str(&format!(
            "[apis.routes.{key}]\nuri = \"http://127.0.0.1:9/\"\n"
        ));
    }
    let Ok(config) = localfront_config::toml::parse(&toml, Path::new("fuzz.toml"), Path::new("/"))
    else {
        return;
    };
    let Some(api) = config.apis.first() else {
        return;
    };
    let Ok(table) = routes::RouteTable::new(&api.routes) else {
        return;
    };
    if let Some(found) = table.find(method, path) {
        match &api.routes[found.route].key {
            RouteKey::Route { method: m, .. } => {
                assert!(m == method || m == "ANY", "route {m} chosen for {method}")
            }
            RouteKey::Default => {}
        }
    }
});
