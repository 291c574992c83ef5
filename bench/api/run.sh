#!/usr/bin/env bash
# The API benchmark (bench/README.md, "API"): the real `pasaprod serve` on a database with a
# large history, loaded with wrk over loopback; every figure is printed beside GET /healthz
# (the cheapest route: the HTTP layer alone) measured in the same run.
#
# Usage: bench/api/run.sh [BUILD_DIR]      (default: build; needs pasaprod and pasaprod_api_seed)
# Environment: RELEASES (100000), EVENTS (1000000), DURATION (10 s per run), CONNECTIONS (32),
#              THREADS (server threads, 2), WRITERS (wrk threads for the write test, 4),
#              UPLOAD_MIB (size of the upload test, 1024; 0 skips it), KEEP=1 (keep the directory),
#              PASAPROD (the server and CLI binary, default BUILD_DIR/src/cli/pasaprod: another build
#              to compare against, on the same seeded office).
set -euo pipefail
build=${1:-build}
bin=${PASAPROD:-$build/src/cli/pasaprod}
seed=$build/bench/api/pasaprod_api_seed
releases=${RELEASES:-100000}
events=${EVENTS:-1000000}
seconds=${DURATION:-10}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
writers=${WRITERS:-4}
for f in "$bin" "$seed"; do
  [[ -x $f ]] || { echo "missing $f: cmake --build $build --target pasaprod pasaprod_api_seed" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }

dir=$(mktemp -d /tmp/pasaprod-api-bench.XXXXXX)
db=$dir/pasaprod.db
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT

echo "== database: $releases releases, $events events ($dir)"
"$bin" --db "$db" init >/dev/null
systems=()
for i in $(seq -w 1 20); do
  "$bin" --db "$db" system add "SYS$i" --name "Sistema $i" --version 1.0 >/dev/null
  systems+=("SYS$i")
done
for w in $(seq 1 "$writers"); do
  "$bin" --db "$db" system add "W$w" --name "Escritura $w" --version 1.0 >/dev/null
done
"$bin" --db "$db" system add UP --name "Subidas" --version 1.0 >/dev/null
"$bin" --db "$db" user add benchlead --name "Líder de prueba" --role project_lead --system W1 >/dev/null
# The seeded requests of SYSnn are opened by leadnn, project lead of SYSnn; three office-wide
# roles read their inboxes over all of them.
leads=()
for i in $(seq -w 1 20); do
  "$bin" --db "$db" user add "lead$i" --name "Líder $i" --role project_lead --system "SYS$i" >/dev/null
  leads+=("lead$i")
done
"$bin" --db "$db" user add qalead --name "Calidad" --role qa_lead >/dev/null
"$bin" --db "$db" user add prodlead --name "Producción" --role production_lead >/dev/null
"$bin" --db "$db" user add infra --name "Infraestructura" --role infra_specialist >/dev/null
"$bin" --db "$db" user grant benchlead project_lead --system UP >/dev/null
for w in $(seq 2 "$writers"); do
  "$bin" --db "$db" user grant benchlead project_lead --system "W$w" >/dev/null
done
"$seed" --db "$db" --systems "$(IFS=,; echo "${systems[*]}")" --requester "$(IFS=,; echo "${leads[*]}")" --releases "$releases" --events "$events"
token=$("$bin" --db "$db" token create benchlead --name bench)
export PASAPROD_BENCH_TOKEN=$token
declare -A tokens
for u in lead07 qalead prodlead infra; do tokens[$u]=$("$bin" --db "$db" token create "$u" --name bench); done

port=$((20000 + RANDOM % 20000))
"$bin" --db "$db" serve --listen "127.0.0.1:$port" --threads "$threads" >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
base=http://127.0.0.1:$port
auth="Authorization: Bearer $token"
one=$(curl -fs -H "$auth" "$base/api/v1/releases?limit=1&system=SYS07" | sed -n 's/.*"number":"\(PP-[0-9]*-[0-9]*\)".*/\1/p' | head -1)
[[ -n $one ]] || { echo "could not list releases; server log:" >&2; cat "$dir/serve.log" >&2; exit 1; }

cat >"$dir/create.lua" <<'LUA'
-- Each wrk thread opens maintenance releases on its own system (W1, W2, ...) with the
-- version the policy expects next (1.1, 1.2, ...), one request at a time. wrk may build a
-- request it does not send, so the next version follows the answers, not the calls.
local count = 0
function setup(thread)
  count = count + 1
  thread:set("system", "W" .. count)
end
local minor = 1
local token = os.getenv("PASAPROD_BENCH_TOKEN")
request = function()
  local body = string.format('{"system":"%s","kind":"maintenance","version":"1.%d","title":"Cambio %d"}', system, minor, minor)
  return wrk.format("POST", "/api/v1/releases",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
response = function(status, headers, body)
  if status == 201 then
    minor = minor + 1
  else
    local expected = body:match('"expected_version":"1%.(%d+)"')
    if expected then minor = tonumber(expected) end
  end
end
LUA

rps=()
cpus=()
tick=$(getconf CLK_TCK)
# The server's CPU time so far (user + system), in clock ticks.
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# run NAME CONNECTIONS WRK_THREADS URL [wrk options...]: prints a row, remembers req/s and the
# server's CPU time per request (steadier than req/s when the machine is shared).
run() {
  local name=$1 c=$2 t=$3 url=$4
  shift 4
  local out before after
  before=$(server_ticks)
  out=$(wrk -t"$t" -c"$c" -d"${seconds}s" --latency "$@" "$url")
  after=$(server_ticks)
  local r p50 p99 bad n cpu
  r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$tick" -v n="$n" 'BEGIN {printf "%.0f", (n > 0 ? 1e6 * t / hz / n : 0)}')
  rps+=("$r")
  cpus+=("$cpu")
  printf '%-46s %9s %9s %9s %7s %9s %10s %9s\n' "$name" "$r" "$p50" "$p99" "${bad:-0}" \
    "$(awk -v a="$r" -v b="${rps[0]}" 'BEGIN {printf "%.1f%%", 100 * a / b}')" "$cpu" \
    "$(awk -v a="$cpu" -v b="${cpus[0]}" 'BEGIN {printf "%.1fx", a / b}')"
}

echo "== wrk, ${seconds}s each, server threads $threads, load average $(cut -d' ' -f1 /proc/loadavg)"
printf '%-46s %9s %9s %9s %7s %9s %10s %9s\n' "request" "req/s" "p50" "p99" "non-2xx" "req/s vs" "CPU µs/req" "CPU vs"
run "GET /healthz (baseline)" "$connections" 2 "$base/healthz"
run "GET /api/v1/releases (newest 50 of $releases)" "$connections" 2 "$base/api/v1/releases" -H "$auth"
run "GET /api/v1/releases?system=SYS07&state=closed" "$connections" 2 "$base/api/v1/releases?system=SYS07&state=closed" -H "$auth"
run "GET /api/v1/releases?text=migración" "$connections" 2 "$base/api/v1/releases?text=migraci%C3%B3n" -H "$auth"
run "GET /api/v1/releases?text=%2312345 (one match)" "$connections" 2 "$base/api/v1/releases?text=%2312345" -H "$auth"
# The inboxes: a project lead of one system who opened its 1/20 of the requests, and three
# office-wide roles. Few connections, long timeout: an inbox may take seconds.
for u in lead07 qalead prodlead infra; do
  run "GET /api/v1/inbox ($u)" 2 1 "$base/api/v1/inbox" -H "Authorization: Bearer ${tokens[$u]}" --timeout 60s
done
run "GET /api/v1/releases/$one" "$connections" 2 "$base/api/v1/releases/$one" -H "$auth"
run "GET /api/v1/releases/$one/events" "$connections" 2 "$base/api/v1/releases/$one/events" -H "$auth"
run "POST /api/v1/releases ($writers writers)" "$writers" "$writers" "$base/api/v1/releases" -s "$dir/create.lua"
# The ceiling for writes: raw SQLite durable commits (WAL, synchronous=FULL, one INSERT per
# transaction) on the same file system, in the same run.
raw=$dir/raw.db
sqlite3 "$raw" "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);" >/dev/null
commits=2000
start=$(date +%s.%N)
{ echo "PRAGMA synchronous=FULL;"; for _ in $(seq 1 $commits); do echo "INSERT INTO t(v) VALUES ('a small row of about forty bytes of text');"; done; } | sqlite3 "$raw"
raw_rate=$(awk -v n=$commits -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", n / (e - s)}')
echo "raw SQLite durable commits/s on this file system: $raw_rate;" \
  "POST /api/v1/releases reached $(awk -v a="${rps[-1]}" -v b="$raw_rate" 'BEGIN {printf "%.1f%%", 100 * a / b}') of it"
echo "== server peak memory after the reads and writes: $(grep -E 'VmHWM' /proc/$server/status | tr -s ' ')"

upload_mib=${UPLOAD_MIB:-1024}
if ((upload_mib > 0)); then
  # A deliverable streamed to the library through the API (PUT, SHA-256 on the fly, fsync),
  # beside `sha256sum FILE; cp FILE DEST; sync` of the same file in the same run.
  file=$dir/build-output.bin
  head -c $((upload_mib << 20)) /dev/urandom >"$file"
  number=$(curl -fs -H "$auth" -H 'Content-Type: application/json' \
    -d '{"system":"UP","kind":"maintenance","version":"1.1","title":"Subida de prueba"}' \
    "$base/api/v1/releases" | sed -n 's/.*"number":"\(PP-[0-9]*-[0-9]*\)".*/\1/p' | head -1)
  sync
  t0=$(date +%s.%N)
  sha256sum "$file" >/dev/null && cp "$file" "$dir/copy.bin" && sync
  t1=$(date +%s.%N)
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" -T "$file" \
    "$base/api/v1/releases/$number/deliverables/executables/build-output.bin")
  t2=$(date +%s.%N)
  awk -v mib="$upload_mib" -v a="$t0" -v b="$t1" -v c="$t2" -v st="$status" 'BEGIN {
    base = mib / (b - a); up = mib / (c - b);
    printf "upload of %d MiB: HTTP %s; API %.0f MiB/s, sha256sum+cp+sync %.0f MiB/s: %.0f%%\n", mib, st, up, base, 100 * up / base }'
  echo "== server peak memory after the upload: $(grep -E 'VmHWM' /proc/$server/status | tr -s ' ')"
fi
# The walks of the whole office, as a command run beside the server: CPU seconds of the process.
# (The seeded events do not replay to the seeded states: audit verify reports that; the cost
# of the walk is what is measured.)
for what in "audit verify" "library verify"; do
  /usr/bin/time -f "%U %S %e" -o "$dir/time" "$bin" --db "$db" --json $what >"$dir/verify.json" || true
  head -c 200 "$dir/verify.json"; echo
  tail -1 "$dir/time" | awk -v w="$what" '{printf "%s: CPU %.2f s (user %.2f + system %.2f), wall %.2f s\n", w, $1 + $2, $1, $2, $3}'
done
