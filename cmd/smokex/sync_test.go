package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/gitsync/gitsynctest"
)

// previewRepo is a repository with the plans a sync applies first.
func previewRepo(t *testing.T) *gitsynctest.Repo {
	t.Helper()
	r := gitsynctest.New(t)
	r.Commit(map[string]string{
		".smokex/orders.yaml": gitsynctest.Plan("http://127.0.0.1:1/orders"),
		".smokex/legacy.yaml": gitsynctest.Plan("http://127.0.0.1:1/legacy"),
		".smokex/broken.yaml": gitsynctest.Plan("http://127.0.0.1:1/broken"),
		".smokex/same.yaml":   gitsynctest.Plan("http://127.0.0.1:1/same"),
	})
	return r
}

// changeRepo commits to previewRepo's repository: search added, orders
// changed, legacy removed and broken broken.
func changeRepo(r *gitsynctest.Repo) string {
	return r.Commit(map[string]string{
		".smokex/search.yaml": gitsynctest.Plan("http://127.0.0.1:1/search"),
		".smokex/orders.yaml": gitsynctest.Plan("http://127.0.0.1:1/orders/v2"),
		".smokex/legacy.yaml": "",
		".smokex/broken.yaml": "steps:\n  - get:\n      url: http://127.0.0.1:1/broken\n      expect: {stauts: 200}\n",
	})
}

// wantPreview is what sync --dry-run prints for changeRepo's commit.
func wantPreview(commit, source, against string) string {
	return `Commit ` + commit[:12] + ` of ` + source + `, compared with ` + against + `:
  added    search  .smokex/search.yaml
  changed  orders  .smokex/orders.yaml
  removed  legacy  .smokex/legacy.yaml
  error    .smokex/broken.yaml:4:16: unknown key "stauts" in expect; it takes "status_code", "headers", "json", "jsonpath", "json_schema", "string", "html", "assert", "body", "body_size" and "certificate"

# search
--- /dev/null
+++ b/.smokex/search.yaml
@@ -0,0 +1,3 @@
+steps:
+  - get:
+      url: http://127.0.0.1:1/search

# orders
--- a/.smokex/orders.yaml
+++ b/.smokex/orders.yaml
@@ -1,3 +1,3 @@
 steps:
   - get:
-      url: http://127.0.0.1:1/orders
+      url: http://127.0.0.1:1/orders/v2

# legacy
--- a/.smokex/legacy.yaml
+++ /dev/null
@@ -1,3 +0,0 @@
-steps:
-  - get:
-      url: http://127.0.0.1:1/legacy

1 added, 1 changed, 1 removed; 1 error: the plans of files that do not load keep their last good version
`
}

// Against a running serve: the files go to POST /api/sync/preview, with
// the token; nothing changes on the server.
func TestSyncDryRunServer(t *testing.T) {
	t.Parallel()
	r := previewRepo(t)
	source := r.FileURL()
	env := map[string]string{"SMOKEX_ADMIN_TOKEN": "admin-t0ken"}
	s := startServe(t, env, "--sync", source, "--sync-interval", "1h")
	url := s.dashboardURL(t)
	commit := changeRepo(r)

	res := runCLI(t, env, "", "sync", "--dry-run", source, "--server", url)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Equal(t, wantPreview(commit, source, url), res.stdout)

	res = runCLI(t, nil, "", "sync", "--dry-run", source, "--server", url, "--token", "wrong")
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "smokex sync: POST "+url+"api/sync/preview: 401 Unauthorized: unauthorized")

	code, body := call(t, "GET", url+"api/sync", "", "Authorization", "Bearer admin-t0ken")
	require.Equal(t, 200, code)
	require.Contains(t, body, `"plans":{"broken":".smokex/broken.yaml","legacy":".smokex/legacy.yaml","orders":".smokex/orders.yaml","same":".smokex/same.yaml"}`, "the dry run changed nothing")

	// Mended, the preview exits 0; emptied, a sync would refuse it.
	r.Commit(map[string]string{".smokex/broken.yaml": gitsynctest.Plan("http://127.0.0.1:1/broken")})
	res = runCLI(t, env, "", "sync", "--dry-run", source, "--server", url)
	require.Equal(t, exitOK, res.code, res.stderr)
	r.Commit(map[string]string{".smokex/broken.yaml": "", ".smokex/orders.yaml": "", ".smokex/search.yaml": "", ".smokex/same.yaml": ""})
	res = runCLI(t, env, "", "sync", "--dry-run", source, "--server", url)
	require.Equal(t, exitFailed, res.code, res.stdout)
	require.Contains(t, res.stderr, "the source holds no plan files")
	res = runCLI(t, env, "", "sync", "--dry-run", source, "--server", url, "--allow-empty")
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Contains(t, res.stdout, "0 added, 0 changed, 4 removed\n")
	require.Equal(t, exitOK, s.stop(t))
}

// Against PostgreSQL: the plans a sync applied to the schema.
func TestSyncDryRunPostgres(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	store := db.store(t)
	require.NoError(t, store.Migrate(context.Background()))
	r := previewRepo(t)
	source := r.FileURL()
	src, err := gitsync.New(source, gitsync.Config{})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{Store: store})
	require.NoError(t, err)
	_, err = eng.Sync(t.Context(), src, nil)
	require.NoError(t, err)
	require.NoError(t, eng.Stop(t.Context()))
	commit := changeRepo(r)

	// As a pull request's CI names its checkout: the commit at HEAD.
	head := source + "#HEAD:.smokex"
	res := runCLI(t, map[string]string{"SMOKEX_DATABASE_URL": db.url}, "", "sync", "--dry-run", head, "--schema", db.schema)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Equal(t, wantPreview(commit, source+"#HEAD", "the database (schema "+db.schema+")"), res.stdout)
}

func TestSyncUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sync", "git+file:///x", "--server", "http://127.0.0.1:1/"}, "give --dry-run"},
		{[]string{"sync", "--dry-run", "git+file:///x"}, "--database-url (or SMOKEX_DATABASE_URL) or --server is required"},
		{[]string{"sync", "--dry-run", "git+file:///x", "--server", "http://h/", "--database-url", "postgres://h/db"}, "cannot be used together"},
		{[]string{"sync", "--dry-run", "--server", "http://h/"}, "takes one SOURCE"},
		{[]string{"sync", "--dry-run", "https://h/r.git", "--server", "http://h/"}, "must start with git+"},
	} {
		res := runCLI(t, nil, "", c.args...)
		require.Equal(t, exitUsage, res.code, strings.Join(c.args, " "))
		require.Contains(t, res.stderr, c.want)
	}
	res := runCLI(t, nil, "", "sync", "--dry-run", "git+file:///nonexistent/repo", "--server", "http://127.0.0.1:1/")
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "smokex sync: gitsync: git+file:///nonexistent/repo")
}

// Two serves on one PostgreSQL schema, both with --sync: the one that
// applies a push answers GET /api/sync as the other does, and a serve
// started again after a commit removed a plan removes it.
func TestServeSyncReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	r := previewRepo(t)
	source := r.FileURL()
	env := map[string]string{"SMOKEX_ADMIN_TOKEN": "admin-t0ken"}
	auth := []string{"Authorization", "Bearer admin-t0ken"}
	args := []string{"--sync", source, "--sync-interval", "1h", "--database-url", db.url, "--schema", db.schema}
	a := startServe(t, env, args...)
	b := startServe(t, env, args...)
	urlA, urlB := a.dashboardURL(t), b.dashboardURL(t)

	commit := changeRepo(r)
	code, body := call(t, "POST", urlA+"api/sync", "", auth...)
	require.Equal(t, 200, code, body)
	onA := decodeSync(t, body)
	require.Equal(t, commit, onA.Commit)
	require.Equal(t, []string{"search"}, onA.Added)
	require.Equal(t, []string{"legacy"}, onA.Removed)
	code, body = call(t, "GET", urlB+"api/sync", "", auth...)
	require.Equal(t, 200, code, body)
	require.Equal(t, onA, decodeSync(t, body), "the replica that did not apply the push answers the same")
	require.Equal(t, exitOK, a.stop(t))
	require.Equal(t, exitOK, b.stop(t))

	// While no serve runs, a commit removes same; the next serve removes it
	// at its first sync, though it never loaded it from the repository.
	gone := r.Commit(map[string]string{".smokex/same.yaml": ""})
	c := startServe(t, env, args...)
	c.waitLog(t, `smokex serve: plans synced" .* commit=`+gone+` .* removed=\[same\]`)
	_, err := db.store(t).GetPlan(t.Context(), "same")
	require.Error(t, err)
	// Stopped once it listens: a stop while it starts is not a clean one.
	c.dashboardURL(t)
	require.Equal(t, exitOK, c.stop(t))
}
