package exec_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
)

// Run a plan against a test server and print each step's outcome.
func ExampleRunner_Run() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			fmt.Fprint(w, `{"ok": true}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	health, _ := plan.NewTemplate("${base}/health")
	missing, _ := plan.NewTemplate("${base}/missing")
	p := &plan.Plan{
		ID: "example",
		Steps: []plan.Step{
			{Method: "GET", URL: health},
			{Method: "GET", URL: missing},
		},
	}

	r := exec.New(exec.Config{})
	defer r.CloseIdleConnections()
	e := r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})
	fmt.Println("execution:", e.Status)
	for _, s := range e.Steps {
		fmt.Printf("step %d: status %d, ok %v\n", s.Index, s.Response.StatusCode, s.OK)
		for _, f := range s.Failures {
			fmt.Printf("  %s: expected %s, received %s\n", f.Type, f.Expected, f.Received)
		}
	}
	// Output:
	// execution: halted
	// step 0: status 200, ok true
	// step 1: status 404, ok false
	//   status_code: expected 2xx, received 404
}
