package smokex_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
)

// A host embeds the engine with the zero Config (memory store, in-process
// scheduler), adds a plan and runs it.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer api.Close()

	eng, err := smokex.New(smokex.Config{Vars: map[string]any{"base": api.URL}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)

	p, err := plan.Parse([]byte(`
name: health
steps:
  - get:
      url: "${base}/health"
      expect:
        json: {status: ok}
`), nil)
	if err != nil {
		panic(err)
	}
	if err := eng.AddPlan(ctx, p); err != nil {
		panic(err)
	}
	x, err := eng.Run(ctx, "health", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(x.PlanID, x.Status, len(x.Steps), "step")
	// Output: health passed 1 step
}

// Subscribers see every execution as it happens, without ever slowing it.
func ExampleEngine_Subscribe() {
	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer api.Close()
	eng, _ := smokex.New(smokex.Config{Vars: map[string]any{"base": api.URL}})
	ctx := context.Background()
	defer eng.Stop(ctx)
	p, _ := plan.Parse([]byte(`{name: ping, steps: [{get: {url: "${base}/ping"}}]}`), nil)
	_ = eng.AddPlan(ctx, p)

	sub := eng.Subscribe(0)
	defer sub.Close()
	if _, err := eng.Trigger(ctx, "ping", nil); err != nil {
		panic(err)
	}
	for ev := range sub.C() {
		fmt.Println(ev.Type)
		if ev.Type == smokex.EventExecutionFinished {
			break
		}
	}
	// Output:
	// execution_created
	// execution_started
	// step_finished
	// execution_finished
}

// SyncFS loads a folder of plans (here an in-memory one; a host passes an
// embed.FS or os.DirFS) and keeps the engine in step with it.
func ExampleEngine_SyncFS() {
	eng, _ := smokex.New(smokex.Config{})
	ctx := context.Background()
	defer eng.Stop(ctx)
	plans := fstest.MapFS{
		"checkout.yaml": {Data: []byte(`
name: checkout
schedule: "*/5 * * * *"
steps:
  - get: {url: "https://shop.example/health"}
`)},
		"login.yml": {Data: []byte(`- get: {url: "https://shop.example/login"}`)},
	}
	res, err := eng.SyncFS(ctx, plans)
	if err != nil {
		panic(err)
	}
	fmt.Println("added:", res.Added)
	entries, _ := eng.Entries(ctx)
	for _, e := range entries {
		fmt.Println("scheduled:", e.ID, e.Spec)
	}
	// Output:
	// added: [checkout login]
	// scheduled: checkout */5 * * * *
}
