package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	collmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/smokex/smokex/record"
)

// serveURL waits for serve to listen and returns its base URL, without
// the trailing slash.
func (s *served) serveURL(t *testing.T) string {
	t.Helper()
	line := s.waitLog(t, `msg="smokex serve: listening" url=\S+`)
	return strings.TrimSuffix(line[strings.Index(line, "url=")+len("url="):], "/")
}

// eventually retries check until it returns true or waitLimit passes.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !check() {
		if time.Now().After(deadline) {
			require.FailNow(t, "gave up waiting: "+what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// promValue sums the samples of metric in a Prometheus text exposition
// whose labels include every one of labels.
func promValue(text, metric string, labels ...string) (sum float64, found bool) {
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err == nil {
			sum += v
			found = true
		}
	}
	return sum, found
}

func TestServeMetricsEndpoint(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--var", "base="+target.URL, dir)
	base := s.serveURL(t)

	var text string
	eventually(t, "/metrics to count every stored execution, two at least", func() bool {
		code, body := call(t, "GET", base+"/api/executions?plan=ticker&limit=100", "")
		require.Equal(t, http.StatusOK, code, body)
		var page struct {
			Executions []*record.Execution `json:"executions"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		stored := 0
		for _, x := range page.Executions {
			if x.Status.Done() {
				stored++
			}
		}
		code, text = call(t, "GET", base+"/metrics", "")
		require.Equal(t, http.StatusOK, code)
		n, _ := promValue(text, "smokex_executions_total", `plan="ticker"`)
		return stored >= 2 && n == float64(stored)
	})
	passed, _ := promValue(text, "smokex_executions_total", `plan="ticker"`, `status="passed"`, `trigger="schedule"`)
	require.Positive(t, passed, text)
	_, found := promValue(text, "smokex_execution_duration_seconds_bucket", `plan="ticker"`, `status="passed"`, `le="0.005"`)
	require.True(t, found, text)
	count, _ := promValue(text, "smokex_step_duration_seconds_count", `plan="ticker"`, `method="GET"`, `outcome="passed"`, `http_response_status_code="2xx"`)
	require.Positive(t, count, text)
	_, found = promValue(text, "smokex_step_duration_seconds_bucket", `plan="ticker"`)
	require.True(t, found, text)
	_, found = promValue(text, "smokex_schedule_lag_seconds_count", `plan="ticker"`)
	require.True(t, found, "the lag of scheduled runs: %s", text)
	up, found := promValue(text, "smokex_plan_up", `plan="ticker"`)
	require.True(t, found, text)
	require.Equal(t, 1.0, up, "the ticker passes: smokex_plan_up == 0 would alert")
	_, found = promValue(text, "smokex_plan_last_run_seconds", `plan="ticker"`)
	require.True(t, found, text)
	require.Contains(t, text, "# TYPE smokex_plan_up gauge")
	require.Contains(t, text, "# TYPE smokex_executions_total counter")
	require.Contains(t, text, "# TYPE smokex_execution_duration_seconds histogram")
	require.Equal(t, exitOK, s.stop(t))
}

// TestServeMetricsErrorBudget scrapes the error budget of a plan with an
// slo that always fails: overspent at once.
func TestServeMetricsErrorBudget(t *testing.T) {
	t.Parallel()
	target := newServer(t)
	dir := t.TempDir()
	writePlan(t, dir, "budget.yaml", "name: budget\nschedule: \"@every 1s\"\nslo: {target: 99.9%, window: 7d}\nsteps:\n  - get: {url: \"{{URL}}/fail\"}\n", target.URL)
	s := startServe(t, nil, dir)
	base := s.serveURL(t)
	var text string
	eventually(t, "/metrics to show the plan's error budget", func() bool {
		_, text = call(t, "GET", base+"/metrics", "")
		_, found := promValue(text, "smokex_slo_error_budget_remaining_ratio", `plan="budget"`)
		return found
	})
	left, _ := promValue(text, "smokex_slo_error_budget_remaining_ratio", `plan="budget"`)
	require.Equal(t, -999.0, left, "every execution failed: 1000 times the budget spent")
	require.Contains(t, text, "# TYPE smokex_slo_error_budget_remaining_ratio gauge")
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeMetricsOff(t *testing.T) {
	t.Parallel()
	target, dir := tickerSetup(t)
	s := startServe(t, nil, "--metrics=false", "--var", "base="+target.URL, dir)
	base := s.serveURL(t)
	code, body := call(t, "GET", base+"/metrics", "")
	require.NotContains(t, body, "smokex_executions_total")
	require.NotEqual(t, http.StatusOK, code)
	require.Equal(t, exitOK, s.stop(t))
}

func TestServeStatsd(t *testing.T) {
	t.Parallel()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer conn.Close()
	var mu sync.Mutex
	var got strings.Builder
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got.Write(buf[:n])
			got.WriteByte('\n')
			mu.Unlock()
		}
	}()
	received := func() string {
		mu.Lock()
		defer mu.Unlock()
		return got.String()
	}

	target, dir := tickerSetup(t)
	// The agent's address from Datadog's own variables.
	host, port, err := net.SplitHostPort(conn.LocalAddr().String())
	require.NoError(t, err)
	s := startServe(t, map[string]string{"DD_AGENT_HOST": host, "DD_DOGSTATSD_PORT": port}, "--var", "base="+target.URL, dir)
	s.waitLog(t, `msg="smokex serve: sending metrics to DogStatsD" addr=`+regexp.QuoteMeta(conn.LocalAddr().String()))
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Equal(t, exitOK, s.stop(t)) // flushes
	eventually(t, "the datagrams", func() bool {
		r := received()
		return strings.Contains(r, "smokex.executions:") && strings.Contains(r, "_sc|smokex.plan|0")
	})
	r := received()
	require.Regexp(t, `(?m)^smokex\.executions:\d+\|c\|#plan:ticker,status:passed,trigger:schedule`, r)
	require.Regexp(t, `(?m)^smokex\.step\.duration:[\d.:]+\|d\|#plan:ticker,method:GET,outcome:passed,http\.response\.status_code:2xx`, r)
	require.Regexp(t, `(?m)^_sc\|smokex\.plan\|0\|d:\d+\|#plan:ticker\|m:plan ticker passed`, r)
}

// otlpReceiver is an OTLP/HTTP receiver: it decodes what arrives at
// /v1/traces and /v1/metrics.
type otlpReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	auth    []string
	spans   []string
	service []string
	metrics []string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.auth = append(rc.auth, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/v1/traces":
			var req colltrace.ExportTraceServiceRequest
			if !otlpAnswer(w, body, &req, &colltrace.ExportTraceServiceResponse{}) {
				return
			}
			for _, rs := range req.ResourceSpans {
				for _, a := range rs.Resource.Attributes {
					if a.Key == "service.name" {
						rc.service = append(rc.service, a.Value.GetStringValue())
					}
				}
				for _, ss := range rs.ScopeSpans {
					for _, sp := range ss.Spans {
						rc.spans = append(rc.spans, sp.Name)
					}
				}
			}
		case "/v1/metrics":
			var req collmetrics.ExportMetricsServiceRequest
			if !otlpAnswer(w, body, &req, &collmetrics.ExportMetricsServiceResponse{}) {
				return
			}
			for _, rm := range req.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						rc.metrics = append(rc.metrics, m.Name)
					}
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// otlpAnswer decodes body into req and answers resp, or answers 400.
func otlpAnswer(w http.ResponseWriter, body []byte, req, resp proto.Message) bool {
	if err := proto.Unmarshal(body, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	b, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(b)
	return true
}

func TestServeOTLP(t *testing.T) {
	t.Parallel()
	rc := newOTLPReceiver(t)
	var mu sync.Mutex
	var traceparents []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		mu.Unlock()
	}))
	defer target.Close()
	dir := t.TempDir()
	writePlan(t, dir, "ticker.yaml", tickerPlan, "")
	s := startServe(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL,
		"OTEL_EXPORTER_OTLP_HEADERS":  "Authorization=Bearer%20t0ken",
		"OTEL_SERVICE_NAME":           "smoke-prod",
	}, "--var", "base="+target.URL, dir)
	s.waitLog(t, `msg="smokex serve: exporting metrics and traces by OTLP" traces=`+regexp.QuoteMeta(rc.URL)+`/v1/traces`)
	s.waitLog(t, finishedLine("ticker", "passed"))
	require.Equal(t, exitOK, s.stop(t)) // flushes both

	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.Contains(t, rc.spans, "smokex.execution")
	require.Contains(t, rc.spans, "smokex.step")
	require.Contains(t, rc.spans, "GET")
	require.Contains(t, rc.service, "smoke-prod")
	require.Contains(t, rc.metrics, "smokex.executions")
	require.Contains(t, rc.metrics, "smokex.step.duration")
	for _, a := range rc.auth {
		require.Equal(t, "Bearer t0ken", a)
	}
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, traceparents)
	require.Regexp(t, `^00-[0-9a-f]{32}-[0-9a-f]{16}-01$`, traceparents[0])
}

func TestStatsdAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"", nil, ""},
		{"10.0.0.1:8125", map[string]string{"DD_AGENT_HOST": "agent"}, "10.0.0.1:8125"},
		{"", map[string]string{"DD_DOGSTATSD_URL": "unix:///var/run/datadog/dsd.socket", "DD_AGENT_HOST": "agent"}, "unix:///var/run/datadog/dsd.socket"},
		{"", map[string]string{"DD_AGENT_HOST": "agent"}, "agent:8125"},
		{"", map[string]string{"DD_AGENT_HOST": "::1", "DD_DOGSTATSD_PORT": "9125"}, "[::1]:9125"},
	} {
		got := statsdAddr(c.flag, func(name string) (string, bool) { v, ok := c.env[name]; return v, ok })
		require.Equal(t, c.want, got, fmt.Sprint(c))
	}
	_, err := otlpHeaders("a=b,broken")
	require.Error(t, err)
	h, err := otlpHeaders("api-key=x%2Cy, team = core")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"api-key": "x,y", "team": "core"}, h)
}
