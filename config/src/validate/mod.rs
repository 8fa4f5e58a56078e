//! Raw → model conversion: applies defaults, checks ranges and cross-references, and collects every
//! problem in one pass (a user fixes a config once, not once per error).

mod api_auth;
mod api_limits;
mod apis;
mod behaviors;
mod continuous_deployment;
mod functions;
mod origins;
mod policies;
mod private_content;
mod response_headers;
mod server;
mod viewer;

use std::path::Path;

use crate::error::{did_you_mean, Issue, KeyPath};
use crate::model::{Config, Distribution};
use crate::raw::{RawConfig, RawDistribution};

/// Converts a raw document into the model. `base_dir` resolves relative paths (the config file's
/// folder). Returns every issue found.
pub(crate) fn convert(raw: RawConfig, base_dir: &Path) -> Result<Config, Vec<Issue>> {
    let mut c = Checker {
        issues: Vec::new(),
        base_dir,
    };
    let root = KeyPath::default();
    let server = server::convert(&mut c, raw.server.unwrap_or_default(), &root.key("server"));
    let catalog = policies::catalog(&mut c, raw.cache_policies, raw.origin_request_policies);
    let response_headers = response_headers::catalog(&mut c, raw.response_headers_policies);
    let key_groups = private_content::key_groups(&mut c, raw.key_groups);
    let viewer = viewer::settings(&mut c, raw.viewer);
    let (functions, key_value_stores) =
        functions::convert(&mut c, raw.functions, raw.key_value_stores);
    let edge_functions = functions::convert_edge(&mut c, raw.edge_functions);
    let lambda_functions = apis::convert_lambda_functions(&mut c, raw.lambda_functions);
    let issuers = api_auth::convert_issuers(&mut c, raw.issuers, &server);
    let apis = apis::convert_apis(&mut c, raw.apis, &lambda_functions, &issuers);
    if raw.distributions.is_empty() {
        c.error(
            &root,
            "no `[[distributions]]`: at least one distribution is required",
        );
    }
    let distributions: Vec<Distribution> = raw
        .distributions
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let at = root.key("distributions").index(i);
            let catalogs = (&catalog, &response_headers, key_groups.as_slice());
            distribution(&mut c, d, catalogs, (&functions, &edge_functions), &at)
        })
        .collect();
    check_hosts(&mut c, &distributions);
    continuous_deployment::check_links(&mut c, &distributions);
    apis::check_api_origins(&mut c, &distributions, &apis);
    let api_keys = api_limits::convert_api_keys(&mut c, raw.api_keys);
    let usage_plans = api_limits::convert_usage_plans(&mut c, raw.usage_plans, &apis, &api_keys);
    if c.issues.is_empty() {
        Ok(Config {
            server,
            distributions,
            functions,
            key_value_stores,
            edge_functions,
            viewer,
            apis,
            lambda_functions,
            api_keys,
            usage_plans,
            issuers,
        })
    } else {
        Err(c.issues)
    }
}

fn distribution(
    c: &mut Checker,
    d: RawDistribution,
    (catalog, response_headers, key_groups): (
        &policies::Catalog,
        &response_headers::ResponseHeadersCatalog,
        &[crate::private_content::KeyGroup],
    ),
    (functions, edge_functions): (
        &[crate::model::FunctionConfig],
        &[crate::model::EdgeFunctionConfig],
    ),
    at: &KeyPath,
) -> Distribution {
    let id = c.required(d.id, at, "id").unwrap_or_default();
    let domain_name = d
        .domain_name
        .unwrap_or_else(|| format!("{}.cloudfront.net", id.to_ascii_lowercase()));
    if let Some(root) = &d.default_root_object {
        // A leading `/` makes CloudFront answer 403 for `/` (spec/distribution.md §2, observed).
        if root.starts_with('/') {
            c.error_hint(
                &at.key("default_root_object"),
                format!("`{root}` must not start with `/`"),
                format!("write `{}`", root.trim_start_matches('/')),
            );
        }
    }
    let origins = origins::convert(c, d.origins, &at.key("origins"));
    let origin_groups =
        origins::convert_groups(c, d.origin_groups, &origins, &at.key("origin_groups"));
    let cache_behaviors = behaviors::convert(
        c,
        d.cache_behaviors,
        d.default_cache_behavior,
        &behaviors::Targets {
            origins: &origins,
            groups: &origin_groups,
            catalog,
            response_headers,
            key_groups,
            functions,
            edge_functions,
        },
        at,
    );
    let custom_error_responses = behaviors::convert_error_responses(
        c,
        d.custom_error_responses,
        &at.key("custom_error_responses"),
    );
    let geo_restriction = viewer::geo_restriction(c, d.geo_restriction, &at.key("geo_restriction"));
    let continuous_deployment_policy = continuous_deployment::policy(
        c,
        d.continuous_deployment_policy,
        &at.key("continuous_deployment_policy"),
    );
    Distribution {
        id,
        domain_name,
        geo_restriction,
        staging: d.staging.unwrap_or(false),
        continuous_deployment_policy,
        aliases: d.aliases,
        default_root_object: d.default_root_object,
        origins,
        origin_groups,
        cache_behaviors,
        custom_error_responses,
    }
}

/// Distribution ids and host names must be unique: `Host` picks the distribution, and at most one
/// distribution without aliases may be the default.
fn check_hosts(c: &mut Checker, distributions: &[Distribution]) {
    let mut ids: Vec<&str> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut default_seen = false;
    for (i, d) in distributions.iter().enumerate() {
        let at = KeyPath::default().key("distributions").index(i);
        // A missing id is reported already; its placeholder `""` must not collide.
        if !d.id.is_empty() && ids.contains(&d.id.as_str()) {
            c.error(
                &at.key("id"),
                format!("duplicate distribution id `{}`", d.id),
            );
        }
        ids.push(&d.id);
        for (j, name) in std::iter::once(&d.domain_name)
            .chain(&d.aliases)
            .enumerate()
        {
            if j == 0 && d.id.is_empty() {
                continue; // the name was derived from the missing id
            }
            let key = if j == 0 {
                at.key("domain_name")
            } else {
                at.key("aliases").index(j - 1)
            };
            let name = name.to_ascii_lowercase();
            if hosts.contains(&name) {
                c.error(
                    &key,
                    format!("host `{name}` is already used by another distribution or alias"),
                );
            }
            hosts.push(name);
        }
        // A staging distribution is reached through its primary, never by host.
        if d.aliases.is_empty() && !d.staging {
            if default_seen {
                c.error_hint(
                    &at,
                    "a second distribution without `aliases`: only one may be the default for unmatched hosts",
                    "give this distribution `aliases = [\"…\"]`",
                );
            }
            default_seen = true;
        }
    }
}

/// Collects issues while converting.
pub(crate) struct Checker<'a> {
    issues: Vec<Issue>,
    base_dir: &'a Path,
}

impl Checker<'_> {
    pub fn error(&mut self, at: &KeyPath, message: impl Into<String>) {
        self.push(at, message.into(), None);
    }

    pub fn error_hint(
        &mut self,
        at: &KeyPath,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(at, message.into(), Some(hint.into()));
    }

    fn push(&mut self, at: &KeyPath, message: String, hint: Option<String>) {
        self.issues.push(Issue {
            key_path: at.clone(),
            message,
            hint,
            at_key: false,
        });
    }

    /// A required key: reports it missing (at the table) and returns `None`.
    pub fn required<T>(&mut self, value: Option<T>, table: &KeyPath, key: &str) -> Option<T> {
        if value.is_none() {
            self.error(table, format!("missing required key `{key}`"));
        }
        value
    }

    /// An integer in `min..=max`, or the default when absent.
    pub fn ranged(
        &mut self,
        value: Option<i64>,
        at: &KeyPath,
        min: i64,
        max: i64,
        default: i64,
    ) -> i64 {
        match value {
            None => default,
            Some(v) if (min..=max).contains(&v) => v,
            Some(v) => {
                self.error(at, format!("{v} is out of range: expected {min} to {max}"));
                default
            }
        }
    }

    /// One of `choices`, with a "did you mean" hint otherwise.
    pub fn choice<T: Copy>(
        &mut self,
        value: Option<&str>,
        at: &KeyPath,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(v) = value else { return default };
        if let Some((_, t)) = choices.iter().find(|(name, _)| *name == v) {
            return *t;
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let message = format!("unknown value `{v}`: expected one of {}", quoted(&names));
        match did_you_mean(v, names.iter().copied()) {
            Some(hint) => self.error_hint(at, message, hint),
            None => self.error(at, message),
        }
        default
    }

    /// A path relative to the config file's folder.
    pub fn path(&self, p: &str) -> std::path::PathBuf {
        self.base_dir.join(p)
    }

    /// A wasm component entry's required `name` and `component`, the latter resolved against
    /// the config's directory and reported when it is not a file.
    pub fn named_component(
        &mut self,
        name: Option<String>,
        component: Option<String>,
        at: &KeyPath,
    ) -> Option<(String, std::path::PathBuf)> {
        let (Some(name), Some(component)) = (
            self.required(name, at, "name"),
            self.required(component, at, "component"),
        ) else {
            return None;
        };
        let component = self.path(&component);
        if !component.is_file() {
            self.error(
                &at.key("component"),
                format!("`{}` is not a file", component.display()),
            );
        }
        Some((name, component))
    }
}

/// `a`, `b`, `c` for messages.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn errors(source: &str) -> Vec<String> {
        crate::toml::parse(source, Path::new("t.toml"), Path::new("."))
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_origin_of_no_kind_is_not_also_an_unknown_target() {
        let source = r#"[[distributions]]
id = "E1"
[[distributions.origins]]
id = "a"
domain_name = "localhost"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
"#;
        let errors = errors(source);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].starts_with(
            "t.toml:3:1: distributions[0].origins[0]: origin `a` needs exactly one of"
        ));
    }

    #[test]
    fn a_custom_origins_domain_name_is_a_host_alone() {
        let config = |domain: &str| {
            format!(
                "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\ndomain_name = \"{domain}\"\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n"
            )
        };
        for (domain, message) in [
            ("", "empty domain name"),
            (
                "http://app.test",
                "`http://app.test` is a URL, not a domain name",
            ),
            (
                "app.test:8080",
                "`app.test:8080` is not a valid domain name",
            ),
            ("app.test/v1", "`app.test/v1` is not a valid domain name"),
            ("my app", "`my app` is not a valid domain name"),
            ("-app.test", "`-app.test` is not a valid domain name"),
        ] {
            let errors = errors(&config(domain));
            assert_eq!(errors.len(), 1, "{domain}: {errors:#?}");
            assert!(
                errors[0].starts_with(&format!(
                    "t.toml:5:15: distributions[0].origins[0].domain_name: {message}"
                )),
                "{domain}: {}",
                errors[0]
            );
        }
        for domain in [
            "localhost",
            "127.0.0.1",
            "::1",
            "app.example.com",
            "web_1.internal",
        ] {
            let source = config(domain);
            let parsed = crate::toml::parse(&source, Path::new("t.toml"), Path::new("."));
            assert!(parsed.is_ok(), "{domain}: {:?}", parsed.err());
        }
    }

    #[test]
    fn distributions_missing_their_ids_do_not_collide() {
        let source = r#"[[distributions]]
aliases = ["a.test"]
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
[[distributions]]
aliases = ["b.test"]
[[distributions.origins]]
id = "a"
echo = true
[distributions.default_cache_behavior]
target_origin_id = "a"
"#;
        assert_eq!(
            errors(source),
            [
                "t.toml:1:1: distributions[0]: missing required key `id`",
                "t.toml:8:1: distributions[1]: missing required key `id`",
            ]
        );
    }

    #[test]
    fn a_path_pattern_is_measured_in_characters() {
        let pattern = "é".repeat(200);
        let source = format!(
            "[[distributions]]\nid = \"E1\"\n[[distributions.origins]]\nid = \"a\"\necho = true\n[distributions.default_cache_behavior]\ntarget_origin_id = \"a\"\n[[distributions.cache_behaviors]]\npath_pattern = \"/{pattern}\"\ntarget_origin_id = \"a\"\n"
        );
        let errors = errors(&source);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains("character `é` is not allowed"),
            "{errors:#?}"
        );
    }
}
