package postgres_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// proxiedStore returns a store reached through a proxy that can cut its
// connections, a store on the same schema reached directly to check what
// was committed, and the proxy.
func proxiedStore(t *testing.T) (direct, cut *postgres.Store, directPool *pgxpool.Pool, px *proxy) {
	t.Helper()
	directPool = postgrestest.Pool(t, 4)
	direct = newStore(t, directPool, postgres.Config{})

	cfg, err := pgxpool.ParseConfig(postgrestest.URL(t))
	require.NoError(t, err)
	px = newProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))))
	cfg.ConnConfig.Host = px.addr().IP.String()
	cfg.ConnConfig.Port = uint16(px.addr().Port)
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	cut, err = postgres.New(pool, postgres.Config{Schema: direct.Schema()})
	require.NoError(t, err)
	return direct, cut, directPool, px
}

// bigSteps returns n step results of about 1 KiB each.
func bigSteps(n int) []record.StepResult {
	rs := make([]record.StepResult, n)
	for i := range rs {
		rs[i] = record.StepResult{
			Index: i, Name: fmt.Sprintf("step %d", i), Method: "GET", URL: "https://example.test/",
			Response: &record.Response{StatusCode: 200, Body: strings.Repeat("x", 1024), Size: 1024},
		}
	}
	return rs
}

func countSteps(t *testing.T, pool *pgxpool.Pool, schema, executionID string) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM "+schema+".step_results WHERE execution_id = $1", executionID).Scan(&n))
	return n
}

func TestConnectionCutMidWrite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	direct, st, directPool, px := proxiedStore(t)
	require.NoError(t, direct.SavePlan(ctx, planFor("p")))
	require.NoError(t, direct.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))
	_, err := st.GetPlan(ctx, "p")
	require.NoError(t, err, "through the proxy")

	// A step of about 300 KiB goes to the server: cut after 64 KiB.
	step := bigSteps(1)[0]
	step.Captures = map[string]any{"big": strings.Repeat("x", 300<<10)} // bodies would be cut to 64 KiB
	px.cutAfter(64 << 10)
	err = st.AppendStep(ctx, "e", &step)
	t.Logf("write cut: %v", err)
	require.Equal(t, 1, px.cuts(), "the proxy cut the connection during the write")
	require.ErrorIs(t, err, postgres.ErrConnLost)
	require.ErrorIs(t, err, storage.ErrUnavailable, "the engine may try it again")
	require.ErrorContains(t, err, "connection to the database lost")
	require.NotErrorIs(t, err, storage.ErrConflict)
	require.Zero(t, countSteps(t, directPool, direct.Schema(), "e"), "nothing of the interrupted write")

	// The store works again once the database is reachable: the pool
	// replaced the broken connection.
	require.NoError(t, st.AppendStep(ctx, "e", &step))
	got, err := direct.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Len(t, got.Steps, 1)
}

func TestDatabaseDownAndBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	direct, st, _, px := proxiedStore(t)
	require.NoError(t, direct.SavePlan(ctx, planFor("p")))
	_, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)

	px.setDown(true)
	// The pooled connection was cut: the next call notices, and so does a
	// call that needs a new connection while the database is away.
	for i := range 2 {
		err = st.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning))
		t.Logf("call %d: %v", i+1, err)
		require.ErrorIs(t, err, postgres.ErrConnLost, "call %d", i+1)
		require.NotErrorIs(t, err, storage.ErrNotFound)
	}

	px.setDown(false)
	require.NoError(t, st.CreateExecution(ctx, execFor("e", "p", time.Now(), record.StatusRunning)))
	_, err = direct.GetExecution(ctx, "e")
	require.NoError(t, err)
}

func TestBackendTerminated(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	directPool := postgrestest.Pool(t, 4)
	direct := newStore(t, directPool, postgres.Config{})
	require.NoError(t, direct.SavePlan(ctx, planFor("p")))

	cfg, err := pgxpool.ParseConfig(postgrestest.URL(t))
	require.NoError(t, err)
	app := postgrestest.Schema(t, directPool) // a unique name to find the pool's backend by
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.MaxConns = 1
	// Hand out the pooled connection without checking it first, so that the
	// store meets the terminated backend itself.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st, err := postgres.New(pool, postgres.Config{Schema: direct.Schema()})
	require.NoError(t, err)
	_, err = st.GetPlan(ctx, "p")
	require.NoError(t, err)

	var terminated int
	require.NoError(t, directPool.QueryRow(ctx,
		"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE application_name = $1", app,
	).Scan(&terminated))
	require.Equal(t, 1, terminated)

	e := execFor("e", "p", time.Now(), record.StatusPassed)
	err = st.CreateExecution(ctx, e)
	t.Logf("write on a terminated backend: %v", err)
	require.ErrorIs(t, err, postgres.ErrConnLost)
	require.ErrorIs(t, err, storage.ErrUnavailable)
	_, err = direct.GetExecution(ctx, "e")
	require.ErrorIs(t, err, storage.ErrNotFound)

	require.NoError(t, st.CreateExecution(ctx, e), "a new connection replaces the terminated one")
	_, err = direct.GetExecution(ctx, "e")
	require.NoError(t, err)
}
