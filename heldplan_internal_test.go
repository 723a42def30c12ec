package smokex

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// PlanReads is a memory store that counts the plans read one by one;
// exported for the package's external tests too.
type PlanReads struct {
	*memory.Store
	Reads atomic.Int64
}

func (s *PlanReads) GetPlan(ctx context.Context, id string) (*storage.Plan, error) {
	s.Reads.Add(1)
	return s.Store.GetPlan(ctx, id)
}

// TestHeldPlanReadAgainOnceConfirmedAMinuteAgo: a tick uses the plan it
// read from the store again, without a read, while the store confirmed
// its revision less than heldPlanConfirmedFor ago (its read, a guarded
// create since); past that it reads the plan first, and so runs a change
// another process made since at once.
func TestHeldPlanReadAgainOnceConfirmedAMinuteAgo(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := &PlanReads{Store: memory.New(memory.Config{})}
	save := func(path string) {
		t.Helper()
		source := `{name: p, schedule: "@hourly", steps: [{get: {url: "http://127.0.0.1:1` + path + `"}}]}`
		require.NoError(t, store.SavePlan(ctx, &storage.Plan{ID: "p", Name: "p", Schedule: "@hourly", Source: []byte(source)}))
	}
	save("/one")
	e, err := New(Config{Store: store})
	require.NoError(t, err)
	start := time.Now()
	clock := start
	e.cfg.now = func() time.Time { return clock }
	resolve := func(at time.Duration) int64 {
		t.Helper()
		clock = start.Add(at)
		_, revision, err := e.resolvePlan(ctx, "p", true)
		require.NoError(t, err)
		return revision
	}

	first := resolve(0)
	require.Equal(t, int64(1), store.Reads.Load(), "the first tick reads the plan")
	require.Equal(t, first, resolve(50*time.Second))
	e.confirmStored("p", first) // a create guarded by it, at 50 s
	require.Equal(t, first, resolve(100*time.Second))
	require.Equal(t, int64(1), store.Reads.Load(), "confirmed within a minute: not read")

	save("/two")
	require.Equal(t, first, resolve(109*time.Second), "changed elsewhere within a minute of its confirmation: its write finds it")
	second := resolve(111 * time.Second)
	require.NotEqual(t, first, second, "confirmed more than a minute ago: read, the change run at once")
	require.Equal(t, int64(2), store.Reads.Load())
}
