package integration_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/notify"
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
