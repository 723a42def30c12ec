package pagerduty_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/pagerduty"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.RunFeatures(t, notifytest.Features{Ignores: []notify.Transition{notify.TransitionPassed, notify.TransitionIncident}},
		func(t *testing.T, endpoint string) notify.Notifier {
			n, err := pagerduty.New(pagerduty.Config{RoutingKey: "R0UT1NG", URL: endpoint, Client: notifytest.Client(t)})
			require.NoError(t, err)
			return n
		})
}

func send(t *testing.T, cfg pagerduty.Config, events ...*notify.Event) []map[string]any {
	t.Helper()
	rv := notifytest.NewReceiver(t, http.StatusAccepted)
	cfg.URL = rv.URL + "/v2/enqueue"
	cfg.Client = rv.Client() // not http.DefaultClient, whose connections parallel tests' servers close
	n, err := pagerduty.New(cfg)
	require.NoError(t, err)
	for _, e := range events {
		require.NoError(t, n.Notify(t.Context(), e))
	}
	var out []map[string]any
	for rv.Pending() > 0 {
		r := rv.Next(t)
		require.Equal(t, "/v2/enqueue", r.Path)
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		out = append(out, r.JSON(t))
	}
	return out
}

func TestTriggerReminderResolve(t *testing.T) {
	t.Parallel()
	ev := notifytest.Events()
	got := send(t, pagerduty.Config{RoutingKey: "R0UT1NG"}, ev[0], ev[1], ev[3], ev[2])
	require.Len(t, got, 3, "the passed event is not sent")
	trigger, reminder, resolve := got[0], got[1], got[2]

	require.Equal(t, "R0UT1NG", trigger["routing_key"])
	require.Equal(t, "trigger", trigger["event_action"])
	require.Equal(t, "smokex/checkout", trigger["dedup_key"])
	require.Equal(t, "smokex", trigger["client"])
	require.Equal(t, "https://ops.example.com/smokex/executions/x1", trigger["client_url"])
	require.Equal(t, []any{
		map[string]any{"href": "https://ops.example.com/smokex/executions/x1", "text": "View execution"},
		map[string]any{"href": "https://ops.example.com/smokex/plans/checkout", "text": "View plan"},
	}, trigger["links"])
	p := trigger["payload"].(map[string]any)
	require.Equal(t, `Checkout API is failing: step 2 "pay": status_code expected 200, received 503`, p["summary"])
	require.Equal(t, "smokex", p["source"])
	require.Equal(t, "critical", p["severity"])
	require.Equal(t, "2026-03-14T15:09:28Z", p["timestamp"])
	require.Equal(t, "checkout", p["component"])
	require.Equal(t, "payments", p["group"])
	require.Equal(t, "status_code", p["class"])
	require.Equal(t, map[string]any{
		"transition": "failing", "plan_id": "checkout", "consecutive_failures": float64(1),
		"execution_id": "x1", "trigger": "schedule", "status": "failed", "step": "pay",
		"failures": []any{"status_code: expected 200, received 503", `json $.status: expected "ok", received (not JSON)`},
		"labels":   map[string]any{"team": "payments"},
	}, p["custom_details"])

	require.Equal(t, "trigger", reminder["event_action"])
	require.Equal(t, "smokex/checkout", reminder["dedup_key"], "a reminder updates the same alert")
	require.Equal(t, "timeout", reminder["payload"].(map[string]any)["class"])

	require.Equal(t, map[string]any{"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": "smokex/checkout"}, resolve)
}

func TestSeverityAndSource(t *testing.T) {
	t.Parallel()
	got := send(t, pagerduty.Config{RoutingKey: "k", Severity: "warning", Source: "shop-prod"}, notifytest.Events()[0])
	p := got[0]["payload"].(map[string]any)
	require.Equal(t, "warning", p["severity"])
	require.Equal(t, "shop-prod", p["source"])
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  pagerduty.Config
		want string
	}{
		{pagerduty.Config{}, "pagerduty: RoutingKey is required"},
		{pagerduty.Config{RoutingKey: "k", URL: "nope"}, "pagerduty: URL must be an absolute"},
		{pagerduty.Config{RoutingKey: "k", Severity: "huge"}, "pagerduty: Severity must be"},
	} {
		_, err := pagerduty.New(c.cfg)
		require.ErrorContains(t, err, c.want)
	}
	n, err := pagerduty.New(pagerduty.Config{RoutingKey: "k"})
	require.NoError(t, err)
	require.Equal(t, "pagerduty", n.Provider())
}

// TestEscapesTargetValues sends the injections in every value a
// target gives: PagerDuty reads no markup in an event, so they arrive as
// the JSON strings they are, and the event's links and client URL are
// the admin pages only.
func TestEscapesTargetValues(t *testing.T) {
	t.Parallel()
	for _, in := range notifytest.Injections() {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got := send(t, pagerduty.Config{RoutingKey: "R0UT1NG"}, notifytest.HostileEvent(in))
			require.Len(t, got, 1)
			ev := got[0]
			require.Equal(t, "https://ops.example.com/smokex/executions/x1", ev["client_url"])
			require.Equal(t, []any{
				map[string]any{"href": "https://ops.example.com/smokex/executions/x1", "text": "View execution"},
				map[string]any{"href": "https://ops.example.com/smokex/plans/checkout", "text": "View plan"},
			}, ev["links"])
			p := ev["payload"].(map[string]any)
			require.Equal(t, `Checkout `+in+` is failing: step 1 "pay": status_code expected 200, received 401 `+in, p["summary"])
			require.Equal(t, []any{
				"status_code: expected 200, received 401 " + in,
				"header Location: expected present, received " + in,
				"string body: expected ok, received " + in,
				"request: answer: " + in,
			}, p["custom_details"].(map[string]any)["failures"])
		})
	}
}
