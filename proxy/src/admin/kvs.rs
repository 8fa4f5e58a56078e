//! `/kvs/{name}`: live KeyValueStore updates (spec/cloudfront-functions.md §8), seen by the next
//! function run. `GET /kvs/{name}` lists the store; `GET|PUT|DELETE /kvs/{name}/keys/{key}` reads,
//! writes (the body is the value) and deletes one key; keys are percent-encoded in the path.

use http::Response;
use serde_json::json;

use super::{json, text, Body};
use crate::snapshot::Snapshot;

/// Handles one `/kvs/...` request; `rest` is the path after `/kvs/`.
pub fn handle(snapshot: &Snapshot, method: &str, rest: &str, body: &[u8]) -> Response<Body> {
    let (name, key) = match rest.split_once("/keys/") {
        Some((name, key)) => (name, Some(key)),
        None => (rest.trim_end_matches('/'), None),
    };
    let Some(store) = snapshot.functions.stores.get(name) else {
        return text(404, &format!("no key value store `{name}`\n"));
    };
    let key = match key.map(|k| percent_encoding::percent_decode_str(k).decode_utf8()) {
        None => None,
        Some(Ok(k)) if !k.is_empty() => Some(k.into_owned()),
        Some(_) => return text(400, "the key is empty or not UTF-8\n"),
    };
    match (method, key) {
        ("GET", None) => {
            let items: Vec<_> = store
                .entries()
                .into_iter()
                .map(|(k, v)| json!({ "key": k, "value": v }))
                .collect();
            json(
                200,
                &json!({ "name": name, "keyCount": items.len(), "items": items }),
            )
        }
        ("GET", Some(k)) => match localfront_js::KeyValueStore::get(store.as_ref(), &k) {
            Some(v) => json(200, &json!({ "key": k, "value": v })),
            None => text(404, &format!("no key `{k}` in `{name}`\n")),
        },
        ("PUT", Some(k)) => {
            let Ok(value) = std::str::from_utf8(body) else {
                return text(400, "the value is not UTF-8\n");
            };
            match store.put(&k, value) {
                Ok(()) => json(200, &json!({ "key": k, "value": value })),
                Err(e) => text(400, &format!("{e}\n")),
            }
        }
        ("DELETE", Some(k)) => {
            if store.delete(&k) {
                json(200, &json!({ "deleted": k }))
            } else {
                text(404, &format!("no key `{k}` in `{name}`\n"))
            }
        }
        _ => text(405, "method not allowed\n"),
    }
}
