package plan_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// parseStep parses a one-step seed plan whose request is req, a flow
// mapping body such as `host: "https://x.test/", body: 1`.
func parseStep(t *testing.T, req string) (plan.Step, error) {
	t.Helper()
	p, err := plan.Parse([]byte("- get: {host: \"https://x.test/\", "+req+"}"), nil)
	if err != nil {
		return plan.Step{}, err
	}
	return p.Steps[0], nil
}

func TestOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		opts    string
		timeout time.Duration
		retries int
		follow  bool
		expr    bool
		err     string
	}{
		{opts: "timeout: 2000", timeout: 2 * time.Second},
		{opts: "timeout: 2s", timeout: 2 * time.Second},
		{opts: "timeout: 1m30s", timeout: 90 * time.Second},
		{opts: "timeout: '250'", timeout: 250 * time.Millisecond},
		{opts: "timeout: '${t}'", expr: true},
		{opts: "timeout: -5", err: `timeout must be more than zero, got "-5"`},
		{opts: "timeout: 1.5", err: "timeout must be an integer of milliseconds"},
		{opts: "timeout: 99999999999999999999", err: `timeout must be at most 4611686018427 milliseconds (about 146 years), got "99999999999999999999"`},
		{opts: "timeout: -99999999999999999999", err: "timeout must be more than zero"},
		{opts: "timeout: 9999999999999999h", err: "timeout must be at most 4611686018427 milliseconds"},
		{opts: "timeout: -9999999999999999h", err: "timeout must be more than zero"},
		{opts: "retries: 3", retries: 3},
		{opts: "retries: '3'", retries: 3},
		{opts: "retries: 101", err: "retries must be from 0 to 100, got 101"},
		{opts: "retries: 1.0", err: "retries must be an integer"},
		{opts: "retries: 99999999999999999999", err: `retries must be from 0 to 100, got "99999999999999999999"`},
		{opts: "follow_redirects: true", follow: true},
		{opts: "follow_redirects: 'ON'", follow: true},
		{opts: "follow_redirects: no", follow: false},
		{opts: "follow_redirects: 1", err: "follow_redirects must be true or false"},
		{opts: "follow_redirects: '${f}'", expr: true},
	}
	for _, c := range cases {
		st, err := parseStep(t, "options: {"+c.opts+"}")
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.opts)
			continue
		}
		require.NoError(t, err, c.opts)
		o := st.Options
		switch {
		case strings.HasPrefix(c.opts, "timeout"):
			require.True(t, o.Timeout.Set)
			require.Equal(t, c.expr, o.Timeout.Expr != nil, c.opts)
			require.Equal(t, c.timeout, o.Timeout.Value, c.opts)
		case strings.HasPrefix(c.opts, "retries"):
			require.Equal(t, c.retries, o.Retries.Value, c.opts)
		default:
			require.True(t, o.FollowRedirects.Set)
			require.Equal(t, c.expr, o.FollowRedirects.Expr != nil, c.opts)
			require.Equal(t, c.follow, o.FollowRedirects.Value, c.opts)
		}
	}
}

func TestOptionsMergePlanDefaults(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`
options: {timeout: 1s, retries: 2, halt_on_error: false}
steps:
  - get: {host: "https://x.test/", options: {retries: 0, debug: true}}
`), nil)
	require.NoError(t, err)
	o := p.Steps[0].Options.Merge(p.Options)
	require.Equal(t, time.Second, o.Timeout.Value)
	require.True(t, o.Retries.Set)
	require.Equal(t, 0, o.Retries.Value)
	require.True(t, o.Debug.Value)
	require.False(t, o.HaltOnError.Value)
	require.False(t, o.Insecure.Set)
}

func TestStatusCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		codes   []int
		classes []int
		expr    bool
	}{
		{in: "201", codes: []int{201}},
		{in: "'201'", codes: []int{201}},
		{in: "2xx", classes: []int{2}},
		{in: "5XX", classes: []int{5}},
		{in: "[200, 301, 4xx]", codes: []int{200, 301}, classes: []int{4}},
		{in: "'${code}'", expr: true},
	}
	for _, c := range cases {
		st, err := parseStep(t, "expect: {status_code: "+c.in+"}")
		require.NoError(t, err, c.in)
		s := st.Expect.Status
		require.NotNil(t, s, c.in)
		require.Equal(t, c.codes, s.Codes, c.in)
		require.Equal(t, c.classes, s.Classes, c.in)
		require.Equal(t, c.expr, s.Expr != nil, c.in)
	}
	for _, bad := range []string{"abc", "true", "2.5", "[]", "[[200]]", "{a: 1}", "6xx", "2xxx"} {
		_, err := parseStep(t, "expect: {status_code: "+bad+"}")
		require.ErrorContains(t, err, "status_code must be an integer, a list of integers or a class like 2xx", bad)
	}
	for _, bad := range []string{"600", "99", "'0'", "[200, 1000]"} {
		_, err := parseStep(t, "expect: {status_code: "+bad+"}")
		require.ErrorContains(t, err, "is not an HTTP status code (100 to 599)", bad)
	}
}

func TestStatusMatch(t *testing.T) {
	t.Parallel()
	var none *plan.StatusExpect
	require.True(t, none.Match(200))
	require.True(t, none.Match(299))
	require.False(t, none.Match(301))
	s := &plan.StatusExpect{Codes: []int{200}, Classes: []int{4}}
	require.True(t, s.Match(200))
	require.True(t, s.Match(404))
	require.False(t, s.Match(201))
}

func TestBodyValues(t *testing.T) {
	t.Parallel()
	st, err := parseStep(t, `body: {s: "a ${x}", n: 23, f: 1.5, b: true, z: null, l: [1, "${y}"], m: {k: v}, whole: "${x}", hex: 0x10}`)
	require.NoError(t, err)
	require.Equal(t, plan.KindMap, st.Body.Kind)
	got, err := st.Body.Eval(plan.Env{"x": 7, "y": []any{"q"}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"s": "a 7", "n": int64(23), "f": 1.5, "b": true, "z": nil,
		"l": []any{int64(1), []any{"q"}}, "m": map[string]any{"k": "v"}, "whole": 7, "hex": int64(16),
	}, got)
	var keys []string
	for _, f := range st.Body.Map {
		keys = append(keys, f.Key)
	}
	require.Equal(t, []string{"s", "n", "f", "b", "z", "l", "m", "whole", "hex"}, keys, "source order")

	st, err = parseStep(t, `body: "raw ${x}"`)
	require.NoError(t, err)
	require.Equal(t, plan.KindString, st.Body.Kind)
}

func TestParamsAndCaptures(t *testing.T) {
	t.Parallel()
	st, err := parseStep(t, `query: {a: 1, b: [x, "${y}"], c: }, headers: {X-A: 1, Accept: text/html}, form: {f: [1, 2]},
  save_from_response: [{variable_name: a, json_path: "$.x[0]"}, {variable_name: b, json_path: "[1].y"}, {variable_name: c, header: X-Id}, {variable_name: d, expression: "${len(body)}"}]`)
	require.NoError(t, err)
	require.Len(t, st.Query, 3)
	require.Equal(t, "b", st.Query[1].Name)
	require.Len(t, st.Query[1].Values, 2)
	require.Equal(t, "", st.Query[2].Values[0].Raw())
	require.Equal(t, "X-A", st.Headers[0].Name)
	require.Equal(t, "1", st.Headers[0].Values[0].Raw())
	require.Len(t, st.Form[0].Values, 2)
	require.Equal(t, "$.x[0]", st.Captures[0].Path.String())
	require.Equal(t, "$[1].y", st.Captures[1].Path.String())
	require.Equal(t, "X-Id", st.Captures[2].Header)
	require.Equal(t, "len(body)", st.Captures[3].Expression.String())
	require.Equal(t, []string{"body"}, st.Captures[3].Expression.Names())
}

func TestMergeKeys(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`
vars:
  h1: &h1 {A: "1", B: "1"}
  h2: &h2 {C: "2"}
steps:
  - get:
      host: "https://x.test/"
      headers:
        <<: [*h1, *h2]
        B: "local"
`), nil)
	require.NoError(t, err)
	var got []string
	for _, h := range p.Steps[0].Headers {
		got = append(got, h.Name+"="+h.Values[0].Raw())
	}
	require.Equal(t, []string{"B=local", "A=1", "C=2"}, got)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	src := []byte(strings.Repeat("- get: {host: \"https://x.test/\"}\n", 11))
	_, err := plan.Parse(src, &plan.ParseOpts{MaxSteps: 10})
	require.EqualError(t, err, "1:1: the plan has 11 steps, more than the limit of 10")
	_, err = plan.Parse(src, &plan.ParseOpts{MaxSize: 10})
	require.EqualError(t, err, "the plan is larger than the limit of 10 bytes")
	_, err = plan.Parse(src, nil)
	require.NoError(t, err)

	_, err = plan.Parse([]byte("a: &a [*a]\nsteps: []"), nil)
	require.Error(t, err)

	_, err = plan.Parse([]byte(strings.Repeat("[", 20000)), nil)
	require.ErrorContains(t, err, "invalid YAML")
}

func TestAliasBombIsRejectedEarly(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 30; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString("steps: [{post: {host: \"https://x.test/\", body: *a29}}]\n")
	_, err := plan.Parse([]byte(b.String()), nil)
	require.ErrorContains(t, err, "YAML aliases expand the plan to more than")
}

func TestExpressionErrorColumns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want string
	}{
		{"- get:\n    host: https://x.test/${a +* 1}\n", "2:31:"},
		{"- get: {host: \"https://x.test/${a +* 1}\"}", "1:36:"},
		{"- get: {host: 'https://x.test/${a +* 1}'}", "1:36:"},
		{"- get: {host: \"https://x.test/é/${a +* 1}\"}", "1:38:"},
		{"- get: {host: \"https://x.test/\\u00e9/${a +* 1}\"}", "1:15:"},
		{"- get:\n    host: |\n      https://x.test/${a +* 1}\n", "2:11:"},
	}
	for _, c := range cases {
		_, err := plan.Parse([]byte(c.src), nil)
		require.Error(t, err, c.src)
		require.True(t, strings.HasPrefix(err.Error(), c.want), "%s: got %v", c.src, err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	_, err := plan.Parse([]byte("- get: {host: 1"), &plan.ParseOpts{File: "x.yaml"})
	var list plan.ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, 1)
	require.Equal(t, "x.yaml", list[0].File)
	require.Positive(t, list[0].Line)
	require.Nil(t, list[:0].Err())
	require.Error(t, list.Err())
}

func TestLint(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`
vars: {base: "https://x.test", who: "${USER}"}
secrets: [TOKEN]
options: {timeout: "${T}"}
steps:
  - get:
      host: "${base}/a?k=${TOKEN}"
      expect:
        status_code: ${want}
        assert: ["status == 200 && duration < 100 && later == 1"]
      save_from_response:
        - {variable_name: id, expression: "json.id"}
        - {variable_name: id2, expression: "id + 1"}
  - post:
      host: "${base}/b/${id}/${id2}/${missing}"
      body: {x: "${id}"}
      expect:
        headers: {X: "${nope}"}
        json: {a: "${nope2}"}
        string: "${nope3}"
        html: [{path: p, equal: "${nope4}"}]
      save_from_response:
        - {variable_name: later, header: X}
`), &plan.ParseOpts{File: "l.yaml"})
	require.NoError(t, err)
	var got []string
	for _, w := range plan.Lint(p, []string{"USER", "T"}) {
		got = append(got, w.Error())
	}
	require.Equal(t, []string{
		`l.yaml:9:22: undefined name "want" in status_code: no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:10:18: undefined name "later" in assert: no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:15:13: undefined name "missing" in host: no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:18:22: undefined name "nope" in expect header "X": no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:19:19: undefined name "nope2" in expect json: no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:20:17: undefined name "nope3" in expect string: no var, secret, earlier capture or passed variable defines it`,
		`l.yaml:21:33: undefined name "nope4" in html equal: no var, secret, earlier capture or passed variable defines it`,
	}, got)

	got = got[:0]
	for _, w := range plan.Lint(p, nil) {
		got = append(got, w.Error())
	}
	require.Contains(t, got, `l.yaml:2:37: undefined name "USER" in var who: no var, secret, earlier capture or passed variable defines it; if it comes from the environment, its value shows unredacted in results: declare it under secrets: [USER] to redact it`)
	require.Contains(t, got, `l.yaml:4:20: undefined name "T" in timeout: no var, secret, earlier capture or passed variable defines it; if it comes from the environment, its value shows unredacted in results: declare it under secrets: [T] to redact it`)
}

func TestHostileInputsAreBounded(t *testing.T) {
	t.Parallel()
	_, err := plan.Parse([]byte("- get: {host: 'https://x.test/"+strings.Repeat("${a}", 101)+"'}"), &plan.ParseOpts{MaxExpressions: 100})
	require.EqualError(t, err, "1:15: the plan holds more than 100 distinct expressions (${...}, assert and capture expressions), the limit")

	var many strings.Builder
	for i := range 60 {
		fmt.Fprintf(&many, "- get: {host: 'https://x.test/${a}/%d', headers: {x: '${a}', y: '${b%d}'}, expect: {assert: [a]}}\n", i, i%30)
	}
	_, err = plan.Parse([]byte(many.String()), &plan.ParseOpts{MaxExpressions: 32})
	require.NoError(t, err, "a and b0 to b29 are compiled once each; 60 steps share them")
	_, err = plan.Parse([]byte(many.String()), &plan.ParseOpts{MaxExpressions: 20})
	require.ErrorContains(t, err, "the plan holds more than 20 distinct expressions")

	_, err = plan.Parse([]byte(strings.Repeat("- gett: {}\n", plan.MaxErrors+50)), nil)
	var list plan.ErrorList
	require.True(t, errors.As(err, &list))
	require.Len(t, list, plan.MaxErrors+1)
	require.Equal(t, fmt.Sprintf("too many errors; only the first %d are reported", plan.MaxErrors), list[plan.MaxErrors].Error())

	_, err = plan.Parse([]byte(strings.Repeat("[", 9000)+strings.Repeat("]", 9000)), nil)
	require.ErrorContains(t, err, "a step must be a mapping")

	_, err = plan.Parse([]byte("- post: {host: 'https://x.test/', body: "+strings.Repeat("{a: ", 5000)+"1"+strings.Repeat("}", 5000)+"}"), nil)
	require.NoError(t, err)
}

func TestDocumentMarkers(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"---\n- get: {host: 'https://x.test/'}\n",
		"- get: {host: 'https://x.test/'}\n...\n",
		"- get: {host: 'https://x.test/'}\n---\n",
	} {
		_, err := plan.Parse([]byte(src), nil)
		require.NoError(t, err, src)
	}
	_, err := plan.Parse([]byte("- get: {host: 'https://x.test/'}\n---\n- get: {host: 'https://x.test/'}\n"), nil)
	require.EqualError(t, err, "2:1: a plan file holds one YAML document; a second one starts here")
}

// TestLintNamesTheKeyWritten: a warning about a step's URL names the key
// the plan wrote, url or host.
func TestLintNamesTheKeyWritten(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"url", "host"} {
		p, err := plan.Parse([]byte(`[{get: {`+key+`: "${base}/x"}}]`), &plan.ParseOpts{File: "p.yaml"})
		require.NoError(t, err)
		ws := plan.Lint(p, nil)
		require.Len(t, ws, 1)
		require.Contains(t, ws[0].Message, `undefined name "base" in `+key+":")
		require.NotContains(t, ws[0].Message, "unredacted", "a lower-case name is no environment variable")
	}
}
