package integration_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
)

// TestSyncFSRestartOnPostgres runs two engines in turn on one PostgreSQL
// schema, as serve does across a restart: the second SyncFS reports the
// unchanged plan as neither added nor updated, and the changed one as
// updated.
func TestSyncFSRestartOnPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, _ := postgresStore(t)
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte(`[{get: {url: "http://127.0.0.1:1/a"}}]`)},
		"b.yaml": {Data: []byte(`{name: b, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1/b"}}]}`)},
	}
	first, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	res, err := first.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"a", "b"}, res.Added)
	require.NoError(t, first.Stop(ctx))

	same, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	res, err = same.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, &smokex.SyncResult{}, res, "nothing changed")
	require.True(t, same.PlanSynced("a"))
	require.True(t, same.PlanSynced("b"))
	require.NoError(t, same.Stop(ctx))

	fsys["a.yaml"] = &fstest.MapFile{Data: []byte(`[{get: {url: "http://127.0.0.1:1/a2"}}]`)}
	again, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	res, err = again.SyncFS(ctx, fsys)
	require.NoError(t, err)
	require.Equal(t, &smokex.SyncResult{Updated: []string{"a"}}, res)
	require.True(t, again.PlanSynced("b"))
	require.NoError(t, again.Stop(ctx))
}
