#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS: `make fuzz` and `make fuzz-ci`.
#
# It drives libfuzzer-sys with cargo and the flags `cargo fuzz build` passes (cargo-fuzz 0.13,
# read off `cargo fuzz build -v`), so nothing needs installing: the machine's one toolchain
# builds it (coverage instrumentation is stable; a sanitizer is a `-Z` flag, allowed with
# RUSTC_BOOTSTRAP=1). `cargo fuzz run TARGET` still works on this crate for a by-hand session.
#
# Settings (environment):
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_TARGETS    the targets, space-separated (default: all four)
#   FUZZ_SANITIZER  address (default) or none
#   FUZZ_PROFILE    cargo profile (default release; fuzz-ci is the cheaper build CI uses)
#   FUZZ_TARGET_DIR cargo target dir (default target/fuzz, or target/fuzz-none without a sanitizer)
#   FUZZ_ARGS       more libFuzzer flags, e.g. `-max_len=65536` or `-jobs=2`
#
# New corpus entries go to fuzz/corpus/TARGET (not committed); fuzz/seeds/TARGET and, for the
# config target, examples/ seed it. A crash, leak or timeout ends the run with a non-zero exit,
# its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-config cff_conversion lambda_edge_result path_matching}
sanitizer=${FUZZ_SANITIZER:-address}
profile=${FUZZ_PROFILE:-release}
if [ "$sanitizer" = none ]; then
  target_dir=${FUZZ_TARGET_DIR:-target/fuzz-none}
else
  target_dir=${FUZZ_TARGET_DIR:-target/fuzz}
fi
triple=$(rustc -vV | sed -n 's/^host: //p')

# cargo-fuzz's instrumentation: libFuzzer's coverage counters and comparison tracing.
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
flags+=" -Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cdebug-assertions"
case "$triple" in
  *-linux-*) flags+=" -Cllvm-args=-sanitizer-coverage-stack-depth" ;;
esac
case "$sanitizer" in
  none) ;;
  address | leak | memory | thread)
    flags+=" -Zsanitizer=$sanitizer"
    export RUSTC_BOOTSTRAP=1
    ;;
  *)
    echo "FUZZ_SANITIZER must be address, leak, memory, thread or none, not '$sanitizer'" >&2
    exit 2
    ;;
esac

# `--target` keeps the flags off build scripts and proc macros, as cargo-fuzz does.
bins=()
for t in $targets; do bins+=(--bin "$t"); done
echo "building fuzz targets ($targets): sanitizer $sanitizer, profile $profile, $target_dir"
RUSTFLAGS="$flags" cargo build --manifest-path fuzz/Cargo.toml --locked --target "$triple" \
  --profile "$profile" --target-dir "$target_dir" "${bins[@]}"

for t in $targets; do
  echo "fuzzing $t for $seconds s"
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  seeds=("fuzz/seeds/$t")
  if [ "$t" = config ]; then seeds+=(examples); fi
  "$target_dir/$triple/$profile/$t" -artifact_prefix="fuzz/artifacts/$t/" \
    -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-} "fuzz/corpus/$t" "${seeds[@]}"
done
