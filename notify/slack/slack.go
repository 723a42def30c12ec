package slack

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/httpsend"
	"github.com/smokex/smokex/notify/internal/markup"
)

// Config configures a Slack notifier.
type Config struct {
	// WebhookURL is the channel's incoming webhook
	// (https://hooks.slack.com/services/...), or a proxy or test server in
	// its place. It is a secret: errors name only its host. Required.
	WebhookURL string
	// Client sends the requests. Defaults to http.DefaultClient.
	Client *http.Client
}

// Validate names the field that is wrong.
func (c *Config) Validate() error {
	return httpsend.CheckURL("slack: WebhookURL", c.WebhookURL)
}

// Notifier posts events to a Slack channel.
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

// Provider returns "slack".
func (n *Notifier) Provider() string { return "slack" }

// Notify posts the event's message.
func (n *Notifier) Notify(ctx context.Context, e *notify.Event) error {
	return httpsend.PostJSON(ctx, n.cfg.Client, "slack", n.cfg.WebhookURL, Message(e), nil)
}

// Payload is an incoming webhook's body.
type Payload struct {
	// Text is the notification's fallback text.
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit block: header, section, context or actions.
type Block struct {
	Type     string    `json:"type"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a text object, plain_text or mrkdwn.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Element is a button of an actions block, or a text of a context block.
type Element struct {
	Type  string `json:"type"`
	Text  any    `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

// Message returns the Block Kit message of e, shaped like the original
// Smokex's: a header with the plan and the transition; started, finished,
// trigger and duration; the failed step with each failure's expected and
// received values, or its error; buttons "View execution" and "View plan"
// when the event has links.
func Message(e *notify.Event) *Payload {
	p := &Payload{Text: markup.Slack(e.Summary())}
	p.Blocks = append(p.Blocks, Block{Type: "header", Text: &Text{"plain_text", httpsend.Cut(icon(e.Transition)+" "+e.Headline(), 150)}})
	if facts := e.Facts(); len(facts) > 0 {
		fields := make([]Text, len(facts))
		for i, f := range facts {
			fields[i] = Text{"mrkdwn", "*" + f.Name + "*\n" + markup.Slack(f.Value)}
		}
		p.Blocks = append(p.Blocks, Block{Type: "section", Fields: fields})
	}
	if d := failed(e); d != "" {
		p.Blocks = append(p.Blocks, Block{Type: "section", Text: &Text{"mrkdwn", httpsend.Cut(d, 3000)}})
	}
	var buttons []Element
	if e.Links.Execution != "" {
		buttons = append(buttons, Element{Type: "button", Text: Text{"plain_text", "View execution"}, URL: e.Links.Execution, Style: style(e.Transition)})
	}
	if e.Links.Plan != "" {
		buttons = append(buttons, Element{Type: "button", Text: Text{"plain_text", "View plan"}, URL: e.Links.Plan})
	}
	if len(buttons) > 0 {
		p.Blocks = append(p.Blocks, Block{Type: "actions", Elements: buttons})
	}
	return p
}

// failed describes the failed step in mrkdwn, empty when none failed.
func failed(e *notify.Event) string {
	r := e.FailedStep
	if r == nil {
		if e.Execution != nil && e.Execution.Error != nil {
			return "*Error*\n" + markup.Slack(e.Execution.Error.Error())
		}
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*", markup.Slack(e.StepTitle()))
	if r.Method != "" || r.URL != "" {
		fmt.Fprintf(&b, "\n`%s %s`", markup.Slack(r.Method), markup.Slack(r.URL))
	}
	for _, f := range r.Failures {
		what := f.What()
		fmt.Fprintf(&b, "\n• %s: expected `%s`, received `%s`", markup.Slack(what), markup.Slack(f.Expected), markup.Slack(f.Received))
	}
	if r.Error != nil {
		fmt.Fprintf(&b, "\n• %s", markup.Slack(r.Error.Error()))
	}
	return b.String()
}

func icon(t notify.Transition) string {
	switch t {
	case notify.TransitionFailing:
		return "🔴"
	case notify.TransitionStillFailing:
		return "🟠"
	}
	return "🟢"
}

func style(t notify.Transition) string {
	if t.Bad() {
		return "danger"
	}
	return "primary"
}
