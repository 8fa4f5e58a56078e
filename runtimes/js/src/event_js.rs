//! Builds the JavaScript event object natively from a [`cff::Event`] (issue 5 item 2: a JSON
//! round trip costs ~40 µs, a native build ~2 µs): plain data properties, `multiValue` only for
//! repeated names (§3), `response` on viewer-response only, and the non-enumerable
//! `request.rawQueryString()` of 2.0 (§4).

use boa_engine::builtins::object::OrdinaryObject;
use boa_engine::object::builtins::{JsArray, JsFunction};
use boa_engine::object::ObjectInitializer;
use boa_engine::property::{Attribute, PropertyDescriptor};
use boa_engine::{js_string, Context, JsObject, JsResult, JsString, JsValue};
use localfront_events::cff::{self, SetCookieMap, ValueMap};

/// An ordinary object with a shared shape: every event has the same few shapes, so after the
/// first run each property added follows a cached shape transition instead of inserting into the
/// per-object hash table `ObjectInitializer::new`'s unique shape builds (issue 5 item 7: the event
/// build was half of a URL-rewrite run's instructions, benches/README.md "Tuning").
fn object(context: &mut Context) -> ObjectInitializer<'_> {
    ObjectInitializer::with_native_data(OrdinaryObject, context)
}

fn s(v: &str) -> JsValue {
    JsString::from(v).into()
}

fn value_map(map: &ValueMap, context: &mut Context) -> JsObject {
    let mut entries: Vec<(JsString, JsObject)> = Vec::with_capacity(map.len());
    for e in map.iter() {
        let multi = (e.values.len() > 1).then(|| {
            let items: Vec<JsValue> = e
                .values
                .iter()
                .map(|v| {
                    let mut one = object(context);
                    one.property(js_string!("value"), s(v), Attribute::all());
                    one.build().into()
                })
                .collect();
            JsArray::from_iter(items, context)
        });
        let mut entry = object(context);
        entry.property(js_string!("value"), s(&e.values[0]), Attribute::all());
        if let Some(array) = multi {
            entry.property(js_string!("multiValue"), array, Attribute::all());
        }
        entries.push((JsString::from(e.name.as_str()), entry.build()));
    }
    let mut obj = object(context);
    for (name, entry) in entries {
        obj.property(name, entry, Attribute::all());
    }
    obj.build()
}

fn set_cookie(value: &str, attributes: &str, context: &mut Context) -> JsObject {
    let mut one = object(context);
    one.property(js_string!("value"), s(value), Attribute::all())
        .property(js_string!("attributes"), s(attributes), Attribute::all());
    one.build()
}

fn set_cookie_map(map: &SetCookieMap, context: &mut Context) -> JsObject {
    let mut entries: Vec<(JsString, JsObject)> = Vec::with_capacity(map.len());
    for e in map.iter() {
        let first = set_cookie(&e.values[0].value, &e.values[0].attributes, context);
        if e.values.len() > 1 {
            let items: Vec<JsValue> = e
                .values
                .iter()
                .map(|c| set_cookie(&c.value, &c.attributes, context).into())
                .collect();
            let array = JsArray::from_iter(items, context);
            first
                .set(js_string!("multiValue"), array, false, context)
                .ok();
        }
        entries.push((JsString::from(e.name.as_str()), first));
    }
    let mut obj = object(context);
    for (name, entry) in entries {
        obj.property(name, entry, Attribute::all());
    }
    obj.build()
}

/// The event object for `event`; `raw_query_string` is attached to `request` (2.0).
pub(crate) fn build(
    event: &cff::Event,
    raw_query_string: Option<&JsFunction>,
    context: &mut Context,
) -> JsResult<JsObject> {
    let c = &event.context;
    let mut ctx = object(context);
    if let Some(v) = &c.distribution_domain_name {
        ctx.property(js_string!("distributionDomainName"), s(v), Attribute::all());
    }
    if let Some(v) = &c.endpoint {
        ctx.property(js_string!("endpoint"), s(v), Attribute::all());
    }
    if let Some(v) = &c.distribution_id {
        ctx.property(js_string!("distributionId"), s(v), Attribute::all());
    }
    ctx.property(
        js_string!("eventType"),
        s(c.event_type.as_str()),
        Attribute::all(),
    );
    if let Some(v) = &c.request_id {
        ctx.property(js_string!("requestId"), s(v), Attribute::all());
    }
    let ctx = ctx.build();

    let mut viewer = object(context);
    viewer.property(js_string!("ip"), s(&event.viewer.ip), Attribute::all());
    let viewer = viewer.build();

    let r = &event.request;
    let querystring = value_map(&r.querystring, context);
    let headers = value_map(&r.headers, context);
    let cookies = value_map(&r.cookies, context);
    let mut request = object(context);
    request
        .property(js_string!("method"), s(&r.method), Attribute::all())
        .property(js_string!("uri"), s(&r.uri), Attribute::all())
        .property(js_string!("querystring"), querystring, Attribute::all())
        .property(js_string!("headers"), headers, Attribute::all())
        .property(js_string!("cookies"), cookies, Attribute::all());
    let request = request.build();
    if let Some(f) = raw_query_string {
        request.define_property_or_throw(
            js_string!("rawQueryString"),
            PropertyDescriptor::builder()
                .value(f.clone())
                .writable(true)
                .enumerable(false)
                .configurable(true),
            context,
        )?;
    }

    let response = match &event.response {
        Some(resp) => {
            let headers = value_map(&resp.headers, context);
            let cookies = set_cookie_map(&resp.cookies, context);
            let mut o = object(context);
            o.property(
                js_string!("statusCode"),
                i32::from(resp.status_code),
                Attribute::all(),
            )
            .property(
                js_string!("statusDescription"),
                s(&resp.status_description),
                Attribute::all(),
            )
            .property(js_string!("headers"), headers, Attribute::all())
            .property(js_string!("cookies"), cookies, Attribute::all());
            Some(o.build())
        }
        None => None,
    };

    let mut root = object(context);
    root.property(js_string!("version"), s(&event.version), Attribute::all())
        .property(js_string!("context"), ctx, Attribute::all())
        .property(js_string!("viewer"), viewer, Attribute::all())
        .property(js_string!("request"), request, Attribute::all());
    if let Some(resp) = response {
        root.property(js_string!("response"), resp, Attribute::all());
    }
    Ok(root.build())
}
