//! Validation of a live run's result (spec §4, §9, §10): header names, disallowed and read-only
//! headers, the URI and query string, base64 bodies, origin-helper arguments. TestFunction skips
//! all of it (§11), so [`crate::InvokeOptions::test_mode`] turns it off.

use localfront_events::cff::{self, EventType, OriginChange, Output, ValueMap};

/// Headers a function may not add, change or delete, per event (§10).
fn read_only(event: EventType) -> &'static [&'static str] {
    match event {
        EventType::ViewerRequest => &["content-length", "host", "transfer-encoding", "via"],
        EventType::ViewerResponse => &["via", "warning"],
    }
}

/// Headers never exposed to functions; adding one is invalid (§10).
fn is_disallowed(name: &str) -> bool {
    localfront_events::is_disallowed_header(name)
}

/// Checks header names and values against `before`; with `lenient_names`, upper-case names are
/// lowercased instead of rejected (§4: CloudFront's handling unconfirmed).
fn check_headers(
    headers: &mut ValueMap,
    before: &ValueMap,
    event: EventType,
    where_: &str,
    lenient_names: bool,
) -> Result<(), String> {
    if headers
        .iter()
        .any(|e| e.name.bytes().any(|b| b.is_ascii_uppercase()))
    {
        if !lenient_names {
            let name = headers
                .iter()
                .find(|e| e.name.bytes().any(|b| b.is_ascii_uppercase()))
                .map(|e| e.name.clone())
                .unwrap_or_default();
            return Err(format!(
                "{where_}: header name `{name}` must be lowercase (`{}`)",
                name.to_ascii_lowercase()
            ));
        }
        let mut lowered = ValueMap::new();
        for e in headers.iter() {
            for v in &e.values {
                lowered.append(e.name.to_ascii_lowercase(), v.clone());
            }
        }
        *headers = lowered;
    }
    for e in headers.iter() {
        if !localfront_events::is_header_token(&e.name) {
            return Err(format!("{where_}: `{}` is not a valid header name", e.name));
        }
        if let Some(v) = e
            .values
            .iter()
            .find(|v| v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0))
        {
            return Err(format!(
                "{where_}: header `{}` has a control character in `{v}`",
                e.name
            ));
        }
        if is_disallowed(&e.name) && before.get(&e.name).map(|b| &b.values) != Some(&e.values) {
            return Err(format!(
                "{where_}: header `{}` is disallowed for CloudFront Functions",
                e.name
            ));
        }
    }
    for name in read_only(event) {
        if headers.get(name) != before.get(name) {
            return Err(format!(
                "{where_}: header `{name}` is read-only on {} and cannot be added, changed or deleted",
                event.as_str()
            ));
        }
    }
    Ok(())
}

/// Validates `output` of a run on `event`; the message says what and where.
pub(crate) fn validate(
    event: &cff::Event,
    output: &mut Output,
    lenient_names: bool,
) -> Result<(), String> {
    match output {
        Output::Request(r) => {
            if !r.uri.starts_with('/') {
                return Err(format!("request.uri `{}` must start with /", r.uri));
            }
            if r.uri.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#') {
                return Err(format!(
                    "request.uri `{}` contains a space, control character or #",
                    r.uri
                ));
            }
            let query = r.querystring.to_query();
            if r.querystring_changed && query.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'#') {
                return Err(format!(
                    "request.querystring `{query}` contains a space, control character or #"
                ));
            }
            if r.uri.len() + query.len() >= 8192 {
                return Err(format!(
                    "request.uri plus query string is {} characters: it must be under 8,192",
                    r.uri.len() + query.len()
                ));
            }
            check_headers(
                &mut r.headers,
                &event.request.headers,
                EventType::ViewerRequest,
                "request.headers",
                lenient_names,
            )?;
            for change in &r.origin_changes {
                match change {
                    OriginChange::Update(u) => u
                        .check()
                        .map_err(|e| format!("cf.updateRequestOrigin: {e}"))?,
                    OriginChange::CreateGroup(g) => g
                        .check()
                        .map_err(|e| format!("cf.createRequestOriginGroup: {e}"))?,
                    OriginChange::SelectById(id) if id.is_empty() => {
                        return Err("cf.selectRequestOriginById: the origin id is empty".to_owned())
                    }
                    OriginChange::SelectById(_) => {}
                }
            }
        }
        Output::Response(resp) => {
            // A generated response starts from no headers; a viewer-response one from the origin's.
            let before = event
                .response
                .as_ref()
                .map(|r| r.headers.clone())
                .unwrap_or_default();
            check_headers(
                &mut resp.headers,
                &before,
                event.event_type(),
                "response.headers",
                lenient_names,
            )?;
            if let Some(body) = &resp.body {
                body.to_bytes().map_err(|e| format!("response.{e}"))?;
            }
        }
    }
    Ok(())
}
