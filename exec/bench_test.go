package exec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// benchHandler answers like a small JSON API.
func benchHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":42,"name":"ada","roles":["admin","dev"],"ok":true}`)
}

// benchPlan is n steps alternating a plain GET with status check and a GET
// with a JSON assertion, a capture and an assert.
func benchPlan(b *testing.B, n int) *plan.Plan {
	b.Helper()
	var src strings.Builder
	src.WriteString("steps:\n")
	for i := range n {
		if i%2 == 0 {
			src.WriteString(`  - get: {host: "${base}/a", expect: {status_code: 200}}` + "\n")
			continue
		}
		src.WriteString(`  - get: {host: "${base}/b?n=${id}", headers: {Accept: application/json}, expect: {json: {name: ada}, assert: ["json.id == 42"]}, save_from_response: [{variable_name: id, json_path: $.id}]}` + "\n")
	}
	p, err := plan.Parse([]byte(src.String()), nil)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// funcTransport serves requests with a handler in process, without a
// network.
type funcTransport func(*http.Request) (*http.Response, error)

func (f funcTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func inProcess(h http.Handler) *http.Client {
	return &http.Client{Transport: serveTransport{h}}
}

func benchmarkRun(b *testing.B, r *exec.Runner, base string, steps int) {
	p := benchPlan(b, steps)
	opts := func() *exec.RunOpts { return &exec.RunOpts{Vars: map[string]any{"base": base, "id": 0}} }
	ctx := context.Background()
	if e := r.Run(ctx, p, opts()); e.Status != record.StatusPassed {
		b.Fatalf("status %s: %+v", e.Status, e.Steps[0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if e := r.Run(ctx, p, opts()); e.Status != record.StatusPassed {
			b.Fatalf("status %s", e.Status)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}

// BenchmarkStepInProcess measures the executor's own cost per step: the
// transport serves a handler in process.
func BenchmarkStepInProcess(b *testing.B) {
	r := exec.New(exec.Config{Client: inProcess(http.HandlerFunc(benchHandler))})
	benchmarkRun(b, r, "http://app.test", 100)
}

// BenchmarkStepLoopback runs steps against a server on loopback.
func BenchmarkStepLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(benchHandler))
	defer srv.Close()
	r := exec.New(exec.Config{})
	defer r.CloseIdleConnections()
	benchmarkRun(b, r, srv.URL, 100)
}

// BenchmarkPlainLoopback is the floor BenchmarkStepLoopback compares with:
// net/http alone sending the same requests and reading the bodies.
func BenchmarkPlainLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(benchHandler))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	const steps = 100
	b.ReportAllocs()
	for b.Loop() {
		for i := range steps {
			path := "/a"
			if i%2 == 1 {
				path = "/b?n=42"
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			if err != nil {
				b.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}

// BenchmarkPlainInProcess is the floor BenchmarkStepInProcess compares
// with: net/http and encoding/json alone sending the same requests through
// the same in-process transport and making the same checks (the status;
// for every other step the JSON name, the id and its capture). Its allocs
// are the handler's and the transport's, which the executor pays too:
// BenchmarkStepInProcess's less these are the executor's own.
func BenchmarkPlainInProcess(b *testing.B) {
	client := inProcess(http.HandlerFunc(benchHandler))
	ctx := context.Background()
	const steps = 100
	var buf bytes.Buffer
	id := any(0)
	b.ReportAllocs()
	for b.Loop() {
		for i := range steps {
			url := "http://app.test/a"
			if i%2 == 1 {
				url = fmt.Sprint("http://app.test/b?n=", id)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			if i%2 == 1 {
				req.Header.Set("Accept", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			buf.Reset()
			_, _ = buf.ReadFrom(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
			if i%2 == 1 {
				var v map[string]any
				if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
					b.Fatal(err)
				}
				if v["name"] != "ada" || v["id"] != float64(42) {
					b.Fatal(v)
				}
				id = v["id"]
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/step")
}
