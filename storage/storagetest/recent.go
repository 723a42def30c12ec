package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) recentScenarios() []scenario {
	return []scenario{
		{"NewestFinishedOfEachPlan", s.recentNewest},
		{"BadN", s.recentBadN},
	}
}

func (s suite) recentNewest(t *testing.T) {
	ctx, st := s.store(t)
	rl := optional[storage.RecentLister](t, st)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	savePlan(ctx, t, st, "idle", nil)
	statuses := []record.Status{record.StatusPassed, record.StatusFailed, record.StatusDegraded, record.StatusCanceled}
	for i := range 6 {
		e := newExecution(fmt.Sprintf("p-%d", i), "p", at(i), statuses[i%len(statuses)], time.Duration(i+1)*time.Second)
		if i == 4 {
			e.Maintenance = "nightly backup"
		}
		create(ctx, t, st, e)
	}
	create(ctx, t, st, newExecution("p-running", "p", at(10), record.StatusRunning, 0))
	create(ctx, t, st, newExecution("q-0", "q", at(3), record.StatusFailed, time.Second))

	got, err := rl.RecentExecutions(ctx, []string{"p", "q", "idle", "unknown"}, 4)
	require.NoError(t, err)
	require.Len(t, got, 2, "plans without finished executions are absent: %v", got)
	var ids []string
	for _, e := range got["p"] {
		ids = append(ids, e.ID)
		require.Empty(t, e.Steps)
	}
	require.Equal(t, []string{"p-5", "p-4", "p-3", "p-2"}, ids, "newest first, finished only, maintenance included")
	require.Equal(t, "nightly backup", got["p"][1].Maintenance)
	require.Equal(t, record.StatusFailed, got["p"][0].Status)
	require.Equal(t, 6*time.Second, got["p"][0].Duration())
	require.Len(t, got["q"], 1)

	got, err = rl.RecentExecutions(ctx, []string{"q"}, 50)
	require.NoError(t, err)
	require.Len(t, got, 1, "only the plans asked for")
	got, err = rl.RecentExecutions(ctx, nil, 50)
	require.NoError(t, err)
	require.Empty(t, got)
}

func (s suite) recentBadN(t *testing.T) {
	ctx, st := s.store(t)
	rl := optional[storage.RecentLister](t, st)
	_, err := rl.RecentExecutions(ctx, []string{"p"}, 0)
	require.Error(t, err)
}
