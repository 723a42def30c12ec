package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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

// benchHandler is the handler of an engine with n plans that each ran,
// with a status page of them all when cfg has StatusPages.
func benchHandler(b *testing.B, n int, cfg *admin.Config) http.Handler {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	b.Cleanup(target.Close)
	eng, err := smokex.New(smokex.Config{RetentionInterval: -1})
	require.NoError(b, err)
	b.Cleanup(func() { eng.Stop(context.Background()) })
	for i := range n {
		p, err := plan.Parse(fmt.Appendf(nil, "name: p%d\nsteps:\n  - get: {url: %q}\n", i, target.URL), nil)
		require.NoError(b, err)
		require.NoError(b, eng.AddPlan(context.Background(), p))
		_, err = eng.Run(context.Background(), p.ID, nil)
		require.NoError(b, err)
	}
	return admin.New(eng, cfg)
}

func benchmarkGet(b *testing.B, path string, cfg *admin.Config) {
	h := benchHandler(b, 100, cfg)
	var bytes atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(bytes.Load())/float64(b.N), "bytes/op") }()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
			}
			bytes.Add(int64(w.Body.Len()))
		}
	})
}

// BenchmarkStatus is GET /status of 100 plans.
func BenchmarkStatus(b *testing.B) { benchmarkGet(b, "/status", nil) }

// BenchmarkPlans is GET /api/plans of 100 plans.
func BenchmarkPlans(b *testing.B) { benchmarkGet(b, "/api/plans", nil) }

// BenchmarkOverview is GET / of 100 plans: the dashboard's overview with
// a heartbeat bar per plan.
func BenchmarkOverview(b *testing.B) { benchmarkGet(b, "/", nil) }

// statusPageConfig is a status page of the plans p0 to p99 by label-less
// groups of ten.
func statusPageConfig() *admin.Config {
	page := admin.StatusPage{Slug: "public", Title: "Bench"}
	for g := range 10 {
		group := admin.StatusGroup{Name: fmt.Sprintf("group %d", g)}
		for i := range 10 {
			group.Plans = append(group.Plans, fmt.Sprintf("p%d", g*10+i))
		}
		page.Groups = append(page.Groups, group)
	}
	return &admin.Config{StatusPages: []admin.StatusPage{page}}
}

// BenchmarkStatusPage is GET /s/public of 100 plans: answered from the
// page built in memory.
func BenchmarkStatusPage(b *testing.B) { benchmarkGet(b, "/s/public", statusPageConfig()) }

// BenchmarkStatusPageJSON is GET /s/public.json of 100 plans.
func BenchmarkStatusPageJSON(b *testing.B) { benchmarkGet(b, "/s/public.json", statusPageConfig()) }

// BenchmarkPlanPageUptime is GET /plans/up of a plan with 10,000
// executions in the last three hours: its uptime over 24 h and 7 d from
// the store's daily rollups, and ("scan") from reading the executions, as
// with a store that keeps no rollups.
func BenchmarkPlanPageUptime(b *testing.B) {
	statuses := make([]record.Status, 10_000)
	for i := range statuses {
		statuses[i] = record.StatusPassed
		if i%100 == 0 {
			statuses[i] = record.StatusFailed
		}
	}
	for _, c := range []struct {
		name  string
		store func() storage.Store
	}{
		{"rollups", func() storage.Store { return memory.New(memory.Config{MaxExecutionsPerPlan: len(statuses)}) }},
		{"scan", func() storage.Store {
			return hideUptime{memory.New(memory.Config{MaxExecutionsPerPlan: len(statuses)})}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := uptimeHandler(b, c.store(), statuses, time.Now())
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/plans/up", nil))
				if w.Code != 200 {
					b.Fatalf("GET /plans/up: %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
