//! Builds the JavaScript event object natively from a [`cff::Event`] (issue 5 item 2: a JSON
//! round trip costs ~40 µs, a native build ~2 µs): plain data properties, `multiValue` only for
//! repeated names (§3), `response` on viewer-response only, and the non-enumerable
//! `request.rawQueryString()` of 2.0 (§4). Each object is made in one step from the context's
//! templates (`shapes.rs`).

use boa_engine::builtins::object::OrdinaryObject;
use boa_engine::object::builtins::{JsArray, JsFunction};
use boa_engine::object::ObjectInitializer;
use boa_engine::property::Attribute;
use boa_engine::{js_string, Context, JsObject, JsString, JsValue};
use localfront_events::cff::{self, SetCookie, SetCookieMap, ValueMap};

use crate::shapes::{MapRole, Shapes};

/// An ordinary object with a shared shape, built property by property: only for a map of names that
/// has no template (an array-index name, see `Shapes::map`).
fn object(context: &mut Context) -> ObjectInitializer<'_> {
    ObjectInitializer::with_native_data(OrdinaryObject, context)
}

fn s(v: &str) -> JsValue {
    JsString::from(v).into()
}

/// `v` as a static string when it is one of the few values most events share (no allocation).
fn common(v: &str) -> JsValue {
    match v {
        "1.0" => js_string!("1.0"),
        "GET" => js_string!("GET"),
        "HEAD" => js_string!("HEAD"),
        "POST" => js_string!("POST"),
        "viewer-request" => js_string!("viewer-request"),
        "viewer-response" => js_string!("viewer-response"),
        _ => return s(v),
    }
    .into()
}

/// `{ value }`, or `{ value, multiValue: [{ value }, …] }` for a repeated name (§3).
fn value_entry(values: &[String], shapes: &Shapes, context: &mut Context) -> JsValue {
    let first = s(&values[0]);
    if values.len() == 1 {
        return shapes.value.create(vec![first]).into();
    }
    let items = values
        .iter()
        .map(|v| shapes.value.create(vec![s(v)]).into());
    let array = JsArray::from_iter(items, context);
    shapes.value_multi.create(vec![first, array.into()]).into()
}

fn value_map(
    map: &ValueMap,
    role: MapRole,
    shapes: &mut Shapes,
    context: &mut Context,
) -> JsObject {
    let entries: Vec<JsValue> = map
        .iter()
        .map(|e| value_entry(&e.values, shapes, context))
        .collect();
    if let Some(shape) = shapes.value_map(role, map) {
        return shape.template.create(entries);
    }
    let mut obj = object(context);
    for (e, entry) in map.iter().zip(entries) {
        obj.property(JsString::from(e.name.as_str()), entry, Attribute::all());
    }
    obj.build()
}

fn set_cookie(cookie: &SetCookie, shapes: &Shapes) -> JsObject {
    shapes
        .cookie
        .create(vec![s(&cookie.value), s(&cookie.attributes)])
}

fn set_cookie_map(
    map: &SetCookieMap,
    role: MapRole,
    shapes: &mut Shapes,
    context: &mut Context,
) -> JsObject {
    let entries: Vec<JsValue> = map
        .iter()
        .map(|e| {
            let first = &e.values[0];
            if e.values.len() == 1 {
                return set_cookie(first, shapes).into();
            }
            let items = e.values.iter().map(|c| set_cookie(c, shapes).into());
            let array = JsArray::from_iter(items, context);
            let values = vec![s(&first.value), s(&first.attributes), array.into()];
            shapes.cookie_multi.create(values).into()
        })
        .collect();
    if let Some(shape) = shapes.set_cookie_map(role, map) {
        return shape.template.create(entries);
    }
    let mut obj = object(context);
    for (e, entry) in map.iter().zip(entries) {
        obj.property(JsString::from(e.name.as_str()), entry, Attribute::all());
    }
    obj.build()
}

/// The event object for `event`; `raw_query_string` is attached to `request` (2.0). Its objects
/// are made from the context's `shapes`.
pub(crate) fn build(
    event: &cff::Event,
    raw_query_string: Option<&JsFunction>,
    shapes: &mut Shapes,
    context: &mut Context,
) -> JsObject {
    let c = &event.context;
    let mut values = Vec::with_capacity(5);
    let optional = [&c.distribution_domain_name, &c.endpoint, &c.distribution_id];
    values.extend(optional.into_iter().flatten().map(|v| s(v)));
    values.push(common(c.event_type.as_str()));
    values.extend(c.request_id.as_deref().map(s));
    let ctx = shapes.context(c).create(values);

    let viewer = shapes.viewer.create(vec![s(&event.viewer.ip)]);

    let r = &event.request;
    let querystring = value_map(&r.querystring, MapRole::Querystring, shapes, context);
    let headers = value_map(&r.headers, MapRole::RequestHeaders, shapes, context);
    let cookies = value_map(&r.cookies, MapRole::RequestCookies, shapes, context);
    // Each object's values are allocated once, at their final size (`rawQueryString` on 2.0,
    // `response` on viewer-response).
    let mut values = Vec::with_capacity(shapes.request.len());
    values.extend([
        common(&r.method),
        s(&r.uri),
        querystring.into(),
        headers.into(),
        cookies.into(),
    ]);
    values.extend(raw_query_string.map(|f| f.clone().into()));
    let request = shapes.request.create(values);

    let mut values = Vec::with_capacity(shapes.root_response.len());
    values.extend([
        common(&event.version),
        ctx.into(),
        viewer.into(),
        request.into(),
    ]);
    match &event.response {
        Some(resp) => {
            let headers = value_map(&resp.headers, MapRole::ResponseHeaders, shapes, context);
            let cookies = set_cookie_map(&resp.cookies, MapRole::ResponseCookies, shapes, context);
            values.push(
                shapes
                    .response
                    .create(vec![
                        i32::from(resp.status_code).into(),
                        s(&resp.status_description),
                        headers.into(),
                        cookies.into(),
                    ])
                    .into(),
            );
            shapes.root_response.create(values)
        }
        None => shapes.root.create(values),
    }
}
