package integration_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// replyLostStore is PostgreSQL whose first finish with a step (with the
// plan's pause, as the engine writes a finish to it) is committed but
// answered as if the connection dropped before its reply.
type replyLostStore struct {
	*postgres.Store
	lost atomic.Bool
}

func (s *replyLostStore) FinishWithPause(ctx context.Context, x *record.Execution, steps []*record.StepResult) (string, error) {
	m, err := s.Store.FinishWithPause(ctx, x, steps)
	if err == nil && len(steps) > 0 && s.lost.CompareAndSwap(false, true) {
		return "", fmt.Errorf("reply lost: %w", storage.ErrUnavailable)
	}
	return m, err
}

// storeFailures records the writes the engine reports failed for good.
type storeFailures struct {
	record.HookDefaults
	mu  sync.Mutex
	ops []string
}

func (h *storeFailures) StoreFailed(_ context.Context, _ *record.PlanRef, _, op string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op+": "+err.Error())
}

// TestFinishCommittedReplyLost: a run's finish with its last step that
// PostgreSQL committed, its reply lost, is found committed when tried
// again, as on the memory store: no write is reported failed, and the
// execution is stored whole, in the plan's pause, which the run returns
// as it was stored by the try whose reply was lost.
func TestFinishCommittedReplyLost(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := postgrestest.Pool(t, 4)
	pg, err := postgres.New(pool, postgres.Config{Schema: postgrestest.Schema(t, pool)})
	require.NoError(t, err)
	require.NoError(t, pg.Migrate(ctx))
	store := &replyLostStore{Store: pg}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	failures := &storeFailures{}
	eng, err := smokex.New(smokex.Config{Store: store, Hooks: []record.Hook{failures},
		Vars: map[string]any{"base": srv.URL}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	p, err := plan.Parse([]byte(threeSteps), nil)
	require.NoError(t, err)
	require.NoError(t, eng.AddPlan(ctx, p))
	until := time.Now().Add(time.Hour)
	require.NoError(t, eng.PausePlan(ctx, "three", until))

	x, err := eng.Run(ctx, "three", nil)
	require.NoError(t, err)
	require.True(t, store.lost.Load(), "the finish's reply was lost")
	require.Equal(t, record.StatusPassed, x.Status)
	require.Nil(t, x.Error)
	require.Equal(t, storage.PauseMaintenance(until), x.Maintenance)
	got, err := pg.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, x.Maintenance, got.Maintenance)
	require.Equal(t, record.StatusPassed, got.Status)
	require.Len(t, got.Steps, 3)
	failures.mu.Lock()
	defer failures.mu.Unlock()
	require.Empty(t, failures.ops, "no write failed for good")
}
