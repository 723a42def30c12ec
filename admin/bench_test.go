package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/plan"
)

// benchHandler is the handler of an engine with n plans that each ran.
func benchHandler(b *testing.B, n int) http.Handler {
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
	return admin.New(eng, nil)
}

func benchmarkGet(b *testing.B, path string) {
	h := benchHandler(b, 100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			if w.Code != 200 {
				b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
			}
		}
	})
}

// BenchmarkStatus is GET /status of 100 plans.
func BenchmarkStatus(b *testing.B) { benchmarkGet(b, "/status") }

// BenchmarkPlans is GET /api/plans of 100 plans.
func BenchmarkPlans(b *testing.B) { benchmarkGet(b, "/api/plans") }

// BenchmarkOverview is GET / of 100 plans: the dashboard's overview with
// a heartbeat bar per plan.
func BenchmarkOverview(b *testing.B) { benchmarkGet(b, "/") }
