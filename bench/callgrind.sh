#!/usr/bin/env bash
# Counts the instructions a Go benchmark executes per operation, with
# valgrind's callgrind: a figure that, unlike time, does not move with the
# load of the machine.
#
#   bench/callgrind.sh ./exec BenchmarkStepInProcess 100
#   TEST_BIN=/tmp/exec-before.test bench/callgrind.sh ./exec BenchmarkStepInProcess 100
#   N=10 bench/callgrind.sh ./bench/internal/workload BenchmarkParse1000/plan
#
# Arguments: the package, the benchmark (its whole name), and how many units
# one operation is (100 steps for BenchmarkStepInProcess; 1 for "per op").
# It runs the benchmark at N (100 unless set) and at 3N iterations under
# callgrind and prints the difference over 2N operations, divided by the
# units, so that start-up, the benchmark's set-up and its warm-up iteration
# cancel out. Callgrind runs a program about 50 times slower: a benchmark
# whose operation takes milliseconds wants N=10.
# TEST_BIN names a test binary built beforehand (go test -c), for a before
# and after. CPUS is -test.cpu, 1 unless set: a benchmark that hands work to
# a goroutine that must keep up with it (the batch span processor of the
# traced benchmarks) wants CPUS=2, or with one P that goroutine runs only
# when the benchmark's is preempted and work is lost (the traced benchmarks
# report it as dropped/op). Go's asynchronous preemption is turned off: its signals crash
# callgrind; so is RDTSCP, which callgrind cannot decode and the runtime
# uses when one of its locks is contended (SIGILL in runtime.cputicks).
set -euo pipefail

pkg=${1:?package}
bench=${2:?benchmark}
units=${3:-1}
n=${N:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "callgrind.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }

bin=${TEST_BIN:-}
if [[ -z $bin ]]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	bin=$work/bench.test
	(cd "$root" && go test -c -o "$bin" "$pkg")
fi

# instructions N: the instructions of a run of N iterations.
instructions() {
	(cd "$root/$pkg" && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bin" -test.run '^$' -test.bench "^$bench\$" -test.benchtime "${1}x" -test.cpu "${CPUS:-1}" 2>&1) |
		awk '/Collected/ {print $4}'
}
a=$(instructions "$n")
b=$(instructions $((3 * n)))
echo "$bench: $(((b - a) / (2 * n * units))) instructions per unit ($units an operation)"
