#!/usr/bin/env bash
# Loads the admin endpoint of smokex serve while it runs 100 plans every
# second, and prints the latency of /status and /api/plans and whether 100
# event stream clients received every event.
#
#   bench/admin.sh                       # memory store
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable bench/admin.sh
#   CONNS=200 SSE=100 FOR=20s PLANS=100 bench/admin.sh
#   RATE=10 bench/admin.sh               # each connection sends 10 requests/s instead of flat out
#
# smokex serve, the target the plans check (bench/target) and the load
# (bench/adminload) are three processes on this machine, so they share its
# cores: the numbers include that contention. With DATABASE_URL, serve keeps
# results in PostgreSQL, in a schema of its own that is dropped at the end.
# Target: /status p99 under 20 ms, no errors, no missed event.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
plans=${PLANS:-100}
conns=${CONNS:-200}
sse=${SSE:-100}
dur=${FOR:-20s}
rate=${RATE:-0}
work=$(mktemp -d)
schema="bench_admin_$$"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

build target adminload

start_target

write_plans "$work/plans" "$plans" 1s

store=memory
args=(--addr 127.0.0.1:0 --log-level debug --var "base=$base" --concurrency 32)
if [[ -n ${DATABASE_URL:-} ]]; then
	store=postgres
	args+=(--database-url "$DATABASE_URL" --schema "$schema")
fi
start_serve "$work/serve.log" "${args[@]}" "$work/plans"
echo "serve ($store store, $plans plans every second) at $url; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
sleep 3 # the first ticks

status=0
timed=()
[[ -x /usr/bin/time ]] && timed=(/usr/bin/time -f 'adminload: %es wall, %Us user + %Ss system CPU')
"${timed[@]}" "$work/adminload" -url "$url" -conns "$conns" -sse "$sse" -for "$dur" -rate "$rate" || status=$?
finished=$(grep -c 'msg="execution finished"' "$work/serve.log" || true)
failed=$(grep 'msg="execution finished"' "$work/serve.log" | grep -vc 'status=passed' || true)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$serve_pid/status")
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$serve_pid/stat")
lost=$(grep -c 'events were lost' "$work/serve.log" || true)
[[ $lost == 0 ]] || { echo "serve: the admin handler lost events:"; grep 'events were lost' "$work/serve.log" | head -3; status=1; }
echo "serve: $finished executions finished ($failed not passed), ${cpu}s CPU, peak RSS $((rss / 1024)) MiB; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
