package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// junitSuites is the root of a JUnit XML report, as a reader decodes it:
// the attributes of a testsuite, and testsuites.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	junitSuite
	Suites []junitSuite `xml:"testsuite"`
}

var testStart = time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)

// sampleExecution is a failed run with a step of every outcome.
func sampleExecution() *record.Execution {
	return &record.Execution{
		ID:         "ex1",
		PlanID:     "checkout",
		PlanName:   "checkout",
		Trigger:    record.TriggerCLI,
		Status:     record.StatusFailed,
		StartedAt:  testStart,
		FinishedAt: testStart.Add(1500 * time.Millisecond),
		Steps: []record.StepResult{
			{
				Index: 0, Method: "GET", URL: "http://127.0.0.1/health",
				Response: &record.Response{StatusCode: 200}, Timings: record.Timings{Total: 12 * time.Millisecond},
				Attempts: 1, OK: true,
			},
			{
				Index: 1, Name: "login", Method: "POST", URL: "http://127.0.0.1/login",
				Response: &record.Response{StatusCode: 401}, Timings: record.Timings{Total: 30 * time.Millisecond},
				Attempts: 1,
				Failures: []record.Failure{
					{Type: record.FailureStatusCode, Expected: "200", Received: "401"},
					{Type: record.FailureHeader, Name: "content-type", Expected: `"application/json"`, Received: `"text/html"`},
				},
			},
			{
				Index: 2, Method: "GET", URL: "http://127.0.0.1:1/me",
				Timings: record.Timings{Total: 3 * time.Millisecond}, Attempts: 2,
				Error: &record.StepError{Kind: record.ErrConnect, Message: "connection refused"},
			},
			{Index: 3, Method: "DELETE", URL: "http://127.0.0.1/session", Skipped: true},
		},
	}
}

func passedExecution(id string) *record.Execution {
	return &record.Execution{
		PlanID: id, Status: record.StatusPassed, StartedAt: testStart, FinishedAt: testStart.Add(time.Second),
		Steps: []record.StepResult{{Index: 0, Method: "GET", URL: "http://127.0.0.1/", Response: &record.Response{StatusCode: 204}, Attempts: 1, OK: true}},
	}
}

func TestWriteJSONOnePlan(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeJSON(&buf, []ranPlan{{file: "plans/checkout.yaml", exec: sampleExecution()}}, true))

	var got map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Equal(t, "checkout", got["plan"])
	require.Equal(t, "plans/checkout.yaml", got["file"])
	require.True(t, strings.HasPrefix(buf.String(), "{\n  \"plan\": \"checkout\",\n  \"file\": \"plans/checkout.yaml\",\n  \"status\": \"failed\",\n  \"started_at\""),
		"the documented fields come first, in the documented order:\n%s", buf.String())
	require.Equal(t, "failed", got["status"])
	require.Equal(t, "2026-11-26T21:00:00Z", got["started_at"])
	require.Equal(t, "2026-11-26T21:00:01.5Z", got["finished_at"])
	require.InDelta(t, 1500.0, got["duration_ms"], 0.001)
	require.Nil(t, got["error"])

	steps := got["steps"].([]any)
	require.Len(t, steps, 4)
	first := steps[0].(map[string]any)
	documented := map[string]any{
		"index": 0.0, "name": "GET http://127.0.0.1/health", "method": "GET", "url": "http://127.0.0.1/health",
		"status_code": 200.0, "duration_ms": 12.0, "attempts": 1.0, "ok": true, "skipped": false,
		"failures": []any{}, "error": nil,
	}
	for k, v := range documented {
		require.Contains(t, first, k)
		require.Equal(t, v, first[k], k)
	}
	require.Equal(t, "ex1", got["id"], "the record's own fields are there too")
	require.Equal(t, "cli", got["trigger"])
	login := steps[1].(map[string]any)
	require.Equal(t, "login", login["name"])
	require.Equal(t, []any{
		map[string]any{"type": "status_code", "name": "", "expected": "200", "received": "401", "line": 0.0, "column": 0.0},
		map[string]any{"type": "header", "name": "content-type", "expected": `"application/json"`, "received": `"text/html"`, "line": 0.0, "column": 0.0},
	}, login["failures"])
	errored := steps[2].(map[string]any)
	require.Nil(t, errored["status_code"])
	require.Equal(t, map[string]any{"kind": "connect", "message": "connection refused"}, errored["error"])
	require.Equal(t, true, steps[3].(map[string]any)["skipped"])
}

func TestWriteJSONSeveralPlans(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	runs := []ranPlan{{exec: passedExecution("a")}, {exec: sampleExecution()}}
	require.NoError(t, writeJSON(&buf, runs, true))

	var got []record.Execution
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Len(t, got, 2)
	require.Equal(t, "a", got[0].PlanID)
	require.Equal(t, record.StatusPassed, got[0].Status)
	require.Equal(t, "checkout", got[1].PlanID)
	require.Len(t, got[1].Steps, 4)
}

func TestWriteJSONExecutionError(t *testing.T) {
	t.Parallel()
	e := &record.Execution{PlanID: "p", Status: record.StatusCanceled, Error: &record.StepError{Kind: record.ErrCanceled, Message: "interrupted"}}
	var buf bytes.Buffer
	require.NoError(t, writeJSON(&buf, []ranPlan{{exec: e}}, true))
	var got record.Execution
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	require.Equal(t, &record.StepError{Kind: record.ErrCanceled, Message: "interrupted"}, got.Error)
	require.Contains(t, buf.String(), `"steps": []`)
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	canceled := &record.Execution{PlanID: "slow", Status: record.StatusCanceled, Error: &record.StepError{Kind: record.ErrCanceled, Message: "interrupted"}}
	runs := []ranPlan{
		{file: "plans/a.yaml", exec: passedExecution("a")},
		{file: "plans/checkout.yaml", exec: sampleExecution()},
		{exec: canceled},
	}
	var buf bytes.Buffer
	require.NoError(t, writeJUnit(&buf, runs, 2500*time.Millisecond))
	require.True(t, strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`))

	var got junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &got))
	require.Equal(t, "testsuites", got.XMLName.Local)
	require.Equal(t, 6, got.Tests)
	require.Equal(t, 1, got.Failures)
	require.Equal(t, 2, got.Errors)
	checkJUnitSchema(t, buf.Bytes())
	require.Equal(t, "2.500", got.Time)
	require.Len(t, got.Suites, 3)

	a := got.Suites[0]
	require.Equal(t, "a", a.Name)
	require.Equal(t, "plans/a.yaml", a.File)
	require.Equal(t, "1.000", a.Time)
	require.Equal(t, "2026-11-26T21:00:00", a.Timestamp)
	require.Equal(t, 1, a.Tests)

	s := got.Suites[1]
	require.Equal(t, 4, s.Tests)
	require.Equal(t, 1, s.Failures)
	require.Equal(t, 1, s.Errors)
	require.Equal(t, 1, s.Skipped)
	require.Equal(t, "1. GET http://127.0.0.1/health", s.Cases[0].Name)
	require.Equal(t, "checkout", s.Cases[0].Classname)
	require.Equal(t, "0.012", s.Cases[0].Time)
	require.Nil(t, s.Cases[0].Failure)

	fail := s.Cases[1].Failure
	require.NotNil(t, fail)
	require.Equal(t, "status_code", fail.Type)
	require.Equal(t, "status_code: expected 200, received 401 (and 1 more)", fail.Message)
	require.Equal(t, "status_code: expected 200, received 401\nheader content-type: expected \"application/json\", received \"text/html\"", fail.Text)

	require.Equal(t, &junitProblem{Message: "connection refused", Type: "connect", Text: "connect: connection refused"}, s.Cases[2].Error)
	require.NotNil(t, s.Cases[3].Skipped)

	c := got.Suites[2]
	require.Equal(t, 1, c.Errors)
	require.Equal(t, "execution", c.Cases[0].Name)
	require.Equal(t, "interrupted", c.Cases[0].Error.Message)
}

func TestJUnitEscapesMarkup(t *testing.T) {
	t.Parallel()
	e := passedExecution("x")
	e.Status = record.StatusFailed
	e.Steps[0].OK = false
	e.Steps[0].Failures = []record.Failure{{Type: record.FailureString, Expected: `<b>"ok" & done</b>`, Received: "]]> <x/>"}}
	var buf bytes.Buffer
	require.NoError(t, writeJUnit(&buf, []ranPlan{{exec: e}}, time.Second))
	var got junitSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &got))
	require.Equal(t, `string: expected <b>"ok" & done</b>, received ]]> <x/>`, got.Suites[0].Cases[0].Failure.Message)
}

// A pipe gets the report on one line, a terminal or --pretty the same
// values indented, as json.Indent writes them.
func TestWriteJSONCompactAndPretty(t *testing.T) {
	t.Parallel()
	for _, runs := range [][]ranPlan{
		{{file: "plans/checkout.yaml", exec: sampleExecution()}},
		{{file: "a.yaml", exec: passedExecution("a")}, {exec: sampleExecution()}},
		{},
	} {
		var compact, pretty bytes.Buffer
		require.NoError(t, writeJSON(&compact, runs, false))
		require.NoError(t, writeJSON(&pretty, runs, true))
		require.Equal(t, 1, strings.Count(compact.String(), "\n"), compact.String())
		require.True(t, json.Valid(compact.Bytes()), compact.String())
		var want bytes.Buffer
		require.NoError(t, json.Indent(&want, bytes.TrimSpace(compact.Bytes()), "", "  "))
		require.Equal(t, want.String()+"\n", pretty.String())
	}
}

func TestRunJSONPrettyFlag(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := t.TempDir()
	path := writePlan(t, dir, "ok.yaml", "name: ok\nsteps:\n  - get: {host: \"{{URL}}/ok\"}\n", srv.URL)
	res := runCLI(t, nil, "", "run", "-o", "json", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.Equal(t, 1, strings.Count(res.stdout, "\n"), "a pipe gets one line:\n%s", res.stdout)
	res = runCLI(t, nil, "", "run", "-o", "json", "--pretty", path)
	require.Equal(t, exitOK, res.code, res.stderr)
	require.True(t, strings.HasPrefix(res.stdout, "{\n  \"plan\": \"ok\",\n  \"file\": "), res.stdout)
}
