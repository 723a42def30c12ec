package gitsync_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/gitsync/gitsynctest"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func newEngine(t *testing.T) *smokex.Engine {
	t.Helper()
	eng, err := smokex.New(smokex.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	return eng
}

func TestSyncOverFile(t *testing.T) {
	t.Parallel()
	scenario(t, func(r *gitsynctest.Repo) string { return r.FileURL() })
}

// A bare repository on disk, as a forge keeps it, that commits are
// pushed to.
func TestSyncOverBareFile(t *testing.T) {
	t.Parallel()
	scenario(t, func(r *gitsynctest.Repo) string { return r.BareURL() })
}

func TestSyncOverHTTP(t *testing.T) {
	t.Parallel()
	scenario(t, func(r *gitsynctest.Repo) string {
		source, _ := r.ServeHTTP()
		return source
	})
}

// scenario syncs plans that commits add, change, break and remove, from the
// source that source gives for the repository.
func scenario(t *testing.T, source func(r *gitsynctest.Repo) string) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(target.Close)
	r := gitsynctest.New(t)
	first := r.Commit(map[string]string{
		".smokex/health.yaml":   gitsynctest.Plan(target.URL + "/health"),
		".smokex/orders.yaml":   gitsynctest.Plan(target.URL + "/orders"),
		".smokex/notes/api.yml": gitsynctest.Plan(target.URL + "/api"),
		"README.md":             "not a plan",
		"other/ignored.yaml":    gitsynctest.Plan(target.URL + "/no"),
	})
	src, err := gitsync.New(source(r), gitsync.Config{CacheDir: t.TempDir()})
	require.NoError(t, err)
	eng := newEngine(t)
	ctx := t.Context()
	run := func(id string) *record.Execution {
		t.Helper()
		x, err := eng.Run(ctx, id, nil)
		require.NoError(t, err)
		require.Equal(t, record.StatusPassed, x.Status)
		return x
	}

	// Added.
	res, err := eng.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"health", "orders", "api"}, res.Added)
	require.Equal(t, first, res.Revision.Commit)
	require.Equal(t, record.Source{Commit: first, Path: ".smokex/health.yaml"}, run("health").Source)
	require.Equal(t, ".smokex/notes/api.yml", run("api").Source.Path)

	// Changed, and one broken: the broken one keeps its last good version
	// and is reported with the commit and its place.
	second := r.Commit(map[string]string{
		".smokex/health.yaml": gitsynctest.Plan(target.URL + "/healthz"),
		".smokex/orders.yaml": "steps:\n  - get:\n      url: " + target.URL + "/orders\n      expect: {status: 200}\n",
	})
	res, err = eng.Sync(ctx, src, nil)
	require.ErrorContains(t, err, "commit "+second[:12]+": .smokex/orders.yaml:4:16: unknown key \"status\" in expect")
	require.Equal(t, []string{"health"}, res.Updated)
	require.Empty(t, res.Removed)
	require.Equal(t, record.Source{Commit: second, Path: ".smokex/health.yaml"}, run("health").Source)
	require.Contains(t, run("health").Steps[0].URL, "/healthz")
	require.Equal(t, first, run("orders").Source.Commit, "the broken plan runs its last good version")
	st, err := eng.SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, second, st.Commit)
	require.Equal(t, ".smokex", st.Path)
	require.Equal(t, []string{"health"}, st.Updated)
	require.Equal(t, []record.SyncError{{File: ".smokex/orders.yaml", Line: 4, Column: 16, Message: `unknown key "status" in expect; did you mean "status_code"?`}}, st.Errors)
	require.Equal(t, map[string]string{"health": ".smokex/health.yaml", "orders": ".smokex/orders.yaml", "api": ".smokex/notes/api.yml"}, st.Plans)
	require.Empty(t, st.Error)
	require.Equal(t, st.At, st.Attempted)

	// Removed, and the broken one mended.
	third := r.Commit(map[string]string{
		".smokex/notes/api.yml": "",
		".smokex/orders.yaml":   gitsynctest.Plan(target.URL + "/orders"),
	})
	res, err = eng.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"api"}, res.Removed)
	require.Equal(t, third, run("orders").Source.Commit)
	_, err = eng.Run(ctx, "api", nil)
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
	st, err = eng.SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, third, st.Commit)
	require.Empty(t, st.Errors)
	require.Equal(t, []string{"api"}, st.Removed)
	require.NotContains(t, st.Plans, "api")

	// A sync that finds the same commit moves only Attempted: the state
	// still tells the last change.
	_, err = eng.Sync(ctx, src, nil)
	require.NoError(t, err)
	again, err := eng.SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"api"}, again.Removed)
	require.Equal(t, st.At, again.At)
	require.True(t, again.Attempted.After(st.Attempted) || again.Attempted.Equal(st.Attempted))

	// Emptied: refused unless allowed.
	r.Commit(map[string]string{".smokex/health.yaml": "", ".smokex/orders.yaml": ""})
	_, err = eng.Sync(ctx, src, nil)
	require.ErrorIs(t, err, smokex.ErrEmptySource)
	require.Len(t, eng.Plans(), 2)
	st, err = eng.SyncState(ctx)
	require.NoError(t, err)
	require.Equal(t, third, st.Commit, "a refused sync keeps the last applied commit")
	require.Contains(t, st.Error, "no plan files")
	res, err = eng.Sync(ctx, src, &smokex.SyncOpts{AllowEmpty: true})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"health", "orders"}, res.Removed)
}

// A fetch that fails changes nothing.
func TestFetchErrorChangesNothing(t *testing.T) {
	t.Parallel()
	r := gitsynctest.New(t)
	r.Commit(map[string]string{".smokex/health.yaml": gitsynctest.Plan("http://127.0.0.1:1/health")})
	source, srv := r.ServeHTTP()
	src, err := gitsync.New(source+"#main", gitsync.Config{CacheDir: t.TempDir(), Token: "s3cr3t-token"})
	require.NoError(t, err)
	eng := newEngine(t)
	_, err = eng.Sync(t.Context(), src, nil)
	require.ErrorContains(t, err, `no branch or tag "main"`)

	src, err = gitsync.New(source+"#master", gitsync.Config{CacheDir: t.TempDir(), Token: "s3cr3t-token"})
	require.NoError(t, err)
	_, err = eng.Sync(t.Context(), src, nil)
	require.NoError(t, err)
	require.Len(t, eng.Plans(), 1)

	srv.Close()
	_, err = eng.Sync(t.Context(), src, nil)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cr3t-token")
	require.Len(t, eng.Plans(), 1, "a failed fetch removes nothing")
	var list plan.ErrorList
	require.False(t, errors.As(err, &list))
}

// A sync whose caller gives up (serve stopping) leaves the state as it
// was: it is no failure of the source.
func TestCanceledSyncKeepsTheState(t *testing.T) {
	t.Parallel()
	r := gitsynctest.New(t)
	first := r.Commit(map[string]string{".smokex/health.yaml": gitsynctest.Plan("http://127.0.0.1:1/health")})
	source, _ := r.ServeHTTP()
	src, err := gitsync.New(source, gitsync.Config{CacheDir: t.TempDir()})
	require.NoError(t, err)
	eng := newEngine(t)
	_, err = eng.Sync(t.Context(), src, nil)
	require.NoError(t, err)
	r.Commit(map[string]string{".smokex/orders.yaml": gitsynctest.Plan("http://127.0.0.1:1/orders")})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = eng.Sync(ctx, src, nil)
	require.ErrorIs(t, err, context.Canceled)
	st, err := eng.SyncState(t.Context())
	require.NoError(t, err)
	require.Equal(t, first, st.Commit)
	require.Empty(t, st.Error)
}
