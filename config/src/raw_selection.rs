//! The raw form of a policy selection: a word (`"none"`, `"all"`, `"all_viewer"`) or a one-key
//! table (`{ whitelist = [...] }`, `{ all_except = [...] }`,
//! `{ all_viewer_and_whitelist_cloudfront = [...] }`).
//!
//! Hand-written `Deserialize` so a wrong key inside the table is reported at its position with the
//! accepted keys, which an untagged enum cannot do.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A policy selection as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawSelection {
    /// `"none"`, `"all"`, `"all_viewer"`, … (checked during validation).
    Word(String),
    /// `{ whitelist = [...] }`.
    Whitelist(Vec<String>),
    /// `{ all_except = [...] }`.
    AllExcept(Vec<String>),
    /// `{ all_viewer_and_whitelist_cloudfront = [...] }`.
    AllViewerAndWhitelistCloudFront(Vec<String>),
}

const KEYS: &[&str] = &[
    "whitelist",
    "all_except",
    "all_viewer_and_whitelist_cloudfront",
];

impl<'de> Deserialize<'de> for RawSelection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SelectionVisitor)
    }
}

struct SelectionVisitor;

impl<'de> Visitor<'de> for SelectionVisitor {
    type Value = RawSelection;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string (\"none\", \"all\", …) or a table like { whitelist = [\"…\"] }")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSelection, E> {
        Ok(RawSelection::Word(v.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSelection, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom("an empty table: expected one of `whitelist`, `all_except`, `all_viewer_and_whitelist_cloudfront`"));
        };
        let selection = match key.as_str() {
            "whitelist" => RawSelection::Whitelist(map.next_value()?),
            "all_except" => RawSelection::AllExcept(map.next_value()?),
            "all_viewer_and_whitelist_cloudfront" => {
                RawSelection::AllViewerAndWhitelistCloudFront(map.next_value()?)
            }
            other => return Err(de::Error::unknown_field(other, KEYS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a second key `{extra}`: a selection has exactly one"
            )));
        }
        Ok(selection)
    }
}
