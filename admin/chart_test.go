package admin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/record"
)

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want time.Duration }{
		{0, 10 * time.Microsecond},
		{35 * time.Microsecond, 50 * time.Microsecond},
		{time.Millisecond, time.Millisecond},
		{76 * time.Millisecond, 100 * time.Millisecond},
		{101 * time.Millisecond, 200 * time.Millisecond},
		{3 * time.Second, 5 * time.Second},
	} {
		require.Equal(t, c.want, niceStep(c.in), "niceStep(%s)", c.in)
	}
}

func TestChartScalesAndStacksLabels(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	var xs []*record.Execution
	for i := range 10 { // newest first, as the store lists them
		created := start.Add(time.Duration(10-i) * time.Minute)
		xs = append(xs, &record.Execution{ID: string(rune('a' + i)), Status: record.StatusPassed, CreatedAt: created,
			StartedAt: created, FinishedAt: created.Add(time.Duration(100+i*10) * time.Millisecond)})
	}
	xs = append(xs, &record.Execution{ID: "running", Status: record.StatusRunning, CreatedAt: start})
	c := newChart(xs, 140*time.Millisecond, 145*time.Millisecond, 500*time.Millisecond)
	require.Len(t, c.Bars, 10, "finished executions only")
	require.Greater(t, c.Bars[0].H, c.Bars[9].H, "oldest (longest) left")
	require.Equal(t, "0", c.YTicks[0].Label)
	require.Equal(t, "600 ms", c.YTicks[len(c.YTicks)-1].Label, "the axis reaches past the threshold, rounded")
	require.Equal(t, "20:01:00", c.XTicks[0].Label, "a span under ten minutes is labelled to the second")
	require.Len(t, c.Lines, 3)
	for i := 1; i < len(c.Lines); i++ {
		require.LessOrEqual(t, c.Lines[i].TextY, c.Lines[i-1].TextY-lineLabelGap, "labels do not overlap")
	}
	require.Empty(t, newChart(nil, 0, 0, 0).Bars)

	// Runs minutes apart over hours are labelled to the minute; runs in
	// the same second share no label.
	var spread, burst []*record.Execution
	for i := range 30 {
		created := start.Add(time.Duration(30-i) * 10 * time.Minute)
		spread = append(spread, &record.Execution{Status: record.StatusPassed, CreatedAt: created, StartedAt: created, FinishedAt: created.Add(time.Millisecond)})
		burst = append(burst, &record.Execution{Status: record.StatusPassed, CreatedAt: start, StartedAt: start, FinishedAt: start.Add(time.Millisecond)})
	}
	require.Equal(t, "20:10", newChart(spread, 0, 0, 0).XTicks[0].Label)
	labels := newChart(burst, 0, 0, 0).XTicks
	require.Len(t, labels, 1, "one label for runs of one second")
	require.Equal(t, "20:00:00", labels[0].Label)
}
