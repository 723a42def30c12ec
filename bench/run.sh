#!/usr/bin/env bash
# Compares smokex with a plain Go net/http program doing the same requests
# and checks, on loopback, and prints a table of wall time and peak RSS.
#
#   bench/run.sh              # 7 timed runs of each command, in turns, after a warm-up
#   RUNS=15 bench/run.sh      # more runs
#   STRICT=1 bench/run.sh     # exit 1 when smokex misses a target
#   SMOKEX=/tmp/smokex.before bench/run.sh   # another build of smokex, for a before and after
#
# Cases:
#   seq-1000  smokex run -q bench-1000.yaml        vs plain -plans 1 -pairs 500
#             target: smokex wall time <= 1.10x plain, peak RSS < 20 MiB
#   conc-50   smokex run -q --jobs 50 plans50/     vs plain -plans 50 -pairs 10
#             target: smokex wall time <= 1.30x plain
#   start     smokex run -q bench-2.yaml           vs plain -plans 1 -pairs 1
#             (one login and one echo: the start-up, nearly alone)
#             target: smokex wall time at most 10 ms more than plain's
#
# smokex and plain run in turns, so that both see the same load on the
# machine. Wall time is the median of the runs, CPU time (user + system, less
# sensitive to other load on the machine) the median too, and peak RSS the
# largest maximum resident set size that GNU time reports over the runs. The
# target runs as its own process on the same machine. Needs Go and GNU time
# (Debian package `time`, installed here when missing and root).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-7}
work=$(mktemp -d)
target_pid=

cleanup() {
	if [[ -n $target_pid ]]; then
		kill "$target_pid" 2>/dev/null || true
		wait "$target_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ ! -x /usr/bin/time ]]; then
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		apt-get install -y -qq time >/dev/null
	else
		echo "run.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
		exit 2
	fi
fi

echo "building into $work" >&2
(
	cd "$root"
	if [[ -n ${SMOKEX:-} ]]; then
		cp "$SMOKEX" "$work/smokex"
	else
		go build -o "$work/smokex" ./cmd/smokex
	fi
	go build -o "$work/target" ./bench/target
	go build -o "$work/plain" ./bench/plain
	go run ./bench/gen -out "$work" -steps 1000 -plans 50 -plan-steps 20
	go run ./bench/gen -out "$work" -steps 2 -plans 1 -plan-steps 2
)

"$work/target" -addr 127.0.0.1:0 -addr-file "$work/addr" &
target_pid=$!
for _ in $(seq 100); do
	[[ -s $work/addr ]] && break
	sleep 0.05
done
[[ -s $work/addr ]] || { echo "run.sh: the target did not start" >&2; exit 1; }
base="http://$(cat "$work/addr")"
echo "target on $base" >&2

# median: the median of the numbers on stdin, one a line.
median() {
	sort -n | awk '{a[NR]=$1} END {printf "%.1f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# check NAME CMD...: runs CMD once, as a warm-up; it must pass.
check() {
	local name=$1
	shift
	if ! "$@" >"$work/out" 2>&1; then
		echo "run.sh: $name failed:" >&2
		tail -n 20 "$work/out" >&2
		exit 1
	fi
}

# sample NAME CMD...: runs CMD once and appends its wall time (µs), CPU time
# (user + system, µs) and peak RSS (KiB) to $work/NAME.{wall,cpu,rss}. GNU
# time gives the peak RSS but CPU time only in 10 ms steps, so the CPU time
# is bash's (1 ms steps), less what GNU time itself takes ($time_cpu).
sample() {
	local name=$1 start end u s
	shift
	start=$(date +%s%N)
	{ time /usr/bin/time -f '%M' -o "$work/time" "$@" >/dev/null 2>&1; } 2>"$work/cpu"
	end=$(date +%s%N)
	echo $(((end - start) / 1000)) >>"$work/$name.wall"
	tail -n 1 "$work/time" >>"$work/$name.rss"
	read -r u s <"$work/cpu"
	awk -v u="$u" -v s="$s" -v t="$time_cpu" 'BEGIN {print (u + s) * 1000000 - t}' >>"$work/$name.cpu"
}

# The CPU time (µs) of GNU time running nothing, the median of 9 runs.
TIMEFORMAT='%3U %3S'
time_cpu=$(for _ in $(seq 9); do
	{ time /usr/bin/time -f '%M' -o "$work/time" true; } 2>&1 | awk '{print ($1 + $2) * 1000000}'
done | sort -n | awk '{a[NR]=$1} END {print a[5]}')

# summarize NAME: sets ms (median wall time) and cpu (median CPU time), in
# milliseconds, and rss (peak, KiB) from NAME's samples.
summarize() {
	ms=$(median <"$work/$1.wall" | awk '{printf "%.1f", $1 / 1000}')
	cpu=$(median <"$work/$1.cpu" | awk '{printf "%.0f", $1 / 1000}')
	rss=$(sort -n "$work/$1.rss" | tail -n 1)
	echo "  $1: ${ms} ms wall, ${cpu} ms CPU, ${rss} KiB" >&2
}

# compare CASE MAX_RATIO MAX_RSS_MIB: runs the arrays smokex_cmd and
# plain_cmd in turns, $runs times each after a warm-up, so that both see the
# same load on the machine, and adds the row of the table.
compare() {
	check "$1 smokex" "${smokex_cmd[@]}"
	check "$1 plain" "${plain_cmd[@]}"
	for _ in $(seq "$runs"); do
		sample "$1-smokex" "${smokex_cmd[@]}"
		sample "$1-plain" "${plain_cmd[@]}"
	done
	summarize "$1-smokex"
	local s_ms=$ms s_cpu=$cpu s_rss=$rss
	summarize "$1-plain"
	row "$1" "$s_ms" "$s_cpu" "$s_rss" "$ms" "$cpu" "$rss" "$2" "$3"
}

missed=0
rows=()

# row CASE SMOKEX_MS SMOKEX_CPU SMOKEX_RSS PLAIN_MS PLAIN_CPU PLAIN_RSS MAX_RATIO MAX_RSS_MIB
# A MAX_RATIO of +N is a bound on the difference: at most N ms more.
row() {
	local verdict target
	verdict=$(awk -v s="$2" -v p="$5" -v max="$8" -v rss="$4" -v maxrss="$9" 'BEGIN {
		if (substr(max, 1, 1) == "+") ok = s - p <= substr(max, 2) + 0
		else ok = s / p <= max
		ok = ok && (maxrss == "-" || rss / 1024 < maxrss)
		print ok ? "ok" : "MISSED"
	}')
	[[ $verdict == MISSED ]] && missed=1
	target="<=${8}x"
	[[ $8 == +* ]] && target="<=${8} ms"
	[[ $9 != - ]] && target+=", <${9} MiB"
	rows+=("$(awk -v c="$1" -v sm="$2" -v sc="$3" -v sr="$4" -v pm="$5" -v pc="$6" -v pr="$7" -v t="$target" -v v="$verdict" 'BEGIN {
		printf "%-9s %9.1f %9.1f %6.2fx %8.0f %8.0f %6.2fx %7.1f %7.1f  %-16s %s", c, sm, pm, sm / pm, sc, pc, (pc > 0 ? sc / pc : 0), sr / 1024, pr / 1024, t, v
	}')")
}

echo "seq-1000: one plan of 1000 steps" >&2
smokex_cmd=("$work/smokex" run -q --var "base=$base" "$work/bench-1000.yaml")
plain_cmd=("$work/plain" -base "$base" -plans 1 -pairs 500)
compare seq-1000 1.10 20

echo "conc-50: 50 plans of 20 steps at once" >&2
smokex_cmd=("$work/smokex" run -q --jobs 50 --var "base=$base" "$work/plans50")
plain_cmd=("$work/plain" -base "$base" -plans 50 -pairs 10)
compare conc-50 1.30 -

echo "start: one plan of 2 steps, the start-up nearly alone" >&2
smokex_cmd=("$work/smokex" run -q --var "base=$base" "$work/bench-2.yaml")
plain_cmd=("$work/plain" -base "$base" -plans 1 -pairs 1)
compare start +10 -

echo
echo "$(go version | awk '{print $3, $4}'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), median of $runs runs"
printf '%-9s %9s %9s %7s %8s %8s %7s %7s %7s  %-16s %s\n' case "smokex" "plain" "wall" "smokex" "plain" "CPU" "smokex" "plain" "target" "verdict"
printf '%-9s %9s %9s %7s %8s %8s %7s %7s %7s  %-16s %s\n' "" "wall ms" "wall ms" "ratio" "CPU ms" "CPU ms" "ratio" "MiB" "MiB" "" ""
printf '%s\n' "${rows[@]}"

if [[ ${STRICT:-0} == 1 && $missed == 1 ]]; then
	exit 1
fi
