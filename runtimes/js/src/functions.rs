//! The public entry point: a compiled set of functions, shared by every thread, and its
//! invocation (issue 5 item 7). `Functions` is `Send + Sync` and cheap to clone; boa contexts are
//! not, so each thread that runs functions keeps its own contexts in a [`ContextCache`] keyed by
//! the set's generation and the function's name, created on first use (~220 µs) and reused (~µs
//! per call). The proxy runs functions on [`FunctionThreads`](crate::FunctionThreads), whose
//! threads own their cache as a plain local and never exit; [`Functions::invoke`] (the CLI,
//! tests) uses one kept in a thread-local, made after boa's collector so that it is dropped first
//! at thread exit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use localfront_events::cff::{self, Output};

use crate::budget::Budgets;
use crate::engine::{self, LoadError, Loaded};
use crate::error::{ExecutionError, FunctionError, LimitError, LimitKind, ValidationError};
use crate::kvs::KeyValueStore;
use crate::source::{self, FunctionSource, JsRuntime};
use crate::throttle::{ThrottlePolicy, Throttles};

/// `cf.edgeLocation` (§8): where the request is served.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EdgeLocation {
    /// IATA-style code of the edge location, e.g. `LCL50`.
    pub name: String,
    /// The edge server's IP address.
    pub server_ip: String,
    /// The regional edge cache region, e.g. `us-east-1`.
    pub region: String,
}

/// Per-invocation inputs besides the event.
#[derive(Clone, Default)]
pub struct InvokeOptions {
    /// The function's KeyValueStore (§8), if one is associated.
    pub kvs: Option<Arc<dyn KeyValueStore>>,
    /// `cf.edgeLocation` on viewer-request.
    pub edge_location: Option<EdgeLocation>,
    /// The time `Date` reports during the run (§7); `None`: the run's start.
    pub now: Option<SystemTime>,
    /// TestFunction semantics (§11): no output validation.
    pub test_mode: bool,
    /// Lowercase upper-case header names instead of rejecting them (§4).
    pub lenient_header_names: bool,
    /// Throttle functions that keep exceeding their compute budget (§9).
    pub strict_compute: bool,
}

/// A successful run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The request or response the function returned, with origin changes (viewer-request).
    pub output: Output,
    /// `console.log` lines (10 KB per run, §9).
    pub logs: Vec<String>,
    /// 0–100: CPU time over the nominal compute budget (§9). ≥ 71 deserves a warning.
    pub compute_utilization: u8,
    /// CPU time the run took, event build and result reading included.
    pub cpu_time: Duration,
}

struct Prepared {
    runtime: JsRuntime,
    code: Arc<str>,
}

struct Inner {
    generation: u64,
    functions: HashMap<String, Prepared>,
    budgets: Budgets,
    throttle_policy: ThrottlePolicy,
    throttles: Throttles,
}

/// A validated, compiled set of CloudFront Functions.
#[derive(Clone)]
pub struct Functions {
    inner: Arc<Inner>,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// Contexts kept per thread; beyond this the least recently used is dropped.
const CACHE_SIZE: usize = 64;

/// Warm function contexts of one thread, keyed by the set's generation and the function's name:
/// at most [`CACHE_SIZE`], least recently used dropped first, and those of older generations
/// (before a config reload) dropped once a newer generation has run here. Not `Send`: boa
/// contexts stay on the thread that made them.
#[derive(Default)]
pub struct ContextCache {
    entries: Vec<(u64, String, Loaded)>,
    /// The last function whose context a run left changed (engine.rs) and was dropped: its next
    /// run needs a fresh one, which [`ContextCache::reload_dropped`] makes ahead of time.
    dropped: Option<(Functions, String)>,
}

impl ContextCache {
    /// An empty cache.
    pub const fn new() -> Self {
        ContextCache {
            entries: Vec::new(),
            dropped: None,
        }
    }

    /// Loads a fresh context for the function whose context the last run that changed one
    /// dropped, if any, so that its next run does not wait for it (≈ 220 µs). For a thread with
    /// nothing else to do; returns whether there was something to load.
    pub fn reload_dropped(&mut self) -> bool {
        let Some((functions, name)) = self.dropped.take() else {
            return false;
        };
        let inner = &*functions.inner;
        // Already there (its next run came first and loaded it), or a newer set has run here
        // since (after a config reload).
        let needless = |(g, n, _): &(u64, String, Loaded)| {
            *g > inner.generation || (*g == inner.generation && *n == name)
        };
        if self.entries.iter().any(needless) {
            return true;
        }
        if let Some(prepared) = inner.functions.get(&name) {
            // A load that fails now fails again at the run, which reports it.
            if let Ok(loaded) = engine::load(&prepared.code, prepared.runtime, &inner.budgets) {
                self.insert(inner.generation, name, loaded);
            }
        }
        true
    }

    /// Keeps `loaded`, dropping the contexts of older generations and the least recently used
    /// beyond [`CACHE_SIZE`].
    fn insert(&mut self, generation: u64, name: String, loaded: Loaded) {
        // Contexts of older generations (before a config reload) are dropped once a newer one
        // has run here: each holds a whole boa realm, and without this every reload left one
        // behind per thread and function.
        self.entries.retain(|(g, _, _)| *g >= generation);
        self.entries.push((generation, name, loaded));
        if self.entries.len() > CACHE_SIZE {
            self.entries.remove(0);
        }
    }

    /// How many contexts the cache holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no context.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

thread_local! {
    // When a thread exits, its thread-locals are destroyed in the reverse order of their first
    // use, and a context must be dropped while boa's collector (a thread-local of boa_gc) still
    // exists: dropped after it, it writes to freed memory (AddressSanitizer: heap-use-after-free
    // in `GcHeader::dec_ref_count`; in release builds, glibc's "unaligned tcache chunk" aborts
    // when tokio's blocking-pool threads exited). Touching the collector first makes it the older
    // of the two; on a fresh thread `force_collect` finds nothing to collect.
    static CACHE: RefCell<ContextCache> = {
        boa_engine::gc::force_collect();
        RefCell::new(ContextCache::new())
    };
}

impl Functions {
    /// Validates and compiles `sources` with default [`Budgets`]; every problem of every function
    /// is reported.
    pub fn new(sources: Vec<FunctionSource>) -> Result<Functions, Vec<ValidationError>> {
        Self::with_budgets(sources, Budgets::default(), ThrottlePolicy::default())
    }

    /// As [`Functions::new`], with explicit budgets and throttling policy.
    pub fn with_budgets(
        sources: Vec<FunctionSource>,
        budgets: Budgets,
        throttle_policy: ThrottlePolicy,
    ) -> Result<Functions, Vec<ValidationError>> {
        let mut errors = Vec::new();
        let mut functions = HashMap::new();
        for s in &sources {
            if functions.contains_key(&s.name) {
                errors.push(ValidationError {
                    function: s.name.clone(),
                    line: None,
                    column: None,
                    message: "another function has the same name".to_owned(),
                    logs: Vec::new(),
                });
                continue;
            }
            match source::prepare(s) {
                Ok(code) => {
                    // Load once now: top-level errors and a missing handler are load errors.
                    if let Err(e) = engine::check(&code, s.runtime, &budgets) {
                        // boa reports a syntax error's position at the end of its message.
                        let at = match &e {
                            LoadError::Js(_, message) => source::syntax_position(message),
                            LoadError::Limit(_) => None,
                        };
                        errors.push(ValidationError {
                            function: s.name.clone(),
                            line: at.map(|p| p.0),
                            column: at.map(|p| p.1),
                            message: match e {
                                LoadError::Js(name, message) => format!("{name}: {message}"),
                                LoadError::Limit(x) => {
                                    LimitError::from_exceeded(&s.name, x, &budgets, Vec::new())
                                        .error_message()
                                }
                            },
                            logs: Vec::new(),
                        });
                        continue;
                    }
                    functions.insert(
                        s.name.clone(),
                        Prepared {
                            runtime: s.runtime,
                            code: code.into(),
                        },
                    );
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Functions {
            inner: Arc::new(Inner {
                generation: GENERATION.fetch_add(1, Ordering::Relaxed),
                functions,
                budgets,
                throttle_policy,
                throttles: Throttles::default(),
            }),
        })
    }

    /// The budgets every run gets.
    pub fn budgets(&self) -> &Budgets {
        &self.inner.budgets
    }

    /// Whether a function named `name` is in the set.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.functions.contains_key(name)
    }

    /// Runs function `name` on `event` on this thread, reusing this thread's context for it.
    pub fn invoke(
        &self,
        name: &str,
        event: &cff::Event,
        options: &InvokeOptions,
    ) -> Result<Invocation, FunctionError> {
        CACHE.with(|cache| self.invoke_in(&mut cache.borrow_mut(), name, event, options))
    }

    /// Runs function `name` on `event` on this thread with a context from `cache` (loaded into it
    /// on first use).
    pub fn invoke_in(
        &self,
        cache: &mut ContextCache,
        name: &str,
        event: &cff::Event,
        options: &InvokeOptions,
    ) -> Result<Invocation, FunctionError> {
        let inner = &*self.inner;
        let Some(prepared) = inner.functions.get(name) else {
            return Err(FunctionError::Validation(ValidationError {
                function: name.to_owned(),
                line: None,
                column: None,
                message: format!("no function named `{name}`"),
                logs: Vec::new(),
            }));
        };
        if options.strict_compute && inner.throttles.is_throttled(name) {
            return Err(FunctionError::Limit(LimitError {
                function: name.to_owned(),
                kind: LimitKind::Throttled,
                logs: Vec::new(),
            }));
        }
        let at = cache
            .entries
            .iter()
            .position(|(g, n, _)| *g == inner.generation && n == name);
        let mut entry = match at {
            Some(at) => cache.entries.remove(at),
            None => {
                let loaded = engine::load(&prepared.code, prepared.runtime, &inner.budgets)
                    .map_err(|e| load_failure(name, e, &inner.budgets))?;
                (inner.generation, name.to_owned(), loaded)
            }
        };
        let result = crate::invoke::run(name, &mut entry.2, event, options, &inner.budgets);
        // A run stopped by a budget may leave garbage or state behind, and one that changed an
        // object shared by every run (a builtin, `globalThis`) left state behind: start afresh
        // next time (engine.rs).
        if !matches!(result, Err(FunctionError::Limit(_))) {
            if entry.2.pristine {
                cache.insert(entry.0, entry.1, entry.2);
            } else {
                cache.dropped = Some((self.clone(), entry.1));
            }
        }
        let invocation = result?;
        if options.strict_compute {
            inner
                .throttles
                .record(name, invocation.compute_utilization, &inner.throttle_policy);
        }
        Ok(invocation)
    }
}

fn load_failure(name: &str, e: LoadError, budgets: &Budgets) -> FunctionError {
    match e {
        LoadError::Js(error_name, message) => FunctionError::Execution(ExecutionError {
            function: name.to_owned(),
            name: error_name,
            message,
            logs: Vec::new(),
        }),
        LoadError::Limit(x) => {
            FunctionError::Limit(LimitError::from_exceeded(name, x, budgets, Vec::new()))
        }
    }
}
