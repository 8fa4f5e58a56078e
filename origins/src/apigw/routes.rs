//! Route selection with HTTP API's precedence (spec/api-gateway.md §1):
//!
//! 1. a full match of path and method, a static segment beating a `{var}`;
//! 2. a match through a greedy `{var+}`, the longest static prefix winning;
//! 3. `$default`;
//!
//! `ANY` matches methods not defined for the path; at equal specificity the exact method wins
//! over `ANY` (localfront's pick for an undocumented case).
//!
//! The matching itself is `matchit`'s radix tree, whose priorities are API Gateway's within
//! one method: static before `{var}` (with backtracking), catch-all `{*rest}` last and never
//! empty (`{proxy+}` needs at least one character). One tree per method and tier (full /
//! greedy) keeps tier 1 ahead of tier 2 across methods; between the exact-method and the `ANY`
//! candidate of a tier, the more specific route wins — compared segment by segment, static
//! before `{var}` before `{var+}`.

use std::collections::HashMap;

use localfront_config::{RouteConfig, RouteKey};

/// The routes of one API, ready to match.
#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    /// Method (`ANY` included) → routes without a greedy variable.
    full: HashMap<String, matchit::Router<usize>>,
    /// Method → routes ending in a greedy variable.
    greedy: HashMap<String, matchit::Router<usize>>,
    /// Each route's segment kinds, by route index, for comparing candidates.
    specificity: Vec<Vec<u8>>,
    default: Option<usize>,
}

/// A matched route: its index and path parameters (as received, percent-encoded).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RouteMatch {
    pub(crate) route: usize,
    pub(crate) path_parameters: Vec<(String, String)>,
}

impl RouteTable {
    /// Builds the table; an error names the route matchit refused (validation catches the
    /// conflicts API Gateway refuses first).
    pub(crate) fn new(routes: &[RouteConfig]) -> Result<Self, String> {
        let mut table = RouteTable::default();
        for (i, r) in routes.iter().enumerate() {
            let (method, path) = match &r.key {
                RouteKey::Default => {
                    table.default = Some(i);
                    table.specificity.push(Vec::new());
                    continue;
                }
                RouteKey::Route { method, path } => (method, path),
            };
            let mut greedy = false;
            let mut kinds = Vec::new();
            let pattern: Vec<String> = path
                .split('/')
                .map(
                    |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => match name.strip_suffix('+') {
                            Some(name) => {
                                greedy = true;
                                kinds.push(0);
                                format!("{{*{name}}}")
                            }
                            None => {
                                kinds.push(1);
                                format!("{{{name}}}")
                            }
                        },
                        None => {
                            kinds.push(2);
                            segment.to_owned()
                        }
                    },
                )
                .collect();
            table.specificity.push(kinds);
            let tier = if greedy {
                &mut table.greedy
            } else {
                &mut table.full
            };
            tier.entry(method.clone())
                .or_default()
                .insert(pattern.join("/"), i)
                .map_err(|e| format!("route `{}`: {e}", r.key))?;
        }
        Ok(table)
    }

    /// The route for `method` and `path` (the path after the stage), if any.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<RouteMatch> {
        for tier in [&self.full, &self.greedy] {
            let exact = tier.get(method).and_then(|r| r.at(path).ok());
            let any = tier.get("ANY").and_then(|r| r.at(path).ok());
            let chosen = match (exact, any) {
                (Some(e), Some(a)) => {
                    if self.specificity[*a.value] > self.specificity[*e.value] {
                        Some(a)
                    } else {
                        Some(e)
                    }
                }
                (e, a) => e.or(a),
            };
            if let Some(m) = chosen {
                return Some(RouteMatch {
                    route: *m.value,
                    path_parameters: m
                        .params
                        .iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                });
            }
        }
        self.default.map(|route| RouteMatch {
            route,
            path_parameters: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use localfront_config::Integration;
    use std::time::Duration;

    fn table(keys: &[&str]) -> (RouteTable, Vec<String>) {
        let routes: Vec<RouteConfig> = keys
            .iter()
            .map(|k| RouteConfig {
                key: match k.split_once(' ') {
                    None => RouteKey::Default,
                    Some((m, p)) => RouteKey::Route {
                        method: m.into(),
                        path: p.into(),
                    },
                },
                integration: Integration::Http {
                    uri: "http://x".into(),
                },
                timeout: Duration::from_secs(30),
                request_parameters: vec![],
                response_parameters: vec![],
                throttling: None,
                api_key_required: false,
                authorizer: None,
                authorization_scopes: vec![],
            })
            .collect();
        (
            RouteTable::new(&routes).unwrap(),
            keys.iter().map(|k| k.to_string()).collect(),
        )
    }

    fn pick(t: &(RouteTable, Vec<String>), method: &str, path: &str) -> Option<String> {
        t.0.find(method, path).map(|m| t.1[m.route].clone())
    }

    #[test]
    fn the_spec_example() {
        let t = table(&[
            "GET /pets/dog/1",
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
        ]);
        assert_eq!(pick(&t, "GET", "/pets/dog/1").unwrap(), "GET /pets/dog/1");
        assert_eq!(
            pick(&t, "GET", "/pets/dog/2").unwrap(),
            "GET /pets/dog/{id}"
        );
        assert_eq!(
            pick(&t, "GET", "/pets/cat/1").unwrap(),
            "GET /pets/{proxy+}"
        );
        assert_eq!(pick(&t, "POST", "/test/5").unwrap(), "ANY /{proxy+}");
        assert_eq!(pick(&t, "GET", "/").unwrap(), "$default");
    }

    #[test]
    fn any_and_specificity() {
        let t = table(&[
            "GET /pets/{id}",
            "ANY /pets/dog",
            "ANY /pets/{id}",
            "POST /a/{x}/{p+}",
        ]);
        // A static segment beats {var} even through ANY.
        assert_eq!(pick(&t, "GET", "/pets/dog").unwrap(), "ANY /pets/dog");
        // Equal specificity: the exact method.
        assert_eq!(pick(&t, "GET", "/pets/cat").unwrap(), "GET /pets/{id}");
        // ANY for methods the path does not define.
        assert_eq!(pick(&t, "DELETE", "/pets/cat").unwrap(), "ANY /pets/{id}");
        // {var} is one segment; {proxy+} at least one character; trailing `/` significant.
        assert_eq!(pick(&t, "GET", "/pets/a/b"), None);
        assert_eq!(pick(&t, "POST", "/a/x/"), None);
        assert_eq!(pick(&t, "GET", "/pets/cat/"), None);
        let m = t.0.find("POST", "/a/x/y/z%20").unwrap();
        assert_eq!(
            m.path_parameters,
            [("x".into(), "x".into()), ("p".into(), "y/z%20".into())]
        );
    }

    #[test]
    fn longest_static_prefix_among_greedy_routes() {
        let t = table(&["ANY /{proxy+}", "ANY /api/{proxy+}", "GET /api/v1/{proxy+}"]);
        assert_eq!(
            pick(&t, "GET", "/api/v1/x").unwrap(),
            "GET /api/v1/{proxy+}"
        );
        assert_eq!(pick(&t, "POST", "/api/v1/x").unwrap(), "ANY /api/{proxy+}");
        assert_eq!(pick(&t, "GET", "/other").unwrap(), "ANY /{proxy+}");
    }
}
