// Package gitsynctest makes git repositories for tests of plans synced from
// git: a repository on disk written with go-git, and a server that serves
// it over HTTP.
package gitsynctest

import (
	"errors"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/require"
)

// Repo is a repository with a work tree in a temporary folder of a test.
type Repo struct {
	t    testing.TB
	dir  string
	repo *git.Repository
	// bare is set once BareURL made the bare copy that Commit pushes to.
	bare bool
}

// New makes an empty repository named api in a temporary folder of t.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "api")
	r, err := git.PlainInit(dir, false)
	require.NoError(t, err)
	return &Repo{t: t, dir: dir, repo: r}
}

// Dir is the repository's folder.
func (r *Repo) Dir() string { return r.dir }

// FileURL is the repository as a git+file:// source.
func (r *Repo) FileURL() string { return "git+file://" + filepath.ToSlash(r.dir) }

// Commit writes files by their slash-separated path (an empty content
// removes the file) and commits them on the current branch (master),
// returning the commit's hash.
func (r *Repo) Commit(files map[string]string) string {
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
	h, err := wt.Commit("change plans", &git.CommitOptions{
		Author:            &object.Signature{Name: "Ada", Email: "ada@example.com", When: time.Now()},
		AllowEmptyCommits: true,
	})
	require.NoError(r.t, err)
	if r.bare {
		err := r.repo.Push(&git.PushOptions{RemoteName: "bare", RefSpecs: []config.RefSpec{"+refs/heads/*:refs/heads/*"}})
		if !errors.Is(err, git.NoErrAlreadyUpToDate) {
			require.NoError(r.t, err)
		}
	}
	return h.String()
}

// BareURL makes a bare copy of the repository, as a forge keeps it, which
// every later Commit is pushed to, and returns it as a git+file:// source.
func (r *Repo) BareURL() string {
	r.t.Helper()
	dir := filepath.Join(filepath.Dir(r.dir), "api.git")
	_, err := git.PlainClone(dir, true, &git.CloneOptions{URL: r.dir})
	require.NoError(r.t, err)
	_, err = r.repo.CreateRemote(&config.RemoteConfig{Name: "bare", URLs: []string{dir}})
	require.NoError(r.t, err)
	r.bare = true
	return "git+file://" + filepath.ToSlash(dir)
}

// ServeHTTP serves the repository over HTTP with git http-backend, the git
// binary's own server, and returns its git+http:// source. The test is
// skipped when there is no git binary.
func (r *Repo) ServeHTTP() (source string, srv *httptest.Server) {
	r.t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		r.t.Skip("no git binary to serve the repository over HTTP with git http-backend")
	}
	srv = httptest.NewServer(&cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(r.dir), "GIT_HTTP_EXPORT_ALL=1"},
	})
	r.t.Cleanup(srv.Close)
	return "git+" + srv.URL + "/api/.git", srv
}

// Plan is a one-step plan that GETs url.
func Plan(url string) string {
	return "steps:\n  - get:\n      url: " + url + "\n"
}
