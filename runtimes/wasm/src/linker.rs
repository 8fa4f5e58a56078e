//! The imports a handler gets (runtimes/wasm/wit/handler.wit): `wasi:io` streams, stdout and
//! stderr (the logs), the wall and monotonic clocks, randomness, and an empty environment
//! (Rust's panic handler reads `RUST_BACKTRACE` before printing; without it a panic message
//! would be lost). Nothing else is linked — no filesystem, no sockets, no exit.
//!
//! Toolchains import more than a handler uses (Rust's std for wasm32-wasip2 imports
//! `wasi:filesystem` and `wasi:cli/environment` for its `std::fs`/`std::env`), so every other
//! interface a component imports is defined with functions that trap when called: such a
//! component loads, and touching the filesystem ends the invocation with a
//! `LambdaExecutionError` naming the function it called.

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasData, Linker, ResourceTable, ResourceType};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::p2::bindings::{cli, clocks, random};
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi_io::bindings::wasi::io;

use crate::host_state::HostState;

/// `wasi:io`'s host side reads the store's resource table.
struct IoTable;

impl HasData for IoTable {
    type Data<'a> = &'a mut ResourceTable;
}

/// A linker with localfront's WASI subset.
pub(crate) fn edge_linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut l = Linker::new(engine);
    io::error::add_to_linker::<HostState, IoTable>(&mut l, |s| &mut s.table)?;
    io::poll::add_to_linker::<HostState, IoTable>(&mut l, |s| &mut s.table)?;
    io::streams::add_to_linker::<HostState, IoTable>(&mut l, |s| &mut s.table)?;
    cli::environment::add_to_linker::<HostState, WasiCli>(&mut l, HostState::cli)?;
    cli::stdout::add_to_linker::<HostState, WasiCli>(&mut l, HostState::cli)?;
    cli::stderr::add_to_linker::<HostState, WasiCli>(&mut l, HostState::cli)?;
    clocks::wall_clock::add_to_linker::<HostState, WasiClocks>(&mut l, HostState::clocks)?;
    clocks::monotonic_clock::add_to_linker::<HostState, WasiClocks>(&mut l, HostState::clocks)?;
    random::random::add_to_linker::<HostState, WasiRandom>(&mut l, HostState::random)?;
    random::insecure::add_to_linker::<HostState, WasiRandom>(&mut l, HostState::random)?;
    random::insecure_seed::add_to_linker::<HostState, WasiRandom>(&mut l, HostState::random)?;
    Ok(l)
}

/// The interfaces [`edge_linker`] provides, without their `@version`.
const PROVIDED: &[&str] = &[
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:cli/environment",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
];

/// `linker` for one component: the shared subset plus, for every other interface the
/// component imports, functions that trap when called.
///
/// wasmtime's `define_unknown_imports_as_traps` cannot be used: it also redefines resources an
/// interface merely `use`s from another (`wasi:io/streams` using `wasi:io/error.error`) as new
/// resource types, which then no longer match the linked ones. Here only the resources an
/// interface owns — the first import mentioning them, imports being in dependency order — get
/// a stub type; aliases are left for the linker to resolve.
pub(crate) fn for_component(
    linker: &Linker<HostState>,
    component: &Component,
) -> wasmtime::Result<Linker<HostState>> {
    let engine = linker.engine().clone();
    let mut l = linker.clone();
    let mut seen_resources = Vec::new();
    for (import, item) in component.component_type().imports(&engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        let unversioned = import.split('@').next().unwrap_or(import);
        let provided = PROVIDED.contains(&unversioned);
        let mut stubs = (!provided).then(|| l.instance(import)).transpose()?;
        for (name, export) in instance.exports(&engine) {
            match export.ty {
                ComponentItem::Resource(resource) => {
                    if seen_resources.contains(&resource) {
                        continue;
                    }
                    seen_resources.push(resource);
                    if let Some(stubs) = stubs.as_mut() {
                        stubs.resource(name, ResourceType::host::<()>(), |_, _| Ok(()))?;
                    }
                }
                ComponentItem::ComponentFunc(_) => {
                    if let Some(stubs) = stubs.as_mut() {
                        let what = format!("{import}#{name}");
                        stubs.func_new(name, move |_, _, _, _| {
                            Err(wasmtime::format_err!(
                                "the guest called `{what}`, which localfront does not provide to Lambda@Edge handlers"
                            ))
                        })?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(l)
}
