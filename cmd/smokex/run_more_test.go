package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// durations matches the times the console prints, which change run to run.
var durations = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`)

// checkGolden compares got, its durations masked, with testdata/name, or
// rewrites the file with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	got = durations.ReplaceAllString(got, "T")
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "golden file %s (go test ./cmd/smokex -run %s -update rewrites it)", path, t.Name())
}

// TestRunFailurePlace: a failed assertion shows file:line:column, the
// source line and a caret under the key that failed.
func TestRunFailurePlace(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "place.yaml", `name: place
steps:
  - get:
      host: "{{URL}}/ok"
      expect:
        status_code: [200, 201]
        headers:
          content-type: {contains: xml}
        jsonpath:
          $.ok: {equal: false}
        body_size: {greater_than: 100}
`, srv.URL)
	res := runCLI(t, nil, "", "run", filepath.Join(dir, "place.yaml"))
	require.Equal(t, exitFailed, res.code, res.stderr)
	checkGolden(t, "failure_place.golden", strings.ReplaceAll(strings.ReplaceAll(res.stdout, dir, "DIR"), srv.URL, "URL"))

	res = runCLI(t, nil, "", "run", "-o", "json", filepath.Join(dir, "place.yaml"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc))
	fails := doc["steps"].([]any)[0].(map[string]any)["failures"].([]any)
	require.Len(t, fails, 3)
	for i, want := range [][2]float64{{8, 26}, {10, 18}, {11, 21}} {
		f := fails[i].(map[string]any)
		require.Equal(t, want, [2]float64{f["line"].(float64), f["column"].(float64)}, "%v", f)
	}
}

// TestRunPoll: the first thing a deploy pipeline does, against a server
// that answers 500 twice, then 200.
func TestRunPoll(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) <= 2 {
			http.Error(w, "starting", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{"status": "healthy"}`)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	path := writePlan(t, dir, "health.yaml", `- get: {host: "{{URL}}/health", expect: {jsonpath: {$.status: healthy}}}`, srv.URL)

	res := runCLI(t, nil, "", "run", path)
	require.Equal(t, exitFailed, res.code, "without --poll the first 500 fails: %s", res.stdout)

	res = runCLI(t, nil, "", "run", "--poll", "every=10ms,for=5s", path)
	require.Equal(t, exitOK, res.code, res.stdout)
	require.Contains(t, res.stdout, "(2 attempts)", "the run without --poll had the first 500")
	require.Regexp(t, `attempts: 1 500 \S+; 2 200 \S+`, res.stdout, "the second poll attempt gets the 200")

	res = runCLI(t, nil, "", "run", "--poll", "every=1s", path)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "needs for=DURATION")
}

// TestRunVerbose: -v prints each request and response, bounded, with the
// secrets redacted; debug: true does it for one step.
func TestRunVerbose(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Token", "tok-hunter2")
		fmt.Fprint(w, strings.Repeat("a", 5000))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	path := writePlan(t, dir, "v.yaml", `name: v
secrets: [TOKEN]
steps:
  - post:
      name: login
      host: "{{URL}}/login"
      headers: {Authorization: "Bearer ${TOKEN}", X-Key: "${TOKEN}"}
      body: {password: "${TOKEN}"}
      save_from_response: [{variable_name: t, header: X-Token}]
  - get:
      name: quiet
      host: "{{URL}}/quiet"
`, srv.URL)
	env := map[string]string{"TOKEN": "hunter2"}

	res := runCLI(t, env, "", "run", "-v", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	out := res.stdout
	require.NotContains(t, out, "hunter2")
	require.Contains(t, out, "> POST "+srv.URL+"/login")
	require.Contains(t, out, "> Authorization: [REDACTED]")
	require.Contains(t, out, `> {"password":"[REDACTED]"}`)
	require.Contains(t, out, "< HTTP/1.1 200 (5000 bytes)")
	require.Contains(t, out, "< Content-Type: text/plain")
	require.Contains(t, out, "... 2952 more bytes", "bodies are bounded")
	require.Contains(t, out, "captures: t=")
	require.Contains(t, out, "timings: dns")
	require.Contains(t, out, "> GET "+srv.URL+"/quiet")

	// Without -v, nothing of it; with debug on one step, that step only.
	res = runCLI(t, env, "", "run", path)
	require.NotContains(t, res.stdout, "> POST")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(mustRead(t, path), "      name: quiet\n", "      name: quiet\n      options: {debug: true}\n", 1)), 0o600))
	res = runCLI(t, env, "", "run", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.NotContains(t, res.stdout, "> POST")
	require.Contains(t, res.stdout, "> GET "+srv.URL+"/quiet")
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestRunSelect: --label, --plan and --exclude choose the plans; a stray
// docker-compose.yml in the folder no longer stops the run.
func TestRunSelect(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "a.yaml", "{name: a, labels: {team: pay, env: prod}, steps: [{get: {host: \"{{URL}}/ok\"}}]}", srv.URL)
	writePlan(t, dir, "b.yaml", "{name: b, labels: {team: pay}, steps: [{get: {host: \"{{URL}}/ok\"}}]}", srv.URL)
	writePlan(t, dir, "c.yaml", "{name: c, labels: {team: web}, steps: [{get: {host: \"{{URL}}/ok\"}}]}", srv.URL)
	writePlan(t, dir, "docker-compose.yml", "services: {web: {image: nginx}}\n", srv.URL)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "drafts"), 0o755))
	writePlan(t, dir, "drafts/d.yaml", "- get: {host: nope}\n", srv.URL)

	ran := func(res cliResult) []string {
		var ids []string
		for _, line := range strings.Split(res.stdout, "\n") {
			if len(line) == 1 {
				ids = append(ids, line)
			}
		}
		return ids
	}
	res := runCLI(t, nil, "", "run", dir)
	require.Equal(t, exitUsage, res.code, "the stray files are errors")
	require.Contains(t, res.stderr, "docker-compose.yml")

	res = runCLI(t, nil, "", "run", "--exclude", "docker-compose.yml", "--exclude", "drafts", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Equal(t, []string{"a", "b", "c"}, ran(res))

	res = runCLI(t, nil, "", "run", "--exclude", "*.yml", "--exclude", "drafts/*", "--label", "team=pay", dir)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Equal(t, []string{"a", "b"}, ran(res))

	res = runCLI(t, nil, "", "run", "--exclude", "*.yml", "--exclude", "drafts", "--label", "team=pay", "--label", "env=prod", dir)
	require.Equal(t, []string{"a"}, ran(res))

	res = runCLI(t, nil, "", "run", "--exclude", "*.yml", "--exclude", "drafts", "--plan", "c", "--plan", "b", dir)
	require.Equal(t, []string{"b", "c"}, ran(res))

	res = runCLI(t, nil, "", "run", "--exclude", "*.yml", "--exclude", "drafts", "--plan", "nope", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "no plan matches --plan nope")

	res = runCLI(t, nil, "", "run", "--exclude", "[", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "--exclude")
}

// TestRunOrder: plans print in the order given, whatever --jobs, each
// plan's lines together.
func TestRunOrder(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"c", "a", "e", "b", "d"} {
		paths = append(paths, writePlan(t, dir, name+".yaml", "{name: "+name+", steps: [{get: {host: \"{{URL}}/ok\"}}, {get: {host: \"{{URL}}/echo\"}}]}", srv.URL))
	}
	for _, jobs := range []string{"1", "3"} {
		for range 3 {
			res := runCLI(t, nil, "", append([]string{"run", "--jobs", jobs}, paths...)...)
			require.Equal(t, exitOK, res.code, res.stderr)
			var order []string
			lines := strings.Split(res.stdout, "\n")
			for i, line := range lines {
				if len(line) == 1 {
					order = append(order, line)
					require.True(t, strings.HasPrefix(lines[i+1], "  ✓ GET"), "a plan's lines stay together:\n%s", res.stdout)
					require.True(t, strings.HasPrefix(lines[i+2], "  ✓ GET"), "a plan's lines stay together:\n%s", res.stdout)
				}
			}
			require.Equal(t, []string{"c", "a", "e", "b", "d"}, order, "--jobs %s", jobs)
		}
	}
}

// TestRunBadFlagOneLine: --var base without = is one line saying so, not
// the whole usage text.
func TestRunBadFlagOneLine(t *testing.T) {
	t.Parallel()
	res := runCLI(t, nil, "", "run", "--var", "base", "plans/")
	require.Equal(t, exitUsage, res.code)
	require.Equal(t, "smokex run: invalid value \"base\" for flag -var: \"base\" is not NAME=VALUE\nRun \"smokex help run\" for usage.\n", res.stderr)
}

// TestRunPlanDidYouMean: a misspelt --plan ID names the closest loaded plan.
func TestRunPlanDidYouMean(t *testing.T) {
	t.Parallel()
	srv, dir := newServer(t), t.TempDir()
	for _, id := range []string{"demo-login", "orders"} {
		writePlan(t, dir, id+".yaml", "{name: "+id+", steps: [{get: {host: \"{{URL}}/ok\"}}]}", srv.URL)
	}

	res := runCLI(t, nil, "", "run", "--plan", "demo-logn", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "no plan matches --plan demo-logn; did you mean --plan demo-login?")

	res = runCLI(t, nil, "", "run", "--plan", "payments", dir)
	require.Equal(t, exitUsage, res.code)
	require.Contains(t, res.stderr, "no plan matches --plan payments\n")
}

// TestRunVerboseWire: -v shows the request as it went on the wire, with
// the cookie jar's Cookie (masked) and the transport's Accept-Encoding.
func TestRunVerboseWire(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t-session"})
			return
		}
		if c, err := r.Cookie("session"); err != nil || c.Value != "s3cr3t-session" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	path := writePlan(t, t.TempDir(), "c.yaml", `name: c
steps:
  - post:
      name: login
      host: "{{URL}}/login"
  - get:
      name: me
      host: "{{URL}}/me"
`, srv.URL)

	res := runCLI(t, nil, "", "run", "-v", path)
	require.Equal(t, exitOK, res.code, res.stdout+res.stderr)
	out := res.stdout
	require.NotContains(t, out, "s3cr3t-session")
	me := out[strings.Index(out, "> GET "+srv.URL+"/me"):]
	require.Contains(t, me, "> Cookie: [REDACTED]")
	require.Contains(t, me, "> Accept-Encoding: gzip")
}

// TestRunPollProgress: on a terminal, a polling step shows each attempt on
// one line rewritten in place, cleared by the step's own line; a plan
// whose output waits behind another's shows none, and a pipe gets none.
func TestRunPollProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	terminal := cliEnv{terminal: true, env: map[string]string{"NO_COLOR": "1"}}

	url := pollServer(t)
	health := writePlan(t, dir, "health.yaml", `- get: {host: "{{URL}}/slow", expect: {jsonpath: {$.status: healthy}}}`, url)
	res := runCLIWith(t, terminal, "run", "--poll", "every=10ms,for=1m", health)
	require.Equal(t, exitOK, res.code, res.stdout)
	require.Contains(t, res.stdout, clearLine+"  … GET "+url+"/slow polling: attempt 1 got 503; gives up in ")
	require.Contains(t, res.stdout, clearLine+"  … GET "+url+"/slow polling: attempt 2 got 503; gives up in ")
	require.Regexp(t, `gives up in \S+`+regexp.QuoteMeta(clearLine+"  ✓ GET "+url+"/slow 200"), res.stdout,
		"the step's line replaces the progress line")

	url = pollServer(t)
	health = writePlan(t, dir, "health.yaml", `- get: {host: "{{URL}}/slow", expect: {jsonpath: {$.status: healthy}}}`, url)
	res = runCLIWith(t, cliEnv{}, "run", "--poll", "every=10ms,for=1m", health)
	require.Equal(t, exitOK, res.code, res.stdout)
	require.NotContains(t, res.stdout, "polling", "a pipe gets no progress line")
	require.NotContains(t, res.stdout, clearLine)

	url = pollServer(t)
	gate := writePlan(t, dir, "gate.yaml", `- get: {host: "{{URL}}/gate", expect: {status_code: 200}}`, url)
	health = writePlan(t, dir, "health.yaml", `- get: {host: "{{URL}}/slow", expect: {jsonpath: {$.status: healthy}}}`, url)
	res = runCLIWith(t, terminal, "run", "--jobs", "2", "--poll", "every=10ms,for=1m", gate, health)
	require.Equal(t, exitOK, res.code, res.stdout)
	require.NotContains(t, res.stdout, "polling", "the second plan polled while the first held the screen")
	require.Contains(t, res.stdout, "✓ GET "+url+"/slow 200")
}

// pollServer serves /slow, which answers 503 twice, then healthy, and
// /gate, whose first request waits until /slow has answered healthy.
func pollServer(t *testing.T) string {
	t.Helper()
	healthy := make(chan struct{})
	var slowCalls, gateCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		switch slowCalls.Add(1) {
		case 1, 2:
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		case 3:
			close(healthy)
		}
		fmt.Fprint(w, `{"status": "healthy"}`)
	})
	mux.HandleFunc("/gate", func(w http.ResponseWriter, r *http.Request) {
		if gateCalls.Add(1) == 1 {
			select {
			case <-healthy:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprint(w, `{"status": "healthy"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
