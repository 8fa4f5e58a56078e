//! The value maps of §3: query strings, headers and cookies share the entry shape
//! `{ "value": "a", "multiValue": [{ "value": "a" }, { "value": "b" }] }`; response cookies add
//! `attributes` (§5).

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One name of a [`ValueMap`] with every value it carries, first occurrence first. Never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueEntry {
    /// The name: lowercase for headers in events (§4).
    pub name: String,
    /// All values in order; `values[0]` is the entry's `value`, and `multiValue` exists when there
    /// is more than one (§3).
    pub values: Vec<String>,
}

/// An ordered map of names to values with CloudFront's duplicate rule: a repeated name collapses into
/// one entry whose first value is `value` and whose `multiValue` lists all of them (§3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueMap {
    entries: Vec<ValueEntry>,
}

impl ValueMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` under `name`, after the values already there (§3: duplicates collapse).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.entries.iter_mut().find(|e| e.name == name) {
            Some(entry) => entry.values.push(value),
            None => self.entries.push(ValueEntry {
                name,
                values: vec![value],
            }),
        }
    }

    /// Sets `name` to exactly `values` (in place if it exists, else at the end); an empty `values`
    /// removes the name.
    pub fn set(&mut self, name: impl Into<String>, values: Vec<String>) {
        let name = name.into();
        if values.is_empty() {
            self.remove(&name);
            return;
        }
        match self.entries.iter_mut().find(|e| e.name == name) {
            Some(entry) => entry.values = values,
            None => self.entries.push(ValueEntry { name, values }),
        }
    }

    /// Removes `name`, returning its entry.
    pub fn remove(&mut self, name: &str) -> Option<ValueEntry> {
        let at = self.entries.iter().position(|e| e.name == name)?;
        Some(self.entries.remove(at))
    }

    /// The entry for `name`.
    pub fn get(&self, name: &str) -> Option<&ValueEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The first value of `name` (its `value`).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.get(name).map(|e| e.values[0].as_str())
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &ValueEntry> {
        self.entries.iter()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no name.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, String)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut map = ValueMap::new();
        for (name, value) in iter {
            map.append(name, value);
        }
        map
    }
}

#[derive(Serialize)]
struct Single<'a> {
    value: &'a str,
}

impl Serialize for ValueMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            value: &'a str,
            #[serde(rename = "multiValue", skip_serializing_if = "Option::is_none")]
            multi_value: Option<Vec<Single<'a>>>,
        }
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for e in &self.entries {
            let multi_value = (e.values.len() > 1)
                .then(|| e.values.iter().map(|v| Single { value: v }).collect());
            map.serialize_entry(
                &e.name,
                &Entry {
                    value: &e.values[0],
                    multi_value,
                },
            )?;
        }
        map.end()
    }
}

/// An entry as it appears in JSON; unknown keys (e.g. a lowercase `multivalue`) are dropped (§3).
#[derive(Deserialize)]
struct RawEntry {
    value: Option<String>,
    #[serde(rename = "multiValue")]
    multi_value: Option<Vec<RawSingle>>,
}

#[derive(Deserialize)]
struct RawSingle {
    value: String,
}

impl<'de> Deserialize<'de> for ValueMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = ValueMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of { value, multiValue? } entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<ValueMap, A::Error> {
                let mut map = ValueMap::new();
                while let Some((name, raw)) = access.next_entry::<String, RawEntry>()? {
                    let values: Vec<String> = match (raw.multi_value, raw.value) {
                        (Some(mv), _) if !mv.is_empty() => {
                            mv.into_iter().map(|s| s.value).collect()
                        }
                        (_, Some(v)) => vec![v],
                        _ => continue,
                    };
                    map.set(name, values);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

/// One `Set-Cookie` value: the cookie value and the raw text after the first `;` (§5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetCookie {
    /// The cookie's value.
    pub value: String,
    /// Raw attributes, e.g. `"Path=/; Secure; Max-Age=3600"`; empty when there are none.
    #[serde(default)]
    pub attributes: String,
}

/// A response cookie name with each `Set-Cookie` it gets. Never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetCookieEntry {
    /// The cookie name.
    pub name: String,
    /// Each value becomes one `Set-Cookie: name=value; attributes`.
    pub values: Vec<SetCookie>,
}

/// Response cookies: `{ name: { value, attributes, multiValue?: [{ value, attributes }] } }` (§5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetCookieMap {
    entries: Vec<SetCookieEntry>,
}

impl SetCookieMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a `Set-Cookie` for `name` after those already there.
    pub fn append(&mut self, name: impl Into<String>, cookie: SetCookie) {
        let name = name.into();
        match self.entries.iter_mut().find(|e| e.name == name) {
            Some(entry) => entry.values.push(cookie),
            None => self.entries.push(SetCookieEntry {
                name,
                values: vec![cookie],
            }),
        }
    }

    /// Sets `name` to exactly `values`; an empty `values` removes it.
    pub fn set(&mut self, name: impl Into<String>, values: Vec<SetCookie>) {
        let name = name.into();
        if values.is_empty() {
            self.entries.retain(|e| e.name != name);
            return;
        }
        match self.entries.iter_mut().find(|e| e.name == name) {
            Some(entry) => entry.values = values,
            None => self.entries.push(SetCookieEntry { name, values }),
        }
    }

    /// The entry for `name`.
    pub fn get(&self, name: &str) -> Option<&SetCookieEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &SetCookieEntry> {
        self.entries.iter()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no cookie.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Serialize for SetCookieMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            value: &'a str,
            attributes: &'a str,
            #[serde(rename = "multiValue", skip_serializing_if = "Option::is_none")]
            multi_value: Option<&'a [SetCookie]>,
        }
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for e in &self.entries {
            let first = &e.values[0];
            map.serialize_entry(
                &e.name,
                &Entry {
                    value: &first.value,
                    attributes: &first.attributes,
                    multi_value: (e.values.len() > 1).then_some(e.values.as_slice()),
                },
            )?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SetCookieMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            value: Option<String>,
            #[serde(default)]
            attributes: String,
            #[serde(rename = "multiValue")]
            multi_value: Option<Vec<SetCookie>>,
        }
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = SetCookieMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of { value, attributes, multiValue? } entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<SetCookieMap, A::Error> {
                let mut map = SetCookieMap::new();
                while let Some((name, raw)) = access.next_entry::<String, Raw>()? {
                    let values = match (raw.multi_value, raw.value) {
                        (Some(mv), _) if !mv.is_empty() => mv,
                        (_, Some(value)) => vec![SetCookie {
                            value,
                            attributes: raw.attributes,
                        }],
                        _ => continue,
                    };
                    map.set(name, values);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_collapse_and_multi_value_appears_only_for_repeats() {
        let mut m = ValueMap::new();
        m.append("tag", "red");
        m.append("lang", "de");
        m.append("tag", "blue");
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "tag": {"value": "red", "multiValue": [{"value": "red"}, {"value": "blue"}]},
                "lang": {"value": "de"}
            })
        );
        // Entry order survives a round trip through JSON text.
        let back: ValueMap = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn unknown_keys_are_dropped() {
        let m: ValueMap = serde_json::from_str(
            r#"{"a":{"value":"1","multivalue":[{"value":"x"}]},"b":{"nothing":1}}"#,
        )
        .unwrap();
        assert_eq!(m.get("a").unwrap().values, vec!["1"]);
        assert!(m.get("b").is_none());
    }

    #[test]
    fn set_cookies_keep_attributes() {
        let m: SetCookieMap = serde_json::from_str(
            r#"{"id":{"value":"1","attributes":"Path=/","multiValue":[{"value":"1","attributes":"Path=/"},{"value":"2","attributes":"Secure"}]}}"#,
        )
        .unwrap();
        assert_eq!(m.get("id").unwrap().values[1].attributes, "Secure");
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains(r#""multiValue":[{"value":"1","attributes":"Path=/"}"#));
    }
}
