//! `[viewer]` (the viewer location mapping) and distributions' `geo_restriction`
//! (spec/distribution.md §13).

use ipnet::IpNet;

use super::Checker;
use crate::error::KeyPath;
use crate::raw_policies::{RawGeoRestriction, RawViewer};
use crate::viewer::{GeoRestriction, ViewerLocation, ViewerSettings};

/// Converts `[viewer]`.
pub(super) fn settings(c: &mut Checker, raw: Option<RawViewer>) -> ViewerSettings {
    let Some(raw) = raw else {
        return ViewerSettings::default();
    };
    let at = KeyPath::default().key("viewer");
    let mut locations = Vec::new();
    for (i, l) in raw.locations.into_iter().enumerate() {
        let at = at.key("locations").index(i);
        let cidr = c.required(l.cidr, &at, "cidr").and_then(|s| {
            let parsed = s
                .parse::<IpNet>()
                .ok()
                .or_else(|| s.parse::<std::net::IpAddr>().ok().map(IpNet::from));
            if parsed.is_none() {
                c.error_hint(
                    &at.key("cidr"),
                    format!("`{s}` is not an address range"),
                    "write it like `127.0.0.0/8` or `::1/128`",
                );
            }
            parsed
        });
        let Some(country) = c.required(l.country, &at, "country") else {
            continue;
        };
        check_country(c, &country, &at.key("country"));
        let asn = l
            .asn
            .map(|a| c.ranged(Some(a), &at.key("asn"), 0, i64::from(u32::MAX), 0) as u32);
        locations.push(ViewerLocation {
            cidr,
            country: country.to_ascii_uppercase(),
            country_name: l.country_name,
            region: l.region,
            region_name: l.region_name,
            city: l.city,
            postal_code: l.postal_code,
            time_zone: l.time_zone,
            latitude: l.latitude,
            longitude: l.longitude,
            metro_code: l.metro_code,
            asn,
        });
    }
    ViewerSettings {
        country_override_header: raw.country_override_header.unwrap_or(false),
        locations,
    }
}

/// Converts a distribution's `geo_restriction`.
pub(super) fn geo_restriction(
    c: &mut Checker,
    raw: Option<RawGeoRestriction>,
    at: &KeyPath,
) -> GeoRestriction {
    let Some(raw) = raw else {
        return GeoRestriction::None;
    };
    for (i, country) in raw.locations.iter().enumerate() {
        check_country(c, country, &at.key("locations").index(i));
    }
    let list: Vec<String> = raw
        .locations
        .iter()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let kind = c.choice(
        raw.restriction_type.as_deref(),
        &at.key("restriction_type"),
        &[("none", 0), ("whitelist", 1), ("blacklist", 2)],
        0,
    );
    if raw.restriction_type.is_none() {
        c.error(at, "missing required key `restriction_type`");
    }
    match kind {
        1 | 2 if list.is_empty() => {
            c.error(
                &at.key("locations"),
                "a whitelist or blacklist names at least one country",
            );
            GeoRestriction::None
        }
        1 => GeoRestriction::Whitelist(list),
        2 => GeoRestriction::Blacklist(list),
        _ => {
            if !list.is_empty() {
                c.error(
                    &at.key("locations"),
                    "`restriction_type = \"none\"` takes no locations",
                );
            }
            GeoRestriction::None
        }
    }
}

/// Two ASCII letters (ISO 3166-1 alpha-2).
fn check_country(c: &mut Checker, country: &str, at: &KeyPath) {
    if country.len() != 2 || !country.chars().all(|ch| ch.is_ascii_alphabetic()) {
        c.error_hint(
            at,
            format!("`{country}` is not a country code"),
            "use ISO 3166-1 alpha-2 codes like `US` or `FR`",
        );
    }
}
