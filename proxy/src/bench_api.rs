//! What the micro-benchmarks in `proxy/benches/` call: the request lifecycle's hot functions
//! (behavior match, primary cache key) over a snapshot built from a config, as the lifecycle
//! calls them, with no server around them. Not an API: hidden from the docs.

use std::path::Path;
use std::sync::Arc;

use pingora::http::RequestHeader;

use crate::context::RequestContext;
use crate::snapshot::Snapshot;
use crate::stages::{cache, route};

/// A config loaded as `localfront serve` loads it (its in-process origins bound, not served).
pub struct Edge {
    snapshot: Arc<Snapshot>,
}

/// A request's context once routed to a distribution and cache behavior.
pub struct Routed(RequestContext);

impl Edge {
    /// Parses `toml` (relative paths from `base_dir`) and builds its snapshot; in-process
    /// origins get their sockets in `base_dir`.
    pub fn load(toml: &str, base_dir: &Path) -> Result<Self, String> {
        let config = localfront_config::toml::parse(toml, &base_dir.join("bench.toml"), base_dir)
            .map_err(|e| e.to_string())?;
        let (snapshot, _bound) =
            Snapshot::build(config, base_dir, 1, None).map_err(|e| e.join("\n"))?;
        Ok(Self {
            snapshot: Arc::new(snapshot),
        })
    }

    /// The cache behavior of `distribution` that serves `path` (`stages::route::match_behavior`).
    pub fn match_behavior(&self, distribution: usize, path: &str) -> usize {
        route::match_behavior(&self.snapshot, distribution, path)
    }

    /// A fresh request context routed to `behavior` of `distribution`, over HTTPS or not.
    pub fn routed(&self, distribution: usize, behavior: usize, https: bool) -> Routed {
        let mut ctx = RequestContext::new(self.snapshot.clone());
        ctx.distribution = Some(distribution);
        ctx.behavior = behavior;
        ctx.viewer_https = https;
        Routed(ctx)
    }

    /// The primary cache key of `req` (`stages::cache::primary_key`).
    pub fn primary_key(&self, routed: &Routed, req: &RequestHeader) -> Option<String> {
        cache::primary_key(req, &routed.0)
    }
}
