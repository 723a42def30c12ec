package storagetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage"
)

func (s suite) uptimeScenarios() []scenario {
	return []scenario{
		{"NinetyDays", s.uptimeNinetyDays},
		{"CountsOnce", s.uptimeCountsOnce},
		{"Selects", s.uptimeSelects},
		{"GoesWithPlan", s.uptimeGoesWithPlan},
	}
}

// dayOf returns midnight UTC of base's day plus n days.
func dayOf(n int) time.Time { return storage.UTCDay(base()).AddDate(0, 0, n) }

// uptimeNinetyDays stores 90 days of executions, a passed and a degraded
// one every day, a failed one every third day, then a maintenance and a
// canceled one that do not count; prunes every execution; and reads the
// 90 rollups back.
func (s suite) uptimeNinetyDays(t *testing.T) {
	ctx, st := s.store(t)
	us := optional[storage.UptimeStore](t, st)
	savePlan(ctx, t, st, "p", nil)
	for d := range 90 {
		day := dayOf(-89 + d).Add(13 * time.Hour)
		es := []*record.Execution{
			newExecution(fmt.Sprintf("p-%02d-a", d), "p", day, record.StatusPassed, 200*time.Millisecond),
			newExecution(fmt.Sprintf("p-%02d-b", d), "p", day.Add(time.Minute), record.StatusDegraded, 800*time.Millisecond),
		}
		if d%3 == 0 {
			es = append(es, newExecution(fmt.Sprintf("p-%02d-c", d), "p", day.Add(2*time.Minute), record.StatusFailed, 2*time.Second))
		}
		maint := newExecution(fmt.Sprintf("p-%02d-m", d), "p", day.Add(3*time.Minute), record.StatusFailed, time.Second)
		maint.Maintenance = "nightly"
		es = append(es, maint, newExecution(fmt.Sprintf("p-%02d-x", d), "p", day.Add(4*time.Minute), record.StatusCanceled, time.Second))
		// Half the days arrive as the engine writes them: created, then
		// updated when final.
		for _, e := range es {
			if d%2 == 0 {
				create(ctx, t, st, e)
				continue
			}
			fin := *e
			e.Status, e.StartedAt, e.FinishedAt = record.StatusRunning, e.CreatedAt.Add(time.Second), time.Time{}
			create(ctx, t, st, e)
			require.NoError(t, st.UpdateExecution(ctx, &fin))
		}
	}
	n, err := st.Prune(ctx, &storage.PruneParams{FinishedBefore: dayOf(2)})
	require.NoError(t, err)
	require.Equal(t, 90*4+30, n, "prune deletes every execution")

	got, err := us.DailyUptime(ctx, nil)
	require.NoError(t, err)
	require.Len(t, got, 90)
	for d, r := range got {
		want := storage.DailyUptime{PlanID: "p", Day: dayOf(-89 + d), Passed: 1, Degraded: 1, Duration: time.Second, Timed: 2}
		if d%3 == 0 {
			want.Failed, want.Duration, want.Timed = 1, 3*time.Second, 3
		}
		r.Day = r.Day.UTC()
		require.Equal(t, want, *r, "day %d", d)
	}
	require.Equal(t, 500*time.Millisecond, got[1].Mean())
	require.Equal(t, 2, got[1].Up())
	require.Equal(t, 3, got[0].Total())
}

// uptimeCountsOnce updates a final execution again: it counts once.
func (s suite) uptimeCountsOnce(t *testing.T) {
	ctx, st := s.store(t)
	us := optional[storage.UptimeStore](t, st)
	savePlan(ctx, t, st, "p", nil)
	e := newExecution("e", "p", at(0), record.StatusRunning, 0)
	create(ctx, t, st, e)
	e.Status, e.FinishedAt = record.StatusFailed, e.StartedAt.Add(time.Second)
	require.NoError(t, st.UpdateExecution(ctx, e))
	require.NoError(t, st.UpdateExecution(ctx, e))
	e.Status = record.StatusPassed
	require.NoError(t, st.UpdateExecution(ctx, e))
	got, err := us.DailyUptime(ctx, nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, 1, got[0].Failed)
	require.Equal(t, 1, got[0].Total())
}

// uptimeSelects filters by plan and day.
func (s suite) uptimeSelects(t *testing.T) {
	ctx, st := s.store(t)
	us := optional[storage.UptimeStore](t, st)
	for _, id := range []string{"p", "q", "r"} {
		savePlan(ctx, t, st, id, nil)
		for d := range 5 {
			create(ctx, t, st, newExecution(fmt.Sprintf("%s-%d", id, d), id, dayOf(d).Add(time.Hour), record.StatusPassed, time.Second))
		}
	}
	got, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{"r", "p", "nope"}, Since: dayOf(1).Add(5 * time.Hour), Until: dayOf(3)})
	require.NoError(t, err)
	var keys []string
	for _, r := range got {
		keys = append(keys, fmt.Sprintf("%s %s", r.PlanID, r.Day.UTC().Format(time.DateOnly)))
	}
	d1, d2 := dayOf(1).Format(time.DateOnly), dayOf(2).Format(time.DateOnly)
	require.Equal(t, []string{"p " + d1, "p " + d2, "r " + d1, "r " + d2}, keys)

	none, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{}})
	require.NoError(t, err)
	require.Empty(t, none)
}

// uptimeGoesWithPlan deletes a plan: its rollups go; saved again, it
// starts from none.
func (s suite) uptimeGoesWithPlan(t *testing.T) {
	ctx, st := s.store(t)
	us := optional[storage.UptimeStore](t, st)
	savePlan(ctx, t, st, "p", nil)
	create(ctx, t, st, newExecution("e", "p", at(0), record.StatusPassed, time.Second))
	require.NoError(t, st.DeletePlan(ctx, "p"))
	savePlan(ctx, t, st, "p", nil)
	got, err := us.DailyUptime(ctx, &storage.DailyUptimeParams{PlanIDs: []string{"p"}})
	require.NoError(t, err)
	require.Empty(t, got)
}
