//! Origin changes asked for by the `cloudfront` module's helpers on viewer-request (§8):
//! `cf.updateRequestOrigin`, `cf.selectRequestOriginById`, `cf.createRequestOriginGroup`.
//!
//! The runtime records them as typed data in call order; the proxy applies them. Ranges are checked
//! by [`OriginUpdate::check`] for live runs only: TestFunction does not validate them (§8).

use serde::{Deserialize, Serialize};

/// One origin-helper call, in the order the function made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OriginChange {
    /// `cf.updateRequestOrigin({...})`: override fields of the assigned origin; omitted fields are
    /// inherited, and on an origin group only the primary changes.
    Update(OriginUpdate),
    /// `cf.selectRequestOriginById(id)`: use another origin of the distribution.
    SelectById(String),
    /// `cf.createRequestOriginGroup({...})`: fail over between origins of the distribution.
    CreateGroup(OriginGroupRequest),
}

/// The fields `cf.updateRequestOrigin` accepts (§8); `None` means "inherit".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginUpdate {
    /// Origin host name.
    pub domain_name: Option<String>,
    /// Path prefix.
    pub origin_path: Option<String>,
    /// Custom origin headers (a plain map), in the order given.
    pub custom_headers: Option<Vec<(String, String)>>,
    /// 1–3.
    pub connection_attempts: Option<u32>,
    /// Origin Shield (accepted, ignored by localfront).
    pub origin_shield: Option<OriginShield>,
    /// Origin access control (accepted, ignored by localfront).
    pub origin_access_control_config: Option<OriginAccessControlConfig>,
    /// Timeouts in seconds.
    pub timeouts: Option<OriginTimeouts>,
    /// Port, protocol and TLS versions of a custom origin.
    pub custom_origin_config: Option<CustomOriginConfig>,
}

/// `originShield` of [`OriginUpdate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginShield {
    /// Whether Origin Shield is on.
    pub enabled: bool,
    /// The Origin Shield region.
    pub region: Option<String>,
}

/// `originAccessControlConfig` of [`OriginUpdate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginAccessControlConfig {
    /// Whether signing is on.
    pub enabled: bool,
    /// `always` | `never` | `no-override`.
    pub signing_behavior: Option<String>,
    /// `sigv4`.
    pub signing_protocol: Option<String>,
    /// `s3` | `mediapackagev2` | `mediastore` | `lambda`.
    pub origin_type: Option<String>,
}

/// `timeouts` of [`OriginUpdate`], in seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginTimeouts {
    /// 1–60.
    pub read_timeout: Option<u32>,
    /// 1–60.
    pub keep_alive_timeout: Option<u32>,
    /// 1–10.
    pub connection_timeout: Option<u32>,
}

/// `customOriginConfig` of [`OriginUpdate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomOriginConfig {
    /// Origin port.
    pub port: Option<u32>,
    /// `http` | `https`.
    pub protocol: Option<String>,
    /// e.g. `["TLSv1.2"]`.
    pub ssl_protocols: Option<Vec<String>>,
}

/// The argument of `cf.createRequestOriginGroup` (§8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginGroupRequest {
    /// Origin ids, primary first.
    pub origin_ids: Vec<String>,
    /// `failoverCriteria.statusCodes`.
    pub failover_status_codes: Vec<u16>,
    /// `default` | `media-quality-score`; `None` when omitted.
    pub selection_criteria: Option<String>,
}

fn in_range(field: &str, value: Option<u32>, min: u32, max: u32) -> Result<(), String> {
    match value {
        Some(v) if v < min || v > max => Err(format!(
            "{field}: {v} is out of range: expected {min} to {max}"
        )),
        _ => Ok(()),
    }
}

fn one_of(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), String> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(format!(
            "{field}: `{v}` is not one of {}",
            allowed.join(", ")
        )),
        _ => Ok(()),
    }
}

impl OriginUpdate {
    /// Checks the documented ranges and enumerations (§8 table); the message names the field.
    pub fn check(&self) -> Result<(), String> {
        in_range("connectionAttempts", self.connection_attempts, 1, 3)?;
        if let Some(t) = &self.timeouts {
            in_range("timeouts.readTimeout", t.read_timeout, 1, 60)?;
            in_range("timeouts.keepAliveTimeout", t.keep_alive_timeout, 1, 60)?;
            in_range("timeouts.connectionTimeout", t.connection_timeout, 1, 10)?;
        }
        if let Some(c) = &self.custom_origin_config {
            in_range("customOriginConfig.port", c.port, 1, 65535)?;
            one_of(
                "customOriginConfig.protocol",
                c.protocol.as_deref(),
                &["http", "https"],
            )?;
        }
        if let Some(o) = &self.origin_access_control_config {
            one_of(
                "originAccessControlConfig.signingBehavior",
                o.signing_behavior.as_deref(),
                &["always", "never", "no-override"],
            )?;
            one_of(
                "originAccessControlConfig.signingProtocol",
                o.signing_protocol.as_deref(),
                &["sigv4"],
            )?;
            one_of(
                "originAccessControlConfig.originType",
                o.origin_type.as_deref(),
                &["s3", "mediapackagev2", "mediastore", "lambda"],
            )?;
        }
        if let Some(path) = &self.origin_path {
            if !path.is_empty() && !path.starts_with('/') {
                return Err(format!("originPath: `{path}` must start with /"));
            }
        }
        Ok(())
    }
}

impl OriginGroupRequest {
    /// Checks the group shape (§8): at least one origin id, a known selection criterion.
    pub fn check(&self) -> Result<(), String> {
        if self.origin_ids.is_empty() {
            return Err("originIds: at least one origin is needed".to_owned());
        }
        one_of(
            "selectionCriteria",
            self.selection_criteria.as_deref(),
            &["default", "media-quality-score"],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_with_the_field_name() {
        let u = OriginUpdate {
            timeouts: Some(OriginTimeouts {
                connection_timeout: Some(11),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            u.check().unwrap_err(),
            "timeouts.connectionTimeout: 11 is out of range: expected 1 to 10"
        );
    }
}
