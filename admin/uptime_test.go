package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// uptimeHandler is the dashboard of an engine on store with the plan
// "up", whose executions are written straight into the store: each of
// statuses, in turn, created at now.
func uptimeHandler(tb testing.TB, store storage.Store, statuses []record.Status, now time.Time) http.Handler {
	tb.Helper()
	eng, err := smokex.New(smokex.Config{Store: store, RetentionInterval: -1})
	require.NoError(tb, err)
	tb.Cleanup(func() { eng.Stop(context.Background()) })
	p, err := plan.Parse([]byte("name: up\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n"), nil)
	require.NoError(tb, err)
	require.NoError(tb, eng.AddPlan(context.Background(), p))
	for i, s := range statuses {
		at := now.Add(time.Duration(i-len(statuses)) * time.Second)
		require.NoError(tb, store.CreateExecution(context.Background(), &record.Execution{
			ID: fmt.Sprintf("x%06d", i), PlanID: "up", Trigger: record.TriggerSchedule, Status: s,
			CreatedAt: at, StartedAt: at, FinishedAt: at.Add(time.Millisecond),
		}))
	}
	return admin.New(eng, nil)
}

// uptimeFigures are the plan page's uptime over 24 h and 7 d, and the
// uptime badge's over 24 h.
func uptimeFigures(t *testing.T, h http.Handler) (day, week, badge string) {
	t.Helper()
	get := func(path string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		require.Equal(t, 200, w.Code, path)
		return w.Body.String()
	}
	page := get("/plans/up")
	figure := func(label string) string {
		_, rest, ok := strings.Cut(page, "<dt>"+label+"</dt><dd>")
		require.True(t, ok, label)
		v, _, _ := strings.Cut(rest, "</dd>")
		return v
	}
	svg := get("/badge/up/uptime.svg?window=24h")
	return figure("Uptime 24 h"), figure("Uptime 7 d"), svg
}

// nineOfTen are nine executions up (passed or degraded) and a canceled
// one, then one failed.
var nineOfTen = []record.Status{
	record.StatusPassed, record.StatusPassed, record.StatusDegraded, record.StatusPassed, record.StatusPassed,
	record.StatusPassed, record.StatusDegraded, record.StatusCanceled, record.StatusPassed, record.StatusPassed,
	record.StatusFailed,
}

// hideUptime is a store without storage.UptimeStore.
type hideUptime struct{ storage.Store }

func TestUptimeFromRollups(t *testing.T) {
	t.Parallel()
	// Created now: all of them fall today (UTC), counted whole in both
	// windows; the canceled one counts nowhere.
	now := time.Now()
	for _, c := range []struct {
		name  string
		store func() storage.Store
		prune bool
		want  string
	}{
		// The rollups, and the scan of the executions when the store
		// keeps none, agree on what was written.
		{"rollups", func() storage.Store { return memory.New(memory.Config{}) }, false, "90%"},
		{"scan", func() storage.Store { return hideUptime{memory.New(memory.Config{})} }, false, "90%"},
		// The rollups outlive the executions pruned or evicted; the scan
		// sees only what is left (the failed one, then the last three).
		{"rollups pruned", func() storage.Store { return memory.New(memory.Config{}) }, true, "90%"},
		{"scan pruned", func() storage.Store { return hideUptime{memory.New(memory.Config{})} }, true, "0%"},
		{"rollups evicted", func() storage.Store { return memory.New(memory.Config{MaxExecutionsPerPlan: 3}) }, false, "90%"},
		{"scan evicted", func() storage.Store { return hideUptime{memory.New(memory.Config{MaxExecutionsPerPlan: 3})} }, false, "66.6%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			store := c.store()
			h := uptimeHandler(t, store, nineOfTen, now)
			if c.prune {
				n, err := store.Prune(t.Context(), &storage.PruneParams{KeepLast: 1})
				require.NoError(t, err)
				require.Equal(t, len(nineOfTen)-1, n)
			}
			day, week, badge := uptimeFigures(t, h)
			require.Equal(t, c.want, day)
			require.Equal(t, c.want, week)
			require.Contains(t, badge, ">"+c.want+"<")
		})
	}
}
