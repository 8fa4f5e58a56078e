//! Mapping between HTTP messages and the event's maps (§4, §5): `Cookie` ↔ `request.cookies`,
//! `Set-Cookie` ↔ `response.cookies`, the raw query ↔ `request.querystring`, and the title-casing
//! of header names on output.

use super::values::{SetCookie, SetCookieMap, ValueMap};

/// Parses one `Cookie` header value (`a=1; b=2`) into `cookies`, appending; pairs without `=` are
/// skipped, values are kept verbatim.
pub fn parse_cookie_header(header: &str, cookies: &mut ValueMap) {
    for pair in header.split(';') {
        let pair = pair.trim();
        if let Some((name, value)) = pair.split_once('=') {
            let name = name.trim();
            if !name.is_empty() {
                cookies.append(name, value.trim());
            }
        }
    }
}

/// The single `Cookie` header a request's cookies are written back as: `a=1; b=2` in entry order,
/// every value of a multi-valued cookie in turn (§4). `None` when there is no cookie.
pub fn cookie_header(cookies: &ValueMap) -> Option<String> {
    let pairs: Vec<String> = cookies
        .iter()
        .flat_map(|e| e.values.iter().map(move |v| format!("{}={}", e.name, v)))
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

/// Parses one `Set-Cookie` header value into its name and [`SetCookie`]: `attributes` is the raw
/// text after the first `;`, trimmed (§5). `None` without a `name=` part.
pub fn parse_set_cookie(header: &str) -> Option<(String, SetCookie)> {
    let (pair, attributes) = match header.split_once(';') {
        Some((pair, rest)) => (pair, rest.trim()),
        None => (header, ""),
    };
    let (name, value) = pair.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some((
        name.to_owned(),
        SetCookie {
            value: value.trim().to_owned(),
            attributes: attributes.to_owned(),
        },
    ))
}

/// The `Set-Cookie` header values for `cookies`: one `name=value; attributes` per value (§5).
pub fn set_cookie_header_values(cookies: &SetCookieMap) -> Vec<String> {
    cookies
        .iter()
        .flat_map(|e| {
            e.values.iter().map(move |c| {
                if c.attributes.is_empty() {
                    format!("{}={}", e.name, c.value)
                } else {
                    format!("{}={}; {}", e.name, c.value, c.attributes)
                }
            })
        })
        .collect()
}

/// Parses a raw query (without `?`) into the event form: names and values **as sent**, still
/// percent-encoded (§4, observed); `a` without `=` has the empty value; empty pieces are skipped.
pub fn parse_query_string(raw: &str) -> ValueMap {
    let mut map = ValueMap::new();
    for piece in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        map.append(name, value);
    }
    map
}

/// Serializes the object form of a query string: `name=value` joined by `&`, every value of a
/// multi-valued name in turn, values verbatim, an empty value as `name=` (§4, localfront).
pub fn serialize_query(query: &ValueMap) -> String {
    let pairs: Vec<String> = query
        .iter()
        .flat_map(|e| e.values.iter().map(move |v| format!("{}={}", e.name, v)))
        .collect();
    pairs.join("&")
}

/// CloudFront's output casing of a header name: each `-`-separated word capitalised
/// (`x-debug` → `X-Debug`, §4).
pub fn title_case_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_stay_percent_encoded_and_repeat() {
        let q = parse_query_string("q=%E5%AE%B6&tag=red&tag=blue&flag");
        assert_eq!(q.first("q"), Some("%E5%AE%B6"));
        assert_eq!(q.get("tag").unwrap().values, vec!["red", "blue"]);
        assert_eq!(q.first("flag"), Some(""));
        assert_eq!(serialize_query(&q), "q=%E5%AE%B6&tag=red&tag=blue&flag=");
    }

    #[test]
    fn cookies_round_trip() {
        let mut c = ValueMap::new();
        parse_cookie_header("a=1; b=2;a=3", &mut c);
        assert_eq!(cookie_header(&c).unwrap(), "a=1; a=3; b=2");
        let (name, sc) = parse_set_cookie("id=7; Path=/; Secure").unwrap();
        assert_eq!(
            (name.as_str(), sc.attributes.as_str()),
            ("id", "Path=/; Secure")
        );
    }

    #[test]
    fn header_names_are_title_cased() {
        assert_eq!(title_case_header("x-debug"), "X-Debug");
        assert_eq!(
            title_case_header("strict-transport-security"),
            "Strict-Transport-Security"
        );
    }
}
