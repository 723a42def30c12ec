package exec_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
)

// TestURLUserinfo checks that credentials in a step's URL are sent as basic
// auth whether or not the step follows redirects, and that the password
// shows nowhere in the result.
func TestURLUserinfo(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ada" || p != "hunter2" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("welcome"))
	})
	base := strings.Replace(srv.URL, "http://", "http://ada:hunter2@", 1)
	for _, follow := range []string{"false", "true"} {
		t.Run("follow_redirects "+follow, func(t *testing.T) {
			t.Parallel()
			p := parse(t, `
- get:
    host: "${base}/private"
    expect: {status_code: 200, string: nope}
    options: {follow_redirects: `+follow+`, debug: true}
`)
			e := run(t, p, &exec.RunOpts{Vars: map[string]any{"base": base}})
			res := e.Steps[0]
			require.Nil(t, res.Error)
			require.NotNil(t, res.Response)
			require.Equal(t, http.StatusOK, res.Response.StatusCode, "the credentials were not sent")
			require.Len(t, res.Failures, 1)
			require.Contains(t, res.URL, "ada:")
			for _, s := range []string{res.URL, res.Name, res.Request.URL, res.Failures[0].Received} {
				require.NotContains(t, s, "hunter2")
			}
		})
	}
}

// TestURLPasswordInPlanText checks that a password written in the plan's
// URL shows neither in the default name nor in the URL of a skipped step.
func TestURLPasswordInPlanText(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	p := parse(t, `
- get: {host: "${base}/fails"}
- get: {host: "http://ada:hunter2@127.0.0.1:1/never"}
`)
	e := run(t, p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	res := e.Steps[1]
	require.True(t, res.Skipped)
	require.Equal(t, "GET http://ada:xxxxx@127.0.0.1:1/never", res.Name)
	require.Equal(t, "http://ada:xxxxx@127.0.0.1:1/never", res.URL)
}

// TestSecretInJSONBody checks that a secret that JSON escapes is masked in
// the request and response bodies a debug step keeps.
func TestSecretInJSONBody(t *testing.T) {
	t.Parallel()
	const secret = `pa"ss<&>`
	// The server answers with the password as encoding/json writes it.
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		_ = json.NewEncoder(w).Encode(in)
	})
	p := parse(t, `
secrets: [PASSWORD]
steps:
  - post:
      host: "${base}/login"
      body: {password: "${PASSWORD}"}
      options: {debug: true}
`)
	e := run(t, p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}, Secrets: map[string]string{"PASSWORD": secret}})
	res := e.Steps[0]
	require.True(t, res.OK, "%+v", res.Error)
	require.Equal(t, `{"password":"[REDACTED]"}`, res.Request.Body)
	require.Equal(t, "{\"password\":\"[REDACTED]\"}\n", res.Response.Body)
}
