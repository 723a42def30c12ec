package smokex_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing/fstest"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
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

// failureLog is a hook of a host's own: it embeds record.HookDefaults,
// which makes it a record.Hook and gives it a default for any hook
// interface added later, and implements the one it needs.
type failureLog struct {
	record.HookDefaults
	lines chan string
}

// ExecutionFinished is told of every execution as it finishes. It must
// not block: this one hands the line to a buffered channel.
func (h *failureLog) ExecutionFinished(_ context.Context, p *record.PlanRef, x *record.Execution) {
	if x.Status == record.StatusFailed {
		h.lines <- p.ID + " failed: " + x.Steps[0].Failures[0].String()
	}
}

// A custom hook sees every execution with its plan, after it is stored.
func ExampleConfig_hooks() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer api.Close()

	log := &failureLog{lines: make(chan string, 1)}
	eng, err := smokex.New(smokex.Config{
		Vars:  map[string]any{"base": api.URL},
		Hooks: []record.Hook{log},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer eng.Stop(ctx)
	p, _ := plan.Parse([]byte(`{name: api, steps: [{get: {url: "${base}/", expect: {status_code: 200}}}]}`), nil)
	_ = eng.AddPlan(ctx, p)
	if _, err := eng.Run(ctx, "api", nil); err != nil {
		panic(err)
	}
	fmt.Println(<-log.lines)
	// Output: api failed: status_code: expected 200, received 503
}

// A graceful stop: Stop stops scheduling and waits for the executions in
// flight, within its context; when that ends first, the runs still going
// are canceled and stored as canceled, and Stop says so with
// ErrRunsCanceled, which a host that asked for the stop may take as clean.
func ExampleEngine_Stop() {
	eng, err := smokex.New(smokex.Config{})
	if err != nil {
		panic(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		panic(err)
	}
	// ... on SIGTERM:
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = eng.Stop(ctx)
	switch {
	case errors.Is(err, smokex.ErrRunsCanceled):
		fmt.Println("stopped; the runs in flight were canceled")
	case err != nil:
		fmt.Println("stop:", err)
	default:
		fmt.Println("stopped")
	}
	_, err = eng.Run(context.Background(), "any", nil)
	fmt.Println(errors.Is(err, smokex.ErrClosed))
	// Output:
	// stopped
	// true
}
