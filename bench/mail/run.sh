#!/usr/bin/env bash
# The mail benchmark (bench/README.md, "Mail"): 10,000 queued mails drained by the real
# `pasaprod serve --smtp-url …` into a local SMTP server (Debian's aiosmtpd, Maildir), and the
# server's request latency (paced GETs of a request, bench/mail/latency.py) measured before the
# drain and while it drains, in the same run, as a ratio; and once more after the drain, which
# says how much the machine itself moved meanwhile.
#
# Usage: bench/mail/run.sh [BUILD_DIR]     (default: build; needs pasaprod, sqlite3, python3-aiosmtpd)
# Environment: MAILS (10000), QUIET_SECONDS (the windows before and after the drain, 15 s),
#              DRAIN_SECONDS (the window while it drains, 30 s), RATE (GETs a second, 40),
#              THREADS (server threads, 2), SINK_NICE (the SMTP sink's nice value, 10: it stands
#              for a mail server on another machine, so it must not take the CPU from the server
#              under test; 0 runs it as any process), BENCH_TMPDIR (where the office lives, /tmp: a real
#              disk, where every commit is an fsync), KEEP=1 (keep the directory).
set -euo pipefail
build=${1:-build}
bin=$build/src/cli/pasaprod
here=$(cd "$(dirname "$0")" && pwd)
mails=${MAILS:-10000}
quiet=${QUIET_SECONDS:-15}
draining=${DRAIN_SECONDS:-30}
rate=${RATE:-40}
threads=${THREADS:-2}
[[ -x $bin ]] || { echo "missing $bin: cmake --build $build --target pasaprod" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: apt-get install sqlite3" >&2; exit 2; }
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "aiosmtpd is missing: apt-get install python3-aiosmtpd" >&2; exit 2; }

dir=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/pasaprod-mail-bench.XXXXXX")
db=$dir/pasaprod.db
server= smtpd=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && { wait "$server" 2>/dev/null || true; }
  [[ -n $smtpd ]] && kill "$smtpd" 2>/dev/null && { wait "$smtpd" 2>/dev/null || true; }
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$dir"
}
trap cleanup EXIT
sql() { sqlite3 -cmd ".timeout 5000" "$@"; }
queued() { sql "$db" "SELECT count(*) FROM outbox WHERE state = 'queued'"; }
now() { date +%s.%N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of a process
free_port() { echo $((20000 + RANDOM % 20000)); }

# The demo office: a release walked to closed, with the mail its steps queued (the templates of
# the mails queued below: real events, people and steps, rendered by the sender as any mail).
"$bin" --db "$db" demo >/dev/null
sqlite3 "$db" "ATTACH '$dir/templates.db' AS t; CREATE TABLE t.mail AS SELECT * FROM outbox;"
templates=$(sqlite3 "$dir/templates.db" "SELECT count(*) FROM mail")
number=$(sqlite3 "$db" "SELECT number FROM releases ORDER BY number LIMIT 1")
user=$(sqlite3 "$db" "SELECT username FROM users WHERE active = 1 ORDER BY username LIMIT 1")
export PASAPROD_BENCH_TOKEN=$("$bin" --db "$db" token create "$user" --name bench)

smtp_port=$(free_port)
nice -n "${SINK_NICE:-10}" /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$dir/Maildir" >"$dir/smtpd.log" 2>&1 &
smtpd=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break
  sleep 0.1
done
port=$(free_port)
"$bin" --db "$db" serve --listen "127.0.0.1:$port" --threads "$threads" --smtp-url "smtp://127.0.0.1:$smtp_port" \
  --smtp-starttls off --mail-from pasaprod@example.pe --public-url "http://127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
path=/api/v1/releases/$number
curl -fs -H "Authorization: Bearer $PASAPROD_BENCH_TOKEN" "http://127.0.0.1:$port$path" >/dev/null \
  || { echo "GET $path failed; server log:" >&2; cat "$dir/serve.log" >&2; exit 1; }
# The demo's own mails go first; the outbox is then empty.
for _ in $(seq 1 300); do [[ $(queued) == 0 ]] && break; sleep 0.1; done
[[ $(queued) == 0 ]] || { echo "the demo's mails were not sent; server log:" >&2; tail "$dir/serve.log" >&2; exit 1; }
echo "== $mails mails from $templates templates; GET $path at $rate/s (${quiet}s before, ${draining}s while draining," \
  "${quiet}s after); server threads $threads"

before=$(/usr/bin/python3 "$here/latency.py" "$port" "$path" "$quiet" "$rate")
echo "before the drain: $before"

# Queue the mails (a copy of the templates, round and round, each a new outbox row).
server_cpu0=$(cpu_ticks "$server") smtpd_cpu0=$(cpu_ticks "$smtpd")
t0=$(now)
sql "$db" "ATTACH '$dir/templates.db' AS t;
  INSERT INTO outbox(username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, at, state,
                     attempts, next_attempt_at, claimed_until, last_error, sent_at, calendar)
  SELECT username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, at, 'queued', 0, 0, 0, '', 0, calendar
  FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $mails) SELECT i FROM n) AS copies
  JOIN t.mail ON t.mail.rowid = (copies.i - 1) % $templates + 1;"
/usr/bin/python3 "$here/latency.py" "$port" "$path" "$draining" "$rate" >"$dir/during.json" &
client=$!
left_at_end=
while :; do
  left=$(queued)
  [[ $left == 0 ]] && break
  if [[ -z $left_at_end ]] && ! kill -0 "$client" 2>/dev/null; then left_at_end=$left; fi
  sleep 0.2
done
t1=$(now)
server_cpu1=$(cpu_ticks "$server") smtpd_cpu1=$(cpu_ticks "$smtpd")
wait "$client"
during=$(cat "$dir/during.json")
echo "while draining:   $during"
if [[ -n $left_at_end ]]; then
  echo "(the drain outlasted the latency window: $left_at_end mails were still queued when it ended)"
else
  echo "(note: the drain ended before the latency window did: part of that window had no drain)"
fi
after=$(/usr/bin/python3 "$here/latency.py" "$port" "$path" "$quiet" "$rate")
echo "after the drain:  $after"
sent=$(sql "$db" "SELECT count(*) FROM outbox WHERE state = 'sent'")
failed=$(sql "$db" "SELECT count(*) FROM outbox WHERE state = 'failed'")
received=$( (find "$dir/Maildir/new" "$dir/Maildir/cur" -type f 2>/dev/null || true) | wc -l)
/usr/bin/python3 - "$before" "$during" "$after" "$t0" "$t1" "$mails" "$sent" "$failed" "$received" \
  $((server_cpu1 - server_cpu0)) $((smtpd_cpu1 - smtpd_cpu0)) "$(getconf CLK_TCK)" <<'PY'
import json, sys
before, during, after = (json.loads(a) for a in sys.argv[1:4])
t0, t1 = float(sys.argv[4]), float(sys.argv[5])
mails, sent, failed, received, server_ticks, smtpd_ticks, hz = map(int, sys.argv[6:13])
print(f"drained {mails} mails in {t1 - t0:.1f} s: {mails / (t1 - t0):.0f} mails/s "
      f"(outbox sent {sent}, failed {failed}; the SMTP server received {received})")
print(f"CPU per mail: server {server_ticks / hz / mails * 1000:.2f} ms (the drain and the GETs), "
      f"SMTP sink {smtpd_ticks / hz / mails * 1000:.2f} ms")
for key in ("p50_ms", "p99_ms"):
    ratio = during[key] / before[key]
    print(f"{key[:3]}: {before[key]:.2f} ms before, {during[key]:.2f} ms while draining: {ratio:.2f}x "
          f"({'within' if ratio <= 1.10 else 'beyond'} the 10% target); after: {after[key]:.2f} ms "
          f"({after[key] / before[key]:.2f}x before, with no drain)")
PY
