package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) listScenarios() []scenario {
	return []scenario{
		{"NewestFirstWithoutSteps", s.listNewestFirst},
		{"Filters", s.listFilters},
		{"LimitDefaultAndCap", s.listLimits},
		{"Paging", s.listPaging},
		{"PagingWithFilters", s.listPagingFiltered},
		{"PagingIsByKey", s.listPagingByKey},
		{"RejectsBadInput", s.listBadInput},
	}
}

// pages lists every page with the params and returns the IDs page by page.
// It fails t when a page is larger than the limit or paging does not end.
func pages(t *testing.T, st storage.Store, params storage.ListExecutionsParams) [][]string {
	t.Helper()
	var out [][]string
	for range 10_000 {
		page, err := st.ListExecutions(t.Context(), &params)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Executions), params.Limit)
		out = append(out, ids(page.Executions))
		if page.NextCursor == "" {
			return out
		}
		params.Cursor = page.NextCursor
	}
	require.FailNow(t, "paging did not end")
	return nil
}

func (s suite) listNewestFirst(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	create(ctx, t, st,
		newExecution("b", "p", at(2), record.StatusPassed, time.Second),
		newExecution("d", "q", at(4), record.StatusRunning, 0),
		newExecution("a", "p", at(1), record.StatusFailed, time.Second),
		newExecution("c", "q", at(3), record.StatusCreated, 0),
		// One microsecond newer than b: backends must keep microseconds.
		newExecution("a2", "p", at(2).Add(time.Microsecond), record.StatusPassed, time.Second),
	)
	require.NoError(t, st.AppendStep(ctx, "b", fullStep(0)))

	page, err := st.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"d", "c", "a2", "b", "a"}, ids(page.Executions))
	require.Empty(t, page.NextCursor)
	for _, e := range page.Executions {
		require.Empty(t, e.Steps, "listings carry no steps")
	}
	b, err := st.GetExecution(ctx, "b")
	require.NoError(t, err)
	requireExecution(t, withoutSteps(b), page.Executions[3])
}

func (s suite) listFilters(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	create(ctx, t, st,
		newExecution("p0", "p", at(0), record.StatusPassed, time.Second),
		newExecution("p1", "p", at(1), record.StatusFailed, time.Second),
		newExecution("p2", "p", at(2), record.StatusRunning, 0),
		newExecution("p3", "p", at(3), record.StatusCanceled, 0),
		newExecution("q0", "q", at(0), record.StatusFailed, time.Second),
		newExecution("q1", "q", at(1), record.StatusPassed, time.Second),
		newExecution("q2", "q", at(2), record.StatusCreated, 0),
	)
	tests := []struct {
		name   string
		params storage.ListExecutionsParams
		want   []string
	}{
		{"none", storage.ListExecutionsParams{}, []string{"p3", "q2", "p2", "q1", "p1", "q0", "p0"}},
		{"plan", storage.ListExecutionsParams{PlanID: "q"}, []string{"q2", "q1", "q0"}},
		{"unknown plan", storage.ListExecutionsParams{PlanID: "absent"}, nil},
		{"one status", storage.ListExecutionsParams{Statuses: []record.Status{record.StatusFailed}}, []string{"p1", "q0"}},
		{"two statuses", storage.ListExecutionsParams{Statuses: []record.Status{record.StatusRunning, record.StatusPassed}}, []string{"p2", "q1", "p0"}},
		{"status with no match", storage.ListExecutionsParams{Statuses: []record.Status{"halted"}}, nil},
		{"plan and status", storage.ListExecutionsParams{PlanID: "p", Statuses: []record.Status{record.StatusFailed, record.StatusPassed}}, []string{"p1", "p0"}},
		{"since is inclusive", storage.ListExecutionsParams{Since: at(2)}, []string{"p3", "q2", "p2"}},
		{"until is exclusive", storage.ListExecutionsParams{Until: at(1)}, []string{"q0", "p0"}},
		{"since and until", storage.ListExecutionsParams{Since: at(1), Until: at(3)}, []string{"q2", "p2", "q1", "p1"}},
		{"empty range", storage.ListExecutionsParams{Since: at(2), Until: at(2)}, nil},
		{"every filter", storage.ListExecutionsParams{PlanID: "q", Statuses: []record.Status{record.StatusPassed, record.StatusCreated}, Since: at(1), Until: at(2)}, []string{"q1"}},
		{"since in another zone", storage.ListExecutionsParams{Since: at(3).In(time.FixedZone("X", 5*3600))}, []string{"p3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := st.ListExecutions(ctx, &tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.want, nilIfEmpty(ids(page.Executions)))
			require.Empty(t, page.NextCursor)
		})
	}
}

// nilIfEmpty returns nil for an empty slice.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (s suite) listLimits(t *testing.T) {
	ctx, st := s.store(t)
	// Two plans, so that no plan holds more than a bounded store may keep.
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	total := storage.MaxListLimit + 1
	for i := range total {
		plan := []string{"p", "q"}[i%2]
		create(ctx, t, st, newExecution(fmt.Sprintf("e%05d", i), plan, base().Add(time.Duration(i)*time.Second), record.StatusPassed, time.Second))
	}
	newest := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("e%05d", total-1-i)
		}
		return out
	}

	page, err := st.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, newest(storage.DefaultListLimit), ids(page.Executions), "nil params")
	require.NotEmpty(t, page.NextCursor)

	page, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{})
	require.NoError(t, err)
	require.Len(t, page.Executions, storage.DefaultListLimit, "zero limit")

	page, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 7})
	require.NoError(t, err)
	require.Equal(t, newest(7), ids(page.Executions))

	page, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: storage.MaxListLimit * 10})
	require.NoError(t, err)
	require.Equal(t, newest(storage.MaxListLimit), ids(page.Executions), "capped")
	require.NotEmpty(t, page.NextCursor)

	page, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: storage.MaxListLimit * 10, Cursor: page.NextCursor})
	require.NoError(t, err)
	require.Equal(t, []string{"e00000"}, ids(page.Executions))
	require.Empty(t, page.NextCursor)
}

func (s suite) listPaging(t *testing.T) {
	tests := []struct {
		n, limit int
		want     []int // page sizes
	}{
		{n: 0, limit: 3, want: []int{0}},
		{n: 1, limit: 3, want: []int{1}},
		{n: 3, limit: 3, want: []int{3}},
		{n: 4, limit: 3, want: []int{3, 1}},
		{n: 6, limit: 3, want: []int{3, 3}},
		{n: 7, limit: 3, want: []int{3, 3, 1}},
		{n: 9, limit: 3, want: []int{3, 3, 3}},
		{n: 9, limit: 1, want: []int{1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{n: 9, limit: 2, want: []int{2, 2, 2, 2, 1}},
		{n: 9, limit: 9, want: []int{9}},
		{n: 9, limit: 10, want: []int{9}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d by %d", tt.n, tt.limit), func(t *testing.T) {
			t.Parallel()
			ctx, st := s.store(t)
			savePlan(ctx, t, st, "p", nil)
			// Executions share CreatedAt in threes, created in an order
			// unlike their IDs' order, so that ties fall across pages and
			// must be broken by ID.
			type key struct {
				id      string
				created time.Time
			}
			var keys []key
			for i := range tt.n {
				k := key{fmt.Sprintf("e-%d-%c", i/3, "bca"[i%3]), at(i / 3)}
				keys = append(keys, k)
				create(ctx, t, st, newExecution(k.id, "p", k.created, record.StatusPassed, time.Second))
			}
			slices.SortFunc(keys, func(a, b key) int {
				if c := b.created.Compare(a.created); c != 0 {
					return c
				}
				return strings.Compare(b.id, a.id)
			})
			var want []string
			for _, k := range keys {
				want = append(want, k.id)
			}
			got := pages(t, st, storage.ListExecutionsParams{Limit: tt.limit})
			var sizes []int
			var all []string
			for _, p := range got {
				sizes = append(sizes, len(p))
				all = append(all, p...)
			}
			require.Equal(t, tt.want, sizes, "page sizes")
			require.Equal(t, nilIfEmpty(want), all, "every execution once, newest first, ties by ID descending")
		})
	}
}

func (s suite) listPagingFiltered(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	savePlan(ctx, t, st, "q", nil)
	statuses := []record.Status{record.StatusPassed, record.StatusFailed, record.StatusRunning}
	var want []string
	for i := range 20 {
		plan := []string{"p", "q"}[i%2]
		status := statuses[i%3]
		id := fmt.Sprintf("e%02d", i)
		create(ctx, t, st, newExecution(id, plan, at(i), status, time.Second))
		if plan == "p" && status != record.StatusRunning && i >= 2 && i < 18 {
			want = append([]string{id}, want...)
		}
	}
	got := pages(t, st, storage.ListExecutionsParams{
		PlanID:   "p",
		Statuses: []record.Status{record.StatusPassed, record.StatusFailed},
		Since:    at(2),
		Until:    at(18),
		Limit:    2,
	})
	var all []string
	for _, p := range got {
		all = append(all, p...)
	}
	require.Equal(t, want, all)
	require.Len(t, got, (len(want)+1)/2)
}

func (s suite) listPagingByKey(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, seq("e", "p", 6)...)

	first, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 3})
	require.NoError(t, err)
	require.Equal(t, []string{"e-0005", "e-0004", "e-0003"}, ids(first.Executions))

	// Newer executions arriving between pages do not shift the next page.
	create(ctx, t, st, newExecution("newer", "p", at(100), record.StatusRunning, 0))
	// Nor does deleting the execution the cursor points after.
	n, err := st.Prune(ctx, &storage.PruneParams{FinishedBefore: first.Executions[2].FinishedAt.Add(time.Microsecond)})
	require.NoError(t, err)
	require.Equal(t, 4, n, "e-0000 to e-0003 pruned")
	create(ctx, t, st, newExecution("e-0002", "p", at(2), record.StatusCreated, 0))

	second, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: 3, Cursor: first.NextCursor})
	require.NoError(t, err)
	require.Equal(t, []string{"e-0002"}, ids(second.Executions))
	require.Empty(t, second.NextCursor)
}

func (s suite) listBadInput(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, seq("e", "p", 3)...)
	_, err := st.ListExecutions(ctx, &storage.ListExecutionsParams{Limit: -1})
	require.Error(t, err, "negative limit")
	for _, cursor := range []string{"not a cursor", "%%%", "\x00\xff"} {
		_, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{Cursor: cursor})
		require.Error(t, err, "cursor %q", cursor)
		require.NotErrorIs(t, err, storage.ErrNotFound, "a malformed cursor is bad input, not a missing record")
	}
}
