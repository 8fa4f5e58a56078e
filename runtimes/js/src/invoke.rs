//! One run of a loaded function (issue 5 items 1, 5, 6): freeze `Date`, start the budgets, build the
//! event natively, call `handler` (sync or `async`: promise jobs run to completion), read the
//! result, stop the budgets, and turn what happened into an [`Invocation`] or a typed error.

use std::time::{SystemTime, UNIX_EPOCH};

use boa_engine::builtins::promise::{Promise, PromiseState};
use boa_engine::error::{EngineError, RuntimeLimitError};
use boa_engine::object::builtins::JsPromise;
use boa_engine::{js_string, Context, JsError, JsValue};
use localfront_events::cff::{self, Output};

use crate::budget::{self, Budgets, Exceeded};
use crate::engine::{self, Loaded};
use crate::error::{ExecutionError, FunctionError, LimitError, ValidationError};
use crate::functions::{Invocation, InvokeOptions};
use crate::output_js::{self, ReadError, Templates};
use crate::run_state::{self, RunState};
use crate::{event_js, validate_output};

/// The error `name` and `message` of a JavaScript error (`Error: message` for thrown non-errors).
pub(crate) fn describe_error(e: JsError, context: &mut Context) -> (String, String) {
    if let Some(engine) = e.as_engine() {
        return ("InternalError".to_owned(), engine.to_string());
    }
    let value = match e.into_opaque(context) {
        Ok(v) => v,
        Err(e) => return ("InternalError".to_owned(), e.to_string()),
    };
    if let Some(obj) = value.as_object() {
        let mut read = |key| {
            obj.get(key, context)
                .ok()
                .filter(|v| !v.is_undefined())
                .and_then(|v| v.to_string(context).ok())
                .map(|s| s.to_std_string_escaped())
        };
        let name = read(js_string!("name"));
        let message = read(js_string!("message"));
        if name.is_some() || message.is_some() {
            return (
                name.unwrap_or_else(|| "Error".to_owned()),
                message.unwrap_or_default(),
            );
        }
    }
    let text = value
        .to_string(context)
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_default();
    ("Error".to_owned(), text)
}

/// What stopped a run before it produced a result.
enum Failure {
    Js(JsError),
    Invalid(String),
}

/// A [`Failure`] as reported.
enum Stopped {
    /// An exception, described while the run's budget still applied (describing it may run the
    /// function's getters and `toString`); `stack` when it is boa's recursion or stack limit.
    Thrown {
        stack: bool,
        name: String,
        message: String,
    },
    Invalid(String),
}

/// Describes a run's exception: call it while the run is metered.
fn thrown(e: JsError, context: &mut Context) -> Stopped {
    let stack = matches!(
        e.as_engine(),
        Some(EngineError::RuntimeLimit(
            RuntimeLimitError::Recursion | RuntimeLimitError::StackSize
        ))
    );
    let (name, message) = describe_error(e, context);
    Stopped::Thrown {
        stack,
        name,
        message,
    }
}

fn call(loaded: &mut Loaded, event: &cff::Event) -> Result<Output, Failure> {
    let context = &mut loaded.context;
    let event_obj = event_js::build(
        event,
        loaded.raw_query_string.as_ref(),
        &mut loaded.shapes,
        context,
    );
    let handler = engine::instance_handler(&loaded.instance, context).map_err(Failure::Js)?;
    let value = handler
        .call(&JsValue::undefined(), &[event_obj.into()], context)
        .map_err(Failure::Js)?;
    // The promise jobs the handler queued run before its result is read, whether it returned a
    // promise or not (njs, CloudFront's engine, also runs pending jobs once the call returns;
    // unconfirmed for a handler that is not `async`).
    if !loaded.jobs.is_empty() {
        context.run_jobs().map_err(Failure::Js)?;
    }
    let value = match value
        .as_object()
        // Tested first: `from_object` builds a `TypeError` (and its message) for a non-promise.
        .filter(|o| o.is::<Promise>())
        .and_then(|o| JsPromise::from_object(o.clone()).ok())
    {
        Some(promise) => match promise.state() {
            PromiseState::Fulfilled(v) => v,
            PromiseState::Rejected(reason) => {
                return Err(Failure::Js(JsError::from_opaque(reason)))
            }
            PromiseState::Pending => {
                return Err(Failure::Invalid(
                    "the handler's promise never settled".to_owned(),
                ))
            }
        },
        None => value,
    };
    output_js::read(&value, event, Templates::new(&loaded.shapes), context).map_err(|e| match e {
        ReadError::Invalid(m) => Failure::Invalid(m),
        ReadError::Js(e) => Failure::Js(e),
    })
}

/// Runs `loaded` on `event`; a run that changed an object of the context that existed before it
/// (a builtin, `globalThis`: see engine.rs) leaves `loaded` no longer [`Loaded::pristine`].
// Never inlined: the instruction counts in benches/README.md are taken with callgrind's
// `--toggle-collect` on this symbol.
#[inline(never)]
pub(crate) fn run(
    name: &str,
    loaded: &mut Loaded,
    event: &cff::Event,
    options: &InvokeOptions,
    budgets: &Budgets,
) -> Result<Invocation, FunctionError> {
    engine::begin_run();
    let result = run_handler(name, loaded, event, options, budgets);
    // Read last: describing a thrown error may run the function's getters.
    if engine::run_wrote_shared_objects() {
        loaded.pristine = false;
    }
    result
}

fn run_handler(
    name: &str,
    loaded: &mut Loaded,
    event: &cff::Event,
    options: &InvokeOptions,
    budgets: &Budgets,
) -> Result<Invocation, FunctionError> {
    let now = options.now.unwrap_or_else(SystemTime::now);
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    engine::freeze_date(Some(now_ms));
    run_state::begin(RunState {
        event_type: event.event_type(),
        logs: Vec::new(),
        log_bytes: 0,
        logs_truncated: false,
        origin_changes: Vec::new(),
        kvs: options.kvs.clone(),
        edge_location: options.edge_location.clone(),
        raw_query: event.request.raw_query.clone(),
    });
    let cpu_start = budget::start(budgets);
    let result = call(loaded, event);
    // Jobs still queued (the run threw before they ran, or reading its result queued some) run now,
    // in this run and under its budget: never in the context's next run.
    if !loaded.jobs.is_empty() {
        let _ = loaded.context.run_jobs();
    }
    let result = result.map_err(|failure| match failure {
        Failure::Js(e) => thrown(e, &mut loaded.context),
        Failure::Invalid(message) => Stopped::Invalid(message),
    });
    let exceeded = budget::finish();
    let cpu_time = budget::thread_cpu_time().saturating_sub(cpu_start);
    engine::freeze_date(None);
    let state = run_state::end();
    let (logs, origin_changes) =
        state.map_or_else(Default::default, |s| (s.logs, s.origin_changes));
    let compute_utilization = budget::utilization(cpu_time, budgets);

    let limit =
        |x: Exceeded, logs| FunctionError::Limit(LimitError::from_exceeded(name, x, budgets, logs));
    let mut output = match result {
        // A regular expression given up at the deadline leaves a run that may have finished on a
        // wrong match: it is stopped like any run over its time.
        Ok(_) if exceeded.is_some() => {
            return Err(limit(exceeded.unwrap_or(Exceeded::Time), logs));
        }
        Ok(output) => output,
        Err(Stopped::Thrown {
            stack,
            name: error_name,
            message,
        }) => {
            if let Some(x) = exceeded {
                return Err(limit(x, logs));
            }
            if stack {
                return Err(limit(Exceeded::Stack, logs));
            }
            return Err(FunctionError::Execution(ExecutionError {
                function: name.to_owned(),
                name: error_name,
                message,
                logs,
            }));
        }
        Err(Stopped::Invalid(message)) => {
            return Err(FunctionError::Validation(ValidationError {
                function: name.to_owned(),
                line: None,
                column: None,
                message,
                logs,
            }))
        }
    };
    if let Output::Request(r) = &mut output {
        r.origin_changes = origin_changes;
    }
    if !options.test_mode {
        if let Err(message) =
            validate_output::validate(event, &mut output, options.lenient_header_names)
        {
            return Err(FunctionError::Validation(ValidationError {
                function: name.to_owned(),
                line: None,
                column: None,
                message,
                logs,
            }));
        }
    }
    Ok(Invocation {
        output,
        logs,
        compute_utilization,
        cpu_time,
    })
}
