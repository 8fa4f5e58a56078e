//! Where the viewer is and what it uses: geo restriction (spec/distribution.md §13) and the
//! `CloudFront-*` viewer headers (§5, spec/managed-policies.md §3).
//!
//! After routing, the viewer's location comes from `[viewer]` (its address in a configured range,
//! or `X-Localfront-Viewer-Country` when `country_override_header` is on) and a blocked country gets
//! CloudFront's 403. The `CloudFront-*` headers a viewer sends are dropped, and the ones the
//! behavior's cache policy or origin request policy names are added to the request before the
//! viewer-request function runs, so functions, the cache key and the origin see them, as on
//! CloudFront.

use std::net::{IpAddr, SocketAddr};

use localfront_config::{HeaderForwarding, Selection, ViewerLocation, ViewerSettings};
use pingora::http::RequestHeader;
use pingora::Result;

use super::errors::{cloudfront_error, ErrorKind};
use super::Generated;
use crate::context::RequestContext;

/// The test header naming the viewer's country, honoured when `[viewer] country_override_header`.
pub const COUNTRY_OVERRIDE_HEADER: &str = "x-localfront-viewer-country";

/// The viewer's connection, as the headers describe it.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Address and source port.
    pub addr: Option<SocketAddr>,
    /// TLS version and cipher as rustls names them (`TLSv1_3`, `TLS13_AES_128_GCM_SHA256`).
    pub tls: Option<(String, String)>,
}

/// Locates the viewer, and removes the override header when it is honoured.
pub fn locate(
    settings: &ViewerSettings,
    ip: Option<IpAddr>,
    req: &mut RequestHeader,
) -> Option<ViewerLocation> {
    if settings.country_override_header {
        let country = req
            .headers
            .get(COUNTRY_OVERRIDE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|c| c.trim().to_ascii_uppercase());
        req.remove_header(COUNTRY_OVERRIDE_HEADER);
        if let Some(country) = country.filter(|c| !c.is_empty()) {
            // A configured location for that country lends its details; otherwise the country only.
            return Some(
                settings
                    .locations
                    .iter()
                    .find(|l| l.country == country)
                    .cloned()
                    .unwrap_or(ViewerLocation {
                        country,
                        ..ViewerLocation::default()
                    }),
            );
        }
    }
    let ip = ip?;
    settings
        .locations
        .iter()
        .find(|l| l.cidr.is_some_and(|c| c.contains(&ip)))
        .cloned()
}

/// CloudFront's 403 when the distribution's geo restriction refuses the viewer's country, logged
/// as `ClientGeoBlocked`. Unknown locations are served (spec/distribution.md §13).
pub fn geo_check(ctx: &mut RequestContext) -> Result<(), Generated> {
    let Some(d) = ctx.distribution() else {
        return Ok(());
    };
    let country = ctx.viewer_location.as_ref().map(|l| l.country.as_str());
    if !ctx.internal && d.geo_restriction.blocks(country) {
        ctx.detailed_result = Some("ClientGeoBlocked");
        return Err(cloudfront_error(ErrorKind::GeoBlocked, &ctx.request_id));
    }
    Ok(())
}

/// Replaces the viewer's `CloudFront-*` headers with the ones the behavior's policies name.
pub fn add_request_headers(
    ctx: &RequestContext,
    req: &mut RequestHeader,
    connection: &Connection,
) -> Result<()> {
    let viewer_sent: Vec<http::HeaderName> = req
        .headers
        .keys()
        .filter(|n| n.as_str().starts_with("cloudfront-"))
        .cloned()
        .collect();
    for name in viewer_sent {
        req.remove_header(&name);
    }
    let Some(behavior) = ctx.distribution().map(|d| &d.cache_behaviors[ctx.behavior]) else {
        return Ok(());
    };
    // Only names a policy lists explicitly: `AllViewer` forwards viewer headers, not CloudFront's.
    let listed = |sel: &Selection, name: &str| matches!(sel, Selection::Whitelist(n) if n.iter().any(|n| n == name));
    let wanted = |name: &str| {
        listed(&behavior.cache_policy.headers, name)
            || behavior
                .origin_request_policy
                .as_ref()
                .is_some_and(|p| match &p.headers {
                    HeaderForwarding::Viewer(sel) => listed(sel, name),
                    HeaderForwarding::AllViewerAndCloudFront(names) => {
                        names.iter().any(|n| n == name)
                    }
                })
    };
    if !CLOUDFRONT_HEADERS.iter().any(|h| wanted(h)) {
        return Ok(());
    }
    let user_agent = req
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let device = Device::of(user_agent);
    let location = ctx.viewer_location.as_deref();
    let version = match req.version {
        http::Version::HTTP_2 => "2.0",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_3 => "3.0",
        _ => "1.1",
    };
    let mut values: Vec<(&str, String)> = Vec::new();
    for name in CLOUDFRONT_HEADERS.iter().copied().filter(|h| wanted(h)) {
        let flag = |b: bool| Some(b.to_string());
        let from_location = |f: fn(&ViewerLocation) -> Option<String>| location.and_then(f);
        let value = match name {
            "cloudfront-forwarded-proto" => {
                Some(if ctx.viewer_https { "https" } else { "http" }.to_owned())
            }
            "cloudfront-is-android-viewer" => flag(device.android),
            "cloudfront-is-desktop-viewer" => flag(device.desktop),
            "cloudfront-is-ios-viewer" => flag(device.ios),
            "cloudfront-is-mobile-viewer" => flag(device.mobile),
            "cloudfront-is-smarttv-viewer" => flag(device.smart_tv),
            "cloudfront-is-tablet-viewer" => flag(device.tablet),
            // `198.51.100.10:46532`; IPv6 addresses are written without brackets.
            "cloudfront-viewer-address" => {
                connection.addr.map(|a| format!("{}:{}", a.ip(), a.port()))
            }
            "cloudfront-viewer-asn" => from_location(|l| l.asn.map(|a| a.to_string())),
            "cloudfront-viewer-city" => from_location(|l| l.city.clone()),
            "cloudfront-viewer-country" => from_location(|l| Some(l.country.clone())),
            "cloudfront-viewer-country-name" => from_location(|l| l.country_name.clone()),
            "cloudfront-viewer-country-region" => from_location(|l| l.region.clone()),
            "cloudfront-viewer-country-region-name" => from_location(|l| l.region_name.clone()),
            "cloudfront-viewer-http-version" => Some(version.to_owned()),
            "cloudfront-viewer-latitude" => from_location(|l| l.latitude.clone()),
            "cloudfront-viewer-longitude" => from_location(|l| l.longitude.clone()),
            "cloudfront-viewer-metro-code" => from_location(|l| l.metro_code.clone()),
            "cloudfront-viewer-postal-code" => from_location(|l| l.postal_code.clone()),
            "cloudfront-viewer-time-zone" => from_location(|l| l.time_zone.clone()),
            "cloudfront-viewer-tls" => connection.tls.as_ref().map(|(v, c)| viewer_tls(v, c)),
            _ => None,
        };
        if let Some(v) = value {
            values.push((name, v));
        }
    }
    for (name, value) in values {
        req.insert_header(name, value)?;
    }
    Ok(())
}

/// The CloudFront headers localfront generates, lowercase (spec/managed-policies.md §3).
const CLOUDFRONT_HEADERS: &[&str] = &[
    "cloudfront-forwarded-proto",
    "cloudfront-is-android-viewer",
    "cloudfront-is-desktop-viewer",
    "cloudfront-is-ios-viewer",
    "cloudfront-is-mobile-viewer",
    "cloudfront-is-smarttv-viewer",
    "cloudfront-is-tablet-viewer",
    "cloudfront-viewer-address",
    "cloudfront-viewer-asn",
    "cloudfront-viewer-city",
    "cloudfront-viewer-country",
    "cloudfront-viewer-country-name",
    "cloudfront-viewer-country-region",
    "cloudfront-viewer-country-region-name",
    "cloudfront-viewer-http-version",
    "cloudfront-viewer-latitude",
    "cloudfront-viewer-longitude",
    "cloudfront-viewer-metro-code",
    "cloudfront-viewer-postal-code",
    "cloudfront-viewer-time-zone",
    "cloudfront-viewer-tls",
];

/// `CloudFront-Viewer-TLS`: `TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake`, in OpenSSL's cipher
/// names as CloudFront writes them. localfront cannot tell a resumed session from a full handshake
/// and always says `fullHandshake`.
fn viewer_tls(version: &str, cipher: &str) -> String {
    let version = version.replace('_', ".");
    let cipher = if let Some(rest) = cipher.strip_prefix("TLS13_") {
        format!("TLS_{rest}")
    } else if let Some((kx, bulk)) = cipher
        .strip_prefix("TLS_")
        .and_then(|c| c.split_once("_WITH_"))
    {
        // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256
        let bulk = bulk
            .replace("AES_128", "AES128")
            .replace("AES_256", "AES256")
            .replace("_POLY1305_SHA256", "-POLY1305")
            .replace('_', "-");
        format!("{}-{bulk}", kx.replace('_', "-"))
    } else {
        cipher.to_owned()
    };
    format!("{version}:{cipher}:fullHandshake")
}

/// The device flags, from the `User-Agent` (woothee's categories, with CloudFront's tablet and
/// smart-TV cases added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Device {
    desktop: bool,
    mobile: bool,
    tablet: bool,
    smart_tv: bool,
    ios: bool,
    android: bool,
}

impl Device {
    fn of(user_agent: &str) -> Self {
        let parsed = woothee::parser::Parser::new().parse(user_agent);
        let (category, os) = parsed.as_ref().map_or(("", ""), |r| (r.category, r.os));
        let lower = user_agent.to_ascii_lowercase();
        let smart_tv = [
            "smart-tv", "smarttv", "googletv", "appletv", "hbbtv", "tizen", "web0s", "webos",
            "netcast", "roku", "crkey", "bravia",
        ]
        .iter()
        .any(|m| lower.contains(m));
        let ios = matches!(os, "iPhone" | "iPad" | "iPod");
        let android = os == "Android";
        // Android tablets leave `Mobile` out of their User-Agent.
        let tablet = os == "iPad" || (android && !user_agent.contains("Mobile"));
        // A tablet is also reported as mobile (unconfirmed in the spec).
        let mobile = !smart_tv && (matches!(category, "smartphone" | "mobilephone") || tablet);
        Self {
            desktop: !mobile && !smart_tv,
            mobile,
            tablet: tablet && !smart_tv,
            smart_tv,
            ios,
            android,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_told_apart_by_user_agent() {
        let iphone = Device::of("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        assert!(iphone.mobile && iphone.ios && !iphone.tablet && !iphone.desktop);
        let ipad = Device::of("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        assert!(ipad.tablet && ipad.ios && !ipad.desktop);
        let android_tablet = Device::of("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
        assert!(android_tablet.tablet && android_tablet.android);
        let desktop = Device::of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
        assert_eq!(
            desktop,
            Device {
                desktop: true,
                mobile: false,
                tablet: false,
                smart_tv: false,
                ios: false,
                android: false
            }
        );
        let tv = Device::of("Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0 TV Safari/537.36");
        assert!(tv.smart_tv && !tv.desktop && !tv.mobile);
    }

    #[test]
    fn tls_is_described_in_cloudfronts_words() {
        assert_eq!(
            viewer_tls("TLSv1_3", "TLS13_AES_128_GCM_SHA256"),
            "TLSv1.3:TLS_AES_128_GCM_SHA256:fullHandshake"
        );
        assert_eq!(
            viewer_tls("TLSv1_2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            "TLSv1.2:ECDHE-RSA-AES128-GCM-SHA256:fullHandshake"
        );
    }
}
