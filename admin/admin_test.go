package admin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fixture is admintest's, with the helpers of this package's own tests.
type fixture struct{ *admintest.Fixture }

func newFixture(t *testing.T, cfg *admin.Config, prefix string) *fixture {
	t.Helper()
	return &fixture{admintest.New(t, cfg, prefix, nil)}
}

// requireError checks an error answer: its code and that its message
// holds want.
func requireError(t *testing.T, code int, want string, gotCode int, body []byte) {
	t.Helper()
	require.Equal(t, code, gotCode, string(body))
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.Contains(t, e.Error, want)
}

func TestPlans(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	f.Run(t, "up")
	f.Run(t, "up")
	f.Run(t, "down")

	var plans map[string]map[string]any
	require.Eventually(t, func() bool {
		plans = f.PlansByID(t)
		return plans["up"]["last"] != nil && plans["down"]["last"] != nil &&
			plans["up"]["summary"].(map[string]any)["executions"] == 2.0
	}, 5*time.Second, 20*time.Millisecond)
	require.Len(t, plans, 3)

	up := plans["up"]
	require.Equal(t, "up", up["name"])
	require.Equal(t, "The service answers", up["description"])
	require.Equal(t, map[string]any{"team": "core"}, up["labels"])
	require.Equal(t, "@hourly", up["schedule"])
	require.NotNil(t, up["next_run"])
	_, err := time.Parse(time.RFC3339, up["next_run"].(string))
	require.NoError(t, err)
	require.Equal(t, "passed", up["status"])
	require.Equal(t, true, up["read_only"])
	require.Equal(t, "up.yaml", up["file"])
	require.Nil(t, up["source"], "the list leaves the sources out")
	sum := up["summary"].(map[string]any)
	require.Equal(t, 1.0, sum["success_rate"])
	require.Equal(t, map[string]any{"passed": 2.0}, sum["counts"])
	require.Greater(t, sum["p50_ms"], 0.0)
	require.GreaterOrEqual(t, sum["p95_ms"], sum["p50_ms"])
	last := up["last"].(map[string]any)
	require.Equal(t, "passed", last["status"])

	down := plans["down"]
	require.Equal(t, "failed", down["status"])
	require.Nil(t, down["next_run"])
	require.Equal(t, map[string]any{}, down["labels"])
	require.Equal(t, 0.0, down["summary"].(map[string]any)["success_rate"])

	never := plans["secret"]
	require.Equal(t, "pending", never["status"])
	require.Nil(t, never["last"])
	require.Nil(t, never["summary"].(map[string]any)["success_rate"])

	one := f.GetJSON(t, "api/plans/up", 200)
	require.Equal(t, "up", one["id"])
	require.Contains(t, one["source"], "The service answers")
	require.Equal(t, up["summary"], one["summary"])

	code, _, body := f.Do(t, "GET", "api/plans/nope", "")
	requireError(t, 404, `no plan has the id "nope"`, code, body)
}

func TestExecutions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	var ids []string
	for range 3 {
		ids = append(ids, f.Run(t, "up").ID)
	}
	failed := f.Run(t, "down")

	// Newest first, all plans.
	out := f.GetJSON(t, "api/executions", 200)
	xs := out["executions"].([]any)
	require.Len(t, xs, 4)
	require.Equal(t, "", out["next_cursor"])
	first := xs[0].(map[string]any)
	require.Equal(t, failed.ID, first["id"])
	require.Equal(t, "failed", first["status"])
	require.Equal(t, "manual", first["trigger"])
	for _, field := range []string{"id", "plan", "status", "trigger", "started_at", "finished_at", "duration_ms"} {
		require.Contains(t, first, field)
	}

	// Filters and paging.
	out = f.GetJSON(t, "api/executions?plan=up&limit=2", 200)
	page := out["executions"].([]any)
	require.Len(t, page, 2)
	require.Equal(t, ids[2], page[0].(map[string]any)["id"])
	require.Equal(t, ids[1], page[1].(map[string]any)["id"])
	cursor := out["next_cursor"].(string)
	require.NotEmpty(t, cursor)
	out = f.GetJSON(t, "api/executions?plan=up&limit=2&cursor="+cursor, 200)
	page = out["executions"].([]any)
	require.Len(t, page, 1)
	require.Equal(t, ids[0], page[0].(map[string]any)["id"])
	require.Equal(t, "", out["next_cursor"])

	out = f.GetJSON(t, "api/executions?status=failed,canceled", 200)
	require.Len(t, out["executions"], 1)
	out = f.GetJSON(t, "api/executions?status=passed&status=failed", 200)
	require.Len(t, out["executions"], 4)
	out = f.GetJSON(t, "api/executions?plan=nope", 200)
	require.Equal(t, []any{}, out["executions"])

	for query, want := range map[string]string{
		"status=done":             `status "done" is not one of`,
		"limit=0":                 "limit must be a number from 1 to 1000",
		"limit=x":                 "limit must be a number",
		"limit=1001":              "limit must be a number",
		"cursor=bm90IGEgY3Vyc29y": "cursor",
	} {
		code, _, body := f.Do(t, "GET", "api/executions?"+query, "")
		requireError(t, 400, want, code, body)
	}

	// One execution, with its steps, failures and excerpts.
	x := f.GetJSON(t, "api/executions/"+failed.ID, 200)
	require.Equal(t, "down", x["plan"])
	steps := x["steps"].([]any)
	require.Len(t, steps, 2)
	broken := steps[0].(map[string]any)
	require.Equal(t, "broken", broken["name"])
	require.Equal(t, false, broken["ok"])
	fl := broken["failures"].([]any)[0].(map[string]any)
	require.Equal(t, "status_code", fl["type"])
	require.Equal(t, "200", fl["expected"])
	require.Equal(t, "500", fl["received"])
	resp := broken["response"].(map[string]any)
	require.Equal(t, 500.0, resp["status_code"])
	require.Contains(t, resp["body"], "nope")
	require.NotNil(t, broken["request"])
	require.Contains(t, broken, "timings")

	code, _, body := f.Do(t, "GET", "api/executions/nope", "")
	requireError(t, 404, `no execution has the id "nope"`, code, body)
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	out := f.GetJSON(t, "api/schedule", 200)
	entries := out["entries"].([]any)
	require.Len(t, entries, 1)
	e := entries[0].(map[string]any)
	require.Equal(t, "up", e["plan"])
	require.Equal(t, "@hourly", e["schedule"])
	next, err := time.Parse(time.RFC3339, e["next_run"].(string))
	require.NoError(t, err)
	require.True(t, next.After(time.Now()))
	require.Nil(t, e["prev_run"])
}

func TestStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	// No plans: passing.
	out := f.GetJSON(t, "status", 200)
	require.Equal(t, "passing", out["status"])
	require.Equal(t, []any{}, out["plans"])

	f.Sync(t)
	f.Run(t, "up")
	require.Eventually(t, func() bool {
		code, _, _ := f.Do(t, "GET", "status", "")
		return code == 200
	}, 5*time.Second, 20*time.Millisecond)
	out = f.GetJSON(t, "status", 200)
	require.Contains(t, out["plans"], map[string]any{"id": "up", "status": "passed"})
	require.Contains(t, out["plans"], map[string]any{"id": "down", "status": "pending"})

	f.Run(t, "down")
	require.Eventually(t, func() bool {
		code, _, _ := f.Do(t, "GET", "status", "")
		return code == 503
	}, 5*time.Second, 20*time.Millisecond)
	out = f.GetJSON(t, "status", 503)
	require.Equal(t, "failing", out["status"])
	require.Contains(t, out["plans"], map[string]any{"id": "down", "status": "failed"})

	code, hdr, body := f.Do(t, "POST", "status", "")
	requireError(t, 405, "method POST is not allowed here", code, body)
	require.Equal(t, "GET, HEAD", hdr.Get("Allow"))
	code, _, _ = f.Do(t, "HEAD", "status", "")
	require.Equal(t, 503, code)
}

// TestStatusSelects: /status?plan=ID answers for one plan, and
// ?label=key=value for the plans with that label, so that a load balancer
// or an uptime checker watches one service.
func TestStatusSelects(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	f.Run(t, "up")
	f.Run(t, "down")
	require.Eventually(t, func() bool {
		code, _, _ := f.Do(t, "GET", "status", "")
		return code == 503
	}, 5*time.Second, 20*time.Millisecond)

	out := f.GetJSON(t, "status?plan=up", 200)
	require.Equal(t, "passing", out["status"])
	require.Equal(t, []any{map[string]any{"id": "up", "status": "passed"}}, out["plans"])
	require.Equal(t, []any{}, out["load_errors"])
	out = f.GetJSON(t, "status?plan=down", 503)
	require.Equal(t, "failing", out["status"])
	out = f.GetJSON(t, "status?label=team=core", 200)
	require.Equal(t, []any{map[string]any{"id": "up", "status": "passed"}}, out["plans"])
	f.GetJSON(t, "status?plan=up&label=team=core", 200)

	code, _, body := f.Do(t, "GET", "status?plan=demo-logn", "")
	requireError(t, 404, `no plan has the id "demo-logn"`, code, body)
	code, _, body = f.Do(t, "GET", "status?label=team=payments", "")
	requireError(t, 404, "no plan has the label team=payments", code, body)
	code, _, body = f.Do(t, "GET", "status?plan=down&label=team=core", "")
	requireError(t, 404, "no plan has the label team=core", code, body)
	code, _, body = f.Do(t, "GET", "status?label=team", "")
	requireError(t, 400, `label "team" is not key=value`, code, body)
	code, _, body = f.Do(t, "GET", "status?plan=up&plan=down", "")
	requireError(t, 400, "give one plan", code, body)
}

// TestLoadErrors: a file that does not load is in /api/plans' load_errors,
// on the plan it held (load_error) and in /status.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	fsys := fstest.MapFS{}
	maps.Copy(fsys, admintest.Plans)
	fsys["up.yaml"] = &fstest.MapFile{Data: []byte("name: up\nsteps:\n  - get: {url: \"${base}/ok\", nope: 1}\n")}
	fsys["new.yaml"] = &fstest.MapFile{Data: []byte("steps: [")}
	_, err := f.Eng.SyncFS(context.Background(), admintest.Plans)
	require.NoError(t, err)
	_, err = f.Eng.SyncFS(context.Background(), fsys)
	require.Error(t, err)

	out := f.GetJSON(t, "api/plans", 200)
	errs := out["load_errors"].([]any)
	require.Len(t, errs, 2)
	first := errs[0].(map[string]any)
	require.Equal(t, "new.yaml", first["file"])
	require.NotContains(t, first, "plan")
	second := errs[1].(map[string]any)
	require.Equal(t, "up.yaml", second["file"])
	require.Equal(t, "up", second["plan"])
	require.NotEmpty(t, second["since"])
	pe := second["errors"].([]any)[0].(map[string]any)
	require.Equal(t, float64(3), pe["line"])
	require.Contains(t, pe["message"], "nope")
	up := f.PlansByID(t)["up"]
	require.Equal(t, "up.yaml", up["load_error"].(map[string]any)["file"])
	require.NotContains(t, f.PlansByID(t)["down"], "load_error")

	out = f.GetJSON(t, "status", 200)
	require.Len(t, out["load_errors"], 2)
	out = f.GetJSON(t, "status?plan=down", 200)
	require.Equal(t, []any{}, out["load_errors"])
	out = f.GetJSON(t, "status?plan=up", 200)
	require.Len(t, out["load_errors"], 1)
}

func TestBadge(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	f.Run(t, "up")
	f.Run(t, "down")
	for id, want := range map[string]string{"up": "passed", "down": "failed", "secret": "pending"} {
		require.Eventually(t, func() bool {
			code, hdr, body := f.Do(t, "GET", "badge/"+id+".svg", "")
			return code == 200 && hdr.Get("Content-Type") == "image/svg+xml" &&
				strings.Contains(string(body), "<svg") && strings.Contains(string(body), ">"+want+"<")
		}, 5*time.Second, 20*time.Millisecond, id)
	}
	_, _, body := f.Do(t, "GET", "badge/up.svg?label=<api>", "")
	require.Contains(t, string(body), "&lt;api&gt;")
	require.NotContains(t, string(body), "<api>")
	code, _, body := f.Do(t, "GET", "badge/nope.svg", "")
	require.Equal(t, 404, code)
	require.Contains(t, string(body), "not found")
	code, _, body = f.Do(t, "GET", "badge/up.png", "")
	requireError(t, 404, "/badge/{id}.svg", code, body)
}

func TestUnknownAPIPath(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	code, _, body := f.Do(t, "GET", "api/nothing", "")
	requireError(t, 404, "no such API endpoint: /api/nothing", code, body)
	code, hdr, body := f.Do(t, "PATCH", "api/plans/up", "")
	requireError(t, 405, "method PATCH is not allowed", code, body)
	require.Equal(t, "GET, HEAD, PUT, DELETE", hdr.Get("Allow"))
}

func TestMutationsAreOffByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	code, _, body := f.Do(t, "POST", "api/plans/up/runs", "")
	requireError(t, 403, "running and pausing plans is turned off", code, body)
	code, _, body = f.Do(t, "PUT", "api/plans/new", "[{get: {url: 'http://127.0.0.1:1/'}}]")
	requireError(t, 403, "editing plans is turned off", code, body)
	code, _, body = f.Do(t, "DELETE", "api/plans/up", "")
	requireError(t, 403, "deleting plans is turned off", code, body)
	_, err := f.Eng.Plan("up")
	require.NoError(t, err)
	_, err = f.Eng.Plan("new")
	require.ErrorIs(t, err, smokex.ErrPlanNotFound)
}

func TestEditPlans(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowRun: true, AllowEdit: true, AllowDelete: true}, "/")
	f.Sync(t)

	src := "name: Anything\nschedule: \"@daily\"\nsteps:\n  - get:\n      url: \"${base}/ok\"\n"
	code, hdr, body := f.Do(t, "PUT", "api/plans/checkout", src)
	require.Equal(t, 201, code, string(body))
	require.Equal(t, "plans/checkout", hdr.Get("Location"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	require.Equal(t, "checkout", got["id"], "the path names the plan")
	require.Equal(t, "Anything", got["name"])
	require.Equal(t, src, got["source"])
	require.Equal(t, false, got["read_only"])
	require.NotNil(t, got["next_run"])
	require.Contains(t, f.PlansByID(t), "checkout", "a change through the API shows at once")

	// Replace it.
	src2 := strings.Replace(src, "@daily", "@hourly", 1)
	code, _, body = f.Do(t, "PUT", "api/plans/checkout", src2)
	require.Equal(t, 200, code, string(body))
	require.Equal(t, "@hourly", f.GetJSON(t, "api/plans/checkout", 200)["schedule"])

	// A mistake: 422 with the line and column, nothing changed.
	code, _, body = f.Do(t, "PUT", "api/plans/checkout", "name: x\nsteps:\n  - get:\n      url: \"${base}/ok\"\n      expect:\n        status: 200\n")
	require.Equal(t, 422, code, string(body))
	var errs struct {
		Errors []struct {
			Line    int    `json:"line"`
			Column  int    `json:"column"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(body, &errs))
	require.Len(t, errs.Errors, 1)
	require.Equal(t, 6, errs.Errors[0].Line)
	require.Equal(t, 9, errs.Errors[0].Column)
	require.Contains(t, errs.Errors[0].Message, `unknown key "status"`)
	require.Equal(t, "@hourly", f.GetJSON(t, "api/plans/checkout", 200)["schedule"])

	code, _, body = f.Do(t, "PUT", "api/plans/checkout", "steps: [")
	require.Equal(t, 422, code, string(body))
	require.Contains(t, string(body), `"line":2,"column":1,"message":"invalid YAML`)

	code, _, body = f.Do(t, "PUT", "api/plans/Not%20An%20ID", src)
	requireError(t, 400, "is not a plan id", code, body)
	code, _, body = f.Do(t, "PUT", "api/plans/big", "# "+strings.Repeat("x", plan.DefaultMaxSize))
	requireError(t, 413, "must not be larger than", code, body)

	// Plans from files are read-only, and say where they come from.
	code, _, body = f.Do(t, "PUT", "api/plans/up", src)
	requireError(t, 409, "plan up comes from the file up.yaml and is read-only here", code, body)
	code, _, body = f.Do(t, "DELETE", "api/plans/up", "")
	requireError(t, 409, "comes from the file up.yaml", code, body)

	// Run it.
	code, hdr, body = f.Do(t, "POST", "api/plans/checkout/runs", "")
	require.Equal(t, 202, code, string(body))
	var run struct {
		ExecutionID string `json:"execution_id"`
	}
	require.NoError(t, json.Unmarshal(body, &run))
	require.NotEmpty(t, run.ExecutionID)
	require.Equal(t, "../../executions/"+run.ExecutionID, hdr.Get("Location"))
	require.Eventually(t, func() bool {
		x := f.GetJSON(t, "api/executions/"+run.ExecutionID, 200)
		return x["status"] == "passed" && x["trigger"] == "api"
	}, 5*time.Second, 20*time.Millisecond)
	code, _, body = f.Do(t, "POST", "api/plans/nope/runs", "")
	requireError(t, 404, "plan not found", code, body)

	// Delete it.
	code, _, body = f.Do(t, "DELETE", "api/plans/checkout", "")
	require.Equal(t, 204, code, string(body))
	require.Empty(t, body)
	require.NotContains(t, f.PlansByID(t), "checkout")
	code, _, body = f.Do(t, "DELETE", "api/plans/checkout", "")
	requireError(t, 404, "plan not found", code, body)
}

func TestRunWhileRunningConflicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowRun: true, AllowEdit: true}, "/")
	code, _, body := f.Do(t, "PUT", "api/plans/slow", "[{get: {url: '${base}/slow'}}]")
	require.Equal(t, 201, code, string(body))
	code, _, body = f.Do(t, "POST", "api/plans/slow/runs", "")
	require.Equal(t, 202, code, string(body))
	code, _, body = f.Do(t, "POST", "api/plans/slow/runs", "")
	requireError(t, 409, "still running", code, body)
}

func TestCrossOriginMutationsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowRun: true, AllowEdit: true, AllowDelete: true}, "/")
	f.Sync(t)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		code, _, body := f.Do(t, "POST", "api/plans/up/runs", "", h...)
		requireError(t, 403, "cross-origin request refused", code, body)
		code, _, body = f.Do(t, "PUT", "api/plans/x", "[{get: {url: 'http://127.0.0.1:1/'}}]", h...)
		requireError(t, 403, "cross-origin request refused", code, body)
		code, _, body = f.Do(t, "DELETE", "api/plans/secret", "", h...)
		requireError(t, 403, "cross-origin request refused", code, body)
		// Reading stays open: a dashboard elsewhere may embed a badge.
		code, _, _ = f.Do(t, "GET", "api/plans", "", h...)
		require.Equal(t, 200, code)
	}
	// The same origin, as a browser sends it, passes.
	code, _, body := f.Do(t, "POST", "api/plans/up/runs", "", "Sec-Fetch-Site", "same-origin")
	require.Equal(t, 202, code, string(body))
	code, _, body = f.Do(t, "DELETE", "api/plans/secret", "", "Origin", f.Srv.URL)
	require.Equal(t, 409, code, string(body), "past the origin check, refused as a file's plan")
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{Authorize: func(r *http.Request) bool {
		return r.Header.Get("X-Key") == "k"
	}}, "/")
	for _, path := range []string{"api/plans", "status", "badge/x.svg", "events", "", "plans/x"} {
		code, _, body := f.Do(t, "GET", path, "")
		requireError(t, 401, "unauthorized", code, body)
	}
	code, _, _ := f.Do(t, "GET", "api/plans", "", "X-Key", "k")
	require.Equal(t, 200, code)
}

func TestMountedUnderAPrefix(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowRun: true}, "/admin/smoke/")
	f.Sync(t)
	require.Len(t, f.GetJSON(t, "api/plans", 200)["plans"], 3)
	code, _, body := f.Do(t, "POST", "api/plans/up/runs", "")
	require.Equal(t, 202, code, string(body))
	code, _, _ = f.Do(t, "GET", "status", "")
	require.Contains(t, []int{200, 503}, code)
	code, _, body = f.Do(t, "GET", "", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), "<!doctype html>")
}

func TestSecretsStayRedacted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	x := f.Run(t, "secret")
	require.Equal(t, record.StatusPassed, x.Status, "the secret was sent")
	for _, path := range []string{"api/executions/" + x.ID, "api/executions", "api/plans", "api/plans/secret", "executions/" + x.ID, "plans/secret", ""} {
		_, _, body := f.Do(t, "GET", path, "")
		require.NotContains(t, string(body), admintest.SecretValue, path)
	}
}

// sseEvent is one message read from /events.
type sseEvent struct {
	id, event string
	data      admin.Event
}

// readEvents reads messages from an /events stream into a channel.
func readEvents(t *testing.T, body io.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &ev.data); err != nil {
					t.Errorf("event data %s: %v", line[6:], err)
				}
			}
		}
	}()
	return out
}

// openEvents connects to /events, with a Last-Event-ID when lastID is set.
func (f *fixture) openEvents(t *testing.T, ctx context.Context, lastID string) <-chan sseEvent {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", f.URL+"events", nil)
	require.NoError(t, err)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	t.Cleanup(func() { resp.Body.Close() })
	return readEvents(t, resp.Body)
}

func next(t *testing.T, c <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-c:
		require.True(t, ok, "the stream ended")
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return sseEvent{}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := f.openEvents(t, ctx, "")
	// The stream is subscribed once its headers arrive.
	x := f.Run(t, "down")

	var got []sseEvent
	for range 5 {
		got = append(got, next(t, events))
	}
	types := []string{}
	for i, ev := range got {
		types = append(types, ev.event)
		require.Equal(t, ev.event, ev.data.Type)
		require.Equal(t, x.ID, ev.data.Execution.ID)
		require.Equal(t, "down", ev.data.Plan.ID)
		require.Equal(t, fmt.Sprint(i+1), ev.id, "ids count up")
	}
	require.Equal(t, []string{"execution_created", "execution_started", "step_finished", "step_finished", "execution_finished"}, types)
	require.Equal(t, "broken", got[2].data.Step.Name)
	require.Len(t, got[4].data.Execution.Steps, 2)
	require.Equal(t, record.StatusFailed, got[4].data.Execution.Status)

	// A client that comes back gets what it missed.
	again := f.openEvents(t, ctx, "2")
	for _, want := range []string{"3", "4", "5"} {
		require.Equal(t, want, next(t, again).id)
	}
	code, _, body := f.Do(t, "GET", "events", "", "Last-Event-ID", "x")
	requireError(t, 400, "Last-Event-ID must be the id of an event", code, body)
}

func TestEventsHeartbeat(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{Heartbeat: 20 * time.Millisecond}, "/")
	req, err := http.NewRequest("GET", f.URL+"events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	beats := 0
	for beats < 2 && sc.Scan() {
		if sc.Text() == ": heartbeat" {
			beats++
		}
	}
	require.Equal(t, 2, beats)
}

// TestEventsEndWithTheServer checks that Server.Shutdown ends open
// streams rather than waiting for them.
func TestEventsEndWithTheServer(t *testing.T) {
	t.Parallel()
	eng, err := smokex.New(smokex.Config{RetentionInterval: -1})
	require.NoError(t, err)
	defer eng.Stop(context.Background())
	srv := httptest.NewServer(admin.New(eng, nil))
	resp, err := http.Get(srv.URL + "/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	require.NoError(t, srv.Config.Shutdown(ctx))
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, err, "the stream ended cleanly")
	srv.Close()
}

// TestStatusLooksPastCanceled checks that a canceled execution, which says
// nothing of the target, leaves a plan's status at its last verdict.
func TestStatusLooksPastCanceled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowEdit: true}, "/")
	code, _, body := f.Do(t, "PUT", "api/plans/slow", "[{get: {url: '${base}/slow'}}]")
	require.Equal(t, 201, code, string(body))
	f.Run(t, "slow")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *record.Execution)
	go func() {
		x, _ := f.Eng.Run(ctx, "slow", nil)
		done <- x
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	x := <-done
	require.Equal(t, record.StatusCanceled, x.Status)
	require.Eventually(t, func() bool {
		last, _ := f.GetJSON(t, "api/plans/slow", 200)["last"].(map[string]any)
		return last["id"] == x.ID
	}, 5*time.Second, 20*time.Millisecond)
	p := f.GetJSON(t, "api/plans/slow", 200)
	require.Equal(t, "passed", p["status"])
	f.GetJSON(t, "status", 200)
}

// removingStore is the memory store, on which the plan of an execution is
// removed through the engine just before the execution is stored: a run
// that races a delete, made certain.
type removingStore struct {
	storage.Store
	eng *smokex.Engine
}

func (s *removingStore) CreateExecution(ctx context.Context, x *record.Execution) error {
	if err := s.eng.RemovePlan(ctx, x.PlanID); err != nil {
		return err
	}
	return s.Store.CreateExecution(ctx, x)
}

// TestRunRacingDeleteIsNotFound: a run whose plan is deleted as it starts
// is a 404 naming the plan, not a 500.
func TestRunRacingDeleteIsNotFound(t *testing.T) {
	t.Parallel()
	store := &removingStore{Store: memory.New(memory.Config{})}
	f := admintest.New(t, &admin.Config{AllowRun: true, AllowEdit: true, AllowDelete: true}, "/", store)
	store.eng = f.Eng
	code, _, body := f.Do(t, "PUT", "api/plans/doomed", "[{get: {url: '${base}/ok'}}]")
	require.Equal(t, 201, code, string(body))
	code, _, body = f.Do(t, "POST", "api/plans/doomed/runs", "")
	requireError(t, 404, "doomed was removed as its run started", code, body)
	code, _, body = f.Do(t, "GET", "api/plans/doomed", "")
	require.Equal(t, 404, code, string(body))
}

// TestPutPlanBytesBound: plans sent one after another stop at
// MaxPlansBytes with 507, replacing a plan counts it once, and a delete
// makes room again.
func TestPutPlanBytesBound(t *testing.T) {
	t.Parallel()
	src := "[{get: {url: '${base}/ok'}}]\n" + strings.Repeat("# padding\n", 10)
	f := admintest.New(t, &admin.Config{AllowEdit: true, AllowDelete: true, MaxPlansBytes: 3 * int64(len(src))}, "/", nil)
	for _, id := range []string{"a", "b", "c"} {
		code, _, body := f.Do(t, "PUT", "api/plans/"+id, src)
		require.Equal(t, 201, code, string(body))
	}
	code, _, body := f.Do(t, "PUT", "api/plans/d", src)
	requireError(t, 507, fmt.Sprintf("would hold %d bytes of YAML together, past the limit of %d (admin.Config.MaxPlansBytes)", 4*len(src), 3*len(src)), code, body)
	code, _, body = f.Do(t, "PUT", "api/plans/c", src)
	require.Equal(t, 200, code, string(body), "a replaced plan is counted once")
	code, _, body = f.Do(t, "DELETE", "api/plans/a", "")
	require.Equal(t, 204, code, string(body))
	code, _, body = f.Do(t, "PUT", "api/plans/d", src)
	require.Equal(t, 201, code, string(body))
}

// TestEditPlanDependsOn checks that the editor refuses a depends_on that
// names an unknown plan or closes a cycle, with its line and column, and
// takes one that names a plan the engine holds.
func TestEditPlanDependsOn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowEdit: true}, "/")
	f.Sync(t)
	step := "steps:\n  - get: {url: \"${base}/ok\"}\n"

	code, _, body := f.Do(t, "PUT", "api/plans/checkout", "name: checkout\ndepends_on: [u]\n"+step)
	require.Equal(t, 422, code, string(body))
	require.JSONEq(t, `{"errors": [{"line": 2, "column": 14, "message": "checkout: depends_on names unknown plan \"u\" (did you mean \"up\"?)"}]}`, string(body))
	_, err := f.Eng.Plan("checkout")
	require.ErrorIs(t, err, smokex.ErrPlanNotFound, "nothing was saved")

	code, _, body = f.Do(t, "PUT", "api/plans/checkout", "name: checkout\ndepends_on: [up]\n"+step)
	require.Equal(t, 201, code, string(body))
	require.Equal(t, []any{"up"}, f.GetJSON(t, "api/plans/checkout", 200)["depends_on"])
	code, _, body = f.Do(t, "GET", "plans/checkout", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), `<dt>Depends on</dt><dd><a href="../plans/up">up</a></dd>`)
	require.NotContains(t, string(body), "held back")
	as := f.Eng.Store().(storage.AlertStore)
	require.NoError(t, as.SaveAlertState(t.Context(), &storage.AlertState{PlanID: "checkout", ConsecutiveFailures: 1,
		Failing: true, Held: true, LastStatus: record.StatusFailed, DependsOn: []string{"up"}}))
	code, _, body = f.Do(t, "GET", "plans/checkout", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(body), `<dt>Alert</dt><dd>held back: a plan it depends on is failing</dd>`)
	code, _, body = f.Do(t, "PUT", "api/plans/search", "name: search\ndepends_on: [checkout]\n"+step)
	require.Equal(t, 201, code, string(body))
	code, _, body = f.Do(t, "PUT", "api/plans/checkout", "name: checkout\ndepends_on: [up, search]\n"+step)
	require.Equal(t, 422, code, string(body))
	require.Contains(t, string(body), `"message":"dependency cycle: checkout -\u003e search -\u003e checkout"`)
}

// TestExecutionPageOfARunWithNoStep: an execution that ended before its
// first step (here its secret is not one the engine may read) says on its
// page that no step ran, not that none has finished yet.
func TestExecutionPageOfARunWithNoStep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	_, err := f.Eng.SyncFS(t.Context(), fstest.MapFS{"locked.yaml": {Data: []byte(`name: locked
secrets: [NOT_ALLOWED]
steps:
  - get:
      url: "${base}/ok"
`)}})
	require.NoError(t, err)
	x := f.Run(t, "locked")
	require.Equal(t, record.StatusFailed, x.Status)
	require.Empty(t, x.Steps)

	code, _, body := f.Do(t, "GET", "executions/"+x.ID, "")
	require.Equal(t, 200, code, string(body))
	require.Contains(t, string(body), "No step ran.")
	require.NotContains(t, string(body), "No step has finished yet.")
	require.Contains(t, string(body), "NOT_ALLOWED")
}
