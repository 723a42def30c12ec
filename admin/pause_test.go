package admin_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
)

func TestPauseAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &admin.Config{AllowRun: true}, "/")
	f.Sync(t)

	got := f.GetJSON(t, "api/plans/down/pause", 200)
	require.Equal(t, map[string]any{"plan_id": "down", "paused_until": nil}, got)

	before := time.Now()
	code, _, body := f.Do(t, "POST", "api/plans/down/pause?for=1h", "")
	require.Equal(t, 200, code, string(body))
	var p admin.Pause
	require.NoError(t, json.Unmarshal(body, &p))
	require.NotNil(t, p.PausedUntil)
	require.WithinRange(t, *p.PausedUntil, before.Add(time.Hour).Add(-time.Second), time.Now().Add(time.Hour))
	until, err := f.Eng.PlanPause(t.Context(), "down")
	require.NoError(t, err)
	require.True(t, until.Equal(*p.PausedUntil), "the engine has the pause: %s", until)
	require.Equal(t, p.PausedUntil.Format(time.RFC3339), f.GetJSON(t, "api/plans/down", 200)["paused_until"], "the plan says so")
	require.NotContains(t, f.GetJSON(t, "api/plans/up", 200), "paused_until")

	// The execution is marked, the plan's page says until when.
	x := f.Run(t, "down")
	require.True(t, strings.HasPrefix(x.Maintenance, "paused until "), x.Maintenance)
	xj := f.GetJSON(t, "api/executions/"+x.ID, 200)
	require.Equal(t, x.Maintenance, xj["maintenance"])
	code, _, page := f.Do(t, "GET", "plans/down", "")
	require.Equal(t, 200, code)
	require.Contains(t, string(page), `datetime="`+p.PausedUntil.Format(time.RFC3339)+`"`)
	require.Contains(t, string(page), `data-resume="down"`)
	require.Contains(t, string(page), `class="status s-maint" title="`+x.Maintenance+`">maintenance</span>`)
	_, _, page = f.Do(t, "GET", "", "")
	require.Regexp(t, `(?s)<tr data-plan-row="down">.*?<span class="status s-maint" title="alerts held until [^"]+">paused</span>.*?</tr>`, string(page), "the overview says so")
	require.NotContains(t, string(regexp.MustCompile(`(?s)<tr data-plan-row="up">.*?</tr>`).Find(page)), "paused")

	code, _, body = f.Do(t, "DELETE", "api/plans/down/pause", "")
	require.Equal(t, 200, code, string(body))
	require.JSONEq(t, `{"plan_id": "down", "paused_until": null}`, string(body))
	until, err = f.Eng.PlanPause(t.Context(), "down")
	require.NoError(t, err)
	require.True(t, until.IsZero())
	_, _, page = f.Do(t, "GET", "plans/down", "")
	require.Contains(t, string(page), `data-pause="down"`)

	for _, c := range []struct{ query, want string }{
		{"", "for is required"},
		{"?for=soon", `for="soon" is not a duration`},
		{"?for=0s", "must be positive"},
		{"?for=31d", "longer than the longest pause, 30d"},
	} {
		code, _, body = f.Do(t, "POST", "api/plans/down/pause"+c.query, "")
		requireError(t, 400, c.want, code, body)
	}
	code, _, body = f.Do(t, "POST", "api/plans/nope/pause?for=1h", "")
	requireError(t, 404, "plan", code, body)
	code, _, body = f.Do(t, "GET", "api/plans/nope/pause", "")
	requireError(t, 404, "plan", code, body)
}

func TestPauseNeedsAllowRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, "/")
	f.Sync(t)
	code, _, body := f.Do(t, "POST", "api/plans/up/pause?for=1h", "")
	requireError(t, 403, "running and pausing plans is turned off", code, body)
	code, _, body = f.Do(t, "DELETE", "api/plans/up/pause", "")
	requireError(t, 403, "running and pausing plans is turned off", code, body)
	f.GetJSON(t, "api/plans/up/pause", 200)
	_, _, page := f.Do(t, "GET", "plans/up", "")
	require.NotContains(t, string(page), "data-pause")
}
