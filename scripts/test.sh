#!/usr/bin/env bash
# Builds everything twice and runs every test with CTest: a normal build (g++, RelWithDebInfo)
# and a sanitizer build (clang 16, Debug: AddressSanitizer + UndefinedBehaviorSanitizer, every
# object also instrumented for libFuzzer, which links the fuzz targets of tests/fuzz); then
# fuzzes each target briefly in that same build. Exits non-zero if anything fails.
# The browser tests (CTest label "browser") run in the normal build only; their screenshots go
# to build/tests/web/screenshots. Tests labelled "external" (the ones that start slapd, aiosmtpd
# or SIGKILL a server) and "cli" (the command run as child processes, dozens per test: minutes
# under ASan, nothing in-process) run in the normal build only too. Fuzzing: PASAPROD_FUZZ_SECONDS
# per target (default 25; 7 targets), crashing inputs in build-asan/tests/fuzz/artifacts/
# (docs/fuzzing.md). clang builds the sanitizer build about twice as fast as g++ does.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --browser --fuzz
# Browser tests (tests/web): playwright-core from npm drives Debian's chromium (no download);
# installed again when the lock file changed since the last install.
if [[ ! -f tests/web/node_modules/.package-lock.json || tests/web/package-lock.json -nt tests/web/node_modules/.package-lock.json ]]; then
  (cd tests/web && npm ci --no-audit --no-fund)
fi
jobs=$(nproc)

echo "== normal build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

echo "== sanitizer build (clang 16: ASan+UBSan, libFuzzer targets) =="
fuzz_seconds=${PASAPROD_FUZZ_SECONDS:-25}
# A folder configured by another compiler (an older checkout built it with g++) starts over.
if [[ -f build-asan/CMakeCache.txt ]] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++-16$' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
# Test folders whose every test is labelled external or cli (none of them runs below) are not
# built here: compiling and linking them with the sanitizers took minutes of CI for nothing.
# A folder that gains a test without those labels must leave this list.
asan_skip="tests/audit;tests/calendar;tests/cli;tests/cluster;tests/ldap"
CC=clang-16 CXX=clang++-16 cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPASAPROD_FUZZ=ON -DPASAPROD_BENCH=OFF \
  -DPASAPROD_FUZZ_SECONDS="$fuzz_seconds" -DPASAPROD_SKIP="$asan_skip" >/dev/null
cmake --build build-asan -j"$jobs"
# clang's sanitizers symbolize stack traces only through llvm-symbolizer (Debian names it -16).
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-16 || true)}
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
  ctest --output-on-failure -j"$jobs" --timeout 900 -LE 'external|cli|fuzz')

echo "== fuzzing (each target for ${fuzz_seconds} s) =="
(cd build-asan && ctest --output-on-failure --no-tests=error -j"$jobs" -L fuzz)
