package record_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

// wireCase is an execution to encode, with the file of the CLI's report.
type wireCase struct {
	name string
	exec *record.Execution
	file string
}

// wireCases are executions with every field set, with and without a file,
// and the smallest ones, with strings that encoding/json escapes.
func wireCases() []wireCase {
	escaped := fullExecution()
	escaped.PlanName = "<a href=\"x\">&amp;</a> \u2028\u2029 \x01 é 🙂"
	escaped.Steps[0].Name = "tab\there \"quoted\" back\\slash"
	escaped.Steps[0].Response.Body = "{\"k\": [1, 2, {\"n\": null}]}\n"
	twoSteps := fullExecution()
	twoSteps.Steps = append(twoSteps.Steps, record.StepResult{Index: 2, Name: "skipped", Method: "GET", URL: "https://api.example.test/", Skipped: true})
	twoSteps.Error = nil
	return []wireCase{
		{name: "full", exec: fullExecution()},
		{name: "full-file", exec: fullExecution(), file: "plans/checkout.yaml"},
		{name: "escaped-file", exec: escaped, file: "plans/<x>&\"y\".yaml"},
		{name: "two-steps", exec: twoSteps, file: "a.yaml"},
		{name: "empty", exec: &record.Execution{}},
		{name: "running", exec: &record.Execution{ID: "e", PlanID: "p", Status: record.StatusRunning, StartedAt: t0}},
		{name: "steps-no-file", exec: &record.Execution{ID: "e", Steps: []record.StepResult{{Index: 0, Skipped: true}, {Index: 1, Timings: record.Timings{Total: time.Millisecond}}}}},
	}
}

// TestWriteJSON checks that WriteJSON, json.Marshal and MarshalJSON write
// the bytes the wire format had when the execution was encoded whole in
// one json.Marshal (testdata/wire.golden.json, written then).
func TestWriteJSON(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile("testdata/wire.golden.json")
	require.NoError(t, err)
	var want map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(golden, &want))
	cases := wireCases()
	require.Len(t, want, len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, want[c.name]))
			f := record.WithFile{Execution: c.exec, File: c.file}
			var streamed bytes.Buffer
			require.NoError(t, f.WriteJSON(&streamed))
			require.Equal(t, compact.String(), streamed.String())
			marshaled, err := json.Marshal(f)
			require.NoError(t, err)
			require.Equal(t, compact.String(), string(marshaled))
			if c.file == "" {
				marshaled, err = json.Marshal(c.exec)
				require.NoError(t, err)
				require.Equal(t, compact.String(), string(marshaled))
				marshaled, err = c.exec.MarshalJSON()
				require.NoError(t, err)
				require.Equal(t, compact.String(), string(marshaled))
			}
		})
	}
}

// writeCounter counts the writes made to it and keeps the largest.
type writeCounter struct{ writes, largest int }

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

// WriteJSON writes an execution a step at a time, never the whole.
func TestWriteJSONStepAtATime(t *testing.T) {
	t.Parallel()
	e := fullExecution()
	step := e.Steps[0]
	for i := range 99 {
		step.Index = i + 2
		e.Steps = append(e.Steps, step)
	}
	whole, err := json.Marshal(e)
	require.NoError(t, err)
	var w writeCounter
	require.NoError(t, record.WithFile{Execution: e}.WriteJSON(&w))
	require.Equal(t, len(e.Steps)+1, w.writes)
	require.Less(t, w.largest, len(whole)/50)
}
