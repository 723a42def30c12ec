package integration_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
	"github.com/stretchr/testify/require"
)

// postgresStore is a migrated PostgreSQL store in a schema of the test's
// own, with its pool and schema.
func postgresStore(t *testing.T) (*postgres.Store, *pgxpool.Pool, string) {
	t.Helper()
	pool := postgrestest.Pool(t, 8)
	schema := postgrestest.Schema(t, pool)
	store, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(context.Background()))
	return store, pool, schema
}

// TestOnPostgres runs the API over the PostgreSQL store: plans, summaries,
// executions with their steps, paging and /status.
func TestOnPostgres(t *testing.T) {
	t.Parallel()
	store, _, _ := postgresStore(t)
	f := admintest.New(t, &admin.Config{AllowEdit: true, AllowRun: true}, "/", store)
	f.Sync(t)
	first := f.Run(t, "up")
	f.Run(t, "up")
	failed := f.Run(t, "down")
	require.Eventually(t, func() bool {
		plans := f.PlansByID(t)
		return plans["up"]["summary"].(map[string]any)["executions"] == 2.0 && plans["down"]["status"] == "failed"
	}, 10*time.Second, 50*time.Millisecond)
	f.GetJSON(t, "status", 503)

	out := f.GetJSON(t, "api/executions?plan=up&limit=1", 200)
	require.Len(t, out["executions"], 1)
	out = f.GetJSON(t, "api/executions?plan=up&limit=1&cursor="+out["next_cursor"].(string), 200)
	require.Equal(t, first.ID, out["executions"].([]any)[0].(map[string]any)["id"])
	x := f.GetJSON(t, "api/executions/"+failed.ID, 200)
	require.Equal(t, "500", x["steps"].([]any)[0].(map[string]any)["failures"].([]any)[0].(map[string]any)["received"])

	code, _, body := f.Do(t, "PUT", "api/plans/stored", "name: stored\nsteps:\n  - get: {url: \"${base}/ok\"}\n")
	require.Equal(t, 201, code, string(body))
	sp, err := store.GetPlan(context.Background(), "stored")
	require.NoError(t, err)
	require.Contains(t, string(sp.Source), "name: stored")
	code, _, body = f.Do(t, "GET", "plans/stored", "")
	require.Equal(t, 200, code, string(body))
}
