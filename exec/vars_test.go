package exec_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func TestNameResolutionOrder(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"who":"captured"}`))
	})
	env := map[string]string{"who": "env", "only_env": "from-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	p := newPlan(
		step(t, "GET", srv.URL+"/${who}/${only_env}/${pv}/${sec}"),
		step(t, "GET", srv.URL+"/cap", func(s *plan.Step) { s.Captures = []plan.Capture{capJSON(t, "who", "$.who")} }),
		step(t, "GET", srv.URL+"/${who}"),
	)
	p.Vars = map[string]*plan.Value{
		"who": val(t, "plan"),
		"pv":  val(t, "${only_env}-${sec}"),
	}
	cases := []struct {
		name    string
		vars    map[string]any
		secrets map[string]string
		want    string
	}{
		{name: "caller wins over plan", vars: map[string]any{"who": "caller"}, secrets: map[string]string{"sec": "s3cr", "who": "secret"}, want: "/caller/from-env/from-env-[REDACTED]/[REDACTED]"},
		{name: "plan wins over secret and env", secrets: map[string]string{"sec": "s3cr", "who": "secret"}, want: "/plan/from-env/from-env-[REDACTED]/[REDACTED]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := run(t, p, &exec.RunOpts{Vars: c.vars, Secrets: c.secrets, LookupEnv: lookup})
			require.Equal(t, record.StatusPassed, e.Status, "%+v", e.Steps[0].Error)
			require.Equal(t, srv.URL+c.want, e.Steps[0].URL)
			require.Equal(t, srv.URL+"/captured", e.Steps[2].URL, "a capture wins over everything")
		})
	}
}

func TestUndefinedName(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(http.ResponseWriter, *http.Request) {})
	cases := []struct {
		name string
		step plan.Step
		want string
	}{
		{"url", step(t, "GET", srv.URL+"/${nope}"), `url: undefined variable "nope"`},
		{"header", step(t, "GET", srv.URL, func(s *plan.Step) { s.Headers = params(t, "X-A", "${nope}") }), `header X-A: undefined variable "nope"`},
		{"body", step(t, "POST", srv.URL, func(s *plan.Step) { s.Body = val(t, map[string]any{"a": "${nope}"}) }), `body: undefined variable "nope"`},
		{"query", step(t, "GET", srv.URL, func(s *plan.Step) { s.Query = params(t, "q", "${nope}") }), `query q: undefined variable "nope"`},
		{"assert", step(t, "GET", srv.URL, func(s *plan.Step) { s.Expect.Assert = []*plan.Expression{expr(t, "nope == 1")} }), `assert nope == 1: undefined variable "nope"`},
		{"env not visible", step(t, "GET", srv.URL+"/${HOME}"), `url: undefined variable "HOME"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := run(t, newPlan(c.step), nil)
			require.Equal(t, record.StatusFailed, e.Status)
			require.NotNil(t, e.Steps[0].Error)
			require.Equal(t, record.ErrInterpolation, e.Steps[0].Error.Kind)
			require.Equal(t, c.want, e.Steps[0].Error.Message)
		})
	}
}

func TestPlanVarError(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(http.ResponseWriter, *http.Request) {})
	p := newPlan(step(t, "GET", srv.URL+"/${a}"), step(t, "GET", srv.URL+"/${b}"))
	p.Vars = map[string]*plan.Value{"a": val(t, "${missing}"), "b": val(t, "ok")}
	p.Options.HaltOnError = set(false)
	e := run(t, p, nil)
	require.Equal(t, []string{"failed", "interpolation", "ok"}, statuses(e))
	require.Equal(t, `url: var a: undefined variable "missing"`, e.Steps[0].Error.Message)
}

func TestSettingsFromText(t *testing.T) {
	t.Parallel()
	srv := serve(t, redirecting("/r", "/", http.StatusFound, 203))
	s := step(t, "GET", srv.URL+"/r", func(s *plan.Step) {
		s.Expect.Status = &plan.StatusExpect{Expr: tpl(t, "${EXPECTED}")}
		s.Options.Timeout = setExpr[time.Duration](t, "${T}")
		s.Options.Retries = setExpr[int](t, "${R}")
		s.Options.FollowRedirects = setExpr[bool](t, "${F}")
	})
	vars := map[string]any{"EXPECTED": "203", "T": "2000", "R": "1", "F": "true"}
	e := run(t, newPlan(s), &exec.RunOpts{Vars: vars})
	require.Equal(t, record.StatusPassed, e.Status, "%+v %v", e.Steps[0].Error, failures(e.Steps[0]))

	for _, c := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"EXPECTED": "2xx", "T": "1s", "R": 0, "F": true}, ""},
		{map[string]any{"EXPECTED": []any{200, "203"}, "T": 500, "R": "0", "F": "yes"}, ""},
		{map[string]any{"EXPECTED": "abc", "T": "1s", "R": 0, "F": true}, `expect status_code: status_code must be an integer, a list of integers or a class like 2xx, got abc`},
		{map[string]any{"EXPECTED": 203, "T": "soon", "R": 0, "F": true}, `option timeout: "soon" is not a duration (milliseconds, or like 2s, 500ms)`},
		{map[string]any{"EXPECTED": 203, "T": "1s", "R": "x", "F": true}, `option retries: "x" is not a whole number`},
		{map[string]any{"EXPECTED": 203, "T": "1s", "R": 0, "F": "maybe"}, `option follow_redirects: "maybe" is not true or false`},
		{map[string]any{"EXPECTED": 203, "T": "-1s", "R": 0, "F": true}, `option timeout: "-1s" is not positive`},
	} {
		e := run(t, newPlan(s), &exec.RunOpts{Vars: c.vars})
		if c.want == "" {
			require.Equal(t, record.StatusPassed, e.Status, "%v: %+v %v", c.vars, e.Steps[0].Error, failures(e.Steps[0]))
			continue
		}
		require.NotNil(t, e.Steps[0].Error, c.vars)
		require.Equal(t, record.ErrInterpolation, e.Steps[0].Error.Kind)
		require.Equal(t, c.want, e.Steps[0].Error.Message)
	}
}
