//! Lambda authorizers (spec/api-gateway.md §5): the identity source values (a request missing
//! one is denied, 401, without a call), the payload 2.0 `REQUEST` event, the simple response,
//! and the result cached by identity source values for the authorizer's TTL.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use localfront_config::LambdaAuthorizer;
use localfront_events::apigw::{
    authorizer_event, interpret_simple_response, ApiContext, ApiRequest, SimpleResponse,
};
use localfront_wasm::LambdaFunction;
use parking_lot::Mutex;

/// API Gateway's Lambda authorizer timeout (spec/api-gateway.md §11).
const AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);
/// How many results are cached per authorizer.
const CACHE_CAPACITY: usize = 10_000;

/// What a Lambda authorizer decided.
pub(crate) enum Decision {
    /// Authorized, with the context to pass on.
    Allow(serde_json::Map<String, serde_json::Value>),
    /// `isAuthorized: false`: 403.
    Deny,
    /// The function failed or answered something else than a simple response: 500.
    Failed,
}

/// One Lambda authorizer with its result cache.
pub(crate) struct LambdaCheck {
    config: LambdaAuthorizer,
    function: LambdaFunction,
    cache: Mutex<HashMap<Vec<String>, (Instant, SimpleResponse)>>,
}

impl LambdaCheck {
    pub(crate) fn new(config: LambdaAuthorizer, function: LambdaFunction) -> Self {
        Self {
            config,
            function,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The authorizer's settings.
    pub(crate) fn config(&self) -> &LambdaAuthorizer {
        &self.config
    }

    /// Calls the function (or answers from the cache) for a request whose identity source
    /// values are `identity`.
    pub(crate) async fn decide(
        &self,
        identity: Vec<String>,
        request: &ApiRequest,
        context: &ApiContext,
    ) -> Decision {
        let ttl = self.config.ttl;
        if !ttl.is_zero() {
            if let Some((at, r)) = self.cache.lock().get(&identity) {
                if at.elapsed() < ttl {
                    return decision(r);
                }
            }
        }
        let event = authorizer_event(request, context, &identity);
        let result = match self
            .function
            .invoke(&event.to_string(), Some(AUTHORIZER_TIMEOUT))
            .await
        {
            Ok(invocation) => invocation.result,
            Err(e) => {
                tracing::warn!(function = %self.function.name(), route = %context.route_key, "authorizer: {e}");
                return Decision::Failed;
            }
        };
        let response = match interpret_simple_response(&result) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(function = %self.function.name(), route = %context.route_key, "{e}");
                return Decision::Failed;
            }
        };
        let outcome = decision(&response);
        if !ttl.is_zero() {
            let mut cache = self.cache.lock();
            if cache.len() >= CACHE_CAPACITY {
                cache.retain(|_, (at, _)| at.elapsed() < ttl);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert(identity, (Instant::now(), response));
        }
        outcome
    }
}

fn decision(r: &SimpleResponse) -> Decision {
    if r.is_authorized {
        Decision::Allow(r.context.clone())
    } else {
        Decision::Deny
    }
}
