//! One warm instance: a Lambda execution environment. It is instantiated from the function's
//! `InstancePre` in a pooling-allocator slot, runs `init` once, then handles one event at a
//! time for as long as it stays healthy.
//!
//! Every call runs under a deadline enforced by epoch interruption: at each epoch tick the
//! guest yields to the tokio executor (so a long handler never holds a worker thread for more
//! than a tick) and is trapped once its deadline has passed.

use std::time::{Duration, Instant};

use wasmtime::component::{ComponentExportIndex, InstancePre, TypedFunc};
use wasmtime::{PoolConcurrencyLimitError, Store, UpdateDeadline};

use crate::host_state::HostState;

/// `handle: func(event: string) -> result<string, string>`.
type HandleFunc = TypedFunc<(String,), (Result<String, String>,)>;
/// `init: func() -> result<_, string>`.
type InitFunc = TypedFunc<(), (Result<(), String>,)>;

/// The export indices of a function's component, looked up once at load.
#[derive(Clone)]
pub(crate) struct Exports {
    pub(crate) handle: ComponentExportIndex,
    pub(crate) init: Option<ComponentExportIndex>,
}

/// Why a call (or a cold start) did not produce a result.
pub(crate) enum Failure {
    /// The guest returned `Err` — a handled failure; the instance stays usable.
    Returned(String),
    /// The guest trapped or could not be instantiated; the instance is discarded.
    Trapped {
        error: wasmtime::Error,
        timed_out: bool,
        memory_exceeded: bool,
    },
    /// No pooling-allocator slot was free for a new instance.
    PoolExhausted,
}

/// An instantiated, initialized component with its store.
pub(crate) struct WarmInstance {
    store: Store<HostState>,
    handle: HandleFunc,
}

impl WarmInstance {
    /// A cold start: instantiate, then `init` if `exports` has it, all within `timeout`, the
    /// guest seeing environment variables `env`. On failure, also returns what the guest
    /// logged.
    pub(crate) async fn start(
        pre: &InstancePre<HostState>,
        exports: &Exports,
        memory_bytes: usize,
        env: &[(String, String)],
        timeout: Duration,
    ) -> Result<Self, (Failure, Vec<String>)> {
        let mut store = new_store(pre.engine(), memory_bytes, env, timeout);
        let started = async {
            let instance = pre.instantiate_async(&mut store).await?;
            let handle: HandleFunc = instance.get_typed_func(&mut store, exports.handle)?;
            let init: Option<InitFunc> = match exports.init {
                Some(i) => Some(instance.get_typed_func(&mut store, i)?),
                None => None,
            };
            let init_result = match init {
                Some(init) => init.call_async(&mut store, ()).await?.0,
                None => Ok(()),
            };
            wasmtime::Result::Ok((handle, init_result))
        }
        .await;
        match started {
            Ok((handle, Ok(()))) => Ok(Self { store, handle }),
            Ok((_, Err(message))) => {
                let logs = store.data().logs.take_lines();
                Err((Failure::Returned(message), logs))
            }
            Err(error) => {
                let logs = store.data().logs.take_lines();
                Err((trapped(&store, error), logs))
            }
        }
    }

    /// Runs `handle` on `event` within `timeout`.
    pub(crate) async fn call(
        &mut self,
        event: String,
        timeout: Duration,
    ) -> Result<String, Failure> {
        arm(&mut self.store, timeout);
        match self.handle.call_async(&mut self.store, (event,)).await {
            Ok((Ok(result),)) => Ok(result),
            Ok((Err(message),)) => Err(Failure::Returned(message)),
            Err(error) => Err(trapped(&self.store, error)),
        }
    }

    /// What the guest logged since the last call of this.
    pub(crate) fn take_logs(&self) -> Vec<String> {
        self.store.data().logs.take_lines()
    }

    /// The largest linear memory this instance has had, in bytes.
    pub(crate) fn peak_memory_bytes(&self) -> usize {
        self.store.data().limiter.peak_bytes()
    }
}

/// A store for one instance: the memory cap, the environment, and the epoch callback that
/// yields to the executor at every tick and traps past the deadline, armed for `timeout`.
pub(crate) fn new_store(
    engine: &wasmtime::Engine,
    memory_bytes: usize,
    env: &[(String, String)],
    timeout: Duration,
) -> Store<HostState> {
    let mut store = Store::new(engine, HostState::new(memory_bytes, env));
    store.limiter(|s| &mut s.limiter);
    store.epoch_deadline_callback(|mut ctx| {
        let state = ctx.data_mut();
        if Instant::now() >= state.deadline {
            state.timed_out = true;
            return Err(wasmtime::format_err!("deadline reached"));
        }
        // tokio's own yield, as wasmtime recommends, so tokio's scheduler sees it.
        Ok(UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ))
    });
    arm(&mut store, timeout);
    store
}

/// Sets the deadline of the next call and asks for the epoch callback at the next tick.
pub(crate) fn arm(store: &mut Store<HostState>, timeout: Duration) {
    let state = store.data_mut();
    state.deadline = Instant::now() + timeout;
    state.timed_out = false;
    store.set_epoch_deadline(1);
}

fn trapped(store: &Store<HostState>, error: wasmtime::Error) -> Failure {
    if error.is::<PoolConcurrencyLimitError>() {
        return Failure::PoolExhausted;
    }
    let state = store.data();
    Failure::Trapped {
        error,
        timed_out: state.timed_out,
        memory_exceeded: state.limiter.exceeded(),
    }
}
