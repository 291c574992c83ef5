#!/usr/bin/env bash
# Builds pasaprod and starts its server on the embedded SQLite database, filled with a demo
# office on first start (users for every role, three systems, releases in many states).
# Usage: scripts/run.sh [extra arguments for `pasaprod serve`, e.g. --listen 0.0.0.0:8080]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target pasaprod
data=${PASAPROD_DATA:-data/demo}
exec build/src/cli/pasaprod --db "$data/pasaprod.db" serve --demo "$@"
