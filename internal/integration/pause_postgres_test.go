package integration_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

// TestPauseHoldsAcrossReplicas pauses a failing plan through one engine
// and runs it on another sharing the PostgreSQL schema, as a replica
// would, and on a third started after the first stopped, as after a
// restart: the pause holds on both; once it is ended, the next run
// alerts.
func TestPauseHoldsAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer target.Close()
	alerts, newEngine := replicaEngines(t, fstest.MapFS{"shared.yaml": {Data: []byte("name: shared\nsteps:\n  - get:\n      host: " + target.URL + "\n      expect:\n        status_code: 200\n")}}, notify.Rules{})
	stop := func(eng *smokex.Engine) {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, eng.Stop(sctx))
	}
	const id = "shared"

	a, b := newEngine(), newEngine()
	require.NoError(t, a.PausePlan(ctx, id, time.Now().Add(time.Hour)))
	x, err := b.Run(ctx, id, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(x.Maintenance, "paused until "), "paused on the other replica: %q", x.Maintenance)
	stop(a)
	c := newEngine()
	x, err = c.Run(ctx, id, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(x.Maintenance, "paused until "), "paused after a restart: %q", x.Maintenance)

	require.NoError(t, c.ResumePlan(ctx, id))
	x, err = b.Run(ctx, id, nil)
	require.NoError(t, err)
	require.Empty(t, x.Maintenance)
	stop(b) // Stop drains the policies: every decision is made and sent.
	stop(c)
	require.Len(t, alerts, 1, "one alert, after the pause")
	e := <-alerts
	require.Equal(t, notify.TransitionFailing, e.Transition)
	require.Equal(t, x.ID, e.Execution.ID)
}

// TestPauseSetDuringARunAcrossReplicas pauses a failing plan through one
// engine while another, sharing the PostgreSQL schema, runs it: the run
// is stored and returned in the pause (the text PostgreSQL writes in the
// finish's statement, to the second, as storage.PauseMaintenance) and
// alerts nothing.
func TestPauseSetDuringARunAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	asked, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(asked)
		<-release
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer target.Close()
	alerts, newEngine := replicaEngines(t, fstest.MapFS{"shared.yaml": {Data: []byte("name: shared\nsteps:\n  - get:\n      host: " + target.URL + "\n      expect:\n        status_code: 200\n")}}, notify.Rules{})
	a, b := newEngine(), newEngine()
	type result struct {
		x   *record.Execution
		err error
	}
	ran := make(chan result, 1)
	go func() {
		x, err := b.Run(ctx, "shared", nil)
		ran <- result{x, err}
	}()
	select {
	case <-asked:
	case <-time.After(time.Minute):
		t.Fatal("waited a minute for the run's request")
	}
	until := time.Now().Add(time.Hour).Add(987654 * time.Microsecond)
	require.NoError(t, a.PausePlan(ctx, "shared", until))
	releaseOnce()
	var r result
	select {
	case r = <-ran:
	case <-time.After(time.Minute):
		t.Fatal("waited a minute for the run")
	}
	require.NoError(t, r.err)
	require.Equal(t, record.StatusFailed, r.x.Status)
	require.Equal(t, storage.PauseMaintenance(until), r.x.Maintenance)
	stored, err := b.Store().GetExecution(ctx, r.x.ID)
	require.NoError(t, err)
	require.Equal(t, r.x.Maintenance, stored.Maintenance)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.Stop(sctx)) // Stop drains the policies: every decision is made.
	require.Empty(t, alerts, "no alert for a run in a pause")
}
