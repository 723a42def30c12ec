package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/browsertest"
)

// TestRunHTMLReport writes -o html for a passing and a failing plan, opens
// the file in headless chromium (skipped without it, except under CI=true),
// reads what it shows and keeps screenshots (in $SMOKEX_SCREENSHOTS when
// set, as CI keeps them).
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

	b := browsertest.New(t)
	b.Navigate("file://" + report)
	text := b.Text
	require.Contains(t, text("#total"), "2 plans: 1 passed, 1 failed")
	require.Contains(t, text("#plan-failing .badge"), "failed · halted_on_error")
	require.Contains(t, text("#plan-failing .failures"), "status_code")
	require.Contains(t, text("#plan-failing .failures"), "expected: 200")
	require.Contains(t, text("#plan-failing .failures"), "received: 500")
	require.Contains(t, text("#plan-failing .failures .place"), "failing.yaml:6:22")
	require.Equal(t, "passed", text("#plan-passing .badge"))
	require.Equal(t, 2, browsertest.Eval[int](b, `document.querySelectorAll("#plan-passing tr.ok").length`))
	b.Shoot("run-report-html")
}
