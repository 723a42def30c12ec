package main

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/smokex/smokex/record"
)

// benchRuns is one plan of 1000 passed steps, as the 1000-step benchmark
// plan leaves them: a request and a response with headers, timings.
func benchRuns() []ranPlan {
	e := &record.Execution{ID: "x", PlanID: "bench", PlanName: "bench", Trigger: record.TriggerCLI, Status: record.StatusPassed,
		StartedAt: testStart, FinishedAt: testStart.Add(time.Second)}
	for i := range 1000 {
		u := fmt.Sprintf("http://127.0.0.1:8080/echo?token=tok-%d", i)
		e.Steps = append(e.Steps, record.StepResult{
			Index: i, Method: "GET", URL: u, StartedAt: testStart,
			Request:  &record.Request{Method: "GET", URL: u, Headers: map[string][]string{"Accept": {"application/json"}}},
			Response: &record.Response{StatusCode: 200, Proto: "HTTP/1.1", Size: 20, Headers: map[string][]string{"Content-Type": {"application/json"}, "X-Echo": {"yes"}}},
			Timings:  record.Timings{FirstByte: 80 * time.Microsecond, Total: 120 * time.Microsecond},
			Attempts: 1, OK: true,
		})
	}
	return []ranPlan{{file: "bench-1000.yaml", exec: e}}
}

// BenchmarkReport1000 writes the reports of a 1000-step run: JSON for a
// pipe and indented, JUnit and HTML. writes/op counts the writes to the
// output, each a system call on a file.
func BenchmarkReport1000(b *testing.B) {
	for _, c := range []struct {
		name  string
		write func(io.Writer, []ranPlan) error
	}{
		{"json", func(w io.Writer, r []ranPlan) error { return writeJSON(w, r, false) }},
		{"json-pretty", func(w io.Writer, r []ranPlan) error { return writeJSON(w, r, true) }},
		{"junit", func(w io.Writer, r []ranPlan) error { return writeJUnit(w, r, time.Second) }},
		{"html", func(w io.Writer, r []ranPlan) error { return writeHTML(w, r, time.Second) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			runs := benchRuns()
			var out countingWriter
			b.ReportAllocs()
			for b.Loop() {
				if err := c.write(&out, runs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.writes)/float64(b.N), "writes/op")
		})
	}
}

// countingWriter counts the writes made to it and drops what they carry.
type countingWriter struct{ writes int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return len(p), nil
}
