package notify_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
)

// TestEventFailedAssertionThenError: a step that got 401 and then could
// not capture its token is described by its failed assertion first, then
// the capture error, as every report describes it.
func TestEventFailedAssertionThenError(t *testing.T) {
	t.Parallel()
	step := &record.StepResult{
		Index: 0, Name: "login", Method: "POST", URL: "http://127.0.0.1/login",
		Failures: []record.Failure{{Type: record.FailureStatusCode, Expected: "200", Received: "401"}},
		Error:    &record.StepError{Kind: record.ErrCapture, Message: "token: json_path $.token matched nothing"},
	}
	e := &notify.Event{Plan: record.PlanRef{ID: "login"}, FailedStep: step}
	require.Equal(t, []string{
		"status_code: expected 200, received 401",
		"capture: token: json_path $.token matched nothing",
	}, e.FailureLines())
	require.Equal(t, `step 1 "login": status_code expected 200, received 401`, e.Detail())
}
