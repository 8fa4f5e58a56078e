//! `localfront replay --generate N --behaviors CONFIG`: a synthetic CloudFront standard log for
//! users who have no logs yet. Each cache behavior's path pattern gives concrete paths (`*` and
//! `?` filled in), requests pick them with a Zipf distribution (a few hot objects, a long tail, as
//! real traffic has) and arrive as a Poisson process at `--rate` requests per second.
//!
//! The log describes requests only: what CloudFront answered (`sc-status`, `sc-bytes`,
//! `x-edge-result-type`, …) is `-`, since nothing answered them.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use localfront_config::{Config, ViewerProtocolPolicy};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Zipf};
use wildmatch::WildMatch;

use crate::access_log::{self, FIELDS};

/// Concrete paths made from each path pattern.
const PATHS_PER_BEHAVIOR: usize = 25;
/// The Zipf exponent: request share ∝ 1 / rank.
const ZIPF_EXPONENT: f64 = 1.0;
/// A few viewers' user agents.
const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "curl/8.11.0",
];

/// What to generate.
pub struct Generate<'a> {
    /// How many requests.
    pub requests: u64,
    /// The config whose behaviors give the paths.
    pub config: &'a Path,
    /// Requests per second.
    pub rate: f64,
    /// The random seed (the same seed gives the same log).
    pub seed: u64,
}

/// A path a request may ask for, and how it is asked.
struct Target {
    host: String,
    domain_name: String,
    path: String,
    protocol: &'static str,
}

/// Writes the log to `out` (gzip-compressed when `gzip`).
pub fn generate(g: &Generate, out: Box<dyn Write>, gzip: bool) -> Result<(), String> {
    let config = localfront_config::toml::load(g.config).map_err(|e| e.to_string())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(g.seed);
    let mut targets = targets(&config);
    if targets.is_empty() {
        return Err(format!("{}: no distributions", g.config.display()));
    }
    // Hot paths from every behavior, not just the first one's.
    targets.shuffle(&mut rng);
    let zipf = Zipf::new(targets.len() as f64, ZIPF_EXPONENT).map_err(|e| e.to_string())?;
    let gaps = Exp::new(g.rate).map_err(|_| format!("--rate {} must be above 0", g.rate))?;
    let pop = config.server.pop.clone();

    let mut out: Box<dyn Write> = if gzip {
        Box::new(GzEncoder::new(out, flate2::Compression::default()))
    } else {
        out
    };
    let write_err = |e: std::io::Error| format!("writing the log: {e}");
    writeln!(out, "#Version: 1.0\n#Fields: {}", FIELDS.join(" ")).map_err(write_err)?;
    let start = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
    let mut t = 0.0;
    for _ in 0..g.requests {
        let rank = zipf.sample(&mut rng) as usize;
        let target = &targets[rank.clamp(1, targets.len()) - 1];
        let when = time::OffsetDateTime::from_unix_timestamp((start + t) as i64)
            .map_err(|e| e.to_string())?;
        t += gaps.sample(&mut rng);
        let query = rng
            .random_bool(0.1)
            .then(|| format!("v={}", rng.random_range(1..5)));
        let client = format!("192.0.2.{}", rng.random_range(1..255));
        let agent = USER_AGENTS[rng.random_range(0..USER_AGENTS.len())];
        let line: Vec<String> = FIELDS
            .iter()
            .map(|field| match *field {
                "date" => format!(
                    "{:04}-{:02}-{:02}",
                    when.year(),
                    u8::from(when.month()),
                    when.day()
                ),
                "time" => format!(
                    "{:02}:{:02}:{:02}",
                    when.hour(),
                    when.minute(),
                    when.second()
                ),
                "x-edge-location" => pop.clone(),
                "c-ip" => client.clone(),
                "cs-method" => "GET".to_owned(),
                "cs(Host)" => access_log::value(Some(&target.domain_name)),
                "cs-uri-stem" => access_log::value(Some(&target.path)),
                "cs(User-Agent)" => access_log::value(Some(agent)),
                "cs-uri-query" => access_log::value(query.as_deref()),
                "x-host-header" => access_log::value(Some(&target.host)),
                "cs-protocol" => target.protocol.to_owned(),
                "cs-protocol-version" => "HTTP/1.1".to_owned(),
                _ => "-".to_owned(),
            })
            .collect();
        writeln!(out, "{}", line.join("\t")).map_err(write_err)?;
    }
    out.flush().map_err(write_err)
}

/// Every distribution's behaviors' paths.
fn targets(config: &Config) -> Vec<Target> {
    let mut targets = Vec::new();
    for d in &config.distributions {
        let host = d.aliases.first().unwrap_or(&d.domain_name).clone();
        let mut seen = std::collections::HashSet::new();
        for b in &d.cache_behaviors {
            let pattern = if b.path_pattern.starts_with('/') || b.path_pattern == "*" {
                b.path_pattern.clone()
            } else {
                format!("/{}", b.path_pattern)
            };
            let matcher = WildMatch::new(&pattern);
            let protocol = match b.viewer_protocol_policy {
                ViewerProtocolPolicy::AllowAll => "http",
                _ => "https",
            };
            for k in 0..PATHS_PER_BEHAVIOR {
                let path = concrete(&pattern, k);
                // A path is drawn once per distribution (an earlier behavior may claim it).
                if matcher.matches(&path) && seen.insert(path.clone()) {
                    targets.push(Target {
                        host: host.clone(),
                        domain_name: d.domain_name.clone(),
                        path,
                        protocol,
                    });
                }
            }
        }
    }
    targets
}

/// The `k`th concrete path of a pattern: `/images/*.jpg` → `/images/item-3.jpg`; the default
/// behavior's `*` → `/`, `/page-1`, …
fn concrete(pattern: &str, k: usize) -> String {
    if pattern == "*" {
        return if k == 0 {
            "/".to_owned()
        } else {
            format!("/page-{k}")
        };
    }
    let mut out = String::new();
    let mut stars = 0;
    for (i, c) in pattern.chars().enumerate() {
        match c {
            '*' => {
                if stars == 0 {
                    out.push_str(&format!("item-{k}"));
                } else {
                    out.push('x');
                }
                stars += 1;
            }
            '?' => out.push(char::from(b'a' + ((k + i) % 26) as u8)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::concrete;

    #[test]
    fn patterns_become_paths_they_match() {
        assert_eq!(concrete("/images/*.jpg", 3), "/images/item-3.jpg");
        assert_eq!(concrete("*", 0), "/");
        assert_eq!(concrete("/api/v?/*", 0), "/api/vg/item-0");
        assert_eq!(concrete("/static/*/*", 1), "/static/item-1/x");
    }
}
