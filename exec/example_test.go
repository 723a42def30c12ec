package exec_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
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
	fmt.Println("execution:", e.Status, e.StopReason)
	for _, s := range e.Steps {
		fmt.Printf("step %d: status %d, ok %v\n", s.Index, s.Response.StatusCode, s.OK)
		for _, f := range s.Failures {
			fmt.Printf("  %s: expected %s, received %s\n", f.Type, f.Expected, f.Received)
		}
	}
	// Output:
	// execution: failed halted_on_error
	// step 0: status 200, ok true
	// step 1: status 404, ok false
	//   status_code: expected 2xx, received 404
}

// Watch steps as they finish, for example to stream them to a dashboard.
func ExampleRunOpts_observer() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token": "t-1", "user": {"id": 7}}`)
	}))
	defer srv.Close()

	src := `
steps:
  - post:
      name: login
      host: "${base}/login"
      body: {user: ada}
      save_from_response:
        - {variable_name: token, json_path: token}
  - get:
      name: me
      host: "${base}/me"
      headers: {Authorization: "Bearer ${token}"}
      expect:
        json: {user: {id: 7}}
`
	p, err := plan.Parse([]byte(src), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := exec.New(exec.Config{})
	defer r.CloseIdleConnections()
	watch := record.HookFuncs{
		OnStep: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, s *record.StepResult) {
			fmt.Printf("%s: %d, ok %v, captured %v\n", s.Name, s.Response.StatusCode, s.OK, s.Captures)
		},
		OnFinish: func(_ context.Context, _ *record.PlanRef, e *record.Execution) { fmt.Println("execution", e.Status) },
	}
	r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"base": srv.URL}, Observer: watch})
	// Output:
	// login: 200, ok true, captured map[token:t-1]
	// me: 200, ok true, captured map[]
	// execution passed
}

// The waits between retries without jitter.
func ExampleRetryPolicy_Delay() {
	p := exec.RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second, Jitter: -1}
	for n := 1; n <= 6; n++ {
		fmt.Println(n, p.Delay(n))
	}
	// Output:
	// 1 100ms
	// 2 200ms
	// 3 400ms
	// 4 800ms
	// 5 1s
	// 6 1s
}

// serveTransport serves each request with an http.Handler, in process.
type serveTransport struct{ h http.Handler }

func (t serveTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// Run a plan against an http.Handler in process, with no network, as a Go
// test of a service would.
func ExampleNew_inProcess() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	})
	r := exec.New(exec.Config{Client: &http.Client{Transport: serveTransport{mux}}})

	p, err := plan.Parse([]byte(`
- get:
    host: "http://service.test/greet"
    query: {name: "${who}"}
    expect:
      string: hello ada
      assert: ["status == 200 && len(body) == 9"]
`), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := r.Run(context.Background(), p, &exec.RunOpts{Vars: map[string]any{"who": "ada"}})
	fmt.Println(e.Status, e.Steps[0].URL)
	// Output:
	// passed http://service.test/greet?name=ada
}
