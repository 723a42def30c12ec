package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// echoTarget answers every request with all it received as JSON, the body
// as a string inside it (so a JSON body is escaped a second time), with
// status 500 so that every step fails and every output shows the most.
func echoTarget(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo-Path", r.URL.EscapedPath())
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"request_uri": r.RequestURI, "path": r.URL.Path, "query": r.URL.Query(),
			"headers": r.Header, "body": body.String(),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// leakCase is a secret in one of the forms that once leaked, the plan
// steps that use it, and the texts derived from it that must not show.
type leakCase struct {
	name, secret, steps string
	derived             []string
}

func leakCases(srvURL string) []leakCase {
	withCreds := strings.Replace(srvURL, "http://", "http://ada:${S}@", 1)
	const pw = "my sec/r@t#x"
	const tok = "tok3n-Zq9.x"
	return []leakCase{
		{name: "path", secret: "a/b c", steps: `
  - get: {host: "${base}/p/${S}/end", expect: {string: nope}}`},
		{name: "query", secret: "x;y z", steps: `
  - get: {host: "${base}/q?k=${S}&j=1", query: {also: "${S}"}, expect: {string: nope}}`},
		{name: "url string form", secret: "pa?ss|w", steps: `
  - get: {host: "${base}/s/${S}?k=${S}", expect: {string: nope}}`},
		{name: "brackets and caret", secret: "ab(c)^d", steps: `
  - get: {host: "${base}/s/${S}?k=${S}#${S}", expect: {string: nope}}`},
		{name: "url credentials", secret: pw, steps: `
  - get: {host: "` + withCreds + `/private", expect: {string: nope}}`,
			derived: []string{base64.StdEncoding.EncodeToString([]byte("ada:" + pw)), "my sec", "r@t#x"}},
		{name: "twice-escaped JSON", secret: `pa"ss\w<rd>`, steps: `
  - post: {host: "${base}/login", body: {user: ada, password: "${S}"}, expect: {string: nope}}`},
		{name: "derived", secret: tok, steps: `
  - post:
      host: "${base}/d/${upper(S)}?b=${base64(S)}"
      headers: {X-Sig: "${sha256(S)}", X-B64: "${b64}"}
      body: {up: "${upper(S)}"}
      expect: {string: nope}`,
			derived: []string{strings.ToUpper(tok), base64.StdEncoding.EncodeToString([]byte(tok))}},
	}
}

// plan is the plan of one case, run every second by serve.
func (c leakCase) plan() string {
	return `name: leak
schedule: "@every 1s"
secrets: [S]
vars: {b64: "${base64(S)}"}
options: {debug: true, halt_on_error: false}
steps:` + c.steps + "\n"
}

// ident is the case's name as an SQL identifier.
func (c leakCase) ident() string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return '_'
	}, c.name)
}

// hidden are the texts that must show in no output: the secret as it is
// and as URL escaping and JSON escaping (once and twice) write it, worked
// out here rather than by the package under test.
func (c leakCase) hidden() []string {
	s := c.secret
	jsonString := func(v string) string {
		b, _ := json.Marshal(v)
		return string(b[1 : len(b)-1])
	}
	raw := strings.NewReplacer(" ", "%20", "|", "%7C", "^", "%5E", `"`, "%22", `\`, "%5C", "<", "%3C", ">", "%3E").Replace(s)
	forms := []string{
		s, url.QueryEscape(s), url.PathEscape(s), raw,
		strings.TrimPrefix((&url.URL{Path: "/" + s}).EscapedPath(), "/"),
		(&url.URL{Fragment: s}).EscapedFragment(), url.User(s).String(),
		jsonString(s), jsonString(jsonString(s)),
	}
	return append(forms, c.derived...)
}

func requireNoLeak(t *testing.T, c leakCase, where, text string) {
	t.Helper()
	require.NotEmpty(t, text, where)
	for _, h := range c.hidden() {
		require.NotContains(t, text, h, "%s shows %q of secret %q", where, h, c.secret)
	}
}

// TestSecretsShowNowhere runs each leaking form through every output: the
// console (with debug), JSON, JUnit, the report file, the log of serve and,
// with a database, the rows serve stores.
func TestSecretsShowNowhere(t *testing.T) {
	t.Parallel()
	srv := echoTarget(t)
	var db *testDB
	if os.Getenv("SMOKEX_TEST_DATABASE_URL") != "" || os.Getenv("CI") != "" {
		db = newTestDB(t)
	}
	for _, c := range leakCases(srv.URL) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "leak.yaml")
			require.NoError(t, os.WriteFile(path, []byte(c.plan()), 0o600))
			env := map[string]string{"S": c.secret}

			for _, format := range []string{"console", "json", "junit"} {
				report := filepath.Join(dir, "report."+format)
				res := runCLI(t, env, "", "run", "-o", format, "--report", report, "--var", "base="+srv.URL, path)
				require.Equal(t, exitFailed, res.code, res.stderr)
				requireNoLeak(t, c, format, res.stdout)
				requireNoLeak(t, c, "stderr of "+format, res.stderr+" ")
				b, err := os.ReadFile(report)
				require.NoError(t, err)
				requireNoLeak(t, c, "report file "+format, string(b))
			}
			// The JSON report shows the request as sent, redacted.
			res := runCLI(t, env, "", "run", "-o", "json", "--var", "base="+srv.URL, path)
			require.Contains(t, res.stdout, "[REDACTED]")

			args := []string{"--secret", "S", "--var", "base=" + srv.URL, dir}
			if db != nil {
				// The schema's name is longer than River allows (46 bytes):
				// the in-process scheduler.
				args = append([]string{"--database-url", db.url, "--schema", db.schema + "_" + c.ident(), "--scheduler", "local"}, args...)
			}
			s := startServe(t, env, args...)
			line := s.waitLog(t, finishedLine("leak", "failed"))
			require.Equal(t, exitOK, s.stop(t))
			requireNoLeak(t, c, "serve log", logText(s.stderr))
			require.NotEmpty(t, line)

			if db != nil {
				schema := db.schema + "_" + c.ident()
				t.Cleanup(func() {
					_, _ = db.pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
				})
				var rows strings.Builder
				for _, q := range []string{
					"SELECT coalesce(string_agg(data::text, E'\\n'), '') FROM " + schema + ".step_results",
					"SELECT coalesce(string_agg(row_to_json(e)::text, E'\\n'), '') FROM " + schema + ".executions e",
				} {
					var text string
					require.NoError(t, db.pool.QueryRow(t.Context(), q).Scan(&text))
					rows.WriteString(text)
				}
				requireNoLeak(t, c, "stored rows", rows.String())
				require.Contains(t, rows.String(), "REDACTED")
			}
		})
	}
}
