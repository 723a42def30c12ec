package integration_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// TestStatusPageOnPostgres serves a status page over the PostgreSQL
// store: 90 days of history from its rollups after the raw executions
// are pruned, and an incident written through the API in the page and its
// feed.
func TestStatusPageOnPostgres(t *testing.T) {
	t.Parallel()
	store, _, _ := postgresStore(t)
	pages, err := admin.ParseStatusPages([]byte("- slug: public\n  title: Acme API\n  groups:\n    - {name: API, plans: [up, down]}\n"))
	require.NoError(t, err)
	f := admintest.New(t, &admin.Config{StatusPages: pages, AllowIncidents: true}, "/", store)
	f.Sync(t)
	require.NoError(t, admin.CheckStatusPages(pages, f.Eng.Plans()))
	// 90 days of "up", then every raw execution pruned: the rollups stay.
	today := storage.UTCDay(time.Now())
	for d := 89; d >= 1; d-- {
		created := today.AddDate(0, 0, -d).Add(12 * time.Hour)
		x := &record.Execution{ID: "hist-" + created.Format("20060102"), PlanID: "up", PlanName: "up", Trigger: record.TriggerSchedule,
			Status: record.StatusPassed, CreatedAt: created, StartedAt: created, FinishedAt: created.Add(80 * time.Millisecond)}
		if d%30 == 0 {
			x.Status = record.StatusFailed
		}
		require.NoError(t, store.CreateExecution(context.Background(), x))
	}
	n, err := store.Prune(context.Background(), &storage.PruneParams{FinishedBefore: today})
	require.NoError(t, err)
	require.Equal(t, 89, n)
	f.Run(t, "up")
	f.Run(t, "down")

	code, _, body := f.Do(t, "POST", "api/incidents", `{"title": "Errors on down", "status": "identified", "message": "A bad deploy.", "plans": ["down"]}`, "Content-Type", "application/json")
	require.Equal(t, 201, code, string(body))

	var page struct {
		Status string
		Groups []struct {
			Plans []struct {
				ID, Status string
				Uptime     map[string]*float64
				Days       []struct{ Runs int }
			}
		}
		Incidents []struct{ Title string }
	}
	_, _, body = f.Do(t, "GET", "s/public.json", "")
	require.NoError(t, json.Unmarshal(body, &page), string(body))
	require.Equal(t, "partial_outage", page.Status)
	up := page.Groups[0].Plans[0]
	require.Equal(t, "operational", up.Status)
	runs := 0
	for _, d := range up.Days {
		runs += d.Runs
	}
	require.Equal(t, 90, runs, "89 days of history and today's run")
	require.Equal(t, 97.77, *up.Uptime["90d"], "2 failed of 90 runs")
	require.Len(t, page.Incidents, 1)
	require.Equal(t, "Errors on down", page.Incidents[0].Title)

	_, _, body = f.Do(t, "GET", "s/public/feed.atom", "")
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	require.NoError(t, xml.Unmarshal(body, &feed))
	require.Len(t, feed.Entries, 1)
	require.Equal(t, "Errors on down — Identified", feed.Entries[0].Title)
}
