//! What a function hands back (§1, §4, §5): the request (continue to cache and origin) or a response
//! (generated on viewer-request, modified on viewer-response), in every documented output form.
//! The serde form is `FunctionOutput` of TestFunction (§11): `{"request":{…}}` or
//! `{"response":{…}}` with `cookies` always present.

use base64::Engine as _;
use serde::{Serialize, Serializer};

use super::origin::OriginChange;
use super::values::{SetCookieMap, ValueMap};

/// A function's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Output {
    /// The (possibly modified) request: continue.
    #[serde(rename = "request")]
    Request(RequestOutput),
    /// A response: generated on viewer-request, the modified response on viewer-response.
    #[serde(rename = "response")]
    Response(ResponseOutput),
}

/// The query string of a returned request: the object form or, accepted in practice, a string (§4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryString {
    /// `{ name: { value, multiValue? } }`.
    Map(ValueMap),
    /// `"a=1&b=2"`, one leading `?` stripped; `""` means none.
    Raw(String),
}

impl QueryString {
    /// The query string to send, without `?`: the map serialized per §4, or the raw form.
    pub fn to_query(&self) -> String {
        match self {
            QueryString::Map(map) => super::http::serialize_query(map),
            QueryString::Raw(raw) => raw.clone(),
        }
    }
}

impl Serialize for QueryString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            QueryString::Map(map) => map.serialize(serializer),
            QueryString::Raw(raw) => serializer.serialize_str(raw),
        }
    }
}

/// The request a viewer-request function returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestOutput {
    /// The method (read-only: always the viewer's).
    pub method: String,
    /// The URI; a changed URI changes the object and the cache key, not the behavior (§1).
    pub uri: String,
    /// The query string.
    pub querystring: QueryString,
    /// Headers, lowercase names.
    pub headers: ValueMap,
    /// Cookies, written back as one `Cookie` header (§4).
    pub cookies: ValueMap,
    /// Whether the function changed the query string; an unchanged one is forwarded byte for byte
    /// (§4).
    #[serde(skip)]
    pub querystring_changed: bool,
    /// The origin helpers' requests, in call order (§8).
    #[serde(skip)]
    pub origin_changes: Vec<OriginChange>,
}

/// How a response body's `data` is encoded (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// `data` is the body text.
    Text,
    /// `data` is base64.
    Base64,
}

/// A response body set by the function: `{ data, encoding }` or a bare string (text) (§5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Body {
    /// The data as given.
    pub data: String,
    /// Its encoding.
    pub encoding: BodyEncoding,
}

impl Body {
    /// The body bytes; `Err` with the decoder's message for invalid base64 (a validation error, §5).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        match self.encoding {
            BodyEncoding::Text => Ok(self.data.as_bytes().to_vec()),
            BodyEncoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(self.data.as_bytes())
                .map_err(|e| format!("body: invalid base64: {e}")),
        }
    }
}

/// The response a function returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseOutput {
    /// The status code.
    pub status_code: u16,
    /// The reason phrase, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// Headers, lowercase names.
    pub headers: ValueMap,
    /// `Set-Cookie` headers.
    pub cookies: SetCookieMap,
    /// A new body; `None` lets the origin/cache body pass through on viewer-response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_output_always_has_cookies() {
        let out = Output::Request(RequestOutput {
            method: "GET".into(),
            uri: "/v2".into(),
            querystring: QueryString::Raw("a=1".into()),
            headers: ValueMap::new(),
            cookies: ValueMap::new(),
            querystring_changed: true,
            origin_changes: vec![],
        });
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"request":{"method":"GET","uri":"/v2","querystring":"a=1","headers":{},"cookies":{}}}"#
        );
    }

    #[test]
    fn invalid_base64_bodies_are_reported() {
        let b = Body {
            data: "***".into(),
            encoding: BodyEncoding::Base64,
        };
        assert!(b
            .to_bytes()
            .unwrap_err()
            .starts_with("body: invalid base64"));
    }
}
