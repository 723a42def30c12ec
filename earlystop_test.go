package smokex_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/memory"
)

// This file is the executions that stop before their first step: canceled
// while they wait for a slot or read their secrets, by a caller or by the
// engine's Stop. Each carries the stop reason docs/statuses.md gives, and
// is written once with its final status; subscribers still see it
// created, started, then finished.

// blockingSecrets answers once the caller gives up, as a vault that hangs.
type blockingSecrets struct{ asked chan struct{} }

func (s blockingSecrets) Secret(ctx context.Context, _ string) (string, bool, error) {
	close(s.asked)
	<-ctx.Done()
	return "", false, ctx.Err()
}

// heldSecrets answers once the test calls done: with the context's
// error when the run was canceled meanwhile, else with a value. Its run
// holds its concurrency slot until then, whether canceled or not.
type heldSecrets struct {
	asked, release chan struct{}
	done           func()
}

func (s heldSecrets) Secret(ctx context.Context, _ string) (string, bool, error) {
	close(s.asked)
	<-s.release
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	return "v", true, nil
}

// executionEvents reads a subscription's events by execution.
type executionEvents struct {
	sub  *smokex.Subscription
	byID map[string][]string
}

// newExecutionEvents subscribes to eng's events for the test.
func newExecutionEvents(t *testing.T, eng *smokex.Engine) *executionEvents {
	sub := eng.Subscribe(16)
	t.Cleanup(sub.Close)
	return &executionEvents{sub: sub, byID: map[string][]string{}}
}

// of returns the events of the execution id, as "type status", up to its
// execution_finished, whose execution it returns; those of other
// executions read meanwhile are kept for them.
func (l *executionEvents) of(t *testing.T, id string) ([]string, *record.Execution) {
	t.Helper()
	for {
		ev := l.next(t, "the events of "+id)
		if ev.Execution.ID == id && ev.Type == smokex.EventExecutionFinished {
			return l.byID[id], ev.Execution
		}
	}
}

// next returns the next event, kept for its execution.
func (l *executionEvents) next(t *testing.T, what string) smokex.Event {
	t.Helper()
	ev := within(t, l.sub.C(), what)
	require.NotNil(t, ev.Execution, "the subscription ended awaiting %s", what)
	l.byID[ev.Execution.ID] = append(l.byID[ev.Execution.ID], string(ev.Type)+" "+string(ev.Execution.Status))
	return ev
}

// requireCanceled checks that the stored execution id is canceled with
// stop reason canceled, an error of kind canceled saying msg, written as
// writes, and that its finished event says the same.
func requireCanceled(t *testing.T, store *statusWrites, finished *record.Execution, id, msg string, writes ...string) {
	t.Helper()
	x, err := store.GetExecution(t.Context(), id)
	require.NoError(t, err)
	for _, x := range []*record.Execution{x, finished} {
		require.Equal(t, record.StatusCanceled, x.Status)
		require.Equal(t, record.StopCanceled, x.StopReason)
		require.Equal(t, &record.StepError{Kind: record.ErrCanceled, Message: msg}, x.Error)
		require.Empty(t, x.Steps)
	}
	require.Equal(t, writes, store.of(id))
}

// slotHeld returns an engine with one concurrency slot and two plans:
// holder, whose run holds the slot while src is asked for its secret,
// and queued. src is released when the test ends, before the engine is
// stopped, should the test fail first.
func slotHeld(t *testing.T) (*smokex.Engine, *statusWrites, *executionEvents, heldSecrets) {
	t.Helper()
	src := heldSecrets{asked: make(chan struct{}), release: make(chan struct{})}
	src.done = sync.OnceFunc(func() { close(src.release) })
	store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
	eng := newEngine(t, smokex.Config{Store: store, Concurrency: 1, Secrets: src})
	t.Cleanup(src.done)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: holder, secrets: [KEY], steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: queued, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
	return eng, store, newExecutionEvents(t, eng), src
}

// TestCanceledBeforeStart cancels a run that waits for the concurrency
// slot another run holds: it is stored canceled, with stop reason
// canceled, in one write after its creation.
func TestCanceledBeforeStart(t *testing.T) {
	t.Parallel()
	eng, store, events, src := slotHeld(t)
	ctx := t.Context()
	_, err := eng.Trigger(ctx, "holder", nil)
	require.NoError(t, err)
	within(t, src.asked, "the holder's secrets")
	defer src.done()

	id, err := eng.Trigger(ctx, "queued", nil)
	require.NoError(t, err)
	require.NoError(t, eng.Cancel(id))
	seen, finished := events.of(t, id)
	require.Equal(t, []string{"execution_created created", "execution_started canceled", "execution_finished canceled"}, seen)
	requireCanceled(t, store, finished, id, "canceled before it started", "create created", "update canceled")
}

// TestStopCancelsRunsBeforeStart stops the engine, its runs canceled at
// once, while one run reads its secrets holding the only concurrency
// slot and another waits for it: both are stored canceled with stop
// reason canceled (the engine's own Stop, not a process that died, which
// is interrupted), each in one write after its creation.
func TestStopCancelsRunsBeforeStart(t *testing.T) {
	t.Parallel()
	eng, store, events, src := slotHeld(t)
	ctx := t.Context()
	holder, err := eng.Trigger(ctx, "holder", nil)
	require.NoError(t, err)
	within(t, src.asked, "the holder's secrets")
	queued, err := eng.Trigger(ctx, "queued", nil)
	require.NoError(t, err)

	stopCtx, cancel := context.WithCancel(ctx)
	cancel() // the runs are canceled as Stop begins
	stopped := make(chan error, 1)
	go func() { stopped <- eng.Stop(stopCtx) }()
	// The queued run ends while the holder still holds the slot.
	seen, finished := events.of(t, queued)
	require.Equal(t, []string{"execution_created created", "execution_started canceled", "execution_finished canceled"}, seen)
	requireCanceled(t, store, finished, queued, "canceled before it started", "create created", "update canceled")

	src.done()
	seen, finished = events.of(t, holder)
	require.Equal(t, []string{"execution_created created", "execution_started canceled", "execution_finished canceled"}, seen)
	requireCanceled(t, store, finished, holder, "canceled while reading its secrets", "create created", "update canceled")
	err = within(t, stopped, "Stop")
	require.ErrorIs(t, err, smokex.ErrRunsCanceled)
	require.ErrorIs(t, err, context.Canceled)
}

// TestCancelWhileReadingSecrets cancels a run while its secret source is
// asked: the run is stored as canceled, with stop reason canceled, not as
// failed, in one write; a tick in time, written once when it ends,
// likewise, in the create of its execution finished.
func TestCancelWhileReadingSecrets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tick := range []bool{false, true} {
		src := blockingSecrets{asked: make(chan struct{})}
		store := &statusWrites{Store: memory.New(memory.Config{}), writes: map[string][]string{}}
		eng, h := newHandTicked(t, smokex.Config{Store: store, Secrets: src, WriteRunningAfter: time.Hour}, false)
		require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: vault, schedule: "@hourly", secrets: [KEY], steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
		events := newExecutionEvents(t, eng)
		var id string
		writes := []string{"create created", "update canceled"}
		if tick {
			writes = []string{"create canceled"} // written once, when it ends
			go h.Tick("vault", time.Now().UTC().Truncate(time.Hour))
			id = events.next(t, "the tick's execution_created").Execution.ID
		} else {
			var err error
			id, err = eng.Trigger(ctx, "vault", nil)
			require.NoError(t, err)
		}
		within(t, src.asked, "the secret source")
		require.NoError(t, eng.Cancel(id))
		seen, finished := events.of(t, id)
		require.Equal(t, []string{"execution_created created", "execution_started canceled", "execution_finished canceled"}, seen)
		requireCanceled(t, store, finished, id, "canceled while reading its secrets", writes...)
	}
}
