package admin_test

import (
	"context"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/internal/admintest"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
	"github.com/smokex/smokex/storage/memory"
)

// countingStore is the memory store counting the reads of executions.
type countingStore struct {
	*memory.Store
	lists, recents atomic.Int64
}

func (s *countingStore) ListExecutions(ctx context.Context, p *storage.ListExecutionsParams) (*storage.ExecutionPage, error) {
	s.lists.Add(1)
	return s.Store.ListExecutions(ctx, p)
}

func (s *countingStore) RecentExecutions(ctx context.Context, ids []string, n int) (map[string][]*record.Execution, error) {
	s.recents.Add(1)
	return s.Store.RecentExecutions(ctx, ids, n)
}

// TestOverviewHeartbeat checks the heartbeat bars: a tick per execution,
// oldest left, linked, classed by status; every plan's read in one call.
func TestOverviewHeartbeat(t *testing.T) {
	t.Parallel()
	st := &countingStore{Store: memory.New(memory.Config{})}
	f := admintest.New(t, &admin.Config{}, "/", st)
	f.Sync(t)
	var ids []string
	for range 3 {
		ids = append(ids, f.Run(t, "up").ID)
	}
	down := f.Run(t, "down")

	lists, recents := st.lists.Load(), st.recents.Load()
	code, _, page := f.Do(t, "GET", "", "")
	require.Equal(t, 200, code)
	require.EqualValues(t, 1, st.recents.Load()-recents, "one read for every plan's bar")
	require.LessOrEqual(t, st.lists.Load()-lists, int64(3), "no list per plan for the bars")

	row := regexp.MustCompile(`(?s)<tr data-plan-row="up">.*?</tr>`).Find(page)
	ticks := regexp.MustCompile(`<a class="tick s-(\w+)" data-status="\w+" href="\./executions/([^"]+)"`).FindAllSubmatch(row, -1)
	require.Len(t, ticks, 3)
	for i, m := range ticks {
		require.Equal(t, "passed", string(m[1]))
		require.Equal(t, ids[i], string(m[2]), "oldest left")
	}
	require.Len(t, regexp.MustCompile(`<span class="tick empty">`).FindAll(row, -1), 47, "50 slots")
	row = regexp.MustCompile(`(?s)<tr data-plan-row="down">.*?</tr>`).Find(page)
	require.Contains(t, string(row), `<a class="tick s-failed" data-status="failed" href="./executions/`+down.ID+`"`)
	row = regexp.MustCompile(`(?s)<tr data-plan-row="secret">.*?</tr>`).Find(page)
	require.Contains(t, string(row), "no runs yet")
}
