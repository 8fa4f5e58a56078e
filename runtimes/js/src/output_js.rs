//! Reads a function's result back into a [`cff::Output`] (§1, §3–§5): the request or a response,
//! never the event; query string as object or string; body as `{data, encoding}` or a bare string;
//! a modified `multiValue` wins over `value`, judged against the input event (the snapshot).

use boa_engine::object::DataTemplate;
use boa_engine::property::PropertyKey;
use boa_engine::string::JsStrVariant;
use boa_engine::{js_string, Context, JsError, JsObject, JsString, JsValue};
use localfront_events::cff::{
    self, Body, BodyEncoding, EventType, Output, QueryString, RequestOutput, ResponseOutput,
    SetCookie, SetCookieMap, ValueEntry, ValueMap,
};

use crate::shapes::{MapRole, MapShape, Shapes};

/// Why a result could not be read.
pub(crate) enum ReadError {
    /// The result does not have a valid shape (a validation error, §9).
    Invalid(String),
    /// A getter or conversion threw.
    Js(JsError),
}

impl From<JsError> for ReadError {
    fn from(e: JsError) -> Self {
        ReadError::Js(e)
    }
}

type Result<T> = std::result::Result<T, ReadError>;

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(ReadError::Invalid(message.into()))
}

// Reading back was a third of a URL-rewrite run (issue 5 item 7): objects that kept the event's
// shape are read by slot (`get_known`), property names are static `js_string!`s (no string built
// per read), a key read from an object is looked up again by the same `PropertyKey`, ASCII strings
// are copied without escaping char by char, and error descriptions are only formatted when there
// is an error.

fn get(obj: &JsObject, key: impl Into<PropertyKey>, context: &mut Context) -> Result<JsValue> {
    Ok(obj.get(key, context)?)
}

/// Where a property sits in a template: its slot, or missing (`None`: neither the template nor
/// `Object.prototype` has it, see `Shapes::reads`).
type Known<'a> = (&'a DataTemplate, Option<usize>);

/// `obj[key]`, read from the slot (or as missing) when `obj` has the shape of one of `known`'s
/// templates and that is exactly what `[[Get]]` would do (`DataTemplate::read`), else through
/// `[[Get]]`. Called where `[[Get]]` would be: a getter run before may have changed `obj`.
fn get_known<const N: usize>(
    obj: &JsObject,
    known: Option<[Known<'_>; N]>,
    key: JsString,
    context: &mut Context,
) -> Result<JsValue> {
    for (template, slot) in known.into_iter().flatten() {
        let read = template.read(obj, |values| {
            slot.map_or_else(JsValue::undefined, |i| values[i].clone())
        });
        if let Some(value) = read {
            return Ok(value);
        }
    }
    get(obj, key, context)
}

/// The templates the objects read back most likely have (the event's own objects, or objects a
/// function built with the same properties in the same order), and where each property read is
/// in them. Without templates (`Shapes::reads` is false), everything is read through `[[Get]]`.
#[derive(Clone, Copy)]
pub(crate) struct Templates<'a>(Option<&'a Shapes>);

impl<'a> Templates<'a> {
    /// `shapes`, when they may be read through.
    pub fn new(shapes: &'a Shapes) -> Self {
        Templates(shapes.reads().then_some(shapes))
    }

    /// A property of `{ value }` and `{ value, multiValue }` entries.
    fn entry(self, in_value: Option<usize>, in_multi: usize) -> Option<[Known<'a>; 2]> {
        self.0
            .map(|s| [(&s.value, in_value), (&s.value_multi, Some(in_multi))])
    }

    /// A property of `{ value, attributes }` and `{ value, attributes, multiValue }` cookies.
    fn cookie(self, in_cookie: Option<usize>, in_multi: usize) -> Option<[Known<'a>; 2]> {
        self.0
            .map(|s| [(&s.cookie, in_cookie), (&s.cookie_multi, Some(in_multi))])
    }

    /// A property of the event's `request`.
    fn request(self, slot: Option<usize>) -> Option<[Known<'a>; 1]> {
        self.0.map(|s| [(&s.request, slot)])
    }

    /// A property of the event's `response`.
    fn response(self, slot: Option<usize>) -> Option<[Known<'a>; 1]> {
        self.0.map(|s| [(&s.response, slot)])
    }

    /// `statusCode`: missing from the event's `request`, first in its `response`.
    fn status_code(self) -> Option<[Known<'a>; 2]> {
        self.0.map(|s| [(&s.request, None), (&s.response, Some(0))])
    }

    /// Whether `obj` has the shape of the event's `request` or `response` (so no `request` and no
    /// `context` property).
    fn is_request_or_response(self, obj: &JsObject) -> bool {
        self.0.is_some_and(|s| {
            s.request.read(obj, |_| ()).is_some() || s.response.read(obj, |_| ()).is_some()
        })
    }

    /// The last map of names made for `role`, when `obj` has its shape: its names are then `obj`'s
    /// own properties, in order.
    fn map(self, role: MapRole, obj: &JsObject) -> Option<&'a MapShape> {
        let map = self.0?.last_map(role)?;
        map.template.read(obj, |_| ())?;
        Some(map)
    }
}

/// `s` as a Rust string, unpaired surrogates escaped (`to_std_string_escaped`), ASCII copied as is.
fn std_string(s: &JsString) -> String {
    if let JsStrVariant::Latin1(bytes) = s.as_str().variant() {
        if bytes.is_ascii() {
            // ASCII bytes are UTF-8.
            return String::from_utf8_lossy(bytes).into_owned();
        }
    }
    s.to_std_string_escaped()
}

/// A primitive read as a string (numbers and booleans are converted); objects are invalid.
fn string_of(
    value: &JsValue,
    what: impl FnOnce() -> String,
    context: &mut Context,
) -> Result<String> {
    if value.is_object() || value.is_undefined() || value.is_null() || value.is_symbol() {
        return invalid(format!("{} must be a string", what()));
    }
    if let Some(s) = value.as_string() {
        return Ok(std_string(&s));
    }
    Ok(std_string(&value.to_string(context)?))
}

/// Own string keys in property order (maps built by functions have only enumerable ones), with
/// their names.
fn keys(obj: &JsObject, context: &mut Context) -> Result<Vec<(PropertyKey, String)>> {
    Ok(obj
        .own_property_keys(context)?
        .into_iter()
        .filter_map(|k| {
            let name = match &k {
                PropertyKey::Symbol(_) => return None,
                PropertyKey::String(s) => std_string(s),
                PropertyKey::Index(i) => i.get().to_string(),
            };
            Some((k, name))
        })
        .collect())
}

/// Reads `{ name: { value, multiValue? } }` against `original` (§3).
fn value_map(
    value: &JsValue,
    what: &str,
    original: &ValueMap,
    role: MapRole,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<ValueMap> {
    let Some(obj) = value.as_object() else {
        if value.is_undefined() || value.is_null() {
            return Ok(ValueMap::new());
        }
        return invalid(format!("{what} must be an object"));
    };
    let mut map = ValueMap::new();
    if let Some(known) = templates.map(role, &obj) {
        for (i, name) in known.names.iter().enumerate() {
            let entry = known_entry(&obj, known, i, context)?;
            if let Some(values) = value_entry(&entry, what, name, original, templates, context)? {
                map.set(name.clone(), values);
            }
        }
        return Ok(map);
    }
    for (key, name) in keys(&obj, context)? {
        let entry = get(&obj, key, context)?;
        if let Some(values) = value_entry(&entry, what, &name, original, templates, context)? {
            map.set(name, values);
        }
    }
    Ok(map)
}

/// Entry `i` of a map that had `known`'s shape when its keys were taken: from its slot while the
/// map keeps that shape (a getter of an earlier entry may have changed it), else by `[[Get]]`.
fn known_entry(
    obj: &JsObject,
    known: &MapShape,
    i: usize,
    context: &mut Context,
) -> Result<JsValue> {
    match known.template.read(obj, |values| values[i].clone()) {
        Some(entry) => Ok(entry),
        None => get(obj, JsString::from(known.names[i].as_str()), context),
    }
}

/// The values of `name` from its `entry`; `None` when the name is dropped.
fn value_entry(
    entry: &JsValue,
    what: &str,
    name: &str,
    original: &ValueMap,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<Option<Vec<String>>> {
    let Some(entry) = entry.as_object() else {
        return invalid(format!(
            "{what}.{name} must be an object like {{ value: \"…\" }}"
        ));
    };
    let multi = get_known(
        &entry,
        templates.entry(None, 1),
        js_string!("multiValue"),
        context,
    )?;
    let multi = if multi.is_undefined() {
        None
    } else {
        let Some(array) = multi.as_object() else {
            return invalid(format!("{what}.{name}.multiValue must be an array"));
        };
        let len = get(&array, js_string!("length"), context)?.to_length(context)?;
        let mut values = Vec::new();
        for i in 0..len {
            let item = array.get(i, context)?;
            let Some(item) = item.as_object() else {
                return invalid(format!("{what}.{name}.multiValue[{i}] must be {{ value }}"));
            };
            let v = get_known(
                &item,
                templates.entry(Some(0), 0),
                js_string!("value"),
                context,
            )?;
            values.push(string_of(
                &v,
                || format!("{what}.{name}.multiValue[{i}].value"),
                context,
            )?);
        }
        Some(values)
    };
    let value = get_known(
        &entry,
        templates.entry(Some(0), 0),
        js_string!("value"),
        context,
    )?;
    let value = if value.is_undefined() {
        None
    } else {
        Some(string_of(
            &value,
            || format!("{what}.{name}.value"),
            context,
        )?)
    };
    let before = original.get(name).map(|e| &e.values);
    let values = match (multi, value, before) {
        // A modified multiValue wins (§3).
        (Some(m), _, Some(b)) if b.len() > 1 && &m == b => None,
        (Some(m), _, _) if !m.is_empty() => Some(m),
        // The first value replaced, without cloning it first.
        (_, Some(v), Some(b)) => Some(std::iter::once(v).chain(b[1..].iter().cloned()).collect()),
        (_, Some(v), None) => Some(vec![v]),
        _ => None,
    };
    Ok(values.or_else(|| before.cloned()))
}

fn set_cookie(
    obj: &JsObject,
    what: &str,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<SetCookie> {
    let value = get_known(
        obj,
        templates.cookie(Some(0), 0),
        js_string!("value"),
        context,
    )?;
    let attributes = get_known(
        obj,
        templates.cookie(Some(1), 1),
        js_string!("attributes"),
        context,
    )?;
    Ok(SetCookie {
        value: string_of(&value, || format!("{what}.value"), context)?,
        attributes: if attributes.is_undefined() || attributes.is_null() {
            String::new()
        } else {
            string_of(&attributes, || format!("{what}.attributes"), context)?
        },
    })
}

fn set_cookie_map(
    value: &JsValue,
    original: &SetCookieMap,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<SetCookieMap> {
    let Some(obj) = value.as_object() else {
        if value.is_undefined() || value.is_null() {
            return Ok(SetCookieMap::new());
        }
        return invalid("response.cookies must be an object");
    };
    let mut map = SetCookieMap::new();
    if let Some(known) = templates.map(MapRole::ResponseCookies, &obj) {
        for (i, name) in known.names.iter().enumerate() {
            let entry = known_entry(&obj, known, i, context)?;
            let values = cookie_entry(&entry, name, original, templates, context)?;
            map.set(name.clone(), values);
        }
        return Ok(map);
    }
    for (key, name) in keys(&obj, context)? {
        let entry = get(&obj, key, context)?;
        let values = cookie_entry(&entry, &name, original, templates, context)?;
        map.set(name, values);
    }
    Ok(map)
}

/// The cookies of `name` from its `entry`.
fn cookie_entry(
    entry: &JsValue,
    name: &str,
    original: &SetCookieMap,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<Vec<SetCookie>> {
    let what = format!("response.cookies.{name}");
    let Some(entry) = entry.as_object() else {
        return invalid(format!(
            "{what} must be an object like {{ value, attributes }}"
        ));
    };
    let first = set_cookie(&entry, &what, templates, context)?;
    let multi = get_known(
        &entry,
        templates.cookie(None, 2),
        js_string!("multiValue"),
        context,
    )?;
    let before = original.get(name).map(|e| &e.values);
    Ok(match multi.as_object() {
        Some(array) => {
            let len = get(&array, js_string!("length"), context)?.to_length(context)?;
            let mut values = Vec::new();
            for i in 0..len {
                let item = array.get(i, context)?;
                let Some(item) = item.as_object() else {
                    return invalid(format!(
                        "{what}.multiValue[{i}] must be {{ value, attributes }}"
                    ));
                };
                values.push(set_cookie(
                    &item,
                    &format!("{what}.multiValue[{i}]"),
                    templates,
                    context,
                )?);
            }
            match before {
                Some(b) if b.len() > 1 && &values == b => {
                    let mut b = b.clone();
                    b[0] = first;
                    b
                }
                _ if values.is_empty() => vec![first],
                _ => values,
            }
        }
        None => match before {
            Some(b) => {
                let mut b = b.clone();
                b[0] = first;
                b
            }
            None => vec![first],
        },
    })
}

fn body(value: &JsValue, context: &mut Context) -> Result<Option<Body>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if value.is_string() {
        return Ok(Some(Body {
            data: value.to_string(context)?.to_std_string_escaped(),
            encoding: BodyEncoding::Text,
        }));
    }
    let Some(obj) = value.as_object() else {
        return invalid("response.body must be a string or { data, encoding }");
    };
    let data = get(&obj, js_string!("data"), context)?;
    let data = string_of(&data, || "response.body.data".into(), context)?;
    let encoding = get(&obj, js_string!("encoding"), context)?;
    let encoding = if encoding.is_undefined() {
        BodyEncoding::Text
    } else {
        match string_of(&encoding, || "response.body.encoding".into(), context)?.as_str() {
            "text" => BodyEncoding::Text,
            "base64" => BodyEncoding::Base64,
            other => {
                return invalid(format!(
                    "response.body.encoding `{other}` must be \"text\" or \"base64\""
                ))
            }
        }
    };
    Ok(Some(Body { data, encoding }))
}

fn response(
    obj: &JsObject,
    event: &cff::Event,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<ResponseOutput> {
    let status = get_known(
        obj,
        templates.response(Some(0)),
        js_string!("statusCode"),
        context,
    )?;
    let code = status.as_number().unwrap_or(f64::NAN);
    if code.fract() != 0.0 || !(100.0..=599.0).contains(&code) {
        return invalid(format!(
            "response.statusCode must be an integer from 100 to 599, got {}",
            status.display()
        ));
    }
    let description = get_known(
        obj,
        templates.response(Some(1)),
        js_string!("statusDescription"),
        context,
    )?;
    let status_description = if description.is_undefined() || description.is_null() {
        None
    } else {
        Some(string_of(
            &description,
            || "response.statusDescription".into(),
            context,
        )?)
    };
    let (orig_headers, orig_cookies) = match &event.response {
        Some(r) => (r.headers.clone(), r.cookies.clone()),
        None => (ValueMap::new(), SetCookieMap::new()),
    };
    let headers = get_known(
        obj,
        templates.response(Some(2)),
        js_string!("headers"),
        context,
    )?;
    let cookies = get_known(
        obj,
        templates.response(Some(3)),
        js_string!("cookies"),
        context,
    )?;
    let body_value = get_known(obj, templates.response(None), js_string!("body"), context)?;
    Ok(ResponseOutput {
        status_code: code as u16,
        status_description,
        headers: value_map(
            &headers,
            "response.headers",
            &orig_headers,
            MapRole::ResponseHeaders,
            templates,
            context,
        )?,
        cookies: set_cookie_map(&cookies, &orig_cookies, templates, context)?,
        body: body(&body_value, context)?,
    })
}

/// Whether `out` holds `before`'s entries in the order the function saw them: JavaScript lists an
/// object's array-index names (`"1"`) first, in numeric order, then the other names in insertion
/// order (ECMA-262 §10.1.11.1, OrdinaryOwnPropertyKeys). A query string `?a=1&1=x` handed back
/// untouched reads back as `1=x&a=1`; it is still unchanged, and forwarded byte for byte (§4).
fn as_presented(out: &ValueMap, before: &ValueMap) -> bool {
    if out == before {
        return true;
    }
    if out.len() != before.len() {
        return false;
    }
    let mut presented: Vec<&ValueEntry> = before.iter().collect();
    // A stable sort: the other names keep their order.
    presented.sort_by_key(|e| array_index(&e.name).map_or((1, 0), |i| (0, i)));
    out.iter().eq(presented)
}

/// `name` as an array index: the canonical decimal form of an integer below 2³² − 1 (ECMA-262
/// §6.1.7), so `"01"` and `"+1"` are not.
fn array_index(name: &str) -> Option<u32> {
    let n: u32 = name.parse().ok()?;
    (n != u32::MAX && n.to_string() == name).then_some(n)
}

fn request(
    obj: &JsObject,
    event: &cff::Event,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<RequestOutput> {
    let r = &event.request;
    let uri = get_known(obj, templates.request(Some(1)), js_string!("uri"), context)?;
    let uri = string_of(&uri, || "request.uri".into(), context)?;
    let qs = get_known(
        obj,
        templates.request(Some(2)),
        js_string!("querystring"),
        context,
    )?;
    let (querystring, querystring_changed) = if qs.is_string() {
        let raw = qs.to_string(context)?.to_std_string_escaped();
        // One leading `?` is stripped (§4, unconfirmed).
        let raw = raw.strip_prefix('?').map_or(raw.clone(), str::to_owned);
        let changed = Some(raw.as_str()) != r.raw_query.as_deref()
            && !(raw.is_empty() && r.raw_query.is_none());
        (QueryString::Raw(raw), changed)
    } else {
        let map = value_map(
            &qs,
            "request.querystring",
            &r.querystring,
            MapRole::Querystring,
            templates,
            context,
        )?;
        let changed = !as_presented(&map, &r.querystring);
        (QueryString::Map(map), changed)
    };
    let headers = get_known(
        obj,
        templates.request(Some(3)),
        js_string!("headers"),
        context,
    )?;
    let cookies = get_known(
        obj,
        templates.request(Some(4)),
        js_string!("cookies"),
        context,
    )?;
    Ok(RequestOutput {
        // The only read-only request field (§1).
        method: r.method.clone(),
        uri,
        querystring,
        headers: value_map(
            &headers,
            "request.headers",
            &r.headers,
            MapRole::RequestHeaders,
            templates,
            context,
        )?,
        cookies: value_map(
            &cookies,
            "request.cookies",
            &r.cookies,
            MapRole::RequestCookies,
            templates,
            context,
        )?,
        querystring_changed,
        origin_changes: Vec::new(),
    })
}

/// Reads the handler's result for `event`, through `templates` where they apply.
pub(crate) fn read(
    value: &JsValue,
    event: &cff::Event,
    templates: Templates<'_>,
    context: &mut Context,
) -> Result<Output> {
    let Some(obj) = value.as_object() else {
        return invalid(format!(
            "the function returned {}: return event.request or a response object",
            if value.is_undefined() {
                "undefined".to_owned()
            } else {
                value.type_of().to_string()
            }
        ));
    };
    // Neither the event's `request` nor its `response` has `request` or `context`.
    if !templates.is_request_or_response(&obj)
        && obj.has_property(js_string!("request"), context)?
        && obj.has_property(js_string!("context"), context)?
    {
        return invalid(
            "the function returned the whole event: return event.request or a response object",
        );
    }
    let status = get_known(
        &obj,
        templates.status_code(),
        js_string!("statusCode"),
        context,
    )?;
    match (event.event_type(), !status.is_undefined()) {
        (_, true) => Ok(Output::Response(response(&obj, event, templates, context)?)),
        (EventType::ViewerRequest, false) => {
            Ok(Output::Request(request(&obj, event, templates, context)?))
        }
        (EventType::ViewerResponse, false) => invalid(
            "a viewer-response function must return the response (an object with statusCode)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_indexes_are_canonical_integers_below_the_maximum() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        for not in ["01", "+1", "-1", "1.0", "4294967295", "", "a1"] {
            assert_eq!(array_index(not), None, "{not}");
        }
    }

    #[test]
    fn a_map_read_back_in_javascript_order_is_unchanged() {
        let mut before = ValueMap::new();
        before.append("a", "1");
        before.append("10", "y");
        before.append("b", "2");
        before.append("2", "x");
        let mut presented = ValueMap::new();
        for (n, v) in [("2", "x"), ("10", "y"), ("a", "1"), ("b", "2")] {
            presented.append(n, v);
        }
        assert!(as_presented(&presented, &before));
        assert!(as_presented(&before, &before));
        let mut moved = ValueMap::new();
        for (n, v) in [("2", "x"), ("10", "y"), ("b", "2"), ("a", "1")] {
            moved.append(n, v);
        }
        assert!(!as_presented(&moved, &before));
    }
}
