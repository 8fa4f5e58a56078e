//! `localfront token --issuer NAME --sub alice [--scope "a b"] [--group g] [--client-id app]
//! [--ttl 1h] [--id-token] [--claim k=v]`: prints a token signed by a local issuer of the
//! config (`[[issuers]]`), with Cognito's claim names. The issuer's key is the one a running
//! localfront serves (its `key_file`, generated here if it does not exist yet).

use std::path::Path;
use std::time::Duration;

use localfront_origins::{LocalIssuer, TokenRequest};

/// The longest `--ttl` (Cognito's longest access and ID token validity: one day).
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The options of `localfront token`.
#[derive(clap::Args)]
pub struct TokenArgs {
    /// The `[[issuers]]` entry that signs.
    #[arg(long)]
    pub issuer: String,
    /// `sub` and `username`; with declared `users`, one of them.
    #[arg(long)]
    pub sub: String,
    /// Space-separated scopes (`scope` of an access token), e.g. "pets/read pets/write".
    #[arg(long)]
    pub scope: Option<String>,
    /// A `cognito:groups` entry (repeatable), added to the user's groups.
    #[arg(long)]
    pub group: Vec<String>,
    /// `client_id` (access token) or `aud` (ID token).
    #[arg(long, default_value = "localfront")]
    pub client_id: String,
    /// Lifetime: `3600`, `90s`, `30m`, `1h` (at most `24h`).
    #[arg(long, default_value = "1h")]
    pub ttl: String,
    /// An ID token (`token_use: id`) instead of an access token.
    #[arg(long)]
    pub id_token: bool,
    /// An extra claim `name=value` (repeatable): the value as JSON if it parses, else a string.
    #[arg(long)]
    pub claim: Vec<String>,
}

/// The token, or what is wrong.
pub fn run(config: &Path, args: &TokenArgs) -> Result<String, String> {
    let loaded = localfront_config::toml::load(config).map_err(|e| e.to_string())?;
    let Some(issuer) = loaded.issuers.iter().find(|i| i.name == args.issuer) else {
        let names: Vec<&str> = loaded.issuers.iter().map(|i| i.name.as_str()).collect();
        return Err(format!(
            "{}: no issuer `{}` (declared: {})",
            config.display(),
            args.issuer,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
    };
    let ttl = parse_ttl(&args.ttl)?;
    let mut claims = Vec::new();
    for c in &args.claim {
        let Some((name, value)) = c.split_once('=').filter(|(n, _)| !n.is_empty()) else {
            return Err(format!("--claim `{c}`: expected name=value"));
        };
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        claims.push((name.to_owned(), value));
    }
    let request = TokenRequest {
        sub: args.sub.clone(),
        scopes: args
            .scope
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        groups: args.group.clone(),
        client_id: args.client_id.clone(),
        ttl,
        id_token: args.id_token,
        claims,
    };
    LocalIssuer::load(issuer)?.mint(&request)
}

/// `3600`, `90s`, `30m`, `1h`.
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("--ttl `{text}`: expected e.g. `3600`, `30m` or `1h`"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("--ttl `{text}`: the unit is `s`, `m` or `h`")),
    };
    let ttl = Duration::from_secs(seconds);
    if ttl.is_zero() || ttl > MAX_TTL {
        return Err(format!("--ttl `{text}`: between 1 second and 24h"));
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("3600").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_ttl("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        for bad in ["0", "25h", "1d", "h", ""] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
