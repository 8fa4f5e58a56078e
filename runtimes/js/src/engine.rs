//! One boa context per function and worker thread (issue 5 item 7): the CloudFront restrictions
//! (§7: no `eval`/`Function` constructor, no timers, `Date` frozen at the start of the run, UTC),
//! the builtins of `prelude.js`, the `cloudfront` module (2.0), then the function's code, compiled
//! once into a factory whose call runs the top level and yields a fresh `handler` for each run.
//!
//! CloudFront gives every run a fresh environment (its VM is cloned per request), so nothing a run
//! writes may reach the next: not its variables (the per-run factory sees to those), and not the
//! objects every run shares: the global object, each builtin object and prototype, localfront's
//! own builtins (`console`, the modules of `require`, `Buffer`, `cf`). A fresh boa context costs
//! ≈ 220 µs, a whole run ≈ 18 µs, so contexts are reused, and a run that changed a shared object
//! leaves its context no longer [`Loaded::pristine`]: it is dropped, and the next run gets a fresh
//! one (a function thread with nothing to do loads it ahead, `ContextCache::reload_dropped`).
//!
//! How a write is noticed: every object made while a context is built (by [`load`]) is *watched*
//! (`write_watch`, a patch of boa 0.22 in `vendor/boa_engine`), and any change to a watched
//! object's properties, prototype or extensibility sets a per-thread flag, cleared when a run
//! begins and read when it ends: a flag test per property write, two thread-local accesses per
//! run. Objects made by a run are not watched, so a run pays nothing for writing its own. The
//! alternative, comparing the shared objects after each run, is not cheap in boa 0.22: shapes and
//! property storage are private, a builtin's (unique) shape stays the same object when a property
//! is added, and the public lookups, one property at a time over the ≈ 1,800 properties of the
//! ≈ 600 objects reachable from `globalThis`, would cost more than a run.
//! Not covered: changes to the internal data of a shared object (`[[MapData]]` and the like); no
//! shared object a function can reach has internal data it can change.

use std::cell::Cell;
use std::rc::Rc;

use boa_engine::context::time::{Clock, JsInstant, StdClock};
use boa_engine::context::HostHooks;
use boa_engine::job::SimpleJobExecutor;
use boa_engine::object::builtins::JsFunction;
use boa_engine::object::write_watch;
use boa_engine::property::{Attribute, PropertyDescriptor};
use boa_engine::realm::Realm;
use boa_engine::{
    js_string, Context, JsNativeError, JsResult, JsString, JsValue, NativeFunction, Source,
};

use crate::budget::{self, Budgets};
use crate::shapes::Shapes;
use crate::source::{JsRuntime, CLOUDFRONT_GLOBAL, INSTANCE_GLOBAL};
use crate::{cloudfront_module, natives, run_state};

const PRELUDE: &str = include_str!("prelude.js");

thread_local! {
    /// Milliseconds since the epoch that `Date` reports during the current run (§7).
    static FROZEN_NOW_MS: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Freezes `Date` at `ms` for the run starting on this thread (`None`: real time).
pub(crate) fn freeze_date(ms: Option<i64>) {
    FROZEN_NOW_MS.with(|c| c.set(ms));
}

/// `Date` reads the frozen start time of the run; monotonic time is real.
struct FrozenClock(StdClock);

impl Clock for FrozenClock {
    fn now(&self) -> JsInstant {
        self.0.now()
    }

    fn system_time_millis(&self) -> i64 {
        FROZEN_NOW_MS
            .with(Cell::get)
            .unwrap_or_else(|| self.0.system_time_millis())
    }
}

/// CloudFront's restrictions as boa host hooks.
struct Hooks {
    max_buffer: u64,
}

impl HostHooks for Hooks {
    fn ensure_can_compile_strings(
        &self,
        _realm: Realm,
        _parameters: &[JsString],
        _body: &JsString,
        _direct: bool,
        _context: &mut Context,
    ) -> JsResult<()> {
        // §7: no eval, no Function constructor.
        Err(JsNativeError::eval()
            .with_message("Code generation from strings is not allowed in CloudFront Functions")
            .into())
    }

    fn local_timezone_offset_seconds(&self, _unix_time_seconds: i64) -> i32 {
        // CloudFront Functions run in UTC.
        0
    }

    fn max_buffer_size(&self, _context: &mut Context) -> u64 {
        self.max_buffer
    }
}

/// A function ready to run on this thread.
pub(crate) struct Loaded {
    pub context: Context,
    /// Whether no run has changed an object of the context since it was built (see the module
    /// docs); a context that is not pristine is not run again.
    pub pristine: bool,
    /// The context's promise jobs: a run runs all it queues (`invoke.rs`), none is left to the next.
    pub jobs: Rc<SimpleJobExecutor>,
    /// The factory that runs the function's top level and returns its `handler`, called once per
    /// run so that no state survives between runs.
    pub instance: JsFunction,
    /// `request.rawQueryString` (2.0).
    pub raw_query_string: Option<JsFunction>,
    /// The templates its events are made of (and their results read back with).
    pub shapes: Shapes,
}

/// Why a function could not be loaded into a context.
pub(crate) enum LoadError {
    /// Top-level code threw, or `handler` is missing.
    Js(String, String),
    /// Top-level code exceeded a budget.
    Limit(budget::Exceeded),
}

fn js_error(e: boa_engine::JsError, context: &mut Context) -> LoadError {
    let (name, message) = crate::invoke::describe_error(e, context);
    LoadError::Js(name, message)
}

/// Objects made while this lives are watched: a later change to one is reported by
/// [`run_wrote_shared_objects`].
struct WatchNewObjects;

impl WatchNewObjects {
    fn start() -> Self {
        write_watch::watch_new_objects(true);
        WatchNewObjects
    }
}

impl Drop for WatchNewObjects {
    fn drop(&mut self) {
        write_watch::watch_new_objects(false);
    }
}

/// Starts a run: forgets changes to watched objects made before it (building contexts makes many).
pub(crate) fn begin_run() {
    write_watch::take_watched_write();
}

/// Whether the run begun by [`begin_run`] changed an object that existed before it started.
pub(crate) fn run_wrote_shared_objects() -> bool {
    write_watch::take_watched_write()
}

/// Creates a context for `code` (prepared by `source.rs`), evaluates it under `budgets` and runs
/// its top level once (its errors and a missing `handler` are load errors), then drops that context:
/// the function's load-time checks (`Functions::new`).
pub(crate) fn check(code: &str, runtime: JsRuntime, budgets: &Budgets) -> Result<(), LoadError> {
    let mut loaded = load(code, runtime, budgets)?;
    budget::start(budgets);
    // Described under the budget: describing a thrown value may run the function's getters.
    let first = instance_handler(&loaded.instance, &mut loaded.context)
        .map_err(|e| js_error(e, &mut loaded.context));
    if let Some(exceeded) = budget::finish() {
        return Err(LoadError::Limit(exceeded));
    }
    first?;
    Ok(())
}

/// Creates a context for `code` (prepared by `source.rs`) and evaluates it under `budgets`. Its top
/// level has not run: each run runs it afresh, so a run's top level starts from the pristine
/// context too (it may write `globalThis` as well).
pub(crate) fn load(code: &str, runtime: JsRuntime, budgets: &Budgets) -> Result<Loaded, LoadError> {
    // Every object of the context, from boa's intrinsics to the function's factory, is watched.
    let watching = WatchNewObjects::start();
    let hooks = Rc::new(Hooks {
        max_buffer: budgets.max_memory as u64,
    });
    let jobs = Rc::new(SimpleJobExecutor::new());
    let mut context = Context::builder()
        .host_hooks(hooks)
        .job_executor(jobs.clone())
        .clock(Rc::new(FrozenClock(StdClock::new())))
        .build()
        .map_err(|e| LoadError::Js("InternalError".into(), e.to_string()))?;
    let context_ref = &mut context;
    install_globals(context_ref, runtime).map_err(|e| js_error(e, context_ref))?;

    budget::start(budgets);
    let evaluated = context.eval(Source::from_bytes(code));
    if let Some(exceeded) = budget::finish() {
        return Err(LoadError::Limit(exceeded));
    }
    evaluated.map_err(|e| js_error(e, &mut context))?;

    let instance = context
        .global_object()
        .get(JsString::from(INSTANCE_GLOBAL), &mut context)
        .map_err(|e| js_error(e, &mut context))?
        .as_object()
        .and_then(|o| JsFunction::from_object(o.clone()))
        .ok_or_else(|| LoadError::Js("InternalError".into(), "no function factory".into()))?;
    let raw_query_string = (runtime == JsRuntime::CloudfrontJs2).then(|| {
        let f = NativeFunction::from_fn_ptr(raw_query_string);
        boa_engine::object::FunctionObjectBuilder::new(context.realm(), f)
            .name(js_string!("rawQueryString"))
            .length(0)
            .build()
    });
    let shapes = Shapes::new(&mut context, raw_query_string.is_some())
        .map_err(|e| js_error(e, &mut context))?;
    drop(watching);
    Ok(Loaded {
        context,
        pristine: true,
        jobs,
        instance,
        raw_query_string,
        shapes,
    })
}

/// Runs the function's top level afresh (see `source::PREFIX`) and returns its `handler`.
pub(crate) fn instance_handler(
    instance: &JsFunction,
    context: &mut Context,
) -> JsResult<JsFunction> {
    // Top-level `this` is the global object, as in a script.
    let global = context.global_object();
    let handler = instance.call(&global.into(), &[], context)?;
    handler
        .as_object()
        .and_then(|o| JsFunction::from_object(o.clone()))
        .ok_or_else(|| {
            JsNativeError::reference()
                .with_message(
                    "handler is not defined: a CloudFront Function needs a global `function handler(event)`",
                )
                .into()
        })
}
/// `request.rawQueryString()`: the raw query without `?`, `""` for a bare `?`, `undefined` without
/// one (§4).
fn raw_query_string(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(run_state::with(|s| s.raw_query.clone())
        .flatten()
        .map_or(JsValue::undefined(), |q| JsString::from(q.as_str()).into()))
}

fn install_globals(context: &mut Context, runtime: JsRuntime) -> JsResult<()> {
    let hidden = Attribute::empty();
    let tick = NativeFunction::from_fn_ptr(budget::tick);
    context.register_global_builtin_callable(js_string!("__lf_tick"), 0, tick)?;
    // Make it immune to reassignment and deletion by the function.
    let global = context.global_object();
    let tick_fn = global.get(js_string!("__lf_tick"), context)?;
    global.define_property_or_throw(
        js_string!("__lf_tick"),
        PropertyDescriptor::builder()
            .value(tick_fn)
            .writable(false)
            .enumerable(false)
            .configurable(false),
        context,
    )?;
    if runtime == JsRuntime::CloudfrontJs2 {
        let cf = cloudfront_module::object(context)?;
        context.register_global_property(JsString::from(CLOUDFRONT_GLOBAL), cf, hidden)?;
    }
    let native = natives::object(context);
    let prelude = context.eval(Source::from_bytes(PRELUDE))?;
    let prelude = prelude
        .as_object()
        .and_then(|o| JsFunction::from_object(o.clone()))
        .ok_or_else(|| JsNativeError::typ().with_message("prelude is not a function"))?;
    let version = match runtime {
        JsRuntime::CloudfrontJs1 => 1,
        JsRuntime::CloudfrontJs2 => 2,
    };
    prelude.call(
        &JsValue::undefined(),
        &[native.into(), global.into(), JsValue::from(version)],
        context,
    )?;
    Ok(())
}
