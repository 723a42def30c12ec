package discord_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/discord"
	"github.com/smokex/smokex/notify/internal/markup"
	"github.com/smokex/smokex/notify/notifytest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	notifytest.Run(t, func(t *testing.T, endpoint string) notify.Notifier {
		n, err := discord.New(discord.Config{WebhookURL: endpoint, Client: notifytest.Client(t)})
		require.NoError(t, err)
		return n
	})
}

func post(t *testing.T, cfg discord.Config, e *notify.Event) map[string]any {
	t.Helper()
	rv := notifytest.NewReceiver(t, http.StatusNoContent)
	cfg.WebhookURL = rv.URL + "/api/webhooks/1/tok"
	cfg.Client = rv.Client() // not http.DefaultClient, whose connections parallel tests' servers close
	n, err := discord.New(cfg)
	require.NoError(t, err)
	require.NoError(t, n.Notify(t.Context(), e))
	r := rv.Next(t)
	require.Equal(t, "/api/webhooks/1/tok", r.Path)
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	return r.JSON(t)
}

func TestFailingEmbed(t *testing.T) {
	t.Parallel()
	m := post(t, discord.Config{}, notifytest.Events()[0])
	require.Equal(t, "smokex", m["username"])
	require.Equal(t, map[string]any{"parse": []any{}}, m["allowed_mentions"])
	embeds := m["embeds"].([]any)
	require.Len(t, embeds, 1)
	require.Equal(t, map[string]any{
		"title":       "Checkout API is failing",
		"url":         "https://ops.example.com/smokex/executions/x1",
		"color":       float64(discord.ColorFailing),
		"timestamp":   "2026-03-14T15:09:28Z",
		"description": "**Step 2 \"pay\" failed**\n• status\\_code: expected 200, received 503\n• json $.status: expected \"ok\", received \\(not JSON\\)",
		"fields": []any{
			map[string]any{"name": "Started", "value": "2026-03-14 15:09:27 UTC", "inline": true},
			map[string]any{"name": "Finished", "value": "2026-03-14 15:09:27 UTC", "inline": true},
			map[string]any{"name": "Trigger", "value": "schedule", "inline": true},
			map[string]any{"name": "Duration", "value": "500ms", "inline": true},
			map[string]any{"name": "Plan", "value": "[View plan](https://ops.example.com/smokex/plans/checkout)"},
		},
		"footer": map[string]any{"text": "smokex · checkout"},
	}, embeds[0])
}

func TestOtherEmbeds(t *testing.T) {
	t.Parallel()
	ev := notifytest.Events()
	still := post(t, discord.Config{Username: "ops"}, ev[1])
	require.Equal(t, "ops", still["username"])
	e := still["embeds"].([]any)[0].(map[string]any)
	require.Equal(t, float64(discord.ColorStill), e["color"])
	require.Equal(t, "**Step 2 \"pay\" failed**\n• timeout: no answer within 5s", e["description"])
	rec := post(t, discord.Config{}, ev[2])["embeds"].([]any)[0].(map[string]any)
	require.Equal(t, float64(discord.ColorGood), rec["color"])
	require.Equal(t, "Checkout API is recovered", rec["title"])
	require.NotContains(t, rec, "description")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := discord.New(discord.Config{WebhookURL: "discord.com/api/webhooks/1/x"})
	require.ErrorContains(t, err, "discord: WebhookURL must be an absolute http or https URL")
}

// TestEscapesTargetValues sends the injections in every value a
// target gives: the embed shows them as text, never as a masked link,
// formatting or a mention, and no mention is resolved.
func TestEscapesTargetValues(t *testing.T) {
	t.Parallel()
	// markup.Markdown's own test pins the escaped forms.
	for _, in := range notifytest.Injections() {
		want := markup.Markdown(in)
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			m := post(t, discord.Config{}, notifytest.HostileEvent(in))
			require.Equal(t, map[string]any{"parse": []any{}}, m["allowed_mentions"], "no mention is resolved")
			em := m["embeds"].([]any)[0].(map[string]any)
			require.Equal(t, "Checkout "+want+" is failing", em["title"])
			require.Equal(t, `**Step 1 "pay" failed**`+"\n"+
				`• status\_code: expected 200, received 401 `+want+"\n"+
				`• header Location: expected present, received `+want+"\n"+
				`• string body: expected ok, received `+want+"\n"+
				`• request: answer: `+want, em["description"])
			require.Equal(t, "https://ops.example.com/smokex/executions/x1", em["url"])
		})
	}
}
