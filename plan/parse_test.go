package plan_test

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

func TestParseSeedForm(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("testdata/valid/seed_login.yaml")
	require.NoError(t, err)
	p, err := plan.Parse(src, &plan.ParseOpts{File: "plans/login-flow.yaml"})
	require.NoError(t, err)
	require.Equal(t, "login-flow", p.ID)
	require.Equal(t, plan.FormSeed, p.Form)
	require.Len(t, p.Steps, 3)

	s0 := p.Steps[0]
	require.Equal(t, "GET", s0.Method)
	require.Equal(t, "https://api.example.com/health", s0.URL.Raw())
	require.Equal(t, []int{200}, s0.Expect.Status.Codes)
	require.Equal(t, plan.Pos{Line: 2, Column: 3}, s0.Pos, "the position of the step's mapping")

	s1 := p.Steps[1]
	require.Equal(t, "POST", s1.Method)
	require.Equal(t, plan.KindMap, s1.Body.Kind)
	require.Equal(t, []string{"PASSWORD", "USER"}, s1.Body.Names())
	require.Len(t, s1.Captures, 1)
	require.Equal(t, "token", s1.Captures[0].Variable)
	require.Equal(t, "$.session.token", s1.Captures[0].Path.String())

	s2 := p.Steps[2]
	require.Nil(t, s2.Expect.Status)
	require.Equal(t, "authorization", s2.Headers[0].Name)
	require.Equal(t, []string{"token"}, s2.Headers[0].Values[0].Names())
	require.False(t, s2.Options.Timeout.Set)
}

func TestParseReportsEveryError(t *testing.T) {
	t.Parallel()
	src := `- get:
    host: "https://x.test/"
    expect:
      status: 200
- get:
    host: "https://x.test/${a +}"
    options: {timeout: soon}
`
	_, err := plan.Parse([]byte(src), &plan.ParseOpts{File: "p.yaml"})
	var list plan.ErrorList
	require.True(t, errors.As(err, &list))
	require.Equal(t, `p.yaml:4:7: unknown key "status" in expect; did you mean "status_code"?
p.yaml:6:31: host: invalid expression: unexpected token EOF
p.yaml:7:24: timeout must be an integer of milliseconds or a duration like 2s or 500ms, got "soon"`, err.Error())
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  plan.Error
		want string
	}{
		{plan.Error{File: "a.yaml", Line: 3, Column: 7, Message: "bad"}, "a.yaml:3:7: bad"},
		{plan.Error{Line: 3, Column: 7, Message: "bad"}, "3:7: bad"},
		{plan.Error{File: "a.yaml", Line: 3, Message: "bad"}, "a.yaml:3: bad"},
		{plan.Error{File: "a.yaml", Message: "bad"}, "a.yaml: bad"},
		{plan.Error{Message: "bad"}, "bad"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, c.err.Error())
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"checkout":          "checkout",
		"Checkout Flow":     "checkout-flow",
		"  API / health!! ": "api-health",
		"v1.2_beta":         "v1.2_beta",
		"a - b":             "a-b",
		"--x--":             "x",
		"Café au lait":      "caf-au-lait",
		"!!!":               "",
		"":                  "",
	} {
		require.Equal(t, want, plan.ID(in), in)
	}
}

// TestNameFromFile: a plan in the original list form, which has no name,
// is named after its file, so that the API and alerts show a name.
func TestNameFromFile(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse([]byte(`- get: {url: "http://127.0.0.1:1/"}`), &plan.ParseOpts{File: "plans/Login Flow.yaml"})
	require.NoError(t, err)
	require.Equal(t, "Login Flow", p.Name)
	require.Equal(t, "login-flow", p.ID)
	p, err = plan.Parse([]byte(`{name: checkout, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`), &plan.ParseOpts{File: "plans/other.yaml"})
	require.NoError(t, err)
	require.Equal(t, "checkout", p.Name, "a plan's own name wins")
}
