//! Distributions' `staging` flag and `continuous_deployment_policy`, with CloudFront's limits: a
//! weight of at most 15 %, stickiness TTLs of 300–3600 s, headers named `aws-cf-cd-…`, one primary
//! per staging distribution, and no aliases on a staging distribution.

use std::time::Duration;

use super::Checker;
use crate::continuous_deployment::{ContinuousDeploymentPolicy, SessionStickiness, TrafficConfig};
use crate::error::KeyPath;
use crate::model::Distribution;
use crate::raw_policies::RawContinuousDeploymentPolicy;

/// CloudFront's largest staging share.
const MAX_WEIGHT: f64 = 0.15;

/// Converts one distribution's policy.
pub(super) fn policy(
    c: &mut Checker,
    raw: Option<RawContinuousDeploymentPolicy>,
    at: &KeyPath,
) -> Option<ContinuousDeploymentPolicy> {
    let raw = raw?;
    let staging_distribution_id =
        c.required(raw.staging_distribution_id, at, "staging_distribution_id")?;
    let traffic = match (raw.single_weight, raw.single_header) {
        (Some(w), None) => {
            let at = at.key("single_weight");
            let weight = c.required(w.weight, &at, "weight").unwrap_or(0.0);
            if !(0.0..=MAX_WEIGHT).contains(&weight) {
                c.error(
                    &at.key("weight"),
                    format!("{weight} is out of range: expected 0.0 to {MAX_WEIGHT}"),
                );
            }
            let session_stickiness = w.session_stickiness.map(|s| {
                let at = at.key("session_stickiness");
                let idle = c.ranged(s.idle_ttl, &at.key("idle_ttl"), 300, 3600, 300);
                let max = c.ranged(s.maximum_ttl, &at.key("maximum_ttl"), 300, 3600, 600);
                if idle > max {
                    c.error(
                        &at,
                        format!("idle_ttl {idle} is longer than maximum_ttl {max}"),
                    );
                }
                SessionStickiness {
                    idle_ttl: Duration::from_secs(idle as u64),
                    maximum_ttl: Duration::from_secs(max as u64),
                }
            });
            TrafficConfig::SingleWeight {
                weight,
                session_stickiness,
            }
        }
        (None, Some(h)) => {
            let at = at.key("single_header");
            let header = c.required(h.header, &at, "header").unwrap_or_default();
            let value = c.required(h.value, &at, "value").unwrap_or_default();
            let lower = header.to_ascii_lowercase();
            if !header.is_empty() && !lower.starts_with("aws-cf-cd-") {
                c.error_hint(
                    &at.key("header"),
                    format!("`{header}` does not start with `aws-cf-cd-`"),
                    format!("CloudFront requires the prefix: `aws-cf-cd-{header}`"),
                );
            }
            TrafficConfig::SingleHeader {
                header: lower,
                value,
            }
        }
        _ => {
            c.error(
                at,
                "expected exactly one of `single_weight` or `single_header`",
            );
            return None;
        }
    };
    Some(ContinuousDeploymentPolicy {
        staging_distribution_id,
        enabled: raw.enabled.unwrap_or(true),
        traffic,
    })
}

/// Cross-distribution rules: a policy names a staging distribution, each staging distribution has
/// one primary, and staging distributions have no aliases and no policy of their own.
pub(super) fn check_links(c: &mut Checker, distributions: &[Distribution]) {
    let root = KeyPath::default().key("distributions");
    let mut claimed: Vec<&str> = Vec::new();
    for (i, d) in distributions.iter().enumerate() {
        let at = root.index(i);
        if d.staging && !d.aliases.is_empty() {
            c.error(
                &at.key("aliases"),
                "a staging distribution has no aliases: viewers reach it through its primary",
            );
        }
        let Some(policy) = &d.continuous_deployment_policy else {
            continue;
        };
        let at = at
            .key("continuous_deployment_policy")
            .key("staging_distribution_id");
        if d.staging {
            c.error(
                &at,
                "a staging distribution cannot have a continuous deployment policy",
            );
        }
        let id = policy.staging_distribution_id.as_str();
        match distributions.iter().find(|s| s.id == id) {
            None => c.error(&at, format!("unknown distribution id `{id}`")),
            Some(s) if !s.staging => c.error_hint(
                &at,
                format!("distribution `{id}` is not a staging distribution"),
                "give it `staging = true`",
            ),
            Some(_) if claimed.contains(&id) => c.error(
                &at,
                format!("staging distribution `{id}` already has a primary"),
            ),
            Some(_) => claimed.push(id),
        }
    }
}
