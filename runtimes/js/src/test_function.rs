//! `aws cloudfront test-function` (spec §11, issue 5 item 8): runs a function once on a test event
//! and produces the exact `TestResult` JSON, with TestFunction's semantics — execution errors
//! only, no output validation, origin helpers unchecked.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use localfront_events::cff;
use serde_json::{json, Value};

use crate::{
    Budgets, FunctionError, FunctionSource, Functions, InvokeOptions, KeyValueStore, ThrottlePolicy,
};

/// `--stage`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TestStage {
    /// `DEVELOPMENT` (default).
    #[default]
    Development,
    /// `LIVE`.
    Live,
}

/// Everything besides the function and the event.
#[derive(Clone)]
pub struct TestFunctionOptions {
    /// `--stage`.
    pub stage: TestStage,
    /// The associated KeyValueStore and its name (`--kvs`).
    pub kvs: Option<(String, Arc<dyn KeyValueStore>)>,
    /// The account id in ARNs.
    pub account_id: String,
    /// `CreatedTime` and `LastModifiedTime`; `None`: now.
    pub created: Option<SystemTime>,
    /// Budgets of the run.
    pub budgets: Budgets,
}

impl Default for TestFunctionOptions {
    fn default() -> Self {
        TestFunctionOptions {
            stage: TestStage::Development,
            kvs: None,
            account_id: "111122223333".to_owned(),
            created: None,
            budgets: Budgets::default(),
        }
    }
}

fn summary(source: &FunctionSource, options: &TestFunctionOptions) -> Value {
    let created = options.created.unwrap_or_else(SystemTime::now);
    let ms = created
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let time = crate::time::iso8601_seconds(ms);
    let mut config = json!({ "Comment": "", "Runtime": source.runtime.as_str() });
    if let Some((name, _)) = &options.kvs {
        config["KeyValueStoreAssociations"] = json!({
            "Quantity": 1,
            "Items": [{ "KeyValueStoreARN": format!("arn:aws:cloudfront::{}:key-value-store/{name}", options.account_id) }]
        });
    }
    json!({
        "Name": source.name,
        "Status": "UNPUBLISHED",
        "FunctionConfig": config,
        "FunctionMetadata": {
            "FunctionARN": format!("arn:aws:cloudfront::{}:function/{}", options.account_id, source.name),
            "Stage": match options.stage { TestStage::Development => "DEVELOPMENT", TestStage::Live => "LIVE" },
            "CreatedTime": time,
            "LastModifiedTime": time,
        }
    })
}

/// Parses a test event. Accepts TestFunction's quirks (§2, §11): only `context.eventType` is
/// required in `context`; `request.rawQueryString()` is rebuilt from `querystring`.
fn parse_event(event_json: &str) -> Result<cff::Event, String> {
    let mut event: cff::Event =
        serde_json::from_str(event_json).map_err(|e| format!("invalid test event: {e}"))?;
    if event.event_type() == cff::EventType::ViewerResponse && event.response.is_none() {
        return Err("invalid test event: a viewer-response event needs a `response`".to_owned());
    }
    if !event.request.querystring.is_empty() {
        event.request.raw_query = Some(cff::serialize_query(&event.request.querystring));
    }
    Ok(event)
}

/// Runs `source` on the test event `event_json` and returns `{"TestResult": {…}}`. `Err` only for
/// an unreadable event (the AWS CLI rejects those before running anything).
pub fn test_function(
    source: &FunctionSource,
    event_json: &str,
    options: &TestFunctionOptions,
) -> Result<Value, String> {
    let event = parse_event(event_json)?;
    let result = |utilization: u8, logs: &[String], error: String, output: String| {
        json!({ "TestResult": {
            "FunctionSummary": summary(source, options),
            "ComputeUtilization": utilization.to_string(),
            "FunctionExecutionLogs": logs,
            "FunctionErrorMessage": error,
            "FunctionOutput": output,
        }})
    };
    let functions = match Functions::with_budgets(
        vec![source.clone()],
        options.budgets,
        ThrottlePolicy::default(),
    ) {
        Ok(f) => f,
        Err(errors) => {
            let message = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(result(0, &[], message, String::new()));
        }
    };
    let invoke = InvokeOptions {
        kvs: options.kvs.as_ref().map(|(_, s)| s.clone()),
        test_mode: true,
        ..InvokeOptions::default()
    };
    Ok(match functions.invoke(&source.name, &event, &invoke) {
        Ok(inv) => {
            let output = serde_json::to_string(&inv.output).map_err(|e| e.to_string())?;
            result(inv.compute_utilization, &inv.logs, String::new(), output)
        }
        Err(e) => {
            let utilization = match &e {
                FunctionError::Limit(_) => 100,
                _ => 0,
            };
            result(utilization, e.logs(), e.error_message(), String::new())
        }
    })
}
