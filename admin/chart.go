package admin

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/smokex/smokex/record"
)

// chart is the plan page's bar chart of durations, oldest left, with a
// time axis, a milliseconds axis, the p50 and p95 of the plan's summary
// and its degraded_after threshold as lines. Coordinates are in the
// SVG's viewBox (W x H); the plot is the rectangle Left, Top, Right,
// Bottom.
type chart struct {
	W, H                     int
	Left, Top, Right, Bottom int
	Bars                     []bar
	YTicks, XTicks           []axisTick
	Lines                    []chartLine
	Label                    string
}

type bar struct {
	X, Y, W, H int
	Status     record.Status
	// Maintenance is set for an execution in maintenance.
	Maintenance bool
	Title       string
}

// axisTick is a labelled place on an axis: Y on the milliseconds axis, X
// on the time axis; the label is written at TextX, TextY.
type axisTick struct {
	X, Y         int
	TextX, TextY int
	Label        string
}

// chartLine is a horizontal line across the plot: Class is p50, p95 or
// degraded.
type chartLine struct {
	Y            int
	TextX, TextY int
	Class        string
	Label        string
}

// newChart charts xs (newest first, as the store lists them); p50, p95
// and degraded (zero: not drawn) are drawn as lines.
func newChart(xs []*record.Execution, p50, p95, degraded time.Duration) chart {
	c := chart{W: 960, H: 220, Left: 64, Top: 10, Right: 960 - 110, Bottom: 220 - 26}
	var done []*record.Execution
	for i := len(xs) - 1; i >= 0; i-- {
		if x := xs[i]; x.Status.Done() {
			done = append(done, x)
		}
	}
	if len(done) == 0 {
		return c
	}
	top := max(longest(done), p95, degraded)
	step := niceStep(top / 4)
	top = step * time.Duration(math.Ceil(float64(top)/float64(step)))
	plotH := c.Bottom - c.Top
	y := func(d time.Duration) int { return c.Bottom - int(math.Round(float64(d)/float64(top)*float64(plotH))) }
	for d := time.Duration(0); d <= top; d += step {
		label := "0"
		if d > 0 {
			label = formatMS(record.Millis(d))
		}
		c.YTicks = append(c.YTicks, axisTick{X: c.Left, Y: y(d), TextX: c.Left - 6, TextY: y(d), Label: label})
	}
	slot := (c.Right - c.Left) / chartRuns
	for i, x := range done {
		h := max(2, c.Bottom-y(x.Duration()))
		b := bar{X: c.Left + i*slot + 1, Y: c.Bottom - h, W: slot - 2, H: h, Status: x.Status, Maintenance: x.Maintenance != "",
			Title: fmt.Sprintf("%s, %s, %s", x.CreatedAt.UTC().Format(time.DateTime), x.Status, formatMS(record.Millis(x.Duration())))}
		if b.Maintenance {
			b.Title += ", " + x.Maintenance
		}
		c.Bars = append(c.Bars, b)
	}
	first, last := done[0].CreatedAt, done[len(done)-1].CreatedAt
	span := last.Sub(first)
	for _, i := range []int{0, len(done) / 2, len(done) - 1} {
		x := c.Left + i*slot + slot/2
		t := axisTick{X: x, Y: c.Bottom + 4, TextX: x, TextY: c.Bottom + 17, Label: timeLabel(done[i].CreatedAt, span)}
		if n := len(c.XTicks); n > 0 && (c.XTicks[n-1].X+60 > t.X || c.XTicks[n-1].Label == t.Label) {
			continue // too close to the last label, or the same
		}
		c.XTicks = append(c.XTicks, t)
	}
	for _, l := range []struct {
		d     time.Duration
		class string
	}{{p50, "p50"}, {p95, "p95"}, {degraded, "degraded"}} {
		if l.d > 0 {
			c.Lines = append(c.Lines, chartLine{Y: y(l.d), TextX: c.Right + 6, TextY: y(l.d), Class: l.class, Label: l.class + " " + formatMS(record.Millis(l.d))})
		}
	}
	// Labels of lines close together are stacked, the upper one up.
	slices.SortFunc(c.Lines, func(a, b chartLine) int { return b.Y - a.Y })
	for i := 1; i < len(c.Lines); i++ {
		c.Lines[i].TextY = min(c.Lines[i].TextY, c.Lines[i-1].TextY-lineLabelGap)
	}
	c.Label = fmt.Sprintf("Durations of the last %d runs, the longest %s", len(done), formatMS(record.Millis(longest(done))))
	return c
}

// lineLabelGap is the least distance between the labels of two lines.
const lineLabelGap = 13

// niceStep rounds d up to 1, 2 or 5 times a power of ten milliseconds
// (at least 0.01 ms), so that an axis has round labels.
func niceStep(d time.Duration) time.Duration {
	ms := max(float64(d)/float64(time.Millisecond), 0.01)
	pow := math.Pow(10, math.Floor(math.Log10(ms)))
	for _, m := range []float64{1, 2, 5, 10} {
		if ms <= m*pow {
			return time.Duration(m * pow * float64(time.Millisecond))
		}
	}
	return time.Duration(10 * pow * float64(time.Millisecond))
}

// timeLabel formats t for the time axis: the time of day when the axis
// spans less than a day, with the date when it spans more, and with the
// seconds when it spans less than ten minutes, so that runs seconds apart
// do not share one label.
func timeLabel(t time.Time, span time.Duration) string {
	switch {
	case span >= 24*time.Hour:
		return t.UTC().Format("Jan 2 15:04")
	case span < 10*time.Minute:
		return t.UTC().Format("15:04:05")
	}
	return t.UTC().Format("15:04")
}
