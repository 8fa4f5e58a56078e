//! The embedded demo distribution `localfront serve` runs when no config file is given: an S3-style
//! directory origin with a small site, and `/api/*` on the built-in echo origin. The config is
//! `examples/demo.toml`; the site is `examples/demo-site/`; both are unpacked into the state dir at start.

use std::path::{Path, PathBuf};

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

/// Unpacks the demo site and config under `state_dir` and returns the config's path. The config is
/// rewritten from the embedded copy at every start (edits apply live, for the session).
pub fn unpack(state_dir: &Path) -> Result<PathBuf, String> {
    let site = state_dir.join("demo-site");
    let config = state_dir.join("demo.toml");
    let files = SITE
        .iter()
        .map(|(name, text)| (site.join(name), *text))
        .chain(std::iter::once((config.clone(), CONFIG)));
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Rewrite only what changed, so ETag and Last-Modified stay stable across restarts.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    Ok(config)
}
