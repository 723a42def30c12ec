package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/plan"
)

// A host's own notifier: here it prints each alert; a real one might open
// a ticket. It receives the same events as the providers.
func Example_customNotifier() {
	var healthy atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()

	alerts := make(chan *notify.Event, 10)
	printer := notify.NotifierFunc(func(_ context.Context, e *notify.Event) error {
		alerts <- e
		return nil
	})
	eng, err := smokex.New(smokex.Config{
		Alerts: &notify.PolicyConfig{
			Targets: []notify.Target{{Name: "printer", Notifier: printer}},
			BaseURL: "https://ops.example.com/smokex",
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p, err := plan.Parse([]byte("name: API\nsteps:\n  - get:\n      name: health\n      host: "+target.URL+"\n      expect:\n        status_code: 200\n"), nil)
	if err != nil {
		panic(err)
	}
	if err := eng.AddPlan(ctx, p); err != nil {
		panic(err)
	}
	if err := eng.Start(ctx); err != nil {
		panic(err)
	}
	for _, up := range []bool{false, false, true} {
		healthy.Store(up)
		if _, err := eng.Run(ctx, p.ID, nil); err != nil {
			panic(err)
		}
	}
	for range 2 {
		select {
		case e := <-alerts:
			fmt.Println(e.Summary())
			fmt.Println(" ", e.Links.Plan)
		case <-time.After(5 * time.Second):
			fmt.Println("no alert")
		}
	}
	stop, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := eng.Stop(stop); err != nil {
		panic(err)
	}
	// Output:
	// API is failing: step 1 "health": status_code expected 200, received 503
	//   https://ops.example.com/smokex/plans/api
	// API is recovered
	//   https://ops.example.com/smokex/plans/api
}
