package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"sync"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// execute runs the plans, up to f.jobs at once, and returns their results in
// the order of plans. When out is set, it writes each plan to stdout: step by
// step when plans run one at a time, as a block when each finishes
// otherwise, so that concurrent plans do not interleave.
func (a *app) execute(ctx context.Context, f *runFlags, plans []loadedPlan, secrets []map[string]string, out *console) []ranPlan {
	runner := exec.New(exec.Config{
		Client:         a.client,
		DefaultTimeout: f.timeout,
		Logger:         slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	stream := f.jobs == 1 || len(plans) == 1
	stdout := &lockedWriter{w: a.stdout}
	runs := make([]ranPlan, len(plans))
	sem := make(chan struct{}, f.jobs)
	var wg sync.WaitGroup
	for i, lp := range plans {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var w io.Writer = io.Discard
			var block *bytes.Buffer
			switch {
			case out != nil && stream:
				w = stdout
			case out != nil:
				block = &bytes.Buffer{}
				w = block
			}
			runs[i] = a.runPlan(ctx, runner, f, lp, secrets[i], w, out)
			if block != nil {
				stdout.Write(block.Bytes())
			}
		})
	}
	wg.Wait()
	runner.CloseIdleConnections()
	return runs
}

// runPlan runs one plan and, when out is set, writes it to w as it runs.
func (a *app) runPlan(ctx context.Context, runner *exec.Runner, f *runFlags, lp loadedPlan, secrets map[string]string, w io.Writer, out *console) ranPlan {
	rp := ranPlan{file: lp.file, plan: lp.plan}
	vars := make(map[string]any, len(f.vars.values))
	for name, v := range maps.All(f.vars.values) {
		vars[name] = v
	}
	opts := &exec.RunOpts{
		Trigger:   record.TriggerCLI,
		Vars:      vars,
		Secrets:   secrets,
		LookupEnv: a.lookupEnv,
	}
	if f.noHalt {
		halt := false
		opts.HaltOnError = &halt
	}
	if out != nil {
		opts.Observer = exec.ObserverFuncs{
			OnStart: func(_ context.Context, _ *record.PlanRef, e *record.Execution) { out.header(w, e) },
			OnStep: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, r *record.StepResult) {
				out.step(w, r, rp.named(r))
			},
			OnFinish: func(_ context.Context, _ *record.PlanRef, e *record.Execution) { out.summary(w, e) },
		}
	}
	rp.exec = runner.Run(ctx, lp.plan, opts)
	return rp
}

// lockedWriter serializes writes from concurrent plans.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
