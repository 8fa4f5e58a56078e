//! Continuous deployment: after routing to a primary distribution, its continuous deployment policy
//! may send the request to the staging distribution instead — every request carrying the policy's
//! `aws-cf-cd-…` header and value (`SingleHeader`), or a share of requests (`SingleWeight`),
//! optionally kept per viewer session by a cookie. The staging distribution then serves the request
//! with its own behaviors, functions, policies and cache.

use std::time::{SystemTime, UNIX_EPOCH};

use localfront_config::{SessionStickiness, TrafficConfig};
use pingora::http::RequestHeader;

use super::route::{self, Route, ViewerRequest};
use super::viewer_values::cookies;
use super::Generated;
use crate::snapshot::Snapshot;

/// The session stickiness cookie. CloudFront sets a cookie for stickiness; its name is not in the
/// spec, so this one is localfront's (unconfirmed).
pub const STICKINESS_COOKIE: &str = "aws-cf-cd-session";

/// Which distribution serves a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Where the request goes (the staging distribution when it was selected).
    pub route: Route,
    /// The primary distribution the viewer addressed, when staging serves the request.
    pub primary: Option<usize>,
    /// A `Set-Cookie` value keeping the viewer's session on the chosen distribution.
    pub set_cookie: Option<String>,
}

/// Applies the routed distribution's continuous deployment policy, if it has an enabled one.
pub fn select(
    snapshot: &Snapshot,
    routed: Route,
    viewer: &ViewerRequest,
) -> Result<Deployment, Generated> {
    let primary = &snapshot.config.distributions[routed.distribution];
    let unchanged = Deployment {
        route: routed,
        primary: None,
        set_cookie: None,
    };
    let Some(policy) = primary
        .continuous_deployment_policy
        .as_ref()
        .filter(|p| p.enabled)
    else {
        return Ok(unchanged);
    };
    let Some(staging) = snapshot
        .config
        .distributions
        .iter()
        .position(|d| d.id == policy.staging_distribution_id)
    else {
        return Ok(unchanged);
    };
    let (to_staging, set_cookie) = match &policy.traffic {
        TrafficConfig::SingleHeader { header, value } => {
            let sent = viewer
                .header
                .headers
                .get_all(header.as_str())
                .iter()
                .any(|v| v.as_bytes() == value.as_bytes());
            (sent, None)
        }
        TrafficConfig::SingleWeight {
            weight,
            session_stickiness,
        } => weighted(viewer.header, *weight, session_stickiness.as_ref()),
    };
    if !to_staging {
        return Ok(Deployment {
            set_cookie,
            ..unchanged
        });
    }
    Ok(Deployment {
        route: route::route_in(snapshot, staging, viewer)?,
        primary: Some(routed.distribution),
        set_cookie,
    })
}

/// A weighted choice; with stickiness, the viewer's session cookie (`staging.<start>` or
/// `primary.<start>`, start in epoch seconds) repeats an earlier choice until the session's maximum
/// TTL, and every response renews it for the idle TTL.
fn weighted(
    req: &RequestHeader,
    weight: f64,
    stickiness: Option<&SessionStickiness>,
) -> (bool, Option<String>) {
    let Some(stickiness) = stickiness else {
        return (rand::random::<f64>() < weight, None);
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let maximum = stickiness.maximum_ttl.as_secs();
    let header_values = req
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let session = cookies(header_values)
        .into_iter()
        .find(|(name, _)| *name == STICKINESS_COOKIE)
        .and_then(|(_, value)| {
            let (choice, start) = value.split_once('.')?;
            let start: u64 = start.parse().ok()?;
            let staging = match choice {
                "staging" => true,
                "primary" => false,
                _ => return None,
            };
            (start <= now && now - start < maximum).then_some((staging, start))
        });
    let (staging, start) = session.unwrap_or_else(|| (rand::random::<f64>() < weight, now));
    let left = maximum - (now - start);
    let max_age = stickiness.idle_ttl.as_secs().min(left);
    let choice = if staging { "staging" } else { "primary" };
    let cookie =
        format!("{STICKINESS_COOKIE}={choice}.{start}; Max-Age={max_age}; Path=/; HttpOnly");
    (staging, Some(cookie))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn request(cookie: Option<String>) -> RequestHeader {
        let mut req = RequestHeader::build("GET", b"/", None).unwrap();
        if let Some(c) = cookie {
            req.insert_header("cookie", c).unwrap();
        }
        req
    }

    const STICKY: SessionStickiness = SessionStickiness {
        idle_ttl: Duration::from_secs(300),
        maximum_ttl: Duration::from_secs(600),
    };

    #[test]
    fn a_session_cookie_repeats_its_choice_until_the_maximum_ttl() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let fresh = format!("{STICKINESS_COOKIE}=staging.{}", now - 100);
        let (staging, cookie) = weighted(&request(Some(fresh)), 0.0, Some(&STICKY));
        assert!(staging);
        assert_eq!(
            cookie.unwrap(),
            format!(
                "{STICKINESS_COOKIE}=staging.{}; Max-Age=300; Path=/; HttpOnly",
                now - 100
            )
        );
        // Near the maximum TTL the renewal is shortened; past it a new session starts.
        let old = format!("{STICKINESS_COOKIE}=staging.{}", now - 500);
        let (_, cookie) = weighted(&request(Some(old)), 0.0, Some(&STICKY));
        assert!(cookie.unwrap().contains("Max-Age=100;"));
        let expired = format!("{STICKINESS_COOKIE}=staging.{}", now - 600);
        let (staging, cookie) = weighted(&request(Some(expired)), 0.0, Some(&STICKY));
        assert!(!staging);
        assert!(cookie
            .unwrap()
            .starts_with(&format!("{STICKINESS_COOKIE}=primary.")));
    }
}
