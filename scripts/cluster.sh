#!/usr/bin/env bash
# Starts the demo office on PostgreSQL with two pasaprod nodes behind haproxy, on this machine:
#   http://127.0.0.1:8080   haproxy, round robin over both nodes (health-checked with /healthz)
#   127.0.0.1:8081, :8082   the nodes themselves
# The PostgreSQL cluster is a throw-away one (tests/fixtures/pg_cluster.sh, in /tmp); each node
# keeps its audit anchor and keys in data/cluster/node-N, the library and the documents' key are
# shared in data/cluster. Ctrl-C stops everything and removes the PostgreSQL cluster. To run
# against an existing PostgreSQL, see docs/postgresql.md.
# Usage: scripts/cluster.sh [port of haproxy, default 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
front=${1:-8080}
scripts/deps.sh --cluster
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target pasaprod
bin=$PWD/build/src/cli/pasaprod
root=$PWD/data/cluster
rm -rf "$root"
mkdir -p "$root"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  tests/fixtures/pg_cluster.sh stop "$root/pg" || true
}
trap cleanup EXIT INT TERM

tests/fixtures/pg_cluster.sh start "$root/pg"
cluster=$(cat "$root/pg/url")  # postgresql://postgres:PW@127.0.0.1:PORT
hostport=${cluster#*@}
password=${cluster#postgresql://postgres:}
password=${password%@*}
# The password reaches libpq through a password file, never on a command line.
(umask 077 && printf '%s:*:*:postgres:%s\n' "${hostport%:*}" "$password" > "$root/pgpass")
export PGPASSFILE=$root/pgpass
PGPASSWORD=$password psql -qAt -h "${hostport%:*}" -p "${hostport#*:}" -U postgres -d postgres -c 'CREATE DATABASE pasaprod'
db="postgresql://postgres@$hostport/pasaprod"

node() {  # node N: the options every command of node N takes
  echo --db "$db" --data-dir "$root/node-$1" --library "$root/library" --document-key "$root/pasaprod.dockey"
}
wait_healthy() {
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "pasaprod: the node on port $1 did not start; see $root/node-*.log" >&2
  exit 1
}

# shellcheck disable=SC2046
"$bin" $(node 1) serve --demo --listen 127.0.0.1:8081 >"$root/node-1.log" 2>&1 &
pids+=($!)
wait_healthy 8081
# Node 2 joins an office with history: an administrator anchors the verified head in its folder.
# shellcheck disable=SC2046
"$bin" $(node 2) audit reanchor
# shellcheck disable=SC2046
"$bin" $(node 2) serve --listen 127.0.0.1:8082 >"$root/node-2.log" 2>&1 &
pids+=($!)
wait_healthy 8082

cat > "$root/haproxy.cfg" <<EOF
global
  maxconn 1000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 300s
frontend pasaprod
  bind 127.0.0.1:$front
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  # Requests alternate between the nodes, a browser's too: everything a page keeps between two
  # requests (a refused form's message, a form's one-time token) is in the database.
  server node1 127.0.0.1:8081 check inter 1s
  server node2 127.0.0.1:8082 check inter 1s
EOF
haproxy -f "$root/haproxy.cfg" -db >"$root/haproxy.log" 2>&1 &
pids+=($!)
wait_healthy "$front"
echo "pasaprod: demo office on PostgreSQL, two nodes behind http://127.0.0.1:$front (Ctrl-C stops everything)"
wait -n "${pids[@]}"
