package integration_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
)

// TestBrowserScopedViewer opens the dashboard with a viewer's token scoped
// to the label team=core: it sees its plan alone, live, says who is
// logged in, and shows no control the role may not use.
func TestBrowserScopedViewer(t *testing.T) {
	sum := sha256.Sum256([]byte("viewer-token"))
	tokens := []admin.Token{{Name: "core-viewer", SHA256: hex.EncodeToString(sum[:]), Role: admin.RoleViewer, Labels: map[string]string{"team": "core"}}}
	f := admintest.New(t, &admin.Config{Tokens: tokens, AllowRun: true, AllowEdit: true, AllowDelete: true}, "/", nil)
	f.Sync(t)
	f.Run(t, "down")
	b := browsertest.New(t)
	// Every request of the browser, the event stream's included, carries
	// the token, as a proxy in front would add it.
	b.Header("Authorization", "Bearer viewer-token")

	b.Do(chromedp.Navigate(f.URL))
	b.WaitText(`tr[data-plan-row="up"] .status`, "pending")
	require.Equal(t, 1, browsertest.Eval[int](b, `document.querySelectorAll("tr[data-plan-row]").length`), "the other plans are out of sight")
	require.Equal(t, "core-viewer · viewer", b.Text("#who"))
	require.Zero(t, browsertest.Eval[int](b, `document.querySelectorAll('a[href$="new"]').length`), "no New plan for a viewer")
	b.WaitText("#live-status", "Live")
	f.Run(t, "up")
	b.WaitText(`tr[data-plan-row="up"] .status`, "passed")
	b.Shoot("viewer-overview")

	b.Do(chromedp.Navigate(f.URL + "plans/up"))
	b.WaitText("h1", "up")
	require.Zero(t, browsertest.Eval[int](b, `document.querySelectorAll("button[data-run], button[data-delete], a[href$='/edit'], pre.source").length`),
		"no Run now, Edit, Delete or YAML for a viewer")
	b.Shoot("viewer-plan")
}
