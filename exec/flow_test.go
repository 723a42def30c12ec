package exec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

func TestCaptures(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			w.Header().Set("X-Request-Id", "req-1")
			_, _ = w.Write([]byte(`{"session":{"token":"tok"},"items":[{"id":1},{"id":2}],"n":23}`))
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "auth": r.Header.Get("Authorization"), "query": r.URL.RawQuery})
		}
	})
	e := runYAML(t, srv, `
- post:
    host: "${base}/login"
    save_from_response:
      - {variable_name: token, json_path: session.token}
      - {variable_name: first, json_path: "$.items[0].id"}
      - {variable_name: ids, json_path: "$.items[*].id"}
      - {variable_name: rid, header: x-request-id}
      - {variable_name: doubled, expression: "json.n * 2"}
      - {variable_name: code, expression: status}
- get:
    host: "${base}/me/${first}"
    query: {ids: "${ids}", n: "${doubled}", code: "${code}", rid: "${rid}"}
    headers: {authorization: "Bearer ${token}"}
    expect:
      json: {auth: Bearer tok, path: /me/1}
      assert: ["json.query == 'ids=1&ids=2&n=46&code=200&rid=req-1'"]
`, nil)
	require.Equal(t, record.StatusPassed, e.Status, "%+v %v %v", e.Steps[0].Error, failures(e.Steps[1]), e.Steps[1].Error)
	require.Equal(t, map[string]any{"token": "tok", "first": int64(1), "ids": []any{int64(1), int64(2)}, "rid": "req-1", "doubled": 46, "code": 200}, e.Steps[0].Captures)
}

func TestCaptureFailures(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	cases := []struct {
		name, capture, want string
		kind                record.ErrorKind
	}{
		{"path matches nothing", "{variable_name: x, json_path: $.user.nope}", "x: json_path $.user.nope matched nothing", record.ErrCapture},
		{"no header", "{variable_name: x, header: X-Nope}", "x: the response has no header X-Nope", record.ErrCapture},
		{"expression nil", "{variable_name: x, expression: json.nope}", "x: expression json.nope gave nothing", record.ErrCapture},
		{"expression error", "{variable_name: x, expression: json.user.id.x.y}", "x: expression json.user.id.x.y failed", record.ErrCapture},
		{"undefined", "{variable_name: x, expression: nope}", `capture x: undefined variable "nope"`, record.ErrInterpolation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := runYAML(t, srv, `[{get: {host: "${base}/user", save_from_response: [`+c.capture+`]}}, {get: {host: "${base}/user"}}]`, nil)
			require.Equal(t, []string{"failed/halted_on_error", string(c.kind), "skipped"}, statuses(e))
			require.Contains(t, e.Steps[0].Error.Message, c.want)
			require.NotEmpty(t, e.Steps[0].Response.Body, "a failed step keeps an excerpt")
		})
	}
	e := runYAML(t, srv, `[{get: {host: "${base}/text", save_from_response: [{variable_name: x, json_path: a}]}}]`, nil)
	require.Equal(t, record.ErrCapture, e.Steps[0].Error.Kind)
	require.Contains(t, e.Steps[0].Error.Message, "x: json_path a: the body is not JSON")
}

func TestHalt(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	steps := `
  - get: {host: "${base}/user"}
  - get: {host: "${base}/boom"}
  - get: {host: "${base}/user"}`
	no, yes := false, true
	cases := []struct {
		name     string
		yaml     string
		override *bool
		want     []string
	}{
		{"default halts", "steps:" + steps, nil, []string{"failed/halted_on_error", "ok", "failed", "skipped"}},
		{"plan off", "options: {halt_on_error: false}\nsteps:" + steps, nil, []string{"failed", "ok", "failed", "ok"}},
		{"caller off", "steps:" + steps, &no, []string{"failed", "ok", "failed", "ok"}},
		{"caller on", "options: {halt_on_error: false}\nsteps:" + steps, &yes, []string{"failed/halted_on_error", "ok", "failed", "skipped"}},
		{"all pass", `steps: [{get: {host: "${base}/user"}}]`, nil, []string{"passed", "ok"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := runYAML(t, srv, c.yaml, &exec.RunOpts{HaltOnError: c.override})
			require.Equal(t, c.want, statuses(e))
			for _, s := range e.Steps {
				if s.Skipped {
					require.False(t, s.OK)
					require.Zero(t, s.Attempts)
					require.Nil(t, s.Response)
					require.Equal(t, "GET "+srv.URL+"/user", s.Name, "a skipped step shows its URL, not the template")
					require.Equal(t, srv.URL+"/user", s.URL)
				}
			}
		})
	}
}

// recorder is an observer that records what it sees; check, when set, is
// called with each step.
type recorder struct {
	record.HookDefaults
	mu     sync.Mutex
	events []string
	check  func(p *record.PlanRef, e *record.Execution, s *record.StepResult)
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) ExecutionStarted(_ context.Context, p *record.PlanRef, e *record.Execution) {
	r.add("started %s %s %d", p.ID, e.Status, len(e.Steps))
}

func (r *recorder) StepFinished(_ context.Context, p *record.PlanRef, e *record.Execution, s *record.StepResult) {
	r.add("step %d ok=%v skipped=%v", s.Index, s.OK, s.Skipped)
	if r.check != nil {
		r.check(p, e, s)
	}
}

func (r *recorder) ExecutionFinished(_ context.Context, _ *record.PlanRef, e *record.Execution) {
	r.add("%s", strings.TrimSpace(fmt.Sprintf("finished %s %s", e.Status, e.StopReason)))
}

func TestObserver(t *testing.T) {
	t.Parallel()
	srv := serve(t, api)
	var steps atomic.Int32
	a := recorder{check: func(ref *record.PlanRef, e *record.Execution, s *record.StepResult) {
		steps.Add(1)
		require.Equal(t, "flow", ref.ID)
		require.Same(t, &e.Steps[s.Index], s)
		require.Equal(t, record.StatusRunning, e.Status)
	}}
	pre := &record.Execution{ID: "exec-1", PlanID: "stored-id", Trigger: record.TriggerSchedule}
	p := parse(t, `[{get: {host: "${base}/user"}}, {get: {host: "${base}/boom"}}, {get: {host: "${base}/user"}}]`)
	p.ID = "flow"
	e := newRunner(t, exec.Config{}).RunExecution(context.Background(), p, pre, &exec.RunOpts{
		Vars:     map[string]any{"base": srv.URL},
		Trigger:  record.TriggerAPI, // pre's own trigger wins
		Observer: &a,
	})
	require.Same(t, pre, e)
	require.Equal(t, "exec-1", e.ID)
	require.Equal(t, "stored-id", e.PlanID)
	require.Equal(t, record.TriggerSchedule, e.Trigger)
	require.False(t, e.CreatedAt.IsZero())
	require.False(t, e.FinishedAt.Before(e.StartedAt))
	want := []string{"started flow running 3", "step 0 ok=true skipped=false", "step 1 ok=false skipped=false", "step 2 ok=false skipped=true", "finished failed halted_on_error"}
	require.Equal(t, want, a.events)
	require.Equal(t, int32(3), steps.Load())
}

func TestTrigger(t *testing.T) {
	t.Parallel()
	r := newRunner(t, exec.Config{})
	require.Equal(t, record.TriggerManual, r.Run(context.Background(), newPlan(), nil).Trigger)
	require.Equal(t, record.TriggerCLI, r.Run(context.Background(), newPlan(), &exec.RunOpts{Trigger: record.TriggerCLI}).Trigger)
}

func TestNoSteps(t *testing.T) {
	t.Parallel()
	e := run(t, newPlan(), nil)
	require.Equal(t, []string{"passed"}, statuses(e))
}

func TestNilPlan(t *testing.T) {
	t.Parallel()
	var rec recorder
	e := newRunner(t, exec.Config{}).Run(context.Background(), nil, &exec.RunOpts{Observer: &rec})
	require.Equal(t, record.StatusFailed, e.Status)
	require.Equal(t, "no plan to run", e.Error.Message)
	require.NotEmpty(t, e.ID)
	require.Equal(t, []string{"started  failed 0", "finished failed"}, rec.events)
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("X-Echo", r.Header.Get("X-Key"))
		w.WriteHeader(500)
		_, _ = fmt.Fprintf(w, `{"key":%q,"note":"the key is %s"}`, r.Header.Get("X-Key"), r.URL.Query().Get("k"))
	})
	env := map[string]string{"FROM_ENV": "envsecret99"}
	e := runYAML(t, srv, `
secrets: [API_KEY, FROM_ENV]
options: {halt_on_error: false, debug: true}
steps:
  - post:
      host: "${base}/x?k=${API_KEY}"
      headers: {X-Key: "${API_KEY}", Authorization: "Bearer abc", Cookie: "a=b"}
      body: {key: "${API_KEY}", env: "${FROM_ENV}"}
      expect:
        headers: {x-echo: "not ${API_KEY}"}
        json: {key: "${API_KEY}x"}
        string: "${FROM_ENV}!"
        assert: ["json.key == API_KEY + 'y'"]
      save_from_response:
        - {variable_name: k, json_path: key}
        - {variable_name: all, expression: json}
  - get:
      host: "http://${FROM_ENV}.invalid/"
  - get:
      host: "${API_KEY}/x"
`, &exec.RunOpts{Secrets: map[string]string{"API_KEY": "hunter2 x", "EMPTY": ""}, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	out, err := json.Marshal(e)
	require.NoError(t, err)
	text := string(out)
	for _, secret := range []string{"hunter2", "hunter2+x", "hunter2%20x", "envsecret99", "Bearer abc", "session=abc", "a=b"} {
		require.NotContains(t, text, secret)
	}
	s := e.Steps[0]
	require.Contains(t, s.URL, "k=[REDACTED]")
	require.Equal(t, []string{"[REDACTED]"}, s.Request.Headers["Authorization"], "%v", s.Request.Headers)
	require.Equal(t, []string{"[REDACTED]"}, s.Response.Headers["Set-Cookie"], "%v", s.Response.Headers)
	require.Equal(t, []string{"[REDACTED]"}, s.Response.Headers["X-Echo"], "%v", s.Response.Headers)
	require.Contains(t, s.Request.Body, `"key":"[REDACTED]"`)
	require.Contains(t, s.Response.Body, `"key":"[REDACTED]"`)
	require.Len(t, s.Failures, 5, "%v", failures(s))
	require.Equal(t, "[REDACTED]", s.Captures["k"])
	require.Equal(t, map[string]any{"key": "[REDACTED]", "note": "the key is [REDACTED]"}, s.Captures["all"])
	require.Equal(t, record.ErrDNS, e.Steps[1].Error.Kind)
	require.Contains(t, e.Steps[1].Error.Message, "could not resolve host [REDACTED].invalid")
	require.Equal(t, "http://[REDACTED].invalid/", e.Steps[1].URL)
	require.Equal(t, record.ErrInvalidURL, e.Steps[2].Error.Kind)
	require.Equal(t, `"[REDACTED]/x" has no scheme (write http:// or https://)`, e.Steps[2].Error.Message)
}

func TestCookiesWithinAnExecution(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			return
		}
		if c, err := r.Cookie("session"); err != nil || c.Value != "s1" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	src := `[{post: {host: "${base}/login"}}, {get: {host: "${base}/me"}}]`
	e := runYAML(t, srv, src, nil)
	require.Equal(t, record.StatusPassed, e.Status, "%v", failures(e.Steps[1]))
	// A new execution starts without cookies.
	e = runYAML(t, srv, `[{get: {host: "${base}/me"}}]`, nil)
	require.Equal(t, record.StatusFailed, e.Status)
	require.Equal(t, record.StopHaltedOnError, e.StopReason)
}

func TestKeepAlive(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(strings.Repeat("x", 10000))) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	var b strings.Builder
	for range 20 {
		b.WriteString(`- get: {host: "${base}/"}` + "\n")
	}
	e := runYAML(t, srv, b.String(), nil)
	require.Equal(t, record.StatusPassed, e.Status)
	require.Equal(t, int32(1), conns.Load(), "one connection serves every step")
	require.Positive(t, e.Steps[0].Timings.Connect)
	require.Zero(t, e.Steps[1].Timings.Connect, "a reused connection has no connect phase")
	require.Positive(t, e.Steps[1].Timings.Total)
	require.LessOrEqual(t, e.Steps[1].Timings.FirstByte, e.Steps[1].Timings.Total)
}

func TestInProcessClient(t *testing.T) {
	t.Parallel()
	r := newRunner(t, exec.Config{Client: &http.Client{Transport: serveTransport{http.HandlerFunc(api)}}})
	p := parse(t, `[{get: {host: "http://app.test/user", expect: {json: {user: {name: ada}}}}}, {get: {host: "https://app.test/created", options: {insecure: true}}}]`)
	e := r.Run(context.Background(), p, nil)
	require.Equal(t, record.StatusPassed, e.Status, "%+v %v", e.Steps[0].Error, failures(e.Steps[0]))
}

func TestCapturedSensitiveHeaderIsASecret(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid=s3ss10n")
		_, _ = w.Write([]byte(r.URL.Query().Get("c")))
	})
	e := runYAML(t, srv, `
- get:
    host: "${base}/login"
    save_from_response: [{variable_name: cookie, header: set-cookie}]
- get:
    host: "${base}/echo?c=${cookie}"
    expect: {string: nope}
`, &exec.RunOpts{HaltOnError: new(false)})
	require.Equal(t, "[REDACTED]", e.Steps[0].Captures["cookie"])
	out, err := json.Marshal(e)
	require.NoError(t, err)
	require.NotContains(t, string(out), "s3ss10n")
	require.Equal(t, "[REDACTED]", e.Steps[1].Response.Body)
}

func TestRedactionAtTheCut(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-is-the-password"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		// The secret straddles both the excerpt's and a failure's cut.
		_, _ = w.Write([]byte(strings.Repeat("a", 990) + secret + strings.Repeat("b", 1030) + secret + strings.Repeat("c", 5000)))
	})
	e := runYAML(t, srv, `[{get: {host: "${base}/", expect: {string: "zzz", assert: ["body == ''"]}}}]`, &exec.RunOpts{Secrets: map[string]string{"pw": secret}})
	s := e.Steps[0]
	require.Len(t, s.Failures, 3)
	shown := append([]string{s.Response.Body}, failures(s)...)
	for _, text := range shown {
		require.NotContains(t, text, "hunter")
		require.NotContains(t, text, "password")
	}
	require.Len(t, s.Response.Body, exec.ExcerptSize)
	require.True(t, strings.HasSuffix(s.Response.Body, "..."))
}

func TestTransportWithoutResponse(t *testing.T) {
	t.Parallel()
	r := newRunner(t, exec.Config{Client: &http.Client{Transport: funcTransport(func(*http.Request) (*http.Response, error) { return nil, nil })}})
	e := r.Run(context.Background(), parse(t, `[{get: {host: "http://app.test/"}}]`), nil)
	require.Equal(t, record.ErrRequest, e.Steps[0].Error.Kind)
	require.Equal(t, "the transport returned neither a response nor an error", e.Steps[0].Error.Message)
}

// A step's request headers in its result are those written on the wire,
// the transport's own fields included, and stay as they were once later
// steps have run.
func TestRequestHeadersAsWritten(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	e := runYAML(t, srv, `
steps:
  - get: {host: "${base}/a", headers: {X-One: "1", x-two: "2"}}
  - get: {host: "${base}/b", headers: {X-One: "3"}}
`, nil)
	require.Equal(t, record.StatusPassed, e.Status)
	first, second := e.Steps[0].Request.Headers, e.Steps[1].Request.Headers
	require.Equal(t, []string{"1"}, first["X-One"])
	require.Equal(t, []string{"2"}, first["X-Two"])
	require.Equal(t, []string{"gzip"}, first["Accept-Encoding"], "the transport's field: %v", first)
	require.Equal(t, []string{"3"}, second["X-One"])
	require.NotContains(t, second, "X-Two")
}

// A step's recorded request headers are the host's: changing them in a
// result, as a host or a hook may, changes nothing that a later step
// sends, whether the request was written (the headers as the transport
// wrote them) or not (the connection refused: the headers it was given).
func TestRecordedHeadersAreTheResults(t *testing.T) {
	t.Parallel()
	agents := make(chan string, 2)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { agents <- r.Header.Get("User-Agent") })
	refused := serve(t, func(http.ResponseWriter, *http.Request) {})
	refused.Close()
	const src = `
steps:
  - get: {host: "${base}/a"}
`
	for _, target := range []*httptest.Server{srv, refused, srv} {
		e := runYAML(t, target, src, nil)
		if target == srv {
			require.Equal(t, "smokex", <-agents)
		}
		require.Equal(t, []string{"smokex"}, e.Steps[0].Request.Headers["User-Agent"])
		for _, v := range e.Steps[0].Request.Headers {
			for j := range v {
				v[j] = "changed"
			}
		}
	}
}
