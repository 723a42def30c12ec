package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apiLoadErrors is what /api/plans and /status say of the files that do
// not load.
type apiLoadErrors struct {
	Status string `json:"status"`
	Plans  []struct {
		ID        string `json:"id"`
		LoadError *struct {
			File string `json:"file"`
		} `json:"load_error"`
	} `json:"plans"`
	LoadErrors []struct {
		File   string    `json:"file"`
		Plan   string    `json:"plan"`
		Since  time.Time `json:"since"`
		Errors []struct {
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"load_errors"`
}

func getLoadErrors(t *testing.T, url string) (int, apiLoadErrors) {
	t.Helper()
	code, body := call(t, "GET", url, "")
	var out apiLoadErrors
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	return code, out
}

// TestServeBrokenFiles: a file that does not parse at start does not stop
// serve, which runs the other plans and shows the broken file in
// /api/plans, /status and the dashboard; a file that breaks while watched
// is shown the same way, with its plan, until it is fixed.
func TestServeBrokenFiles(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	broken := writePlan(t, dir, "broken.yaml", "name: broken\nsteps:\n  - get:\n      url: \"http://127.0.0.1:1/\"\n      nope: 1\n", "")
	s := startServe(t, nil, "--var", "base="+target.URL, "--watch-interval", "50ms", dir)
	url := s.dashboardURL(t)
	require.Contains(t, logText(s.stderr), "broken.yaml:5:7: ")
	s.waitLog(t, finishedLine("ticker", "passed"))

	code, got := getLoadErrors(t, url+"api/plans")
	require.Equal(t, 200, code)
	require.Len(t, got.Plans, 1, "the valid plan runs")
	require.Len(t, got.LoadErrors, 1)
	le := got.LoadErrors[0]
	require.True(t, strings.HasSuffix(le.File, "broken.yaml"), le.File)
	require.Empty(t, le.Plan, "the file never loaded")
	require.False(t, le.Since.IsZero())
	require.Equal(t, 5, le.Errors[0].Line)
	require.Equal(t, 7, le.Errors[0].Column)
	require.Contains(t, le.Errors[0].Message, "nope")

	code, got = getLoadErrors(t, url+"status")
	require.Equal(t, 200, code, "the plans that run pass")
	require.Len(t, got.LoadErrors, 1)
	require.True(t, strings.HasSuffix(got.LoadErrors[0].File, "broken.yaml"))

	code, body := call(t, "GET", url, "")
	require.Equal(t, 200, code)
	require.Contains(t, body, `data-load-error="`+le.File+`"`)
	require.Contains(t, body, "line 5, column 7:")

	// The ticker's file breaks while watched: its plan runs as it was, and
	// its page, /api/plans and /status?plan=ticker say why.
	tmp := writePlan(t, dir, "ticker.tmp", strings.Replace(tickerPlan, "  - get:", "  - got:", 1), "")
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "ticker.yaml")))
	s.waitLog(t, `syncing plans; the plans of files with errors are kept as they were[^\n]*ticker\.yaml`)
	require.Eventually(t, func() bool {
		_, got = getLoadErrors(t, url+"api/plans")
		return len(got.LoadErrors) == 2
	}, waitLimit, 20*time.Millisecond)
	require.NotNil(t, got.Plans[0].LoadError)
	require.Equal(t, "ticker", got.LoadErrors[1].Plan)

	code, got = getLoadErrors(t, url+"status?plan=ticker")
	require.Equal(t, 200, code)
	require.Len(t, got.LoadErrors, 1)
	require.True(t, strings.HasSuffix(got.LoadErrors[0].File, "ticker.yaml"))
	code, body = call(t, "GET", url+"plans/ticker", "")
	require.Equal(t, 200, code)
	require.Contains(t, body, "does not load")
	require.Contains(t, body, "the plan runs as it was when it last loaded")

	// Fixed, both files load again.
	writePlan(t, dir, "ticker.tmp", tickerPlan, "")
	require.NoError(t, os.Rename(filepath.Join(dir, "ticker.tmp"), filepath.Join(dir, "ticker.yaml")))
	require.NoError(t, os.Remove(broken))
	s.waitLog(t, `plans sync again without errors`)
	require.Eventually(t, func() bool {
		_, got = getLoadErrors(t, url+"api/plans")
		return len(got.LoadErrors) == 0
	}, waitLimit, 20*time.Millisecond)
	require.Equal(t, exitOK, s.stop(t))
}
