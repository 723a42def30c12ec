package teams

import (
	"context"
	"net/http"
	"strings"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/httpsend"
	"github.com/smokex/smokex/notify/internal/markup"
)

// Config configures a Microsoft Teams notifier.
type Config struct {
	// WebhookURL is the URL of a Teams workflow ("Post to a channel when a
	// webhook request is received"), or a proxy or test server in its
	// place. It is a secret: errors name only its host. Required.
	WebhookURL string
	// Client sends the requests. Defaults to http.DefaultClient.
	Client *http.Client
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	return httpsend.CheckURL("teams: WebhookURL", c.WebhookURL)
}

// Notifier posts events to a Teams channel as Adaptive Cards.
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
	return &Notifier{cfg: cfg}, nil
}

// Provider returns "teams".
func (n *Notifier) Provider() string { return "teams" }

// Notify posts the event's card.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	return httpsend.PostJSON(ctx, n.cfg.Client, "teams", n.cfg.WebhookURL, Message(e), nil)
}

// Payload is the body a workflow webhook takes: a message with one
// Adaptive Card attachment.
type Payload struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment carries the card.
type Attachment struct {
	ContentType string `json:"contentType"`
	ContentURL  any    `json:"contentUrl"`
	Content     *Card  `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Schema  string    `json:"$schema"`
	Type    string    `json:"type"`
	Version string    `json:"version"`
	Body    []Element `json:"body"`
	Actions []Action  `json:"actions,omitempty"`
	MSTeams *MSTeams  `json:"msteams,omitempty"`
}

// MSTeams holds the card's Teams options.
type MSTeams struct {
	Width string `json:"width,omitempty"`
}

// Element is a TextBlock or a FactSet.
type Element struct {
	Type   string `json:"type"`
	Text   string `json:"text,omitempty"`
	Size   string `json:"size,omitempty"`
	Weight string `json:"weight,omitempty"`
	Color  string `json:"color,omitempty"`
	Wrap   bool   `json:"wrap,omitempty"`
	Facts  []Fact `json:"facts,omitempty"`
}

// Fact is a line of a FactSet.
type Fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Action is an Action.OpenUrl button.
type Action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Message returns the workflow payload of e: a card with a title naming
// the plan and the transition (in the attention color when it is bad), a
// fact set of the execution, the failed step and its failures, and
// buttons to the admin pages when the event has links.
func Message(e *notify.Event) *Payload {
	color := "Good"
	if e.Transition.Bad() {
		color = "Attention"
	}
	card := &Card{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		MSTeams: &MSTeams{Width: "Full"},
		Body: []Element{{
			Type: "TextBlock", Text: markup.Markdown(e.Headline()),
			Size: "Large", Weight: "Bolder", Color: color, Wrap: true,
		}},
	}
	if facts := e.Facts(); len(facts) > 0 {
		set := Element{Type: "FactSet"}
		for _, f := range facts {
			set.Facts = append(set.Facts, Fact{f.Name, f.Value})
		}
		card.Body = append(card.Body, set)
	}
	if title := e.StepTitle(); title != "" {
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: markup.Markdown(title), Weight: "Bolder", Wrap: true})
	}
	if lines := e.FailureLines(); len(lines) > 0 {
		for i, l := range lines {
			lines[i] = markup.Markdown(l)
		}
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: "- " + strings.Join(lines, "\n- "), Wrap: true})
	}
	if e.Links.Execution != "" {
		card.Actions = append(card.Actions, Action{"Action.OpenUrl", "View execution", e.Links.Execution})
	}
	if e.Links.Plan != "" {
		card.Actions = append(card.Actions, Action{"Action.OpenUrl", "View plan", e.Links.Plan})
	}
	return &Payload{Type: "message", Attachments: []Attachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content:     card,
	}}}
}
