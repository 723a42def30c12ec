package plan_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

// FuzzParse checks that Parse never panics or hangs, and that it returns
// either a plan or a non-empty ErrorList.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, file := range goldenFiles(f, dir) {
			src, err := os.ReadFile(file)
			require.NoError(f, err)
			f.Add(src)
		}
	}
	// Depth-heavy inputs (deep brackets, long operator chains, deep YAML),
	// so that the fuzzer starts where the parser once overflowed its stack.
	for _, src := range deepPlans() {
		f.Add([]byte(src[:min(len(src), 30000)]))
	}
	f.Add([]byte("- get:\n    host: http://x\n    expect:\n      assert: [\"" + strings.Repeat("!(", 3000) + "true\"]\n"))
	f.Add([]byte("- get:\n    host: http://x\n    body: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"))
	f.Add([]byte("- get:\n    host: http://x\n    body: " + strings.Repeat("{a: ", 3000) + "1" + strings.Repeat("}", 3000) + "\n"))
	f.Add([]byte("- get:\n    host: \"http://x/\xff${a}\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := plan.Parse(src, &plan.ParseOpts{File: "fuzz.yaml", MaxSteps: 100})
		if err != nil {
			var list plan.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			if p != nil {
				t.Fatal("a plan with an error")
			}
			return
		}
		if err := plan.CheckID(p.ID); err != nil {
			t.Fatalf("a plan whose id %q no store can hold: %v", p.ID, err)
		}
		if len(p.Steps) == 0 || p.ID == "" {
			t.Fatalf("a plan with %d steps and id %q", len(p.Steps), p.ID)
		}
		_ = plan.Lint(p, nil)
	})
}

// bigPlan returns a document-form plan of n steps using every kind of
// value.
func bigPlan(n int) []byte {
	var b strings.Builder
	b.WriteString("name: big\nvars: {base: \"https://api.example.com\"}\nsecrets: [TOKEN]\nsteps:\n")
	for i := range n {
		fmt.Fprintf(&b, `  - post:
      name: step %d
      host: "${base}/items/%d"
      query: {page: %d, tags: [a, b]}
      headers: {Authorization: "Bearer ${TOKEN}", Accept: application/json}
      body: {id: %d, name: "item-%d", tags: [x, y], nested: {ok: true}}
      expect:
        status_code: [200, 201]
        json: {id: %d}
        assert: ["status < 300 && duration < 1000"]
      save_from_response:
        - {variable_name: id%d, json_path: "$.id"}
      options: {timeout: 2s, retries: 1}
`, i, i, i, i, i, i, i)
	}
	return []byte(b.String())
}

func BenchmarkParse1000Steps(b *testing.B) {
	src := bigPlan(1000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := plan.Parse(src, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBigPlanParses(t *testing.T) {
	t.Parallel()
	p, err := plan.Parse(bigPlan(1000), nil)
	require.NoError(t, err)
	require.Len(t, p.Steps, 1000)
	require.Empty(t, plan.Lint(p, nil))
}
