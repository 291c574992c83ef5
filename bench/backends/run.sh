#!/usr/bin/env bash
# Runs the backends benchmark (bench/README.md, "Backends") against a throw-away PostgreSQL
# cluster of its own, started durable (fsync, full_page_writes and synchronous_commit on) with
# tests/fixtures/pg_cluster.sh in /tmp; the SQLite files go in /tmp too, the same filesystem.
# The cluster and every file are removed at the end, also after a failure or Ctrl-C.
#
#   bench/backends/run.sh [BENCH_BINARY] [-- OPTIONS OF THE BENCHMARK]
#   bench/backends/run.sh build/bench/backends/pasaprod_backends_bench -- --seconds 3 --rounds 5
#
# The cluster's password reaches libpq through a password file (PGPASSFILE), never a command line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/bench/backends/pasaprod_backends_bench
if [ $# -gt 0 ] && [ "$1" != -- ]; then bin=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = -- ]; then shift; fi
[ -x "$bin" ] || { echo "run.sh: no benchmark at $bin (cmake --build build --target pasaprod_backends_bench)" >&2; exit 1; }

scratch=$(mktemp -d /tmp/pasaprod-backends.XXXXXX)
cleanup() {
  "$root/tests/fixtures/pg_cluster.sh" stop "$scratch/pg" || true
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/tests/fixtures/pg_cluster.sh" start "$scratch/pg" --durable
url=$(cat "$scratch/pg/url")  # postgresql://postgres:PW@127.0.0.1:PORT
hostport=${url#*@}
password=${url#postgresql://postgres:}
password=${password%@*}
(umask 077 && printf '%s:%s:*:postgres:%s\n' "${hostport%:*}" "${hostport#*:}" "$password" > "$scratch/pgpass")
export PGPASSFILE=$scratch/pgpass
unset PGPASSWORD

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
df -hT "$(cat "$scratch/pg/cluster")" "$scratch" | sed 's/^/  /'
"$bin" --pg "postgresql://postgres@$hostport" --dir "$scratch" "$@" &
bench=$!
# On Ctrl-C or TERM the benchmark stops measuring and drops its databases, then the cluster goes.
trap 'kill -TERM "$bench" 2>/dev/null; wait "$bench"; exit 130' INT TERM
wait "$bench"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
