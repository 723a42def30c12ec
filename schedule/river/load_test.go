package river_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestLoad measures what the database does for n plans @every 1s on three
// replicas, scheduler and store together, from pg_stat_database: point
// SMOKEX_TEST_DATABASE_URL at a database of its own, so that the counts
// are this test's only, and set SMOKEX_RIVER_LOAD_PLANS (it skips
// otherwise). The README's figures come from
//
//	psql -c 'CREATE DATABASE smokex_load'
//	SMOKEX_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/smokex_load?sslmode=disable \
//	  SMOKEX_RIVER_LOAD_PLANS=250 go test -run TestLoad -v ./schedule/river
func TestLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SMOKEX_RIVER_LOAD_PLANS"))
	if n <= 0 {
		t.Skip("set SMOKEX_RIVER_LOAD_PLANS to measure the database load of that many plans @every 1s")
	}
	c := newCluster(t, 0)
	rs := []*replica{c.replica("replica-0"), c.replica("replica-1"), c.replica("replica-2")}
	plans := c.addPlans(rs[0], n)
	c.waitTicking(plans)
	time.Sleep(2 * time.Second)

	type stats struct{ xacts, inserted, updated, deleted, fetched, returned int64 }
	read := func() stats {
		var s stats
		_, err := c.admin.Exec(t.Context(), "SELECT pg_stat_clear_snapshot()")
		require.NoError(t, err)
		require.NoError(t, c.admin.QueryRow(t.Context(), `SELECT xact_commit + xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned
			FROM pg_stat_database WHERE datname = current_database()`).Scan(&s.xacts, &s.inserted, &s.updated, &s.deleted, &s.fetched, &s.returned))
		return s
	}
	const window = 10 * time.Second
	before, start := read(), time.Now()
	time.Sleep(window)
	after, took := read(), time.Since(start)
	stopAll(t, rs)

	var ran int
	require.NoError(t, c.admin.QueryRow(context.Background(), `SELECT count(*) FROM `+pgx.Identifier{c.schema}.Sanitize()+
		`.executions WHERE created_at >= $1 AND created_at < $2`, start, start.Add(took)).Scan(&ran))
	per := func(d int64) float64 { return float64(d) / took.Seconds() }
	t.Logf("%d plans @every 1s on 3 replicas: %.0f executions/s; per second: %.0f transactions, %.0f rows inserted, %.0f updated, %.0f deleted, %.0f fetched",
		n, float64(ran)/took.Seconds(), per(after.xacts-before.xacts), per(after.inserted-before.inserted), per(after.updated-before.updated),
		per(after.deleted-before.deleted), per(after.fetched-before.fetched))
	ticks := c.ticks(t.Context())
	p50, p99 := lateness(ticks)
	t.Logf("lateness p50 %s, p99 %s", p50, p99)
}
