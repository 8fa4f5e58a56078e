//! Cache behavior path patterns (spec/distribution.md §2) and the one path normalization used to
//! match them (spec/hardening.md §2): behavior match, cache key and logs see the same path.

use std::borrow::Cow;

use wildmatch::WildMatch;

/// A compiled `path_pattern`: `*` matches any characters (`/` included), `?` exactly one. CloudFront
/// patterns may omit the leading `/`.
#[derive(Debug, Clone)]
pub struct PathPattern(WildMatch);

impl PathPattern {
    /// Compiles `pattern` as written in a cache behavior.
    pub fn new(pattern: &str) -> Self {
        PathPattern(match pattern {
            "*" => WildMatch::new("*"),
            p if p.starts_with('/') => WildMatch::new(p),
            p => WildMatch::new(&format!("/{p}")),
        })
    }

    /// Whether the (normalized) `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        self.0.matches(path)
    }
}

/// RFC 3986 normalization for matching only (the origin gets the raw path; hardening.md §2):
/// percent-encoded unreserved characters are decoded (§6.2.2.2) and dot segments removed
/// (§5.2.4), so `/a/%2E%2E/b` and `/b` match the same behavior. A path with neither (the usual
/// case) is returned as it is, without allocating.
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    let already_normal = path.starts_with('/')
        && !path.contains('%')
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    if already_normal {
        return Cow::Borrowed(path);
    }
    let decoded = decode_unreserved(path);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = decoded.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    Cow::Owned(format!("/{}", out.join("/")))
}

fn decode_unreserved(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok())
            .filter(|b| b.is_ascii_alphanumeric() || b"-._~".contains(b));
        // A decoded hex digit right after a `%` (or `%` and a hex digit) would spell a new escape
        // that a second normalization would decode: keep it encoded, so normalizing is idempotent.
        let escaped = escaped.filter(|b| !(b.is_ascii_hexdigit() && ends_an_escape_prefix(&out)));
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `out` ends with `%` or `%` and one hex digit.
fn ends_an_escape_prefix(out: &[u8]) -> bool {
    match out {
        [.., b'%'] => true,
        [.., b'%', h] => h.is_ascii_hexdigit(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dot_segments_and_unreserved_escapes() {
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(normalize_path("/a/%2E%2E/b"), "/b");
        assert_eq!(normalize_path("/../../etc"), "/etc");
        assert_eq!(normalize_path("/%7Euser/x%2Fy"), "/~user/x%2Fy");
        assert_eq!(normalize_path("/dir/"), "/dir/");
        assert_eq!(normalize_path("/a/b/.."), "/a/");
        // The usual path is handed back as it is.
        assert!(matches!(
            normalize_path("/images/a..b/.x"),
            Cow::Borrowed(_)
        ));
        assert_eq!(normalize_path("no/leading/slash"), "/leading/slash");
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        // Decoding `%32` and `%45` after a stray `%` spelled `%2E`, which a second pass read as `.`.
        for path in ["/%%32%45", "/a/%%32%45/x", "/%4%45", "/%%34E", "/%25%32%45"] {
            let once = normalize_path(path);
            assert_eq!(normalize_path(&once), once, "{path}");
        }
    }

    #[test]
    fn patterns_may_omit_the_leading_slash() {
        assert!(PathPattern::new("images/*.png").matches("/images/a/b.png"));
        assert!(PathPattern::new("*").matches("/anything"));
        assert!(!PathPattern::new("/api/*").matches("/apis"));
    }
}
