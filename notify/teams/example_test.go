package teams_test

import (
	"fmt"

	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/teams"
)

// Message is the Adaptive Card a Teams workflow receives for an event;
// teams.New(teams.Config{WebhookURL: ...}) posts it.
func ExampleMessage() {
	stillFailing := notifytest.Events()[1]
	card := teams.Message(stillFailing).Attachments[0].Content
	for _, el := range card.Body {
		switch el.Type {
		case "TextBlock":
			fmt.Println(el.Text)
		case "FactSet":
			for _, f := range el.Facts {
				fmt.Printf("  %s: %s\n", f.Title, f.Value)
			}
		}
	}
	for _, a := range card.Actions {
		fmt.Println("[" + a.Title + "]")
	}
	// Output:
	// Checkout API is still failing
	//   Started: 2026-03-14 15:09:27 UTC
	//   Finished: 2026-03-14 15:09:27 UTC
	//   Trigger: schedule
	//   Duration: 500ms
	// Step 2 "pay" failed
	// - timeout: no answer within 5s
	// [View execution]
	// [View plan]
}
