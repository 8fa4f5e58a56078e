//! Validators, conditional requests (RFC 9110 §13) and byte ranges.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{self, HeaderMap, HeaderName};
use httpdate::HttpDate;

/// Latest time `HttpDate` can represent (9999-12-31T23:59:59Z).
const MAX_HTTP_DATE_SECS: u64 = 253_402_300_799;

/// Brings a file time into the range `HttpDate` accepts (it panics outside).
pub(super) fn clamp_mtime(mtime: SystemTime) -> SystemTime {
    let max = UNIX_EPOCH + Duration::from_secs(MAX_HTTP_DATE_SECS);
    mtime.clamp(UNIX_EPOCH, max)
}

/// Strong ETag from the modification time (ns) and length: it changes
/// whenever the file is rewritten, without hashing the content.
pub(super) fn make_etag(len: u64, mtime: SystemTime) -> String {
    let nanos = mtime
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("\"{nanos:x}-{len:x}\"")
}

/// Result of the RFC 9110 §13.2.2 precondition evaluation.
#[derive(Debug)]
pub(super) enum Precondition {
    /// Serve the object (or the requested range).
    Proceed,
    /// 304.
    NotModified,
    /// 412; names the header that failed.
    Failed(&'static str),
}

/// Evaluates the conditional headers in RFC 9110 §13.2.2 order. Unparsable
/// dates are ignored, as the RFC requires.
pub(super) fn evaluate_preconditions(
    headers: &HeaderMap,
    etag: &str,
    last_modified: HttpDate,
) -> Precondition {
    if headers.contains_key(header::IF_MATCH) {
        if !etag_matches(headers, header::IF_MATCH, etag, true) {
            return Precondition::Failed("If-Match");
        }
    } else if let Some(since) = header_date(headers, header::IF_UNMODIFIED_SINCE) {
        if last_modified > since {
            return Precondition::Failed("If-Unmodified-Since");
        }
    }
    if headers.contains_key(header::IF_NONE_MATCH) {
        if etag_matches(headers, header::IF_NONE_MATCH, etag, false) {
            return Precondition::NotModified;
        }
    } else if let Some(since) = header_date(headers, header::IF_MODIFIED_SINCE) {
        if last_modified <= since {
            return Precondition::NotModified;
        }
    }
    Precondition::Proceed
}

/// Whether any entity tag listed in the `name` headers (or `*`) matches
/// `etag`, using strong or weak comparison (RFC 9110 §8.8.3.2).
fn etag_matches(headers: &HeaderMap, name: HeaderName, etag: &str, strong: bool) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|list| {
            list.trim() == "*"
                || entity_tags(list).any(|(weak, tag)| tag == etag && !(strong && weak))
        })
}

/// The `(weak, "opaque-tag")` pairs of a comma-separated entity-tag list;
/// stops at the first malformed element.
fn entity_tags(mut list: &str) -> impl Iterator<Item = (bool, &str)> {
    std::iter::from_fn(move || {
        list = list.trim_start_matches([' ', '\t', ',']);
        let weak = list.starts_with("W/");
        let rest = if weak { &list[2..] } else { list };
        let close = rest.strip_prefix('"')?.find('"')? + 1;
        let tag = &rest[..=close];
        list = &rest[close + 1..];
        Some((weak, tag))
    })
}

/// The HTTP date in header `name`, if present and valid.
fn header_date(headers: &HeaderMap, name: HeaderName) -> Option<HttpDate> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// How to answer a `Range` header.
#[derive(Debug)]
pub(super) enum RangeOutcome {
    /// No usable range: send the whole object with 200.
    Full,
    /// Send bytes `start..=end` with 206.
    Partial { start: u64, end: u64 },
    /// 416.
    Unsatisfiable,
}

/// Interprets a `Range` header for an object of `len` bytes. Only a single
/// byte range is honored: malformed syntax, descending ranges and multiple
/// ranges are ignored and the full object is sent (as S3 and CloudFront do
/// for multi-range requests). `If-Range` is not supported and is ignored.
pub(super) fn parse_range(headers: &HeaderMap, len: u64) -> RangeOutcome {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once('='))
        .filter(|(unit, _)| unit.trim().eq_ignore_ascii_case("bytes"))
        .map(|(_, spec)| spec.trim())
    else {
        return RangeOutcome::Full;
    };
    if spec.contains(',') {
        return RangeOutcome::Full;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeOutcome::Full;
    };
    let number = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse::<u64>().ok()
        }
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, true) => RangeOutcome::Full,
        // `bytes=-n`: the last n bytes.
        (true, false) => match number(last) {
            None => RangeOutcome::Full,
            Some(0) => RangeOutcome::Unsatisfiable,
            Some(_) if len == 0 => RangeOutcome::Unsatisfiable,
            Some(n) => RangeOutcome::Partial {
                start: len - n.min(len),
                end: len - 1,
            },
        },
        // `bytes=a-` or `bytes=a-b`.
        (false, open_ended) => {
            let Some(start) = number(first) else {
                return RangeOutcome::Full;
            };
            let end = if open_ended {
                u64::MAX
            } else {
                match number(last) {
                    Some(end) if end >= start => end,
                    _ => return RangeOutcome::Full,
                }
            };
            if start >= len {
                RangeOutcome::Unsatisfiable
            } else {
                RangeOutcome::Partial {
                    start,
                    end: end.min(len - 1),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_mtimes_do_not_panic() {
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(clamp_mtime(before_epoch), UNIX_EPOCH);
        let far = UNIX_EPOCH + Duration::from_secs(MAX_HTTP_DATE_SECS * 2);
        assert_eq!(
            HttpDate::from(clamp_mtime(far)).to_string(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    #[test]
    fn entity_tag_lists() {
        let tags: Vec<_> = entity_tags(r#" "a", W/"b",,"c,d" , bad, "e""#).collect();
        assert_eq!(
            tags,
            [(false, "\"a\""), (true, "\"b\""), (false, "\"c,d\"")]
        );
    }
}
