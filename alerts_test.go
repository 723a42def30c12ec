package smokex_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/discord"
	"github.com/smokex/smokex/notify/email"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/pagerduty"
	"github.com/smokex/smokex/notify/slack"
	"github.com/smokex/smokex/notify/teams"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

const secretValue = "s3cr3t-Value-42"

// echoTarget answers every request with 500 and echoes what it received,
// the secret included, in its headers and body.
func echoTarget(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "got %s?%s with %s and %s", r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAlertsCarryNoSecret(t *testing.T) {
	t.Parallel()
	target := echoTarget(t)
	p, err := plan.Parse([]byte(`name: secretive
secrets: [TOKEN]
steps:
  - post:
      name: login
      host: "`+target.URL+`/login?key=${TOKEN}"
      headers:
        Authorization: "Bearer ${TOKEN}"
      body: {password: "${TOKEN}"}
      expect:
        status_code: 200
        string: "${TOKEN} accepted"
`), nil)
	require.NoError(t, err)

	receivers := map[string]*notifytest.Receiver{}
	var targets []notify.Target
	add := func(name string, status int, build func(url string) (notify.Notifier, error)) {
		rv := notifytest.NewReceiver(t, status)
		n, err := build(rv.URL + "/" + name)
		require.NoError(t, err)
		receivers[name] = rv
		targets = append(targets, notify.Target{Name: name, Notifier: n})
	}
	add("webhook", 200, func(u string) (notify.Notifier, error) {
		return webhook.New(webhook.Config{URL: u, Secret: "whsec"})
	})
	add("slack", 200, func(u string) (notify.Notifier, error) { return slack.New(slack.Config{WebhookURL: u}) })
	add("teams", 202, func(u string) (notify.Notifier, error) { return teams.New(teams.Config{WebhookURL: u}) })
	add("discord", 204, func(u string) (notify.Notifier, error) { return discord.New(discord.Config{WebhookURL: u}) })
	add("pagerduty", 202, func(u string) (notify.Notifier, error) {
		return pagerduty.New(pagerduty.Config{RoutingKey: "rk", URL: u})
	})
	events := make(chan *notify.Event, 1)
	targets = append(targets, notify.Target{Name: "capture", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
		events <- e
		return nil
	})})

	eng, err := smokex.New(smokex.Config{
		Secrets: smokex.StaticSecrets{"TOKEN": secretValue},
		Logger:  slog.New(slog.DiscardHandler),
		Alerts:  &notify.PolicyConfig{Targets: targets, BaseURL: "http://admin.test/"},
	})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	x, err := eng.Run(ctx, p.ID, &smokex.RunOpts{})
	require.NoError(t, err)
	require.NotEqual(t, "passed", string(x.Status))
	require.NoError(t, eng.Stop(ctx))

	for name, rv := range receivers {
		r := rv.Next(t)
		require.Contains(t, string(r.Body), "secretive", name)
		require.NotContains(t, string(r.Body), secretValue, "%s: the payload holds the secret", name)
		for k, vs := range r.Header {
			require.NotContains(t, strings.Join(vs, ","), secretValue, "%s: header %s", name, k)
		}
	}
	e := <-events
	require.NotNil(t, e.FailedStep.Response, "the response excerpt is there")
	require.Contains(t, e.FailedStep.Response.Body, "got /login", "with what the target said")
	msg, err := email.Message(email.Config{From: "a@example.com", To: []string{"b@example.com"}}, e, time.Now())
	require.NoError(t, err)
	require.NotContains(t, string(msg), secretValue, "email")
	require.Contains(t, string(msg), "secretive")
}

// hangingReceiver never answers until the test ends.
func hangingReceiver(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	release := make(chan struct{})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
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
	return srv, &hits
}

func TestHangingReceiverDelaysNothing(t *testing.T) {
	t.Parallel()
	target := echoTarget(t)
	hook, hits := hangingReceiver(t)
	wh, err := webhook.New(webhook.Config{URL: hook.URL})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{
		Logger: slog.New(slog.DiscardHandler),
		Alerts: &notify.PolicyConfig{
			Targets:        []notify.Target{{Name: "hook", Notifier: wh}},
			Rules:          notify.Rules{AlertOnSuccess: true, Reminder: time.Nanosecond},
			AttemptTimeout: time.Hour,
		},
	})
	require.NoError(t, err)
	ctx := t.Context()
	p, err := plan.Parse([]byte("name: down\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))

	var slowest time.Duration
	for i := range 5 {
		start := time.Now()
		_, err := eng.Run(ctx, p.ID, nil)
		require.NoError(t, err)
		slowest = max(slowest, time.Since(start))
		if i == 0 {
			require.Eventually(t, func() bool { return hits.Load() > 0 }, 5*time.Second, time.Millisecond, "the receiver holds the first alert")
		}
	}
	require.Less(t, slowest, time.Second, "a receiver that hangs does not delay the executions")

	stop, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = eng.Stop(stop)
	took := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the alerts left are left owed, and said so")
	require.Less(t, took, 1500*time.Millisecond, "Stop returns at its deadline")
	st := eng.Alerts().Stats()
	require.Equal(t, int64(5), st.Decided, "a failing alert and four reminders")
	require.Equal(t, int64(1), st.Deferred, "the one in flight is left owed in the store, the others wait there")
	require.Zero(t, st.Dropped)
	require.Zero(t, st.Sent)
}

func TestMaintenanceMarksExecutions(t *testing.T) {
	t.Parallel()
	target := echoTarget(t)
	events := make(chan *notify.Event, 10)
	now := time.Now()
	eng, err := smokex.New(smokex.Config{
		Logger: slog.New(slog.DiscardHandler),
		Alerts: &notify.PolicyConfig{
			Targets: []notify.Target{{Name: "capture", Notifier: notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
				events <- e
				return nil
			})}},
			Maintenance: []notify.Window{{Name: "db upgrade", PlanIDs: []string{"down"}, Start: now.Add(-time.Minute), End: now.Add(time.Hour)}},
		},
	})
	require.NoError(t, err)
	ctx := t.Context()
	for _, name := range []string{"down", "other"} {
		p, err := plan.Parse([]byte("name: "+name+"\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
		require.NoError(t, err)
		require.NoError(t, eng.AddPlan(ctx, p))
	}
	require.NoError(t, eng.Start(ctx))
	x, err := eng.Run(ctx, "down", nil)
	require.NoError(t, err)
	require.Equal(t, "db upgrade", x.Maintenance)
	stored, err := eng.Store().GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, "db upgrade", stored.Maintenance, "the execution is stored marked")
	sums, err := eng.Store().Summaries(ctx, &storage.SummaryParams{PlanIDs: []string{"down"}})
	require.NoError(t, err)
	require.Empty(t, sums[0].Counts, "and spoils no uptime figure")

	y, err := eng.Run(ctx, "other", nil)
	require.NoError(t, err)
	require.Empty(t, y.Maintenance, "the window covers one plan")
	require.NoError(t, eng.Stop(ctx))
	require.Len(t, events, 1)
	require.Equal(t, "other", (<-events).Plan.ID, "no alert for the plan in maintenance")
	require.Equal(t, int64(1), eng.Alerts().Stats().Suppressed)
}

// sentCounter is a metrics-like hook: it counts notifications by provider
// and outcome, without knowing the policy.
type sentCounter struct {
	record.HookDefaults
	mu     sync.Mutex
	counts map[string]int
}

func (c *sentCounter) NotificationSent(_ context.Context, p *record.PlanRef, n *record.Notification) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[p.ID+" "+n.Provider+" "+string(n.Outcome)]++
}

func TestNotificationSentHooksAreTold(t *testing.T) {
	t.Parallel()
	target := echoTarget(t)
	ok := notifytest.NewReceiver(t, http.StatusOK)
	broken := notifytest.NewReceiver(t, http.StatusBadRequest)
	good, err := webhook.New(webhook.Config{URL: ok.URL})
	require.NoError(t, err)
	bad, err := slack.New(slack.Config{WebhookURL: broken.URL})
	require.NoError(t, err)
	counter := &sentCounter{counts: map[string]int{}}
	eng, err := smokex.New(smokex.Config{
		Logger: slog.New(slog.DiscardHandler),
		Hooks:  []record.Hook{counter},
		Alerts: &notify.PolicyConfig{Targets: []notify.Target{
			{Name: "hook", Notifier: good},
			{Name: "chat", Notifier: bad},
		}},
	})
	require.NoError(t, err)
	ctx := t.Context()
	p, err := plan.Parse([]byte("name: down\nsteps:\n  - get:\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	require.NoError(t, eng.Start(ctx))
	_, err = eng.Run(ctx, p.ID, nil)
	require.NoError(t, err)
	require.NoError(t, eng.Stop(ctx))
	require.Equal(t, map[string]int{"down webhook delivered": 1, "down slack failed": 1}, counter.counts)
}
