package smokex_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// flakyStore is a memory store whose CreateExecution and AppendStep fail as
// fail says: before writing (the write is lost) or after (the write is
// committed and its reply lost), as a dropped connection does.
type flakyStore struct {
	storage.Store
	mu sync.Mutex
	// fail is asked before each write, by operation and step index (-1
	// for the creation); it returns the error and whether the write is
	// done anyway.
	fail  func(op string, index, try int) (err error, committed bool)
	tries map[string]int
}

func (s *flakyStore) write(op string, index int, write func() error) error {
	s.mu.Lock()
	key := fmt.Sprint(op, index)
	s.tries[key]++
	try := s.tries[key]
	s.mu.Unlock()
	err, committed := s.fail(op, index, try)
	if err == nil || committed {
		if werr := write(); werr != nil {
			return werr
		}
	}
	return err
}

func (s *flakyStore) CreateExecution(ctx context.Context, x *record.Execution) error {
	return s.write("create", -1, func() error { return s.Store.CreateExecution(ctx, x) })
}

func (s *flakyStore) AppendStep(ctx context.Context, id string, r *record.StepResult) error {
	return s.write("append", r.Index, func() error { return s.Store.AppendStep(ctx, id, r) })
}

// flakyFinisher is a flakyStore that stores a run's last step with its
// finish (storage.ExecutionFinisher), failing as fail says for op
// "finish" with the step's index.
type flakyFinisher struct{ *flakyStore }

func (s flakyFinisher) FinishExecution(ctx context.Context, x *record.Execution, steps []*record.StepResult) error {
	return s.write("finish", steps[len(steps)-1].Index, func() error {
		return s.Store.(storage.ExecutionFinisher).FinishExecution(ctx, x, steps)
	})
}

var errDropped = fmt.Errorf("connection dropped: %w", storage.ErrUnavailable)

func TestStoreWritesAreTriedAgain(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	const src = `{name: three, steps: [{get: {name: one, url: "${base}/1"}}, {get: {name: two, url: "${base}/2"}}, {get: {name: three, url: "${base}/3"}}]}`
	cases := []struct {
		name string
		fail func(op string, index, try int) (error, bool)
		// wantErr is the execution's error; empty: none.
		wantErr string
	}{
		{"create lost twice", func(op string, _, try int) (error, bool) {
			return when(op == "create" && try <= 2, errDropped), false
		}, ""},
		{"create committed, reply lost", func(op string, _, try int) (error, bool) {
			return when(op == "create" && try == 1, errDropped), true
		}, ""},
		{"steps lost twice each", func(op string, _, try int) (error, bool) {
			return when(op == "append" && try <= 2, errDropped), false
		}, ""},
		{"step committed, reply lost", func(op string, index, try int) (error, bool) {
			return when(op == "append" && index == 1 && try == 1, errDropped), true
		}, ""},
		{"a step refused for good", func(op string, index, _ int) (error, bool) {
			return when(op == "append" && index == 1, errors.New("disk full")), false
		}, "step 2 (two) of 3 could not be stored, the stored execution lacks them: disk full"},
		{"two steps refused for good", func(op string, index, _ int) (error, bool) {
			return when(op == "append" && index > 0, errors.New("disk full")), false
		}, "steps 2 (two), 3 (three) of 3 could not be stored, the stored execution lacks them: disk full"},
		{"finish with the last step lost twice", func(op string, _, try int) (error, bool) {
			return when(op == "finish" && try <= 2, errDropped), false
		}, ""},
		{"finish with the last step committed, reply lost", func(op string, _, try int) (error, bool) {
			return when(op == "finish" && try == 1, errDropped), true
		}, ""},
		{"finish with the last step refused, each alone stored", func(op string, _, _ int) (error, bool) {
			return when(op == "finish", errors.New("disk full")), false
		}, ""},
		{"finish with the last step refused, the last step too", func(op string, index, _ int) (error, bool) {
			return when(op == "finish" || op == "append" && index == 2, errors.New("disk full")), false
		}, "step 3 (three) of 3 could not be stored, the stored execution lacks them: disk full"},
		{"a step refused, the last then stored alone", func(op string, index, _ int) (error, bool) {
			return when(op == "append" && index == 0, errors.New("disk full")), false
		}, "step 1 (one) of 3 could not be stored, the stored execution lacks them: disk full"},
	}
	for _, c := range cases {
		// A store without ExecutionFinisher appends every step; one with
		// it stores the last with the finish.
		for _, together := range []bool{false, true} {
			t.Run(fmt.Sprint(c.name, "/together=", together), func(t *testing.T) {
				t.Parallel()
				flaky := &flakyStore{Store: memory.New(memory.Config{}), fail: c.fail, tries: map[string]int{}}
				var store storage.Store = flaky
				if together {
					store = flakyFinisher{flaky}
				}
				eng := newEngine(t, smokex.Config{Store: store, Vars: map[string]any{"base": srv.URL}, Logger: slog.New(slog.DiscardHandler)})
				ctx := t.Context()
				require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))
				x, err := eng.Run(ctx, "three", nil)
				require.NoError(t, err)
				require.Equal(t, record.StatusPassed, x.Status)
				got, err := flaky.Store.GetExecution(ctx, x.ID)
				require.NoError(t, err)
				require.Equal(t, record.StatusPassed, got.Status)
				if c.wantErr == "" {
					require.Nil(t, got.Error)
					require.Len(t, got.Steps, 3)
					return
				}
				require.NotNil(t, got.Error)
				require.Equal(t, record.ErrStorage, got.Error.Kind)
				require.Equal(t, c.wantErr, got.Error.Message)
				require.Equal(t, got.Error, x.Error, "the run returns what is stored")
			})
		}
	}
}

// TestLastStepStoredWithTheFinish runs a plan of three steps on a store
// that is an ExecutionFinisher: the first two are stored as each ends, so
// that a reader of the running execution sees them, and the last with the
// finish, in one write.
func TestLastStepStoredWithTheFinish(t *testing.T) {
	t.Parallel()
	flaky := &flakyStore{Store: memory.New(memory.Config{}), fail: func(string, int, int) (error, bool) { return nil, false }, tries: map[string]int{}}
	var (
		mu   sync.Mutex
		seen = map[string][]int{} // the stored steps each request saw
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := flaky.Store.ListExecutions(r.Context(), nil)
		if err != nil || len(page.Executions) != 1 {
			http.Error(w, fmt.Sprint("listing executions: ", err), http.StatusInternalServerError)
			return
		}
		x, err := flaky.Store.GetExecution(r.Context(), page.Executions[0].ID)
		if err != nil || x.Status != record.StatusRunning {
			http.Error(w, fmt.Sprint("reading the running execution: ", err), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, s := range x.Steps {
			seen[r.URL.Path] = append(seen[r.URL.Path], s.Index)
		}
	}))
	t.Cleanup(srv.Close)
	eng := newEngine(t, smokex.Config{Store: flakyFinisher{flaky}, Vars: map[string]any{"base": srv.URL}})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: three, steps: [{get: {url: "${base}/1"}}, {get: {url: "${base}/2"}}, {get: {url: "${base}/3"}}]}`)))
	x, err := eng.Run(ctx, "three", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, x.Status, "%+v", x.Error)

	require.Equal(t, map[string][]int{"/2": {0}, "/3": {0, 1}}, seen, "the steps stored while the run was in flight")
	require.Equal(t, map[string]int{"create-1": 1, "append0": 1, "append1": 1, "finish2": 1}, flaky.tries, "the writes of the steps")
	got, err := flaky.Store.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, got.Status)
	require.Len(t, got.Steps, 3)
}

// TestStepEventsFollowTheirWrite subscribes to the engine's events and,
// for each step_finished, reads the execution from the store and requires
// the step to be there: a client that fetches the execution when told of
// a step finds it. The events published since the run's last write are
// read at each write, before it is made, and once the run returned: the
// engine publishes and writes from the run's goroutine, so the store then
// holds what it held when the event went out. On a store that is an
// ExecutionFinisher the last step is written with the finish, or on its
// own before it when that write is refused, as on a store that is not one.
func TestStepEventsFollowTheirWrite(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	cases := []struct {
		name               string
		finisher, refused  bool
		wantLastWithFinish bool
	}{
		{"with the finish", true, false, true},
		{"with the finish refused", true, true, false},
		{"no finisher", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.New(memory.Config{})
			var (
				sub       *smokex.Subscription
				mu        sync.Mutex
				announced []int
				missing   []string
			)
			readAnnounced := func() {
				mu.Lock()
				defer mu.Unlock()
				for {
					var ev smokex.Event
					select {
					case ev = <-sub.C():
					default:
						return
					}
					if ev.Type != smokex.EventStepFinished {
						continue
					}
					announced = append(announced, ev.Step.Index)
					x, err := mem.GetExecution(context.Background(), ev.Execution.ID)
					if err != nil || !slices.ContainsFunc(x.Steps, func(s record.StepResult) bool { return s.Index == ev.Step.Index }) {
						missing = append(missing, fmt.Sprintf("step %d announced before it was stored (%v)", ev.Step.Index, err))
					}
				}
			}
			flaky := &flakyStore{Store: mem, tries: map[string]int{}, fail: func(op string, _, _ int) (error, bool) {
				readAnnounced()
				return when(op == "finish" && c.refused, errors.New("refused")), false
			}}
			var store storage.Store = flaky
			if c.finisher {
				store = flakyFinisher{flaky}
			}
			eng := newEngine(t, smokex.Config{Store: store, Vars: map[string]any{"base": srv.URL}})
			sub = eng.Subscribe(0)
			t.Cleanup(sub.Close)
			ctx := t.Context()
			require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: three, steps: [{get: {url: "${base}/1"}}, {get: {url: "${base}/2"}}, {get: {url: "${base}/3"}}]}`)))
			x, err := eng.Run(ctx, "three", nil)
			require.NoError(t, err)
			require.Equal(t, record.StatusPassed, x.Status, "%+v", x.Error)
			readAnnounced()
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []int{0, 1, 2}, announced)
			require.Empty(t, missing)
			_, lastAlone := flaky.tries["append2"]
			require.Equal(t, c.wantLastWithFinish, !lastAlone, "the writes: %v", flaky.tries)
		})
	}
}

func TestCreateConflictIsNotTriedAgain(t *testing.T) {
	t.Parallel()
	store := &flakyStore{Store: memory.New(memory.Config{}), tries: map[string]int{}, fail: func(op string, _, _ int) (error, bool) {
		return when(op == "create", fmt.Errorf("taken: %w", storage.ErrConflict)), false
	}}
	eng := newEngine(t, smokex.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, mustParse(t, `{name: one, steps: [{get: {url: "http://127.0.0.1:1/"}}]}`)))
	_, err := eng.Run(ctx, "one", nil)
	require.ErrorIs(t, err, storage.ErrConflict)
	require.Equal(t, 1, store.tries["create-1"])
}

func when(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}
