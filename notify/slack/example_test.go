package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/slack"
)

// A notifier posts each event to the channel's incoming webhook, here a
// local server in the place of hooks.slack.com. A host puts it in
// smokex.Config.Alerts' Targets; the policy builds the events.
func Example() {
	got := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- body
	}))
	defer hook.Close()

	n, err := slack.New(slack.Config{WebhookURL: hook.URL + "/services/T0/B0/secret"})
	if err != nil {
		panic(err)
	}
	failing := notifytest.Events()[0]
	if err := n.Notify(context.Background(), failing); err != nil {
		panic(err)
	}
	var msg slack.Payload
	if err := json.Unmarshal(<-got, &msg); err != nil {
		panic(err)
	}
	fmt.Println(msg.Text)
	for _, b := range msg.Blocks {
		fmt.Println(b.Type)
	}

	_, err = slack.New(slack.Config{WebhookURL: "hooks.slack.com/services/T0/B0/secret"})
	fmt.Println(err)
	// Output:
	// Checkout API is failing: step 2 "pay": status_code expected 200, received 503
	// header
	// section
	// section
	// actions
	// slack: WebhookURL must be an absolute http or https URL: it has no scheme (write https://...)
}
