# localfront: `make run` serves the embedded demo distribution; `make test` is what CI runs.

CARGO ?= cargo
LOCALFRONT_DEBUG := target/debug/localfront

.PHONY: run test deps test-deps bench-deps fmt-check clippy unit-and-integration validate-examples bench bench-quick bench-smoke fuzz fuzz-ci soak

## Serve the embedded demo distribution (release build) on 127.0.0.1:8080 / 8443, admin on 9180.
run: deps
	$(CARGO) build --release -p localfront-proxy
	./target/release/localfront serve

## Formatting, clippy, every test, `localfront validate` on every example config, and a smoke run of
## the benchmark harness (tiny durations, debug build: proves it runs, measures nothing). Under CI
## (CI=true) also `make fuzz-ci`: each fuzz target for 30 s.
test: deps test-deps fmt-check clippy unit-and-integration validate-examples bench-smoke $(if $(filter true,$(CI)),fuzz-ci)

## Side-by-side load benchmarks against nginx (release build): ~10 minutes; bench-quick ~3 minutes.
bench: deps bench-deps
	$(CARGO) build --release -p localfront-proxy -p localfront-benches
	python3 benches/run.py

bench-quick: deps bench-deps
	$(CARGO) build --release -p localfront-proxy -p localfront-benches
	python3 benches/run.py --quick

bench-smoke: deps bench-deps
	$(CARGO) build -p localfront-proxy -p localfront-benches
	python3 benches/run.py --smoke --binary target/debug/localfront --origin target/debug/bench-origin

## Soak run (release build): SOAK_SECONDS (default 600) of mixed traffic with a reload each
## minute; errors, RSS and open fds every 30 s (benches/soak.py). Not part of CI.
SOAK_SECONDS ?= 600
soak: deps bench-deps
	$(CARGO) build --release -p localfront-proxy -p localfront-benches
	python3 benches/soak.py --seconds $(SOAK_SECONDS)

## Fuzz targets (fuzz/, not a workspace member): `config`, `cff_conversion`, `lambda_edge_result`,
## `path_matching`, each run for FUZZ_SECONDS (default 60) under AddressSanitizer, optimized.
## fuzz/run.sh drives libFuzzer with the machine's toolchain (RUSTC_BOOTSTRAP=1 for the sanitizer
## flag), so nothing is installed. New corpus entries go to fuzz/corpus (not committed);
## fuzz/seeds and the example configs seed them. A crash stops it, its input in fuzz/artifacts/TARGET.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SANITIZER=address FUZZ_PROFILE=release fuzz/run.sh

## What CI adds to `make test` (CI=true): each target for 30 s, built without a sanitizer and at
## opt-level 1 (fuzz/Cargo.toml's fuzz-ci profile), to keep the build within CI's budget. A crash
## fails it. Rust code needs no sanitizer to report a panic, overflow or failed assertion; the
## address sanitizer's extra (unsafe code, boa's GC) is left to `make fuzz`.
fuzz-ci:
	FUZZ_SECONDS=30 FUZZ_SANITIZER=none FUZZ_PROFILE=fuzz-ci fuzz/run.sh

## What the tests need besides the build: Debian's Chromium, which opens the admin dashboard
## headless in tests/dashboard.rs.
test-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium (the dashboard test opens the page headless)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "the tests need Debian's chromium at /usr/bin/chromium: 'sudo apt-get install chromium'"; \
	    exit 1; \
	  fi; \
	fi

## What the build needs: cmake (pingora's zlib-ng), and Rust's wasm32-wasip2 target for the
## Lambda@Edge test guests.
deps:
	@if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -q '^wasm32-wasip2$$'; then \
	  echo "adding the wasm32-wasip2 target (Lambda@Edge test guests)"; rustup target add wasm32-wasip2; \
	fi
	@if ! command -v cmake >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing cmake (needed by pingora's zlib-ng)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake >/dev/null; \
	  else \
	    echo "localfront needs cmake to build (pingora's zlib-ng): install it, e.g. 'sudo apt-get install cmake'"; \
	    exit 1; \
	  fi; \
	fi

## The load generator and the baseline: wrk and nginx from Debian's packages.
bench-deps:
	@if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing wrk and nginx (benchmark load generator and baseline)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; \
	  else \
	    echo "the benchmarks need wrk and nginx: install them, e.g. 'sudo apt-get install wrk nginx'"; \
	    exit 1; \
	  fi; \
	fi

fmt-check:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# One build of the workspace's test binaries; integration tests start the real binary.
unit-and-integration:
	$(CARGO) test --workspace

validate-examples:
	$(CARGO) build -p localfront-proxy
	$(CARGO) build --release --target wasm32-wasip2 --manifest-path examples/lambda-functions/Cargo.toml --target-dir target/wasm-guests
	$(LOCALFRONT_DEBUG) validate examples/*.toml
