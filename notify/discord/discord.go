package discord

import (
	"context"
	"net/http"
	"strings"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/httpsend"
	"github.com/smokex/smokex/notify/internal/markup"
)

// The colors of the embeds.
const (
	ColorFailing = 0xD93F0B
	ColorStill   = 0xFBCA04
	ColorGood    = 0x2EA44F
)

// Config configures a Discord notifier.
type Config struct {
	// WebhookURL is the channel's webhook
	// (https://discord.com/api/webhooks/...), or a proxy or test server in
	// its place. It is a secret: errors name only its host. Required.
	WebhookURL string
	// Username overrides the webhook's name. Defaults to "smokex".
	Username string
	// Client sends the requests. Defaults to http.DefaultClient.
	Client *http.Client
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	return httpsend.CheckURL("discord: WebhookURL", c.WebhookURL)
}

// Notifier posts events to a Discord channel as embeds.
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
	if cfg.Username == "" {
		cfg.Username = "smokex"
	}
	return &Notifier{cfg: cfg}, nil
}

// Provider returns "discord".
func (n *Notifier) Provider() string { return "discord" }

// Notify posts the event's embed.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	return httpsend.PostJSON(ctx, n.cfg.Client, "discord", n.cfg.WebhookURL, Message(e, n.cfg.Username), nil)
}

// Payload is a webhook message.
type Payload struct {
	Username string  `json:"username,omitempty"`
	Embeds   []Embed `json:"embeds"`
	// AllowedMentions is empty, so that text from a target's answer
	// cannot ping anyone.
	AllowedMentions AllowedMentions `json:"allowed_mentions"`
}

// AllowedMentions lists the mentions Discord may resolve.
type AllowedMentions struct {
	Parse []string `json:"parse"`
}

// Embed is a rich message.
type Embed struct {
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	URL         string  `json:"url,omitempty"`
	Color       int     `json:"color"`
	Timestamp   string  `json:"timestamp,omitempty"`
	Fields      []Field `json:"fields,omitempty"`
	Footer      *Footer `json:"footer,omitempty"`
}

// Field is a name and a value of an embed.
type Field struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Footer is the embed's footer.
type Footer struct {
	Text string `json:"text"`
}

// Message returns the webhook message of e: one embed titled with the
// plan and the transition, linking to the execution's page, colored by
// the transition, with the execution's facts as inline fields and the
// failed step with its failures as the description.
func Message(e *notify.Event, username string) *Payload {
	em := Embed{
		Title:  httpsend.Cut(markup.Markdown(e.Headline()), 256),
		URL:    e.Links.Execution,
		Color:  ColorGood,
		Footer: &Footer{Text: "smokex · " + e.Plan.ID},
	}
	switch e.Transition {
	case notify.TransitionFailing:
		em.Color = ColorFailing
	case notify.TransitionStillFailing:
		em.Color = ColorStill
	}
	if !e.Time.IsZero() {
		em.Timestamp = e.Time.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	var desc []string
	if title := e.StepTitle(); title != "" {
		desc = append(desc, "**"+markup.Markdown(title)+"**")
	}
	for _, l := range e.FailureLines() {
		desc = append(desc, "• "+markup.Markdown(l))
	}
	em.Description = httpsend.Cut(strings.Join(desc, "\n"), 4096)
	for _, f := range e.Facts() {
		em.Fields = append(em.Fields, Field{Name: f.Name, Value: f.Value, Inline: true})
	}
	if e.Links.Plan != "" {
		em.Fields = append(em.Fields, Field{Name: "Plan", Value: "[View plan](" + e.Links.Plan + ")"})
	}
	return &Payload{Username: username, Embeds: []Embed{em}, AllowedMentions: AllowedMentions{Parse: []string{}}}
}
