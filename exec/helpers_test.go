package exec_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/ohler55/ojg/jp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// tpl compiles a template or fails the test.
func tpl(t testing.TB, s string) *plan.Template {
	t.Helper()
	x, err := plan.NewTemplate(s)
	require.NoError(t, err, s)
	return x
}

// expr compiles an expression or fails the test.
func expr(t testing.TB, s string) *plan.Expression {
	t.Helper()
	x, err := plan.NewExpression(s)
	require.NoError(t, err, s)
	return x
}

// val builds a plan value from Go values; strings are templates and map
// keys are taken in sorted order.
func val(t testing.TB, v any) *plan.Value {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return &plan.Value{Kind: plan.KindNull}
	case bool:
		return &plan.Value{Kind: plan.KindBool, Bool: x}
	case int:
		return &plan.Value{Kind: plan.KindInt, Int: int64(x)}
	case float64:
		return &plan.Value{Kind: plan.KindFloat, Float: x}
	case string:
		return &plan.Value{Kind: plan.KindString, Str: tpl(t, x)}
	case []any:
		out := &plan.Value{Kind: plan.KindList}
		for _, item := range x {
			out.List = append(out.List, val(t, item))
		}
		return out
	case map[string]any:
		out := &plan.Value{Kind: plan.KindMap}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out.Map = append(out.Map, plan.Field{Key: k, Value: val(t, x[k])})
		}
		return out
	}
	t.Fatalf("val: unsupported %T", v)
	return nil
}

// params builds query, header or form params from name, value pairs; a
// repeated name repeats the param.
func params(t testing.TB, kv ...string) []plan.Param {
	t.Helper()
	var out []plan.Param
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, plan.Param{Name: kv[i], Values: []*plan.Template{tpl(t, kv[i+1])}})
	}
	return out
}

// step builds a step; mods adjust it.
func step(t testing.TB, method, url string, mods ...func(*plan.Step)) plan.Step {
	t.Helper()
	s := plan.Step{Method: method, URL: tpl(t, url)}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func newPlan(steps ...plan.Step) *plan.Plan {
	return &plan.Plan{ID: "test", Name: "test", Steps: steps}
}

func status(codes ...int) func(*plan.Step) {
	return func(s *plan.Step) { s.Expect.Status = &plan.StatusExpect{Codes: codes} }
}

func capJSON(t testing.TB, name, path string) plan.Capture {
	t.Helper()
	x, err := jp.ParseString(path)
	require.NoError(t, err)
	return plan.Capture{Variable: name, JSONPath: path, Path: x}
}

func set[T any](v T) plan.Setting[T] { return plan.Setting[T]{Set: true, Value: v} }

func setExpr[T any](t testing.TB, s string) plan.Setting[T] {
	t.Helper()
	return plan.Setting[T]{Set: true, Expr: tpl(t, s)}
}

// newRunner returns a Runner whose idle connections close when the test
// ends.
func newRunner(t testing.TB, cfg exec.Config) *exec.Runner {
	t.Helper()
	if cfg.DefaultTimeout == 0 {
		// Generous: a loaded machine running the race detector is slow.
		cfg.DefaultTimeout = 30 * time.Second
	}
	if cfg.Retry.Base == 0 {
		cfg.Retry = exec.RetryPolicy{Base: time.Millisecond, Max: 5 * time.Millisecond, Jitter: -1}
	}
	r := exec.New(cfg)
	t.Cleanup(r.CloseIdleConnections)
	return r
}

func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func run(t testing.TB, p *plan.Plan, opts *exec.RunOpts) *record.Execution {
	t.Helper()
	r := newRunner(t, exec.Config{})
	return r.Run(context.Background(), p, opts)
}

// failures renders a step's failures for a compact assertion.
func failures(r record.StepResult) []string {
	out := make([]string, 0, len(r.Failures))
	for _, f := range r.Failures {
		out = append(out, fmt.Sprintf("%s %s: expected %s, received %s", f.Type, f.Name, f.Expected, f.Received))
	}
	return out
}

func statuses(e *record.Execution) []string {
	status := string(e.Status)
	if e.StopReason != "" {
		status += "/" + string(e.StopReason)
	}
	out := []string{status}
	for _, s := range e.Steps {
		switch {
		case s.Skipped:
			out = append(out, "skipped")
		case s.Error != nil:
			out = append(out, string(s.Error.Kind))
		case s.OK:
			out = append(out, "ok")
		default:
			out = append(out, "failed")
		}
	}
	return slices.Clip(out)
}

func httptest_NewTLSServer(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("secure")) }))
	// The failed handshakes the tests cause are expected.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// redirecting redirects from to to with code, and answers any other path
// with final and the text "arrived".
func redirecting(from, to string, code, final int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == from {
			http.Redirect(w, r, to, code)
			return
		}
		w.WriteHeader(final)
		_, _ = w.Write([]byte("arrived"))
	}
}

// parse parses a YAML plan or fails the test.
func parse(t testing.TB, src string) *plan.Plan {
	t.Helper()
	p, err := plan.Parse([]byte(src), &plan.ParseOpts{File: "test.yaml"})
	require.NoError(t, err)
	return p
}

// runYAML runs a YAML plan with base set to the server's URL.
func runYAML(t testing.TB, srv *httptest.Server, src string, opts *exec.RunOpts) *record.Execution {
	t.Helper()
	if opts == nil {
		opts = &exec.RunOpts{}
	}
	vars := map[string]any{"base": srv.URL}
	for k, v := range opts.Vars {
		vars[k] = v
	}
	opts.Vars = vars
	return run(t, parse(t, src), opts)
}
