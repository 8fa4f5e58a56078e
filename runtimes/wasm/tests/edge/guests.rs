//! Builds the guest components the tests and the benchmark run — the fixtures
//! (`runtimes/wasm/fixtures/`) and the user examples (`examples/edge-handlers/`,
//! `examples/lambda-functions/`) — once per
//! test binary, with `cargo build --release --target wasm32-wasip2` into
//! `<target>/wasm-guests`. Cargo itself skips the build when nothing changed (well under a
//! second); a clean build takes about half a minute on two cores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

const TARGET: &str = "wasm32-wasip2";

/// Where compiled (cwasm) components are cached across tests and runs.
pub fn compile_cache_dir() -> PathBuf {
    target_dir().join("cwasm-cache")
}

/// The component built from crate `name`: a fixture (`runtimes/wasm/fixtures/<name>`) or an
/// example (`examples/edge-handlers/<name>`, `examples/lambda-functions/<name>`).
pub fn component(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(build_all);
    let path = target_dir()
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    assert!(
        path.exists(),
        "no component for `{name}` at {}",
        path.display()
    );
    path
}

/// The repository root: the nearest ancestor of the crate that holds the fixtures (this file is
/// also compiled into the proxy's integration tests, from another crate directory).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("runtimes/wasm/fixtures/Cargo.toml").is_file())
        .expect("the repository holds runtimes/wasm/fixtures")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    let base = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => repo_root().join(dir),
        None => repo_root().join("target"),
    };
    base.join("wasm-guests")
}

fn build_all() {
    ensure_target_installed();
    let started = Instant::now();
    for manifest in [
        "runtimes/wasm/fixtures/Cargo.toml",
        "examples/edge-handlers/Cargo.toml",
        "examples/lambda-functions/Cargo.toml",
    ] {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--release", "--target", TARGET, "--manifest-path"])
            .arg(repo_root().join(manifest))
            .arg("--target-dir")
            .arg(target_dir())
            // The host build's flags and target are not the guests'.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .expect("run cargo to build the guest components");
        assert!(
            output.status.success(),
            "building the guest components of {manifest} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    eprintln!(
        "guest components ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The wasm32-wasip2 standard library must be installed; rustup adds it if it is missing.
fn ensure_target_installed() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("run rustc --print sysroot");
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
    {
        return;
    }
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .expect("the wasm32-wasip2 target is missing and rustup cannot be run to add it");
    assert!(status.success(), "`rustup target add {TARGET}` failed");
}
