package pagerduty_test

import (
	"fmt"

	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/pagerduty"
)

// A failing plan triggers an alert and its recovery resolves it, under one
// dedup key per plan, so that reminders update the same incident; a pass
// of a plan that was not failing is not sent.
func ExampleNotifier_Build() {
	n, err := pagerduty.New(pagerduty.Config{RoutingKey: "R0UT1NGKEY"})
	if err != nil {
		panic(err)
	}
	for _, e := range notifytest.Events()[:4] {
		ev := n.Build(e)
		if ev == nil {
			fmt.Printf("%s: not sent\n", e.Transition)
			continue
		}
		fmt.Printf("%s: %s %s\n", e.Transition, ev.EventAction, ev.DedupKey)
		if ev.Payload != nil {
			fmt.Printf("  %s (%s)\n", ev.Payload.Summary, ev.Payload.Severity)
		}
	}
	// Output:
	// failing: trigger smokex/checkout
	//   Checkout API is failing: step 2 "pay": status_code expected 200, received 503 (critical)
	// still_failing: trigger smokex/checkout
	//   Checkout API is still failing: step 2 "pay": timeout: no answer within 5s (critical)
	// recovered: resolve smokex/checkout
	// passed: not sent
}
