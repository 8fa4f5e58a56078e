//! `localfront test-function --function f.js --event event.json [--kvs store.json] [--stage live]`:
//! prints the `TestResult` JSON `aws cloudfront test-function` prints (spec/cloudfront-functions.md
//! §11), run by the same runtime the proxy uses.

use std::path::Path;
use std::sync::Arc;

use localfront_js::{
    test_function, FileKeyValueStore, FunctionSource, JsRuntime, KeyValueStore,
    TestFunctionOptions, TestStage,
};

/// Runs one test; returns the JSON to print, or why the test could not run.
pub fn run(
    function: &Path,
    event: &Path,
    kvs: Option<&Path>,
    stage: &str,
    runtime: &str,
) -> Result<String, String> {
    let code =
        std::fs::read_to_string(function).map_err(|e| format!("{}: {e}", function.display()))?;
    let event = std::fs::read_to_string(event).map_err(|e| format!("{}: {e}", event.display()))?;
    let runtime = JsRuntime::parse(runtime).ok_or_else(|| {
        format!("unknown runtime `{runtime}`: expected cloudfront-js-2.0 or cloudfront-js-1.0")
    })?;
    let name = function
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "function".into());
    let stage = match stage.to_ascii_lowercase().as_str() {
        "development" => TestStage::Development,
        "live" => TestStage::Live,
        other => {
            return Err(format!(
                "unknown stage `{other}`: expected development or live"
            ))
        }
    };
    let kvs = match kvs {
        Some(path) => {
            let store_name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let store =
                FileKeyValueStore::load(store_name.clone(), path).map_err(|e| e.to_string())?;
            Some((store_name, Arc::new(store) as Arc<dyn KeyValueStore>))
        }
        None => None,
    };
    let source = FunctionSource::new(name, code).with_runtime(runtime);
    let options = TestFunctionOptions {
        stage,
        kvs,
        ..TestFunctionOptions::default()
    };
    let result = test_function(&source, &event, &options)?;
    serde_json::to_string_pretty(&result).map_err(|e| e.to_string())
}
