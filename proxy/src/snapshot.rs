//! The serving view of one config: compiled path patterns, the Host index and where each origin
//! lives. Built once per config load and shared by every request (`Arc<Snapshot>`), so a reload can
//! swap it whole while in-flight requests finish on the one they started with.

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use localfront_config::path_pattern::PathPattern;
use localfront_config::{Config, Distribution, OriginKind};
use localfront_origins::ApiCounters;
use localfront_origins::LocalIssuers;

use crate::edge_functions::EdgeFunctions;
use crate::edge_lambdas::EdgeLambdas;
use crate::in_process::{self, Bound, Stop};
use crate::lambda_functions::LambdaFunctions;
use crate::stages::viewer_response::CloudFrontValues;

/// A config ready to serve.
pub struct Snapshot {
    /// Counts configs loaded by this process: 1 at start, +1 per successful reload.
    pub generation: u64,
    /// The validated config.
    pub config: Config,
    /// Per distribution, in config order.
    pub distributions: Vec<DistributionView>,
    /// Host (lowercase, no port) → distribution index.
    hosts: HashMap<String, usize>,
    /// The distribution without aliases, for hosts nobody claims.
    default_distribution: Option<usize>,
    /// The hex edge id in `Via: 1.1 <id>.cloudfront.net (CloudFront)`.
    pub via_id: String,
    /// `Via` and `X-Amz-Cf-Pop` as header values, built once.
    pub cloudfront_values: CloudFrontValues,
    /// Marks localfront's own requests to itself (custom error pages); never leaves the process.
    pub internal_secret: String,
    /// CloudFront Functions and KeyValueStores.
    pub functions: EdgeFunctions,
    /// Lambda@Edge handlers.
    pub lambdas: EdgeLambdas,
    /// Lambda functions behind API origins (their counters feed the admin API and metrics).
    pub lambda_functions: Arc<LambdaFunctions>,
    /// API throttling buckets and usage plan quota counters, handed from each generation to the
    /// next so a reload does not reset them.
    pub api_counters: Arc<ApiCounters>,
    /// Local issuers (`[[issuers]]`), their keys loaded: the admin listener serves their
    /// discovery documents and keys.
    pub issuers: LocalIssuers,
    /// Stops this generation's in-process origins when the last request using it is done.
    _origins: Stop,
}

/// Serving data of one distribution, indexed like its config.
pub struct DistributionView {
    /// Compiled path pattern of each cache behavior (default behavior last).
    pub patterns: Vec<PathPattern>,
    /// Where each origin is reached, indexed like `Distribution::origins`.
    pub origins: Vec<OriginAddress>,
}

/// Where an origin is reached.
#[derive(Debug, Clone)]
pub enum OriginAddress {
    /// A custom origin: its name, and the addresses it resolved to at load (`None`: resolve per
    /// request, so a name that fails now can still answer later, and a failure is a 502 then).
    Tcp {
        resolved: Option<Vec<std::net::IpAddr>>,
    },
    /// An in-process origin (S3 directory, echo, API) served on this Unix socket.
    Unix(PathBuf),
}

impl Snapshot {
    /// Builds the serving view of `config` as generation `generation`: loads its functions and
    /// handlers and binds its in-process origins under `socket_dir` (started by the caller, before
    /// the snapshot takes requests). Every problem is reported, one per line. `previous` keeps the
    /// process's edge id and internal secret stable across reloads.
    pub fn build(
        config: Config,
        socket_dir: &Path,
        generation: u64,
        previous: Option<&Snapshot>,
    ) -> Result<(Self, Bound), Vec<String>> {
        // One WebAssembly host for Lambda@Edge handlers and Lambda functions alike.
        let wasm = crate::lambda_functions::wasm_runtime(&config).map_err(|e| vec![e])?;
        let functions = EdgeFunctions::load(&config);
        let lambdas = EdgeLambdas::load(&config, wasm.as_deref());
        let lambda_functions = LambdaFunctions::load(&config, wasm.as_deref());
        let (functions, lambdas, lambda_functions) = match (functions, lambdas, lambda_functions) {
            (Ok(f), Ok(l), Ok(lf)) => (f, l, Arc::new(lf)),
            (f, l, lf) => {
                let mut errors = f.err().unwrap_or_default();
                errors.extend(l.err().unwrap_or_default());
                errors.extend(lf.err().unwrap_or_default());
                return Err(errors);
            }
        };
        let api_counters = previous.map_or_else(Arc::default, |p| p.api_counters.clone());
        let issuers = LocalIssuers::load(&config.issuers)?;
        let (bound, stop) = in_process::bind(
            &config,
            socket_dir,
            generation,
            &lambda_functions,
            &api_counters,
            &issuers,
        )
        .map_err(|e| vec![e])?;
        let mut hosts = HashMap::new();
        let mut default_distribution = None;
        let distributions = config
            .distributions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                // A staging distribution is reached only through its primary's continuous
                // deployment policy, never by host.
                if !d.staging {
                    hosts.insert(d.domain_name.to_ascii_lowercase(), i);
                    for alias in &d.aliases {
                        hosts.insert(alias.to_ascii_lowercase(), i);
                    }
                    if d.aliases.is_empty() && default_distribution.is_none() {
                        default_distribution = Some(i);
                    }
                }
                DistributionView::new(d, i, socket_dir, generation)
            })
            .collect();
        let via_id = previous.map_or_else(|| random_hex(16), |p| p.via_id.clone());
        let cloudfront_values = CloudFrontValues::new(&via_id, &config.server.pop);
        let snapshot = Self {
            generation,
            config,
            distributions,
            hosts,
            default_distribution,
            cloudfront_values,
            via_id,
            internal_secret: previous.map_or_else(|| random_hex(16), |p| p.internal_secret.clone()),
            functions,
            lambdas,
            lambda_functions,
            api_counters,
            issuers,
            _origins: stop,
        };
        Ok((snapshot, bound))
    }

    /// The distribution serving `host` (CloudFront routes on the alternate domain name; a host
    /// nobody claims goes to the distribution without aliases, if there is one).
    pub fn distribution_for(&self, host: &str) -> Option<usize> {
        self.hosts
            .get(&host.to_ascii_lowercase())
            .copied()
            .or(self.default_distribution)
    }
}

impl DistributionView {
    fn new(d: &Distribution, index: usize, socket_dir: &Path, generation: u64) -> Self {
        let patterns = d
            .cache_behaviors
            .iter()
            .map(|b| PathPattern::new(&b.path_pattern))
            .collect();
        let origins = d
            .origins
            .iter()
            .enumerate()
            .map(|(j, o)| match &o.kind {
                OriginKind::Custom(c) => OriginAddress::Tcp {
                    resolved: (c.domain_name.as_str(), 0)
                        .to_socket_addrs()
                        .ok()
                        .map(|a| a.map(|s: SocketAddr| s.ip()).collect::<Vec<_>>())
                        .filter(|a| !a.is_empty()),
                },
                OriginKind::S3(_) | OriginKind::Echo | OriginKind::Api(_) => {
                    OriginAddress::Unix(socket_path(socket_dir, generation, index, j))
                }
            })
            .collect();
        Self { patterns, origins }
    }
}

/// The socket of in-process origin `origin` of distribution `distribution` in a generation.
pub fn socket_path(
    socket_dir: &Path,
    generation: u64,
    distribution: usize,
    origin: usize,
) -> PathBuf {
    socket_dir.join(format!("g{generation}-d{distribution}-o{origin}.sock"))
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}
