package plan_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// plansDependingOn parses one plan per entry: its name, then the plans it
// depends on.
func plansDependingOn(t *testing.T, deps map[string][]string) []*plan.Plan {
	t.Helper()
	var plans []*plan.Plan
	for _, name := range []string{"a", "b", "c", "d", "gateway", "auth", "checkout"} {
		d, ok := deps[name]
		if !ok {
			continue
		}
		src := fmt.Sprintf("name: %s\n", name)
		if len(d) > 0 {
			src += "depends_on:\n"
			for _, x := range d {
				src += "  - " + x + "\n"
			}
		}
		src += "steps:\n  - get: {url: \"https://example.com/\"}\n"
		p, err := plan.Parse([]byte(src), &plan.ParseOpts{File: name + ".yaml"})
		require.NoError(t, err)
		plans = append(plans, p)
	}
	return plans
}

func TestCheckDependencies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		deps map[string][]string
		want []string
	}{
		{"none", map[string][]string{"a": nil, "b": nil}, nil},
		{"known", map[string][]string{"gateway": nil, "auth": {"gateway"}, "checkout": {"gateway", "auth"}}, nil},
		{"unknown, close", map[string][]string{"gateway": nil, "checkout": {"gatway"}},
			[]string{`checkout.yaml:3:5: checkout: depends_on names unknown plan "gatway" (did you mean "gateway"?)`}},
		{"unknown, far", map[string][]string{"gateway": nil, "checkout": {"billing"}},
			[]string{`checkout.yaml:3:5: checkout: depends_on names unknown plan "billing"`}},
		{"itself", map[string][]string{"a": {"a"}},
			[]string{`a.yaml:3:5: dependency cycle: a -> a`}},
		{"two", map[string][]string{"a": {"b"}, "b": {"a"}},
			[]string{`a.yaml:3:5: dependency cycle: a -> b -> a`, `b.yaml:3:5: dependency cycle: b -> a -> b`}},
		{"three, with a tail", map[string][]string{"a": {"d", "b"}, "b": {"c"}, "c": {"a"}, "d": nil},
			[]string{`a.yaml:4:5: dependency cycle: a -> b -> c -> a`, `b.yaml:3:5: dependency cycle: b -> c -> a -> b`, `c.yaml:3:5: dependency cycle: c -> a -> b -> c`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, e := range plan.CheckDependencies(plansDependingOn(t, tc.deps)) {
				got = append(got, e.Error())
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestCheckDependenciesSkipsPlansWithoutID checks that a plan parsed from
// bytes with no name, which has no ID, is neither checked nor known.
func TestCheckDependenciesSkipsPlansWithoutID(t *testing.T) {
	t.Parallel()
	anon, err := plan.Parse([]byte("- get: {url: \"https://example.com/\"}\n"), nil)
	require.NoError(t, err)
	require.Empty(t, plan.CheckDependencies([]*plan.Plan{anon, nil}))
}

func ExampleCheckDependencies() {
	var plans []*plan.Plan
	for _, src := range []string{
		"name: gateway\nsteps: [{get: {url: \"https://example.com/\"}}]\n",
		"name: checkout\ndepends_on: [gatway]\nsteps: [{get: {url: \"https://example.com/\"}}]\n",
	} {
		p, err := plan.Parse([]byte(src), nil)
		if err != nil {
			panic(err)
		}
		plans = append(plans, p)
	}
	fmt.Println(plan.CheckDependencies(plans))
	// Output:
	// 2:14: checkout: depends_on names unknown plan "gatway" (did you mean "gateway"?)
}
