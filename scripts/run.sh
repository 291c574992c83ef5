#!/usr/bin/env bash
# Builds pasaprod and starts it with demo data on its embedded SQLite database.
# Usage: scripts/run.sh [extra arguments for the command]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPASAPROD_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)" --target pasaprod
data=${PASAPROD_DATA:-data/demo}
rm -rf "$data"
exec build/src/cli/pasaprod --db "$data/pasaprod.db" demo "$@"
