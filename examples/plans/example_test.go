package plans_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/demoapi"
	"github.com/smokex/smokex/plan"
)

// Run the seed-form save_from_response example against the demo API.
func Example() {
	srv := httptest.NewServer(demoapi.New())
	defer srv.Close()

	p, err := plan.ParseFile("save_from_response.yaml", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	runner := exec.New(exec.Config{Logger: slog.New(slog.DiscardHandler)})
	defer runner.CloseIdleConnections()
	e := runner.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}})

	fmt.Println(e.PlanID, e.Status)
	for _, s := range e.Steps {
		fmt.Println(s.Method, s.Response.StatusCode, s.OK)
	}
	// Output:
	// save_from_response passed
	// POST 200 true
	// GET 200 true
}
