package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// newServer serves the endpoints the test plans call:
//
//	/ok         200 {"ok": true}
//	/fail       500
//	/auth       200 when Authorization is "Bearer s3cret", 401 otherwise
//	/denied     401 {"error": "bad password"}
//	/echo?v=X   200 with X as the body
//	/together   200 once two requests are in flight at once; 503 when the
//	            second never comes
//	/hang       answers only when the client gives up
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("/denied", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error": "bad password"}`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Query().Get("v"))
	})
	mux.HandleFunc("/together", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
		case <-time.After(20 * time.Second):
			http.Error(w, "ran alone", http.StatusServiceUnavailable)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/hang", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// writePlan writes a plan into dir, with {{URL}} replaced by the server's
// URL, and returns its path.
func writePlan(t *testing.T, dir, name, src, url string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(src, "{{URL}}", url)), 0o600))
	return path
}

// writeBoth writes passingPlan and failingPlan into a new directory.
func writeBoth(t *testing.T, url string) (dir, passing, failing string) {
	t.Helper()
	dir = t.TempDir()
	passing = writePlan(t, dir, "passing.yaml", passingPlan, url)
	failing = writePlan(t, dir, "failing.yaml", failingPlan, url)
	return dir, passing, failing
}

const passingPlan = `name: passing
steps:
  - get:
      host: "{{URL}}/ok"
      expect:
        status_code: 200
        json: {ok: true}
  - get:
      name: echo
      host: "{{URL}}/echo"
      query: {v: hello}
      expect:
        string: hello
`

const failingPlan = `name: failing
steps:
  - get:
      host: "{{URL}}/fail"
      expect:
        status_code: 200
  - get:
      host: "{{URL}}/ok"
`

func TestRunPassing(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := writePlan(t, t.TempDir(), "passing.yaml", passingPlan, srv.URL)

	res := runCLI(t, nil, "", "run", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Empty(t, res.stderr)
	require.Contains(t, res.stdout, "passing\n")
	require.Contains(t, res.stdout, "  ✓ GET "+srv.URL+"/ok 200 ")
	require.Contains(t, res.stdout, "  ✓ echo: GET "+srv.URL+"/echo?v=hello 200 ")
	require.Contains(t, res.stdout, "  passing passed: 2 passed, 0 failed in ")
	require.Contains(t, res.stdout, "1 plan: 1 passed, 0 failed; steps: 2 passed, 0 failed in ")
	require.NotContains(t, res.stdout, "\x1b[")
}

func TestRunFailing(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := writePlan(t, t.TempDir(), "failing.yaml", failingPlan, srv.URL)

	res := runCLI(t, nil, "", "run", path)
	require.Equal(t, exitFailed, res.code, res.stdout)
	require.Contains(t, res.stdout, "  ✗ GET "+srv.URL+"/fail 500 ")
	require.Contains(t, res.stdout, "      status_code: expected 200, received 500\n")
	require.Contains(t, res.stdout, "  - GET "+srv.URL+"/ok skipped\n")
	require.Contains(t, res.stdout, "  failing failed (halted_on_error): 0 passed, 1 failed, 1 skipped in ")
}

func TestRunError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	path := writePlan(t, t.TempDir(), "down.yaml", "- get: {host: \"{{URL}}/\"}\n", url)

	res := runCLI(t, nil, "", "run", path)
	require.Equal(t, exitFailed, res.code, res.stdout)
	require.Contains(t, res.stdout, "  ✗ GET "+url+"/ ")
	require.Contains(t, res.stdout, "      error (connect): ")
	require.Contains(t, res.stdout, "0 passed, 0 failed, 1 errored")
}

func TestRunInvalidPlans(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	good := writePlan(t, dir, "good.yaml", passingPlan, srv.URL)
	bad := writePlan(t, dir, "bad.yaml", "steps:\n  - get:\n      host: \"{{URL}}/ok\"\n      expect:\n        status: 200\n", srv.URL)
	worse := writePlan(t, dir, "worse.yaml", "- fetch: {host: x}\n", srv.URL)

	res := runCLI(t, nil, "", "run", good, bad, worse)
	require.Equal(t, exitUsage, res.code)
	// The valid plan runs; the invalid ones are counted and their errors
	// are on stderr, one a line.
	require.Contains(t, res.stdout, "3 plans: 1 passed, 0 failed, 2 invalid")
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	require.Len(t, lines, 2, res.stderr)
	require.True(t, strings.HasPrefix(lines[0], bad+":5:9: "), res.stderr)
}

// TestRunOneInvalidAmongFive is the CI case: one bad file among five in a
// folder. The four valid plans run, the report is written with the bad
// file as an errored suite (its errors at their lines and columns), and
// the exit code is 2.
func TestRunOneInvalidAmongFive(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "d", "e"} {
		writePlan(t, dir, name+".yaml", strings.Replace(passingPlan, "name: passing", "name: "+name, 1), srv.URL)
	}
	bad := writePlan(t, dir, "c.yaml", "name: c\nsteps:\n  - get:\n      url: \"{{URL}}/ok\"\n      expect:\n        status: 200\n        strnig: x\n", srv.URL)

	report := filepath.Join(t.TempDir(), "r.xml")
	res := runCLI(t, nil, "", "run", "-o", "junit", "--report", report, dir)
	require.Equal(t, exitUsage, res.code, res.stderr)
	require.Contains(t, res.stdout, "5 plans: 4 passed, 0 failed, 1 invalid")
	doc, err := os.ReadFile(report)
	require.NoError(t, err)
	checkJUnitSchema(t, doc)
	var got junitSuites
	require.NoError(t, xml.Unmarshal(doc, &got))
	require.Len(t, got.Suites, 5)
	require.Equal(t, 1, got.Errors)
	require.Equal(t, 0, got.Failures)
	inv := got.Suites[4]
	require.Equal(t, "c", inv.Name)
	require.Equal(t, bad, inv.File)
	require.Equal(t, 1, inv.Errors)
	e := inv.Cases[0].Error
	require.NotNil(t, e)
	require.Equal(t, "invalid", e.Type)
	require.True(t, strings.HasPrefix(e.Message, bad+":6:9: unknown key"), e.Message)
	require.Contains(t, e.Message, "(and 1 more)")
	require.Contains(t, e.Text, bad+":7:9: ")

	res = runCLI(t, nil, "", "run", "-o", "json", dir)
	require.Equal(t, exitUsage, res.code, res.stderr)
	var docs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &docs))
	require.Len(t, docs, 5)
	require.Equal(t, "invalid", docs[4]["status"])
	require.Equal(t, "c", docs[4]["plan"])
	require.Equal(t, bad, docs[4]["file"])
	errs := docs[4]["errors"].([]any)
	require.Len(t, errs, 2)
	first := errs[0].(map[string]any)
	require.Equal(t, float64(6), first["line"])
	require.Equal(t, float64(9), first["column"])
	require.Contains(t, first["message"], "status_code")
	for _, d := range docs[:4] {
		require.Equal(t, "passed", d["status"])
	}

	res = runCLI(t, nil, "", "run", "-o", "html", dir)
	require.Equal(t, exitUsage, res.code, res.stderr)
	require.Contains(t, res.stdout, "4 passed, 0 failed, 1 invalid")
	require.Contains(t, res.stdout, `<span class="badge invalid">invalid</span>`)
}

func TestRunDuplicateIDsAcrossPaths(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	one := writePlan(t, t.TempDir(), "passing.yaml", passingPlan, srv.URL)
	dir := t.TempDir()
	two := writePlan(t, dir, "other.yaml", passingPlan, srv.URL) // named passing too

	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", cmd, one, dir)
			require.Equal(t, exitUsage, res.code, res.stdout)
			if cmd == "run" {
				// The first runs; the second is reported as invalid.
				require.Contains(t, res.stdout, "2 plans: 1 passed, 0 failed, 1 invalid")
			} else {
				require.Empty(t, res.stdout)
			}
			require.Equal(t, two+`:1:7: plan id "passing" is already used by `+one+"; give one of them another name\n", res.stderr)
		})
	}
}

func TestRunStdinTwice(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "- get: {host: \"http://127.0.0.1:1/\"}\n", cmd, "-", "-")
			requireResult(t, res, exitUsage, "", "smokex "+cmd+": - (stdin) is given 2 times; it can be read only once")
			require.Empty(t, res.stdout)
		})
	}
}

func TestRunUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		path   string
		stderr string
	}{
		{name: "missing file", path: filepath.Join(dir, "nope.yaml"), stderr: "no such file or directory"},
		{name: "empty directory", path: dir, stderr: "no *.yaml or *.yml plans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", "run", tt.path)
			require.Equal(t, exitUsage, res.code)
			require.Contains(t, res.stderr, tt.stderr)
			require.Contains(t, res.stderr, tt.path)
		})
	}
}

func TestRunJSON(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, passing, failing := writeBoth(t, srv.URL)

	res := runCLI(t, nil, "", "run", "-o", "json", failing)
	require.Equal(t, exitFailed, res.code, res.stderr)
	var one map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &one), res.stdout)
	require.Equal(t, "failing", one["plan"])
	require.Equal(t, failing, one["file"])
	require.Equal(t, "failed", one["status"])
	require.Equal(t, "halted_on_error", one["stop_reason"])
	for _, key := range []string{"started_at", "finished_at", "duration_ms"} {
		require.Contains(t, one, key)
	}
	steps := one["steps"].([]any)
	require.Len(t, steps, 2)
	first := steps[0].(map[string]any)
	require.Equal(t, 0.0, first["index"])
	require.Equal(t, "GET", first["method"])
	require.Equal(t, srv.URL+"/fail", first["url"])
	require.Equal(t, 500.0, first["status_code"])
	require.Equal(t, 1.0, first["attempts"])
	require.Equal(t, false, first["ok"])
	require.Nil(t, first["error"])
	require.Equal(t, []any{map[string]any{"type": "status_code", "name": "status_code", "expected": "200", "received": "500", "line": 6.0, "column": 22.0}}, first["failures"])
	second := steps[1].(map[string]any)
	require.Equal(t, true, second["skipped"])
	require.Nil(t, second["status_code"])

	res = runCLI(t, nil, "", "run", "--output", "json", passing, failing)
	require.Equal(t, exitFailed, res.code, res.stderr)
	var several []record.Execution
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &several), res.stdout)
	require.Len(t, several, 2)
	require.Equal(t, "passing", several[0].PlanID)
	require.Equal(t, "passed", string(several[0].Status))
	require.Equal(t, "failing", several[1].PlanID)
}

func TestRunJUnit(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir, _, _ := writeBoth(t, srv.URL)

	res := runCLI(t, nil, "", "run", "-o", "junit", dir)
	require.Equal(t, exitFailed, res.code, res.stderr)
	var got junitSuites
	require.NoError(t, xml.Unmarshal([]byte(res.stdout), &got), res.stdout)
	require.Equal(t, 4, got.Tests)
	require.Equal(t, 1, got.Failures)
	require.Equal(t, 0, got.Errors)
	require.Equal(t, 1, got.Suites[0].Skipped)
	checkJUnitSchema(t, []byte(res.stdout))
	require.Len(t, got.Suites, 2)
	require.Equal(t, "failing", got.Suites[0].Name)
	require.Equal(t, filepath.Join(dir, "failing.yaml")+":6:22: status_code: expected 200, received 500", got.Suites[0].Cases[0].Failure.Message, "the message says where the plan writes the assertion")
	require.NotNil(t, got.Suites[0].Cases[1].Skipped)
	require.Equal(t, "passing", got.Suites[1].Name)
	require.Equal(t, 0, got.Suites[1].Failures)
}

func TestRunVars(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := writePlan(t, t.TempDir(), "vars.yaml", `- get:
    host: "${BASE}/echo"
    query: {v: "${WORD}"}
    expect:
      status_code: ${EXPECTED}
      string: "${WORD}"
`, "")

	res := runCLI(t, nil, "", "run", path, "--var", "BASE="+srv.URL, "--var", "WORD=bonjour", "--var", "EXPECTED=200")
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	require.Contains(t, res.stdout, srv.URL+"/echo?v=bonjour 200")

	res = runCLI(t, nil, "", "run", path, "--var", "BASE="+srv.URL, "--var", "WORD=bonjour", "--var", "EXPECTED=201")
	require.Equal(t, exitFailed, res.code, res.stdout+res.stderr)
	require.Contains(t, res.stdout, "status_code: expected 201, received 200")
}

func TestRunEnvironment(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	envPlan := writePlan(t, dir, "env.yaml", "- get: {host: \"${SMOKEX_BASE}/ok\"}\n", "")
	secretPlan := writePlan(t, dir, "secret.yaml", `secrets: [TOKEN]
steps:
  - get:
      host: "{{URL}}/auth"
      headers: {authorization: "Bearer ${TOKEN}"}
`, srv.URL)

	res := runCLI(t, map[string]string{"SMOKEX_BASE": srv.URL}, "", "run", envPlan)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)

	res = runCLI(t, nil, "", "run", secretPlan)
	require.Equal(t, exitUsage, res.code, res.stdout)
	require.Contains(t, res.stderr, "needs the secret TOKEN")

	res = runCLI(t, map[string]string{"TOKEN": "s3cret"}, "", "run", "-o", "json", secretPlan)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	require.NotContains(t, res.stdout, "s3cret")
}

func TestRunNoHalt(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := writePlan(t, t.TempDir(), "failing.yaml", failingPlan, srv.URL)

	res := runCLI(t, nil, "", "run", "--no-halt", path)
	require.Equal(t, exitFailed, res.code)
	require.Contains(t, res.stdout, "  ✓ GET "+srv.URL+"/ok 200")
	require.Contains(t, res.stdout, "  failing failed: 1 passed, 1 failed in ")
}

func TestRunJobs(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		writePlan(t, dir, name+".yaml", `name: `+name+`
steps:
  - get: {host: "{{URL}}/together"}
  - get: {host: "{{URL}}/ok"}
  - get: {host: "{{URL}}/echo?v=`+name+`"}
`, srv.URL)
	}

	res := runCLI(t, nil, "", "run", "--jobs", "2", dir)
	require.Equal(t, exitOK, res.code, res.stdout)
	// Each plan's lines form one block: its name, its three steps, its
	// summary.
	for _, name := range []string{"a", "b"} {
		block := regexp.MustCompile(`(?m)^` + name + `\n  ✓ GET .*/together 200 .*\n  ✓ GET .*/ok 200 .*\n  ✓ GET .*/echo\?v=` + name + ` 200 .*\n  ` + name + ` passed: 3 passed`)
		require.Regexp(t, block, res.stdout)
	}
	require.Contains(t, res.stdout, "2 plans: 2 passed, 0 failed; steps: 6 passed, 0 failed in ")
}

func TestRunReport(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir, _, path := writeBoth(t, srv.URL)

	tests := []struct {
		output string
		check  func(t *testing.T, report []byte)
	}{
		{output: "junit", check: func(t *testing.T, report []byte) {
			var got junitSuites
			require.NoError(t, xml.Unmarshal(report, &got))
			require.Equal(t, 2, got.Tests)
		}},
		{output: "json", check: func(t *testing.T, report []byte) {
			var got record.Execution
			require.NoError(t, json.Unmarshal(report, &got))
			require.Equal(t, "failing", got.PlanID)
		}},
		{output: "console", check: func(t *testing.T, report []byte) {
			require.Contains(t, string(report), "status_code: expected 200, received 500")
			require.NotContains(t, string(report), "\x1b[")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "report")
			res := runCLIWith(t, cliEnv{terminal: true}, "run", "-o", tt.output, "--report", file, path)
			require.Equal(t, exitFailed, res.code, res.stderr)
			require.Contains(t, res.stdout, " GET "+srv.URL+"/fail 500", "the console still goes to stdout")
			require.Contains(t, res.stdout, "\x1b[", "in colour on a terminal")
			report, err := os.ReadFile(file)
			require.NoError(t, err)
			tt.check(t, report)
		})
	}

	res := runCLI(t, nil, "", "run", "--report", filepath.Join(dir, "no", "such", "dir", "r.xml"), path)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "no such file or directory")
}

func TestRunQuiet(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, passing, failing := writeBoth(t, srv.URL)

	res := runCLI(t, nil, "", "run", "-q", passing, failing)
	require.Equal(t, exitFailed, res.code)
	require.NotContains(t, res.stdout, "✓")
	require.Contains(t, res.stdout, "✗ GET "+srv.URL+"/fail")
	require.Contains(t, res.stdout, "2 plans: 1 passed, 1 failed")
	// The failed step comes under its plan's name; a passed plan has only
	// its summary line.
	require.Contains(t, res.stdout, "failing\n  ✗ GET "+srv.URL+"/fail")
	require.NotContains(t, res.stdout, "passing\n")
}

func TestRunStdin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	res := runCLI(t, nil, strings.ReplaceAll(passingPlan, "{{URL}}", srv.URL), "run", "-")
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Contains(t, res.stdout, "passing passed")
}

func TestRunColor(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := writePlan(t, t.TempDir(), "passing.yaml", passingPlan, srv.URL)
	tests := []struct {
		name     string
		env      map[string]string
		terminal bool
		color    bool
	}{
		{name: "terminal", terminal: true, color: true},
		{name: "NO_COLOR", env: map[string]string{"NO_COLOR": "1"}, terminal: true, color: false},
		{name: "pipe", terminal: false, color: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLIWith(t, cliEnv{env: tt.env, terminal: tt.terminal}, "run", path)
			require.Equal(t, exitOK, res.code)
			require.Equal(t, tt.color, strings.Contains(res.stdout, "\x1b["), res.stdout)
		})
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	path := writePlan(t, dir, "hang.yaml", "- get: {host: \"{{URL}}/hang\"}\n", srv.URL)
	own := writePlan(t, dir, "own.yaml", "options: {timeout: 100ms}\nsteps:\n  - get: {host: \"{{URL}}/ok\"}\n", srv.URL)

	res := runCLI(t, nil, "", "run", "-t", "100ms", path)
	require.Equal(t, exitFailed, res.code, res.stderr)
	require.Contains(t, res.stdout, "      error (timeout): ")

	res = runCLI(t, nil, "", "run", "--timeout", "1ns", own)
	require.Equal(t, exitOK, res.code, "the plan's own timeout wins over the flag: %s", res.stdout)
}

func TestRunCanceled(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, passing, _ := writeBoth(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"run", "-o", "json", passing}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitFailed, code, stderr.String())
	var got record.Execution
	require.NoError(t, json.Unmarshal([]byte(stdout.String()), &got), stdout.String())
	require.Equal(t, "canceled", string(got.Status))
}

// TestRunStdinInterrupted cancels a run whose plan on stdin is still being
// written, in process.
func TestRunStdinInterrupted(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"run", "validate"} {
		pr, pw := io.Pipe()
		t.Cleanup(func() { _ = pw.Close() })
		ctx, cancel := context.WithCancel(t.Context())
		var stdout, stderr strings.Builder
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{cmd, "-"}, pr, &stdout, &stderr) }()
		_, err := pw.Write([]byte("- get:\n"))
		require.NoError(t, err)
		cancel()
		require.Equal(t, exitFailed, <-done, cmd)
		require.Equal(t, "smokex: interrupted while reading the plan on stdin\n", stderr.String(), cmd)
	}
}
