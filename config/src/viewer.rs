//! Where viewers are: the configured CIDR → location mapping behind geo restriction and the
//! `CloudFront-Viewer-*` location headers (spec/distribution.md §5, §13). CloudFront uses its own
//! geolocation database; localfront takes the location from configuration.

use ipnet::IpNet;

/// `[viewer]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewerSettings {
    /// Honour `X-Localfront-Viewer-Country: FR` from viewers (for testing geo behaviour).
    pub country_override_header: bool,
    /// Locations by address range; the first range containing the viewer's address wins.
    pub locations: Vec<ViewerLocation>,
}

/// A location: what CloudFront's geolocation headers say for viewers in `cidr`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewerLocation {
    /// The range (`127.0.0.0/8`); `None` for a location named by the override header.
    pub cidr: Option<IpNet>,
    /// ISO 3166-1 alpha-2 country code, uppercase (`CloudFront-Viewer-Country`).
    pub country: String,
    /// `CloudFront-Viewer-Country-Name`.
    pub country_name: Option<String>,
    /// ISO 3166-2 region code (`CloudFront-Viewer-Country-Region`).
    pub region: Option<String>,
    /// `CloudFront-Viewer-Country-Region-Name`.
    pub region_name: Option<String>,
    /// `CloudFront-Viewer-City`.
    pub city: Option<String>,
    /// `CloudFront-Viewer-Postal-Code`.
    pub postal_code: Option<String>,
    /// IANA time zone (`CloudFront-Viewer-Time-Zone`).
    pub time_zone: Option<String>,
    /// `CloudFront-Viewer-Latitude`.
    pub latitude: Option<String>,
    /// `CloudFront-Viewer-Longitude`.
    pub longitude: Option<String>,
    /// `CloudFront-Viewer-Metro-Code`.
    pub metro_code: Option<String>,
    /// `CloudFront-Viewer-ASN`.
    pub asn: Option<u32>,
}

/// A distribution's geo restriction (spec/distribution.md §13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GeoRestriction {
    /// Every country is served.
    #[default]
    None,
    /// Only these countries are served (uppercase codes).
    Whitelist(Vec<String>),
    /// These countries are refused.
    Blacklist(Vec<String>),
}

impl GeoRestriction {
    /// Whether a viewer in `country` is refused. Viewers whose location is unknown are served.
    pub fn blocks(&self, country: Option<&str>) -> bool {
        let Some(country) = country else {
            return false;
        };
        match self {
            Self::None => false,
            Self::Whitelist(list) => !list.iter().any(|c| c == country),
            Self::Blacklist(list) => list.iter().any(|c| c == country),
        }
    }
}
