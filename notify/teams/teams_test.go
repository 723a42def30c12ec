package teams_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/internal/markup"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/teams"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T, endpoint string) notify.Notifier {
		n, err := teams.New(teams.Config{WebhookURL: endpoint, Client: notifytest.Client(t)})
		require.NoError(t, err)
		return n
	})
}

func post(t *testing.T, e *notify.Event) map[string]any {
	t.Helper()
	rv := notifytest.NewReceiver(t, http.StatusAccepted)
	n, err := teams.New(teams.Config{WebhookURL: rv.URL + "/workflows/abc/triggers/manual/paths/invoke?sig=s", Client: rv.Client()})
	require.NoError(t, err)
	require.NoError(t, n.Notify(t.Context(), e))
	r := rv.Next(t)
	require.Equal(t, "sig=s", r.RawQuery, "the workflow's signature stays in the URL")
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return r.JSON(t)
}

func TestFailingCard(t *testing.T) {
	t.Parallel()
	m := post(t, notifytest.Events()[0])
	require.Equal(t, "message", m["type"])
	att := m["attachments"].([]any)
	require.Len(t, att, 1)
	a := att[0].(map[string]any)
	require.Equal(t, "application/vnd.microsoft.card.adaptive", a["contentType"])
	require.Contains(t, a, "contentUrl")
	require.Nil(t, a["contentUrl"])
	card := a["content"].(map[string]any)
	require.Equal(t, "http://adaptivecards.io/schemas/adaptive-card.json", card["$schema"])
	require.Equal(t, "AdaptiveCard", card["type"])
	require.Equal(t, "1.4", card["version"])
	body := card["body"].([]any)
	require.Equal(t, []any{
		map[string]any{"type": "TextBlock", "text": "Checkout API is failing", "size": "Large", "weight": "Bolder", "color": "Attention", "wrap": true},
		map[string]any{"type": "FactSet", "facts": []any{
			map[string]any{"title": "Started", "value": "2026-03-14 15:09:27 UTC"},
			map[string]any{"title": "Finished", "value": "2026-03-14 15:09:27 UTC"},
			map[string]any{"title": "Trigger", "value": "schedule"},
			map[string]any{"title": "Duration", "value": "500ms"},
		}},
		map[string]any{"type": "TextBlock", "text": `Step 2 "pay" failed`, "weight": "Bolder", "wrap": true},
		map[string]any{"type": "TextBlock", "text": "- status\\_code: expected 200, received 503\n- json $.status: expected \"ok\", received \\(not JSON\\)", "wrap": true},
	}, body)
	require.Equal(t, []any{
		map[string]any{"type": "Action.OpenUrl", "title": "View execution", "url": "https://ops.example.com/smokex/executions/x1"},
		map[string]any{"type": "Action.OpenUrl", "title": "View plan", "url": "https://ops.example.com/smokex/plans/checkout"},
	}, card["actions"])
}

func TestRecoveredCard(t *testing.T) {
	t.Parallel()
	card := post(t, notifytest.Events()[2])["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)
	body := card["body"].([]any)
	require.Len(t, body, 2, "title and facts: nothing failed")
	require.Equal(t, "Good", body[0].(map[string]any)["color"])
	require.Equal(t, "Checkout API is recovered", body[0].(map[string]any)["text"])
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := teams.New(teams.Config{})
	require.ErrorContains(t, err, "teams: WebhookURL is required")
}

// TestEscapesTargetValues sends the injections in every value a
// target gives: each text of the card shows them as text, never as a
// link or formatting.
func TestEscapesTargetValues(t *testing.T) {
	t.Parallel()
	// markup.Markdown's own test pins the escaped forms.
	for _, in := range notifytest.Injections() {
		want := markup.Markdown(in)
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			m := post(t, notifytest.HostileEvent(in))
			card := m["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)
			var texts []string
			for _, el := range card["body"].([]any) {
				el := el.(map[string]any)
				if s, ok := el["text"].(string); ok {
					texts = append(texts, s)
				}
			}
			require.Equal(t, []string{
				"Checkout " + want + " is failing",
				`Step 1 "pay" failed`,
				`- status\_code: expected 200, received 401 ` + want + "\n" +
					`- header Location: expected present, received ` + want + "\n" +
					`- string body: expected ok, received ` + want + "\n" +
					`- request: answer: ` + want,
			}, texts)
			for _, s := range texts {
				require.NotContains(t, s, in)
			}
			for _, a := range card["actions"].([]any) {
				require.True(t, strings.HasPrefix(a.(map[string]any)["url"].(string), "https://ops.example.com/"), "buttons lead to the admin pages only")
			}
		})
	}
}
