//! Lambda@Edge headers: `{"<lowercase>": [{"key": "<Original-Case>", "value": "…"}]}` and
//! CloudFront's rules about which of them a handler may touch (spec/lambda-edge.md §1, §8;
//! spec/cloudfront-functions.md §10).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::event::EventType;

/// Headers as Lambda@Edge shows them: lowercase name → one element per value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(pub BTreeMap<String, Vec<Header>>);

/// One header value with its original-case name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The name as sent, e.g. `User-Agent`. May be omitted on output: CloudFront then uses the
    /// Title-Case of the lowercase name (§1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value.
    pub value: String,
}

impl Headers {
    /// The first value of `name` (any case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(lowercase(name).as_ref())
            .and_then(|values| values.first())
            .map(|h| h.value.as_str())
    }

    /// Every value of `name` (any case), in order.
    pub fn get_all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .get(lowercase(name).as_ref())
            .into_iter()
            .flatten()
            .map(|h| h.value.as_str())
    }

    /// Replaces every value of `name` with `value`; `name` keeps its case as the `key`.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(
            name.to_ascii_lowercase(),
            vec![Header {
                key: Some(name.to_owned()),
                value: value.into(),
            }],
        );
    }

    /// Adds one more value of `name`.
    pub fn append(&mut self, name: &str, value: impl Into<String>) {
        self.0
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(Header {
                key: Some(name.to_owned()),
                value: value.into(),
            });
    }

    /// Removes `name` (any case), returning its values.
    pub fn remove(&mut self, name: &str) -> Option<Vec<Header>> {
        self.0.remove(lowercase(name).as_ref())
    }

    /// Whether `name` (any case) is present.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(lowercase(name).as_ref())
    }

    /// `(lowercase name, values)` pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Header])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Bytes of every name and value, as CloudFront counts a generated response's size (§6).
    pub(crate) fn byte_len(&self) -> usize {
        self.0
            .iter()
            .map(|(name, values)| {
                values
                    .iter()
                    .map(|h| name.len() + h.value.len())
                    .sum::<usize>()
            })
            .sum()
    }
}

/// `name` in lowercase, borrowed when it already is (the keys of the map are): lookups by the
/// map's own keys, the usual case on the hot path, allocate nothing.
fn lowercase(name: &str) -> Cow<'_, str> {
    match name.bytes().any(|b| b.is_ascii_uppercase()) {
        true => Cow::Owned(name.to_ascii_lowercase()),
        false => Cow::Borrowed(name),
    }
}

/// The Title-Case CloudFront gives a header whose `key` a handler omitted:
/// `x-custom-header` → `X-Custom-Header`.
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
    out
}

/// Headers CloudFront never exposes and refuses from every event (cloudfront-functions.md §10),
/// shared with CloudFront Functions.
pub(crate) use crate::disallowed::is_disallowed_header as is_disallowed;

/// Headers a handler of `event_type` must not add, change or delete (§8).
pub(crate) fn is_read_only(event_type: EventType, name: &str) -> bool {
    let names: &[&str] = match event_type {
        EventType::ViewerRequest => &["content-length", "host", "transfer-encoding", "via"],
        EventType::OriginRequest => &[
            "accept-encoding",
            "content-length",
            "if-modified-since",
            "if-none-match",
            "if-range",
            "if-unmodified-since",
            "transfer-encoding",
            "via",
        ],
        EventType::OriginResponse => &["transfer-encoding", "via"],
        EventType::ViewerResponse => &["via", "warning"],
    };
    names.contains(&name)
}

/// Headers CloudFront adds only after viewer-request: a viewer-request handler never sees them,
/// and adding `CloudFront-Viewer-Country` there is a 502 (§1). localfront treats the whole
/// group the spec names alike.
pub(crate) fn is_added_after_viewer_request(name: &str) -> bool {
    name == "cloudfront-viewer-country"
        || name == "cloudfront-forwarded-proto"
        || (name.starts_with("cloudfront-is-") && name.ends_with("-viewer"))
}

/// RFC 9110 §5.1: a field name is a `token` (shared with CloudFront Functions' output checks,
/// which run it on every byte of every header name of every run: a `match`, not a list search).
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// RFC 9110 §5.5: no CR, LF or NUL in a field value (they would split or end the header).
pub(crate) fn is_valid_value(value: &str) -> bool {
    !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_capitalizes_each_dash_separated_word() {
        assert_eq!(title_case("x-custom-header"), "X-Custom-Header");
        assert_eq!(title_case("ETAG"), "Etag");
    }

    #[test]
    fn disallowed_names_include_prefix_families() {
        assert!(is_disallowed("x-amz-cf-pop"));
        assert!(is_disallowed("x-edge-location"));
        assert!(is_disallowed("connection"));
        assert!(!is_disallowed("x-amz-date"));
    }

    #[test]
    fn a_token_is_visible_ascii_without_the_separators() {
        for b in 0u8..=255 {
            let separator = b"()<>@,;:\\\"/[]?={}".contains(&b);
            let name = [b];
            let name = std::str::from_utf8(&name).unwrap_or("\u{80}");
            assert_eq!(
                is_token(name),
                b.is_ascii_graphic() && !separator,
                "byte {b:#04x}"
            );
        }
        assert!(!is_token(""));
    }

    #[test]
    fn set_replaces_and_append_adds() {
        let mut h = Headers::default();
        h.set("X-A", "1");
        h.append("x-a", "2");
        assert_eq!(h.get_all("x-a").collect::<Vec<_>>(), ["1", "2"]);
        h.set("x-a", "3");
        assert_eq!(h.get("X-A"), Some("3"));
    }
}
