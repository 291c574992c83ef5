#!/usr/bin/env bash
# Runs one fuzz target for a while on a copy of its seed corpus (the CTest tests of label
# `fuzz`; docs/fuzzing.md). Exits non-zero when the target finds a crash, a leak, a sanitizer
# report or a failed FUZZ_CHECK — or when a seed itself fails. The input that failed is saved
# in ARTIFACT_DIR (crash-*, leak-*, timeout-*, oom-*).
# Usage: run_fuzz.sh TARGET SEED_DIR SECONDS ARTIFACT_DIR
set -euo pipefail
target=$1 seeds=$2 seconds=$3 artifacts=$4
[[ -x "$target" ]] || { echo "run_fuzz.sh: no fuzz target $target" >&2; exit 2; }
[[ -d "$seeds" ]] || { echo "run_fuzz.sh: no seed corpus $seeds" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/pasaprod-fuzz-corpus-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/tmp"
cp -R "$seeds"/. "$work/corpus"/
# What the target itself creates (the office behind the route table) goes there too, so a
# crashed run leaves nothing behind.
export TMPDIR="$work/tmp"
mkdir -p "$artifacts"
# Symbolized stack traces (the sanitizers do not find Debian's unversioned llvm-symbolizer).
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]]; then
  for s in llvm-symbolizer-16 llvm-symbolizer; do
    if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
  done
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# -timeout: one input running this long is a hang (reported as a failure, saved as timeout-*).
# -rss_limit_mb: above this the run fails as out-of-memory (saved as oom-*).
"$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts"/ "$work/corpus"
