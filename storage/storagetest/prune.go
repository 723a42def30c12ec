package storagetest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) pruneScenarios() []scenario {
	return []scenario{
		{"Selects", s.pruneSelects},
		{"DeletesSteps", s.pruneDeletesSteps},
		{"RejectsBadInput", s.pruneBadInput},
	}
}

// remaining returns the sorted IDs of every stored execution.
func remaining(t *testing.T, st storage.Store) []string {
	t.Helper()
	var out []string
	for _, p := range pages(t, st, storage.ListExecutionsParams{Limit: storage.MaxListLimit}) {
		out = append(out, p...)
	}
	slices.Sort(out)
	return out
}

// pruneFixture stores executions of plans p and q, running and created
// ones among finished ones, and one canceled before it started (no start,
// no finish).
func pruneFixture(t *testing.T, st storage.Store) {
	t.Helper()
	ctx := t.Context()
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	unfinished := newExecution("p-canceled", "p", at(6), record.StatusCanceled, 0)
	unfinished.StartedAt, unfinished.FinishedAt = time.Time{}, time.Time{}
	// Finished exactly at minute 5.
	edge := newExecution("p-edge", "p", at(5).Add(-3*time.Second), record.StatusPassed, 2*time.Second)
	create(ctx, t, st,
		newExecution("p-0", "p", at(0), record.StatusPassed, time.Second),
		newExecution("p-1", "p", at(1), record.StatusFailed, time.Second),
		newExecution("p-2", "p", at(2), record.StatusCanceled, time.Second),
		newExecution("p-running", "p", at(1).Add(time.Second), record.StatusRunning, 0),
		newExecution("p-created", "p", at(0).Add(time.Second), record.StatusCreated, 0),
		edge,
		unfinished,
		newExecution("p-9", "p", at(9), record.StatusPassed, time.Second),
		newExecution("q-0", "q", at(0), record.StatusFailed, time.Second),
		newExecution("q-7", "q", at(7), record.StatusPassed, time.Second),
	)
}

func (s suite) pruneSelects(t *testing.T) {
	all := []string{"p-0", "p-1", "p-2", "p-9", "p-canceled", "p-created", "p-edge", "p-running", "q-0", "q-7"}
	without := func(gone ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(gone, id) })
	}
	tests := []struct {
		name   string
		params *storage.PruneParams
		gone   []string
	}{
		{"nil params", nil, nil},
		{"zero params", &storage.PruneParams{}, nil},
		{"finished before", &storage.PruneParams{FinishedBefore: at(5)}, []string{"p-0", "p-1", "p-2", "q-0"}},
		{"finished before, zone", &storage.PruneParams{FinishedBefore: at(5).Add(time.Microsecond).In(time.FixedZone("Y", -7*3600))}, []string{"p-0", "p-1", "p-2", "p-edge", "q-0"}},
		{"finished before everything", &storage.PruneParams{FinishedBefore: at(-10)}, nil},
		{"finished before the future", &storage.PruneParams{FinishedBefore: at(1000)}, []string{"p-0", "p-1", "p-2", "p-9", "p-edge", "q-0", "q-7"}},
		// p's finished, newest first: p-9, p-canceled, p-edge, p-2, p-1, p-0.
		{"keep last 2", &storage.PruneParams{KeepLast: 2}, []string{"p-0", "p-1", "p-2", "p-edge"}},
		{"keep last 1", &storage.PruneParams{KeepLast: 1}, []string{"p-0", "p-1", "p-2", "p-canceled", "p-edge", "q-0"}},
		{"keep more than there are", &storage.PruneParams{KeepLast: 100}, nil},
		{"either selects", &storage.PruneParams{KeepLast: 5, FinishedBefore: at(1).Add(3 * time.Second)}, []string{"p-0", "p-1", "q-0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, st := s.store(t)
			pruneFixture(t, st)
			n, err := st.Prune(ctx, tt.params)
			require.NoError(t, err)
			require.Equal(t, len(tt.gone), n, "count")
			require.Equal(t, without(tt.gone...), remaining(t, st))
			n, err = st.Prune(ctx, tt.params)
			require.NoError(t, err)
			require.Zero(t, n, "a second prune finds nothing")
		})
	}
}

func (s suite) pruneDeletesSteps(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, seq("e", "p", 3)...)
	for _, id := range []string{"e-0000", "e-0001", "e-0002"} {
		require.NoError(t, st.AppendStep(ctx, id, fullStep(0)))
	}
	n, err := st.Prune(ctx, &storage.PruneParams{KeepLast: 1})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, id := range []string{"e-0000", "e-0001"} {
		_, err = st.GetExecution(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.ErrorIs(t, st.AppendStep(ctx, id, fullStep(1)), storage.ErrNotFound)
	}
	kept, err := st.GetExecution(ctx, "e-0002")
	require.NoError(t, err)
	require.Len(t, kept.Steps, 1)

	// A pruned ID may be used again, without the old steps.
	create(ctx, t, st, newExecution("e-0000", "p", at(50), record.StatusRunning, 0))
	again, err := st.GetExecution(ctx, "e-0000")
	require.NoError(t, err)
	require.Empty(t, again.Steps)
	require.NoError(t, st.AppendStep(ctx, "e-0000", fullStep(0)))
}

func (s suite) pruneBadInput(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, seq("e", "p", 2)...)
	_, err := st.Prune(ctx, &storage.PruneParams{KeepLast: -1})
	require.Error(t, err)
	require.Equal(t, []string{"e-0000", "e-0001"}, remaining(t, st))
}
