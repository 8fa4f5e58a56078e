//! Throttling of stages and routes, `api_key_source`, `[apis.cors]`, `[[api_keys]]` and
//! `[[usage_plans]]` (spec/api-gateway.md §6–8).

use super::{quoted, Checker};
use crate::api_limits::{ApiCors, ApiKey, ApiKeySource, Quota, QuotaPeriod, Throttle, UsagePlan};
use crate::apis::ApiConfig;
use crate::error::{did_you_mean, KeyPath};
use crate::raw_apis::{RawApiCors, RawApiKey, RawThrottle, RawUsagePlan};

/// An API key's length in characters (spec/api-gateway.md §7).
const KEY_LENGTH: std::ops::RangeInclusive<usize> = 20..=128;

/// Usage plans one key may belong to.
const MAX_PLANS_PER_KEY: usize = 10;

/// Methods `allow_methods` may name.
const CORS_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*",
];

/// `throttling = { rate_limit, burst_limit }`; a missing half is the account's limit.
pub(super) fn throttle(
    c: &mut Checker,
    raw: Option<RawThrottle>,
    at: &KeyPath,
) -> Option<Throttle> {
    let raw = raw?;
    let account = Throttle::ACCOUNT;
    let rate_limit = match raw.rate_limit {
        None => account.rate_limit,
        Some(r) if r.is_finite() && (0.0..=account.rate_limit).contains(&r) => r,
        Some(r) => {
            c.error_hint(
                &at.key("rate_limit"),
                format!("{r} is not a rate limit: expected 0 to 10000 requests per second"),
                "API Gateway never throttles above the account's 10,000 requests per second",
            );
            account.rate_limit
        }
    };
    let burst_limit = c.ranged(
        raw.burst_limit,
        &at.key("burst_limit"),
        0,
        i64::from(account.burst_limit),
        i64::from(account.burst_limit),
    ) as u32;
    Some(Throttle {
        rate_limit,
        burst_limit,
    })
}

/// `api_key_source`: only `HEADER` (`x-api-key`).
pub(super) fn api_key_source(c: &mut Checker, raw: Option<&str>, at: &KeyPath) -> ApiKeySource {
    if raw == Some("AUTHORIZER") {
        c.error_hint(
            at,
            "`AUTHORIZER` is not supported: localfront reads API keys from the `x-api-key` header",
            "use `api_key_source = \"HEADER\"`",
        );
        return ApiKeySource::Header;
    }
    c.choice(
        raw,
        at,
        &[("HEADER", ApiKeySource::Header)],
        ApiKeySource::Header,
    )
}

/// `[apis.cors]`.
pub(super) fn cors(c: &mut Checker, raw: Option<RawApiCors>, at: &KeyPath) -> Option<ApiCors> {
    let raw = raw?;
    let allow_origins = raw
        .allow_origins
        .iter()
        .enumerate()
        .map(|(i, o)| {
            if let Err(why) = check_origin(o) {
                c.error_hint(
                    &at.key("allow_origins").index(i),
                    format!("`{o}` is not an allowed origin: {why}"),
                    "`https://app.example.com`, `http://localhost:3000`, `https://*.example.com`, `https://*` or `*`",
                );
            }
            o.to_ascii_lowercase()
        })
        .collect();
    let allow_methods = raw
        .allow_methods
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let upper = m.to_ascii_uppercase();
            if !CORS_METHODS.contains(&upper.as_str()) {
                c.error(
                    &at.key("allow_methods").index(i),
                    format!(
                        "`{m}` is not a method: expected one of {}",
                        quoted(CORS_METHODS)
                    ),
                );
            }
            upper
        })
        .collect();
    let allow_headers = header_names(c, &raw.allow_headers, &at.key("allow_headers"));
    let expose_headers = header_names(c, &raw.expose_headers, &at.key("expose_headers"));
    let max_age = raw
        .max_age
        .map(|_| c.ranged(raw.max_age, &at.key("max_age"), 0, 86_400, 0) as u32);
    Some(ApiCors {
        allow_origins,
        allow_methods,
        allow_headers,
        expose_headers,
        max_age,
        allow_credentials: raw.allow_credentials.unwrap_or(false),
    })
}

/// An allowed origin: `*`, or `scheme://host[:port]` whose host may be `*` or start with `*.`.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    if origin == "*" {
        return Ok(());
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err("expected `scheme://host` or `*`");
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err("the scheme is `http` or `https`");
    }
    if rest == "*" {
        return Ok(());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port {
        if port.parse::<u16>().is_err() {
            return Err("the port is a number up to 65535");
        }
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let valid = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
        });
    if valid {
        Ok(())
    } else {
        Err("an origin is a scheme and a host name, with no path; `*` only as the first label")
    }
}

/// Header names (lowercased) or `*`.
fn header_names(c: &mut Checker, raw: &[String], at: &KeyPath) -> Vec<String> {
    raw.iter()
        .enumerate()
        .map(|(i, h)| {
            let token = !h.is_empty()
                && h.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(ch));
            if !token {
                c.error(&at.index(i), format!("`{h}` is not a header name"));
            }
            h.to_ascii_lowercase()
        })
        .collect()
}

/// `[[api_keys]]`.
pub(super) fn convert_api_keys(c: &mut Checker, raw: Vec<RawApiKey>) -> Vec<ApiKey> {
    let mut out: Vec<ApiKey> = Vec::new();
    for (i, k) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("api_keys").index(i);
        let (Some(name), Some(value)) = (
            c.required(k.name, &at, "name"),
            c.required(k.value, &at, "value"),
        ) else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate api key `{name}`"));
        }
        let length = value.chars().count();
        if !KEY_LENGTH.contains(&length) || !value.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            c.error_hint(
                &at.key("value"),
                format!("api key `{name}`: the value must be 20 to 128 letters and digits (it has {length} characters)"),
                "`localfront api-keys create --name NAME` makes one",
            );
        } else if let Some(other) = out.iter().find(|x| x.value == value) {
            c.error(
                &at.key("value"),
                format!("api key `{name}` has the same value as `{}`", other.name),
            );
        }
        out.push(ApiKey {
            name,
            value,
            enabled: k.enabled.unwrap_or(true),
        });
    }
    out
}

/// `[[usage_plans]]`, their API stages and keys checked against `apis` and `keys`.
pub(super) fn convert_usage_plans(
    c: &mut Checker,
    raw: Vec<RawUsagePlan>,
    apis: &[ApiConfig],
    keys: &[ApiKey],
) -> Vec<UsagePlan> {
    let mut out: Vec<UsagePlan> = Vec::new();
    for (i, p) in raw.into_iter().enumerate() {
        let at = KeyPath::default().key("usage_plans").index(i);
        let Some(name) = c.required(p.name, &at, "name") else {
            continue;
        };
        if out.iter().any(|x| x.name == name) {
            c.error(&at.key("name"), format!("duplicate usage plan `{name}`"));
        }
        let mut stages: Vec<(String, String)> = Vec::new();
        for (j, s) in p.apis.into_iter().enumerate() {
            let s_at = at.key("apis").index(j);
            let Some(api_name) = c.required(s.api, &s_at, "api") else {
                continue;
            };
            let stage = s.stage.unwrap_or_else(|| "$default".to_owned());
            match apis.iter().find(|a| a.name == api_name) {
                None => {
                    let message = format!("unknown api `{api_name}`");
                    match did_you_mean(&api_name, apis.iter().map(|a| a.name.as_str())) {
                        Some(h) => c.error_hint(&s_at.key("api"), message, h),
                        None => c.error_hint(&s_at.key("api"), message, "declare it in `[[apis]]`"),
                    }
                }
                Some(api) if api.stages.iter().all(|st| st.name != stage) => {
                    let names: Vec<&str> = api.stages.iter().map(|st| st.name.as_str()).collect();
                    c.error_hint(
                        &s_at.key("stage"),
                        format!("api `{api_name}` has no stage `{stage}`"),
                        did_you_mean(&stage, names.iter().copied())
                            .unwrap_or_else(|| format!("its stages: {}", quoted(&names))),
                    );
                }
                Some(_) => {}
            }
            let pair = (api_name, stage);
            if stages.contains(&pair) {
                c.error(
                    &s_at,
                    format!("stage `{}` of api `{}` is listed twice", pair.1, pair.0),
                );
            }
            stages.push(pair);
        }
        let throttle = throttle(c, p.throttle, &at.key("throttle"));
        let quota = p.quota.and_then(|q| {
            let q_at = at.key("quota");
            let limit = c.required(q.limit, &q_at, "limit");
            let period = c.required(q.period, &q_at, "period");
            let limit = match limit {
                Some(l) if l >= 0 => l as u64,
                Some(l) => {
                    c.error(
                        &q_at.key("limit"),
                        format!("{l} is not a quota: expected a number of requests, 0 or more"),
                    );
                    return None;
                }
                None => return None,
            };
            let period = c.choice(
                Some(period?.as_str()),
                &q_at.key("period"),
                &[
                    ("DAY", QuotaPeriod::Day),
                    ("WEEK", QuotaPeriod::Week),
                    ("MONTH", QuotaPeriod::Month),
                ],
                QuotaPeriod::Day,
            );
            Some(Quota { limit, period })
        });
        for (j, key) in p.api_keys.iter().enumerate() {
            if keys.iter().all(|k| &k.name != key) {
                let message = format!("unknown api key `{key}`");
                let k_at = at.key("api_keys").index(j);
                match did_you_mean(key, keys.iter().map(|k| k.name.as_str())) {
                    Some(h) => c.error_hint(&k_at, message, h),
                    None => c.error_hint(&k_at, message, "declare it in `[[api_keys]]`"),
                }
            }
        }
        out.push(UsagePlan {
            name,
            stages,
            throttle,
            quota,
            api_keys: p.api_keys,
        });
    }
    check_key_plans(c, &out);
    out
}

/// A key belongs to at most 10 plans, and to one plan per API stage (which plan throttles
/// and counts a request must be clear).
fn check_key_plans(c: &mut Checker, plans: &[UsagePlan]) {
    for (i, plan) in plans.iter().enumerate() {
        for (j, key) in plan.api_keys.iter().enumerate() {
            let at = KeyPath::default()
                .key("usage_plans")
                .index(i)
                .key("api_keys")
                .index(j);
            let earlier = &plans[..i];
            let member_of = earlier.iter().filter(|p| p.api_keys.contains(key)).count() + 1;
            if member_of == MAX_PLANS_PER_KEY + 1 {
                c.error(
                    &at,
                    format!("api key `{key}` is in more than {MAX_PLANS_PER_KEY} usage plans"),
                );
            }
            if plan.api_keys[..j].contains(key) {
                c.error(&at, format!("api key `{key}` is listed twice"));
                continue;
            }
            let shared = earlier.iter().find_map(|p| {
                let stage = p
                    .api_keys
                    .contains(key)
                    .then(|| p.stages.iter().find(|s| plan.stages.contains(s)))
                    .flatten()?;
                Some((p, stage))
            });
            if let Some((other, (api, stage))) = shared {
                c.error(
                    &at,
                    format!(
                        "api key `{key}` is also in usage plan `{}`, which covers the same stage `{stage}` of api `{api}`: a key has one plan per API stage",
                        other.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A config with one echo distribution, API `pets` (stage `prod`) and `tail`.
    fn errors(tail: &str) -> Vec<String> {
        let source = format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n[[apis]]\nname = \"pets\"\n[[apis.stages]]\nname = \"prod\"\n{tail}"
        );
        match crate::toml::parse(&source, Path::new("t.toml"), Path::new(".")) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_protection_config_loads() {
        let tail = r#"throttling = { rate_limit = 0.5, burst_limit = 3 }
[apis.cors]
allow_origins = ["https://app.example.com", "https://*.example.com", "http://localhost:3000", "*"]
allow_methods = ["GET", "post"]
allow_headers = ["Authorization"]
max_age = 600
[apis.routes."GET /pets"]
uri = "http://127.0.0.1:9000/pets"
api_key_required = true
throttling = { burst_limit = 1 }
[[api_keys]]
name = "partner"
value = "abcdefghijklmnopqrstuvwxyz0123"
[[usage_plans]]
name = "basic"
apis = [{ api = "pets", stage = "prod" }]
throttle = { rate_limit = 5.0, burst_limit = 10 }
quota = { limit = 1000, period = "WEEK" }
api_keys = ["partner"]
"#;
        assert_eq!(errors(tail), Vec::<String>::new());
    }

    #[test]
    fn throttling_numbers_are_checked() {
        let e = errors("throttling = { rate_limit = -1.0, burst_limit = 5001 }\n");
        assert_eq!(
            e,
            [
                "t.toml:12:29: apis[0].stages[0].throttling.rate_limit: -1 is not a rate limit: expected 0 to 10000 requests per second (API Gateway never throttles above the account's 10,000 requests per second)",
                "t.toml:12:49: apis[0].stages[0].throttling.burst_limit: 5001 is out of range: expected 0 to 5000",
            ]
        );
        let e = errors("throttling = { rate_limit = 1.0, burst = 5 }\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].starts_with(
                "t.toml:12:34: apis[0].stages[0].throttling.burst: unknown key `burst`"
            ),
            "{e:#?}"
        );
    }

    #[test]
    fn api_keys_are_20_to_128_letters_and_digits_and_unique() {
        let e = errors(
            "[[api_keys]]\nname = \"a\"\nvalue = \"short\"\n[[api_keys]]\nname = \"b\"\nvalue = \"abcdefghijklmnopqrst-uvwxyz\"\n[[api_keys]]\nname = \"c\"\nvalue = \"abcdefghijklmnopqrstuvwxyz\"\n[[api_keys]]\nname = \"c\"\nvalue = \"abcdefghijklmnopqrstuvwxyz\"\n",
        );
        assert_eq!(e.len(), 4, "{e:#?}");
        assert!(e[0].starts_with("t.toml:14:9: api_keys[0].value: api key `a`: the value must be 20 to 128 letters and digits (it has 5 characters)"), "{e:#?}");
        assert!(
            e[1].starts_with("t.toml:17:9: api_keys[1].value: api key `b`"),
            "{e:#?}"
        );
        assert_eq!(e[2], "t.toml:22:8: api_keys[3].name: duplicate api key `c`");
        assert_eq!(
            e[3],
            "t.toml:23:9: api_keys[3].value: api key `c` has the same value as `c`"
        );
    }

    #[test]
    fn usage_plans_name_known_apis_stages_keys_and_periods() {
        let e = errors(
            r#"[[api_keys]]
name = "partner"
value = "abcdefghijklmnopqrstuvwxyz0123"
[[usage_plans]]
name = "basic"
apis = [{ api = "pest", stage = "prod" }, { api = "pets", stage = "prd" }]
quota = { limit = 10, period = "YEAR" }
api_keys = ["partnr"]
"#,
        );
        assert_eq!(
            e,
            [
                "t.toml:17:17: usage_plans[0].apis[0].api: unknown api `pest` (did you mean `pets`?)",
                "t.toml:17:67: usage_plans[0].apis[1].stage: api `pets` has no stage `prd` (did you mean `prod`?)",
                "t.toml:18:32: usage_plans[0].quota.period: unknown value `YEAR`: expected one of `DAY`, `WEEK`, `MONTH`",
                "t.toml:19:13: usage_plans[0].api_keys[0]: unknown api key `partnr` (did you mean `partner`?)",
            ]
        );
    }

    #[test]
    fn a_key_has_one_plan_per_api_stage() {
        let e = errors(
            r#"[[api_keys]]
name = "partner"
value = "abcdefghijklmnopqrstuvwxyz0123"
[[usage_plans]]
name = "a"
apis = [{ api = "pets", stage = "prod" }]
api_keys = ["partner"]
[[usage_plans]]
name = "b"
apis = [{ api = "pets", stage = "prod" }]
api_keys = ["partner"]
"#,
        );
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].starts_with("t.toml:22:13: usage_plans[1].api_keys[0]: api key `partner` is also in usage plan `a`"),
            "{e:#?}"
        );
    }

    #[test]
    fn cors_origins_methods_and_max_age_are_checked() {
        let e = errors(
            "[apis.cors]\nallow_origins = [\"app.example.com\", \"https://a.test/path\", \"ftp://x.test\"]\nallow_methods = [\"FETCH\"]\nmax_age = 90000\n",
        );
        assert_eq!(e.len(), 5, "{e:#?}");
        assert!(e[0].starts_with("t.toml:13:18: apis[0].cors.allow_origins[0]: `app.example.com` is not an allowed origin: expected `scheme://host` or `*`"), "{e:#?}");
        assert!(
            e[1].contains("allow_origins[1]: `https://a.test/path` is not an allowed origin"),
            "{e:#?}"
        );
        assert!(e[2].contains("allow_origins[2]: `ftp://x.test` is not an allowed origin: the scheme is `http` or `https`"), "{e:#?}");
        assert!(
            e[3].contains("allow_methods[0]: `FETCH` is not a method"),
            "{e:#?}"
        );
        assert!(
            e[4].contains("max_age: 90000 is out of range: expected 0 to 86400"),
            "{e:#?}"
        );
    }
}
