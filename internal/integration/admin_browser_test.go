package integration_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
)

// The dashboard in a real browser: Debian's chromium, headless (package
// internal/browsertest). Screenshots of every page, light and dark, go to
// $SMOKEX_SCREENSHOTS when it is set.

// TestBrowserOverviewPlanAndExecution follows a user from the overview to
// a failed execution's expected and received values, with the handler
// mounted under a prefix.
func TestBrowserOverviewPlanAndExecution(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowRun: true}, "/admin/smoke/", nil)
	f.Sync(t)
	f.Run(t, "up")
	f.Run(t, "up")
	f.Run(t, "down")
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(f.URL))
	b.WaitText(`tr[data-plan-row="up"] .status`, "passed")
	b.WaitText(`tr[data-plan-row="down"] .status`, "failed")
	b.WaitText(`tr[data-plan-row="secret"] .status`, "pending")
	require.Contains(t, b.Text(".summary"), "failing")
	require.Contains(t, b.Text(`tr[data-plan-row="up"]`), "100%")
	require.Equal(t, 2, browsertest.Eval[int](b, `document.querySelectorAll(".heartbeat").length`), "a heartbeat bar per plan that ran")
	require.Equal(t, "rgb(255, 255, 255)", browsertest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`), "the stylesheet loads behind the prefix")
	b.WaitText("#live-status", "Live")
	b.Shoot("overview")

	// Dark mode follows the system.
	b.Scheme("dark")
	require.Equal(t, "rgb(13, 17, 23)", browsertest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`))
	b.Scheme("light")

	// On a phone.
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	require.LessOrEqual(t, browsertest.Eval[int](b, `document.documentElement.scrollWidth`), browsertest.Eval[int](b, `document.documentElement.clientWidth`), "nothing scrolls sideways on a phone")
	b.Shoot("overview-phone")
	b.Do(chromedp.EmulateViewport(1280, 900))

	// The plan page.
	b.Click(`tr[data-plan-row="down"] th a`)
	b.WaitText("h1", "down")
	require.Equal(t, f.URL+"plans/down", b.Location())
	require.Contains(t, b.Text("#executions"), "failed")
	require.Contains(t, b.Text("pre.source"), "name: down")
	require.Equal(t, 1, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart rect.bar").length`))
	require.Contains(t, strings.ToLower(b.Text("#plan-facts")), "uptime 24 h")
	b.Shoot("plan")

	// The execution page: steps, expected and received, the error kind.
	b.Click(`#executions tbody a`)
	b.WaitText(".steps", "broken")
	require.Equal(t, "200", b.Text(".failures .expected"))
	require.Equal(t, "500", b.Text(".failures .received"))
	require.Contains(t, b.Text(".failures"), "status_code")
	require.Equal(t, 2, browsertest.Eval[int](b, `document.querySelectorAll("svg.waterfall g").length`), "a waterfall row per step")
	b.Shoot("execution")

	// Keyboard: the first Tab reaches the skip link.
	b.Do(chromedp.Navigate(f.URL), chromedp.WaitVisible(chromedp.CSS(`tr[data-plan-row="up"]`)), chromedp.KeyEvent("\t"))
	require.Equal(t, "Skip to content", browsertest.Eval[string](b, `document.activeElement.textContent`))
}

// TestBrowserErrorKind shows an execution whose step could not connect.
func TestBrowserErrorKind(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowEdit: true}, "/", nil)
	code, _, body := f.Do(t, "PUT", "api/plans/unreachable", "name: unreachable\nsteps:\n  - get: {name: nobody home, url: 'http://127.0.0.1:1/'}\n")
	require.Equal(t, 201, code, string(body))
	x := f.Run(t, "unreachable")
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(f.URL + "executions/" + x.ID))
	require.Equal(t, "connect", b.Text(".step .error .kind"))
	b.Shoot("execution-error")
}

// TestBrowserRunNowAppearsLive clicks "Run now" and waits for the new
// execution to appear through the event stream, without a reload.
func TestBrowserRunNowAppearsLive(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowRun: true}, "/", nil)
	f.Sync(t)
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(f.URL + "plans/up"))
	b.WaitText("#executions", "has not run yet")
	b.WaitText("#live-status", "Live")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded = true`))
	b.Click(`button[data-run="up"]`)
	b.WaitText("#executions tbody", "passed")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded === true`), "the page was not reloaded")
	b.WaitText("#action-result", "Started")

	// The overview follows a run started elsewhere.
	b.Do(chromedp.Navigate(f.URL))
	b.WaitText(`tr[data-plan-row="down"] .status`, "pending")
	b.WaitText("#live-status", "Live")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded = true`))
	f.Run(t, "down")
	b.WaitText(`tr[data-plan-row="down"] .status`, "failed")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded === true`), "the page was not reloaded")
}

// TestBrowserEditorShowsLineAndColumn creates a plan in the editor: a
// mistake is shown with its line and column, the fixed plan is saved.
func TestBrowserEditorShowsLineAndColumn(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowRun: true, AllowEdit: true, AllowDelete: true}, "/", nil)
	b := browsertest.New(t)
	bad := "name: checkout\nsteps:\n  - get:\n      url: \"${base}/ok\"\n      expect:\n        status: 200\n"
	b.Do(
		chromedp.Navigate(f.URL+"new"),
		chromedp.WaitVisible(chromedp.CSS("#source")),
		chromedp.SendKeys(chromedp.CSS("#plan-id"), "checkout"),
	)
	require.True(t, browsertest.Eval[bool](b, `document.getElementById("source").value = `+browsertest.String(bad)+`; true`))
	b.Click(`#editor button[type="submit"]`)
	b.WaitText("#plan-errors", "Line 6, column 9")
	require.Contains(t, b.Text("#plan-errors"), `unknown key "status"`)
	require.Equal(t, strings.Index(bad, "status:"), browsertest.Eval[int](b, `document.getElementById("source").selectionStart`), "the caret is at the mistake")
	b.Shoot("edit-error")

	require.True(t, browsertest.Eval[bool](b, `var s = document.getElementById("source"); s.value = s.value.replace("status:", "status_code:"); true`))
	b.Click(`#editor button[type="submit"]`)
	b.WaitText("h1", "checkout")
	require.Equal(t, f.URL+"plans/checkout", b.Location())
	_, err := f.Eng.Plan("checkout")
	require.NoError(t, err)
	require.Contains(t, b.Text(".actions"), "Edit")
}
