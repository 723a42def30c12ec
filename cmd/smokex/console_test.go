package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/stretchr/testify/require"
)

func TestConsoleBlock(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeConsole(&buf, console{}, []ranPlan{{exec: sampleExecution()}}, 2*time.Second))
	want := `checkout
  ✓ GET http://127.0.0.1/health 200 12ms
  ✗ login: POST http://127.0.0.1/login 401 30ms
      status_code: expected 200, received 401
      header content-type: expected "application/json", received "text/html"
  ✗ GET http://127.0.0.1:1/me 3ms (2 attempts)
      error (connect): connection refused
  - DELETE http://127.0.0.1/session skipped
  checkout failed: 1 passed, 1 failed, 1 errored, 1 skipped in 1.5s
1 plan: 0 passed, 1 failed; steps: 1 passed, 1 failed, 1 errored, 1 skipped in 2s
`
	require.Equal(t, want, buf.String())
}

func TestConsoleQuiet(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	runs := []ranPlan{{exec: passedExecution("a")}, {exec: sampleExecution()}}
	require.NoError(t, writeConsole(&buf, console{quiet: true}, runs, time.Second))
	out := buf.String()
	require.NotContains(t, out, "✓")
	require.NotContains(t, out, "skipped\n")
	require.Contains(t, out, "✗ login: POST")
	require.Contains(t, out, "  a passed: 1 passed, 0 failed in 1s\ncheckout\n  ✗ login: POST")
	require.Equal(t, 1, strings.Count(out, "checkout\n"))
	require.Contains(t, out, "2 plans: 1 passed, 1 failed;")
}

func TestConsoleColor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		color bool
	}{
		{"plain", false},
		{"color", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			require.NoError(t, writeConsole(&buf, console{color: tt.color}, []ranPlan{{exec: sampleExecution()}}, time.Second))
			require.Equal(t, tt.color, strings.Contains(buf.String(), "\x1b["))
			if tt.color {
				require.Contains(t, buf.String(), ansiGreen+"✓"+ansiReset)
				require.Contains(t, buf.String(), ansiRed+"✗"+ansiReset)
			}
		})
	}
}

func TestConsoleLongFailure(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	console{}.failure(&buf, record.Failure{Type: record.FailureJSON, Name: "$", Expected: "{\n  \"a\": 1\n}", Received: "{\n  \"a\": 2\n}"})
	require.Equal(t, "      json $:\n        expected: {\n                    \"a\": 1\n                  }\n        received: {\n                    \"a\": 2\n                  }\n", buf.String())
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{1234 * time.Nanosecond, "1µs"},
		{12*time.Millisecond + 400*time.Microsecond, "12ms"},
		{999 * time.Millisecond, "999ms"},
		{1234 * time.Millisecond, "1.23s"},
		{90 * time.Second, "1m30s"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, formatDuration(tt.in), tt.in)
	}
}

func TestConsoleExecutionError(t *testing.T) {
	t.Parallel()
	e := &record.Execution{PlanID: "slow", Status: record.StatusCanceled, Error: &record.StepError{Kind: record.ErrCanceled, Message: "interrupted\nby a signal"}}
	var buf bytes.Buffer
	console{}.summary(&buf, e)
	require.Equal(t, "  slow canceled: 0 passed, 0 failed in 0s\n  error (canceled): interrupted\n    by a signal\n", buf.String())
}

// TestConsoleEscapesControlCharacters checks that text from a response
// cannot drive the terminal: an escape sequence in a body excerpt or an
// error is shown, not obeyed.
func TestConsoleEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	x := &record.Execution{PlanID: "p", PlanName: "p\x1b[8m", Status: record.StatusFailed, Steps: []record.StepResult{{
		Name: "s\x9b2J", Method: "GET", URL: "http://127.0.0.1/", Response: &record.Response{StatusCode: 200},
		Failures: []record.Failure{{Type: record.FailureString, Name: "body", Expected: "ok", Received: "\x1b[2Jhidden\rtext\x07"}},
		Error:    &record.StepError{Kind: record.ErrRequest, Message: "bad \x1b]0;title\x07"},
	}}}
	var buf bytes.Buffer
	require.NoError(t, writeConsole(&buf, console{}, []ranPlan{{exec: x}}, time.Second))
	out := buf.String()
	for _, c := range []string{"\x1b", "\r", "\x07", "\u009b"} {
		require.NotContains(t, out, c)
	}
	require.Contains(t, out, `received \x1b[2Jhidden\rtext\a`)
	require.Contains(t, out, `error (request): bad \x1b]0;title\a`)
	require.Contains(t, out, `p\x1b[8m failed`)
}

// TestConsoleLongAttemptLog: a poll's thirty attempts are summarised on
// one line: the first and last two, and the count of each outcome.
func TestConsoleLongAttemptLog(t *testing.T) {
	t.Parallel()
	log := make([]record.Attempt, 30)
	for i := range log {
		log[i] = record.Attempt{StatusCode: 503, Duration: time.Millisecond}
	}
	log[29] = record.Attempt{StatusCode: 200, Duration: 2 * time.Millisecond, OK: true}
	var b strings.Builder
	console{}.attempts(&b, log)
	require.Equal(t, "      attempts: 1 503 1ms; 2 503 1ms; …; 29 503 1ms; 30 200 2ms (30 kept: 29 × 503, 1 × 200)\n", b.String())
	b.Reset()
	console{}.attempts(&b, log[27:])
	require.Equal(t, "      attempts: 1 503 1ms; 2 503 1ms; 3 200 2ms\n", b.String())
}
