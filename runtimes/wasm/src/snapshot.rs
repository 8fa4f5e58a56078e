//! SnapStart for Lambda functions: initialize one environment, snapshot its state and start
//! every later environment from the snapshot instead of running `init` again.
//!
//! The snapshot is made with `wasmtime-wizer` (the WebAssembly pre-initializer, part of
//! wasmtime): the component is instrumented so its linear memories and globals can be read,
//! instantiated with localfront's imports, its `init` export run, and its state written back
//! into a new component as data segments and global initializers (`init` is kept but never
//! called on it). That
//! component is compiled (and cached) like any other; instantiating it maps the initialized
//! memory copy-on-write, so a restore costs an instantiation, not an `init`.
//!
//! As on AWS, what `init` computed is shared by every environment started from the snapshot:
//! random seeds drawn in `init` repeat. Host handles (open streams) cannot survive it: an
//! `init` that leaves one open (wasi-libc keeps the stdout stream of a log line written in
//! `init`) is refused with an error, and the function runs without SnapStart.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{Component, Instance, InstancePre, Linker, WasmList};
use wasmtime::{Engine, Store};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use crate::compile_cache::CompileCache;
use crate::host_state::HostState;
use crate::instance::{arm, new_store, Exports};
use crate::linker;
use crate::runtime::contract_exports;

/// What making a function's snapshot needs: its component bytes and the runtime's parts.
pub(crate) struct SnapshotSource {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) cache: Arc<CompileCache>,
    pub(crate) bytes: Vec<u8>,
}

impl SnapshotSource {
    /// Runs `init` once in an instrumented instance and returns the snapshot component, ready
    /// to instantiate, with its exports (`init` gone). `exports` tells whether the function has
    /// an `init` at all; without one the snapshot holds the instantiated state only.
    pub(crate) async fn snapshot(
        &self,
        exports: &Exports,
        memory_mb: u64,
        env: &[(String, String)],
        timeout: Duration,
    ) -> Result<(InstancePre<HostState>, Exports), String> {
        let mut wizer = Wizer::new();
        // Removing `init` from the core module would leave the component's lifted `init`
        // dangling: it stays exported, and restored environments never call it.
        wizer.init_func("init").keep_init_func(true);
        let (cx, instrumented) = wizer
            .instrument_component(&self.bytes)
            .map_err(|e| format!("cannot instrument the component: {e:#}"))?;
        let component = Component::new(&self.engine, &instrumented)
            .map_err(|e| format!("cannot compile the instrumented component: {e:#}"))?;
        let memory_bytes = usize::try_from(memory_mb * 1024 * 1024).unwrap_or(usize::MAX);
        let mut store = new_store(&self.engine, memory_bytes, env, timeout);
        let instance = linker::for_component(&self.linker, &component)
            .and_then(|l| l.instantiate_pre(&component))
            .map_err(|e| format!("cannot link the component: {e:#}"))?
            .instantiate_async(&mut store)
            .await
            .map_err(|e| format!("cannot instantiate the component: {e:#}"))?;
        if exports.init.is_some() {
            let init = instance
                .get_typed_func::<(), (Result<(), String>,)>(&mut store, "init")
                .map_err(|e| format!("{e:#}"))?;
            match init.call_async(&mut store, ()).await {
                Ok((Ok(()),)) => {}
                Ok((Err(message),)) => return Err(format!("init failed: {message}")),
                Err(trap) => return Err(format!("init trapped: {}", trap.root_cause())),
            }
        }
        // Handles to host resources live in tables outside linear memory: a snapshot would
        // carry dangling handle numbers (wasi-libc caches its stdout stream on the first
        // write, so a `println!` in `init` is enough). Refused, rather than failing every
        // restored environment's first log line.
        if !store.data().table.is_empty() {
            return Err("`init` left host handles open (an output stream, e.g. from a log line written in `init`): they cannot be snapshotted; log from `handle` only, or turn snap_start off".into());
        }
        // Reading the state runs guest code too: a fresh deadline for it.
        arm(&mut store, timeout);
        let snapshot = wizer
            .snapshot_component(
                &cx,
                &mut Access {
                    store: &mut store,
                    instance,
                },
            )
            .await
            .map_err(|e| format!("cannot snapshot the component: {e:#}"))?;
        let component = self
            .cache
            .component(&self.engine, &snapshot)
            .map_err(|e| format!("cannot compile the snapshot: {e:#}"))?;
        let exports = Exports {
            init: None,
            ..contract_exports(&self.engine, &component)?
        };
        let pre = linker::for_component(&self.linker, &component)
            .and_then(|l| l.instantiate_pre(&component))
            .map_err(|e| format!("cannot link the snapshot: {e:#}"))?;
        Ok((pre, exports))
    }
}

/// Reads an instrumented instance's state for wizer: each `wasmtime:wizer/access` function
/// returns one memory's bytes or one global's value.
struct Access<'a> {
    store: &'a mut Store<HostState>,
    instance: Instance,
}

impl Access<'_> {
    async fn call<R, T>(
        &mut self,
        instance: &str,
        func: &str,
        use_ret: impl FnOnce(&Store<HostState>, R) -> T,
    ) -> T
    where
        R: wasmtime::component::Lift + Send + Sync + 'static,
    {
        // The instrumented component exports these by construction: a missing one is a wizer
        // bug, and wizer's own state reader panics the same way.
        let (_, parent) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .expect("wizer's access instance");
        let (_, index) = self
            .instance
            .get_export(&mut *self.store, Some(&parent), func)
            .expect("wizer's access function");
        let f = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *self.store, index)
            .expect("wizer's access function type");
        let ret = f
            .call_async(&mut *self.store, ())
            .await
            .expect("wizer's access function runs")
            .0;
        use_ret(self.store, ret)
    }
}

impl ComponentInstanceState for Access<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        self.call(instance, func, |store, list: WasmList<u8>| {
            contents(list.as_le_slice(store));
        })
        .await;
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func, |_, r| r).await
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func, |_, r| r).await
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call(instance, func, |_, r: f32| r.to_bits()).await
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call(instance, func, |_, r: f64| r.to_bits()).await
    }
}
