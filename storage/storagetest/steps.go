package storagetest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) stepScenarios() []scenario {
	return []scenario{
		{"EveryFieldRoundTrips", s.stepRoundTrip},
		{"InIndexOrder", s.stepOrder},
		{"ConflictOnDuplicateIndex", s.stepDuplicate},
		{"NotFound", s.stepNotFound},
		{"RejectsBadInput", s.stepBadInput},
		{"CopiesInAndOut", s.stepCopies},
	}
}

// fullStep returns a step result with every field set, in JSON-typed
// values and microsecond precision.
func fullStep(i int) *record.StepResult {
	return &record.StepResult{
		Index:     i,
		Name:      "create user",
		Method:    "POST",
		URL:       "https://api.example.test/users?token=[REDACTED]&q=a%20b",
		StartedAt: at(0).Add(1500 * time.Microsecond),
		Request: &record.Request{
			Method: "POST",
			URL:    "https://api.example.test/users?token=[REDACTED]&q=a%20b",
			Headers: map[string][]string{
				"Content-Type": {"application/json"},
				"Accept":       {"application/json", "text/plain;q=0.5"},
			},
			Body: `{"name":"Zoë","tags":["a","b"]}`,
		},
		Response: &record.Response{
			StatusCode: 422,
			Proto:      "HTTP/2.0",
			Headers: map[string][]string{
				"Content-Type": {"application/problem+json"},
				"Set-Cookie":   {"a=1", "b=2"},
			},
			Body: "{\"error\":\"invalid\",\n\t\"detail\":\"quote \\\" and backslash \\\\\"}",
			Size: 57,
		},
		Timings: record.Timings{
			DNS:       1200 * time.Microsecond,
			Connect:   3400 * time.Microsecond,
			TLS:       15 * time.Millisecond,
			FirstByte: 42 * time.Millisecond,
			Total:     1234567 * time.Microsecond,
		},
		Attempts: 3,
		OK:       false,
		TLS: &record.TLS{Version: "TLS 1.3", Certificate: &record.Certificate{
			Host:      "api.example.test",
			Subject:   "CN=api.example.test,O=Example",
			Issuer:    "CN=Example CA",
			DNSNames:  []string{"api.example.test", "*.example.test"},
			NotBefore: at(-48 * 60),
			NotAfter:  at(0).Add(10 * 24 * time.Hour),
		}},
		Captures: map[string]any{
			"id":     float64(42),
			"ratio":  0.25,
			"name":   "Zoë",
			"ok":     true,
			"tags":   []any{"a", float64(2), nil},
			"nested": map[string]any{"k": "v", "n": []any{}},
			"none":   nil,
		},
		Failures: []record.Failure{
			{Type: record.FailureStatusCode, Name: "status_code", Expected: "201", Received: "422"},
			{Type: record.FailureJSON, Name: "$.user.id", Expected: "42", Received: `"42"`},
			{Type: record.FailureAssert, Name: "response.time < 100", Expected: "true", Received: "false (response.time = 1234)"},
		},
		Error: &record.StepError{Kind: record.ErrCapture, Message: "capture token: $.token matched nothing"},
	}
}

func (s suite) stepRoundTrip(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusFailed, 2*time.Second)
	create(ctx, t, st, e)

	skipped := record.StepResult{Index: 1, Name: "skipped after halt", Method: "GET", URL: "https://example.test/", Skipped: true}
	passed := record.StepResult{
		Index: 2, Method: "GET", URL: "https://example.test/ok", OK: true, Attempts: 1,
		StartedAt: at(0).Add(3 * time.Second),
		Response:  &record.Response{StatusCode: 200},
		Timings:   record.Timings{Total: time.Millisecond},
	}
	want := []record.StepResult{*fullStep(0), skipped, passed}
	for i := range want {
		require.NoError(t, st.AppendStep(ctx, "e", &want[i]))
	}

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	e.Steps = want
	requireExecution(t, e, got)
	require.Nil(t, got.Steps[1].Request, "an absent request stays absent")
	require.Nil(t, got.Steps[1].Response, "an absent response stays absent")
	require.Nil(t, got.Steps[1].Error, "an absent error stays absent")
}

func (s suite) stepOrder(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusRunning, 0))
	for _, i := range []int{2, 0, 10, 1, 3} {
		require.NoError(t, st.AppendStep(ctx, "e", &record.StepResult{Index: i, Name: strings.Repeat("s", i+1)}))
	}
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	var idx []int
	for _, r := range got.Steps {
		idx = append(idx, r.Index)
		require.Equal(t, strings.Repeat("s", r.Index+1), r.Name)
	}
	require.Equal(t, []int{0, 1, 2, 3, 10}, idx)
}

func (s suite) stepDuplicate(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st,
		newExecution("e", "p", at(0), record.StatusRunning, 0),
		newExecution("f", "p", at(1), record.StatusRunning, 0),
	)
	require.NoError(t, st.AppendStep(ctx, "e", &record.StepResult{Index: 0, Name: "first"}))
	err := st.AppendStep(ctx, "e", &record.StepResult{Index: 0, Name: "second"})
	require.ErrorIs(t, err, storage.ErrConflict)
	require.NoError(t, st.AppendStep(ctx, "f", &record.StepResult{Index: 0, Name: "other execution"}),
		"indexes are per execution")

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Len(t, got.Steps, 1)
	require.Equal(t, "first", got.Steps[0].Name)
}

func (s suite) stepNotFound(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusRunning, 0))
	err := st.AppendStep(ctx, "absent", &record.StepResult{Index: 0})
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) stepBadInput(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusRunning, 0))
	require.Error(t, st.AppendStep(ctx, "e", nil), "nil result")
	require.Error(t, st.AppendStep(ctx, "e", &record.StepResult{Index: -1}), "negative index")
	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Empty(t, got.Steps)
}

func (s suite) stepCopies(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusRunning, 0))
	r := fullStep(0)
	require.NoError(t, st.AppendStep(ctx, "e", r))
	mutate := func(r *record.StepResult) {
		r.Name = "mutated"
		r.Request.Headers["Accept"][0] = "mutated"
		r.Response.Headers["X-New"] = []string{"mutated"}
		r.Captures["id"] = "mutated"
		r.Captures["nested"].(map[string]any)["k"] = "mutated"
		r.Captures["tags"].([]any)[0] = "mutated"
		r.Failures[0].Received = "mutated"
		r.Error.Message = "mutated"
		r.TLS.Version = "mutated"
		r.TLS.Certificate.DNSNames[0] = "mutated"
	}
	mutate(r)

	got, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, normStep(*fullStep(0)), normStep(got.Steps[0]), "mutating what was appended")
	mutate(&got.Steps[0])
	got.Status = record.StatusPassed

	again, err := st.GetExecution(ctx, "e")
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, again.Status)
	require.Equal(t, normStep(*fullStep(0)), normStep(again.Steps[0]), "mutating what was returned")
}
