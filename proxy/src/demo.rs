//! The embedded demo distribution `localfront serve` runs when no config file is given: an S3-style
//! directory origin with a small site, and `/api/*` on the built-in echo origin. The config is
//! `examples/demo.toml`; the site is `examples/demo-site/`, unpacked into the state dir at start.

use std::path::Path;

use localfront_config::{Config, ConfigErrors};

/// The demo config, as shipped in `examples/`.
const CONFIG: &str = include_str!("../../examples/demo.toml");

/// The demo site's files.
const SITE: &[(&str, &str)] = &[
    (
        "index.html",
        include_str!("../../examples/demo-site/index.html"),
    ),
    (
        "404.html",
        include_str!("../../examples/demo-site/404.html"),
    ),
    (
        "style.css",
        include_str!("../../examples/demo-site/style.css"),
    ),
    (
        "docs/index.html",
        include_str!("../../examples/demo-site/docs/index.html"),
    ),
];

/// Unpacks the demo site under `state_dir` and returns the demo config rooted there.
pub fn config(state_dir: &Path) -> Result<Config, String> {
    let site = state_dir.join("demo-site");
    for (name, text) in SITE {
        let path = site.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Rewrite only what changed, so ETag and Last-Modified stay stable across restarts.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    let mut config =
        localfront_config::toml::parse(CONFIG, Path::new("<embedded demo.toml>"), state_dir)
            .map_err(|e: ConfigErrors| e.to_string())?;
    config.server.state_dir = state_dir.to_owned();
    Ok(config)
}
