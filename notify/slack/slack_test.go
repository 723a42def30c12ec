package slack_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/slack"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T, endpoint string) notify.Notifier {
		n, err := slack.New(slack.Config{WebhookURL: endpoint, Client: notifytest.Client(t)})
		require.NoError(t, err)
		return n
	})
}

// post sends e through a Slack notifier to a test server and returns the
// JSON it received.
func post(t *testing.T, e *notify.Event) map[string]any {
	t.Helper()
	rv := notifytest.NewReceiver(t, http.StatusOK)
	n, err := slack.New(slack.Config{WebhookURL: rv.URL + "/services/T/B/X", Client: rv.Client()})
	require.NoError(t, err)
	require.NoError(t, n.Notify(t.Context(), e))
	r := rv.Next(t)
	require.Equal(t, "/services/T/B/X", r.Path)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return r.JSON(t)
}

func TestFailingMessage(t *testing.T) {
	t.Parallel()
	m := post(t, notifytest.Events()[0])
	require.Equal(t, `Checkout API is failing: step 2 "pay": status_code expected 200, received 503`, m["text"])
	blocks := m["blocks"].([]any)
	require.Len(t, blocks, 4)
	require.Equal(t, map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": "🔴 Checkout API is failing"}}, blocks[0])
	require.Equal(t, map[string]any{"type": "section", "fields": []any{
		map[string]any{"type": "mrkdwn", "text": "*Started*\n2026-03-14 15:09:27 UTC"},
		map[string]any{"type": "mrkdwn", "text": "*Finished*\n2026-03-14 15:09:27 UTC"},
		map[string]any{"type": "mrkdwn", "text": "*Trigger*\nschedule"},
		map[string]any{"type": "mrkdwn", "text": "*Duration*\n500ms"},
	}}, blocks[1])
	require.Equal(t, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*Step 2 \"pay\" failed*\n" +
		"`POST https://api.example.com/pay`\n" +
		"• status_code: expected `200`, received `503`\n" +
		"• json $.status: expected `\"ok\"`, received `(not JSON)`"}}, blocks[2])
	require.Equal(t, map[string]any{"type": "actions", "elements": []any{
		map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "View execution"}, "url": "https://ops.example.com/smokex/executions/x1", "style": "danger"},
		map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "View plan"}, "url": "https://ops.example.com/smokex/plans/checkout"},
	}}, blocks[3])
}

func TestOtherMessages(t *testing.T) {
	t.Parallel()
	events := notifytest.Events()

	still := post(t, events[1])["blocks"].([]any)
	require.Equal(t, "🟠 Checkout API is still failing", still[0].(map[string]any)["text"].(map[string]any)["text"])
	require.Equal(t, "*Step 2 \"pay\" failed*\n`POST https://api.example.com/pay`\n• timeout: no answer within 5s",
		still[2].(map[string]any)["text"].(map[string]any)["text"])

	rec := post(t, events[2])
	require.Equal(t, "Checkout API is recovered", rec["text"])
	blocks := rec["blocks"].([]any)
	require.Len(t, blocks, 3, "header, times, buttons: nothing failed")
	require.Equal(t, "🟢 Checkout API is recovered", blocks[0].(map[string]any)["text"].(map[string]any)["text"])
	require.Equal(t, "primary", blocks[2].(map[string]any)["elements"].([]any)[0].(map[string]any)["style"])

	passed := post(t, events[3])["blocks"].([]any)
	buttons := passed[len(passed)-1].(map[string]any)["elements"].([]any)
	require.Len(t, buttons, 1, "only a plan link")
	require.Equal(t, "View plan", buttons[0].(map[string]any)["text"].(map[string]any)["text"])

	whole := post(t, events[4])["blocks"].([]any)
	require.Equal(t, "*Error*\nrequest: secret source unavailable", whole[2].(map[string]any)["text"].(map[string]any)["text"])
}

func TestEscapesMarkup(t *testing.T) {
	t.Parallel()
	e := notifytest.Events()[0]
	e.FailedStep.Failures[0].Received = "<!channel> & <http://evil|x>"
	text := post(t, e)["blocks"].([]any)[2].(map[string]any)["text"].(map[string]any)["text"].(string)
	require.Contains(t, text, "received `&lt;!channel&gt; &amp; &lt;http://evil|x&gt;`")
}

func TestNoLinksNoButtons(t *testing.T) {
	t.Parallel()
	e := notifytest.Events()[0]
	e.Links = notify.Links{}
	blocks := post(t, e)["blocks"].([]any)
	require.Len(t, blocks, 3)
	for _, b := range blocks {
		require.NotEqual(t, "actions", b.(map[string]any)["type"])
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := slack.New(slack.Config{})
	require.ErrorContains(t, err, "slack: WebhookURL is required")
	_, err = slack.New(slack.Config{WebhookURL: "hooks.slack.com/services/x"})
	require.ErrorContains(t, err, "slack: WebhookURL must be an absolute http or https URL")
}

// TestEscapesTargetValues sends the injections in every value a
// target gives: no mrkdwn text, the top-level text included, keeps a
// mention or a link.
func TestEscapesTargetValues(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"<!channel>":                                     "&lt;!channel&gt;",
		"<https://evil.example|Login again>":             "&lt;https://evil.example|Login again&gt;",
		"[Login again](https://evil.example)":            "[Login again](https://evil.example)",
		`<a href="https://evil.example">Login again</a>`: `&lt;a href="https://evil.example"&gt;Login again&lt;/a&gt;`,
		"@everyone **urgent** <@&123>":                   "@everyone **urgent** &lt;@&amp;123&gt;",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			m := post(t, notifytest.HostileEvent(in))
			text := m["text"].(string)
			require.Equal(t, "Checkout "+want+" is failing: step 1 \"pay\": status_code expected 200, received 401 "+want, text,
				"the top-level text is mrkdwn too")
			mrkdwn := []string{text}
			for _, b := range m["blocks"].([]any) {
				b := b.(map[string]any)
				if tx, ok := b["text"].(map[string]any); ok && tx["type"] == "mrkdwn" {
					mrkdwn = append(mrkdwn, tx["text"].(string))
				}
				fields, _ := b["fields"].([]any)
				for _, f := range fields {
					mrkdwn = append(mrkdwn, f.(map[string]any)["text"].(string))
				}
			}
			require.Contains(t, mrkdwn, "*Step 1 \"pay\" failed*\n"+
				"`GET https://api.example.com/pay?next="+want+"`\n"+
				"• status_code: expected `200`, received `401 "+want+"`\n"+
				"• header Location: expected `present`, received `"+want+"`\n"+
				"• string body: expected `ok`, received `"+want+"`\n"+
				"• request: answer: "+want)
			for _, s := range mrkdwn {
				require.NotContains(t, s, "<", "mrkdwn with a < can mention or link")
				require.NotContains(t, s, ">")
			}
		})
	}
}
