package smokex_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/notify/notifytest"
	"github.com/smokex/smokex/notify/webhook"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/storage"
)

// dependencyTarget serves /gateway and /checkout, each answering 503 while
// its switch is down.
type dependencyTarget struct {
	*httptest.Server
	gatewayDown, checkoutDown atomic.Bool
}

func newDependencyTarget(t *testing.T) *dependencyTarget {
	t.Helper()
	d := &dependencyTarget{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down := map[string]*atomic.Bool{"/gateway": &d.gatewayDown, "/checkout": &d.checkoutDown}[r.URL.Path]
		if down == nil || down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(d.Close)
	return d
}

// dependencyPlans returns the plans of the folder: gateway, and checkout
// which depends on it.
func dependencyPlans(url string) fstest.MapFS {
	return fstest.MapFS{
		"gateway.yaml":  {Data: []byte("name: gateway\nsteps:\n  - get: {url: \"" + url + "/gateway\"}\n")},
		"checkout.yaml": {Data: []byte("name: checkout\ndepends_on: [gateway]\nsteps:\n  - get: {url: \"" + url + "/checkout\"}\n")},
	}
}

// dependencyEngine starts an engine on store with the plans of target and
// a webhook target posting to a receiver.
func dependencyEngine(t *testing.T, store storage.Store, target *dependencyTarget) (*smokex.Engine, *notifytest.Receiver) {
	t.Helper()
	rv := notifytest.NewReceiver(t, http.StatusOK)
	wh, err := webhook.New(webhook.Config{URL: rv.URL})
	require.NoError(t, err)
	eng, err := smokex.New(smokex.Config{
		Store:  store,
		Logger: slog.New(slog.DiscardHandler),
		Alerts: &notify.PolicyConfig{Targets: []notify.Target{{Name: "webhook", Notifier: wh}}},
	})
	require.NoError(t, err)
	ctx := t.Context()
	_, err = eng.SyncFS(ctx, dependencyPlans(target.URL))
	require.NoError(t, err)
	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(ctx))
	})
	return eng, rv
}

// runPlans runs the plans one after the other.
func runPlans(t *testing.T, eng *smokex.Engine, ids ...string) {
	t.Helper()
	for _, id := range ids {
		_, err := eng.Run(t.Context(), id, nil)
		require.NoError(t, err)
	}
}

// settled waits until the policy decided on every execution and
// delivered sent alerts, and returns the alerts the receiver got as
// "plan transition [failing dependents]".
func settled(t *testing.T, eng *smokex.Engine, rv *notifytest.Receiver, sent int64) []string {
	t.Helper()
	require.Eventually(t, func() bool {
		st := eng.Alerts().Stats()
		return eng.Alerts().Pending() == 0 && st.Sent == sent && st.Decided == sent
	}, 10*time.Second, time.Millisecond)
	var got []string
	for rv.Pending() > 0 {
		e := rv.Next(t).JSON(t)
		s := e["plan"].(map[string]any)["id"].(string) + " " + e["transition"].(string)
		if deps, ok := e["failing_dependents"].([]any); ok {
			for _, d := range deps {
				s += " " + d.(string)
			}
		}
		got = append(got, s)
	}
	return got
}

// TestDependsOnOneAlert is issue's scenario against a real server: two
// plans fail together and make one alert, the gateway's, which names
// checkout; the gateway recovers while checkout still fails, and checkout
// alerts then.
func TestDependsOnOneAlert(t *testing.T) {
	t.Parallel()
	target := newDependencyTarget(t)
	eng, rv := dependencyEngine(t, nil, target)

	runPlans(t, eng, "gateway", "checkout")
	require.Empty(t, settled(t, eng, rv, 0))

	target.gatewayDown.Store(true)
	target.checkoutDown.Store(true)
	runPlans(t, eng, "checkout", "gateway")
	runPlans(t, eng, "checkout", "gateway")
	require.Equal(t, []string{"gateway failing checkout"}, settled(t, eng, rv, 1), "one alert, naming the dependent")

	target.gatewayDown.Store(false)
	runPlans(t, eng, "gateway", "checkout")
	require.Equal(t, []string{"gateway recovered", "checkout failing"}, settled(t, eng, rv, 3),
		"the gateway recovered and checkout still fails: checkout alerts")

	target.checkoutDown.Store(false)
	runPlans(t, eng, "checkout")
	require.Equal(t, []string{"checkout recovered"}, settled(t, eng, rv, 4))
}

// TestDependsOnConcurrent runs both plans at once, in whatever order they
// finish: one alert, the gateway's.
func TestDependsOnConcurrent(t *testing.T) {
	t.Parallel()
	target := newDependencyTarget(t)
	eng, rv := dependencyEngine(t, nil, target)
	runPlans(t, eng, "gateway", "checkout")
	target.gatewayDown.Store(true)
	target.checkoutDown.Store(true)
	for range 3 {
		var wg sync.WaitGroup
		for _, id := range []string{"gateway", "checkout"} {
			wg.Go(func() {
				_, err := eng.Run(t.Context(), id, nil)
				require.NoError(t, err)
			})
		}
		wg.Wait()
	}
	got := settled(t, eng, rv, 1)
	require.Len(t, got, 1)
	require.Contains(t, []string{"gateway failing", "gateway failing checkout"}, got[0])
}

// TestDependsOnLoadErrors checks that SyncFS refuses a plan whose
// depends_on names an unknown plan or closes a cycle, keeping its version
// from before, and that AddPlan refuses one too, naming the plans.
func TestDependsOnLoadErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	eng, err := smokex.New(smokex.Config{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	fsys := dependencyPlans("http://127.0.0.1:1")
	_, err = eng.SyncFS(ctx, fsys)
	require.NoError(t, err)

	fsys["checkout.yaml"] = &fstest.MapFile{Data: []byte("name: checkout\ndepends_on: [gatway]\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n")}
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("name: a\ndepends_on: [b]\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n")}
	fsys["b.yaml"] = &fstest.MapFile{Data: []byte("name: b\ndepends_on: [a]\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n")}
	res, err := eng.SyncFS(ctx, fsys)
	var list plan.ErrorList
	require.ErrorAs(t, err, &list)
	require.Equal(t, `a.yaml:2:14: dependency cycle: a -> b -> a
b.yaml:2:14: dependency cycle: b -> a -> b
checkout.yaml:2:14: checkout: depends_on names unknown plan "gatway" (did you mean "gateway"?)`, list.Error())
	require.Empty(t, res.Added, "the plans of a cycle are refused")
	require.Empty(t, res.Updated)
	p, err := eng.Plan("checkout")
	require.NoError(t, err)
	require.Equal(t, []string{"gateway"}, p.DependsOn, "checkout keeps its version from before")
	require.Len(t, eng.LoadErrors(), 3)

	bad, err := plan.Parse([]byte("name: search\ndepends_on: [gateway, serch]\nsteps:\n  - get: {url: \"http://127.0.0.1:1/\"}\n"), nil)
	require.NoError(t, err)
	err = eng.AddPlan(ctx, bad)
	require.ErrorAs(t, err, &list)
	require.EqualError(t, err, `smokex: plan search: 2:23: search: depends_on names unknown plan "serch"`)
	_, err = eng.Plan("search")
	require.True(t, errors.Is(err, smokex.ErrPlanNotFound))
}
