//! The validated model of an API's protections that limit who calls it and how often
//! (spec/api-gateway.md §6–8): throttling of stages and routes, API keys and usage plans (REST
//! API rules, opt-in per route), and CORS.

/// `throttling = { rate_limit, burst_limit }`: a token bucket holding `burst_limit` tokens,
/// refilled at `rate_limit` tokens a second; each request takes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// Steady-state requests per second (0–10,000, the account's limit; fractions allowed).
    pub rate_limit: f64,
    /// Requests admitted at once (0–5,000, the account's limit).
    pub burst_limit: u32,
}

impl Throttle {
    /// API Gateway's account-level limits, also what a missing `rate_limit` or `burst_limit`
    /// means: 10,000 requests per second, bursts of 5,000.
    pub const ACCOUNT: Throttle = Throttle {
        rate_limit: 10_000.0,
        burst_limit: 5_000,
    };
}

/// Where a route that requires an API key reads it (`api_key_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiKeySource {
    /// The `x-api-key` request header.
    #[default]
    Header,
}

/// `[apis.cors]`: the CORS answers API Gateway gives for the API (spec/api-gateway.md §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCors {
    /// Origins allowed: `https://app.example.com`, `*`, `https://*`, `http://*`, or one wildcard
    /// host label like `https://*.example.com`. Stored lowercase.
    pub allow_origins: Vec<String>,
    /// Methods for preflight answers (`GET`, …, or `*`).
    pub allow_methods: Vec<String>,
    /// Request headers for preflight answers (lowercase, or `*`).
    pub allow_headers: Vec<String>,
    /// Response headers readable by scripts (lowercase, or `*`).
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds (0–86,400).
    pub max_age: Option<u32>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
}

/// `[[api_keys]]`: an API key of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Name, referenced by usage plans' `api_keys`.
    pub name: String,
    /// The value callers send (20–128 letters and digits).
    pub value: String,
    /// A disabled key is refused like an unknown one.
    pub enabled: bool,
}

/// `[[usage_plans]]`: who may call which API stages, how fast and how much.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlan {
    /// Name (quota counters are kept per plan and key).
    pub name: String,
    /// The API stages the plan covers: (api name, stage name).
    pub stages: Vec<(String, String)>,
    /// Per-key throttle.
    pub throttle: Option<Throttle>,
    /// Per-key quota.
    pub quota: Option<Quota>,
    /// Names of the `[[api_keys]]` in the plan.
    pub api_keys: Vec<String>,
}

/// `quota = { limit, period }`: requests per key per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed in one period.
    pub limit: u64,
    /// The period, starting at UTC midnight, Monday or the first of the month.
    pub period: QuotaPeriod,
}

/// The period of a usage plan's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    /// A UTC day.
    Day,
    /// An ISO week (from Monday, UTC).
    Week,
    /// A calendar month (UTC).
    Month,
}
