package integration_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// TestBrowserHeartbeatChartAndPause checks the overview's heartbeat bars
// (a tick per execution, coloured by status, light and dark, each a link
// to its execution), the plan page's duration chart (axes, p50, p95 and
// the degraded threshold) and pausing a plan from its page.
func TestBrowserHeartbeatChartAndPause(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowRun: true}, "/", nil)
	f.Sync(t)
	slow, err := plan.Parse([]byte(`name: slow
options: {degraded_after: 100ms}
steps:
  - get: {url: "${base}/slow"}
`), nil)
	require.NoError(t, err)
	require.NoError(t, f.Eng.AddPlan(context.Background(), slow))

	var up []*record.Execution
	for range 4 {
		up = append(up, f.Run(t, "up"))
	}
	down := f.Run(t, "down")
	degraded := f.Run(t, "slow")
	require.Equal(t, record.StatusDegraded, degraded.Status)
	f.Run(t, "slow")
	code, _, body := f.Do(t, "POST", "api/plans/down/pause?for=1h", "")
	require.Equal(t, 200, code, string(body))
	paused := f.Run(t, "down")
	require.NotEmpty(t, paused.Maintenance)

	b := browsertest.New(t)
	b.Do(chromedp.Navigate(f.URL))
	b.WaitText(`tr[data-plan-row="up"] .status`, "passed")
	ticks := func(id string) []string {
		return browsertest.Eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll('tr[data-plan-row=%q] .heartbeat a.tick')).map(a => a.className + " " + a.getAttribute("href"))`, id))
	}
	upTicks := ticks("up")
	require.Len(t, upTicks, 4, "a tick per execution")
	for i, x := range up {
		require.Equal(t, "tick s-passed ./executions/"+x.ID, upTicks[i], "oldest left")
	}
	require.Equal(t, []string{"tick s-failed ./executions/" + down.ID, "tick s-failed maint ./executions/" + paused.ID}, ticks("down"))
	require.Equal(t, "tick s-degraded ./executions/"+degraded.ID, ticks("slow")[0])
	require.Equal(t, "paused", b.Text(`tr[data-plan-row="down"] .status.s-maint`), "the overview says the plan is paused")
	require.Equal(t, 50, browsertest.Eval[int](b, `document.querySelectorAll('tr[data-plan-row="up"] .heartbeat .tick').length`), "50 slots")
	require.Equal(t, 0, browsertest.Eval[int](b, `document.querySelectorAll('tr[data-plan-row="secret"] .heartbeat').length`), "no bar before a run")

	colour := func(sel string) string {
		return browsertest.Eval[string](b, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).backgroundColor`, sel))
	}
	colours := []struct{ sel, light, dark string }{
		{`tr[data-plan-row="up"] a.tick.s-passed`, "rgb(26, 127, 55)", "rgb(63, 185, 80)"},
		{`tr[data-plan-row="down"] a.tick.s-failed`, "rgb(198, 40, 40)", "rgb(248, 81, 73)"},
		{`tr[data-plan-row="slow"] a.tick.s-degraded`, "rgb(154, 103, 0)", "rgb(210, 153, 34)"},
		{`tr[data-plan-row="down"] a.tick.maint`, "rgb(9, 105, 218)", "rgb(88, 166, 255)"},
	}
	for _, c := range colours {
		require.Equal(t, c.light, colour(c.sel), c.sel)
	}
	require.Greater(t, browsertest.Eval[int](b, `document.querySelector('tr[data-plan-row="up"] a.tick').getBoundingClientRect().height`), 10, "ticks are drawn")
	b.Shoot("overview-heartbeat")
	b.Scheme("dark")
	for _, c := range colours {
		require.Equal(t, c.dark, colour(c.sel), "dark: %s", c.sel)
	}
	b.Scheme("light")

	// A tick leads to its execution.
	b.Click(`tr[data-plan-row="down"] a.tick.s-failed:not(.maint)`)
	b.WaitText("h1", "Execution")
	require.Equal(t, f.URL+"executions/"+down.ID, b.Location())

	// The plan page's chart: axes, p50, p95, the degraded threshold.
	b.Do(chromedp.Navigate(f.URL + "plans/slow"))
	b.WaitText("h1", "slow")
	require.Equal(t, 2, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart rect.bar").length`))
	require.GreaterOrEqual(t, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart .axis.y text").length`), 3, "a milliseconds axis")
	require.Contains(t, browsertest.Eval[string](b, `document.querySelector("svg.chart .axis.y").textContent`), "ms")
	require.GreaterOrEqual(t, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart .axis.x text").length`), 1, "a time axis")
	for _, line := range []string{"p50", "p95", "degraded"} {
		require.Equal(t, 1, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart .line.`+line+`").length`), line)
	}
	require.Equal(t, "degraded 100 ms", browsertest.Eval[string](b, `document.querySelector("svg.chart .line.degraded text").textContent`))
	require.Less(t, browsertest.Eval[float64](b, `document.querySelector("svg.chart .line.degraded line").getBoundingClientRect().y`),
		browsertest.Eval[float64](b, `document.querySelector("svg.chart .axis.x line").getBoundingClientRect().y`), "the threshold is above the time axis")
	b.Shoot("plan-chart")

	// The paused plan's page: until when, and Resume; then Pause again.
	b.Do(chromedp.Navigate(f.URL + "plans/down"))
	b.WaitText("#pause", "Alerts are held until")
	require.Contains(t, b.Text("#executions"), "maintenance")
	require.Equal(t, 1, browsertest.Eval[int](b, `document.querySelectorAll("svg.chart rect.bar.maint").length`), "the paused run's bar")
	b.Shoot("plan-paused")
	b.Click(`button[data-resume="down"]`)
	b.WaitText("#pause", "Pause alerts for")
	b.WaitText("#action-result", "Resumed")
	b.Click(`button[data-pause="down"]`)
	b.WaitText("#pause", "Alerts are held until")
	until, err := f.Eng.PlanPause(context.Background(), "down")
	require.NoError(t, err)
	require.False(t, until.IsZero(), "paused from the page")
	require.True(t, strings.Contains(b.Text("#pause"), until.UTC().Format("15:04")), b.Text("#pause"))
}
