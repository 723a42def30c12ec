package exec_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// echoAll answers with everything it received, as JSON: the URL as the
// request line gave it, the headers, and the body as a string (a common
// echo pattern that escapes a JSON body a second time).
func echoAll(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"url": r.URL.String(), "raw": r.RequestURI, "path": r.URL.Path, "query": r.URL.Query(),
		"headers": r.Header, "body": body.String(),
	})
}

// everything lists every text a result shows, and the result as JSON.
func everything(t *testing.T, e *record.Execution) []string {
	t.Helper()
	var out []string
	for _, r := range e.Steps {
		out = append(out, shown(r)...)
		for k, v := range r.Captures {
			out = append(out, k, fmt.Sprint(v))
		}
	}
	if e.Error != nil {
		out = append(out, e.Error.Message)
	}
	b, err := json.Marshal(e)
	require.NoError(t, err)
	return append(out, string(b))
}

func requireHidden(t *testing.T, e *record.Execution, hidden ...string) {
	t.Helper()
	for _, s := range everything(t, e) {
		for _, h := range hidden {
			require.NotContains(t, s, h)
		}
	}
}

// TestDerivedSecretsAreRedacted checks that values computed from a secret
// through expressions (vars, templates, captures) are redacted as the
// secret is.
func TestDerivedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	srv := serve(t, echoAll)
	const token = "tok-3n.9Zq"
	sum := sha256.Sum256([]byte(token))
	derived := []string{
		token,
		base64.StdEncoding.EncodeToString([]byte(token)),
		strings.ToUpper(token),
		hex.EncodeToString(sum[:]),
		base64.StdEncoding.EncodeToString([]byte("bob:" + token)),
		url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(token))),
	}
	e := runYAML(t, srv, `
secrets: [TOKEN]
vars:
  b64: "${base64(TOKEN)}"
steps:
  - post:
      host: "${base}/a/${upper(TOKEN)}?sig=${sha256(TOKEN)}&b=${b64}"
      headers: {X-Basic: "${base64('bob:' + TOKEN)}", X-Plain: "${b64}"}
      body: {up: "${upper(TOKEN)}", b64: "${b64}"}
      save_from_response:
        - {variable_name: shout, expression: "upper(TOKEN) + '!'"}
      options: {debug: true}
  - get:
      host: "${base}/b?x=${shout}"
      expect: {string: "${shout} is not there"}
      options: {debug: true}
`, &exec.RunOpts{Secrets: map[string]string{"TOKEN": token}})
	require.Equal(t, record.StatusFailed, e.Status)
	require.True(t, e.Steps[0].OK, "%+v", e.Steps[0].Error)
	require.Contains(t, e.Steps[0].Response.Body, "[REDACTED]")
	requireHidden(t, e, derived...)
	requireHidden(t, e, strings.ToUpper(token)+"!")
}

// TestURLCredentials checks a password with characters that URLs treat
// specially: sent as basic auth, shown nowhere, not even in pieces, and
// neither is the Authorization header built from it when a target echoes
// it back.
func TestURLCredentials(t *testing.T) {
	t.Parallel()
	const password = "my sec/r@t#x?y"
	var got struct{ user, pass string }
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.user, got.pass, _ = r.BasicAuth()
		echoAll(w, r)
	})
	base := strings.Replace(srv.URL, "http://", "http://ada:${PASS}@", 1)
	e := runYAML(t, srv, `
secrets: [PASS]
steps:
  - get:
      host: "`+base+`/in"
      expect: {string: nope}
      options: {debug: true}
`, &exec.RunOpts{Secrets: map[string]string{"PASS": password}})
	res := e.Steps[0]
	require.Nil(t, res.Error)
	require.Equal(t, "ada", got.user)
	require.Equal(t, password, got.pass, "the password went whole to the target")
	require.Equal(t, srv.URL[:7]+"ada:xxxxx@"+srv.URL[7:]+"/in", res.URL)
	basic := base64.StdEncoding.EncodeToString([]byte("ada:" + password))
	require.Contains(t, res.Response.Body, `"Authorization":["[REDACTED]"]`)
	requireHidden(t, e, basic, "my sec", "r@t", "t#x", "x?y")
}

// TestURLPasswordThatDoesNotParse checks a URL whose password, written in
// the plan, breaks the URL: the error says why without a piece of it.
func TestURLPasswordThatDoesNotParse(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://ada:my secret@127.0.0.1:1/x",
		"http://ada:my:secret/x@127.0.0.1:1/",
		"http://ada:hunter2 x@127.0.0.1:1/",
	} {
		// From a var: written in the plan, the URL is checked at load.
		p := parse(t, "- get: {host: \"${u}\"}\n")
		e := run(t, p, &exec.RunOpts{Vars: map[string]any{"u": raw}})
		res := e.Steps[0]
		require.NotNil(t, res.Error, raw)
		require.Equal(t, record.ErrInvalidURL, res.Error.Kind, res.Error.Message)
		require.Contains(t, res.Error.Message, "percent-encoded", raw)
		for _, piece := range []string{"secret", "hunter2", "my", ":my"} {
			require.NotContains(t, res.Error.Message, piece, raw)
		}
	}
}

// TestRedirectDropsCredentials follows redirects from https to http and to
// another port: like curl, the Authorization header goes only to the
// origin it was given for.
func TestRedirectDropsCredentials(t *testing.T) {
	t.Parallel()
	auth := make(chan string, 4)
	record := func(w http.ResponseWriter, r *http.Request) {
		auth <- r.Header.Get("Authorization")
		_, _ = w.Write([]byte("ok"))
	}
	plain := serve(t, record)
	other := serve(t, record)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-http":
			http.Redirect(w, r, plain.URL+"/landed", http.StatusFound)
		case "/same":
			http.Redirect(w, r, "/landed", http.StatusFound)
		default:
			record(w, r)
		}
	}))
	t.Cleanup(secure.Close)
	toPort := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/to-port" {
			// The same host, another port.
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
			return
		}
		record(w, r)
	})
	cases := []struct {
		name, url string
		want      string
	}{
		{"https to http", secure.URL + "/to-http", ""},
		{"another port", toPort.URL + "/to-port", ""},
		{"same origin", secure.URL + "/same", "Bearer s3cret-token"},
	}
	for _, c := range cases {
		p := parse(t, `
- get:
    host: "`+c.url+`"
    headers: {Authorization: "Bearer s3cret-token"}
    options: {follow_redirects: true, insecure: true}
`)
		e := run(t, p, nil)
		require.Equal(t, "passed", string(e.Status), "%s: %+v", c.name, e.Steps[0].Error)
		require.Equal(t, c.want, <-auth, c.name)
	}
}

func TestRedirectToFile(t *testing.T) {
	t.Parallel()
	srv := serve(t, redirecting("/", "file:///etc/passwd", http.StatusFound, 200))
	p := parse(t, "- get: {host: \"${base}/\", options: {follow_redirects: true}}\n")
	e := run(t, p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	res := e.Steps[0]
	require.NotNil(t, res.Error)
	require.Equal(t, record.ErrRedirects, res.Error.Kind)
	require.Equal(t, "redirected to file:///etc/passwd, which is not http or https; smokex follows redirects to http and https only", res.Error.Message)
}

// TestShortSecret checks that a secret too short to mask inside text is
// masked where it stands whole, not inside other text, and that the run
// warns once about it.
func TestShortSecret(t *testing.T) {
	t.Parallel()
	srv := serve(t, echoAll)
	var logs bytes.Buffer
	r := newRunner(t, exec.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p := parse(t, `
secrets: [PIN]
steps:
  - get:
      host: "${base}/pin/${PIN}?pin=${PIN}"
      headers: {X-Pin: "${PIN}"}
      expect: {string: "no such text"}
      options: {debug: true}
`)
	for range 2 {
		e := r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}, Secrets: map[string]string{"PIN": "7"}})
		res := e.Steps[0]
		require.Equal(t, srv.URL+"/pin/[REDACTED]?pin=[REDACTED]", res.URL)
		require.Equal(t, []string{"[REDACTED]"}, res.Request.Headers["X-Pin"])
		// In the echoed JSON, the whole strings are masked; the 7 inside
		// longer text is not, as the warning says.
		require.Contains(t, res.Response.Body, `"X-Pin":["[REDACTED]"]`)
		require.Contains(t, res.Response.Body, `"pin":["[REDACTED]"]`)
		require.Contains(t, res.Response.Body, `"raw":"/pin/7?pin=7"`)
		require.Equal(t, 2, strings.Count(res.Response.Body, "[REDACTED]"), "no confetti: %s", res.Response.Body)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "secret PIN is 1 byte(s) long"), logs.String())
}

// TestSkippedStepURLCredentials checks the URL a skipped step shows, as
// its template would have sent it, with a password that URLs cut.
func TestSkippedStepURLCredentials(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	e := runYAML(t, srv, `
secrets: [PASS]
steps:
  - get: {host: "${base}/fails"}
  - get: {host: "http://ada:${PASS}@127.0.0.1:1/x"}
`, &exec.RunOpts{Secrets: map[string]string{"PASS": "p@ss/w#rd"}})
	res := e.Steps[1]
	require.True(t, res.Skipped)
	require.Equal(t, "http://ada:xxxxx@127.0.0.1:1/x", res.URL)
	require.Equal(t, "GET http://ada:xxxxx@127.0.0.1:1/x", res.Name)
	requireHidden(t, e, "p@ss", "ss/w", "w#rd")
}

// TestRedactedCapture: a capture with redact: true is a secret from then
// on: the captured value, the body it came from, a later request that
// sends it, a failure that shows it and values computed from it are all
// masked; a capture without it is shown.
func TestRedactedCapture(t *testing.T) {
	t.Parallel()
	const token = "sess-7Hq2.xY9"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Session", token)
			fmt.Fprintf(w, `{"token": %q, "user": "ada"}`, token)
			return
		}
		echoAll(w, r)
	})
	e := runYAML(t, srv, `
steps:
  - post:
      host: "${base}/login"
      expect:
        json: {token: "not it"}
      save_from_response:
        - variable_name: token
          json_path: $.token
          redact: true
        - variable_name: user
          json_path: $.user
      options: {debug: true, halt_on_error: false}
  - get:
      host: "${base}/me?t=${token}"
      headers: {X-Token: "${token}", X-Derived: "${upper(token)}"}
      expect: {string: "${token} nowhere"}
      options: {debug: true}
`, nil)
	require.Equal(t, record.StatusFailed, e.Status)
	require.Equal(t, "[REDACTED]", e.Steps[0].Captures["token"])
	require.Equal(t, "ada", e.Steps[0].Captures["user"], "a capture without redact is shown")
	require.Contains(t, e.Steps[0].Response.Body, `"token": "[REDACTED]"`)
	require.Len(t, e.Steps[1].Request.Headers["X-Token"], 1)
	requireHidden(t, e, token, strings.ToUpper(token))
}
