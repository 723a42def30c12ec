package plans_test

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/demoapi"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// outcome is what an example plan is expected to do against the demo API:
// the execution's status, and checks of its steps.
type outcome struct {
	status record.Status
	check  func(t *testing.T, e *record.Execution)
}

// outcomes lists the outcome of every plan in this folder, by file name.
func outcomes() map[string]outcome {
	return map[string]outcome{
		"success.yaml": {record.StatusPassed, func(t *testing.T, e *record.Execution) {
			require.Equal(t, []int{200, 200, 400}, statusCodes(e))
		}},
		"failure.yaml": {record.StatusFailed, func(t *testing.T, e *record.Execution) {
			require.True(t, e.Steps[0].OK)
			require.NotNil(t, e.Steps[1].Error, "step 2 cannot connect")
			require.Equal(t, record.ErrConnect, e.Steps[1].Error.Kind, e.Steps[1].Error.Message)
			require.Empty(t, e.Steps[1].Failures, "an error is not an assertion failure")
			require.Equal(t, 1, e.Steps[1].Attempts, "no retries unless asked")
			require.True(t, e.Steps[2].Skipped, "halt_on_error defaults to true")
			require.Zero(t, e.Steps[2].Attempts)
		}},
		"failed_expectation.yaml": {record.StatusFailed, func(t *testing.T, e *record.Execution) {
			s := e.Steps[0]
			require.Nil(t, s.Error)
			require.Equal(t, 500, s.Response.StatusCode)
			require.ElementsMatch(t,
				[]record.FailureType{record.FailureStatusCode, record.FailureHeader, record.FailureJSON},
				failureTypes(s), "every assertion of the step is evaluated: %+v", s.Failures)
			for _, f := range s.Failures {
				switch f.Type {
				case record.FailureStatusCode:
					require.Equal(t, "200", f.Expected)
					require.Equal(t, "500", f.Received)
				case record.FailureHeader:
					require.Equal(t, "Server", f.Name)
					require.Equal(t, "fake_server", f.Expected)
					require.Equal(t, demoapi.ServerHeader, f.Received)
				}
			}
		}},
		"save_from_response.yaml": {record.StatusPassed, func(t *testing.T, e *record.Execution) {
			require.Equal(t, []int{200, 200}, statusCodes(e))
			token, ok := e.Steps[0].Captures["token"].(string)
			require.True(t, ok, "captures: %v", e.Steps[0].Captures)
			require.Len(t, token, 32)
			require.Equal(t, demoapi.Username, e.Steps[0].Captures["user"])
		}},
		"login_flow.yaml": {record.StatusPassed, func(t *testing.T, e *record.Execution) {
			require.Equal(t, []int{200, 200, 200, 200, 401}, statusCodes(e))
			caps := e.Steps[1].Captures
			require.Equal(t, demoapi.ServerHeader, caps["server"])
			require.True(t, strings.HasPrefix(caps["authorization"].(string), "Bearer "), "captures: %v", caps)
			require.EqualValues(t, demoapi.Points, e.Steps[2].Captures["current_points"])
			b, err := json.Marshal(e)
			require.NoError(t, err)
			require.NotContains(t, string(b), demoapi.Password, "the secret is redacted from the results")
		}},
		"requests.yaml": {record.StatusPassed, func(t *testing.T, e *record.Execution) {
			require.Equal(t, []int{200, 200, 401, 200, 302, 200, 201, 404, 200, 200, 405}, statusCodes(e))
			require.Contains(t, e.Steps[3].Response.Body, "<title>"+demoapi.PageTitle+"</title>",
				"debug keeps the whole body")
			require.Equal(t, "HEAD", e.Steps[9].Method)
			require.Equal(t, "DELETE", e.Steps[10].Method)
		}},
		"keep_going.yaml": {record.StatusFailed, func(t *testing.T, e *record.Execution) {
			require.Equal(t, []record.FailureType{record.FailureStatusCode}, failureTypes(e.Steps[0]))
			require.False(t, e.Steps[1].Skipped, "halt_on_error: false runs the next step")
			require.True(t, e.Steps[1].OK)
		}},
	}
}

func TestExamplePlans(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	t.Cleanup(srv.Close)
	runner := exec.New(exec.Config{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(runner.CloseIdleConnections)

	outcomes := outcomes()
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.Len(t, files, len(outcomes), "every example plan has an expected outcome, and every outcome a plan")

	for _, file := range files {
		want, ok := outcomes[file]
		require.True(t, ok, "no expected outcome for %s", file)
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			p, err := plan.ParseFile(file, nil)
			require.NoError(t, err)
			e := runner.Run(t.Context(), p, &exec.RunOpts{
				Vars:    map[string]any{"base": srv.URL},
				Secrets: map[string]string{"DEMO_PASSWORD": demoapi.Password},
			})
			require.Len(t, e.Steps, len(p.Steps))
			require.Equal(t, want.status, e.Status, "steps: %s", describe(e))
			if want.status == record.StatusPassed {
				for _, s := range e.Steps {
					require.True(t, s.OK, "step %d %s: %s", s.Index, s.Name, describe(e))
				}
			}
			want.check(t, e)
		})
	}
}

// TestExamplePlansLoadAsADirectory checks that the folder loads whole, as
// `smokex run examples/plans/` loads it, and that the plans read no name
// that nothing defines once the caller passes base.
func TestExamplePlansLoadAsADirectory(t *testing.T) {
	t.Parallel()
	plans, err := plan.LoadDir(".", nil)
	require.NoError(t, err)
	require.Len(t, plans, len(outcomes()))
	ids := map[string]bool{}
	for _, p := range plans {
		require.False(t, ids[p.ID], "two plans with the ID %s", p.ID)
		ids[p.ID] = true
		require.Empty(t, plan.Lint(p, []string{"base"}), "plan %s", p.File)
	}
}

func statusCodes(e *record.Execution) []int {
	var out []int
	for _, s := range e.Steps {
		if s.Response == nil {
			out = append(out, 0)
			continue
		}
		out = append(out, s.Response.StatusCode)
	}
	return out
}

func failureTypes(s record.StepResult) []record.FailureType {
	var out []record.FailureType
	for _, f := range s.Failures {
		out = append(out, f.Type)
	}
	return out
}

// describe shows the steps' outcomes in a failed test's message.
func describe(e *record.Execution) string {
	var b strings.Builder
	for _, s := range e.Steps {
		b.WriteString("\n  ")
		b.WriteString(s.Name)
		switch {
		case s.Skipped:
			b.WriteString(": skipped")
		case s.Error != nil:
			b.WriteString(": " + s.Error.Error())
		case !s.OK:
			for _, f := range s.Failures {
				b.WriteString("; " + string(f.Type) + " " + f.Name + ": expected " + f.Expected + ", received " + f.Received)
			}
		default:
			b.WriteString(": ok")
		}
	}
	return b.String()
}
