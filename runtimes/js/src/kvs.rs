//! CloudFront KeyValueStore (spec §8): the store trait the `cloudfront` module reads through, and
//! [`FileKeyValueStore`], a store loaded from AWS's import format with the documented limits and
//! live `put`/`delete` (what the admin API and `localfront kvs` drive).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Deserialize;

/// Largest import file (§8).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Longest key, in characters (§8).
pub const MAX_KEY_CHARS: usize = 512;
/// Longest value, in characters (§8).
pub const MAX_VALUE_CHARS: usize = 1024;

/// What `kvs.meta()` returns (§8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvsMeta {
    /// When the store was created (loaded).
    pub creation_date_time: SystemTime,
    /// When a key last changed.
    pub last_updated_date_time: SystemTime,
    /// Number of keys.
    pub key_count: usize,
}

/// A key-value store a function reads with `cf.kvs()`. Implementations are shared by every worker
/// thread and may change underneath running functions (CloudFront's are eventually consistent;
/// localfront's change at once).
pub trait KeyValueStore: Send + Sync {
    /// The value of `key`, `None` when missing (`get` then rejects with `KeyNotFound`).
    fn get(&self, key: &str) -> Option<String>;
    /// Whether `key` exists.
    fn exists(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Store metadata.
    fn meta(&self) -> KvsMeta;
}

/// A problem with a store's data, with the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct KvsError {
    /// The file, or `put` for a live change.
    pub source_name: String,
    /// What is wrong, naming the key and the limit.
    pub message: String,
}

#[derive(Clone)]
struct Snapshot {
    data: Arc<BTreeMap<String, String>>,
    updated: SystemTime,
}

/// A store loaded from `{"data":[{"key":..,"value":..}]}` (AWS's import format), kept in memory.
/// Reads take a snapshot; `put`/`delete`/`reload` swap the data atomically (§8: no propagation
/// delay locally).
pub struct FileKeyValueStore {
    name: String,
    path: Option<PathBuf>,
    created: SystemTime,
    current: RwLock<Snapshot>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportFile {
    data: Vec<ImportEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportEntry {
    key: String,
    value: String,
}

fn check_key_value(key: &str, value: &str) -> Result<(), String> {
    let key_chars = key.chars().count();
    if key_chars == 0 || key_chars > MAX_KEY_CHARS {
        return Err(format!(
            "key `{}` has {key_chars} characters: keys have 1 to {MAX_KEY_CHARS}",
            truncate(key)
        ));
    }
    let value_chars = value.chars().count();
    if value_chars > MAX_VALUE_CHARS {
        return Err(format!(
            "value of key `{}` has {value_chars} characters: at most {MAX_VALUE_CHARS}",
            truncate(key)
        ));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

/// Parses and checks import-format JSON: size, shape, key and value limits, duplicates.
fn parse_import(source_name: &str, json: &[u8]) -> Result<BTreeMap<String, String>, KvsError> {
    let err = |message: String| KvsError {
        source_name: source_name.to_owned(),
        message,
    };
    if json.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "{} bytes: import files are at most {MAX_FILE_BYTES} bytes (5 MB)",
            json.len()
        )));
    }
    let file: ImportFile = serde_json::from_slice(json).map_err(|e| {
        err(format!(
            "not in the import format {{\"data\":[{{\"key\":…,\"value\":…}}]}}: {e}"
        ))
    })?;
    let mut data = BTreeMap::new();
    for entry in file.data {
        check_key_value(&entry.key, &entry.value).map_err(err)?;
        if data.contains_key(&entry.key) {
            return Err(err(format!("duplicate key `{}`", truncate(&entry.key))));
        }
        data.insert(entry.key, entry.value);
    }
    Ok(data)
}

impl FileKeyValueStore {
    /// Loads the store `name` from an import-format file.
    pub fn load(name: impl Into<String>, path: &Path) -> Result<Self, KvsError> {
        let source_name = path.display().to_string();
        let json = std::fs::read(path).map_err(|e| KvsError {
            source_name: source_name.clone(),
            message: e.to_string(),
        })?;
        let mut store = Self::from_json(name, &source_name, &json)?;
        store.path = Some(path.to_owned());
        Ok(store)
    }

    /// A store from import-format JSON held in memory; `source_name` appears in errors.
    pub fn from_json(
        name: impl Into<String>,
        source_name: &str,
        json: &[u8],
    ) -> Result<Self, KvsError> {
        let data = parse_import(source_name, json)?;
        let now = SystemTime::now();
        Ok(FileKeyValueStore {
            name: name.into(),
            path: None,
            created: now,
            current: RwLock::new(Snapshot {
                data: Arc::new(data),
                updated: now,
            }),
        })
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn snapshot(&self) -> Snapshot {
        match self.current.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn update(&self, f: impl FnOnce(&mut BTreeMap<String, String>)) {
        let mut guard = match self.current.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut data = (*guard.data).clone();
        f(&mut data);
        *guard = Snapshot {
            data: Arc::new(data),
            updated: SystemTime::now(),
        };
    }

    /// Sets `key` to `value` within the key and value limits (§8).
    pub fn put(&self, key: &str, value: &str) -> Result<(), KvsError> {
        check_key_value(key, value).map_err(|message| KvsError {
            source_name: self.name.clone(),
            message,
        })?;
        self.update(|d| {
            d.insert(key.to_owned(), value.to_owned());
        });
        Ok(())
    }

    /// Removes `key`; returns whether it existed.
    pub fn delete(&self, key: &str) -> bool {
        let existed = self.snapshot().data.contains_key(key);
        if existed {
            self.update(|d| {
                d.remove(key);
            });
        }
        existed
    }

    /// Every key and value, in key order.
    pub fn entries(&self) -> Vec<(String, String)> {
        let snap = self.snapshot();
        snap.data
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Re-reads the file it was loaded from, swapping the data atomically; on error the old data
    /// stays.
    pub fn reload(&self) -> Result<(), KvsError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let source_name = path.display().to_string();
        let json = std::fs::read(path).map_err(|e| KvsError {
            source_name: source_name.clone(),
            message: e.to_string(),
        })?;
        let data = parse_import(&source_name, &json)?;
        self.update(|d| *d = data);
        Ok(())
    }

    /// The data in import format, e.g. to save live changes.
    pub fn to_import_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            key: &'a str,
            value: &'a str,
        }
        let snap = self.snapshot();
        let data: Vec<Entry<'_>> = snap
            .data
            .iter()
            .map(|(key, value)| Entry { key, value })
            .collect();
        serde_json::json!({ "data": data }).to_string()
    }
}

impl KeyValueStore for FileKeyValueStore {
    fn get(&self, key: &str) -> Option<String> {
        self.snapshot().data.get(key).cloned()
    }

    fn meta(&self) -> KvsMeta {
        let snap = self.snapshot();
        KvsMeta {
            creation_date_time: self.created,
            last_updated_date_time: snap.updated,
            key_count: snap.data.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced_at_load_and_put() {
        let long_key = "k".repeat(513);
        let json = format!(r#"{{"data":[{{"key":"{long_key}","value":"v"}}]}}"#);
        let e = FileKeyValueStore::from_json("s", "s.json", json.as_bytes())
            .err()
            .unwrap();
        assert!(e.message.contains("513 characters"), "{e}");
        let dup = br#"{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}"#;
        assert!(FileKeyValueStore::from_json("s", "s.json", dup)
            .err()
            .unwrap()
            .message
            .contains("duplicate key `a`"));
        let store =
            FileKeyValueStore::from_json("s", "s.json", br#"{"data":[{"key":"a","value":"1"}]}"#)
                .unwrap();
        assert!(store.put("b", &"v".repeat(1025)).is_err());
        store.put("b", "2").unwrap();
        assert_eq!(store.get("b").as_deref(), Some("2"));
        assert!(store.delete("a"));
        assert_eq!(store.meta().key_count, 1);
        assert_eq!(
            store.to_import_json(),
            r#"{"data":[{"key":"b","value":"2"}]}"#
        );
    }
}
