package integration_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/internal/browsertest"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// statusPlans are the plans of the status page's test: three up, one
// slow (degraded), one down.
var statusPlans = fstest.MapFS{
	"checkout.yaml": {Data: []byte("name: checkout\nlabels: {public: \"true\"}\nsteps:\n  - get: {url: \"${base}/ok\"}\n")},
	"login.yaml":    {Data: []byte("name: login\nlabels: {public: \"true\"}\nsteps:\n  - get: {url: \"${base}/ok\"}\n")},
	"search.yaml":   {Data: []byte("name: search\nlabels: {public: \"true\"}\noptions: {degraded_after: 1ms}\nsteps:\n  - get: {url: \"${base}/slow\"}\n")},
	"website.yaml":  {Data: []byte("name: website\nsteps:\n  - get: {url: \"${base}/ok\"}\n")},
	"webhooks.yaml": {Data: []byte("name: webhooks\nsteps:\n  - get: {url: \"${base}/broken\"}\n")},
}

// seedHistory writes 90 days of hourly executions of the plans into the
// store, with a few bad days, as finished executions: the store rolls
// them up by day (and keeps only the newest raw ones).
func seedHistory(t *testing.T, st storage.Store, plans ...string) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	today := storage.UTCDay(time.Now())
	for pi, id := range plans {
		for d := 89; d >= 1; d-- {
			day := today.AddDate(0, 0, -d)
			failRate := 0.0
			switch {
			case d == 12+pi*17:
				failRate = 0.3 // an outage
			case d%23 == pi:
				failRate = 0.03
			case d == 40 && pi == 0:
				failRate = 0.008
			}
			base := 80 + 40*float64(pi)
			for h := range 24 {
				created := day.Add(time.Duration(h) * time.Hour)
				x := &record.Execution{ID: fmt.Sprintf("seed-%s-%02d-%02d", id, d, h), PlanID: id, PlanName: id,
					Trigger: record.TriggerSchedule, Status: record.StatusPassed, CreatedAt: created, StartedAt: created}
				if rng.Float64() < failRate {
					x.Status = record.StatusFailed
				}
				ms := base*(1+0.25*rng.Float64()) + 30*float64(d%7)
				x.FinishedAt = created.Add(time.Duration(ms * float64(time.Millisecond)))
				require.NoError(t, st.CreateExecution(ctx, x))
			}
		}
	}
}

// TestBrowserStatusPage opens a status page of two groups, one by plans
// and one by label, in light, dark and phone width, and follows a run
// live.
func TestBrowserStatusPage(t *testing.T) {
	pages, err := admin.ParseStatusPages([]byte(`
- slug: public
  title: Acme API
  description: Live status of the Acme public API
  groups:
    - name: API
      plans: [checkout, login, webhooks]
    - name: Website
      labels: {public: "true"}
`))
	require.NoError(t, err)
	store := memory.New(memory.Config{})
	f := admintest.New(t, &admin.Config{StatusPages: pages, AllowIncidents: true}, "/", store)
	_, err = f.Eng.SyncFS(context.Background(), statusPlans)
	require.NoError(t, err)
	require.NoError(t, admin.CheckStatusPages(pages, f.Eng.Plans()))
	seedHistory(t, store, "checkout", "login", "search", "webhooks")
	for _, id := range []string{"checkout", "login", "search"} {
		f.Run(t, id)
	}

	// A past incident, as the alert policy records one.
	day := storage.UTCDay(time.Now()).AddDate(0, 0, -12)
	require.NoError(t, store.CreateIncident(context.Background(), &storage.Incident{ID: "auto-checkout-1", Title: "checkout is failing", Automatic: true,
		Status: storage.IncidentResolved, Plans: []string{"checkout"}, StartedAt: day.Add(9 * time.Hour), ResolvedAt: day.Add(9*time.Hour + 47*time.Minute),
		FirstFailure: "x1", Updates: []storage.IncidentUpdate{
			{Status: storage.IncidentInvestigating, Message: "checkout is failing.", At: day.Add(9 * time.Hour)},
			{Status: storage.IncidentResolved, Message: "checkout recovered.", At: day.Add(9*time.Hour + 47*time.Minute)}}}))

	b := browsertest.New(t)
	// An incident written in the dashboard's form, then updated.
	b.Navigate(f.URL + "incidents")
	b.Click("#new-incident summary")
	b.Type("#inc-title", "Slow search results")
	b.Click(`input[name="plans"][value="search"]`)
	b.Type("#inc-message", "Search answers slowly; we are looking into it.")
	b.Click(`#new-incident button[type="submit"]`)
	b.WaitText(".incident-card h2", "Slow search results")
	require.True(t, browsertest.Eval[bool](b, `document.querySelector(".incident-card select").value = "identified"; true`))
	b.Type(`.incident-card input[name="message"]`, "An index was rebuilding; it is done in an hour.")
	b.Click(`.incident-card button[type="submit"]`)
	b.WaitText(".incident-card .incident-updates", "An index was rebuilding")
	b.Shoot("incidents")

	b.Navigate(f.URL + "s/public")
	b.WaitText(".incident.active", "An index was rebuilding")
	b.WaitText(".history", "checkout is failing")
	require.Contains(t, b.Text(".history"), "lasted 47 min")
	b.WaitText("#overall", "Degraded performance")
	require.Equal(t, 90, browsertest.Eval[int](b, `document.querySelector('[data-plan="checkout"] .days').children.length`))
	require.Equal(t, "operational", browsertest.Eval[string](b, `document.querySelector('[data-plan="checkout"] .state').dataset.state`))
	require.Equal(t, "degraded", browsertest.Eval[string](b, `document.querySelector('[data-plan="search"] .state').dataset.state`))
	require.Equal(t, "operational", browsertest.Eval[string](b, `document.querySelector('[data-plan="webhooks"] .state').dataset.state`), "its latest run, from the history, passed")
	// A bad day is coloured and says its figure.
	require.Positive(t, browsertest.Eval[int](b, `document.querySelectorAll('[data-plan="checkout"] .day.u0, [data-plan="checkout"] .day.u80').length`))
	require.Contains(t, browsertest.Eval[string](b, `document.querySelector('[data-plan="checkout"] .day.u0, [data-plan="checkout"] .day.u80').getAttribute("data-tip")`), "% uptime")
	b.Do(chromedp.Click(`[data-plan="login"] .rt summary`, chromedp.NodeVisible))
	require.Equal(t, 1, browsertest.Eval[int](b, `document.querySelector('[data-plan="login"]').querySelectorAll('svg.rt-chart polyline').length`))
	require.True(t, browsertest.Eval[bool](b, `document.querySelector('[data-plan="checkout"] .day.u0, [data-plan="checkout"] .day.u80').dispatchEvent(new MouseEvent("mouseover", {bubbles: true}))`))
	require.False(t, browsertest.Eval[bool](b, `document.getElementById("tip").hidden`), "the tooltip shows")
	require.NotContains(t, browsertest.Eval[string](b, `document.documentElement.outerHTML`), f.Target.URL)
	b.Shoot("status-page")

	b.Scheme("dark")
	require.Equal(t, "rgb(12, 15, 19)", browsertest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`))
	b.Scheme("light")
	require.Equal(t, "rgb(247, 248, 250)", browsertest.Eval[string](b, `getComputedStyle(document.body).backgroundColor`))

	// On a phone: the last 30 days, nothing scrolls sideways.
	b.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	require.LessOrEqual(t, browsertest.Eval[int](b, `document.documentElement.scrollWidth`), browsertest.Eval[int](b, `document.documentElement.clientWidth`), "nothing scrolls sideways on a phone")
	require.Equal(t, 30, browsertest.Eval[int](b, `Array.from(document.querySelector('[data-plan="checkout"]').querySelectorAll('.day')).filter(function (d) { return d.offsetWidth > 0 }).length`))
	b.Shoot("status-page-phone")
	b.Do(chromedp.EmulateViewport(1280, 900))

	// Live: the page follows a run without a reload.
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded = true`))
	require.Eventually(t, func() bool { return browsertest.Eval[string](b, `document.body.dataset.live || ""`) == "on" }, time.Minute, 20*time.Millisecond)
	f.Run(t, "webhooks")
	b.WaitText("#overall", "Partial outage")
	require.True(t, browsertest.Eval[bool](b, `window.notReloaded === true`), "the page was not reloaded")
	require.Equal(t, "outage", browsertest.Eval[string](b, `document.querySelector('[data-plan="webhooks"] .state').dataset.state`))
}
