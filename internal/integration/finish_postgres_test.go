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

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// replyLostStore is PostgreSQL whose first finish with a step is
// committed but answered as if the connection dropped before its reply.
type replyLostStore struct {
	*postgres.Store
	lost atomic.Bool
}

func (s *replyLostStore) FinishExecution(ctx context.Context, x *record.Execution, steps []*record.StepResult) error {
	err := s.Store.FinishExecution(ctx, x, steps)
	if err == nil && len(steps) > 0 && s.lost.CompareAndSwap(false, true) {
		return fmt.Errorf("reply lost: %w", storage.ErrUnavailable)
	}
	return err
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
// execution is stored whole.
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

	x, err := eng.Run(ctx, "three", nil)
	require.NoError(t, err)
	require.True(t, store.lost.Load(), "the finish's reply was lost")
	require.Equal(t, record.StatusPassed, x.Status)
	require.Nil(t, x.Error)
	got, err := pg.GetExecution(ctx, x.ID)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, got.Status)
	require.Len(t, got.Steps, 3)
	failures.mu.Lock()
	defer failures.mu.Unlock()
	require.Empty(t, failures.ops, "no write failed for good")
}
