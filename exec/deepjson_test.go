package exec_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// deepJSON is n nested objects {"a":{"a":...}} around 1, with pad bytes of
// text beside each "a".
func deepJSON(n, pad int) []byte {
	var b strings.Builder
	p := ""
	if pad > 0 {
		p = `"p":"` + strings.Repeat("x", pad) + `",`
	}
	for range n {
		b.WriteString("{" + p + `"a":`)
	}
	b.WriteString("1")
	b.WriteString(strings.Repeat("}", n))
	return []byte(b.String())
}

func TestDeepJSONResponseFailsTheStep(t *testing.T) {
	t.Parallel()
	// A million nested objects, 6 MB, under the body bound: it once
	// crashed the process when a failure described it.
	body := deepJSON(1_000_000, 0)
	require.Greater(t, len(body), 5<<20)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	cases := map[string]string{
		"json expectation": "      json: {a: {b: 1}}\n",
		"assert on json":   "      assert: [\"json.a.a == 2\"]\n",
		"assert on body":   "      assert: [\"len(body) < 10\"]\n",
	}
	for name, expect := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			x := runYAML(t, srv, "- get:\n    host: ${base}\n    expect:\n"+expect, nil)
			require.Equal(t, record.StatusFailed, x.Status)
			res := x.Steps[0]
			require.False(t, res.OK)
			require.NotEmpty(t, res.Failures)
			if name != "assert on body" {
				require.NotNil(t, res.Error)
				require.Equal(t, record.ErrTooLarge, res.Error.Kind)
				require.Equal(t, "the response body is not read as JSON: the JSON nests deeper than 1000 levels (at byte 5000), the most smokex reads", res.Error.Message)
			}
			for _, f := range res.Failures {
				require.LessOrEqual(t, len(f.Received), 1000)
			}
		})
	}
	t.Run("json_path capture", func(t *testing.T) {
		t.Parallel()
		x := runYAML(t, srv, "- get:\n    host: ${base}\n    save_from_response:\n      - {variable_name: v, json_path: \"$..a\"}\n", nil)
		res := x.Steps[0]
		require.False(t, res.OK)
		require.Equal(t, record.ErrTooLarge, res.Error.Kind)
		require.Nil(t, res.Captures)
	})
}

// TestDescentCaptureIsBounded is a $..a capture on a document as deep as
// JSON may be read, each level padded: every match holds the levels below
// it, so the capture written out would be quadratic in the body.
func TestDescentCaptureIsBounded(t *testing.T) {
	body := deepJSON(999, 6000)
	require.Greater(t, len(body), 5<<20)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := runYAML(t, srv, "- get:\n    host: ${base}\n    save_from_response:\n      - {variable_name: v, json_path: \"$..a\"}\n", nil)
	runtime.ReadMemStats(&after)
	res := x.Steps[0]
	require.False(t, res.OK)
	require.Equal(t, record.ErrCapture, res.Error.Kind)
	require.Equal(t, "v: the 999 values matched by $..a take more than 10 MiB written as JSON, the most a capture may hold (the response body bound)", res.Error.Message)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB", alloc>>20)
	require.Less(t, alloc, uint64(200<<20))

	// The same document, shallow enough and small enough, is captured.
	small := deepJSON(50, 10)
	srv2 := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(small) })
	x = run(t, newPlan(step(t, "GET", srv2.URL, func(s *plan.Step) { s.Captures = append(s.Captures, capJSON(t, "v", "$..a")) })), &exec.RunOpts{})
	require.True(t, x.Steps[0].OK, "%+v", x.Steps[0].Error)
	require.Len(t, x.Steps[0].Captures["v"], 50)
}
