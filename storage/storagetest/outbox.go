package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// lease is how long the scenarios lease a delivery when they do not wait
// for the lease to expire.
const lease = time.Hour

func (s suite) outboxScenarios() []scenario {
	return []scenario{
		{"SavedWithStateAndClaimedInOrder", s.outboxInOrder},
		{"ConflictStoresNoDelivery", s.outboxConflict},
		{"RejectsBadInput", s.outboxBadInput},
		{"LeaseHoldsAndRetryKeepsAttempts", s.outboxLease},
		{"NotBeforeHoldsTheTarget", s.outboxNotBefore},
		{"ExpiredLeaseClaimedAgain", func(t *testing.T) {
			ctx, st, ob := s.outbox(t)
			outboxExpired(ctx, t, st, ob, ob)
		}},
		{"OutlivesItsPlan", s.outboxOutlivesPlan},
	}
}

// outbox returns the store as an AlertOutbox; a store that is not one
// skips the outbox scenarios, saying so.
func (s suite) outbox(t *testing.T) (context.Context, storage.Store, storage.AlertOutbox) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, st, optional[storage.AlertOutbox](t, st)
}

// owe returns deliveries of plan to each target, with IDs "<plan>/<n>/<target>".
func owe(plan string, n int, targets ...string) []*storage.AlertDelivery {
	out := make([]*storage.AlertDelivery, len(targets))
	for i, target := range targets {
		out[i] = &storage.AlertDelivery{
			ID: fmt.Sprintf("%s/%d/%s", plan, n, target), PlanID: plan, Target: target,
			Event: fmt.Appendf(nil, `{"id":"%s/%d","target":%q}`, plan, n, target),
		}
	}
	return out
}

// transition saves the plan's state one version on with the deliveries
// owed.
func transition(ctx context.Context, t *testing.T, ob storage.AlertOutbox, plan string, owed []*storage.AlertDelivery) {
	t.Helper()
	cur, err := ob.GetAlertState(ctx, plan)
	require.NoError(t, err)
	next := *cur
	next.ConsecutiveFailures++
	next.LastStatus = record.StatusFailed
	require.NoError(t, ob.SaveAlertStateOwing(ctx, &next, owed))
}

func claim(ctx context.Context, t *testing.T, ob storage.AlertOutbox, target string) *storage.AlertDelivery {
	t.Helper()
	d, err := ob.ClaimAlertDelivery(ctx, target, lease)
	require.NoError(t, err)
	return d
}

func (s suite) outboxInOrder(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	require.Nil(t, claim(ctx, t, ob, "slack"), "nothing owed")
	transition(ctx, t, ob, "p", owe("p", 1, "slack", "webhook"))
	transition(ctx, t, ob, "q", owe("q", 1, "slack"))
	transition(ctx, t, ob, "p", owe("p", 2, "slack"))
	got, err := ob.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version, "the state was saved with the deliveries")

	var order []string
	for {
		d := claim(ctx, t, ob, "slack")
		if d == nil {
			break
		}
		require.NotEmpty(t, d.Lease)
		require.True(t, d.LeasedUntil.After(time.Now()), "leased until %s", d.LeasedUntil)
		require.False(t, d.CreatedAt.IsZero())
		require.Zero(t, d.Attempts)
		require.Equal(t, "slack", d.Target)
		require.JSONEq(t, fmt.Sprintf(`{"id":"%s","target":"slack"}`, d.ID[:3]), string(d.Event))
		order = append(order, d.ID)
		require.NoError(t, ob.CompleteAlertDelivery(ctx, d))
	}
	require.Equal(t, []string{"p/1/slack", "q/1/slack", "p/2/slack"}, order, "a target's deliveries are claimed oldest first")
	d := claim(ctx, t, ob, "webhook")
	require.NotNil(t, d)
	require.Equal(t, "p/1/webhook", d.ID)
	require.Equal(t, "p", d.PlanID)
	require.Nil(t, claim(ctx, t, ob, "webhook"), "a leased delivery is not claimed again")
	require.Nil(t, claim(ctx, t, ob, "nobody"))
}

func (s suite) outboxConflict(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	transition(ctx, t, ob, "p", nil)
	stale := &storage.AlertState{PlanID: "p", Version: 0, Failing: true}
	err := ob.SaveAlertStateOwing(ctx, stale, owe("p", 1, "slack"))
	require.ErrorIs(t, err, storage.ErrConflict)
	require.Nil(t, claim(ctx, t, ob, "slack"), "a state not saved owes nothing")

	transition(ctx, t, ob, "p", owe("p", 2, "slack"))
	cur, err := ob.GetAlertState(ctx, "p")
	require.NoError(t, err)
	err = ob.SaveAlertStateOwing(ctx, cur, owe("p", 2, "slack"))
	require.ErrorIs(t, err, storage.ErrConflict, "a delivery ID stored already")
	again, err := ob.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, cur.Version, again.Version, "nor is the state saved")
	require.ErrorIs(t, ob.SaveAlertStateOwing(ctx, &storage.AlertState{PlanID: "none"}, owe("none", 1, "slack")), storage.ErrNotFound)
	require.Equal(t, "p/2/slack", claim(ctx, t, ob, "slack").ID)
	require.Nil(t, claim(ctx, t, ob, "slack"))
}

func (s suite) outboxBadInput(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	good := owe("p", 1, "slack")[0]
	for name, owed := range map[string][]*storage.AlertDelivery{
		"nil":       {nil},
		"no ID":     {{PlanID: "p", Target: "slack", Event: good.Event}},
		"no plan":   {{ID: "x", Target: "slack", Event: good.Event}},
		"no target": {{ID: "x", PlanID: "p", Event: good.Event}},
		"no event":  {{ID: "x", PlanID: "p", Target: "slack"}},
		"twice":     {good, good},
	} {
		err := ob.SaveAlertStateOwing(ctx, &storage.AlertState{PlanID: "p"}, owed)
		require.Error(t, err, name)
		require.NotErrorIs(t, err, storage.ErrConflict, name)
	}
	cur, err := ob.GetAlertState(ctx, "p")
	require.NoError(t, err)
	require.Zero(t, cur.Version, "nothing saved")
	require.Nil(t, claim(ctx, t, ob, "slack"))
	_, err = ob.ClaimAlertDelivery(ctx, "", lease)
	require.Error(t, err, "no target")
	_, err = ob.ClaimAlertDelivery(ctx, "slack", 0)
	require.Error(t, err, "no lease")
	require.Error(t, ob.RetryAlertDelivery(ctx, nil))
	require.Error(t, ob.CompleteAlertDelivery(ctx, nil))
}

func (s suite) outboxLease(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	transition(ctx, t, ob, "p", owe("p", 1, "slack"))
	d := claim(ctx, t, ob, "slack")
	require.NotNil(t, d)

	other := *d
	other.Lease = "not-the-lease"
	require.ErrorIs(t, ob.RetryAlertDelivery(ctx, &other), storage.ErrConflict)
	require.ErrorIs(t, ob.CompleteAlertDelivery(ctx, &other), storage.ErrConflict)
	other.Lease = ""
	require.ErrorIs(t, ob.CompleteAlertDelivery(ctx, &other), storage.ErrConflict)

	d.Attempts = 2
	d.LeasedUntil = time.Now().Add(lease)
	require.NoError(t, ob.RetryAlertDelivery(ctx, d), "a renewal")
	require.Nil(t, claim(ctx, t, ob, "slack"), "still held")

	d.Attempts = 3
	d.LeasedUntil = time.Time{}
	require.NoError(t, ob.RetryAlertDelivery(ctx, d), "a release")
	require.ErrorIs(t, ob.CompleteAlertDelivery(ctx, d), storage.ErrConflict, "a released lease holds nothing")
	again := claim(ctx, t, ob, "slack")
	require.NotNil(t, again, "released, so claimed at once")
	require.Equal(t, 3, again.Attempts, "the attempts are kept")
	require.NotEqual(t, d.Lease, again.Lease)
	require.ErrorIs(t, ob.RetryAlertDelivery(ctx, d), storage.ErrConflict, "the old lease is lost")
	require.NoError(t, ob.CompleteAlertDelivery(ctx, again))
	require.ErrorIs(t, ob.CompleteAlertDelivery(ctx, again), storage.ErrConflict, "gone")
	require.Nil(t, claim(ctx, t, ob, "slack"))
}

func (s suite) outboxNotBefore(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	transition(ctx, t, ob, "p", owe("p", 1, "slack", "webhook"))
	transition(ctx, t, ob, "p", owe("p", 2, "slack"))
	d := claim(ctx, t, ob, "slack")
	require.Equal(t, "p/1/slack", d.ID)
	d.Attempts, d.NotBefore, d.LeasedUntil = 1, time.Now().Add(lease), time.Time{}
	require.NoError(t, ob.RetryAlertDelivery(ctx, d), "a 429 with Retry-After, released at stop")
	require.Nil(t, claim(ctx, t, ob, "slack"), "the oldest is not due, and the newer wait behind it")
	require.Equal(t, "p/1/webhook", claim(ctx, t, ob, "webhook").ID, "another target is not held")

}

// outboxExpired: a process claims a delivery and dies; once the lease
// expires, another (or the same store after a restart) claims it, with the
// attempts the first recorded, and the first's lease is lost.
func outboxExpired(ctx context.Context, t *testing.T, st storage.Store, first, second storage.AlertOutbox) {
	savePlan(ctx, t, st, "p", nil)
	transition(ctx, t, first, "p", owe("p", 1, "slack"))
	d, err := first.ClaimAlertDelivery(ctx, "slack", time.Millisecond)
	require.NoError(t, err)
	require.NotNil(t, d)
	d.Attempts = 1
	d.LeasedUntil = time.Now().Add(time.Millisecond)
	require.NoError(t, first.RetryAlertDelivery(ctx, d))
	var again *storage.AlertDelivery
	require.Eventually(t, func() bool {
		again, err = second.ClaimAlertDelivery(ctx, "slack", lease)
		require.NoError(t, err)
		return again != nil
	}, time.Minute, time.Millisecond, "claimed again once the lease expired")
	require.Equal(t, d.ID, again.ID)
	require.Equal(t, 1, again.Attempts)
	require.ErrorIs(t, first.CompleteAlertDelivery(ctx, d), storage.ErrConflict, "the dead claim's lease is lost")
	require.NoError(t, second.CompleteAlertDelivery(ctx, again))
}

func (s suite) outboxOutlivesPlan(t *testing.T) {
	ctx, st, ob := s.outbox(t)
	savePlan(ctx, t, st, "p", nil)
	transition(ctx, t, ob, "p", owe("p", 1, "slack"))
	require.NoError(t, st.DeletePlan(ctx, "p"))
	d := claim(ctx, t, ob, "slack")
	require.NotNil(t, d, "an alert decided is owed though its plan is gone")
	require.NoError(t, ob.CompleteAlertDelivery(ctx, d))
}

// RunShared runs the scenarios of two instances of a backend that share
// its data, as two processes or replicas do: newPair returns them, fresh
// and empty for each scenario. It covers the optional contracts meant for
// replicas (storage.AlertOutbox, storage.SyncStore,
// storage.RevisionCreator) and a pause set through one instance applied
// by the other's finish (storage.PauseFinisher); a backend that
// implements none of them skips, saying so.
func RunShared(t *testing.T, newPair func(t *testing.T) (storage.Store, storage.Store)) {
	t.Helper()
	pair := func(t *testing.T) (context.Context, storage.Store, storage.AlertOutbox, storage.AlertOutbox) {
		t.Helper()
		a, b := newPair(t)
		return t.Context(), a, optional[storage.AlertOutbox](t, a), optional[storage.AlertOutbox](t, b)
	}
	for _, c := range []scenario{
		{"OutboxDeliveredOnceAmongInstances", func(t *testing.T) {
			ctx, st, a, b := pair(t)
			outboxOnce(ctx, t, st, a, b)
		}},
		{"OutboxReleasedByOneClaimedByOther", func(t *testing.T) {
			ctx, st, a, b := pair(t)
			savePlan(ctx, t, st, "p", nil)
			transition(ctx, t, a, "p", owe("p", 1, "slack"))
			d := claim(ctx, t, a, "slack")
			require.Nil(t, claim(ctx, t, b, "slack"), "held by the first")
			d.Attempts, d.LeasedUntil = 2, time.Time{}
			require.NoError(t, a.RetryAlertDelivery(ctx, d), "the first stops")
			got := claim(ctx, t, b, "slack")
			require.NotNil(t, got)
			require.Equal(t, 2, got.Attempts)
			require.NoError(t, b.CompleteAlertDelivery(ctx, got))
		}},
		{"OutboxExpiredLeaseClaimedByOther", func(t *testing.T) {
			ctx, st, a, b := pair(t)
			outboxExpired(ctx, t, st, a, b)
		}},
		{"PauseSeenByOthersFinish", func(t *testing.T) {
			a, b := newPair(t)
			pauseSeenByOther(t, a, b)
		}},
		{"SyncStateSeenByOther", func(t *testing.T) {
			a, b := newPair(t)
			syncShared(t, optional[storage.SyncStore](t, a), optional[storage.SyncStore](t, b))
		}},
		{"PlanChangedByOther", func(t *testing.T) {
			a, b := newPair(t)
			revisionShared(t, a, b)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

// outboxOnce: deliveries saved by two instances, claimed and completed by
// both at once, are each completed exactly once.
func outboxOnce(ctx context.Context, t *testing.T, st storage.Store, a, b storage.AlertOutbox) {
	const plans, each = 4, 10
	for p := range plans {
		savePlan(ctx, t, st, fmt.Sprintf("p%d", p), nil)
	}
	for n := range each {
		for p := range plans {
			ob := a
			if p%2 == 1 {
				ob = b
			}
			transition(ctx, t, ob, fmt.Sprintf("p%d", p), owe(fmt.Sprintf("p%d", p), n, "slack", "webhook"))
		}
	}
	var (
		mu     sync.Mutex
		done   = map[string]int{}
		failed errs
		wg     sync.WaitGroup
	)
	for _, ob := range []storage.AlertOutbox{a, b, a, b} {
		for _, target := range []string{"slack", "webhook"} {
			wg.Go(func() {
				for {
					d, err := ob.ClaimAlertDelivery(ctx, target, lease)
					if err != nil || d == nil {
						failed.add(err)
						return
					}
					err = ob.CompleteAlertDelivery(ctx, d)
					if errors.Is(err, storage.ErrConflict) {
						failed.add(fmt.Errorf("%s: completed by another while leased: %w", d.ID, err))
						return
					}
					failed.add(err)
					mu.Lock()
					done[d.ID]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	failed.require(t)
	require.Len(t, done, plans*each*2, "every delivery completed")
	for id, n := range done {
		require.Equal(t, 1, n, "%s claimed once", id)
	}
}
