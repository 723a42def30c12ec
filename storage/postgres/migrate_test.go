package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// migrationFiles returns the names of the embedded migrations.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".up.sql") {
			names = append(names, strings.TrimSuffix(e.Name(), ".up.sql"))
		}
	}
	require.NotEmpty(t, names)
	return names
}

// appliedMigrations returns "0001_init"... as recorded in schema's
// schema_migrations, in version order.
func appliedMigrations(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		"SELECT lpad(version::text, 4, '0') || '_' || name FROM "+pgx.Identifier{schema}.Sanitize()+".schema_migrations ORDER BY version")
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return got
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 8)

	schema := postgrestest.Schema(t, pool)
	const replicas = 8
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			// Each replica has its own store, as separate processes would.
			st, err := postgres.New(pool, postgres.Config{Schema: schema})
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			errs[i] = st.Migrate(t.Context())
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	want := migrationFiles(t)
	require.Equal(t, want, appliedMigrations(t, pool, schema), "one row per migration")

	// Once more: nothing to do, nothing changes.
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(t.Context()))
	require.Equal(t, want, appliedMigrations(t, pool, schema))
	plans, err := st.ListPlans(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, plans, "the tables are usable")
}

func TestMigrateKeepsData(t *testing.T) {
	t.Parallel()
	ctx, st := storeWithRun(t, postgres.Config{})
	require.NoError(t, st.Migrate(ctx))
	_, err := st.GetPlan(ctx, "p")
	require.NoError(t, err, "a second Migrate keeps the plan")
	_, err = st.GetExecution(ctx, "e")
	require.NoError(t, err, "a second Migrate keeps the execution")
}

func TestMigrateCanceled(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	schema := postgrestest.Schema(t, pool)
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = st.Migrate(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, postgres.ErrConnLost)

	var exists bool
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists))
	require.False(t, exists, "a canceled Migrate changes nothing")
}

// TestMigrateHaltedRows writes executions the way the first schema stored
// them, with the status halted, and checks that migration 0003 gives each
// its status and stop reason (docs/statuses.md).
func TestMigrateHaltedRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := postgrestest.Pool(t, 2)
	schema := postgrestest.Schema(t, pool)
	init, err := os.ReadFile("migrations/0001_init.up.sql")
	require.NoError(t, err)
	q := pgx.Identifier{schema}.Sanitize()
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, sql := range []string{
			"CREATE SCHEMA " + q,
			"SET LOCAL search_path TO " + q,
			string(init),
			`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
			`INSERT INTO schema_migrations (version, name) VALUES (1, 'init')`,
			`INSERT INTO plans (id, created_at, updated_at) VALUES ('p', now(), now())`,
			`INSERT INTO executions (id, plan_id, status, created_at, error) VALUES
				('halted', 'p', 'halted', now(), NULL),
				('interrupted', 'p', 'halted', now(), '{"kind": "interrupted", "message": "died"}'),
				('interrupted-failed', 'p', 'halted', now(), '{"kind": "interrupted", "message": "died"}'),
				('canceled', 'p', 'canceled', now(), '{"kind": "canceled", "message": "stopped"}'),
				('passed', 'p', 'passed', now(), NULL)`,
			`INSERT INTO step_results (execution_id, index, data) VALUES
				('interrupted', 0, '{"index": 0, "ok": true}'),
				('interrupted-failed', 0, '{"index": 0, "ok": false}')`,
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)

	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(ctx))
	for id, want := range map[string][2]string{
		"halted":             {"failed", "halted_on_error"},
		"interrupted":        {"canceled", "interrupted"},
		"interrupted-failed": {"failed", "interrupted"},
		"canceled":           {"canceled", "canceled"},
		"passed":             {"passed", ""},
	} {
		x, err := st.GetExecution(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, [2]string{string(x.Status), string(x.StopReason)}, id)
	}
}
