package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/webhook"
)

// flakyPlan runs every second against a target that fails three times,
// then passes.
const flakyPlan = `name: flaky
schedule: "@every 1s"
steps:
  - get:
      name: health
      host: "{{URL}}/flaky"
      expect:
        status_code: 200
`

// hookReceiver keeps the events a webhook receives, each checked against
// its signature.
type hookReceiver struct {
	mu     sync.Mutex
	events []map[string]any
	bad    []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify("hook-secret", r.Header.Get(webhook.SignatureHeader), body, time.Minute); err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		h.bad = append(h.bad, err.Error())
		return
	}
	h.events = append(h.events, ev)
}

func (h *hookReceiver) transitions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ts []string
	for _, e := range h.events {
		ts = append(ts, e["transition"].(string))
	}
	return ts
}

func TestServeWebhookAlerts(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if hits.Add(1) <= 3 {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()
	hooks := &hookReceiver{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	dir := t.TempDir()
	writePlan(t, dir, "flaky.yaml", flakyPlan, target.URL)

	s := startServe(t, map[string]string{"SMOKEX_WEBHOOK_SECRET": "hook-secret"},
		"--webhook", receiver.URL+"/hook", "--base-url", "http://smokex.test/", dir)
	s.waitLog(t, `msg="notify: alert sent" target=webhook plan=flaky execution=\S+ transition=recovered`)
	// Two more passes: nothing more is sent.
	for hits.Load() < 6 {
		time.Sleep(50 * time.Millisecond)
	}
	s.waitLog(t, finishedLine("flaky", "passed"))
	require.Equal(t, 0, s.stop(t), logText(s.stderr))

	require.Empty(t, hooks.bad)
	require.Equal(t, []string{"failing", "recovered"}, hooks.transitions(), logText(s.stderr))
	failing := hooks.events[0]
	require.Equal(t, "flaky", failing["plan"].(map[string]any)["id"])
	x := failing["execution"].(map[string]any)
	require.Contains(t, []string{"failed", "halted"}, x["status"], "halted until it is a stop reason")
	require.Equal(t, "schedule", x["trigger"])
	step := failing["failed_step"].(map[string]any)
	require.Equal(t, "health", step["name"])
	require.Equal(t, float64(1), failing["consecutive_failures"])
	require.Equal(t, "http://smokex.test/plans/flaky", failing["links"].(map[string]any)["plan"])
	require.Equal(t, "passed", hooks.events[1]["execution"].(map[string]any)["status"])
}

func TestServeAlertFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePlan(t, dir, "flaky.yaml", flakyPlan, "http://127.0.0.1:1")
	for want, args := range map[string][]string{
		"--alert-after must not be negative": {"--webhook", "http://127.0.0.1:1/hook", "--alert-after", "-1"},
		"need an alert target":               {"--alert-after", "2"},
		"--alert-flaky-after, --alert-burn-rate and --alert-reminder need an alert target": {"--alert-flaky-after", "3/10"},
		"--alert-burn-rate and --alert-reminder need an alert target":                      {"--alert-burn-rate"},
		`"3" is not N/M: flaky in N of the last M executions`:                              {"--webhook", "http://127.0.0.1:1/hook", "--alert-flaky-after", "3"},
		`"3/2": looks at 2 runs, fewer than the 3 flaky ones it needs`:                     {"--webhook", "http://127.0.0.1:1/hook", "--alert-flaky-after", "3/2"},
		"--webhook: webhook: URL must be":                                                  {"--webhook", "ftp://x/hook"},
		"--teams-webhook: teams: WebhookURL":                                               {"--teams-webhook", "x"},
		"--discord-webhook: discord: Webhook":                                              {"--discord-webhook", "x"},
		"--smtp-url must not hold a password":                                              {"--smtp-url", "smtp://u:hunter2@127.0.0.1:25?from=a@example.com&to=b@example.com"},
		"the SMTP URL: email: To needs":                                                    {"--smtp-url", "smtp://u@127.0.0.1:25?from=a@example.com"},
	} {
		s := startServe(t, nil, append(args, dir)...)
		<-s.exited
		require.Equal(t, exitUsage, s.code, want)
		require.Contains(t, logText(s.stderr), want)
		require.NotContains(t, logText(s.stderr), "hunter2")
	}
	s := startServe(t, map[string]string{"SMOKEX_SMTP_URL": "smtp://u:hunter2@127.0.0.1:25?from=nope"}, dir)
	<-s.exited
	require.Equal(t, exitUsage, s.code)
	require.Contains(t, logText(s.stderr), "the SMTP URL: email: From is not an address")
	require.NotContains(t, logText(s.stderr), "hunter2")
}

func TestServeChatAlerts(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer target.Close()
	slackRV := notifytest.NewReceiver(t, http.StatusOK)
	teamsRV := notifytest.NewReceiver(t, http.StatusAccepted)
	discordRV := notifytest.NewReceiver(t, http.StatusNoContent)
	dir := t.TempDir()
	writePlan(t, dir, "flaky.yaml", flakyPlan, target.URL)
	s := startServe(t, nil, "--slack-webhook", slackRV.URL, "--teams-webhook", teamsRV.URL,
		"--discord-webhook", discordRV.URL, dir)
	for _, target := range []string{"slack", "teams", "discord"} {
		s.waitLog(t, `msg="notify: alert sent" target=`+target+` plan=flaky execution=\S+ transition=failing`)
	}
	require.Equal(t, 0, s.stop(t))
	require.Equal(t, "🔴 flaky is failing", slackRV.Next(t).JSON(t)["blocks"].([]any)[0].(map[string]any)["text"].(map[string]any)["text"])
	require.Equal(t, "message", teamsRV.Next(t).JSON(t)["type"])
	require.Equal(t, "flaky is failing", discordRV.Next(t).JSON(t)["embeds"].([]any)[0].(map[string]any)["title"])
	require.Zero(t, slackRV.Pending()+teamsRV.Pending()+discordRV.Pending(), "one alert each while it keeps failing")
}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestServeAlertLinksDefaultToAddr: without --base-url, alerts link to the
// --addr URL, as the help says; an --addr on every interface has no such
// URL, and serve says at start that alerts need --base-url for links.
func TestServeAlertLinksDefaultToAddr(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	hooks := &hookReceiver{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	dir := t.TempDir()
	writePlan(t, dir, "down.yaml", "name: down\nschedule: \"@every 1s\"\nsteps:\n  - get: {url: \"{{URL}}/fail\"}\n", srv.URL)
	env := map[string]string{"SMOKEX_WEBHOOK_SECRET": "hook-secret"}

	addr := freeAddr(t, "127.0.0.1")
	s := startServe(t, env, "--webhook", receiver.URL+"/hook", "--addr", addr, dir)
	s.waitLog(t, `msg="notify: alert sent" target=webhook plan=down execution=\S+ transition=failing`)
	require.Equal(t, 0, s.stop(t), logText(s.stderr))
	require.Empty(t, hooks.bad)
	hooks.mu.Lock()
	links := hooks.events[0]["links"].(map[string]any)
	hooks.mu.Unlock()
	require.Equal(t, "http://"+addr+"/plans/down", links["plan"])
	require.True(t, strings.HasPrefix(links["execution"].(string), "http://"+addr+"/executions/"), links["execution"])
	require.NotContains(t, logText(s.stderr), "no links")

	_, port, err := net.SplitHostPort(freeAddr(t, "127.0.0.1"))
	require.NoError(t, err)
	s = startServe(t, env, "--webhook", receiver.URL+"/hook", "--addr", ":"+port, dir)
	s.waitLog(t, `alerts will have no links to the dashboard: --addr :`+port+` listens on every interface[^\n]*give --base-url`)
	// The warning comes before the plans are loaded: a signal then would
	// cut the loading short, so the test stops serve once it listens.
	s.waitLog(t, `msg="smokex serve: listening"`)
	require.Equal(t, 0, s.stop(t), logText(s.stderr))
}
