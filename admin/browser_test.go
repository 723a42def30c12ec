package admin_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
)

// The dashboard in a real browser: Debian's chromium, headless, driven by
// chromedp. Without chromium the tests skip, except under CI=true, where
// they fail: .ci/run installs it.
//
// Screenshots of every page, light and dark, go to $SMOKEX_SCREENSHOTS when
// it is set (CI keeps them), else to the test's temporary directory.

// browser starts a headless chromium for the test and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true: the dashboard must be checked in a real browser (apt-get install chromium)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in containers
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	require.NoError(t, chromedp.Do(ctx), "starting chromium")
	return ctx
}

// do runs the actions in the browser.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// js evaluates expr in the page.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// scheme makes the page see prefers-color-scheme as light or dark.
func scheme(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: name}},
	})
	require.NoError(t, err)
}

// location is the page's URL.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	return loc
}

func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
}

// screenshots is where the tests keep their screenshots.
func screenshots(t *testing.T) string {
	dir := os.Getenv("SMOKEX_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// shoot saves a full-page screenshot of the page, light then dark.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := screenshots(t)
	for _, name2 := range []string{"light", "dark"} {
		scheme(t, ctx, name2)
		do(t, ctx, chromedp.Sleep(100*time.Millisecond))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		path := filepath.Join(dir, name+"-"+name2+".png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot %s", path)
	}
	scheme(t, ctx, "light")
}

// text returns the text of the first node that matches sel, once visible.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(t, err, sel)
	return strings.TrimSpace(s)
}

// waitText waits until the first node that matches sel holds want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		got = js[string](t, ctx, `(function(){var n=document.querySelector(`+jsString(sel)+`);return n?n.textContent:""})()`)
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never held %q; it holds %q", sel, want, got)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserOverviewPlanAndExecution follows a user from the overview to
// a failed execution's expected and received values, with the handler
// mounted under a prefix.
func TestBrowserOverviewPlanAndExecution(t *testing.T) {
	f := newFixture(t, &admin.Config{AllowRun: true}, "/admin/smoke/")
	f.sync(t)
	f.run(t, "up")
	f.run(t, "up")
	f.run(t, "down")
	ctx := browser(t)

	do(t, ctx, chromedp.Navigate(f.url))
	waitText(t, ctx, `tr[data-plan-row="up"] .status`, "passed")
	waitText(t, ctx, `tr[data-plan-row="down"] .status`, "failed")
	waitText(t, ctx, `tr[data-plan-row="secret"] .status`, "pending")
	require.Contains(t, text(t, ctx, ".summary"), "failing")
	require.Contains(t, text(t, ctx, `tr[data-plan-row="up"]`), "100%")
	require.Equal(t, 2, js[int](t, ctx, `document.querySelectorAll("svg.spark polyline").length`), "a sparkline per plan that ran")
	require.Equal(t, "rgb(255, 255, 255)", js[string](t, ctx, `getComputedStyle(document.body).backgroundColor`), "the stylesheet loads behind the prefix")
	waitText(t, ctx, "#live-status", "Live")
	shoot(t, ctx, "overview")

	// Dark mode follows the system.
	scheme(t, ctx, "dark")
	require.Equal(t, "rgb(13, 17, 23)", js[string](t, ctx, `getComputedStyle(document.body).backgroundColor`))
	scheme(t, ctx, "light")

	// On a phone.
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	require.LessOrEqual(t, js[int](t, ctx, `document.documentElement.scrollWidth`), js[int](t, ctx, `document.documentElement.clientWidth`), "nothing scrolls sideways on a phone")
	shoot(t, ctx, "overview-phone")
	do(t, ctx, chromedp.EmulateViewport(1280, 900))

	// The plan page.
	do(t, ctx, click(`tr[data-plan-row="down"] th a`))
	waitText(t, ctx, "h1", "down")
	require.Equal(t, f.url+"plans/down", location(t, ctx))
	require.Contains(t, text(t, ctx, "#executions"), "failed")
	require.Contains(t, text(t, ctx, "pre.source"), "name: down")
	require.Equal(t, 1, js[int](t, ctx, `document.querySelectorAll("svg.chart rect.bar").length`))
	require.Contains(t, strings.ToLower(text(t, ctx, "#plan-facts")), "uptime 24 h")
	shoot(t, ctx, "plan")

	// The execution page: steps, expected and received, the error kind.
	do(t, ctx, click(`#executions tbody a`))
	waitText(t, ctx, ".steps", "broken")
	require.Equal(t, "200", text(t, ctx, ".failures .expected"))
	require.Equal(t, "500", text(t, ctx, ".failures .received"))
	require.Contains(t, text(t, ctx, ".failures"), "status_code")
	require.Equal(t, 2, js[int](t, ctx, `document.querySelectorAll("svg.waterfall g").length`), "a waterfall row per step")
	shoot(t, ctx, "execution")

	// Keyboard: the first Tab reaches the skip link.
	do(t, ctx, chromedp.Navigate(f.url), chromedp.WaitVisible(chromedp.CSS(`tr[data-plan-row="up"]`)), chromedp.KeyEvent("\t"))
	require.Equal(t, "Skip to content", js[string](t, ctx, `document.activeElement.textContent`))
}

// TestBrowserErrorKind shows an execution whose step could not connect.
func TestBrowserErrorKind(t *testing.T) {
	f := newFixture(t, &admin.Config{AllowEdit: true}, "/")
	code, _, body := f.do(t, "PUT", "api/plans/unreachable", "name: unreachable\nsteps:\n  - get: {name: nobody home, url: 'http://127.0.0.1:1/'}\n")
	require.Equal(t, 201, code, string(body))
	x := f.run(t, "unreachable")
	ctx := browser(t)
	do(t, ctx, chromedp.Navigate(f.url+"executions/"+x.ID))
	require.Equal(t, "connect", text(t, ctx, ".step .error .kind"))
	shoot(t, ctx, "execution-error")
}

// TestBrowserRunNowAppearsLive clicks "Run now" and waits for the new
// execution to appear through the event stream, without a reload.
func TestBrowserRunNowAppearsLive(t *testing.T) {
	f := newFixture(t, &admin.Config{AllowRun: true}, "/")
	f.sync(t)
	ctx := browser(t)
	do(t, ctx, chromedp.Navigate(f.url+"plans/up"))
	waitText(t, ctx, "#executions", "has not run yet")
	waitText(t, ctx, "#live-status", "Live")
	require.True(t, js[bool](t, ctx, `window.notReloaded = true`))
	do(t, ctx, click(`button[data-run="up"]`))
	waitText(t, ctx, "#executions tbody", "passed")
	require.True(t, js[bool](t, ctx, `window.notReloaded === true`), "the page was not reloaded")
	waitText(t, ctx, "#action-result", "Started")

	// The overview follows a run started elsewhere.
	do(t, ctx, chromedp.Navigate(f.url))
	waitText(t, ctx, `tr[data-plan-row="down"] .status`, "pending")
	waitText(t, ctx, "#live-status", "Live")
	require.True(t, js[bool](t, ctx, `window.notReloaded = true`))
	f.run(t, "down")
	waitText(t, ctx, `tr[data-plan-row="down"] .status`, "failed")
	require.True(t, js[bool](t, ctx, `window.notReloaded === true`), "the page was not reloaded")
}

// TestBrowserEditorShowsLineAndColumn creates a plan in the editor: a
// mistake is shown with its line and column, the fixed plan is saved.
func TestBrowserEditorShowsLineAndColumn(t *testing.T) {
	f := newFixture(t, &admin.Config{AllowRun: true, AllowEdit: true, AllowDelete: true}, "/")
	ctx := browser(t)
	bad := "name: checkout\nsteps:\n  - get:\n      url: \"${base}/ok\"\n      expect:\n        status: 200\n"
	do(t, ctx,
		chromedp.Navigate(f.url+"new"),
		chromedp.WaitVisible(chromedp.CSS("#source")),
		chromedp.SendKeys(chromedp.CSS("#plan-id"), "checkout"),
	)
	require.True(t, js[bool](t, ctx, `document.getElementById("source").value = `+jsString(bad)+`; true`))
	do(t, ctx, click(`#editor button[type="submit"]`))
	waitText(t, ctx, "#plan-errors", "Line 6, column 9")
	require.Contains(t, text(t, ctx, "#plan-errors"), `unknown key "status"`)
	require.Equal(t, strings.Index(bad, "status:"), js[int](t, ctx, `document.getElementById("source").selectionStart`), "the caret is at the mistake")
	shoot(t, ctx, "edit-error")

	require.True(t, js[bool](t, ctx, `var s = document.getElementById("source"); s.value = s.value.replace("status:", "status_code:"); true`))
	do(t, ctx, click(`#editor button[type="submit"]`))
	waitText(t, ctx, "h1", "checkout")
	require.Equal(t, f.url+"plans/checkout", location(t, ctx))
	_, err := f.eng.Plan("checkout")
	require.NoError(t, err)
	require.Contains(t, text(t, ctx, ".actions"), "Edit")
}
