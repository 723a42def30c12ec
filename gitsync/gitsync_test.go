package gitsync_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// repo is a repository made in the test, written with go-git.
type repo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "api")
	r, err := git.PlainInit(dir, false)
	require.NoError(t, err)
	return &repo{t: t, dir: dir, repo: r}
}

// commit writes files (an empty content removes the file) and commits
// them, returning the commit hash.
func (r *repo) commit(files map[string]string) string {
	r.t.Helper()
	wt, err := r.repo.Worktree()
	require.NoError(r.t, err)
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if content == "" {
			_, err := wt.Remove(name)
			require.NoError(r.t, err)
			continue
		}
		require.NoError(r.t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(r.t, os.WriteFile(p, []byte(content), 0o644))
		_, err := wt.Add(name)
		require.NoError(r.t, err)
	}
	h, err := wt.Commit("change plans", &git.CommitOptions{Author: &object.Signature{Name: "Ada", Email: "ada@example.com", When: time.Now()}, AllowEmptyCommits: true})
	require.NoError(r.t, err)
	return h.String()
}

func planYAML(url string) string {
	return "steps:\n  - get:\n      url: " + url + "\n"
}

// httpRepo serves the repository over HTTP with git http-backend.
func httpRepo(t *testing.T, r *repo) *httptest.Server {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git binary to serve the repository over HTTP with git http-backend")
	}
	h := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.dir), "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newEngine(t *testing.T) *smokex.Engine {
	t.Helper()
	eng, err := smokex.New(smokex.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	return eng
}

func TestSyncOverFile(t *testing.T) {
	t.Parallel()
	scenario(t, func(r *repo) string { return "git+file://" + filepath.ToSlash(r.dir) })
}

func TestSyncOverHTTP(t *testing.T) {
	t.Parallel()
	scenario(t, func(r *repo) string { return "git+" + httpRepo(t, r).URL + "/api/.git" })
}

// scenario syncs plans that commits add, change, break and remove, from the
// source that source gives for the repository.
func scenario(t *testing.T, source func(r *repo) string) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(target.Close)
	r := newRepo(t)
	first := r.commit(map[string]string{
		".smokex/health.yaml":   planYAML(target.URL + "/health"),
		".smokex/orders.yaml":   planYAML(target.URL + "/orders"),
		".smokex/notes/api.yml": planYAML(target.URL + "/api"),
		"README.md":             "not a plan",
		"other/ignored.yaml":    planYAML(target.URL + "/no"),
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
	second := r.commit(map[string]string{
		".smokex/health.yaml": planYAML(target.URL + "/healthz"),
		".smokex/orders.yaml": "steps:\n  - get:\n      url: " + target.URL + "/orders\n      expect: {status: 200}\n",
	})
	res, err = eng.Sync(ctx, src, nil)
	require.ErrorContains(t, err, "commit "+second[:12]+": .smokex/orders.yaml:4:16: unknown key \"status\" in expect")
	require.Equal(t, []string{"health"}, res.Updated)
	require.Empty(t, res.Removed)
	require.Equal(t, record.Source{Commit: second, Path: ".smokex/health.yaml"}, run("health").Source)
	require.Contains(t, run("health").Steps[0].URL, "/healthz")
	require.Equal(t, first, run("orders").Source.Commit, "the broken plan runs its last good version")

	// Removed, and the broken one mended.
	third := r.commit(map[string]string{
		".smokex/notes/api.yml": "",
		".smokex/orders.yaml":   planYAML(target.URL + "/orders"),
	})
	res, err = eng.Sync(ctx, src, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"api"}, res.Removed)
	require.Equal(t, third, run("orders").Source.Commit)
	_, err = eng.Run(ctx, "api", nil)
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)

	// Emptied: refused unless allowed.
	r.commit(map[string]string{".smokex/health.yaml": "", ".smokex/orders.yaml": ""})
	_, err = eng.Sync(ctx, src, nil)
	require.ErrorIs(t, err, smokex.ErrEmptySource)
	require.Len(t, eng.Plans(), 2)
	res, err = eng.Sync(ctx, src, &smokex.SyncOpts{AllowEmpty: true})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"health", "orders"}, res.Removed)
}

// A fetch that fails changes nothing.
func TestFetchErrorChangesNothing(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.commit(map[string]string{".smokex/health.yaml": planYAML("http://127.0.0.1:1/health")})
	srv := httpRepo(t, r)
	src, err := gitsync.New("git+"+srv.URL+"/api/.git#main", gitsync.Config{CacheDir: t.TempDir(), Token: "s3cr3t-token"})
	require.NoError(t, err)
	eng := newEngine(t)
	_, err = eng.Sync(t.Context(), src, nil)
	require.ErrorContains(t, err, `no branch or tag "main"`)

	src, err = gitsync.New("git+"+srv.URL+"/api/.git#master", gitsync.Config{CacheDir: t.TempDir(), Token: "s3cr3t-token"})
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
