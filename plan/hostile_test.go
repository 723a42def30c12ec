package plan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// deepPlans are plans under the 1 MiB limit whose expressions nest far too
// deep; each once overflowed the expression parser's stack. Built here, not
// kept as files.
func deepPlans() map[string]string {
	const n = 1<<20 - 200
	return map[string]string{
		"not in assert":        "- get:\n    host: http://x\n    expect:\n      assert:\n        - \"" + strings.Repeat("!", n) + "true\"\n",
		"parentheses in url":   "- get:\n    host: \"http://x/${" + strings.Repeat("(", n/2) + "1" + strings.Repeat(")", n/2) + "}\"\n",
		"unary minus in var":   "vars: {a: \"${" + strings.Repeat("-", n) + "1}\"}\nsteps:\n  - get: {host: http://x}\n",
		"members in capture":   "- get:\n    host: http://x\n    save_from_response:\n      - variable_name: v\n        expression: \"json" + strings.Repeat(".a", n/2) + "\"\n",
		"plain scalar in body": "- post:\n    host: http://x\n    body:\n      k: ${" + strings.Repeat("!", n) + "true}\n",
	}
}

func TestDeepExpressionIsAPlanError(t *testing.T) {
	t.Parallel()
	// Each error is at the first token past the bound: the column of the
	// first deep token plus MaxExpressionDepth of them.
	want := map[string]plan.Pos{
		"not in assert":        {Line: 5, Column: 12 + plan.MaxExpressionDepth},
		"parentheses in url":   {Line: 2, Column: 23 + plan.MaxExpressionDepth},
		"unary minus in var":   {Line: 1, Column: 14 + plan.MaxExpressionDepth},
		"members in capture":   {Line: 5, Column: 26 + 2*plan.MaxExpressionDepth},
		"plain scalar in body": {Line: 4, Column: 12 + plan.MaxExpressionDepth},
	}
	for name, src := range deepPlans() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Less(t, len(src), plan.DefaultMaxSize)
			_, err := plan.Parse([]byte(src), &plan.ParseOpts{File: "deep.yaml"})
			var list plan.ErrorList
			require.True(t, errors.As(err, &list), "%v", err)
			require.Len(t, list, 1, "%v", err)
			require.Contains(t, list[0].Message, "invalid expression: the expression nests deeper than")
			require.Equal(t, want[name], plan.Pos{Line: list[0].Line, Column: list[0].Column}, list[0].Message)
		})
	}
}

func TestInvalidUTF8Position(t *testing.T) {
	t.Parallel()
	cases := []struct {
		src  string
		want string
	}{
		{"- get:\n    host: \"http://x/\xff\"\n", "x.yaml:2:21: invalid UTF-8 (byte 0xff); a plan is UTF-8 text"},
		{"name: a\nsteps:\n  - get: {host: \"http://é\"}\n    name: \"ab\xc3\x28\"\n", "x.yaml:4:14: invalid UTF-8 (byte 0xc3); a plan is UTF-8 text"},
		{"- get:\n    host: http://x/\xe2\x82\n", "x.yaml:2:20: invalid UTF-8 (byte 0xe2); a plan is UTF-8 text"},
		{"\x80", "x.yaml:1:1: invalid UTF-8 (byte 0x80); a plan is UTF-8 text"},
	}
	for _, c := range cases {
		_, err := plan.Parse([]byte(c.src), &plan.ParseOpts{File: "x.yaml"})
		require.EqualError(t, err, c.want, "%q", c.src)
	}
}

func TestURLWithBrokenPasswordShowsNoneOfIt(t *testing.T) {
	t.Parallel()
	_, err := plan.Parse([]byte("- get: {host: \"http://ada:my secret/x@example.com/\"}\n"), &plan.ParseOpts{File: "p.yaml"})
	require.EqualError(t, err, `p.yaml:1:15: host must be an absolute http or https URL, got "http://xxxxx@example.com/" (a user name or password holding / ? # @ or spaces must be percent-encoded)`)
}
