#!/usr/bin/env bash
# Monitor mode: what a check costs in smokex serve against a plain Go loop
# doing the same checks on the same schedule.
#
#   bench/monitor.sh                      # N=200 plans, memory store (and PostgreSQL with DATABASE_URL)
#   PLANS=1000 bench/monitor.sh
#   DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' bench/monitor.sh
#   EVERY=10s WARMUP=20 FOR=60 bench/monitor.sh   # the defaults
#   SMOKEX=/tmp/smokex-old bench/monitor.sh       # measure another build of smokex
#
# It writes PLANS one-step plans "@every EVERY" (GET /echo?token=tN with its
# status, X-Echo header and JSON token checked) and runs, one after the
# other, each on the same loopback target (bench/target):
#   - smokex serve on the memory store, then on PostgreSQL when DATABASE_URL
#     is set (a schema of its own, dropped at the end);
#   - bench/monitorload -plain: PLANS goroutines doing the same checks with
#     net/http on the same interval (the floor).
# Each runs WARMUP seconds, then a window of FOR seconds in which the script
# reads its CPU time (the run time of its threads, /proc/PID/task/*/schedstat)
# and samples its RSS
# every 2 s. The checks done and their lateness (start minus due time) are
# read from serve's API afterwards (the executions scheduled in the window)
# and counted by the loop itself. The database's own CPU is not counted.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
plans=${PLANS:-200}
every=${EVERY:-10s}
warmup=${WARMUP:-20}
window=${FOR:-60}
work=$(mktemp -d)
schema="bench_monitor_$$"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"

build target monitorload

start_target

write_plans "$work/plans" "$plans" "$every"
mkdir "$work/empty"

# cpu PID: its CPU time so far, in seconds: the time its threads ran, in
# nanoseconds (/proc/PID/task/*/schedstat). /proc/PID/stat counts in clock
# ticks, charged to whoever runs at the tick, which overcharges a process
# that wakes on timers for a moment at a time, as these do.
cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ns += $1} END {printf "%.3f", ns / 1e9}'; }
# rss PID: its resident set, KiB.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# hwm PID: its peak resident set, KiB.
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# measure PID: sleeps the warm-up, then measures the window, setting
# from, until (Unix seconds), cpu_s, peak_kib and steady_kib (median of
# the second half of the window's samples).
measure() {
	local pid=$1 c0 samples=()
	sleep "$warmup"
	from=$(date +%s)
	c0=$(cpu "$pid")
	until=$((from + window))
	while (($(date +%s) < until)); do
		samples+=("$(rss "$pid")")
		sleep 2
	done
	cpu_s=$(awk -v a="$c0" -v b="$(cpu "$pid")" 'BEGIN {printf "%.2f", b - a}')
	peak_kib=$(hwm "$pid")
	steady_kib=$(printf '%s\n' "${samples[@]:$((${#samples[@]} / 2))}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}

stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

rows=()
# row SIDE STATS_JSON: adds a line of the table from the measures.
row() {
	rows+=("$(STATS=$2 awk -v side="$1" -v cpu="$cpu_s" -v peak="$peak_kib" -v steady="$steady_kib" -v plans="$plans" -v base="${base_kib:-0}" 'BEGIN {
		s = ENVIRON["STATS"]
		split("due done failed late_p50_ms late_p99_ms late_max_ms", keys, " ")
		for (i in keys) { k = keys[i]; v[k] = 0; if (match(s, "\"" k "\":[-0-9.e+]+")) { v[k] = substr(s, RSTART + length(k) + 3, RLENGTH - length(k) - 3) + 0 } }
		per = v["done"] > 0 ? cpu / v["done"] * 1000 : 0
		perplan = base > 0 ? sprintf("%.1f", (steady - base) / plans) : "-"
		printf "%-16s %6.2f %6d/%-6d %6d %9.3f %8.0f %8.0f %8.0f %8.1f %8.1f %8s", side, cpu, v["done"], v["due"], v["failed"], per, v["late_p50_ms"], v["late_p99_ms"], v["late_max_ms"], peak / 1024, steady / 1024, perplan
	}')")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The base: serve with no plan at all.
start_serve "$work/base.log" --addr 127.0.0.1:0 "$work/empty"
sleep 5
base_kib=$(rss "$serve_pid")
stop "$serve_pid"
echo "serve with no plan: $((base_kib / 1024)) MiB RSS" >&2

serve_run() {
	local name=$1
	shift
	echo "$name: serve with $plans plans @every $every, ${warmup}s warm-up, ${window}s window" >&2
	start_serve "$work/$name.log" --addr 127.0.0.1:0 --var "base=$base" "$@" "$work/plans"
	measure "$serve_pid"
	local stats
	stats=$("$work/monitorload" -serve "$url" -plans "$plans" -every "$every" -from "$from" -until "$until")
	stop "$serve_pid"
	row "$name" "$stats"
}

serve_run "serve memory"
if [[ -n ${DATABASE_URL:-} ]]; then
	serve_run "serve postgres" --database-url "$DATABASE_URL" --schema "$schema"
fi

echo "plain: $plans loops @every $every" >&2
start=$(date +%s)
"$work/monitorload" -plain -base "$base" -plans "$plans" -every "$every" -from $((start + warmup)) -until $((start + warmup + window)) >"$work/plain.json" &
plain_pid=$!
pids+=("$plain_pid")
measure "$plain_pid"
wait "$plain_pid"
row "plain Go loop" "$(cat "$work/plain.json")"

echo
echo "$(go version | awk '{print $3, $4}'), $(nproc) CPUs, load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg); $plans plans @every $every, ${window}s window after ${warmup}s; serve alone with no plan: $((base_kib / 1024)) MiB"
printf '%-16s %6s %13s %6s %9s %8s %8s %8s %8s %8s %8s\n' side "CPU s" "done/due" failed "CPU s/1k" "late p50" "p99 ms" "max ms" "peak MiB" "steady" "KiB/plan"
printf '%s\n' "${rows[@]}"
