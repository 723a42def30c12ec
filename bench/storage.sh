#!/bin/sh
# Runs the benchmarks of the Postgres store (storage/postgres) against the
# database in SMOKEX_TEST_DATABASE_URL: writing step results one at a time
# (from one goroutine, and from 16 and 64 at once, which the store commits
# in groups), listing the latest executions among 100,000,
# and summaries. The list and summary benchmarks log the EXPLAIN ANALYZE plan
# of their queries. Each benchmark works in a schema of its own, dropped
# when it ends.
#
#   SMOKEX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable bench/storage.sh
#
# BENCH selects benchmarks (a go test -bench pattern, default all),
# BENCHTIME and COUNT are passed to go test (defaults 2s and 1); -v keeps
# the logged plans whole. Write rates are in the steps/s column; the rates
# measured are in bench/README.md ("The Postgres store").
set -eu

if [ -z "${SMOKEX_TEST_DATABASE_URL:-}" ]; then
	echo "bench/storage.sh: set SMOKEX_TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable" >&2
	exit 2
fi

cd "$(dirname "$0")/.."
exec go test -v ./storage/postgres/ -run '^$' \
	-bench "${BENCH:-.}" -benchtime "${BENCHTIME:-2s}" -count "${COUNT:-1}" -benchmem
