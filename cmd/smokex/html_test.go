package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// headless starts Debian's chromium, headless, for the test. Without it
// the test skips, except under CI=true, where it fails: .ci/run installs
// it.
func headless(t *testing.T) context.Context {
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
			t.Fatal("chromium is not installed, and CI=true: the HTML report must be checked in a real browser (apt-get install chromium)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
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

// TestRunHTMLReport writes -o html for a passing and a failing plan, opens
// the file in headless chromium, reads what it shows and keeps a
// screenshot (in $SMOKEX_SCREENSHOTS when set, as CI keeps them).
func TestRunHTMLReport(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir, _, _ := writeBoth(t, srv.URL)
	report := filepath.Join(t.TempDir(), "report.html")
	res := runCLI(t, nil, "", "run", "-o", "html", "--report", report, dir)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Contains(t, res.stdout, "failing failed", "the console still goes to stdout")
	page := mustRead(t, report)
	require.NotContains(t, page, "<script", "self-contained: no script")
	require.NotContains(t, page, "<link", "self-contained: no stylesheet to fetch")
	require.NotContains(t, page, "src=", "self-contained: nothing to fetch")

	ctx := headless(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+report)))
	text := func(sel string) string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		require.NoError(t, err, sel)
		return strings.TrimSpace(s)
	}
	require.Contains(t, text("#total"), "2 plans: 1 passed, 1 failed")
	require.Contains(t, text("#plan-failing .badge"), "failed · halted_on_error")
	require.Contains(t, text("#plan-failing .failures"), "status_code")
	require.Contains(t, text("#plan-failing .failures"), "expected: 200")
	require.Contains(t, text("#plan-failing .failures"), "received: 500")
	require.Contains(t, text("#plan-failing .failures .place"), "failing.yaml:6:22")
	require.Equal(t, "passed", text("#plan-passing .badge"))
	steps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#plan-passing tr.ok").length`))
	require.NoError(t, err)
	require.Equal(t, 2, steps)

	shots := os.Getenv("SMOKEX_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(shots, 0o755))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	shot := filepath.Join(shots, "run-report-html.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot %s", shot)
}
