#!/usr/bin/env bash
# Builds everything twice — a normal build and an AddressSanitizer+UndefinedBehaviorSanitizer
# build — and runs every test in both with CTest. Exits non-zero if anything fails.
# The browser tests (CTest label "browser") run in the normal build only; their screenshots go
# to build/tests/web/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --browser
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
  ctest --output-on-failure -j"$jobs" --timeout 900 -LE external)
