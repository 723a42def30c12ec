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
pids=()
schema="bench_admin_$$"

cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n ${DATABASE_URL:-} ]] && command -v psql >/dev/null; then
		psql -q "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building into $work" >&2
(
	cd "$root"
	go build -o "$work/smokex" ./cmd/smokex
	go build -o "$work/target" ./bench/target
	go build -o "$work/adminload" ./bench/adminload
)

"$work/target" -addr 127.0.0.1:0 -addr-file "$work/addr" &
pids+=($!)
for _ in $(seq 100); do
	[[ -s $work/addr ]] && break
	sleep 0.05
done
base="http://$(cat "$work/addr")"

mkdir "$work/plans"
for i in $(seq -w 1 "$plans"); do
	cat >"$work/plans/p$i.yaml" <<PLAN
name: p$i
schedule: "@every 1s"
steps:
  - get:
      name: echo
      url: "\${base}/echo?token=t$i"
      expect:
        status_code: 200
        headers: {X-Echo: "yes"}
        json: {token: t$i}
PLAN
done

store=memory
args=(serve --addr 127.0.0.1:0 --var "base=$base" --concurrency 32)
if [[ -n ${DATABASE_URL:-} ]]; then
	store=postgres
	args+=(--database-url "$DATABASE_URL" --schema "$schema")
fi
"$work/smokex" "${args[@]}" "$work/plans" 2>"$work/serve.log" &
serve_pid=$!
pids+=("$serve_pid")
url=
for _ in $(seq 200); do
	url=$(sed -n 's/^smokex serve: dashboard at //p' "$work/serve.log")
	[[ -n $url ]] && break
	sleep 0.05
done
[[ -n $url ]] || { echo "admin.sh: serve did not start:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
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
