#!/usr/bin/env bash
# The item benchmark (bench/README.md, "API: one emergency request end to end"): in a scratch
# office, `pasaprod serve` on a random loopback port and pasaprod_item_bench driving it with 1
# and then 4 clients, each on its own system, beside raw SQLite durable commits on the same file
# system. The directory and the server go away at the end, also on failure (KEEP=1 keeps the
# directory). Exit status: the client's (1 = a request failed; no figures are printed then).
#
# Usage: bench/api/item.sh [PASAPROD [ITEM_BENCH]]
#        defaults build/src/cli/pasaprod and build/bench/api/pasaprod_item_bench; any pasaprod
#        binary works (e.g. an older build), the client only speaks the HTTP API.
# Environment: ITEMS (per client, 200), PHASES (clients per phase, "1,4"), KIB (size of each
#              uploaded file, 4), RAW_COMMITS (per raw measurement, 300), THREADS (server worker
#              threads; default: serve's own), KEEP=1 (keep the directory).
set -euo pipefail
bin=${1:-build/src/cli/pasaprod}
client=${2:-build/bench/api/pasaprod_item_bench}
items=${ITEMS:-200}
phases=${PHASES:-1,4}
for f in "$bin" "$client"; do
  [[ -x $f ]] || { echo "missing $f: cmake --build build --target pasaprod pasaprod_item_bench" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/pasaprod-item-bench.XXXXXX)
db=$dir/pasaprod.db
server=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT

# One system, user (project lead of that system: opens emergencies, uploads, asks the committee)
# and API token per client of every phase; a phase takes the next lines of clients.txt.
"$bin" --db "$db" init >/dev/null
clients=0
for c in ${phases//,/ }; do clients=$((clients + c)); done
for i in $(seq 1 "$clients"); do
  "$bin" --db "$db" system add "E$i" --name "Sistema de emergencias $i" --version 1.0 >/dev/null
  "$bin" --db "$db" user add "lead$i" --name "Líder $i" --role project_lead --system "E$i" >/dev/null
  echo "E$i $("$bin" --db "$db" token create "lead$i" --name item-bench)" >>"$dir/clients.txt"
done

port=$((20000 + RANDOM % 20000))
"$bin" --db "$db" serve --listen "127.0.0.1:$port" ${THREADS:+--threads "$THREADS"} >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not start; its log:" >&2; cat "$dir/serve.log" >&2; exit 1; }

echo "== $bin, server threads ${THREADS:-default}, $(nproc) CPUs, database in $dir ($(df -T "$dir" | awk 'NR==2 {print $2}'))"
status=0
"$client" --url "http://127.0.0.1:$port" --clients-file "$dir/clients.txt" --raw-dir "$dir" --server-pid "$server" \
  --phases "$phases" --items "$items" --kib "${KIB:-4}" --raw-commits "${RAW_COMMITS:-300}" || status=$?
if ((status != 0)); then
  echo "the item benchmark failed (exit $status); the server's log ends with:" >&2
  tail -20 "$dir/serve.log" >&2
fi
exit "$status"
