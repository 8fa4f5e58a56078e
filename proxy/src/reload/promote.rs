//! Promotion (continuous deployment): the staging distribution's configuration copied over its
//! primary's, as CloudFront's `UpdateDistributionWithStagingConfig` does. The primary keeps its id,
//! domain name, aliases and continuous deployment policy; everything else comes from staging.

use localfront_config::Config;

/// `config` with staging distribution `staging_id` promoted onto its primary.
pub fn promoted(mut config: Config, staging_id: &str) -> Result<Config, String> {
    let staging = config
        .distributions
        .iter()
        .find(|d| d.id == staging_id && d.staging)
        .cloned()
        .ok_or_else(|| format!("`{staging_id}` is not a staging distribution"))?;
    let primary = config
        .distributions
        .iter_mut()
        .find(|d| {
            d.continuous_deployment_policy
                .as_ref()
                .is_some_and(|p| p.staging_distribution_id == staging_id)
        })
        .ok_or_else(|| format!("no primary distribution links to `{staging_id}`"))?;
    *primary = localfront_config::Distribution {
        id: primary.id.clone(),
        domain_name: primary.domain_name.clone(),
        aliases: primary.aliases.clone(),
        staging: false,
        continuous_deployment_policy: primary.continuous_deployment_policy.clone(),
        ..staging
    };
    Ok(config)
}
