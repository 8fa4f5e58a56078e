//! An example Lambda authorizer for API Gateway HTTP APIs (payload 2.0, simple responses): the
//! first identity source value (`$request.header.x-api-token` in examples/api-auth.toml) is
//! looked up in the `TENANT_TOKENS` environment variable (`token:tenant,token:tenant`); a known
//! token is authorized and its tenant passed on as `requestContext.authorizer.lambda.tenant`
//! (`$context.authorizer.tenant` in parameter mappings).

use localfront_guest::export_handler;
use serde_json::{json, Value};

fn handle(event: &str) -> Result<String, String> {
    let event: Value = serde_json::from_str(event).map_err(|e| e.to_string())?;
    let token = event["identitySource"][0].as_str().unwrap_or("");
    let tokens = std::env::var("TENANT_TOKENS").unwrap_or_default();
    let tenant = tokens
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .find(|(t, _)| !t.is_empty() && *t == token)
        .map(|(_, tenant)| tenant.to_owned());
    let response = match tenant {
        Some(tenant) => json!({ "isAuthorized": true, "context": { "tenant": tenant } }),
        None => json!({ "isAuthorized": false }),
    };
    Ok(response.to_string())
}

export_handler!(raw = handle);
