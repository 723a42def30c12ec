package integration_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
	"github.com/smokex/smokex/record"
)

// TestBrowserLocations: a plan in two locations, eu-west failing and
// us-east passing, shows each location's state on the overview and a row
// per location on its page; the Locations page lists both, unavailable
// (no process of either runs here).
func TestBrowserLocations(t *testing.T) {
	f := admintest.New(t, &admin.Config{AllowEdit: true}, "/", nil)
	code, _, body := f.Do(t, "PUT", "api/plans/geo", "name: geo\nlocations: [eu-west, us-east]\nsteps:\n  - get: {url: '${base}/up'}\n")
	require.Equal(t, 201, code, string(body))
	now := time.Now().UTC()
	for i, run := range []struct {
		loc    string
		status record.Status
	}{{"eu-west", record.StatusPassed}, {"us-east", record.StatusPassed}, {"eu-west", record.StatusFailed}, {"us-east", record.StatusPassed}} {
		at := now.Add(time.Duration(i-4) * time.Second)
		require.NoError(t, f.Eng.Store().CreateExecution(t.Context(), &record.Execution{ID: fmt.Sprintf("x-%d", i), PlanID: "geo", PlanName: "geo",
			Trigger: record.TriggerSchedule, Status: run.status, CreatedAt: at, StartedAt: at, FinishedAt: at.Add(40 * time.Millisecond), Location: run.loc}))
	}
	b := browsertest.New(t)
	// The overview may show a snapshot from before the runs were stored
	// (written to the store directly, they send no event) for a moment.
	require.Eventually(t, func() bool {
		b.Do(chromedp.Navigate(f.URL))
		b.WaitText(`tr[data-plan-row="geo"] [data-location="eu-west"]`, "eu-west")
		return browsertest.Eval[string](b, `document.querySelector('tr[data-plan-row="geo"] [data-location="eu-west"]').className`) == "status s-failed"
	}, 30*time.Second, 200*time.Millisecond, "eu-west is not shown failed on the overview")
	require.Contains(t, browsertest.Eval[string](b, `document.querySelector('tr[data-plan-row="geo"] [data-location="us-east"]').className`), "s-passed")
	b.Shoot("overview-locations")

	b.Do(chromedp.Navigate(f.URL + "plans/geo"))
	b.WaitText(`tr[data-location-row="eu-west"]`, "failed")
	require.Contains(t, b.Text(`tr[data-location-row="us-east"]`), "passed")
	require.Equal(t, 2, browsertest.Eval[int](b, `document.querySelectorAll('tr[data-location-row] .heartbeat').length`), "a heartbeat bar per location")
	b.Shoot("plan-locations")

	b.Click(`a[href$="locations"]`)
	b.WaitText("h1", "Locations")
	require.Contains(t, b.Text(`tr[data-location-row="eu-west"]`), "unavailable")
	require.Contains(t, b.Text(`tr[data-location-row="us-east"]`), "no process seen")
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	require.LessOrEqual(t, browsertest.Eval[int](b, `document.documentElement.scrollWidth`), browsertest.Eval[int](b, `document.documentElement.clientWidth`), "nothing scrolls sideways on a phone")
	b.Shoot("locations-phone")
}
