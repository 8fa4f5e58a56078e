//! The `cloudfront` module of cloudfront-js-2.0 (spec §8): `cf.kvs()`, the origin helpers and
//! `cf.edgeLocation`. The object is created once per context; every call reads the state of the
//! run in progress (`run_state.rs`), so `const kvs = cf.kvs()` at top level works as on CloudFront.

use std::time::{SystemTime, UNIX_EPOCH};

use boa_engine::object::builtins::{JsFunction, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::Attribute;
use boa_engine::{
    js_string, Context, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue,
    NativeFunction,
};
use localfront_events::cff::{EventType, OriginChange, OriginGroupRequest, OriginUpdate};
use serde_json::Value;

use crate::run_state;

/// Builds the module object bound by `import cf from 'cloudfront'`.
pub(crate) fn object(context: &mut Context) -> JsResult<JsObject> {
    let edge_getter =
        FunctionObjectBuilder::new(context.realm(), NativeFunction::from_fn_ptr(edge_location))
            .name(js_string!("get edgeLocation"))
            .build();
    let mut init = ObjectInitializer::new(context);
    init.function(NativeFunction::from_fn_ptr(kvs), js_string!("kvs"), 1)
        .function(
            NativeFunction::from_fn_ptr(update_request_origin),
            js_string!("updateRequestOrigin"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(select_request_origin_by_id),
            js_string!("selectRequestOriginById"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(create_request_origin_group),
            js_string!("createRequestOriginGroup"),
            1,
        )
        .accessor(
            js_string!("edgeLocation"),
            Some(edge_getter),
            None,
            Attribute::ENUMERABLE,
        );
    Ok(init.build())
}

fn arg(args: &[JsValue], i: usize) -> JsValue {
    args.get(i).cloned().unwrap_or_default()
}

/// `cf.kvs(id?)`: a handle to the function's store. The id is accepted whatever it is: the code
/// names its AWS store id, and a function has at most one store (§8).
fn kvs(_: &JsValue, _: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let mut init = ObjectInitializer::new(context);
    init.function(NativeFunction::from_fn_ptr(kvs_get), js_string!("get"), 2)
        .function(
            NativeFunction::from_fn_ptr(kvs_exists),
            js_string!("exists"),
            1,
        )
        .function(NativeFunction::from_fn_ptr(kvs_meta), js_string!("meta"), 0);
    Ok(init.build().into())
}

fn store() -> JsResult<std::sync::Arc<dyn crate::KeyValueStore>> {
    run_state::with(|s| s.kvs.clone()).flatten().ok_or_else(|| {
        JsNativeError::error()
            .with_message("KVSNamespaceNotFound: no KeyValueStore is associated with this function")
            .into()
    })
}

fn settle(result: JsResult<JsValue>, context: &mut Context) -> JsResult<JsValue> {
    let promise = match result {
        Ok(v) => JsPromise::resolve(v, context)?,
        Err(e) if e.as_engine().is_some() => return Err(e),
        Err(e) => JsPromise::reject(e, context)?,
    };
    Ok(promise.into())
}

/// `await kvs.get(key, { format })`: `string` (default), `json`, `bytes` (a Buffer); a missing key
/// rejects with `Error: KeyNotFound` (§8).
fn kvs_get(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let result = (|| {
        let key = arg(args, 0).to_string(context)?.to_std_string_escaped();
        let format = match arg(args, 1).as_object() {
            Some(o) => {
                let f = o.get(js_string!("format"), context)?;
                if f.is_undefined() {
                    "string".to_owned()
                } else {
                    f.to_string(context)?.to_std_string_escaped()
                }
            }
            None => "string".to_owned(),
        };
        let value = store()?
            .get(&key)
            .ok_or_else(|| JsError::from(JsNativeError::error().with_message("KeyNotFound")))?;
        match format.as_str() {
            "string" => Ok(JsString::from(value.as_str()).into()),
            "json" => {
                let json: Value = serde_json::from_str(&value).map_err(|e| {
                    JsNativeError::syntax()
                        .with_message(format!("value of key {key} is not JSON: {e}"))
                })?;
                JsValue::from_json(&json, context)
            }
            "bytes" => {
                let bytes = crate::natives::bytes_value(value.as_bytes(), context)?;
                let buffer = context.global_object().get(js_string!("Buffer"), context)?;
                let from = buffer
                    .as_object()
                    .map(|b| b.get(js_string!("from"), context))
                    .transpose()?
                    .and_then(|f| {
                        f.as_object()
                            .and_then(|o| JsFunction::from_object(o.clone()))
                    });
                match from {
                    Some(from) => from.call(&buffer, &[bytes], context),
                    None => Ok(bytes),
                }
            }
            other => Err(JsNativeError::typ()
                .with_message(format!(
                    "unknown format `{other}`: use string, json or bytes"
                ))
                .into()),
        }
    })();
    settle(result, context)
}

/// `await kvs.exists(key)`.
fn kvs_exists(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let result = (|| {
        let key = arg(args, 0).to_string(context)?.to_std_string_escaped();
        Ok(JsValue::from(store()?.exists(&key)))
    })();
    settle(result, context)
}

fn iso8601(t: SystemTime) -> String {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    crate::time::iso8601_millis(ms)
}

/// `await kvs.meta()`: `{ creationDateTime, lastUpdatedDateTime, keyCount }`.
fn kvs_meta(_: &JsValue, _: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let result = store().map(|s| s.meta()).map(|meta| {
        let mut init = ObjectInitializer::new(context);
        init.property(
            js_string!("creationDateTime"),
            JsString::from(iso8601(meta.creation_date_time).as_str()),
            Attribute::all(),
        )
        .property(
            js_string!("lastUpdatedDateTime"),
            JsString::from(iso8601(meta.last_updated_date_time).as_str()),
            Attribute::all(),
        )
        .property(
            js_string!("keyCount"),
            meta.key_count as f64,
            Attribute::all(),
        );
        JsValue::from(init.build())
    });
    settle(result, context)
}

/// Records an origin change; the helpers exist on viewer-request only (§8).
fn record(helper: &str, change: OriginChange) -> JsResult<JsValue> {
    let recorded = run_state::with(|s| {
        if s.event_type != EventType::ViewerRequest {
            return false;
        }
        s.origin_changes.push(change);
        true
    });
    if recorded == Some(true) {
        Ok(JsValue::undefined())
    } else {
        Err(JsNativeError::error()
            .with_message(format!(
                "cf.{helper}() can only be used in a viewer-request function, while it runs"
            ))
            .into())
    }
}

fn json_arg(helper: &str, value: &JsValue, context: &mut Context) -> JsResult<Value> {
    match value.to_json(context)? {
        Some(v @ Value::Object(_)) => Ok(v),
        _ => Err(JsNativeError::typ()
            .with_message(format!("cf.{helper}(): the argument must be an object"))
            .into()),
    }
}

fn type_error(helper: &str, e: impl std::fmt::Display) -> JsError {
    JsNativeError::typ()
        .with_message(format!("cf.{helper}(): {e}"))
        .into()
}

fn update_request_origin(
    _: &JsValue,
    args: &[JsValue],
    context: &mut Context,
) -> JsResult<JsValue> {
    const H: &str = "updateRequestOrigin";
    let mut json = json_arg(H, &arg(args, 0), context)?;
    let headers = json.as_object_mut().and_then(|o| o.remove("customHeaders"));
    let mut update: OriginUpdate = serde_json::from_value(json).map_err(|e| type_error(H, e))?;
    if let Some(headers) = headers {
        let Value::Object(map) = headers else {
            return Err(type_error(H, "customHeaders must be an object of strings"));
        };
        let mut pairs = Vec::new();
        for (name, value) in map {
            let Value::String(value) = value else {
                return Err(type_error(
                    H,
                    format!("customHeaders.{name} must be a string"),
                ));
            };
            pairs.push((name, value));
        }
        update.custom_headers = Some(pairs);
    }
    record(H, OriginChange::Update(update))
}

fn select_request_origin_by_id(
    _: &JsValue,
    args: &[JsValue],
    context: &mut Context,
) -> JsResult<JsValue> {
    const H: &str = "selectRequestOriginById";
    let id = arg(args, 0);
    if !id.is_string() {
        return Err(type_error(H, "the origin id must be a string"));
    }
    let id = id.to_string(context)?.to_std_string_escaped();
    record(H, OriginChange::SelectById(id))
}

fn create_request_origin_group(
    _: &JsValue,
    args: &[JsValue],
    context: &mut Context,
) -> JsResult<JsValue> {
    const H: &str = "createRequestOriginGroup";
    let json = json_arg(H, &arg(args, 0), context)?;
    let origin_ids = json
        .get("originIds")
        .and_then(Value::as_array)
        .ok_or_else(|| type_error(H, "originIds must be an array of { originId }"))?
        .iter()
        .map(|o| {
            o.get("originId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| type_error(H, "each originIds entry needs a string originId"))
        })
        .collect::<JsResult<Vec<_>>>()?;
    let failover_status_codes = match json
        .get("failoverCriteria")
        .and_then(|f| f.get("statusCodes"))
    {
        None => Vec::new(),
        Some(codes) => codes
            .as_array()
            .ok_or_else(|| type_error(H, "failoverCriteria.statusCodes must be an array"))?
            .iter()
            .map(|c| {
                c.as_u64()
                    .and_then(|c| u16::try_from(c).ok())
                    .ok_or_else(|| type_error(H, "status codes must be integers"))
            })
            .collect::<JsResult<Vec<_>>>()?,
    };
    let selection_criteria = json
        .get("selectionCriteria")
        .and_then(Value::as_str)
        .map(str::to_owned);
    record(
        H,
        OriginChange::CreateGroup(OriginGroupRequest {
            origin_ids,
            failover_status_codes,
            selection_criteria,
        }),
    )
}

/// `cf.edgeLocation`: `{ name, serverIp, region }` on viewer-request, `{}` on viewer-response (§8).
fn edge_location(_: &JsValue, _: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let location = run_state::with(|s| {
        (s.event_type == EventType::ViewerRequest)
            .then(|| s.edge_location.clone())
            .flatten()
    })
    .flatten();
    let mut init = ObjectInitializer::new(context);
    if let Some(l) = location {
        init.property(
            js_string!("name"),
            JsString::from(l.name.as_str()),
            Attribute::all(),
        )
        .property(
            js_string!("serverIp"),
            JsString::from(l.server_ip.as_str()),
            Attribute::all(),
        )
        .property(
            js_string!("region"),
            JsString::from(l.region.as_str()),
            Attribute::all(),
        );
    }
    Ok(init.build().into())
}
