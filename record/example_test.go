package record_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/smokex/smokex/record"
)

// The wire format of an execution: durations in milliseconds, the status
// code of each step beside it, [] and null rather than absent fields.
func ExampleExecution_MarshalJSON() {
	start := time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)
	e := record.Execution{
		ID: "ex1", PlanID: "health", PlanName: "Health", Trigger: record.TriggerCLI,
		Status: record.StatusPassed, CreatedAt: start, StartedAt: start, FinishedAt: start.Add(42 * time.Millisecond),
		Steps: []record.StepResult{{
			Index: 0, Name: "GET /health", Method: "GET", URL: "http://127.0.0.1:8080/health",
			Response: &record.Response{StatusCode: 200, Size: 2},
			Timings:  record.Timings{FirstByte: 30 * time.Millisecond, Total: 40250 * time.Microsecond},
			Attempts: 1, OK: true,
		}},
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output:
	// {
	//   "plan": "health",
	//   "status": "passed",
	//   "started_at": "2026-11-26T21:00:00Z",
	//   "finished_at": "2026-11-26T21:00:00.042Z",
	//   "duration_ms": 42,
	//   "steps": [
	//     {
	//       "index": 0,
	//       "name": "GET /health",
	//       "method": "GET",
	//       "url": "http://127.0.0.1:8080/health",
	//       "status_code": 200,
	//       "duration_ms": 40.25,
	//       "attempts": 1,
	//       "ok": true,
	//       "skipped": false,
	//       "failures": [],
	//       "error": null,
	//       "response": {
	//         "status_code": 200,
	//         "size": 2
	//       },
	//       "timings": {
	//         "dns_ms": 0,
	//         "connect_ms": 0,
	//         "tls_ms": 0,
	//         "first_byte_ms": 30,
	//         "total_ms": 40.25
	//       }
	//     }
	//   ],
	//   "error": null,
	//   "id": "ex1",
	//   "plan_name": "Health",
	//   "trigger": "cli",
	//   "created_at": "2026-11-26T21:00:00Z"
	// }
}

// The CLI's JSON report: an execution in its wire format with the file its
// plan came from after the plan's ID.
func ExampleWithFile() {
	start := time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)
	e := &record.Execution{PlanID: "health", Status: record.StatusPassed, StartedAt: start, FinishedAt: start.Add(42 * time.Millisecond)}
	b, err := json.Marshal(record.WithFile{Execution: e, File: "plans/health.yaml"})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"plan":"health","file":"plans/health.yaml","status":"passed","started_at":"2026-11-26T21:00:00Z","finished_at":"2026-11-26T21:00:00.042Z","duration_ms":42,"steps":[],"error":null,"id":"","plan_name":"","trigger":"","created_at":"0001-01-01T00:00:00Z"}
}

// WriteJSON writes the same bytes as MarshalJSON, a step at a time, for a
// report of many steps that need not be whole in memory.
func ExampleWithFile_WriteJSON() {
	start := time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC)
	e := &record.Execution{PlanID: "health", Status: record.StatusPassed, StartedAt: start, FinishedAt: start.Add(42 * time.Millisecond),
		Steps: []record.StepResult{{Index: 0, Name: "ping", Method: "GET", URL: "http://localhost/ping", OK: true, Attempts: 1}}}
	w := bufio.NewWriter(os.Stdout)
	if err := (record.WithFile{Execution: e, File: "plans/health.yaml"}).WriteJSON(w); err != nil {
		panic(err)
	}
	w.WriteByte('\n')
	w.Flush()
	// Output:
	// {"plan":"health","file":"plans/health.yaml","status":"passed","started_at":"2026-11-26T21:00:00Z","finished_at":"2026-11-26T21:00:00.042Z","duration_ms":42,"steps":[{"index":0,"name":"ping","method":"GET","url":"http://localhost/ping","status_code":null,"duration_ms":0,"attempts":1,"ok":true,"skipped":false,"failures":[],"error":null,"timings":{"dns_ms":0,"connect_ms":0,"tls_ms":0,"first_byte_ms":0,"total_ms":0}}],"error":null,"id":"","plan_name":"","trigger":"","created_at":"0001-01-01T00:00:00Z"}
}
