package integration_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/gitsync/gitsynctest"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
)

// TestBrowserSyncPanel shows the sync from a real git repository on the
// overview: the commit applied, what changed and a broken file at
// file:line:column; "Sync now" applies the commit that mends it.
func TestBrowserSyncPanel(t *testing.T) {
	r := gitsynctest.New(t)
	r.Commit(map[string]string{
		".smokex/health.yaml": "name: health\nsteps:\n  - get: {url: \"${base}/ok\"}\n",
		".smokex/orders.yaml": "name: orders\nsteps:\n  - get: {url: \"${base}/ok\"}\n",
	})
	src, err := gitsync.New(r.FileURL(), gitsync.Config{CacheDir: t.TempDir()})
	require.NoError(t, err)
	var f *admintest.Fixture
	f = admintest.New(t, &admin.Config{Sync: func(ctx context.Context) error {
		_, _ = f.Eng.Sync(ctx, src, nil)
		return nil
	}}, "/", nil)
	_, err = f.Eng.Sync(t.Context(), src, nil)
	require.NoError(t, err)
	broken := r.Commit(map[string]string{
		".smokex/orders.yaml": "name: orders\nsteps:\n  - get:\n      url: \"${base}/ok\"\n      expect: {status_cod: 200}\n",
		".smokex/search.yaml": "name: search\nsteps:\n  - get: {url: \"${base}/ok\"}\n",
	})
	_, err = f.Eng.Sync(t.Context(), src, nil)
	require.Error(t, err)

	b := browsertest.New(t)
	b.Navigate(f.URL)
	b.WaitText("#sync-heading", "Synced from git")
	require.Contains(t, b.Text("#sync"), "Commit "+broken[:12]+" applied")
	require.Contains(t, b.Text("[data-sync-added]"), "added search")
	require.Contains(t, b.Text("[data-sync-errors]"), ".smokex/orders.yaml:5:16 unknown key \"status_cod\" in expect; did you mean \"status_code\"?")
	require.Contains(t, b.Text("[data-sync-errors]"), "1 error at commit "+broken[:12])
	b.Shoot("sync-panel")

	mended := r.Commit(map[string]string{".smokex/orders.yaml": "name: orders\nsteps:\n  - get: {url: \"${base}/ok\", expect: {status_code: 200}}\n"})
	b.Click("[data-sync-now]")
	b.WaitText("#action-result", "Synced.")
	b.WaitText("#sync", "Commit "+mended[:12]+" applied")
	require.Contains(t, b.Text("[data-sync-updated]"), "changed orders")
	require.Zero(t, browsertest.Eval[int](b, `document.querySelectorAll("[data-sync-errors]").length`), "the error is gone")
	b.Shoot("sync-panel-mended")
}
