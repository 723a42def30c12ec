package pagerduty

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/httpsend"
)

// DefaultURL is the Events API v2 endpoint.
const DefaultURL = "https://events.pagerduty.com/v2/enqueue"

// Config configures a PagerDuty notifier.
type Config struct {
	// RoutingKey is the integration key of the service (Events API v2).
	// It is a secret: it is sent in the body, never logged. Required.
	RoutingKey string
	// URL is the endpoint. Defaults to DefaultURL.
	URL string
	// Severity of triggered alerts: critical, error, warning or info.
	// Defaults to "critical".
	Severity string
	// Source names the monitoring system in the alert. Defaults to
	// "smokex".
	Source string
	// Client sends the requests. Defaults to http.DefaultClient.
	Client *http.Client
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	if strings.TrimSpace(c.RoutingKey) == "" {
		return fmt.Errorf("pagerduty: RoutingKey is required")
	}
	if c.URL != "" {
		if err := httpsend.CheckURL("pagerduty: URL", c.URL); err != nil {
			return err
		}
	}
	switch c.Severity {
	case "", "critical", "error", "warning", "info":
	default:
		return fmt.Errorf("pagerduty: Severity must be critical, error, warning or info, got %q", c.Severity)
	}
	return nil
}

// Notifier sends events to PagerDuty: a failing plan triggers an alert
// whose dedup key is the plan's, so that reminders update the same
// incident; its recovery resolves it. Passed events are not sent.
type Notifier struct {
	cfg Config
}

var (
	_ notify.Notifier = (*Notifier)(nil)
	_ notify.Provider = (*Notifier)(nil)
)

// New checks cfg and returns the notifier.
func New(cfg Config) (*Notifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.Severity == "" {
		cfg.Severity = "critical"
	}
	if cfg.Source == "" {
		cfg.Source = "smokex"
	}
	return &Notifier{cfg: cfg}, nil
}

// Provider returns "pagerduty".
func (n *Notifier) Provider() string { return "pagerduty" }

// DedupKey is the dedup key of a plan's alerts: "smokex/<plan id>".
func DedupKey(planID string) string { return "smokex/" + planID }

// Event is an Events API v2 event.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key"`
	Payload     *Payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
	Links       []Link   `json:"links,omitempty"`
}

// Payload describes a triggered alert.
type Payload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// Link is a link in PagerDuty's alert.
type Link struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// Build returns the Events API event of e, nil for a transition PagerDuty
// is not told (passed).
func (n *Notifier) Build(e *notify.Event) *Event {
	ev := &Event{RoutingKey: n.cfg.RoutingKey, DedupKey: DedupKey(e.Plan.ID)}
	switch e.Transition {
	case notify.TransitionRecovered:
		ev.EventAction = "resolve"
		return ev
	case notify.TransitionFailing, notify.TransitionStillFailing:
		ev.EventAction = "trigger"
	default:
		return nil
	}
	details := map[string]any{
		"transition":           string(e.Transition),
		"plan_id":              e.Plan.ID,
		"consecutive_failures": e.ConsecutiveFailures,
	}
	if x := e.Execution; x != nil {
		details["execution_id"] = x.ID
		details["trigger"] = string(x.Trigger)
		details["status"] = string(x.Status)
	}
	if lines := e.FailureLines(); len(lines) > 0 {
		details["failures"] = lines
	}
	if e.FailedStep != nil {
		details["step"] = e.FailedStep.Name
	}
	if len(e.Plan.Labels) > 0 {
		details["labels"] = e.Plan.Labels
	}
	ev.Payload = &Payload{
		Summary:       httpsend.Cut(e.Summary(), 1024),
		Source:        n.cfg.Source,
		Severity:      n.cfg.Severity,
		Timestamp:     e.Time.UTC().Format(time.RFC3339),
		Component:     e.Plan.ID,
		Group:         e.Plan.Labels["team"],
		CustomDetails: details,
	}
	if r := e.FailedStep; r != nil {
		if len(r.Failures) > 0 {
			ev.Payload.Class = string(r.Failures[0].Type)
		} else if r.Error != nil {
			ev.Payload.Class = string(r.Error.Kind)
		}
	}
	ev.Client = "smokex"
	if e.Links.Execution != "" {
		ev.ClientURL = e.Links.Execution
		ev.Links = append(ev.Links, Link{e.Links.Execution, "View execution"})
	}
	if e.Links.Plan != "" {
		ev.Links = append(ev.Links, Link{e.Links.Plan, "View plan"})
	}
	return ev
}

// Notify triggers or resolves the plan's alert.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	ev := n.Build(e)
	if ev == nil {
		return ctx.Err()
	}
	return httpsend.PostJSON(ctx, n.cfg.Client, "pagerduty", n.cfg.URL, ev, nil)
}
