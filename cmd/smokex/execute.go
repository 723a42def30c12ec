package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// execute runs the plans, up to f.jobs at once, started in the order given,
// and returns their results in that order. When out is set, it writes each
// plan to stdout in the order given: the first unfinished plan step by
// step, the others into a buffer written when their turn comes, so that
// concurrent plans neither interleave nor change places.
func (a *app) execute(ctx context.Context, f *runFlags, plans []loadedPlan, secrets []map[string]string, out *console) []ranPlan {
	runner := exec.New(exec.Config{
		Client:         a.client,
		DefaultTimeout: f.timeout,
		Logger:         slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	ord := newOrdered(a.stdout, len(plans))
	runs := make([]ranPlan, len(plans))
	sem := make(chan struct{}, f.jobs)
	var wg sync.WaitGroup
	for i, lp := range plans {
		// Taking the slot here starts the plans in the order given.
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var w io.Writer = io.Discard
			if out != nil {
				w = ord.writer(i)
			}
			runs[i] = a.runPlan(ctx, runner, f, lp, secrets[i], w, out)
			ord.done(i)
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
		headed, polling := false, false
		opts.Observer = record.HookFuncs{
			OnStart: func(_ context.Context, _ *record.PlanRef, e *record.Execution) { out.header(w, e) },
			OnPoll: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, r *record.StepResult, _, deadline time.Time) {
				// A plan whose output waits in a buffer shows no progress:
				// only the plan on screen rewrites its line.
				if lw, ok := w.(liveWriter); out.progress && ok {
					var b bytes.Buffer
					out.polling(&b, rp, r, time.Now(), deadline)
					polling = lw.WriteLive(b.Bytes()) || polling
				}
			},
			OnStep: func(_ context.Context, _ *record.PlanRef, e *record.Execution, r *record.StepResult) {
				if polling {
					_, _ = io.WriteString(w, clearLine)
					polling = false
				}
				out.step(w, rp, e, r, &headed)
			},
			OnFinish: func(_ context.Context, _ *record.PlanRef, e *record.Execution) { out.summary(w, e) },
		}
	}
	rp.exec = runner.Run(ctx, lp.plan, opts)
	return rp
}

// ordered writes the output of concurrent plans in their order: plan
// next's writes go straight through, a later plan's are buffered until
// every plan before it is done.
type ordered struct {
	mu       sync.Mutex
	w        io.Writer
	next     int
	buffers  []bytes.Buffer
	finished []bool
}

func newOrdered(w io.Writer, n int) *ordered {
	return &ordered{w: w, buffers: make([]bytes.Buffer, n), finished: make([]bool, n)}
}

// writer is the io.Writer of plan i.
func (o *ordered) writer(i int) io.Writer { return orderedWriter{o, i} }

type orderedWriter struct {
	o *ordered
	i int
}

// liveWriter is a writer that can tell whether its text reaches the
// screen now.
type liveWriter interface {
	// WriteLive writes p only when it goes straight through, and tells
	// whether it did.
	WriteLive(p []byte) bool
}

// WriteLive writes p when plan i is the one on screen, and drops it
// otherwise.
func (ow orderedWriter) WriteLive(p []byte) bool {
	o := ow.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if ow.i != o.next {
		return false
	}
	_, err := o.w.Write(p)
	return err == nil
}

func (ow orderedWriter) Write(p []byte) (int, error) {
	o := ow.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if ow.i == o.next {
		return o.w.Write(p)
	}
	return o.buffers[ow.i].Write(p)
}

// done marks plan i finished and writes what the plans after it have
// buffered, up to the next one still running, which then writes through.
func (o *ordered) done(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finished[i] = true
	for o.next < len(o.finished) && o.finished[o.next] {
		o.next++
		if o.next < len(o.buffers) {
			_, _ = o.w.Write(o.buffers[o.next].Bytes())
			o.buffers[o.next] = bytes.Buffer{}
		}
	}
}

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
