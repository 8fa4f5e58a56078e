//! `localfront api-keys create|list`: API keys for routes with `api_key_required`
//! (spec/api-gateway.md §7).
//!
//! Keys persist in the config file itself, as `[[api_keys]]` tables: `create` appends one (and
//! adds its name to the `api_keys` of the usage plans given with `--plan`), keeping the rest of
//! the file — comments and layout included — as it was, and refuses to write a config that
//! would not validate. A running localfront applies it on its next reload (`localfront reload`,
//! `SIGHUP`, or at once with `serve --watch`).

use std::path::Path;

use rand::distr::{Alphanumeric, SampleString};
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

/// The length of a generated key (API Gateway's own keys have 40 characters).
const GENERATED_KEY_LENGTH: usize = 40;

/// What `create` makes.
pub struct NewKey<'a> {
    /// The key's name.
    pub name: &'a str,
    /// Its value; `None` generates one.
    pub value: Option<String>,
    /// Usage plans to add it to.
    pub plans: &'a [String],
    /// Adds it disabled.
    pub disabled: bool,
}

/// Adds a key to the config file `file`; returns its value.
pub fn create(file: &Path, key: NewKey<'_>) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let key_value = key
        .value
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::rng(), GENERATED_KEY_LENGTH));

    let keys = doc
        .entry("api_keys")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`api_keys` is not an array of `[[api_keys]]` tables")?;
    let mut table = Table::new();
    table["name"] = value(key.name);
    table["value"] = value(&key_value);
    if key.disabled {
        table["enabled"] = value(false);
    }
    keys.push(table);

    for plan_name in key.plans {
        let plan = doc
            .get_mut("usage_plans")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|plans| {
                plans
                    .iter_mut()
                    .find(|p| p.get("name").and_then(Item::as_str) == Some(plan_name.as_str()))
            })
            .ok_or_else(|| format!("no `[[usage_plans]]` named `{plan_name}`"))?;
        plan.entry("api_keys")
            .or_insert(value(Array::new()))
            .as_array_mut()
            .ok_or_else(|| format!("usage plan `{plan_name}`: `api_keys` is not an array"))?
            .push(key.name);
    }

    let new_text = doc.to_string();
    let base_dir = file.parent().unwrap_or(Path::new("."));
    localfront_config::toml::parse(&new_text, file, base_dir)
        .map_err(|e| format!("the key was not added:\n{e}"))?;
    std::fs::write(file, new_text).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(key_value)
}

/// The keys of the config file `file`, one per line: name, state, usage plans and value (the
/// first 4 characters unless `values`).
pub fn list(file: &Path, values: bool) -> Result<String, String> {
    let config = localfront_config::toml::load(file).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for key in &config.api_keys {
        let plans: Vec<&str> = config
            .usage_plans
            .iter()
            .filter(|p| p.api_keys.contains(&key.name))
            .map(|p| p.name.as_str())
            .collect();
        let shown = if values {
            key.value.clone()
        } else {
            format!("{}…", &key.value[..4])
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{shown}\n",
            key.name,
            if key.enabled { "enabled" } else { "disabled" },
            if plans.is_empty() {
                "-".to_owned()
            } else {
                plans.join(",")
            },
        ));
    }
    Ok(out)
}
