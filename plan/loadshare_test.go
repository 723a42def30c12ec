package plan_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// The files of a directory share their compiled expressions, and each plan
// still counts every distinct expression it holds against its own limit,
// as it does parsed alone.
func TestLoadFSSharedExpressionsKeepEachPlansLimit(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	for i := range 25 {
		fmt.Fprintf(&src, "- get: {host: 'https://x.test/${a}/${b%d}'}\n", i)
	}
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte("name: a\nsteps:\n" + indent(src.String()))},
		"b.yaml": {Data: []byte("name: b\nsteps:\n" + indent(src.String()))},
	}
	for limit := 20; limit <= 30; limit++ {
		opts := &plan.ParseOpts{MaxExpressions: limit}
		var alone plan.ErrorList
		for _, name := range []string{"a.yaml", "b.yaml"} {
			_, err := plan.Parse(fsys[name].Data, &plan.ParseOpts{MaxExpressions: limit, File: name})
			if err != nil {
				alone = append(alone, err.(plan.ErrorList)...)
			}
		}
		plans, err := plan.LoadFS(fsys, opts)
		if alone == nil {
			require.NoError(t, err, "limit %d", limit)
			require.Len(t, plans, 2)
			continue
		}
		require.Equal(t, alone, err, "limit %d", limit)
	}
	broken := fstest.MapFS{
		"a.yaml": {Data: []byte("name: a\nsteps:\n  - get: {host: 'https://x.test/${a +}'}\n")},
		"b.yaml": {Data: []byte("name: b\nsteps:\n  - get:\n      host: 'https://x.test/${a +}'\n")},
	}
	var alone plan.ErrorList
	for _, name := range []string{"a.yaml", "b.yaml"} {
		_, err := plan.Parse(broken[name].Data, &plan.ParseOpts{File: name})
		alone = append(alone, err.(plan.ErrorList)...)
	}
	_, err := plan.LoadFS(broken, nil)
	require.Equal(t, alone, err, "each file's error at its own place")
	require.NotEqual(t, alone[0].Line, alone[1].Line)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
