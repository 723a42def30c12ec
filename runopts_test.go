package smokex_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// TestRunOptsPerRun: every field of the one RunOpts does what its doc
// says in Engine.Run.
func TestRunOptsPerRun(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte("key=" + r.URL.Query().Get("key")))
	}))
	t.Cleanup(srv.Close)
	eng := newEngine(t, smokex.Config{Vars: map[string]any{"base": srv.URL}, Secrets: smokex.StaticSecrets{"KEY": "from-source"}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `
name: opts
labels: {team: core}
secrets: [KEY]
steps:
  - get: {url: "${base}/fail?key=${KEY}"}
  - get: {url: "${base}/ok?key=${KEY}&home=${HOME_DIR}", expect: {string: "key=per-run"}}
`)))

	var mu sync.Mutex
	var seen []string
	halt := false
	x, err := eng.Run(ctx, "opts", &smokex.RunOpts{
		Trigger:     record.TriggerAPI,
		Secrets:     map[string]string{"KEY": "per-run"},
		LookupEnv:   func(name string) (string, bool) { return "/home/x", name == "HOME_DIR" },
		HaltOnError: &halt,
		Observer: record.HookFuncs{
			OnStart: func(_ context.Context, p *record.PlanRef, _ *record.Execution) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, "start "+p.ID+" "+p.Labels["team"])
			},
			OnStep: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, s *record.StepResult) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, "step "+s.URL)
			},
			OnFinish: func(_ context.Context, _ *record.PlanRef, x *record.Execution) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, "finish "+string(x.Status))
			},
		},
	})
	require.NoError(t, err)
	require.Equal(t, record.TriggerAPI, x.Trigger)
	require.Equal(t, record.StatusFailed, x.Status, "HaltOnError false runs the second step: %+v", x.Steps)
	require.True(t, x.Steps[1].OK, "the per-run secret wins over the source's: %+v", x.Steps[1])
	require.Equal(t, []string{
		"start opts core",
		"step " + srv.URL + "/fail?key=[REDACTED]",
		"step " + srv.URL + "/ok?key=[REDACTED]&home=/home/x",
		"finish failed",
	}, seen)
}
