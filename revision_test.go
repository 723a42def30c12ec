package smokex_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// planReads is a memory store that counts the plans read one by one.
type planReads struct {
	*memory.Store
	reads atomic.Int64
}

func (s *planReads) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	s.reads.Add(1)
	return s.Store.GetPlan(ctx, id)
}

// TestTickReadsItsPlanOnlyWhenItChanged: on a store that guards a create
// by the plan's revision (storage.RevisionCreator), a tick reads its plan
// from the store the first time, and then only when the store says the
// plan changed: a plan changed by another engine runs in its new form at
// the next tick, with its new name stored; a plan saved again unchanged
// is not read again; a plan removed is not run.
func TestTickReadsItsPlanOnlyWhenItChanged(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	store := &planReads{Store: memory.New(memory.Config{})}
	ctx := t.Context()
	sk := &skips{}
	a, _ := newSharedEngine(t, store.Store, true)
	v1 := `{name: first, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/one"}}]}`
	require.NoError(t, a.AddPlan(ctx, mustParse(t, v1)))
	b, tb := newSharedEngine(t, store, true, sk)
	_, err := b.Plan("first")
	require.NoError(t, err, "b loaded the plan on Start")

	due := time.Now().UTC().Truncate(time.Hour) // in time: within the hourly interval
	tick := func(n int, wantURL, wantName string) {
		t.Helper()
		tb.Tick("first", due.Add(time.Duration(n)*time.Hour))
		runs := scheduledRuns(t, store, "first")
		require.NotEmpty(t, runs)
		got, err := store.GetExecution(ctx, runs[0].ID)
		require.NoError(t, err)
		require.True(t, due.Add(time.Duration(n)*time.Hour).Equal(got.ScheduledAt), "tick %d ran", n)
		require.Equal(t, record.StatusPassed, got.Status)
		require.Contains(t, got.Steps[0].URL, wantURL, "tick %d", n)
		require.Equal(t, wantName, got.PlanName, "tick %d", n)
	}
	reads := store.reads.Load()
	tick(0, "/one", "first")
	require.Equal(t, reads+1, store.reads.Load(), "the first tick reads the plan")
	tick(1, "/one", "first")
	tick(2, "/one", "first")
	require.Equal(t, reads+1, store.reads.Load(), "later ticks do not")

	v2 := `{name: second, schedule: "@hourly", steps: [{get: {url: "` + srv.URL + `/two"}}]}`
	p2 := mustParse(t, v2)
	p2.ID = "first"
	require.NoError(t, a.AddPlan(ctx, p2))
	tick(3, "/two", "second")
	require.Equal(t, reads+2, store.reads.Load(), "a changed plan is read again")
	require.NoError(t, a.AddPlan(ctx, p2))
	tick(4, "/two", "second")
	require.Equal(t, reads+2, store.reads.Load(), "a plan saved again unchanged is not")

	require.NoError(t, a.RemovePlan(ctx, "first"))
	tb.Tick("first", due.Add(5*time.Hour))
	require.Equal(t, []record.SkipReason{record.SkipUnknownPlan}, sk.seen(), "a plan removed elsewhere")
}
