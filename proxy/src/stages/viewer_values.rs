//! The viewer values policies select from: query parameters, cookies and `Accept-Encoding`
//! (spec/distribution.md §5). Shared by the cache key and the origin request, so both see the same
//! values.

use localfront_config::Selection;

/// `a=1&b=2` → the parameters selected, in the viewer's order (CloudFront keys on the order as
/// sent), joined again.
pub fn select_query(query: Option<&str>, keep: impl Fn(&str) -> bool) -> Option<String> {
    let q = query?;
    let kept: Vec<&str> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| keep(p.split_once('=').map_or(*p, |(n, _)| n)))
        .collect();
    (!kept.is_empty()).then(|| kept.join("&"))
}

/// The viewer's cookies as `(name, value)`, from every `Cookie` header.
pub fn cookies<'a>(headers: impl Iterator<Item = &'a str>) -> Vec<(&'a str, &'a str)> {
    headers
        .flat_map(|h| h.split(';'))
        .filter_map(|c| {
            let c = c.trim();
            let (name, value) = c.split_once('=').unwrap_or((c, ""));
            (!name.is_empty()).then_some((name, value))
        })
        .collect()
}

/// The cookies `keep` selects, as a `Cookie` header value.
pub fn select_cookies(all: &[(&str, &str)], keep: impl Fn(&str) -> bool) -> Option<String> {
    let kept: Vec<String> = all
        .iter()
        .filter(|(n, _)| keep(n))
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// CloudFront's normalized `Accept-Encoding` when the policy caches compressed objects:
/// `br,gzip`, `br`, `gzip`, or `None` when the viewer accepts neither enabled coding.
pub fn normalized_accept_encoding(
    viewer: Option<&str>,
    gzip: bool,
    brotli: bool,
) -> Option<&'static str> {
    let accepts = |coding: &str| {
        viewer.is_some_and(|v| {
            v.split(',').any(|item| {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                // `q=0` means "not acceptable" (RFC 9110 §12.5.3).
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                });
                name.eq_ignore_ascii_case(coding) && !refused
            })
        })
    };
    match (brotli && accepts("br"), gzip && accepts("gzip")) {
        (true, true) => Some("br,gzip"),
        (true, false) => Some("br"),
        (false, true) => Some("gzip"),
        (false, false) => None,
    }
}

/// Whether either of two selections selects `name`.
pub fn either(a: &Selection, b: Option<&Selection>, name: &str) -> bool {
    a.selects(name) || b.is_some_and(|b| b.selects(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_selection_keeps_viewer_order() {
        assert_eq!(
            select_query(Some("b=2&a=1&c"), |n| n != "a").as_deref(),
            Some("b=2&c")
        );
        assert_eq!(select_query(Some("a=1"), |_| false), None);
    }

    #[test]
    fn cookies_are_parsed_from_every_header() {
        let all = cookies(["a=1; b=2", "c=3"].into_iter());
        assert_eq!(all, vec![("a", "1"), ("b", "2"), ("c", "3")]);
        assert_eq!(
            select_cookies(&all, |n| n != "b").as_deref(),
            Some("a=1; c=3")
        );
    }

    #[test]
    fn accept_encoding_is_normalized() {
        assert_eq!(
            normalized_accept_encoding(Some("gzip, deflate, br"), true, true),
            Some("br,gzip")
        );
        assert_eq!(
            normalized_accept_encoding(Some("gzip"), true, true),
            Some("gzip")
        );
        assert_eq!(
            normalized_accept_encoding(Some("br;q=0, gzip"), true, true),
            Some("gzip")
        );
        assert_eq!(normalized_accept_encoding(Some("br"), true, false), None);
        assert_eq!(normalized_accept_encoding(None, true, true), None);
    }
}
