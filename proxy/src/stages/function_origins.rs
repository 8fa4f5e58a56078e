//! Origin changes made by a viewer-request function's `cloudfront` module helpers
//! (spec/cloudfront-functions.md §8): they really change where the request goes.

use std::time::Duration;

use localfront_config::{CustomOrigin, OriginGroup, OriginKind, OriginProtocolPolicy};
use localfront_events::cff::{OriginChange, OriginGroupRequest, OriginUpdate};

use crate::context::{OriginChoice, RequestContext};

/// Applies the changes in call order; an id the distribution does not have is invalid output.
pub fn apply(ctx: &mut RequestContext, changes: &[OriginChange]) -> Result<(), String> {
    for change in changes {
        match change {
            OriginChange::SelectById(id) => select(ctx, id)?,
            OriginChange::Update(update) => update_origin(ctx, update)?,
            OriginChange::CreateGroup(group) => create_group(ctx, group)?,
        }
    }
    Ok(())
}

fn index_of(ctx: &RequestContext, id: &str) -> Result<usize, String> {
    ctx.distribution()
        .and_then(|d| d.origins.iter().position(|o| o.id == id))
        .ok_or_else(|| format!("selectRequestOriginById: the distribution has no origin `{id}`"))
}

/// `cf.selectRequestOriginById(id)`: another origin of the distribution, not in a group.
fn select(ctx: &mut RequestContext, id: &str) -> Result<(), String> {
    let origin = index_of(ctx, id)?;
    ctx.origin = OriginChoice {
        origin,
        group: None,
        on_secondary: false,
    };
    ctx.origin_override = None;
    ctx.group_override = None;
    Ok(())
}

/// `cf.createRequestOriginGroup({...})`: fail over between two origins of the distribution.
fn create_group(ctx: &mut RequestContext, request: &OriginGroupRequest) -> Result<(), String> {
    let [primary, secondary] = request.origin_ids.as_slice() else {
        return Err("createRequestOriginGroup: exactly two originIds are needed".to_owned());
    };
    let origin = index_of(ctx, primary)?;
    index_of(ctx, secondary)?;
    ctx.origin = OriginChoice {
        origin,
        group: None,
        on_secondary: false,
    };
    ctx.origin_override = None;
    ctx.group_override = Some(Box::new(OriginGroup {
        id: format!("{primary}+{secondary}"),
        primary: primary.clone(),
        secondary: secondary.clone(),
        failover_status_codes: request.failover_status_codes.clone(),
    }));
    Ok(())
}

/// `cf.updateRequestOrigin({...})`: the assigned origin (a group's primary) with fields overridden.
fn update_origin(ctx: &mut RequestContext, update: &OriginUpdate) -> Result<(), String> {
    update.check()?;
    let mut origin = ctx.current_origin().cloned().ok_or("no origin to update")?;
    let config = update.custom_origin_config.as_ref();
    let https = config
        .and_then(|c| c.protocol.as_deref())
        .map(|p| p == "https");
    let port = config.and_then(|c| c.port).map(|p| p as u16);
    if let Some(domain) = &update.domain_name {
        // A new domain makes any origin a custom one (an S3 directory has no domain to change).
        let mut custom = match &origin.kind {
            OriginKind::Custom(c) => c.clone(),
            _ => CustomOrigin {
                domain_name: String::new(),
                http_port: 80,
                https_port: 443,
                protocol_policy: OriginProtocolPolicy::HttpsOnly,
                tls_verify: true,
            },
        };
        custom.domain_name = domain.clone();
        origin.kind = OriginKind::Custom(custom);
    }
    if let OriginKind::Custom(c) = &mut origin.kind {
        match https {
            Some(true) => c.protocol_policy = OriginProtocolPolicy::HttpsOnly,
            Some(false) => c.protocol_policy = OriginProtocolPolicy::HttpOnly,
            None => {}
        }
        if let Some(port) = port {
            match c.protocol_policy {
                OriginProtocolPolicy::HttpsOnly => c.https_port = port,
                OriginProtocolPolicy::HttpOnly => c.http_port = port,
                OriginProtocolPolicy::MatchViewer => {
                    c.http_port = port;
                    c.https_port = port;
                }
            }
        }
    }
    if let Some(path) = &update.origin_path {
        origin.origin_path = path.trim_end_matches('/').to_owned();
    }
    if let Some(headers) = &update.custom_headers {
        origin.custom_headers = headers.clone();
    }
    if let Some(attempts) = update.connection_attempts {
        origin.connection.connection_attempts = attempts as u8;
    }
    if let Some(t) = &update.timeouts {
        let secs = |v: Option<u32>, current: Duration| {
            v.map_or(current, |s| Duration::from_secs(s.into()))
        };
        origin.connection.read_timeout = secs(t.read_timeout, origin.connection.read_timeout);
        origin.connection.keepalive_timeout =
            secs(t.keep_alive_timeout, origin.connection.keepalive_timeout);
        origin.connection.connection_timeout =
            secs(t.connection_timeout, origin.connection.connection_timeout);
    }
    ctx.origin_override = Some(Box::new(origin));
    Ok(())
}
