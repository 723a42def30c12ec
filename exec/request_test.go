package exec_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// echo answers with what it received, as JSON.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"method":  r.Method,
		"path":    r.URL.Path,
		"query":   r.URL.Query(),
		"headers": r.Header,
		"body":    string(body),
	})
}

type echoed struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   url.Values          `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// sent runs one step against the echo server with debug on and returns
// what the server received.
func sent(t *testing.T, s plan.Step, vars map[string]any) echoed {
	t.Helper()
	srv := serve(t, echo)
	s.Options.Debug = set(true)
	if vars == nil {
		vars = map[string]any{}
	}
	vars["base"] = srv.URL
	e := run(t, newPlan(s), &exec.RunOpts{Vars: vars})
	require.Equal(t, record.StatusPassed, e.Status, "%+v", e.Steps[0].Error)
	var got echoed
	require.NoError(t, json.Unmarshal([]byte(e.Steps[0].Response.Body), &got))
	return got
}

func TestRequestBuilding(t *testing.T) {
	t.Parallel()
	t.Run("query appends and repeats", func(t *testing.T) {
		t.Parallel()
		s := step(t, "GET", "${base}/search?a=1", func(s *plan.Step) {
			s.Query = []plan.Param{
				{Name: "q", Values: []*plan.Template{tpl(t, "x y"), tpl(t, "${n}")}},
				{Name: "ids", Values: []*plan.Template{tpl(t, "${ids}")}},
			}
		})
		got := sent(t, s, map[string]any{"n": 7, "ids": []any{1, 2}})
		require.Equal(t, "/search", got.Path)
		require.Equal(t, url.Values{"a": {"1"}, "q": {"x y", "7"}, "ids": {"1", "2"}}, got.Query)
	})
	t.Run("query text escaped", func(t *testing.T) {
		t.Parallel()
		got := sent(t, step(t, "GET", "${base}/p?a=${v}&b=%41"), map[string]any{"v": "x y\"ü"})
		require.Equal(t, url.Values{"a": {"x y\"ü"}, "b": {"A"}}, got.Query)
	})
	t.Run("headers", func(t *testing.T) {
		t.Parallel()
		s := step(t, "GET", "${base}/", func(s *plan.Step) {
			s.Headers = params(t, "authorization", "Bearer ${token}", "X-Many", "a", "x-many", "b")
		})
		got := sent(t, s, map[string]any{"token": "abcd"})
		// The Authorization header sent is a secret from then on: echoed
		// back, it shows masked.
		require.Equal(t, []string{"[REDACTED]"}, got.Headers["Authorization"])
		require.Equal(t, []string{"a", "b"}, got.Headers["X-Many"])
		require.Equal(t, []string{"smokex"}, got.Headers["User-Agent"])

		var seen http.Header
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() })
		e := run(t, newPlan(step(t, "GET", srv.URL, func(s *plan.Step) { s.Headers = params(t, "authorization", "Bearer ${token}") })), &exec.RunOpts{Vars: map[string]any{"token": "abcd"}})
		require.Equal(t, record.StatusPassed, e.Status)
		require.Equal(t, []string{"Bearer abcd"}, seen["Authorization"])
	})
	t.Run("json body keeps types", func(t *testing.T) {
		t.Parallel()
		s := step(t, "POST", "${base}/", func(s *plan.Step) {
			s.Body = val(t, map[string]any{"points": "${n}", "name": "user ${n}", "tags": []any{"a", true, nil, 1.5}})
		})
		got := sent(t, s, map[string]any{"n": 23})
		require.JSONEq(t, `{"points":23,"name":"user 23","tags":["a",true,null,1.5]}`, got.Body)
		require.Equal(t, []string{"application/json"}, got.Headers["Content-Type"])
	})
	t.Run("content type kept", func(t *testing.T) {
		t.Parallel()
		s := step(t, "PUT", "${base}/", func(s *plan.Step) {
			s.Headers = params(t, "content-type", "application/vnd.x+json")
			s.Body = val(t, map[string]any{"a": 1})
		})
		got := sent(t, s, nil)
		require.Equal(t, "PUT", got.Method)
		require.Equal(t, []string{"application/vnd.x+json"}, got.Headers["Content-Type"])
	})
	t.Run("string body as is", func(t *testing.T) {
		t.Parallel()
		s := step(t, "POST", "${base}/", func(s *plan.Step) { s.Body = val(t, "<x>${n}</x>") })
		got := sent(t, s, map[string]any{"n": 1})
		require.Equal(t, "<x>1</x>", got.Body)
		require.Equal(t, []string{"text/plain; charset=utf-8"}, got.Headers["Content-Type"], "text says what it is")
	})
	t.Run("string body with its own type", func(t *testing.T) {
		t.Parallel()
		s := step(t, "POST", "${base}/", func(s *plan.Step) {
			s.Headers = params(t, "Content-Type", "application/xml")
			s.Body = val(t, "<x/>")
		})
		got := sent(t, s, nil)
		require.Equal(t, []string{"application/xml"}, got.Headers["Content-Type"])
	})
	t.Run("form", func(t *testing.T) {
		t.Parallel()
		s := step(t, "POST", "${base}/", func(s *plan.Step) { s.Form = params(t, "user", "bob", "pass", "a&b=${n}") })
		got := sent(t, s, map[string]any{"n": 2})
		require.Equal(t, "user=bob&pass=a%26b%3D2", got.Body)
		require.Equal(t, []string{"application/x-www-form-urlencoded"}, got.Headers["Content-Type"])
	})
}

func TestDebugKeepsRequestBody(t *testing.T) {
	t.Parallel()
	srv := serve(t, echo)
	mk := func(debug bool) *plan.Plan {
		s := step(t, "POST", srv.URL, func(s *plan.Step) { s.Body = val(t, "hello") })
		s.Options.Debug = set(debug)
		return newPlan(s)
	}
	e := run(t, mk(true), nil)
	require.Equal(t, "hello", e.Steps[0].Request.Body)
	require.Contains(t, e.Steps[0].Response.Body, `"body":"hello"`)
	e = run(t, mk(false), nil)
	require.Empty(t, e.Steps[0].Request.Body)
	require.Empty(t, e.Steps[0].Response.Body, "a passed step keeps no body without debug")
	require.Positive(t, e.Steps[0].Response.Size)
}
