#!/usr/bin/env bash
# Memory of smokex serve running a debug: true plan against 10 MB bodies:
# a plan "@every 1s" of three steps, each receiving a 10 MB response, with
# one client following /events (so that events are encoded and kept for
# replay), for FOR seconds. Prints serve's RSS every 5 s and its peak.
# Every body is kept in the results up to exec.DebugBodySize (64 KiB), the
# memory store and the event buffer are bounded in bytes: RSS levels off.
#
#   bench/debugmem.sh               # FOR=60
#   SMOKEX=/tmp/smokex-old FOR=20 bench/debugmem.sh   # another build of smokex
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dur=${FOR:-60}
work=$(mktemp -d)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

build monitorload
port=$((20000 + RANDOM % 20000))
"$work/monitorload" -big "127.0.0.1:$port" &
pids+=($!)
mkdir "$work/plans"
cat >"$work/plans/big.yaml" <<'PLAN'
name: big
schedule: "@every 1s"
options: {debug: true, timeout: 20s}
steps:
  - get: {url: "${base}/big", expect: {status_code: 200}}
  - get: {url: "${base}/big", expect: {status_code: 200}}
  - get: {url: "${base}/big", expect: {status_code: 200}}
PLAN
start_serve "$work/serve.log" --addr 127.0.0.1:0 --var "base=http://127.0.0.1:$port" "$work/plans"
serve=$serve_pid
curl -sN "${url}events" >/dev/null &
pids+=($!)
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); serve RSS every 5 s (MiB):"
start=$(date +%s)
while (($(date +%s) - start < dur)); do
	sleep 5
	printf '%3ds %6.1f\n' $(($(date +%s) - start)) "$(awk '/^VmRSS/ {print $2 / 1024}' "/proc/$serve/status")"
done
runs=$(curl -s "${url}api/executions?plan=big&limit=1000" | grep -o '"status":"passed"' | wc -l)
echo "peak RSS $(awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$serve/status") MiB; $runs executions passed and stored; load average $(cut -d' ' -f1-3 /proc/loadavg)"
