package smokex_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/internal/cronspec"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/memory"
)

// TestLateTicksAreSkipped hands the engine ticks due long enough ago that
// they cannot start within their plan's interval, or within MaxLateness:
// each is stored as a canceled execution with stop reason skipped and an
// error of kind late that says by how much, the hooks hear of a tick
// skipped as late, and the target gets no request. A tick in time runs,
// and a skipped tick handed over again is not run either.
func TestLateTicksAreSkipped(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	store := memory.New(memory.Config{})
	sk := &skips{}
	eng, h := newHandTicked(t, smokex.Config{Store: store, Hooks: []record.Hook{sk}, MaxLateness: time.Minute}, true)
	ctx := t.Context()
	// hourly ticks every hour at the minute five minutes ago: its last
	// tick is about five minutes late, within its interval, past
	// MaxLateness.
	now := time.Now().UTC()
	lastHourly := now.Add(-5 * time.Minute).Truncate(time.Minute)
	for _, src := range []string{
		`{name: hourly, schedule: "` + strconv.Itoa(lastHourly.Minute()) + ` * * * *", steps: [{get: {url: "` + srv.URL + `"}}]}`,
		`{name: often, schedule: "@every 10s", steps: [{get: {url: "` + srv.URL + `"}}]}`,
	} {
		require.NoError(t, eng.AddPlan(ctx, mustParse(t, src)))
	}
	stale := lastHourly.Add(-3 * time.Hour)
	h.Tick("hourly", stale)      // past its interval and MaxLateness
	h.Tick("hourly", lastHourly) // within its interval, past MaxLateness
	// often's tick due 30-40s ago: past its interval, shorter than
	// MaxLateness.
	often10s := cronspec.EveryFor("often", 10*time.Second) // often's due times
	h.Tick("often", often10s.Prev(now.Add(-30*time.Second)))
	require.Zero(t, requests.Load(), "no late tick was run")

	hourly := scheduledRuns(t, store, "hourly")
	require.Len(t, hourly, 2)
	often := scheduledRuns(t, store, "often")
	require.Len(t, often, 1)
	for _, x := range append(hourly, often...) {
		require.Equal(t, record.StatusCanceled, x.Status)
		require.Equal(t, record.StopSkipped, x.StopReason)
		require.NotNil(t, x.Error)
		require.Equal(t, record.ErrLate, x.Error.Kind)
		require.Contains(t, x.Error.Message, "skipped, not run late")
		require.Equal(t, record.TriggerSchedule, x.Trigger)
	}
	// Newest first.
	require.Contains(t, hourly[1].Error.Message, "the tick due at "+stale.Format(time.RFC3339Nano))
	require.Contains(t, hourly[1].Error.Message, "past the engine's MaxLateness of 1m0s")
	require.Contains(t, hourly[0].Error.Message, "the tick due at "+lastHourly.Format(time.RFC3339Nano))
	require.Contains(t, hourly[0].Error.Message, "past the engine's MaxLateness of 1m0s")
	require.Contains(t, often[0].Error.Message, "past its plan's interval of 10s")

	// The skipped tick again, as a rescuing scheduler may hand it over:
	// it has its execution, and is not run.
	h.Tick("hourly", stale)
	require.Len(t, scheduledRuns(t, store, "hourly"), 2)
	// A tick in time runs: the next of often's due times, not past.
	h.Tick("often", often10s.Next(time.Now()).UTC())
	require.Equal(t, int64(1), requests.Load())
	require.Equal(t, []record.SkipReason{record.SkipLate, record.SkipLate, record.SkipLate, record.SkipDuplicate}, sk.seen())
}
