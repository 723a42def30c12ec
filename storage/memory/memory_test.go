package memory_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
	"github.com/smokex/smokex/storage/storagetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestStore(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return memory.New(memory.Config{})
	})
}

func TestStoreSmallBound(t *testing.T) {
	t.Parallel()
	// The suite never holds more than MaxListLimit/2+1 executions in one
	// plan; a store bounded just above that passes it too.
	storagetest.Run(t, func(t *testing.T) storage.Store {
		return memory.New(memory.Config{MaxExecutionsPerPlan: storage.MaxListLimit/2 + 1})
	})
}

// at returns a fixed instant plus n minutes.
func at(n int) time.Time {
	return time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
}

// execution returns an execution of plan p created at minute n.
func execution(id string, n int, status record.Status) *record.Execution {
	e := &record.Execution{ID: id, PlanID: "p", Status: status, CreatedAt: at(n), StartedAt: at(n)}
	if status.Done() {
		e.FinishedAt = at(n).Add(time.Second)
	}
	return e
}

// stored returns the IDs of plan p's executions, newest first.
func stored(t *testing.T, st *memory.Store) []string {
	t.Helper()
	page, err := st.ListExecutions(t.Context(), &storage.ListExecutionsParams{PlanID: "p", Limit: storage.MaxListLimit})
	require.NoError(t, err)
	var out []string
	for _, e := range page.Executions {
		out = append(out, e.ID)
	}
	return out
}

func TestBound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := memory.New(memory.Config{MaxExecutionsPerPlan: 3})
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "q"}))
	require.NoError(t, st.CreateExecution(ctx, &record.Execution{ID: "q0", PlanID: "q", CreatedAt: at(0), Status: record.StatusPassed}))

	// Running executions are never dropped; the oldest finished go first.
	require.NoError(t, st.CreateExecution(ctx, execution("r0", 0, record.StatusRunning)))
	for i := 1; i <= 4; i++ {
		e := execution(fmt.Sprintf("f%d", i), i, record.StatusPassed)
		require.NoError(t, st.CreateExecution(ctx, e))
		require.NoError(t, st.AppendStep(ctx, e.ID, &record.StepResult{Index: 0}))
	}
	require.Equal(t, []string{"f4", "f3", "r0"}, stored(t, st))
	_, err := st.GetExecution(ctx, "f1")
	require.ErrorIs(t, err, storage.ErrNotFound, "dropped with its steps")
	_, err = st.GetExecution(ctx, "q0")
	require.NoError(t, err, "other plans keep theirs")

	// A plan of running executions grows past the bound, and shrinks back
	// as they finish.
	for i := 5; i <= 7; i++ {
		require.NoError(t, st.CreateExecution(ctx, execution(fmt.Sprintf("r%d", i), i, record.StatusRunning)))
	}
	require.Equal(t, []string{"r7", "r6", "r5", "r0"}, stored(t, st))
	require.NoError(t, st.UpdateExecution(ctx, execution("r5", 5, record.StatusFailed)))
	require.Equal(t, []string{"r7", "r6", "r0"}, stored(t, st), "r5 finished and was the oldest finished")
	require.NoError(t, st.UpdateExecution(ctx, execution("r0", 0, record.StatusCanceled)))
	require.Equal(t, []string{"r7", "r6", "r0"}, stored(t, st), "within the bound")
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		max  int
		want int
	}{
		{"zero", 0, memory.DefaultMaxExecutionsPerPlan},
		{"negative", -5, memory.DefaultMaxExecutionsPerPlan},
		{"set", 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := memory.New(memory.Config{MaxExecutionsPerPlan: tt.max})
			require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
			for i := range tt.want + 5 {
				require.NoError(t, st.CreateExecution(ctx, execution(fmt.Sprint(i), i, record.StatusPassed)))
			}
			require.Len(t, stored(t, st), tt.want)
		})
	}
}

func TestNow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := time.Date(2026, 2, 3, 4, 5, 6, 7891234, time.FixedZone("Z+2", 7200))
	st := memory.New(memory.Config{Now: func() time.Time { return clock }})
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
	clock = clock.Add(time.Hour)
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p", Name: "again"}))
	require.NoError(t, st.CreateExecution(ctx, &record.Execution{ID: "e", PlanID: "p"}))

	p, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 2, 3, 2, 5, 6, 7891000, time.UTC), p.CreatedAt, "UTC, to microseconds")
	require.Equal(t, time.Date(2026, 2, 3, 3, 5, 6, 7891000, time.UTC), p.UpdatedAt)
	e, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, p.UpdatedAt, e.CreatedAt)
}

func TestCaptures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := memory.New(memory.Config{})
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
	require.NoError(t, st.CreateExecution(ctx, execution("e", 0, record.StatusRunning)))

	tests := []struct {
		name     string
		captures map[string]any
		want     map[string]any
		wantErr  bool
	}{
		{"json types", map[string]any{"s": "x", "n": 1.5}, map[string]any{"s": "x", "n": 1.5}, false},
		{"go types become json types", map[string]any{"i": 7, "b": []byte("hi"), "l": []string{"a"}}, map[string]any{"i": float64(7), "b": "aGk=", "l": []any{"a"}}, false},
		{"a func", map[string]any{"f": func() {}}, nil, true},
		{"a channel", map[string]any{"c": make(chan int)}, nil, true},
	}
	for i, tt := range tests {
		err := st.AppendStep(ctx, "e", &record.StepResult{Index: i, Captures: tt.captures})
		if tt.wantErr {
			require.Error(t, err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		got, err := st.GetExecution(ctx, "e")
		require.NoError(t, err)
		require.Equal(t, tt.want, got.Steps[len(got.Steps)-1].Captures, tt.name)
	}
}

func TestStoreShared(t *testing.T) {
	t.Parallel()
	storagetest.RunShared(t, func(t *testing.T) (storage.Store, storage.Store) {
		st := memory.New(memory.Config{})
		return st, st // the processes of one memory store are its goroutines
	})
}

// TestByteBudget checks that the store as a whole stays within MaxBytes:
// the executions that finished first go, of whichever plan, with their
// steps, while a running one stays whatever its size.
func TestByteBudget(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := memory.New(memory.Config{MaxBytes: 64 << 10})
	body := string(make([]byte, 4<<10))
	for _, id := range []string{"a", "b"} {
		require.NoError(t, s.SavePlan(ctx, &storage.Plan{ID: id, Name: id}))
	}
	running := &record.Execution{ID: "running", PlanID: "a", Status: record.StatusRunning, CreatedAt: at(0)}
	require.NoError(t, s.CreateExecution(ctx, running))
	require.NoError(t, s.AppendStep(ctx, "running", &record.StepResult{Index: 0, Response: &record.Response{Body: body}}))
	for i := range 100 {
		e := &record.Execution{ID: fmt.Sprint("x", i), PlanID: []string{"a", "b"}[i%2], Status: record.StatusRunning, CreatedAt: at(i + 1)}
		require.NoError(t, s.CreateExecution(ctx, e))
		require.NoError(t, s.AppendStep(ctx, e.ID, &record.StepResult{Index: 0, Response: &record.Response{Body: body}}))
		e.Status, e.FinishedAt = record.StatusPassed, at(i+1)
		require.NoError(t, s.UpdateExecution(ctx, e))
	}
	var kept []int
	for i := range 100 {
		if _, err := s.GetExecution(ctx, fmt.Sprint("x", i)); err == nil {
			kept = append(kept, i)
		}
	}
	for j, i := range kept {
		require.Equal(t, 100-len(kept)+j, i, "the latest are kept: %v", kept)
	}
	require.Greater(t, len(kept), 5, "what fits is kept")
	require.Less(t, len(kept), 16, "4 KiB bodies: at most 16 fit in 64 KiB")
	x, err := s.GetExecution(ctx, "running")
	require.NoError(t, err, "a running execution is never dropped")
	require.Len(t, x.Steps, 1)
	for _, id := range []string{"a", "b"} {
		list, err := s.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: id})
		require.NoError(t, err)
		require.NotEmpty(t, list, "plan %s keeps its latest", id)
	}
}

// TestSharedRequestCountedOnce checks that the byte budget counts a
// request that the steps of a plan's runs share once, and releases it with
// the last step that holds it: 16 runs of each of three requests with a
// 16 KiB body, the third taking the store over its 64 KiB, leave the runs
// of the first gone and those of the other two kept. Counted for each
// step, 4 runs at most would fit; never released, the first request's
// bytes would take some of the second's runs with it.
func TestSharedRequestCountedOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := memory.New(memory.Config{MaxBytes: 64 << 10})
	require.NoError(t, s.SavePlan(ctx, &storage.Plan{ID: "p"}))
	const runs = 16
	for i := range 3 * runs {
		body := strings.Repeat(string(rune('a'+i/runs)), 16<<10)
		id := fmt.Sprint("x", i)
		e := execution(id, i, record.StatusRunning)
		require.NoError(t, s.CreateExecution(ctx, e))
		require.NoError(t, s.AppendStep(ctx, id, &record.StepResult{URL: "http://t/a", Request: &record.Request{Method: "POST", URL: "http://t/a", Body: body}}))
		e.Status, e.FinishedAt = record.StatusPassed, at(i).Add(time.Second)
		require.NoError(t, s.UpdateExecution(ctx, e))
	}
	var kept []int
	for i := range 3 * runs {
		if _, err := s.GetExecution(ctx, fmt.Sprint("x", i)); err == nil {
			kept = append(kept, i)
		}
	}
	want := make([]int, 0, 2*runs)
	for i := runs; i < 3*runs; i++ {
		want = append(want, i)
	}
	require.Equal(t, want, kept, "the runs of the second and third requests are kept, not those of the first")
}

// TestSharedRequests checks that steps whose requests the store shares
// read back as they went in, each a copy of its own: a change to one read
// back changes neither the store nor the other steps.
func TestSharedRequests(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := memory.New(memory.Config{})
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
	step := func(url, agent string) *record.StepResult {
		return &record.StepResult{URL: url, Request: &record.Request{Method: "GET", URL: url, Headers: map[string][]string{"User-Agent": {agent}}}}
	}
	steps := []*record.StepResult{step("http://t/a", "smokex"), step("http://t/a", "smokex"), step("http://t/b", "smokex"), step("http://t/b", "other"), {URL: "http://t/c"}}
	for i, s := range steps {
		id := fmt.Sprintf("e%d", i)
		require.NoError(t, st.CreateExecution(ctx, execution(id, i, record.StatusRunning)))
		require.NoError(t, st.AppendStep(ctx, id, s))
	}
	first, err := st.GetExecution(ctx, "e0")
	require.NoError(t, err)
	first.Steps[0].Request.URL = "changed"
	first.Steps[0].Request.Headers["User-Agent"][0] = "changed"
	for i, want := range steps {
		got, err := st.GetExecution(ctx, fmt.Sprintf("e%d", i))
		require.NoError(t, err)
		require.Equal(t, want.URL, got.Steps[0].URL, "step %d", i)
		require.Equal(t, want.Request, got.Steps[0].Request, "step %d", i)
	}
}

// TestSharedRequestAfterOneWithoutHeaders checks that a step whose request
// has no headers, stored between two whose requests have the same ones,
// does not lend its request to the third: each reads back with its own
// headers.
func TestSharedRequestAfterOneWithoutHeaders(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := memory.New(memory.Config{})
	require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: "p"}))
	step := func(headers map[string][]string) *record.StepResult {
		return &record.StepResult{URL: "http://t/a", Request: &record.Request{Method: "GET", URL: "http://t/a", Headers: headers}}
	}
	steps := []*record.StepResult{
		step(map[string][]string{"User-Agent": {"smokex"}}),
		step(nil),
		step(map[string][]string{"User-Agent": {"smokex"}}),
	}
	for i, s := range steps {
		id := fmt.Sprintf("e%d", i)
		require.NoError(t, st.CreateExecution(ctx, execution(id, i, record.StatusRunning)))
		require.NoError(t, st.AppendStep(ctx, id, s))
	}
	for i, want := range steps {
		got, err := st.GetExecution(ctx, fmt.Sprintf("e%d", i))
		require.NoError(t, err)
		require.Equal(t, want.Request, got.Steps[0].Request, "step %d", i)
	}
}
