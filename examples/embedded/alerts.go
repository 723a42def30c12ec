package main

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/webhook"
)

// alertsPath is where the service receives its own alerts.
const alertsPath = "/hooks/smokex"

// alerts is the alert policy of the service: every plan's alerts go to
// the webhook at hookURL, signed with secret, linking to the dashboard at
// dashboard. A real service would add Slack or PagerDuty targets here,
// routed by the plans' team label.
func alerts(hookURL, secret, dashboard string) (*notify.PolicyConfig, error) {
	hook, err := webhook.New(webhook.Config{URL: hookURL, Secret: secret})
	if err != nil {
		return nil, err
	}
	return &notify.PolicyConfig{
		Targets: []notify.Target{{Name: "own-webhook", Notifier: hook}},
		BaseURL: dashboard,
	}, nil
}

// alertReceiver is the service's own webhook receiver: it checks each
// alert's signature, as any receiver should, and logs it.
func alertReceiver(secret string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, webhook.DefaultMaxAge); err != nil {
			log.Warn("alert rejected", "error", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var e notify.Event
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.Info("alert received", "plan", e.Plan.ID, "transition", e.Transition,
			"summary", e.Summary(), "execution", e.Links.Execution)
		w.WriteHeader(http.StatusNoContent)
	})
}

// newSecret returns a random webhook secret for this run.
func newSecret() string { return rand.Text() }
