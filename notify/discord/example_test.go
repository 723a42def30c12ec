package discord_test

import (
	"fmt"

	"github.com/smokex/smokex/notify/discord"
	"github.com/smokex/smokex/notify/notifytest"
)

// Message is the embed a Discord channel's webhook receives for an event;
// discord.New(discord.Config{WebhookURL: ...}) posts it. No mention in it
// is resolved, whatever a target's answer writes.
func ExampleMessage() {
	recovered := notifytest.Events()[2]
	m := discord.Message(recovered, "smokex")
	em := m.Embeds[0]
	fmt.Println(em.Title)
	fmt.Printf("color %06X, %s\n", em.Color, em.Footer.Text)
	for _, f := range em.Fields {
		fmt.Printf("  %s: %s\n", f.Name, f.Value)
	}
	fmt.Println(m.AllowedMentions.Parse)
	// Output:
	// Checkout API is recovered
	// color 2EA44F, smokex · checkout
	//   Started: 2026-03-14 15:09:27 UTC
	//   Finished: 2026-03-14 15:09:27 UTC
	//   Trigger: schedule
	//   Duration: 500ms
	//   Plan: [View plan](https://ops.example.com/smokex/plans/checkout)
	// []
}
