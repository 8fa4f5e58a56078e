//! The shapes of a context's event objects (issue 5 item 7): every event is made of the same few
//! plain objects (the root, `context`, `viewer`, `request`, `response`, `{ value }` entries), so
//! each is created in one step from a [`DataTemplate`] kept with the context instead of property by
//! property (≈ 800 instructions a property: a key lookup, a shape transition and the storage grown
//! by one slot). The maps of names (`querystring`, `headers`, `cookies`) have the shape of the
//! names they hold, so the last one of each is kept and reused while the names repeat (their
//! `JsString`s are not made again either).
//!
//! Reading a result back uses the same templates: a property of an object that still has the
//! template's shape is read from its slot (`DataTemplate::read` says when that is exactly what
//! `[[Get]]` would do).

use boa_engine::object::DataTemplate;
use boa_engine::property::{Attribute, PropertyKey};
use boa_engine::{js_string, Context, JsResult, JsString};
use localfront_events::cff::{EventContext, SetCookieMap, ValueMap};

/// The templates of one context's event objects.
pub(crate) struct Shapes {
    empty: DataTemplate,
    /// `{ version, context, viewer, request }`.
    pub root: DataTemplate,
    /// The same with `response` (viewer-response).
    pub root_response: DataTemplate,
    /// `context` by which of its optional properties are present (see [`Shapes::context`]).
    contexts: [Option<DataTemplate>; 16],
    /// `{ ip }`.
    pub viewer: DataTemplate,
    /// `{ method, uri, querystring, headers, cookies }`, then the non-enumerable `rawQueryString`
    /// on 2.0.
    pub request: DataTemplate,
    /// `{ statusCode, statusDescription, headers, cookies }`.
    pub response: DataTemplate,
    /// `{ value }`.
    pub value: DataTemplate,
    /// `{ value, multiValue }`.
    pub value_multi: DataTemplate,
    /// `{ value, attributes }` (`response.cookies`).
    pub cookie: DataTemplate,
    /// `{ value, attributes, multiValue }`.
    pub cookie_multi: DataTemplate,
    /// The last map of names of each [`MapRole`].
    maps: [Option<MapShape>; MapRole::COUNT],
    /// Whether `Object.prototype` had none of [`READ_ABSENT`] when the context was built: only then
    /// may a template's shape tell that such a property is missing (see [`Shapes::reads`]).
    absent_on_prototype: bool,
}

/// The properties output_js.rs reads that an event object does not have (so `[[Get]]` looks on
/// `Object.prototype`).
const READ_ABSENT: [JsString; 5] = [
    js_string!("request"),
    js_string!("context"),
    js_string!("statusCode"),
    js_string!("multiValue"),
    js_string!("body"),
];

/// Which map of names a template was made for.
#[derive(Clone, Copy)]
pub(crate) enum MapRole {
    /// `request.querystring`.
    Querystring,
    /// `request.headers`.
    RequestHeaders,
    /// `request.cookies`.
    RequestCookies,
    /// `response.headers`.
    ResponseHeaders,
    /// `response.cookies`.
    ResponseCookies,
}

impl MapRole {
    const COUNT: usize = 5;
}

/// A map's template and the names it holds, in order.
pub(crate) struct MapShape {
    /// The names, in property order.
    pub names: Vec<String>,
    /// One data property per name, all writable, enumerable and configurable.
    pub template: DataTemplate,
}

/// `template` with data properties `keys` added, all with `attributes`.
fn extend(template: &DataTemplate, keys: &[JsString], attributes: Attribute) -> DataTemplate {
    keys.iter().fold(template.clone(), |t, key| {
        t.with_property(key.clone().into(), attributes)
            .expect("distinct, non-index keys")
    })
}

impl Shapes {
    /// The templates for `context`'s realm, with `request.rawQueryString` or not; call once its
    /// builtins are installed.
    pub fn new(context: &mut Context, raw_query_string: bool) -> JsResult<Self> {
        let all = Attribute::all();
        let empty = DataTemplate::new(context);
        let root = extend(
            &empty,
            &[
                js_string!("version"),
                js_string!("context"),
                js_string!("viewer"),
                js_string!("request"),
            ],
            all,
        );
        let root_response = extend(&root, &[js_string!("response")], all);
        let request = extend(
            &empty,
            &[
                js_string!("method"),
                js_string!("uri"),
                js_string!("querystring"),
                js_string!("headers"),
                js_string!("cookies"),
            ],
            all,
        );
        let request = if raw_query_string {
            extend(
                &request,
                &[js_string!("rawQueryString")],
                Attribute::WRITABLE | Attribute::CONFIGURABLE,
            )
        } else {
            request
        };
        let value = extend(&empty, &[js_string!("value")], all);
        let cookie = extend(&value, &[js_string!("attributes")], all);
        let object_prototype = context.intrinsics().constructors().object().prototype();
        let mut absent_on_prototype = true;
        for key in READ_ABSENT {
            absent_on_prototype &= !object_prototype.has_property(key, context)?;
        }
        Ok(Shapes {
            viewer: extend(&empty, &[js_string!("ip")], all),
            response: extend(
                &empty,
                &[
                    js_string!("statusCode"),
                    js_string!("statusDescription"),
                    js_string!("headers"),
                    js_string!("cookies"),
                ],
                all,
            ),
            value_multi: extend(&value, &[js_string!("multiValue")], all),
            cookie_multi: extend(&cookie, &[js_string!("multiValue")], all),
            contexts: Default::default(),
            maps: Default::default(),
            empty,
            root,
            root_response,
            request,
            value,
            cookie,
            absent_on_prototype,
        })
    }

    /// The `context` object's template for `c`: its properties in CloudFront's order, the
    /// optional ones only when set.
    pub fn context(&mut self, c: &EventContext) -> &DataTemplate {
        let present = [
            c.distribution_domain_name.is_some(),
            c.endpoint.is_some(),
            c.distribution_id.is_some(),
            c.request_id.is_some(),
        ];
        let index = present
            .iter()
            .enumerate()
            .fold(0, |i, (bit, on)| i | (usize::from(*on) << bit));
        let empty = &self.empty;
        self.contexts[index].get_or_insert_with(|| {
            let mut keys = Vec::with_capacity(5);
            let optional = [
                (present[0], js_string!("distributionDomainName")),
                (present[1], js_string!("endpoint")),
                (present[2], js_string!("distributionId")),
            ];
            keys.extend(optional.into_iter().filter(|(on, _)| *on).map(|(_, k)| k));
            keys.push(js_string!("eventType"));
            if present[3] {
                keys.push(js_string!("requestId"));
            }
            extend(empty, &keys, Attribute::all())
        })
    }

    /// The template of a map with `names`, in order: the last one made for `role` when the names
    /// are the same, else a new one (kept for the next run). `None` when a name is an array index
    /// (`"1"`): such a property is not part of a shape, and comes first in property order.
    fn map<'a, I: Iterator<Item = &'a str>>(
        &mut self,
        role: MapRole,
        len: usize,
        names: impl Fn() -> I,
    ) -> Option<&MapShape> {
        let slot = &mut self.maps[role as usize];
        let same = slot.as_ref().is_some_and(|m| {
            m.names.len() == len && m.names.iter().map(String::as_str).eq(names())
        });
        if !same {
            let mut template = self.empty.clone();
            for name in names() {
                let key = PropertyKey::from(JsString::from(name));
                template = template.with_property(key, Attribute::all())?;
            }
            *slot = Some(MapShape {
                names: names().map(str::to_owned).collect(),
                template,
            });
        }
        slot.as_ref()
    }

    /// The template of `map`'s names for `role` (see [`Shapes::map`]).
    pub fn value_map(&mut self, role: MapRole, map: &ValueMap) -> Option<&MapShape> {
        self.map(role, map.len(), || map.iter().map(|e| e.name.as_str()))
    }

    /// The template of `map`'s names for `role` (see [`Shapes::map`]).
    pub fn set_cookie_map(&mut self, role: MapRole, map: &SetCookieMap) -> Option<&MapShape> {
        self.map(role, map.len(), || map.iter().map(|e| e.name.as_str()))
    }

    /// The last map template made for `role`, if any. Its names are the own properties of any
    /// object that has its shape, whichever run made it.
    pub fn last_map(&self, role: MapRole) -> Option<&MapShape> {
        self.maps[role as usize].as_ref()
    }

    /// Whether reading through the templates is allowed at all: a property missing from a
    /// template's shape may be read as `undefined` only if `Object.prototype` did not have it
    /// (`DataTemplate::read` sees to it that no script added it since).
    pub fn reads(&self) -> bool {
        self.absent_on_prototype
    }
}
