//! The framing of localfront's cache keys.
//!
//! pingora hashes the primary key as one byte string, so its parts are length-prefixed to keep
//! their boundaries unambiguous (`3:abc`), with the distribution id first — entries never cross
//! distributions (hardening.md §2) — then the scheme (only for `match-viewer` origins, which
//! CloudFront caches separately per protocol), the path, and the selected viewer values.

use std::fmt::Write;

/// The parts of a key storage needs back (for invalidations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// Distribution id.
    pub distribution: &'a str,
    /// URL path as keyed.
    pub path: &'a str,
}

impl<'a> KeyParts<'a> {
    /// Reads the distribution and path back from a primary key built by [`encode`].
    pub fn decode(primary: &'a str) -> Option<Self> {
        let (distribution, rest) = field(primary)?;
        let (_scheme, rest) = field(rest)?;
        let (path, _) = field(rest)?;
        Some(Self { distribution, path })
    }
}

/// The primary key: distribution, scheme (may be empty), path, then the keyed viewer values.
pub fn encode(distribution: &str, scheme: &str, path: &str, values: &str) -> String {
    let mut out = String::with_capacity(distribution.len() + path.len() + values.len() + 16);
    for part in [distribution, scheme, path, values] {
        let _ = write!(out, "{}:", part.len());
        out.push_str(part);
    }
    out
}

fn field(s: &str) -> Option<(&str, &str)> {
    let (len, rest) = s.split_once(':')?;
    let len: usize = len.parse().ok()?;
    (rest.len() >= len && rest.is_char_boundary(len)).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_whatever_they_contain() {
        let key = encode("E1:x", "", "/a:b/3:c", "h:x=1\n");
        assert_eq!(
            KeyParts::decode(&key),
            Some(KeyParts {
                distribution: "E1:x",
                path: "/a:b/3:c"
            })
        );
        assert_ne!(encode("E1", "", "/ab", ""), encode("E1", "", "/a", "b"));
    }
}
