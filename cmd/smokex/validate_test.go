package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writePlan(t, dir, "good.yaml", passingPlan, "http://127.0.0.1:1")
	undefined := writePlan(t, dir, "undefined.yaml", "- get: {host: \"${BASE}/ok\"}\n", "")
	bad := writePlan(t, dir, "bad.yaml", "- get:\n    host: http://127.0.0.1/\n    expect: {status: 200}\n", "")
	worse := writePlan(t, dir, "worse.yaml", "- get:\n    host: http://127.0.0.1/\n    retries: 1\n- fetch: {host: x}\n", "")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string // regular expressions, one a line, in order
		stdout string
	}{
		{name: "valid", args: []string{good}, code: exitOK, stdout: "1 plan valid\n"},
		{name: "warning", args: []string{undefined}, code: exitOK, stdout: "1 plan valid, 1 warning\n",
			stderr: []string{"^" + regexp.QuoteMeta(undefined) + `:1:\d+: warning: .*BASE`}},
		{name: "warning silenced by --var", args: []string{"--var", "BASE", undefined}, code: exitOK, stdout: "1 plan valid\n"},
		{name: "--var with a value", args: []string{undefined, "--var=BASE=http://x"}, code: exitOK, stdout: "1 plan valid\n"},
		{name: "every error of every file", args: []string{bad, good, worse}, code: exitUsage,
			stderr: []string{
				"^" + regexp.QuoteMeta(bad) + `:3:\d+: .*status`,
				"^" + regexp.QuoteMeta(worse) + `:3:\d+: .*retries`,
				"^" + regexp.QuoteMeta(worse) + `:4:\d+: .*fetch`,
			}},
		{name: "directory", args: []string{dir}, code: exitUsage,
			stderr: []string{`bad\.yaml:3:`, `worse\.yaml:3:`, `worse\.yaml:4:`, `undefined\.yaml:1:\d+: warning: `}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runCLI(t, nil, "", append([]string{"validate"}, tt.args...)...)
			require.Equal(t, tt.code, res.code, res.stderr)
			require.Equal(t, tt.stdout, res.stdout)
			var lines []string
			if s := strings.TrimSpace(res.stderr); s != "" {
				lines = strings.Split(s, "\n")
			}
			require.Len(t, lines, len(tt.stderr), res.stderr)
			for i, re := range tt.stderr {
				require.Regexp(t, re, lines[i])
			}
		})
	}
}

func TestPosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file         string
		line, column int
		want         string
	}{
		{"a.yaml", 3, 7, "a.yaml:3:7"},
		{"a.yaml", 3, 0, "a.yaml:3"},
		{"a.yaml", 0, 0, "a.yaml"},
		{"", 2, 1, "fallback.yaml:2:1"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, position(tt.file, "fallback.yaml", tt.line, tt.column))
	}
}

// TestValidateDependsOn checks that validate checks depends_on among all
// the plans given: an unknown plan with the closest one, and a cycle,
// each naming the plans.
func TestValidateDependsOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	step := "steps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n"
	writePlan(t, dir, "gateway.yaml", "name: gateway\n"+step, "")
	writePlan(t, dir, "checkout.yaml", "name: checkout\ndepends_on: [gatway]\n"+step, "")
	writePlan(t, dir, "a.yaml", "name: a\ndepends_on: [b]\n"+step, "")
	writePlan(t, dir, "b.yaml", "name: b\ndepends_on: [a]\n"+step, "")
	res := runCLI(t, nil, "", "validate", dir)
	require.Equal(t, exitUsage, res.code, res.stderr)
	require.Equal(t, strings.Join([]string{
		dir + "/a.yaml:2:14: dependency cycle: a -> b -> a",
		dir + "/b.yaml:2:14: dependency cycle: b -> a -> b",
		dir + `/checkout.yaml:2:14: checkout: depends_on names unknown plan "gatway" (did you mean "gateway"?)`,
	}, "\n")+"\n", res.stderr)

	ok := t.TempDir()
	gateway := writePlan(t, ok, "gateway.yaml", "name: gateway\n"+step, "")
	checkout := writePlan(t, ok, "checkout.yaml", "name: checkout\ndepends_on: [gateway]\n"+step, "")
	res = runCLI(t, nil, "", "validate", ok)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Equal(t, "2 plans valid\n", res.stdout)
	res = runCLI(t, nil, "", "validate", checkout, gateway)
	require.Equal(t, exitOK, res.code, res.stderr)
	res = runCLI(t, nil, "", "validate", checkout)
	require.Equal(t, exitUsage, res.code, "the plan it depends on was not given")
	require.Contains(t, res.stderr, `checkout: depends_on names unknown plan "gateway"`)
}
