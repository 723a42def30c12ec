package record_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

var t0 = time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)

// fullExecution has every field set, so that a field added to the record
// types and lost on the wire fails TestWireRoundTrip.
func fullExecution() *record.Execution {
	return &record.Execution{
		ID: "ex1", PlanID: "checkout", PlanName: "Checkout", Trigger: record.TriggerCLI,
		Status: record.StatusFailed, StopReason: record.StopCanceled, CreatedAt: t0.Add(-time.Second), StartedAt: t0, FinishedAt: t0.Add(1500 * time.Millisecond),
		ScheduledAt: t0.Add(-2 * time.Second),
		Location:    "eu-west",
		TraceID:     "4bf92f3577b34da6a3ce929d0e0e4736",
		Maintenance: "deploy",
		Flaky:       true,
		Source:      record.Source{Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8", Path: ".smokex/checkout.yaml"},
		Steps: []record.StepResult{{
			Index: 1, Name: "login", Method: "POST", URL: "https://api.example.test/login",
			StartedAt: t0.Add(time.Millisecond),
			Request:   &record.Request{Method: "POST", URL: "https://api.example.test/login", Headers: map[string][]string{"Accept": {"*/*"}}, Body: "{}"},
			Response:  &record.Response{StatusCode: 401, Proto: "HTTP/1.1", Headers: map[string][]string{"X": {"y"}}, Body: "no", Size: 2},
			Timings:   record.Timings{DNS: time.Millisecond, Connect: 2 * time.Millisecond, TLS: 3 * time.Millisecond, FirstByte: 4 * time.Millisecond, Total: 30250 * time.Microsecond},
			Attempts:  2, OK: true, Skipped: true, Degraded: true,
			Duration: 1250 * time.Millisecond,
			AttemptLog: []record.Attempt{
				{StartedAt: t0, Duration: 1200 * time.Millisecond, Error: &record.StepError{Kind: record.ErrConnect, Message: "refused"}},
				{StartedAt: t0.Add(time.Second), Duration: 30250 * time.Microsecond, StatusCode: 401, OK: false},
			},
			TLS: &record.TLS{Version: "TLS 1.3", Certificate: &record.Certificate{
				Host: "api.example.test", Subject: "CN=api.example.test", Issuer: "CN=CA", DNSNames: []string{"api.example.test"},
				NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(240 * time.Hour),
			}},
			Captures: map[string]any{"token": "abc"},
			Failures: []record.Failure{{Type: record.FailureStatusCode, Name: "status_code", Expected: "200", Received: "401", Line: 7, Column: 9}},
			Error:    &record.StepError{Kind: record.ErrCapture, Message: "nothing"},
		}},
		Error: &record.StepError{Kind: record.ErrCanceled, Message: "stopped"},
	}
}

func requireAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		require.False(t, f.IsZero(), "%s.%s is zero in the sample: set it, so that the wire test covers it", path, v.Type().Field(i).Name)
	}
}

func TestWireRoundTrip(t *testing.T) {
	t.Parallel()
	e := fullExecution()
	requireAllSet(t, reflect.ValueOf(*e), "Execution")
	requireAllSet(t, reflect.ValueOf(e.Steps[0]), "StepResult")
	requireAllSet(t, reflect.ValueOf(e.Steps[0].Timings), "Timings")

	b, err := json.Marshal(e)
	require.NoError(t, err)
	var got record.Execution
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, e, &got)

	// A value encodes as its pointer does.
	bv, err := json.Marshal(*e)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(bv))
}

func TestWireShape(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(fullExecution())
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, "checkout", got["plan"])
	require.InDelta(t, 1500.0, got["duration_ms"], 1e-9)
	step := got["steps"].([]any)[0].(map[string]any)
	require.Equal(t, 401.0, step["status_code"])
	require.InDelta(t, 1250.0, step["duration_ms"], 1e-9, "a step's duration counts every attempt")
	require.InDelta(t, 1200.0, step["attempt_log"].([]any)[0].(map[string]any)["duration_ms"], 1e-9)
	require.Equal(t, 7.0, step["failures"].([]any)[0].(map[string]any)["line"])
	require.Equal(t, map[string]any{"version": "TLS 1.3", "certificate": map[string]any{
		"host": "api.example.test", "subject": "CN=api.example.test", "issuer": "CN=CA", "dns_names": []any{"api.example.test"},
		"not_before": t0.Add(-time.Hour).Format(time.RFC3339Nano), "not_after": t0.Add(240 * time.Hour).Format(time.RFC3339Nano),
	}}, step["tls"])
	require.Equal(t, map[string]any{"dns_ms": 1.0, "connect_ms": 2.0, "tls_ms": 3.0, "first_byte_ms": 4.0, "total_ms": 30.25}, step["timings"])

	// Empty lists are [], absent errors and status codes null.
	b, err = json.Marshal(&record.Execution{ID: "e", Steps: []record.StepResult{{Index: 0, Skipped: true}}})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &got))
	require.Contains(t, got, "error")
	require.Nil(t, got["error"])
	step = got["steps"].([]any)[0].(map[string]any)
	require.Equal(t, []any{}, step["failures"])
	require.Contains(t, step, "status_code")
	require.Nil(t, step["status_code"])
	require.Nil(t, step["error"])
	b, err = json.Marshal(&record.Execution{ID: "e"})
	require.NoError(t, err)
	require.Contains(t, string(b), `"steps":[]`)
}

func TestWireEmptyDecodesToNil(t *testing.T) {
	t.Parallel()
	var e record.Execution
	require.NoError(t, json.Unmarshal([]byte(`{"id":"e","steps":[],"error":null}`), &e))
	require.Nil(t, e.Steps)
	var r record.StepResult
	require.NoError(t, json.Unmarshal([]byte(`{"index":1,"failures":[],"error":null,"status_code":null}`), &r))
	require.Equal(t, record.StepResult{Index: 1}, r)
}

func TestWireReadsStatusCodeAndDurationAlone(t *testing.T) {
	t.Parallel()
	var r record.StepResult
	require.NoError(t, json.Unmarshal([]byte(`{"index":0,"status_code":204,"duration_ms":12.5}`), &r))
	require.Equal(t, &record.Response{StatusCode: 204}, r.Response)
	require.Equal(t, 12500*time.Microsecond, r.Timings.Total)
}

func TestWireReadsLegacyNanoseconds(t *testing.T) {
	t.Parallel()
	var r record.StepResult
	require.NoError(t, json.Unmarshal([]byte(`{"index":0,"timings":{"dns":1000,"connect":0,"tls":0,"first_byte":5000000,"total":1234567890}}`), &r))
	require.Equal(t, record.Timings{DNS: time.Microsecond, FirstByte: 5 * time.Millisecond, Total: 1234567890}, r.Timings)
}

func TestMillis(t *testing.T) {
	t.Parallel()
	require.Equal(t, 30.25, record.Millis(30250*time.Microsecond))
	require.Equal(t, 0.001, record.Millis(1499*time.Nanosecond))
	require.Equal(t, 1500.0, record.Millis(1500*time.Millisecond))
}
