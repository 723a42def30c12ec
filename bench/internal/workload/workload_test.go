package workload_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/bench/internal/workload"
	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func newRunner(tb testing.TB) *exec.Runner {
	r := exec.New(exec.Config{Logger: slog.New(slog.DiscardHandler)})
	tb.Cleanup(r.CloseIdleConnections)
	return r
}

func newFlow(tb testing.TB, base string, conns int) workload.Flow {
	t := workload.NewTransport(conns)
	tb.Cleanup(t.CloseIdleConnections)
	return workload.Flow{Client: &http.Client{Transport: t, CheckRedirect: workload.NoRedirects}, Base: base}
}

// target starts the benchmark target on loopback and returns its URL.
func target(tb testing.TB) string {
	srv := httptest.NewServer(workload.Handler())
	tb.Cleanup(srv.Close)
	return srv.URL
}

func parse(tb testing.TB, name string, pairs int) *plan.Plan {
	p, err := plan.Parse(workload.Plan(name, pairs), nil)
	require.NoError(tb, err)
	return p
}

func run(ctx context.Context, r *exec.Runner, p *plan.Plan, base string) *record.Execution {
	return r.Run(ctx, p, &exec.RunOpts{Vars: map[string]any{"base": base}})
}

func TestPlanAndFlowPass(t *testing.T) {
	t.Parallel()
	base := target(t)
	p := parse(t, "pass", 5)
	require.Len(t, p.Steps, 10)
	e := run(t.Context(), newRunner(t), p, base)
	require.Equal(t, record.StatusPassed, e.Status)
	for _, s := range e.Steps {
		require.True(t, s.OK, "step %s: %+v %+v", s.Name, s.Failures, s.Error)
	}
	require.Equal(t, "tok-1", e.Steps[0].Captures["token"])
	require.Equal(t, "tok-5", e.Steps[8].Captures["token"])

	require.NoError(t, newFlow(t, base, 1).Run(t.Context(), 5))
}

// TestPlanAndFlowCheckTheSame breaks the target in each way the plan checks
// and requires both the plan and the hand-written flow to fail, so that the
// benchmark compares equal work.
func TestPlanAndFlowCheckTheSame(t *testing.T) {
	t.Parallel()
	good := workload.Handler()
	tests := []struct {
		name  string
		login func(w http.ResponseWriter)
		echo  func(w http.ResponseWriter, token string)
	}{
		{name: "login status", login: func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusInternalServerError)
		}},
		{name: "login without a token", login: func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"session":{}}`)
		}},
		{name: "login not JSON", login: func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `token`)
		}},
		{name: "echo status", echo: func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Echo", "yes")
			w.WriteHeader(http.StatusCreated)
			_, _ = fmt.Fprintf(w, `{"token":%q}`, token)
		}},
		{name: "echo header", echo: func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Echo", "no")
			_, _ = fmt.Fprintf(w, `{"token":%q}`, token)
		}},
		{name: "echo token", echo: func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Echo", "yes")
			_, _ = fmt.Fprintf(w, `{"token":%q}`, token+"x")
		}},
		{name: "echo not JSON", echo: func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Echo", "yes")
			_, _ = io.WriteString(w, token)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case tt.login != nil && r.URL.Path == "/login":
					tt.login(w)
				case tt.echo != nil && r.URL.Path == "/echo":
					tt.echo(w, r.URL.Query().Get("token"))
				default:
					good.ServeHTTP(w, r)
				}
			}))
			t.Cleanup(srv.Close)

			e := run(t.Context(), newRunner(t), parse(t, "broken", 2), srv.URL)
			require.Equal(t, record.StatusFailed, e.Status)
			require.Equal(t, record.StopHaltedOnError, e.StopReason)
			require.Error(t, newFlow(t, srv.URL, 1).Run(t.Context(), 2))
		})
	}
}

func TestPlanIsValid(t *testing.T) {
	t.Parallel()
	p := parse(t, "bench-1000", 500)
	require.Len(t, p.Steps, 1000)
	require.Equal(t, "bench-1000", p.ID)
	require.True(t, strings.HasPrefix(p.Steps[999].Name, "echo 500"))
}

// The benchmarks below run the workload in process against a loopback
// server; bench/run.sh measures the whole programs.

// BenchmarkParse1000 measures plan.Parse of the 1000-step plan as a pair
// with the YAML decoder alone building its node tree of the same bytes, so
// that their ratio is taken under the same load.
func BenchmarkParse1000(b *testing.B) {
	src := workload.Plan("bench-1000", 500)
	b.Run("yaml", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			var n yaml.Node
			if err := yaml.Unmarshal(src, &n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plan", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := plan.Parse(src, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	// pair alternates the two in every iteration and reports the ratio of
	// their total times, which the load of a shared machine moves least.
	b.Run("pair", func(b *testing.B) {
		var yamlTime, planTime, yamlCPU, planCPU time.Duration
		for b.Loop() {
			// Each half starts on a collected heap, so that neither pays
			// for the other's garbage.
			runtime.GC()
			start, cpu := time.Now(), cpuTime()
			var n yaml.Node
			if err := yaml.Unmarshal(src, &n); err != nil {
				b.Fatal(err)
			}
			yamlTime, yamlCPU = yamlTime+time.Since(start), yamlCPU+cpuTime()-cpu
			runtime.GC()
			start, cpu = time.Now(), cpuTime()
			if _, err := plan.Parse(src, nil); err != nil {
				b.Fatal(err)
			}
			planTime, planCPU = planTime+time.Since(start), planCPU+cpuTime()-cpu
		}
		b.ReportMetric(float64(planTime)/float64(yamlTime), "plan/yaml")
		if yamlCPU > 0 {
			b.ReportMetric(float64(planCPU)/float64(yamlCPU), "plan/yaml-cpu")
		}
	})
}

func BenchmarkRun1000(b *testing.B) {
	base, r := target(b), newRunner(b)
	p := parse(b, "bench-1000", 500)
	loop(b, 1, func() error { return passed(run(b.Context(), r, p, base)) })
}

func BenchmarkPlain1000(b *testing.B) {
	f := newFlow(b, target(b), 1)
	loop(b, 1, func() error { return f.Run(b.Context(), 500) })
}

func BenchmarkRun50x20(b *testing.B) {
	base, r := target(b), newRunner(b)
	p := parse(b, "bench-20", 10)
	loop(b, 50, func() error { return passed(run(b.Context(), r, p, base)) })
}

func BenchmarkPlain50x20(b *testing.B) {
	f := newFlow(b, target(b), 50)
	loop(b, 50, func() error { return f.Run(b.Context(), 10) })
}

func passed(e *record.Execution) error {
	if e.Status != record.StatusPassed {
		return fmt.Errorf("status %s", e.Status)
	}
	return nil
}

// loop runs fn n times at once in each iteration of b.
func loop(b *testing.B, n int, fn func() error) {
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
}

// BenchmarkPair1000 and BenchmarkPair50x20 run the executor and the plain
// flow in turns within every iteration, against one target, and report the
// ratio of their total times: the figure a shared machine's load moves
// least.
func BenchmarkPair1000(b *testing.B) {
	base, r := target(b), newRunner(b)
	p := parse(b, "bench-1000", 500)
	f := newFlow(b, base, 1)
	pair(b, 1, func() error { return passed(run(b.Context(), r, p, base)) }, func() error { return f.Run(b.Context(), 500) })
}

func BenchmarkPair50x20(b *testing.B) {
	base, r := target(b), newRunner(b)
	p := parse(b, "bench-20", 10)
	f := newFlow(b, base, 50)
	pair(b, 50, func() error { return passed(run(b.Context(), r, p, base)) }, func() error { return f.Run(b.Context(), 10) })
}

// pair times smokex and plain, each run n times at once, in turns.
func pair(b *testing.B, n int, smokex, plain func() error) {
	var smokexTime, plainTime, smokexCPU, plainCPU time.Duration
	once := func(fn func() error) (time.Duration, time.Duration) {
		runtime.GC() // each starts on a collected heap
		start, cpu := time.Now(), cpuTime()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		return time.Since(start), cpuTime() - cpu
	}
	for b.Loop() {
		w, c := once(plain)
		plainTime, plainCPU = plainTime+w, plainCPU+c
		w, c = once(smokex)
		smokexTime, smokexCPU = smokexTime+w, smokexCPU+c
	}
	b.ReportMetric(float64(smokexTime)/float64(plainTime), "smokex/plain")
	if plainCPU > 0 {
		// The target serves both in this process: its CPU time is in both.
		b.ReportMetric(float64(smokexCPU)/float64(plainCPU), "smokex/plain-cpu")
	}
}
