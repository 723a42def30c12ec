package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) planScenarios() []scenario {
	return []scenario{
		{"SaveInsertsAndGetReturns", s.planInsert},
		{"SaveUpdates", s.planUpdate},
		{"SaveKeepsSourceByteExact", s.planSourceExact},
		{"SaveKeepsFiles", s.planFiles},
		{"SaveRejectsBadInput", s.planBadInput},
		{"GetNotFound", s.planGetNotFound},
		{"CopiesInAndOut", s.planCopies},
		{"ListOrdersByID", s.planListOrder},
		{"ListFiltersByLabels", s.planListLabels},
		{"ListEmptyStore", s.planListEmpty},
		{"DeleteCascades", s.planDeleteCascade},
		{"DeleteNotFound", s.planDeleteNotFound},
	}
}

func (s suite) planInsert(t *testing.T) {
	_, st := s.store(t)
	p := &storage.Plan{
		ID:          "checkout",
		Name:        "Checkout",
		Description: "buys a thing",
		Schedule:    "@every 1m",
		Labels:      map[string]string{"team": "shop", "env": "prod"},
		Source:      []byte("name: Checkout\n"),
	}
	saveAndGetPlan(t, st, p)
}

// saveAndGetPlan saves p, a new plan, reads it back, and fails t unless
// what comes back is p with its times set.
func saveAndGetPlan(t *testing.T, st storage.Store, p *storage.Plan) {
	t.Helper()
	require.NoError(t, st.SavePlan(t.Context(), p))
	require.True(t, p.CreatedAt.IsZero(), "SavePlan must not modify its argument")

	got, err := st.GetPlan(t.Context(), p.ID)
	require.NoError(t, err)
	require.False(t, got.CreatedAt.IsZero(), "CreatedAt set on insert")
	require.False(t, got.UpdatedAt.IsZero(), "UpdatedAt set on insert")
	require.False(t, got.UpdatedAt.Before(got.CreatedAt), "UpdatedAt %v before CreatedAt %v", got.UpdatedAt, got.CreatedAt)
	want := *p
	want.CreatedAt, want.UpdatedAt, want.Revision = got.CreatedAt, got.UpdatedAt, got.Revision
	require.Equal(t, normPlan(&want), normPlan(got))
}

func (s suite) planUpdate(t *testing.T) {
	ctx, st := s.store(t)
	first := savePlan(ctx, t, st, "login", map[string]string{"team": "id"})
	create(ctx, t, st, newExecution("e1", "login", at(0), record.StatusPassed, time.Second))
	before, err := st.GetPlan(ctx, "login")
	require.NoError(t, err)

	// Let the clock move on, so that a new UpdatedAt differs even at
	// microsecond precision.
	time.Sleep(5 * time.Millisecond)
	second := &storage.Plan{
		ID:        "login",
		Name:      "Login v2",
		Labels:    map[string]string{"team": "identity", "tier": "1"},
		Source:    []byte("name: Login v2\n"),
		CreatedAt: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), // ignored
		UpdatedAt: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), // ignored
	}
	require.NoError(t, st.SavePlan(ctx, second))

	got, err := st.GetPlan(ctx, "login")
	require.NoError(t, err)
	require.True(t, got.CreatedAt.Equal(before.CreatedAt), "CreatedAt kept: was %v, now %v", before.CreatedAt, got.CreatedAt)
	require.True(t, got.UpdatedAt.After(before.UpdatedAt), "UpdatedAt moves on: was %v, now %v", before.UpdatedAt, got.UpdatedAt)
	want := *second
	want.CreatedAt, want.UpdatedAt, want.Revision = got.CreatedAt, got.UpdatedAt, got.Revision
	require.Equal(t, normPlan(&want), normPlan(got), "every field replaced, Description and Schedule emptied")
	require.NotEqual(t, first.Name, got.Name)

	_, err = st.GetExecution(ctx, "e1")
	require.NoError(t, err, "an update keeps the plan's executions")
	plans, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Len(t, plans, 1)
}

func (s suite) planSourceExact(t *testing.T) {
	ctx, st := s.store(t)
	sources := map[string][]byte{
		"crlf":    []byte("name: a\r\nsteps:\r\n  - get: https://example.test\r\n"),
		"bom":     []byte("\xef\xbb\xbfname: b\n"),
		"spaces":  []byte("  name: c  \t\n\n\n# trailing comment   \n\n"),
		"unicode": []byte("name: 日本語 🚀\ndescription: \"Grüße — ñ\"\n"),
		"nonl":    []byte("name: e"),
	}
	for id, src := range sources {
		require.NoError(t, st.SavePlan(ctx, &storage.Plan{ID: id, Source: src}))
	}
	for id, src := range sources {
		got, err := st.GetPlan(ctx, id)
		require.NoError(t, err)
		require.Equal(t, src, got.Source, "source of %s", id)
	}
}

func (s suite) planBadInput(t *testing.T) {
	ctx, st := s.store(t)
	require.Error(t, st.SavePlan(ctx, nil), "nil plan")
	require.Error(t, st.SavePlan(ctx, &storage.Plan{Name: "no id"}), "empty ID")
	plans, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, plans, "nothing stored by rejected saves")
}

func (s suite) planGetNotFound(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "present", nil)
	_, err := st.GetPlan(ctx, "absent")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func (s suite) planCopies(t *testing.T) {
	ctx, st := s.store(t)
	p := savePlan(ctx, t, st, "p", map[string]string{"k": "v"})
	p.Labels["k"] = "changed after save"
	p.Source[0] = 'X'

	got, err := st.GetPlan(ctx, "p")
	require.NoError(t, err)
	require.Equal(t, "v", got.Labels["k"])
	require.Equal(t, byte('n'), got.Source[0])
	got.Labels["k"] = "changed after get"
	got.Source[0] = 'Y'

	list, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "v", list[0].Labels["k"])
	require.Equal(t, byte('n'), list[0].Source[0])
}

func (s suite) planListOrder(t *testing.T) {
	ctx, st := s.store(t)
	for _, id := range []string{"c", "ab", "b.2", "a_b", "b.10", "a-b"} {
		savePlan(ctx, t, st, id, nil)
	}
	plans, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	got := make([]string, len(plans))
	for i, p := range plans {
		got[i] = p.ID
		require.Equal(t, "Plan "+p.ID, p.Name)
		require.NotEmpty(t, p.Source)
	}
	require.Equal(t, []string{"a-b", "a_b", "ab", "b.10", "b.2", "c"}, got, "ordered by ID, byte-wise")

	plans, err = st.ListPlans(ctx, &storage.ListPlansParams{})
	require.NoError(t, err)
	require.Len(t, plans, 6, "empty params list all")
}

func (s suite) planListLabels(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "shop-prod", map[string]string{"team": "shop", "env": "prod"})
	savePlan(ctx, t, st, "shop-dev", map[string]string{"team": "shop", "env": "dev"})
	savePlan(ctx, t, st, "id-prod", map[string]string{"team": "id", "env": "prod"})
	savePlan(ctx, t, st, "bare", nil)

	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"nil selects all", nil, []string{"bare", "id-prod", "shop-dev", "shop-prod"}},
		{"empty selects all", map[string]string{}, []string{"bare", "id-prod", "shop-dev", "shop-prod"}},
		{"one label", map[string]string{"team": "shop"}, []string{"shop-dev", "shop-prod"}},
		{"every label must match", map[string]string{"team": "shop", "env": "prod"}, []string{"shop-prod"}},
		{"other value", map[string]string{"env": "prod"}, []string{"id-prod", "shop-prod"}},
		{"no match", map[string]string{"team": "ops"}, nil},
		{"unknown key", map[string]string{"region": "eu"}, nil},
		{"value is not a key", map[string]string{"shop": "team"}, nil},
		{"empty value is a value", map[string]string{"team": ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plans, err := st.ListPlans(ctx, &storage.ListPlansParams{Labels: tt.labels})
			require.NoError(t, err)
			var got []string
			for _, p := range plans {
				got = append(got, p.ID)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func (s suite) planListEmpty(t *testing.T) {
	ctx, st := s.store(t)
	plans, err := st.ListPlans(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, plans)
}

func (s suite) planDeleteCascade(t *testing.T) {
	ctx, st := s.store(t)
	savePlan(ctx, t, st, "gone", map[string]string{"x": "y"})
	savePlan(ctx, t, st, "kept", nil)
	create(ctx, t, st,
		newExecution("g1", "gone", at(0), record.StatusFailed, time.Second),
		newExecution("g2", "gone", at(1), record.StatusRunning, 0),
		newExecution("k1", "kept", at(2), record.StatusPassed, time.Second),
	)
	for _, id := range []string{"g1", "g2", "k1"} {
		require.NoError(t, st.AppendStep(ctx, id, &record.StepResult{Index: 0, Name: "s"}))
	}

	require.NoError(t, st.DeletePlan(ctx, "gone"))

	_, err := st.GetPlan(ctx, "gone")
	require.ErrorIs(t, err, storage.ErrNotFound)
	for _, id := range []string{"g1", "g2"} {
		_, err = st.GetExecution(ctx, id)
		require.ErrorIs(t, err, storage.ErrNotFound, "execution %s", id)
	}
	page, err := st.ListExecutions(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"k1"}, ids(page.Executions))
	page, err = st.ListExecutions(ctx, &storage.ListExecutionsParams{PlanID: "gone"})
	require.NoError(t, err)
	require.Empty(t, page.Executions)
	sums, err := st.Summaries(ctx, nil)
	require.NoError(t, err)
	require.Len(t, sums, 1)
	require.Equal(t, "kept", sums[0].PlanID)
	require.ErrorIs(t, st.CreateExecution(ctx, newExecution("g3", "gone", at(3), record.StatusCreated, 0)), storage.ErrConflict)

	// The other plan is untouched.
	k1, err := st.GetExecution(ctx, "k1")
	require.NoError(t, err)
	require.Len(t, k1.Steps, 1)

	// A plan saved again under the same ID starts afresh.
	savePlan(ctx, t, st, "gone", nil)
	_, err = st.GetExecution(ctx, "g1")
	require.ErrorIs(t, err, storage.ErrNotFound)
	// And the deleted executions' IDs are free again.
	create(ctx, t, st, newExecution("g1", "gone", at(4), record.StatusCreated, 0))
	g1, err := st.GetExecution(ctx, "g1")
	require.NoError(t, err)
	require.Empty(t, g1.Steps)
}

func (s suite) planDeleteNotFound(t *testing.T) {
	ctx, st := s.store(t)
	require.ErrorIs(t, st.DeletePlan(ctx, "absent"), storage.ErrNotFound)
	savePlan(ctx, t, st, "once", nil)
	require.NoError(t, st.DeletePlan(ctx, "once"))
	require.ErrorIs(t, st.DeletePlan(ctx, "once"), storage.ErrNotFound, "second delete")
}
