package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// deepAssertPlan is a plan under the 1 MiB limit whose assert is a
// megabyte of "!" before true: it overflowed the expression parser's
// stack and killed the process.
func deepAssertPlan() string {
	return "- get:\n    host: http://127.0.0.1:1/\n    expect:\n      assert:\n        - \"" + strings.Repeat("!", 1<<20-200) + "true\"\n"
}

func TestValidateDeepExpression(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "deep.yaml")
	require.NoError(t, os.WriteFile(path, []byte(deepAssertPlan()), 0o600))
	res := runCLI(t, nil, "", "validate", path)
	requireResult(t, res, exitUsage, "", path+":5:112: assert: invalid expression: the expression nests deeper than 100 levels")
}

// TestServeSurvivesHostileInput drops a plan that once crashed the parser
// into the folder serve watches, and runs a plan against a target that
// answers a million nested JSON objects, which once crashed the executor:
// the first is a plan error, the second a failed step, and serve keeps
// running its plans.
func TestServeSurvivesHostileInput(t *testing.T) {
	t.Parallel()
	deep := []byte(strings.Repeat(`{"a":`, 1_000_000) + "1" + strings.Repeat("}", 1_000_000))
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/deep" {
			_, _ = w.Write(deep)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(target.Close)
	dir := t.TempDir()
	writePlan(t, dir, "ticker.yaml", tickerPlan, "")
	writePlan(t, dir, "deepjson.yaml", `name: deepjson
schedule: "@every 1s"
steps:
  - get:
      host: "${base}/deep"
      expect:
        json: {a: {b: 1}}
        assert: ["json.a.a == 2"]
      save_from_response:
        - {variable_name: all, json_path: "$..a"}
`, "")
	s := startServe(t, nil, "--watch-interval", "50ms", "--var", "base="+target.URL, dir)
	s.waitLog(t, `msg="step finished" plan=deepjson [^\n]*ok=false [^\n]*error="too_large: the response body is not read as JSON: the JSON nests deeper than 1000 levels`)

	tmp := filepath.Join(dir, "deep.tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(deepAssertPlan()), 0o600))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "deep.yaml")))
	s.waitLog(t, `deep.yaml:5:112: assert: invalid expression: the expression nests deeper than 100 levels`)

	// Still running: each plan runs again after that.
	before := len(logText(s.stderr))
	deadline := time.Now().Add(waitLimit)
	for _, plan := range []string{"ticker", "deepjson"} {
		for !strings.Contains(logText(s.stderr)[before:], `msg="step finished" plan=`+plan+` `) {
			require.True(t, time.Now().Before(deadline), "%s did not run again:\n%s", plan, logText(s.stderr))
			time.Sleep(20 * time.Millisecond)
		}
	}
	require.Equal(t, exitOK, s.stop(t))
}
