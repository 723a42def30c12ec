package smokex_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// TestHooksSeeThePlanAndEveryEvent checks that each hook method is called
// once per event, in order, with the plan's ID, name and labels.
func TestHooksSeeThePlanAndEveryEvent(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	var mu sync.Mutex
	var seen []string
	note := func(what string, p *record.PlanRef) {
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, "labeled", p.ID)
		require.Equal(t, map[string]string{"team": "payments"}, p.Labels)
		seen = append(seen, what)
	}
	h := &hookFuncs{
		created:  func(p *record.PlanRef, x *record.Execution) { note("created "+string(x.Status), p) },
		started:  func(p *record.PlanRef, x *record.Execution) { note("started "+string(x.Status), p) },
		step:     func(p *record.PlanRef, _ *record.Execution, s *record.StepResult) { note("step "+s.Name, p) },
		finished: func(_ context.Context, p *record.PlanRef, x *record.Execution) { note("finished "+string(x.Status), p) },
	}
	eng := newEngine(t, smokex.Config{Hooks: []record.Hook{h}, Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: labeled, labels: {team: payments}, steps: [{get: {name: one, url: "${base}/"}}, {get: {name: two, url: "${base}/"}}]}`)))
	_, err := eng.Run(ctx, "labeled", nil)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"created created", "started running", "step one", "step two", "finished passed"}, seen)
}

// TestFinishedHookRunsOutsideTheSlot holds the finished hook of the first
// run until a second run of another plan has started: with one slot, that
// can only happen when the hook is called after the slot is given back.
func TestFinishedHookRunsOutsideTheSlot(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	secondStarted := make(chan struct{})
	h := &hookFuncs{
		started: func(p *record.PlanRef, _ *record.Execution) {
			if p.ID == "second" {
				close(secondStarted)
			}
		},
		finished: func(_ context.Context, p *record.PlanRef, _ *record.Execution) {
			if p.ID != "first" {
				return
			}
			select {
			case <-secondStarted:
			case <-time.After(10 * time.Second):
				t.Error("the second run did not start while the first one's finish was being told")
			}
		},
	}
	eng := newEngine(t, smokex.Config{Concurrency: 1, Hooks: []record.Hook{h}, Vars: map[string]any{"base": srv.URL}})
	ctx := context.Background()
	for _, name := range []string{"first", "second"} {
		require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: `+name+`, steps: [{get: {url: "${base}/"}}]}`)))
	}
	done := make(chan error, 1)
	go func() {
		_, err := eng.Run(ctx, "first", nil)
		done <- err
	}()
	<-time.After(10 * time.Millisecond)
	_, err := eng.Run(ctx, "second", nil)
	require.NoError(t, err)
	require.NoError(t, <-done)
}

// serviceHook records its Start and Stop calls.
type serviceHook struct {
	record.HookDefaults
	mu       sync.Mutex
	calls    []string
	startErr error
}

func (s *serviceHook) Start(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "start")
	return s.startErr
}

func (s *serviceHook) Stop(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "stop")
	return nil
}

func (s *serviceHook) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func TestServiceHooksStartAndStopWithTheEngine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, second := &serviceHook{}, &serviceHook{}
	eng := newEngine(t, smokex.Config{Hooks: []record.Hook{first, second}})
	require.Empty(t, first.Calls(), "New starts nothing")
	require.NoError(t, eng.Start(ctx))
	require.Equal(t, []string{"start"}, first.Calls())
	require.NoError(t, eng.Stop(ctx))
	require.Equal(t, []string{"start", "stop"}, first.Calls())
	require.Equal(t, []string{"start", "stop"}, second.Calls())

	failing := &serviceHook{startErr: errors.New("no queue")}
	eng = newEngine(t, smokex.Config{Hooks: []record.Hook{first, failing}})
	require.ErrorContains(t, eng.Start(ctx), "no queue")
	require.Equal(t, []string{"start", "stop", "start", "stop"}, first.Calls(), "a failed start stops the services started before it")
}

func TestNilHookIsAnError(t *testing.T) {
	t.Parallel()
	_, err := smokex.New(smokex.Config{Hooks: []record.Hook{nil}})
	require.ErrorContains(t, err, "Config.Hooks[0] is nil")
}

// wrongSignature means to be an ExecutionFinishedHook, but its method
// lacks the context: it implements none of the hook interfaces.
type wrongSignature struct{ record.HookDefaults }

func (wrongSignature) ExecutionFinished(*record.PlanRef, *record.Execution) {}

// TestHookOfNoInterfaceIsAnError: a hook that implements none of the hook
// interfaces (one wrong signature) is refused by New, naming its type,
// rather than silently never called.
func TestHookOfNoInterfaceIsAnError(t *testing.T) {
	t.Parallel()
	_, err := smokex.New(smokex.Config{Hooks: []record.Hook{record.HookFuncs{}, wrongSignature{}}})
	require.ErrorContains(t, err, "Config.Hooks[1] (smokex_test.wrongSignature) implements none of the hook interfaces")
}
