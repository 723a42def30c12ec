package notify_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// alternate tells p of n executions of plan, failed and passed in turn,
// so that each is a transition (failing, recovered, ...): n alerts per
// target. It returns once p decided them.
func alternate(t *testing.T, p *notify.Policy, plan *record.PlanRef, n int) {
	t.Helper()
	before := p.Stats().Decided
	for i := range n {
		s := record.StatusFailed
		if i%2 == 1 {
			s = record.StatusPassed
		}
		p.ExecutionFinished(t.Context(), plan, execution(s, time.Now()))
	}
	require.Eventually(t, func() bool { return p.Stats().Decided == before+int64(n) }, time.Minute, time.Millisecond)
}

// stopAt stops p with a deadline of d and returns its error.
func stopAt(p *notify.Policy, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return p.Stop(ctx)
}

// hookTo returns a webhook target named name posting to url.
func hookTo(t *testing.T, name, url string) notify.Target {
	t.Helper()
	n, err := webhook.New(webhook.Config{URL: url, Secret: "s3cret"})
	require.NoError(t, err)
	return notify.Target{Name: name, Notifier: n}
}

// TestHangingTargetDelaysOnlyItself is the issue's: one receiver hangs,
// another is healthy; the healthy one gets all 8 alerts while the first
// holds its first.
func TestHangingTargetDelaysOnlyItself(t *testing.T) {
	t.Parallel()
	hung := hang(t)
	out := newOutcomes()
	p, err := notify.NewPolicy(notify.PolicyConfig{
		Targets:        []notify.Target{hookTo(t, "hung", hung.URL), {Name: "healthy", Notifier: &recorder{}}},
		AttemptTimeout: time.Hour, Sent: []record.NotificationSentHook{out}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context()))
	alternate(t, p, planRef, 8)
	for i := range 8 {
		n := out.next(t)
		require.Equal(t, "healthy", n.Target, "outcome %d", i)
		require.Equal(t, record.NotificationDelivered, n.Outcome)
		require.Equal(t, []string{"failing", "recovered"}[i%2], n.Transition, "in order")
	}
	require.ErrorIs(t, stopAt(p, 100*time.Millisecond), context.DeadlineExceeded)
	require.Equal(t, int64(8), p.Stats().Sent)
	require.Equal(t, int64(1), p.Stats().Deferred, "the hung target's alert in flight")
}

// counting is a receiver that answers 429 with a Retry-After of a second
// until ok is closed, then counts what it accepts, by event ID.
type counting struct {
	mu       sync.Mutex
	ok       chan struct{}
	accepted map[string]int
	got      chan string
}

func newCounting(t *testing.T, healthy bool) (*counting, *httptest.Server) {
	t.Helper()
	c := &counting{ok: make(chan struct{}), accepted: map[string]int{}, got: make(chan string, 100)}
	if healthy {
		close(c.ok)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-c.ok:
		default:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		var e notify.Event
		if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := e.ID
		c.mu.Lock()
		c.accepted[id]++
		c.mu.Unlock()
		c.got <- id
	}))
	t.Cleanup(srv.Close)
	return c, srv
}

func (c *counting) next(t *testing.T) string {
	t.Helper()
	select {
	case id := <-c.got:
		return id
	case <-time.After(30 * time.Second):
		require.FailNow(t, "no alert received")
		return ""
	}
}

// TestOwedAlertsOutliveStop: a target answers 429 with Retry-After; Stop
// leaves the 8 alerts owed in the store; a policy started again on the
// store, the receiver healthy, delivers all 8 (the first once its
// Retry-After has passed).
func TestOwedAlertsOutliveStop(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID}))
	rv, srv := newCounting(t, false)
	out := newOutcomes()
	first, err := notify.NewPolicy(notify.PolicyConfig{
		Targets: []notify.Target{hookTo(t, "hook", srv.URL)}, Store: store,
		Sent: []record.NotificationSentHook{out}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	require.NoError(t, first.Start(t.Context()))
	alternate(t, first, planRef, 8)
	require.Eventually(t, func() bool { return first.Stats().Retries >= 1 }, time.Minute, time.Millisecond, "the first alert got its 429")
	require.ErrorIs(t, stopAt(first, 50*time.Millisecond), context.DeadlineExceeded)
	require.Equal(t, record.NotificationDeferred, out.next(t).Outcome)
	st := first.Stats()
	require.Equal(t, int64(1), st.Deferred)
	require.Zero(t, st.Sent+st.Failed+st.Dropped)

	close(rv.ok)
	second := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{hookTo(t, "hook", srv.URL)}, Store: store,
	})
	for range 8 {
		rv.next(t)
	}
	require.Len(t, rv.accepted, 8, "every alert, each once")
	require.Eventually(t, func() bool { return second.Stats().Sent == 8 }, time.Minute, time.Millisecond)
}

// TestReplicasDeliverOnce: two policies on one store, as two replicas,
// each with the same targets and polling often; the alerts one decides
// are delivered once between them.
func TestReplicasDeliverOnce(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID}))
	rv, srv := newCounting(t, true)
	replica := func() *notify.Policy {
		return startPolicy(t, notify.PolicyConfig{
			Targets: []notify.Target{hookTo(t, "hook", srv.URL)}, Store: store, PollInterval: time.Millisecond,
		})
	}
	a, b := replica(), replica()
	other := &record.PlanRef{ID: "other"}
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: other.ID}))
	alternate(t, a, planRef, 4)
	alternate(t, b, other, 4)
	for range 8 {
		rv.next(t)
	}
	require.Eventually(t, func() bool { return a.Stats().Sent+b.Stats().Sent == 8 }, time.Minute, time.Millisecond)
	require.NoError(t, stopAt(a, time.Minute))
	require.NoError(t, stopAt(b, time.Minute))
	require.Len(t, rv.accepted, 8)
	for id, n := range rv.accepted {
		require.Equal(t, 1, n, id)
	}
}
