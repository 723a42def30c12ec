//go:build !slim

package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/discord"
	"github.com/smokex/smokex/notify/email"
	"github.com/smokex/smokex/notify/pagerduty"
	"github.com/smokex/smokex/notify/slack"
	"github.com/smokex/smokex/notify/teams"
	"github.com/smokex/smokex/notify/webhook"
)

// The environment serve reads the alerts' secrets from, so that they stay
// off the command line.
const (
	webhookSecretEnv       = "SMOKEX_WEBHOOK_SECRET"
	smtpURLEnv             = "SMOKEX_SMTP_URL"
	pagerdutyRoutingKeyEnv = "SMOKEX_PAGERDUTY_ROUTING_KEY"
)

// alertFlags are the flags of serve that configure alerts: targets, and
// the rules of notify.Rules one to one.
type alertFlags struct {
	slackWebhook string
	webhook      string
	teams        string
	discord      string
	smtpURL      string
	rules        notify.Rules
	// incidents makes every target but PagerDuty hear about the updates
	// of the incidents people write (notify.Target.Incidents).
	incidents   bool
	maintenance maintenanceFlag
}

// define adds the alert flags to fs.
func (f *alertFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.slackWebhook, "slack-webhook", "", "post alerts to the Slack incoming webhook at `URL`")
	fs.StringVar(&f.webhook, "webhook", "", "post alerts as JSON to `URL`, signed with $"+webhookSecretEnv+" when set")
	fs.StringVar(&f.teams, "teams-webhook", "", "post alerts to the Microsoft Teams workflow webhook at `URL`")
	fs.StringVar(&f.discord, "discord-webhook", "", "post alerts to the Discord channel webhook at `URL`")
	fs.StringVar(&f.smtpURL, "smtp-url", "", "e-mail alerts through `URL` smtp://user@host:587?from=ADDR&to=ADDR,... (default $"+smtpURLEnv+", where the password goes)")
	fs.IntVar(&f.rules.AlertAfter, "alert-after", 0, "alert after `N` failed executions in a row (default 1)")
	fs.IntVar(&f.rules.MinFailingLocations, "alert-min-locations", 0, "a plan with locations is failing when `N` of them failed their latest run, and recovers when fewer fail; a plan's alerts.min_failing_locations wins (default 1)")
	fs.IntVar(&f.rules.RecoverAfter, "recover-after", 0, "announce a recovery after `N` passed executions in a row (default 1)")
	fs.BoolVar(&f.rules.NoRecoveryAlerts, "no-recovery-alerts", false, "do not announce that a failing plan recovered")
	fs.BoolVar(&f.rules.AlertOnSuccess, "alert-on-success", false, "announce every passed execution too")
	fs.BoolVar(&f.rules.AlertOnDegraded, "alert-on-degraded", false, "announce a plan that turns degraded (passed, but slower than its degraded_after)")
	fs.BoolVar(&f.rules.BurnRateAlerts, "alert-burn-rate", false, "announce a plan with an slo that burns its error budget too fast: 14.4 times the pace over the last hour and 5 minutes, or 6 times over the last 6 hours and 30 minutes")
	fs.TextVar(&f.rules.FlakyAfter, "alert-flaky-after", notify.FlakyAfter{}, "announce a plan that was flaky (up only after a retry) in `N/M` of its last executions, as 3/10 (default never)")
	fs.BoolVar(&f.incidents, "alert-incidents", false, "also send the updates of the incidents people write (--allow-incidents) to the alert targets, PagerDuty excepted")
	fs.DurationVar(&f.rules.Reminder, "alert-reminder", 0, "remind that a plan keeps failing every `duration` (default never)")
	fs.Var(&f.maintenance, "maintenance", "a maintenance window for every plan, `cron=SPEC,duration=D,tz=ZONE` as 'cron=0 2 * * SUN,duration=1h,tz=Europe/Berlin' (repeatable): executions that finish in it are marked and alert nothing")
}

// check reports the first alert flag with a value that cannot work.
func (f *alertFlags) check() error {
	switch {
	case f.rules.AlertAfter < 0:
		return fmt.Errorf("--alert-after must not be negative, not %d", f.rules.AlertAfter)
	case f.rules.RecoverAfter < 0:
		return fmt.Errorf("--recover-after must not be negative, not %d", f.rules.RecoverAfter)
	case f.rules.MinFailingLocations < 0:
		return fmt.Errorf("--alert-min-locations must not be negative, not %d", f.rules.MinFailingLocations)
	case f.rules.Reminder < 0:
		return fmt.Errorf("--alert-reminder must not be negative, not %s", f.rules.Reminder)
	}
	if u, err := url.Parse(f.smtpURL); err == nil && u.User != nil {
		if _, set := u.User.Password(); set {
			return errors.New("--smtp-url must not hold a password, which the command line shows to every user of the machine: put the URL in " + smtpURLEnv)
		}
	}
	return nil
}

// policy returns the alert policy of the flags and the environment, nil
// when no target is given. baseURL is --base-url (serve_admin.go), for the
// links in alerts.
func (f *alertFlags) policy(lookupEnv func(string) (string, bool), baseURL string) (*notify.PolicyConfig, error) {
	client := &http.Client{Timeout: notify.DefaultAttemptTimeout + time.Second}
	var targets []notify.Target
	if f.slackWebhook != "" {
		n, err := slack.New(slack.Config{WebhookURL: f.slackWebhook, Client: client})
		if err != nil {
			return nil, fmt.Errorf("--slack-webhook: %w", err)
		}
		targets = append(targets, notify.Target{Name: "slack", Notifier: n})
	}
	if f.webhook != "" {
		secret, _ := lookupEnv(webhookSecretEnv)
		n, err := webhook.New(webhook.Config{URL: f.webhook, Secret: secret, Client: client})
		if err != nil {
			return nil, fmt.Errorf("--webhook: %w", err)
		}
		targets = append(targets, notify.Target{Name: "webhook", Notifier: n})
	}
	if f.teams != "" {
		n, err := teams.New(teams.Config{WebhookURL: f.teams, Client: client})
		if err != nil {
			return nil, fmt.Errorf("--teams-webhook: %w", err)
		}
		targets = append(targets, notify.Target{Name: "teams", Notifier: n})
	}
	if f.discord != "" {
		n, err := discord.New(discord.Config{WebhookURL: f.discord, Client: client})
		if err != nil {
			return nil, fmt.Errorf("--discord-webhook: %w", err)
		}
		targets = append(targets, notify.Target{Name: "discord", Notifier: n})
	}
	smtpURL := f.smtpURL
	if smtpURL == "" {
		smtpURL, _ = lookupEnv(smtpURLEnv)
	}
	if smtpURL != "" {
		cfg, err := email.ParseURL(smtpURL)
		if err == nil {
			var n *email.Notifier
			if n, err = email.New(cfg); err == nil {
				targets = append(targets, notify.Target{Name: "email", Notifier: n})
			}
		}
		if err != nil {
			return nil, fmt.Errorf("the SMTP URL: %w", err)
		}
	}
	if key, _ := lookupEnv(pagerdutyRoutingKeyEnv); key != "" {
		n, err := pagerduty.New(pagerduty.Config{RoutingKey: key, Client: client})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pagerdutyRoutingKeyEnv, err)
		}
		targets = append(targets, notify.Target{Name: "pagerduty", Notifier: n})
	}
	if len(targets) == 0 {
		if f.rules != (notify.Rules{}) {
			return nil, errors.New("--alert-after, --recover-after, --no-recovery-alerts, --alert-on-success, --alert-on-degraded, --alert-flaky-after, --alert-burn-rate and --alert-reminder need an alert target (--webhook, --slack-webhook, --smtp-url or $" + smtpURLEnv + ", $" + pagerdutyRoutingKeyEnv + ")")
		}
		if len(f.maintenance) == 0 {
			return nil, nil
		}
		// No target: the windows still mark the executions, which
		// then stay out of the plans' uptime.
	}
	for i := range targets {
		targets[i].Incidents = f.incidents && targets[i].Name != "pagerduty"
	}
	return &notify.PolicyConfig{Targets: targets, Rules: f.rules, BaseURL: baseURL, Maintenance: f.maintenance}, nil
}
