//! Cache policies and origin request policies: the model types and AWS's managed policies
//! (spec/managed-policies.md §2–3, spec/distribution.md §5).

use std::time::Duration;

/// Which viewer values (headers, cookies or query strings) a policy selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// None of them.
    None,
    /// Only these names (headers compared case-insensitively, stored lowercase).
    Whitelist(Vec<String>),
    /// All but these names.
    AllExcept(Vec<String>),
    /// All of them.
    All,
}

impl Selection {
    /// Whether `name` is selected. `name` must already be lowercase for headers.
    pub fn selects(&self, name: &str) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Whitelist(names) => names.iter().any(|n| n == name),
            Self::AllExcept(names) => !names.iter().any(|n| n == name),
        }
    }
}

/// A cache policy: TTLs and what goes into the cache key (which is also forwarded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    /// Policy name (managed names as AWS spells them).
    pub name: String,
    /// Minimum time an object stays cached, whatever the origin says.
    pub min_ttl: Duration,
    /// TTL when the origin sends no `Cache-Control`/`Expires`.
    pub default_ttl: Duration,
    /// Upper bound for the origin's TTL.
    pub max_ttl: Duration,
    /// Headers in the key: `None` or `Whitelist` (CloudFront allows no other).
    pub headers: Selection,
    /// Cookies in the key.
    pub cookies: Selection,
    /// Query strings in the key.
    pub query_strings: Selection,
    /// Normalized `Accept-Encoding: gzip` in the key and compressed objects cached.
    pub gzip: bool,
    /// Normalized `Accept-Encoding: br` in the key and compressed objects cached.
    pub brotli: bool,
}

/// Which viewer headers an origin request policy forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderForwarding {
    /// The selection applied to viewer headers.
    Viewer(Selection),
    /// All viewer headers plus these CloudFront-generated headers.
    AllViewerAndCloudFront(Vec<String>),
}

/// An origin request policy: what is forwarded to the origin beyond the cache key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRequestPolicy {
    /// Policy name.
    pub name: String,
    /// Headers forwarded.
    pub headers: HeaderForwarding,
    /// Cookies forwarded.
    pub cookies: Selection,
    /// Query strings forwarded.
    pub query_strings: Selection,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_ascii_lowercase()).collect()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// AWS's managed cache policies, by name (spec/managed-policies.md §2).
pub fn managed_cache_policies() -> Vec<CachePolicy> {
    let method_override = [
        "Host",
        "Origin",
        "X-HTTP-Method-Override",
        "X-HTTP-Method",
        "X-Method-Override",
    ];
    let policy = |name: &str,
                  ttls: (u64, u64, u64),
                  headers: Selection,
                  cookies: Selection,
                  query: Selection,
                  ae: (bool, bool)| CachePolicy {
        name: name.to_owned(),
        min_ttl: secs(ttls.0),
        default_ttl: secs(ttls.1),
        max_ttl: secs(ttls.2),
        headers,
        cookies,
        query_strings: query,
        gzip: ae.0,
        brotli: ae.1,
    };
    use Selection::{All, None as Nothing, Whitelist};
    vec![
        policy(
            "Amplify",
            (2, 2, 600),
            Whitelist(names(&[
                "Authorization",
                "CloudFront-Viewer-Country",
                "Host",
            ])),
            All,
            All,
            (true, true),
        ),
        policy(
            "CachingDisabled",
            (0, 0, 0),
            Nothing,
            Nothing,
            Nothing,
            (false, false),
        ),
        policy(
            "CachingOptimized",
            (1, 86_400, 31_536_000),
            Nothing,
            Nothing,
            Nothing,
            (true, true),
        ),
        policy(
            "CachingOptimizedForUncompressedObjects",
            (1, 86_400, 31_536_000),
            Nothing,
            Nothing,
            Nothing,
            (false, false),
        ),
        policy(
            "Elemental-MediaPackage",
            (0, 86_400, 31_536_000),
            Whitelist(names(&["Origin"])),
            Nothing,
            Whitelist(vec![
                "aws.manifestfilter".into(),
                "start".into(),
                "end".into(),
                "m".into(),
            ]),
            (true, false),
        ),
        policy(
            "UseOriginCacheControlHeaders",
            (0, 0, 31_536_000),
            Whitelist(names(&method_override)),
            All,
            Nothing,
            (true, true),
        ),
        policy(
            "UseOriginCacheControlHeaders-QueryStrings",
            (0, 0, 31_536_000),
            Whitelist(names(&method_override)),
            All,
            All,
            (true, true),
        ),
    ]
}

/// AWS's managed origin request policies, by name (spec/managed-policies.md §3).
pub fn managed_origin_request_policies() -> Vec<OriginRequestPolicy> {
    use HeaderForwarding::{AllViewerAndCloudFront, Viewer};
    use Selection::{All, AllExcept, None as Nothing, Whitelist};
    let policy = |name: &str, headers: HeaderForwarding, cookies: Selection, query: Selection| {
        OriginRequestPolicy {
            name: name.to_owned(),
            headers,
            cookies,
            query_strings: query,
        }
    };
    let cors = names(&[
        "Origin",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Method",
    ]);
    vec![
        policy("AllViewer", Viewer(All), All, All),
        policy(
            "AllViewerAndCloudFrontHeaders-2022-06",
            AllViewerAndCloudFront(names(CLOUDFRONT_HEADERS_2022_06)),
            All,
            All,
        ),
        policy(
            "AllViewerExceptHostHeader",
            Viewer(AllExcept(names(&["Host"]))),
            All,
            All,
        ),
        policy(
            "CORS-CustomOrigin",
            Viewer(Whitelist(names(&["Origin"]))),
            Nothing,
            Nothing,
        ),
        policy(
            "CORS-S3Origin",
            Viewer(Whitelist(cors.clone())),
            Nothing,
            Nothing,
        ),
        policy(
            "Elemental-MediaTailor-PersonalizedManifests",
            Viewer(Whitelist(
                [cors, names(&["User-Agent", "X-Forwarded-For"])].concat(),
            )),
            Nothing,
            All,
        ),
        // ID and settings unconfirmed (spec/managed-policies.md §3): the values follow the name.
        policy(
            "HostHeaderOnly",
            Viewer(Whitelist(names(&["Host"]))),
            Nothing,
            Nothing,
        ),
        policy(
            "UserAgentRefererHeaders",
            Viewer(Whitelist(names(&["User-Agent", "Referer"]))),
            Nothing,
            Nothing,
        ),
    ]
}

/// The CloudFront headers `AllViewerAndCloudFrontHeaders-2022-06` adds, in the page's order.
pub const CLOUDFRONT_HEADERS_2022_06: &[&str] = &[
    "CloudFront-Forwarded-Proto",
    "CloudFront-Is-Android-Viewer",
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-IOS-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Is-Tablet-Viewer",
    "CloudFront-Viewer-Address",
    "CloudFront-Viewer-ASN",
    "CloudFront-Viewer-City",
    "CloudFront-Viewer-Country",
    "CloudFront-Viewer-Country-Name",
    "CloudFront-Viewer-Country-Region",
    "CloudFront-Viewer-Country-Region-Name",
    "CloudFront-Viewer-Http-Version",
    "CloudFront-Viewer-Latitude",
    "CloudFront-Viewer-Longitude",
    "CloudFront-Viewer-Metro-Code",
    "CloudFront-Viewer-Postal-Code",
    "CloudFront-Viewer-Time-Zone",
    "CloudFront-Viewer-TLS",
];
