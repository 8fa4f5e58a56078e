//! `AWS_PROXY` integrations with Lambda functions (spec/api-gateway.md §2): the payload 2.0 (or
//! 1.0) event, a synchronous invocation within the integration timeout, and the result turned
//! into the response by API Gateway's rules.

use std::time::Duration;

use http::StatusCode;
use localfront_config::PayloadFormat;
use localfront_events::apigw::{
    interpret_v1, interpret_v2, payload_v1, payload_v2, ApiContext, ApiRequest,
};
use localfront_wasm::{LambdaError, LambdaFunction};

use super::Answer;

/// Invokes `function` for one request.
pub(crate) async fn call(
    function: &LambdaFunction,
    format: PayloadFormat,
    timeout: Duration,
    request: &ApiRequest,
    context: &ApiContext,
) -> Answer {
    let event = match format {
        PayloadFormat::V2 => payload_v2(request, context),
        PayloadFormat::V1 => payload_v1(request, context),
    };
    match function.invoke(&event.to_string(), Some(timeout)).await {
        Ok(invocation) => {
            let interpreted = match format {
                PayloadFormat::V2 => interpret_v2(&invocation.result),
                PayloadFormat::V1 => interpret_v1(&invocation.result),
            };
            match interpreted {
                Ok(r) => Answer {
                    status: r.status,
                    headers: r.headers,
                    body: r.body,
                },
                Err(e) => {
                    tracing::warn!(function = %function.name(), route = %context.route_key, "{e}");
                    Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                }
            }
        }
        Err(error) => {
            tracing::warn!(route = %context.route_key, "{error}");
            match error {
                // localfront (unconfirmed): HTTP APIs answer a throttled integration 503.
                LambdaError::Throttled { .. } => {
                    Answer::message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
                }
                // spec/api-gateway.md §2: no answer within the timeout → 504.
                LambdaError::CallerTimeout { .. } => {
                    Answer::message(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout")
                }
                LambdaError::Function { .. } => {
                    Answer::message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                }
            }
        }
    }
}
