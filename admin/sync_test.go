package admin_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/record"
)

// revisions is a smokex.Source whose newest revision the test sets.
type revisions struct {
	mu     sync.Mutex
	files  fstest.MapFS
	commit string
}

func (r *revisions) set(commit string, files fstest.MapFS) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commit, r.files = commit, files
}

func (r *revisions) Fetch(context.Context) (fs.FS, record.Source, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.files, record.Source{Commit: r.commit, Path: ".smokex"}, nil
}

func (r *revisions) String() string { return "git+file:///srv/git/api.git" }

const (
	commitA = "aaaaaaaaaaaa0000000000000000000000000000"
	commitB = "bbbbbbbbbbbb0000000000000000000000000000"
)

func syncPlan(path string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("steps:\n  - get: {url: \"${base}" + path + "\"}\n")}
}

// newSynced returns a fixture whose Config.Sync syncs src, with cfg's
// other fields.
func newSynced(t *testing.T, cfg admin.Config, src *revisions) *fixture {
	t.Helper()
	var f *fixture
	cfg.Sync = func(ctx context.Context) error {
		_, _ = f.Eng.Sync(ctx, src, nil)
		return nil
	}
	f = newFixture(t, &cfg, "/")
	return f
}

func decodeState(t *testing.T, body []byte) *record.SyncState {
	t.Helper()
	var st record.SyncState
	require.NoError(t, json.Unmarshal(body, &st), string(body))
	return &st
}

// GET /api/sync answers the engine's sync state, POST /api/sync syncs,
// and the overview shows the panel with "Sync now" and the errors at
// file:line:column.
func TestSyncAPIAndPanel(t *testing.T) {
	t.Parallel()
	src := &revisions{}
	src.set(commitA, fstest.MapFS{"health.yaml": syncPlan("/ok"), "orders.yaml": syncPlan("/ok")})
	f := newSynced(t, admin.Config{}, src)

	st := decodeState(t, mustDo(t, f, "GET", "api/sync", http.StatusOK))
	require.Empty(t, st.Commit, "nothing synced yet")
	require.Equal(t, []string{}, st.Added)
	_, _, page := f.Do(t, "GET", "", "")
	require.Contains(t, string(page), "No commit applied yet.")

	st = decodeState(t, mustDo(t, f, "POST", "api/sync", http.StatusOK))
	require.Equal(t, commitA, st.Commit)
	require.Equal(t, "git+file:///srv/git/api.git", st.Source)
	require.Equal(t, []string{"health", "orders"}, st.Added)

	src.set(commitB, fstest.MapFS{"health.yaml": syncPlan("/ok"), "orders.yaml": {Data: []byte("steps:\n  - get:\n      url: \"${base}/ok\"\n      expect: {status_cod: 200}\n")}})
	st = decodeState(t, mustDo(t, f, "POST", "api/sync", http.StatusOK))
	require.Equal(t, commitB, st.Commit)
	require.Equal(t, []record.SyncError{{File: ".smokex/orders.yaml", Line: 4, Column: 16, Message: `unknown key "status_cod" in expect; did you mean "status_code"?`}}, st.Errors)

	_, _, page = f.Do(t, "GET", "", "")
	html := string(page)
	require.Contains(t, html, `<button type="button" data-sync-now>Sync now</button>`)
	require.Contains(t, html, `<code class="source" title="`+commitB+`">bbbbbbbbbbbb</code>`)
	require.Contains(t, html, `<code class="place">.smokex/orders.yaml:4:16</code> unknown key &#34;status_cod&#34; in expect`)
	require.Contains(t, html, "no plan changed")

	// Without Config.Sync: the state, no button, and POST is a 404.
	plain := newFixture(t, nil, "/")
	_, err := plain.Eng.Sync(context.Background(), src, nil)
	require.Error(t, err, "orders.yaml does not load")
	_, _, page = plain.Do(t, "GET", "", "")
	require.Contains(t, string(page), "Synced from git")
	require.NotContains(t, string(page), "data-sync-now")
	code, _, body := plain.Do(t, "POST", "api/sync", "")
	requireError(t, http.StatusNotFound, "not synced from a source", code, body)
	// An engine that never synced shows no panel.
	_, _, page = newFixture(t, nil, "/").Do(t, "GET", "", "")
	require.NotContains(t, string(page), "Synced from git")
}

// A token that does not see every plan sees no sync: 404 and no panel; an
// operator of every plan may sync, a viewer may not.
func TestSyncScoped(t *testing.T) {
	t.Parallel()
	src := &revisions{}
	src.set(commitA, fstest.MapFS{"health.yaml": syncPlan("/ok")})
	tokens := append(scopedTokens[:3:3], admin.Token{Name: "all-viewer", SHA256: sum("all-viewer-token"), Role: admin.RoleViewer})
	f := newSynced(t, admin.Config{Tokens: tokens}, src)
	code, _ := f.as(t, "operator-token", "GET", "api/sync", "")
	require.Equal(t, http.StatusNotFound, code, "a scoped operator does not see every plan")
	code, _ = f.as(t, "operator-token", "POST", "api/sync", "")
	require.Equal(t, http.StatusNotFound, code)
	code, _ = f.as(t, "all-viewer-token", "POST", "api/sync", "")
	require.Equal(t, http.StatusNotFound, code, "a viewer may not sync")
	code, body := f.as(t, "admin-token", "POST", "api/sync", "")
	require.Equal(t, http.StatusOK, code, string(body))
	require.Equal(t, []string{"health"}, decodeState(t, body).Added)
	_, page := f.as(t, "operator-token", "GET", "", "")
	require.NotContains(t, string(page), "Synced from git")
	_, page = f.as(t, "admin-token", "GET", "", "")
	require.Contains(t, string(page), "data-sync-now")
}

// POST /api/sync/preview tells what a sync of the files sent would add,
// change and remove, and changes nothing.
func TestSyncPreview(t *testing.T) {
	t.Parallel()
	src := &revisions{}
	src.set(commitA, fstest.MapFS{"health.yaml": syncPlan("/ok"), "orders.yaml": syncPlan("/ok"), "legacy.yaml": syncPlan("/ok")})
	f := newSynced(t, admin.Config{}, src)
	mustDo(t, f, "POST", "api/sync", http.StatusOK)

	req, _ := json.Marshal(map[string]any{
		"revision": record.Source{Commit: commitB, Path: ".smokex"},
		"files": map[string]string{
			"health.yaml":        string(syncPlan("/ok").Data),
			"orders.yaml":        string(syncPlan("/orders").Data),
			"search.yaml":        string(syncPlan("/search").Data),
			"broken/legacy.yaml": "steps: [",
		},
	})
	code, _, body := f.Do(t, "POST", "api/sync/preview", string(req))
	require.Equal(t, http.StatusOK, code, string(body))
	var pv smokex.SyncPreview
	require.NoError(t, json.Unmarshal(body, &pv))
	require.Equal(t, commitB, pv.Revision.Commit)
	require.Equal(t, []smokex.PlanChange{{ID: "search", File: ".smokex/search.yaml", New: string(syncPlan("/search").Data)}}, pv.Added)
	require.Equal(t, []smokex.PlanChange{{ID: "orders", File: ".smokex/orders.yaml", Old: string(syncPlan("/ok").Data), New: string(syncPlan("/orders").Data)}}, pv.Updated)
	require.Equal(t, []smokex.PlanChange{{ID: "legacy", File: ".smokex/legacy.yaml", Old: string(syncPlan("/ok").Data)}}, pv.Removed)
	require.Len(t, pv.Errors, 1)
	require.Equal(t, ".smokex/broken/legacy.yaml", pv.Errors[0].File)
	require.Len(t, f.Eng.Plans(), 3, "a preview changes nothing")

	for _, c := range []struct{ body, want string }{
		{`{"files": {}}`, "the source holds no plan files"},
		{`{"files": {"../x.yaml": "steps: []"}}`, `"../x.yaml" is not a slash-separated path`},
		{`[`, "the body must be"},
	} {
		code, _, body := f.Do(t, "POST", "api/sync/preview", c.body)
		require.GreaterOrEqual(t, code, 400, string(body))
		require.True(t, strings.Contains(string(body), c.want) || strings.Contains(string(body), strings.ReplaceAll(c.want, `"`, `\"`)), string(body))
	}
}

// mustDo sends a request without a body, checks the code and returns the
// body.
func mustDo(t *testing.T, f *fixture, method, path string, code int) []byte {
	t.Helper()
	got, _, body := f.Do(t, method, path, "")
	require.Equal(t, code, got, string(body))
	return body
}
