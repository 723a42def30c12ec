package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/webhook"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T, endpoint string) notify.Notifier {
		n, err := webhook.New(webhook.Config{URL: endpoint, Secret: "s", Client: notifytest.Client(t)})
		require.NoError(t, err)
		return n
	})
}

func TestPayloadAndSignature(t *testing.T) {
	t.Parallel()
	rv := notifytest.NewReceiver(t, http.StatusNoContent)
	n, err := webhook.New(webhook.Config{URL: rv.URL + "/hook", Secret: "topsecret", Header: http.Header{"X-Team": {"payments"}}})
	require.NoError(t, err)
	e := notifytest.Events()[0]
	require.NoError(t, n.Notify(t.Context(), e))
	c := rv.Next(t)
	require.Equal(t, http.MethodPost, c.Method)
	require.Equal(t, "/hook", c.Path)

	require.Equal(t, "application/json", c.Header.Get("Content-Type"))
	require.Equal(t, "failing", c.Header.Get(webhook.EventHeader))
	require.Equal(t, "payments", c.Header.Get("X-Team"))
	require.NoError(t, webhook.Verify("topsecret", c.Header.Get(webhook.SignatureHeader), c.Body, time.Minute))
	require.ErrorIs(t, webhook.Verify("other", c.Header.Get(webhook.SignatureHeader), c.Body, time.Minute), webhook.ErrBadSignature)
	tampered := []byte(strings.Replace(string(c.Body), "failing", "passed!", 1))
	require.ErrorIs(t, webhook.Verify("topsecret", c.Header.Get(webhook.SignatureHeader), tampered, time.Minute), webhook.ErrBadSignature)
	require.NotContains(t, string(c.Body), "topsecret")

	var body map[string]any
	require.NoError(t, json.Unmarshal(c.Body, &body))
	require.Equal(t, "x1:failing", body["id"])
	require.Equal(t, "failing", body["transition"])
	require.Equal(t, "2026-03-14T15:09:28Z", body["time"])
	require.Equal(t, map[string]any{"id": "checkout", "name": "Checkout API", "labels": map[string]any{"team": "payments"}}, body["plan"])
	x := body["execution"].(map[string]any)
	require.Equal(t, "x1", x["id"])
	require.Equal(t, "failed", x["status"])
	require.Equal(t, "schedule", x["trigger"])
	require.Equal(t, "2026-03-14T15:09:27Z", x["started_at"])
	require.Equal(t, "2026-03-14T15:09:27.5Z", x["finished_at"])
	require.Len(t, x["steps"], 2)
	step := body["failed_step"].(map[string]any)
	require.Equal(t, "pay", step["name"])
	require.Equal(t, float64(1), step["index"])
	failures := step["failures"].([]any)
	first := failures[0].(map[string]any)
	for k, v := range map[string]any{"type": "status_code", "name": "status_code", "expected": "200", "received": "503"} {
		require.Equal(t, v, first[k], k)
	}
	require.Equal(t, "upstream <b>unavailable</b> & more", step["response"].(map[string]any)["body"])
	require.Equal(t, float64(1), body["consecutive_failures"])
	require.Equal(t, float64(0), body["consecutive_passes"])
	require.Equal(t, "2026-03-14T15:09:26Z", body["failing_since"])
	require.Equal(t, map[string]any{
		"execution": "https://ops.example.com/smokex/executions/x1",
		"plan":      "https://ops.example.com/smokex/plans/checkout",
	}, body["links"])

	// The Go receiver decodes it back.
	var back notify.Event
	require.NoError(t, json.Unmarshal(c.Body, &back))
	require.Equal(t, e.ID, back.ID)
	require.Equal(t, e.Execution.ID, back.Execution.ID)
	require.Equal(t, e.FailedStep.Failures, back.FailedStep.Failures)
}

func TestUnsigned(t *testing.T) {
	t.Parallel()
	rv := notifytest.NewReceiver(t, http.StatusOK)
	n, err := webhook.New(webhook.Config{URL: rv.URL + "/hook"})
	require.NoError(t, err)
	require.NoError(t, n.Notify(t.Context(), notifytest.Events()[2]))
	c := rv.Next(t)
	require.Empty(t, c.Header.Get(webhook.SignatureHeader))
	require.Equal(t, "recovered", c.Header.Get(webhook.EventHeader))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"x"}`)
	now := time.Now()
	sig := webhook.Sign("k", now, body)
	require.Regexp(t, `^t=\d+,v1=[0-9a-f]{64}$`, sig)
	require.NoError(t, webhook.Verify("k", sig, body, 0))
	// Several v1 values, for a secret being rotated.
	rotated := webhook.Sign("old", now, body) + "," + strings.SplitN(sig, ",", 2)[1]
	require.NoError(t, webhook.Verify("k", rotated, body, 0))

	old := webhook.Sign("k", now.Add(-10*time.Minute), body)
	require.ErrorIs(t, webhook.Verify("k", old, body, 5*time.Minute), webhook.ErrTooOld)
	require.NoError(t, webhook.Verify("k", old, body, -1), "a negative maxAge skips the check")
	future := webhook.Sign("k", now.Add(10*time.Minute), body)
	require.ErrorIs(t, webhook.Verify("k", future, body, 5*time.Minute), webhook.ErrTooOld)

	for _, h := range []string{"", "garbage", "t=abc,v1=00", "t=" + strconv.FormatInt(now.Unix(), 10), "v1=abcd"} {
		require.ErrorIs(t, webhook.Verify("k", h, body, 0), webhook.ErrNoSignature, h)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]string{
		"":                 "webhook: URL is required",
		"ftp://x/y":        "must be an absolute http or https URL",
		"/relative":        "must be an absolute http or https URL",
		"http://[::1]:bad": "webhook: URL is not a URL",
	} {
		_, err := webhook.New(webhook.Config{URL: url})
		require.ErrorContains(t, err, want, url)
	}
}

func TestErrorsHideTheURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T000/B000/very-secret-token"
	srv.Close()
	n, err := webhook.New(webhook.Config{URL: url})
	require.NoError(t, err)
	err = n.Notify(t.Context(), notifytest.Events()[0])
	require.Error(t, err)
	require.NotContains(t, err.Error(), "very-secret-token")
}
