//! `orders`: a Lambda function behind `GET /orders/{id}` (examples/api-gateway.toml).
//!
//! It receives API Gateway's payload format 2.0 event as JSON and returns a result JSON, the way
//! a Node.js handler returns an object:
//!
//! - a known order → the order object itself, without `statusCode`: API Gateway answers 200
//!   with it as an `application/json` body;
//! - an unknown one → a structured response, `{"statusCode": 404, "headers", "body"}`.
//!
//! `init` (Lambda's code outside the handler) builds the catalog once per execution
//! environment; later invocations of that environment reuse it, as globals persist on Lambda.

use std::sync::OnceLock;

use localfront_guest::export_handler;
use serde_json::{json, Value};

static ORDERS: OnceLock<Vec<Value>> = OnceLock::new();

fn init() -> Result<(), String> {
    // Environment variables come from the function's `environment` table.
    let currency = std::env::var("CURRENCY").unwrap_or_else(|_| "EUR".into());
    let orders = (1..=3)
        .map(|id| json!({ "id": id.to_string(), "total": id * 10, "currency": currency }))
        .collect();
    ORDERS.set(orders).map_err(|_| "init ran twice".to_string())
}

fn handle(event: &str) -> Result<String, String> {
    let event: Value = serde_json::from_str(event).map_err(|e| e.to_string())?;
    let id = event["pathParameters"]["id"].as_str().unwrap_or("");
    let orders = ORDERS.get().ok_or("init did not run")?;
    // A log line: part of the invocation's logs (CloudWatch on AWS, stderr here).
    println!("order {id} asked on stage {}", event["requestContext"]["stage"]);
    let result = match orders.iter().find(|o| o["id"] == id) {
        Some(order) => order.clone(),
        None => json!({
            "statusCode": 404,
            "headers": { "content-type": "application/json" },
            "body": json!({ "message": format!("no order {id}") }).to_string(),
        }),
    };
    Ok(result.to_string())
}

export_handler!(raw = handle, init = init);
