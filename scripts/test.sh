#!/usr/bin/env bash
# Builds everything twice — a normal build and an AddressSanitizer+UndefinedBehaviorSanitizer
# build — and runs every test in both with CTest; then builds the libFuzzer targets with clang
# and fuzzes each one briefly. Exits non-zero if anything fails.
# The browser tests (CTest label "browser") run in the normal build only; their screenshots go
# to build/tests/web/screenshots. Tests labelled "external" (the crash test) and "cli" (the
# command run as child processes, dozens per test: minutes under ASan, nothing in-process) run
# in the normal build only too. Fuzzing: PASAPROD_FUZZ_SECONDS per target (default 25; 7 targets), crashing
# inputs in build-fuzz/tests/fuzz/artifacts/ (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --browser --fuzz
# Browser tests (tests/web): playwright-core from npm drives Debian's chromium (no download).
if [[ ! -d tests/web/node_modules/playwright-core ]]; then
  (cd tests/web && npm ci --no-audit --no-fund)
fi
jobs=$(nproc)

echo "== normal build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

echo "== sanitizer build (ASan+UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPASAPROD_SANITIZE=ON -DPASAPROD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
  ctest --output-on-failure -j"$jobs" --timeout 900 -LE 'external|cli')

echo "== fuzz build (clang 16, libFuzzer + ASan/UBSan) =="
fuzz_seconds=${PASAPROD_FUZZ_SECONDS:-25}
CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPASAPROD_FUZZ=ON -DPASAPROD_BENCH=OFF \
  -DPASAPROD_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz -j"$jobs" --target pasaprod_fuzz   # the fuzz targets and what they link, nothing else
(cd build-fuzz && ctest --output-on-failure --no-tests=error -j"$jobs" -L fuzz)
