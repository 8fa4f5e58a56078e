//! `GET /logs[?function=NAME][&follow=1]`: the function log's recent lines (optionally of one
//! function), and with `follow` every new line as it is written, until the client goes away
//! (`localfront logs --follow`).

use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use tokio::sync::broadcast::error::RecvError;

use super::Body;
use crate::function_log::{Record, FUNCTION_LOG};

/// Answers `GET /logs`.
pub fn follow(query: Option<&str>) -> Response<Body> {
    let mut function = None;
    let mut follow = false;
    for (k, v) in url_pairs(query.unwrap_or("")) {
        match k.as_str() {
            "function" => function = Some(v),
            "follow" => follow = v != "0" && v != "false",
            _ => {}
        }
    }
    // Subscribe before reading the backlog, so no line falls between the two.
    let feed = follow.then(|| FUNCTION_LOG.subscribe());
    let wanted = move |r: &Record| function.as_deref().is_none_or(|f| f == r.function);
    let backlog: String = FUNCTION_LOG
        .recent()
        .iter()
        .filter(|r| wanted(r))
        .map(text)
        .collect();
    let stream = futures_util::stream::unfold(
        (Some(backlog), feed, wanted),
        |(first, mut feed, wanted)| async move {
            if let Some(first) = first {
                return Some((Ok(Frame::data(Bytes::from(first))), (None, feed, wanted)));
            }
            let rx = feed.as_mut()?;
            loop {
                match rx.recv().await {
                    Ok(record) if wanted(&record) => {
                        let chunk = Bytes::from(text(&record));
                        return Some((Ok(Frame::data(chunk)), (None, feed, wanted)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-cache")
        .body(BodyExt::boxed(StreamBody::new(stream)))
        .unwrap_or_default()
}

/// A record's lines, prefixed with the function's name.
fn text(record: &Arc<Record>) -> String {
    record
        .lines
        .iter()
        .map(|l| format!("[{}] {l}\n", record.function))
        .collect()
}

/// `a=b&c=d`, percent-decoded.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}
