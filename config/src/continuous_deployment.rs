//! Continuous deployment: a staging distribution served for part of a primary distribution's
//! traffic, chosen by weight (with optional session stickiness) or by a request header, as
//! CloudFront's continuous deployment policies do.

use std::time::Duration;

/// A primary distribution's continuous deployment policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousDeploymentPolicy {
    /// The staging distribution's id.
    pub staging_distribution_id: String,
    /// Whether traffic is routed to staging at all.
    pub enabled: bool,
    /// Which requests go to staging.
    pub traffic: TrafficConfig,
}

/// `TrafficConfig`.
#[derive(Debug, Clone, PartialEq)]
pub enum TrafficConfig {
    /// A share of requests (`0.0`–`0.15`), optionally sticky per viewer session.
    SingleWeight {
        /// The share of requests sent to staging.
        weight: f64,
        /// Keep a viewer on the distribution first chosen for it.
        session_stickiness: Option<SessionStickiness>,
    },
    /// Requests with this header and value (`aws-cf-cd-…`, name lowercase).
    SingleHeader {
        /// Header name, lowercase.
        header: String,
        /// Exact value.
        value: String,
    },
}

/// `SessionStickinessConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStickiness {
    /// A session ends after this long without requests (300–3600 s).
    pub idle_ttl: Duration,
    /// A session ends this long after it started (300–3600 s).
    pub maximum_ttl: Duration,
}
