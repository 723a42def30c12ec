package integration_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/gitsync/gitsynctest"
	"github.com/smokex/smokex/record"
)

// TestSyncStateOnPostgres runs replicas on one PostgreSQL schema: the sync
// one applies is what every other one reads, and a replica started after
// a commit removed a plan (no engine had it loaded as synced) removes it
// at its first sync, since the store keeps the plans the source holds.
func TestSyncStateOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, _ := postgresStore(t)
	r := gitsynctest.New(t)
	first := r.Commit(map[string]string{
		".smokex/health.yaml": gitsynctest.Plan("http://127.0.0.1:1/health"),
		".smokex/orders.yaml": gitsynctest.Plan("http://127.0.0.1:1/orders"),
	})
	src, err := gitsync.New(r.FileURL(), gitsync.Config{})
	require.NoError(t, err)
	newEngine := func() *smokex.Engine {
		eng, err := smokex.New(smokex.Config{Store: store})
		require.NoError(t, err)
		return eng
	}

	a, b := newEngine(), newEngine()
	res, err := a.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"health", "orders"}, res.Added)
	stA, err := a.SyncState(ctx)
	require.NoError(t, err)
	stB, err := b.SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, stA, stB, "every replica reads the same state")
	require.Equal(t, first, stB.Commit)
	require.ElementsMatch(t, []string{"health", "orders"}, stB.Added)

	// The second replica syncs the same commit: nothing to apply, and the
	// state still tells what the first applied.
	res, err = b.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.Empty(t, res.Added)
	stB, err = b.SyncState(ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"health", "orders"}, stB.Added)
	require.NoError(t, a.Stop(ctx))
	require.NoError(t, b.Stop(ctx))

	// While no replica runs, a commit removes orders and breaks health.
	second := r.Commit(map[string]string{
		".smokex/orders.yaml": "",
		".smokex/health.yaml": "steps:\n  - get: {url: http://127.0.0.1:1/health, expect: {stauts: 200}}\n",
	})
	c := newEngine()
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	require.True(t, c.PlanSynced("orders"), "a stored plan of the source is a synced one after a restart")
	res, err = c.Sync(ctx, src, nil)
	require.ErrorContains(t, err, ".smokex/health.yaml:2:")
	require.Equal(t, []string{"orders"}, res.Removed)
	_, err = store.GetPlan(ctx, "orders")
	require.Error(t, err, "orders is gone from the store")
	st, err := newEngine().SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, second, st.Commit)
	require.Equal(t, []string{"orders"}, st.Removed)
	require.Len(t, st.Errors, 1)
	require.Equal(t, ".smokex/health.yaml", st.Errors[0].File)
	require.Equal(t, 2, st.Errors[0].Line)
	require.Equal(t, map[string]string{"health": ".smokex/health.yaml"}, st.Plans, "the broken file's plan is still the source's")
}

// TestSchemaRefAcrossReplicasOnPostgres: a synced plan whose json_schema
// refers to a file of the repository runs on a replica that only has the
// store; a commit that changes only the file updates the plan.
func TestSchemaRefAcrossReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, _ := postgresStore(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": 7}`)
	}))
	t.Cleanup(target.Close)
	schema := func(idType string) string {
		return "components:\n  schemas:\n    Item: {type: object, required: [id], properties: {id: {type: " + idType + "}}}\n"
	}
	r := gitsynctest.New(t)
	r.Commit(map[string]string{
		".smokex/api/openapi.yaml": schema("integer"),
		".smokex/checks/item.yaml": "name: item\nsteps:\n  - get:\n      url: " + target.URL + "/items/7\n      expect:\n        json_schema: {$ref: \"../api/openapi.yaml#/components/schemas/Item\"}\n",
	})
	src, err := gitsync.New(r.BareURL(), gitsync.Config{})
	require.NoError(t, err)
	syncer, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	t.Cleanup(func() { _ = syncer.Stop(context.Background()) })
	res, err := syncer.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"item"}, res.Added)

	run := func() *record.Execution {
		t.Helper()
		replica, err := smokex.New(smokex.Config{Store: store})
		require.NoError(t, err)
		require.NoError(t, replica.Start(ctx))
		defer func() { require.NoError(t, replica.Stop(context.Background())) }()
		x, err := replica.Run(ctx, "item", nil)
		require.NoError(t, err)
		return x
	}
	require.Equal(t, record.StatusPassed, run().Status, "the replica without the repository checks the schema")

	r.Commit(map[string]string{".smokex/api/openapi.yaml": schema("string")})
	res, err = syncer.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"item"}, res.Updated, "a change of the schema file alone updates the plan")
	x := run()
	require.Equal(t, record.StatusFailed, x.Status)
	require.Equal(t, record.FailureJSONSchema, x.Steps[0].Failures[0].Type)
}
