package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// outcomes collects the policy's NotificationSent calls.
type outcomes struct {
	record.HookDefaults
	ch chan record.Notification
}

func newOutcomes() *outcomes { return &outcomes{ch: make(chan record.Notification, 100)} }

func (o *outcomes) NotificationSent(_ context.Context, _ *record.PlanRef, n *record.Notification) {
	o.ch <- *n
}

// next waits for the next outcome.
func (o *outcomes) next(t *testing.T) record.Notification {
	t.Helper()
	select {
	case n := <-o.ch:
		return n
	case <-time.After(10 * time.Second):
		require.FailNow(t, "no notification outcome")
		return record.Notification{}
	}
}

// none checks that no outcome comes for a while.
func (o *outcomes) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-o.ch:
		require.FailNow(t, "unexpected notification", "%+v", n)
	case <-time.After(100 * time.Millisecond):
	}
}

// recorder is a notifier that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []*notify.Event
}

func (r *recorder) Notify(_ context.Context, e *notify.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) transitions() []notify.Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ts []notify.Transition
	for _, e := range r.events {
		ts = append(ts, e.Transition)
	}
	return ts
}

// clock is a fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var planRef = &record.PlanRef{ID: "checkout", Name: "Checkout API", Labels: map[string]string{"team": "payments"}}

var seq atomic.Int64

// execution returns a finished execution of planRef with the status; a
// failed one has a failed step.
func execution(status record.Status, at time.Time) *record.Execution {
	x := &record.Execution{
		ID:         fmt.Sprintf("x%03d", seq.Add(1)),
		PlanID:     planRef.ID,
		PlanName:   planRef.Name,
		Trigger:    record.TriggerSchedule,
		Status:     status,
		CreatedAt:  at.Add(-2 * time.Second),
		StartedAt:  at.Add(-time.Second),
		FinishedAt: at,
	}
	ok := status == record.StatusPassed
	step := record.StepResult{Index: 0, Name: "pay", Method: "POST", URL: "https://api.test/pay", OK: ok, Attempts: 1,
		Response: &record.Response{StatusCode: 200, Body: "{}"}}
	if !ok {
		step.Response.StatusCode = 503
		step.Failures = []record.Failure{{Type: record.FailureStatusCode, Expected: "200", Received: "503"}}
	}
	x.Steps = []record.StepResult{step}
	return x
}

// startPolicy builds and starts a policy; it is stopped at the end of the
// test.
func startPolicy(t *testing.T, cfg notify.PolicyConfig) *notify.Policy {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := notify.NewPolicy(cfg)
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, p.Stop(ctx))
	})
	return p
}

// finish tells p of executions with the statuses, one after the other,
// each once the previous one was decided.
func finish(t *testing.T, p *notify.Policy, c *clock, statuses ...record.Status) {
	t.Helper()
	for _, s := range statuses {
		c.add(time.Minute)
		before := p.Stats()
		p.ExecutionFinished(t.Context(), planRef, execution(s, c.Now()))
		require.Eventually(t, func() bool {
			st := p.Stats()
			return st.Decided+st.Suppressed+st.StateErrors > before.Decided+before.Suppressed+before.StateErrors || quiet(p, before)
		}, 5*time.Second, time.Millisecond)
	}
}

// quiet reports whether p has decided on everything queued; the policy
// decides in order, so a probe through an empty queue tells.
func quiet(p *notify.Policy, _ notify.Stats) bool {
	return p.Pending() == 0
}

func TestPolicySequences(t *testing.T) {
	t.Parallel()
	F, P, D := record.StatusFailed, record.StatusPassed, record.StatusDegraded
	cases := []struct {
		name   string
		rules  notify.Rules
		seq    []record.Status
		alerts []notify.Transition
	}{
		{"default: first failure and first pass", notify.Rules{}, []record.Status{P, F, F, P, P},
			[]notify.Transition{"failing", "recovered"}},
		{"threshold 2: fail fail fail recover", notify.Rules{AlertAfter: 2}, []record.Status{F, F, F, P},
			[]notify.Transition{"failing", "recovered"}},
		{"threshold 2 not reached", notify.Rules{AlertAfter: 2}, []record.Status{F, P, F, P},
			nil},
		{"recover after 2", notify.Rules{RecoverAfter: 2}, []record.Status{F, P, F, P, P, P},
			[]notify.Transition{"failing", "recovered"}},
		{"no recovery alerts", notify.Rules{NoRecoveryAlerts: true}, []record.Status{F, P, F},
			[]notify.Transition{"failing", "failing"}},
		{"on every success", notify.Rules{AlertOnSuccess: true}, []record.Status{P, F, P, P},
			[]notify.Transition{"passed", "failing", "recovered", "passed"}},
		{"canceled says nothing", notify.Rules{}, []record.Status{record.StatusCanceled, F, record.StatusCanceled, P},
			[]notify.Transition{"failing", "recovered"}},
		{"degraded is up", notify.Rules{}, []record.Status{D, F, D, D, P},
			[]notify.Transition{"failing", "recovered"}},
		{"degraded alerts when asked, once per spell", notify.Rules{AlertOnDegraded: true}, []record.Status{P, D, D, P, D, F, D},
			[]notify.Transition{"degraded", "degraded", "failing", "recovered"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			p := startPolicy(t, notify.PolicyConfig{
				Targets: []notify.Target{{Name: "rec", Notifier: rec}},
				Rules:   c.rules, Now: clk.Now,
			})
			finish(t, p, clk, c.seq...)
			require.Eventually(t, func() bool { return p.Stats().Sent == int64(len(c.alerts)) }, 5*time.Second, time.Millisecond)
			require.Equal(t, c.alerts, rec.transitions())
		})
	}
}

func TestPolicyEvent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   notify.Rules{AlertAfter: 2}, Now: clk.Now, BaseURL: "https://ops.test/smokex/",
	})
	finish(t, p, clk, record.StatusFailed, record.StatusFailed, record.StatusPassed)
	require.Eventually(t, func() bool { return p.Stats().Sent == 2 }, 5*time.Second, time.Millisecond)
	failing, recovered := rec.events[0], rec.events[1]
	require.Equal(t, notify.TransitionFailing, failing.Transition)
	require.Equal(t, *planRef, failing.Plan)
	require.Equal(t, failing.Execution.ID+":failing", failing.ID)
	require.Equal(t, 2, failing.ConsecutiveFailures)
	require.Equal(t, time.Second, failing.Execution.Duration())
	require.Equal(t, clk.now.Add(-time.Minute), failing.FailingSince)
	require.NotNil(t, failing.FailedStep)
	require.Equal(t, "pay", failing.FailedStep.Name)
	require.Equal(t, `Checkout API is failing: step 1 "pay": status_code expected 200, received 503`, failing.Summary())
	require.Equal(t, notify.Links{
		Execution: "https://ops.test/smokex/executions/" + failing.Execution.ID,
		Plan:      "https://ops.test/smokex/plans/checkout",
	}, failing.Links)
	require.Equal(t, notify.TransitionRecovered, recovered.Transition)
	require.Nil(t, recovered.FailedStep)
	require.Equal(t, failing.FailingSince, recovered.FailingSince, "a recovery tells when the failure began")
	require.Equal(t, 1, recovered.ConsecutivePasses)
}

func TestPolicyReminders(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   notify.Rules{Reminder: 5 * time.Minute}, Now: clk.Now,
	})
	// A failure a minute for 12 minutes: failing at 1, reminders at 6 and 11.
	for range 12 {
		finish(t, p, clk, record.StatusFailed)
	}
	finish(t, p, clk, record.StatusPassed)
	require.Eventually(t, func() bool { return p.Stats().Sent == 4 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []notify.Transition{"failing", "still_failing", "still_failing", "recovered"}, rec.transitions())
	require.Equal(t, 6, rec.events[1].ConsecutiveFailures)
	require.Equal(t, 11, rec.events[2].ConsecutiveFailures)
}

func TestPolicyRestartKeepsState(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID, Name: planRef.Name}))
	rec := &recorder{}
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   notify.Rules{AlertAfter: 2}, Now: clk.Now, Store: store,
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	first, err := notify.NewPolicy(cfg)
	require.NoError(t, err)
	require.NoError(t, first.Start(t.Context()))
	finish(t, first, clk, record.StatusFailed) // one failure: below the threshold
	require.NoError(t, first.Stop(t.Context()))

	second := startPolicy(t, cfg)
	finish(t, second, clk, record.StatusFailed, record.StatusFailed, record.StatusPassed)
	require.Eventually(t, func() bool { return second.Stats().Sent == 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []notify.Transition{"failing", "recovered"}, rec.transitions())
	require.Equal(t, 2, rec.events[0].ConsecutiveFailures, "the failure before the restart counted")
}

func TestPolicyTwoReplicasOneAlert(t *testing.T) {
	t.Parallel()
	store := memory.New(memory.Config{})
	require.NoError(t, store.SavePlan(t.Context(), &storage.Plan{ID: planRef.ID}))
	rec := &recorder{}
	var policies []*notify.Policy
	for range 2 {
		policies = append(policies, startPolicy(t, notify.PolicyConfig{
			Targets: []notify.Target{{Name: "rec", Notifier: rec}}, Store: store,
		}))
	}
	now := time.Now()
	for range 5 {
		var wg sync.WaitGroup
		for _, p := range policies {
			wg.Go(func() { p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, now)) })
		}
		wg.Wait()
	}
	require.Eventually(t, func() bool { return policies[0].Pending()+policies[1].Pending() == 0 }, 5*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, []notify.Transition{"failing"}, rec.transitions())
	st, err := store.GetAlertState(t.Context(), planRef.ID)
	require.NoError(t, err)
	require.Equal(t, 10, st.ConsecutiveFailures)
}

func TestPolicyRouting(t *testing.T) {
	t.Parallel()
	payments, infra, rest := &recorder{}, &recorder{}, &recorder{}
	p := startPolicy(t, notify.PolicyConfig{Targets: []notify.Target{
		{Name: "payments", Notifier: payments, Labels: map[string]string{"team": "payments"}},
		{Name: "infra", Notifier: infra, Labels: map[string]string{"team": "infra"}},
		{Name: "rest", Notifier: rest, Fallback: true},
	}})
	other := &record.PlanRef{ID: "search", Labels: map[string]string{"team": "search"}}
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, time.Now()))
	x := execution(record.StatusFailed, time.Now())
	x.PlanID = other.ID
	p.ExecutionFinished(t.Context(), other, x)
	require.Eventually(t, func() bool { return p.Stats().Sent == 2 }, 5*time.Second, time.Millisecond)
	require.Len(t, payments.events, 1)
	require.Equal(t, "checkout", payments.events[0].Plan.ID)
	require.Empty(t, infra.events)
	require.Len(t, rest.events, 1)
	require.Equal(t, "search", rest.events[0].Plan.ID)
}

func TestPolicyPerPlanRules(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Rules:   notify.Rules{AlertAfter: 5},
		Plans:   map[string]notify.Rules{"checkout": {AlertAfter: 1, NoRecoveryAlerts: true}},
		Now:     clk.Now,
	})
	finish(t, p, clk, record.StatusFailed, record.StatusPassed)
	require.Eventually(t, func() bool { return p.Stats().Sent == 1 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []notify.Transition{"failing"}, rec.transitions())
}

func TestPolicyMaintenance(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	// Sundays 02:00 to 03:00 in Berlin (UTC+1 in March): 01:00 to 02:00 UTC.
	clk := &clock{now: time.Date(2026, 3, 1, 0, 58, 0, 0, time.UTC)} // a Sunday
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: rec}},
		Maintenance: []notify.Window{
			{Name: "weekly", Cron: "0 2 * * SUN", Duration: time.Hour, TimeZone: "Europe/Berlin"},
			{Name: "other plan", PlanIDs: []string{"other"}, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		Now: clk.Now,
	})
	name, in := p.InMaintenance(planRef, time.Date(2026, 3, 1, 1, 30, 0, 0, time.UTC))
	require.True(t, in)
	require.Equal(t, "weekly", name)
	_, in = p.InMaintenance(planRef, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	require.False(t, in, "the window ends at 03:00 Berlin")
	_, in = p.InMaintenance(&record.PlanRef{ID: "other"}, time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
	require.True(t, in)

	// 00:59 passes; 01:00 to 01:59 fail, in the window; 02:00 passes.
	for range 62 {
		s := record.StatusFailed
		if m := clk.Now().Add(time.Minute); m.Hour() != 1 {
			s = record.StatusPassed
		}
		finish(t, p, clk, s)
	}
	require.Equal(t, int64(60), p.Stats().Suppressed)
	require.Zero(t, p.Stats().Decided, "no alert, and no recovery of a failure never announced")
	require.Empty(t, rec.transitions())
}

func TestPolicyConfigErrors(t *testing.T) {
	t.Parallel()
	n := &recorder{}
	for _, c := range []struct {
		cfg  notify.PolicyConfig
		want string
	}{
		{notify.PolicyConfig{Targets: []notify.Target{{Notifier: n}}}, "Targets[0].Name is required"},
		{notify.PolicyConfig{Targets: []notify.Target{{Name: "a", Notifier: n}, {Name: "a", Notifier: n}}}, `Targets[1].Name "a" is used twice`},
		{notify.PolicyConfig{Targets: []notify.Target{{Name: "a"}}}, "has no Notifier"},
		{notify.PolicyConfig{Rules: notify.Rules{AlertAfter: -1}}, "Rules.AlertAfter must not be negative"},
		{notify.PolicyConfig{Plans: map[string]notify.Rules{"p": {Reminder: -time.Second}}}, `Plans["p"].Reminder`},
		{notify.PolicyConfig{QueueSize: -1}, "QueueSize must not be negative"},
		{notify.PolicyConfig{Maintenance: []notify.Window{{Name: "w"}}}, "window w: set Start and End or Cron and Duration"},
		{notify.PolicyConfig{Maintenance: []notify.Window{{Name: "w", Cron: "0 2 * * *"}}}, "Duration must be positive"},
		{notify.PolicyConfig{Maintenance: []notify.Window{{Name: "w", Cron: "0 2 * * *", Duration: time.Hour, TimeZone: "Mars/Olympus"}}}, "TimeZone"},
		{notify.PolicyConfig{Maintenance: []notify.Window{{Name: "w", Start: time.Now(), End: time.Now().Add(-time.Hour)}}}, "End must be after Start"},
	} {
		_, err := notify.NewPolicy(c.cfg)
		require.ErrorContains(t, err, c.want)
	}
}

// receiver is a webhook receiver that answers from a script and checks
// each signature.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	answers []func(w http.ResponseWriter)
	got     []time.Time
	bodies  []string
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify("s3cret", r.Header.Get(webhook.SignatureHeader), body, time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rv.mu.Lock()
	n := len(rv.got)
	rv.got = append(rv.got, time.Now())
	rv.bodies = append(rv.bodies, string(body))
	var answer func(http.ResponseWriter)
	if n < len(rv.answers) {
		answer = rv.answers[n]
	}
	rv.mu.Unlock()
	if answer != nil {
		answer(w)
	}
}

func (rv *receiver) count() int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return len(rv.got)
}

func status(code int, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

func webhookTarget(t *testing.T, url string) notify.Target {
	t.Helper()
	n, err := webhook.New(webhook.Config{URL: url, Secret: "s3cret"})
	require.NoError(t, err)
	return notify.Target{Name: "hook", Notifier: n}
}

func TestDeliveryRetries500Once(t *testing.T) {
	t.Parallel()
	rv := &receiver{t: t, answers: []func(http.ResponseWriter){status(500), status(200)}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	out := newOutcomes()
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{webhookTarget(t, srv.URL)}, MinBackoff: 10 * time.Millisecond,
		Sent: []record.NotificationSentHook{out},
	})
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, time.Now()))
	n := out.next(t)
	require.Equal(t, record.NotificationDelivered, n.Outcome)
	require.Equal(t, 2, n.Attempts)
	require.Equal(t, "webhook", n.Provider)
	require.Equal(t, "hook", n.Target)
	require.Equal(t, "failing", n.Transition)
	out.none(t)
	require.Equal(t, 2, rv.count(), "delivered once, after one retry")
	require.Equal(t, rv.bodies[0], rv.bodies[1], "the retry sends the same event")
	require.Equal(t, notify.Stats{Decided: 1, Sent: 1, Retries: 1}, p.Stats())
}

func TestDeliveryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	rv := &receiver{t: t, answers: []func(http.ResponseWriter){status(429, "Retry-After", "1"), status(204)}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	out := newOutcomes()
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{webhookTarget(t, srv.URL)}, MinBackoff: 10 * time.Millisecond,
		Sent: []record.NotificationSentHook{out},
	})
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, time.Now()))
	n := out.next(t)
	require.Equal(t, record.NotificationDelivered, n.Outcome)
	require.Equal(t, 2, rv.count())
	gap := rv.got[1].Sub(rv.got[0])
	require.GreaterOrEqual(t, gap, 900*time.Millisecond, "retried after Retry-After, not after MinBackoff")
	require.Less(t, gap, 3*time.Second)
}

func TestDeliveryGivesUp(t *testing.T) {
	t.Parallel()
	rv := &receiver{t: t, answers: []func(http.ResponseWriter){status(503), status(503), status(503), status(400)}}
	srv := httptest.NewServer(rv)
	defer srv.Close()
	out := newOutcomes()
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{webhookTarget(t, srv.URL)}, MinBackoff: time.Millisecond, MaxAttempts: 3,
		Sent: []record.NotificationSentHook{out},
	})
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, time.Now()))
	n := out.next(t)
	require.Equal(t, record.NotificationFailed, n.Outcome)
	require.Equal(t, 3, n.Attempts)
	require.Contains(t, n.Error, "webhook: status 503")
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusPassed, time.Now()))
	n = out.next(t)
	require.Equal(t, record.NotificationFailed, n.Outcome)
	require.Equal(t, 1, n.Attempts, "a 400 is not retried")
	require.Equal(t, int64(2), p.Stats().Failed)
}

// hang is a receiver that never answers until the test ends.
func hang(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv
}

func TestDeliveryStopWithHangingReceiver(t *testing.T) {
	t.Parallel()
	srv := hang(t)
	out := newOutcomes()
	p, err := notify.NewPolicy(notify.PolicyConfig{
		Targets: []notify.Target{webhookTarget(t, srv.URL)}, AttemptTimeout: time.Hour,
		Sent: []record.NotificationSentHook{out}, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	require.NoError(t, p.Start(t.Context()))
	for range 3 {
		p.ExecutionFinished(t.Context(), planRef, execution(record.StatusFailed, time.Now()))
		p.ExecutionFinished(t.Context(), planRef, execution(record.StatusPassed, time.Now()))
	}
	require.Eventually(t, func() bool { return p.Stats().Decided == 6 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.Stop(ctx)
	took := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.GreaterOrEqual(t, took, 190*time.Millisecond)
	require.Less(t, took, time.Second, "Stop returns at its deadline")
	st := p.Stats()
	require.Equal(t, int64(1), st.Deferred, "the alert in flight is left owed")
	require.Zero(t, st.Dropped, "nothing is dropped")
	require.Equal(t, record.NotificationDeferred, out.next(t).Outcome)
	out.none(t)
}

// blockingState is a StateStore whose reads wait until release is
// closed, telling reading when the first begins.
type blockingState struct {
	notify.StateStore
	reading, release chan struct{}
	once             sync.Once
}

func (b *blockingState) GetAlertState(ctx context.Context, planID string) (*record.AlertState, error) {
	b.once.Do(func() { close(b.reading) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b.StateStore.GetAlertState(ctx, planID)
}

func TestDeliveryFullQueueDrops(t *testing.T) {
	t.Parallel()
	store := &blockingState{StateStore: memory.New(memory.Config{}), reading: make(chan struct{}), release: make(chan struct{})}
	require.NoError(t, store.StateStore.(*memory.Store).SavePlan(t.Context(), &storage.Plan{ID: planRef.ID}))
	out := newOutcomes()
	p := startPolicy(t, notify.PolicyConfig{
		Targets: []notify.Target{{Name: "rec", Notifier: &recorder{}}}, Store: store,
		QueueSize: 1, Sent: []record.NotificationSentHook{out},
		Rules: notify.Rules{AlertOnSuccess: true},
	})
	p.ExecutionFinished(t.Context(), planRef, execution(record.StatusPassed, time.Now()))
	<-store.reading // the policy holds the first, its queue is empty
	start := time.Now()
	for range 50 {
		p.ExecutionFinished(t.Context(), planRef, execution(record.StatusPassed, time.Now()))
	}
	require.Less(t, time.Since(start), 100*time.Millisecond, "ExecutionFinished never blocks")
	require.Equal(t, int64(49), p.Stats().Dropped, "one waits in the queue")
	require.Equal(t, record.NotificationDropped, out.next(t).Outcome)
	close(store.release)
}

// BenchmarkExecutionFinished measures what the policy costs the run that
// tells it of its finish: a queue send.
func BenchmarkExecutionFinished(b *testing.B) {
	p, err := notify.NewPolicy(notify.PolicyConfig{
		Targets:   []notify.Target{{Name: "rec", Notifier: &recorder{}}},
		QueueSize: 1 << 20, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(b, err)
	require.NoError(b, p.Start(b.Context()))
	x := execution(record.StatusPassed, time.Now())
	b.ReportAllocs()
	for b.Loop() {
		p.ExecutionFinished(b.Context(), planRef, x)
	}
	b.StopTimer()
	require.NoError(b, p.Stop(context.Background()))
}
