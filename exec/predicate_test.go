package exec_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/record"
)

// users answers the JSON the predicate tests read.
func users(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Request-Id", "r-42")
	w.Header().Set("X-Count", "7")
	_, _ = w.Write([]byte(`{"total": 2, "users": [{"id": 1, "name": "Ada", "email": "ada@example.com", "age": 36, "tags": ["staff"], "deleted_at": null}, {"id": 2, "name": "Émile", "age": 41.5}]}`))
}

func TestPredicatesPass(t *testing.T) {
	t.Parallel()
	srv := serve(t, users)
	e := runYAML(t, srv, `
vars: {least: 30}
steps:
  - get:
      host: "${base}/"
      expect:
        headers:
          content-type: {contains: json, matches: "^application/"}
          x-request-id: {exists: true, not_equal: r-1, length: 4}
          x-debug: {absent: true}
          x-count: {greater_than: 5, less_or_equal: 7, equal: 7}
        jsonpath:
          $.total: {equal: 2, type: integer}
          total: 2
          $.users: {length: {greater_or_equal: 2}, type: array}
          $..id: {count: 2}
          $.users[*].name: {contains: Ada}
          $.users[0].email: {matches: "@example\\.com$", not_matches: "^admin"}
          $.users[0].age: {greater_than: "${least}", less_than: 150}
          $.users[1].age: {type: number, greater_or_equal: 41.5}
          $.users[1].name: {length: 5}
          $.users[0].deleted_at: {exists: true, type: "null"}
          $.users[0].missing: {exists: false}
          $.users[0].tags: {contains: staff, not_contains: banned}
          $.users[0]: {contains: name, length: 6, type: object}
          $.nope: {count: 0}
        string: {contains: users, not_contains: error, matches: "^\\{"}
        body_size: {greater_than: 100, less_than: 1000}
        assert:
          - body_size > len(body)
`, nil)
	require.Equal(t, record.StatusPassed, e.Status, "%v", failures(e.Steps[0]))
}

func TestPredicatesFail(t *testing.T) {
	t.Parallel()
	srv := serve(t, users)
	e := runYAML(t, srv, `
- get:
    host: "${base}/"
    expect:
      headers:
        content-type: {contains: xml}
        x-debug: {exists: true}
        x-request-id: {absent: true}
      jsonpath:
        $.total: {greater_than: 5}
        $.users: {length: 3}
        $..id: {count: {less_than: 2}}
        $.users[0].name: {matches: "^B", type: number}
        $.users[0].nope: {equal: 1}
      string: {not_contains: Ada}
      body_size: {less_than: 10}
`, nil)
	s := e.Steps[0]
	require.Equal(t, []string{
		"header content-type: expected contains \"xml\", received \"application/json; charset=utf-8\"",
		"header x-debug: expected exists, received absent",
		"header x-request-id: expected absent, received present: \"r-42\"",
		"json $.total: expected > 5, received 2",
		"json $.users: expected length equal to 3, received length 2",
		"json $..id: expected count < 2, received count 2",
		"json $.users[0].name: expected matches \"^B\", received \"Ada\"",
		"json $.users[0].name: expected type number, received string: \"Ada\"",
		"json $.users[0].nope: expected equal to 1, received absent",
		"string body: expected does not contain \"Ada\", received " + s.Failures[9].Received,
		"body_size body_size: expected < 10, received " + s.Failures[10].Received,
	}, failures(s))
	require.True(t, strings.HasPrefix(s.Failures[9].Received, `"{\"total\"`), s.Failures[9].Received)
	for _, f := range s.Failures {
		require.Positive(t, f.Line, "%+v", f)
		require.Positive(t, f.Column, "%+v", f)
	}
	require.Equal(t, [2]int{6, 24}, [2]int{s.Failures[0].Line, s.Failures[0].Column}, "at the predicate's key")
}

// TestPoll runs a step against a server that answers 500 twice, then 200:
// the step passes on its third attempt and reports all three.
func TestPoll(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("healthy"))
	})
	// The observer is told of each attempt that the poll goes on from.
	type polled struct {
		attempts, status int
		next, deadline   time.Time
	}
	var told []polled
	opts := &exec.RunOpts{Observer: record.HookFuncs{OnPoll: func(_ context.Context, _ *record.PlanRef, _ *record.Execution, s *record.StepResult, next, deadline time.Time) {
		told = append(told, polled{s.Attempts, s.Response.StatusCode, next, deadline})
	}}}
	e := runYAML(t, srv, `[{get: {host: "${base}/health", options: {poll: {every: 20ms, for: 5s}}, expect: {string: healthy}}}]`, opts)
	s := e.Steps[0]
	require.Equal(t, record.StatusPassed, e.Status, "%v", failures(s))
	require.Len(t, told, 2, "the third attempt passed: the step finished, it did not poll on")
	for i, p := range told {
		require.Equal(t, i+1, p.attempts)
		require.Equal(t, 500, p.status)
		require.Equal(t, s.StartedAt.Add(5*time.Second), p.deadline)
		require.False(t, p.next.After(p.deadline))
	}
	require.Equal(t, 3, s.Attempts)
	require.Len(t, s.AttemptLog, 3)
	require.Equal(t, []int{500, 500, 200}, []int{s.AttemptLog[0].StatusCode, s.AttemptLog[1].StatusCode, s.AttemptLog[2].StatusCode})
	require.Equal(t, []bool{false, false, true}, []bool{s.AttemptLog[0].OK, s.AttemptLog[1].OK, s.AttemptLog[2].OK})
	require.GreaterOrEqual(t, s.Total(), 40*time.Millisecond, "the duration counts the waits")
	require.Greater(t, s.Total(), s.Timings.Total)

	// Time runs out: the last attempt is reported, failed, with the count.
	var m atomic.Int32
	down := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		m.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	e = runYAML(t, down, `
options: {poll: {every: 30ms, for: 200ms}}
steps: [{get: {host: "${base}/health"}}]`, nil)
	s = e.Steps[0]
	require.Equal(t, record.StatusFailed, e.Status)
	require.Equal(t, int(m.Load()), s.Attempts)
	require.GreaterOrEqual(t, s.Attempts, 3)
	require.Equal(t, 503, s.Response.StatusCode)
	require.Len(t, s.Failures, 1, "only the last attempt's failures")
}

// TestRetriesCountInDuration: a step whose first attempts cannot connect
// reports the whole time and each attempt.
func TestRetriesCountInDuration(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	e := runYAML(t, serve(t, users), `[{get: {host: "http://`+closed+`/", options: {retries: 2}}}]`, nil)
	s := e.Steps[0]
	require.Equal(t, 3, s.Attempts)
	require.Len(t, s.AttemptLog, 3)
	for _, a := range s.AttemptLog {
		require.Equal(t, record.ErrConnect, a.Error.Kind)
	}
	var sum time.Duration
	for _, a := range s.AttemptLog {
		sum += a.Duration
	}
	require.GreaterOrEqual(t, s.Total(), sum, "the whole time includes every attempt and the waits")
}

// TestJSONFailurePlace: a json mismatch points at the expected value that
// differs, not at the start of the structure.
func TestJSONFailurePlace(t *testing.T) {
	t.Parallel()
	srv := serve(t, users)
	e := runYAML(t, srv, `
- get:
    host: "${base}/"
    expect:
      json:
        total: 2
        users:
          - name: Ada
          - {name: Bob, "x y": 1}
`, nil)
	f := e.Steps[0].Failures
	require.Len(t, f, 1)
	require.Equal(t, "$.users[1].name", f[0].Name)
	require.Equal(t, [2]int{9, 20}, [2]int{f[0].Line, f[0].Column}, "at Bob")
}

// TestPollForBoundsTheWholeWait: for is the whole wait, and when the
// attempt before it failed, the last attempt is made at the deadline
// rather than one interval early.
func TestPollForBoundsTheWholeWait(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	e := runYAML(t, srv, `[{get: {host: "${base}/", options: {poll: {every: 200ms, for: 500ms}}}}]`, nil)
	s := e.Steps[0]
	require.Equal(t, record.StatusFailed, e.Status)
	require.GreaterOrEqual(t, len(s.AttemptLog), 2)
	deadline := s.StartedAt.Add(500 * time.Millisecond)
	last, prev := s.AttemptLog[len(s.AttemptLog)-1], s.AttemptLog[len(s.AttemptLog)-2]
	// The last attempt began at the deadline, or the one before it ended
	// past it (a machine too busy to keep the interval).
	require.True(t, !last.StartedAt.Before(deadline) || !prev.StartedAt.Add(prev.Duration).Before(deadline),
		"last attempt at %s, deadline %s", last.StartedAt.Sub(s.StartedAt), deadline.Sub(s.StartedAt))
	for _, a := range s.AttemptLog[:len(s.AttemptLog)-1] {
		require.True(t, a.StartedAt.Before(deadline), "no attempt after the deadline but the last")
	}
}
