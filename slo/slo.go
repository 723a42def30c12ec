package slo

import (
	"encoding/json"
	"math"
	"time"

	"github.com/smokex/smokex/record"
)

// Rule is one alert of the multiwindow burn-rate rule: it fires when the
// burn rate is at least Rate over both the Long and the Short window (the
// short one makes it stop soon after the failures stop).
type Rule struct {
	// Name is "fast" or "slow".
	Name string `json:"name"`
	// Long and Short are the windows; on the wire, long_ms and short_ms.
	Long, Short time.Duration `json:"-"`
	Rate        float64       `json:"rate"`
}

// MarshalJSON encodes r with its windows in milliseconds.
func (r Rule) MarshalJSON() ([]byte, error) {
	type plain Rule
	return json.Marshal(struct {
		plain
		LongMS  int64 `json:"long_ms"`
		ShortMS int64 `json:"short_ms"`
	}{plain(r), r.Long.Milliseconds(), r.Short.Milliseconds()})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (r *Rule) UnmarshalJSON(b []byte) error {
	type plain Rule
	var w struct {
		plain
		LongMS  int64 `json:"long_ms"`
		ShortMS int64 `json:"short_ms"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Rule(w.plain)
	r.Long, r.Short = time.Duration(w.LongMS)*time.Millisecond, time.Duration(w.ShortMS)*time.Millisecond
	return nil
}

// The two alerts of the SRE workbook's multiwindow, multi-burn-rate rule
// for a 30-day budget: the fast one spends 2% of it in an hour, the slow
// one 5% in 6 hours.
var (
	Fast = Rule{Name: "fast", Long: time.Hour, Short: 5 * time.Minute, Rate: 14.4}
	Slow = Rule{Name: "slow", Long: 6 * time.Hour, Short: 30 * time.Minute, Rate: 6}
)

// Rules are Fast and Slow, in the order they are checked.
var Rules = []Rule{Fast, Slow}

// BurnWindows are the windows whose burn rates an ErrorBudget holds, the
// shortest first: those of Rules.
var BurnWindows = []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, MaxBurnWindow}

// MaxBurnWindow is the longest of BurnWindows.
const MaxBurnWindow = 6 * time.Hour

// Firing returns the first rule of Rules that b's burn rates break, false
// when none does.
func Firing(b *record.ErrorBudget) (Rule, bool) {
	for _, r := range Rules {
		long, ok1 := b.Rate(r.Long)
		short, ok2 := b.Rate(r.Short)
		if ok1 && ok2 && long.Executions > 0 && short.Executions > 0 && long.Rate >= r.Rate && short.Rate >= r.Rate {
			return r, true
		}
	}
	return Rule{}, false
}

// Counter counts a plan's executions into an ErrorBudget.
type Counter struct {
	slo   record.SLO
	now   time.Time
	total int
	fails int
	burn  []record.BurnRate
}

// NewCounter counts for o over the window that ends at now.
func NewCounter(o record.SLO, now time.Time) *Counter {
	c := &Counter{slo: o, now: now, burn: make([]record.BurnRate, len(BurnWindows))}
	for i, w := range BurnWindows {
		c.burn[i].Window = w
	}
	return c
}

// Since is the start of the counter's window.
func (c *Counter) Since() time.Time { return c.now.Add(-c.slo.Window) }

// Add counts an execution created at at, up or failed, in the window and
// in the burn-rate windows. A window holds the executions created after
// its start, up to now included; the others are ignored.
func (c *Counter) Add(at time.Time, up bool) {
	if !at.After(c.Since()) || at.After(c.now) {
		return
	}
	c.AddDay(boolInt(up), boolInt(!up))
	c.AddBurn(at, up)
}

// AddDay counts executions of the window known by their numbers alone, as
// a day's rollup (storage.DailyUptime) has them: they are not counted in
// the burn-rate windows, which the caller counts with AddBurn.
func (c *Counter) AddDay(up, failed int) {
	c.total += up + failed
	c.fails += failed
}

// AddBurn counts an execution created at at in the burn-rate windows
// alone.
func (c *Counter) AddBurn(at time.Time, up bool) {
	if at.After(c.now) {
		return
	}
	for i := range c.burn {
		if b := &c.burn[i]; at.After(c.now.Add(-b.Window)) {
			b.Executions++
			if !up {
				b.Failed++
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Budget returns the budget counted so far.
func (c *Counter) Budget(planID string) *record.ErrorBudget {
	allowed := 1 - c.slo.Target
	minutes := c.slo.Window.Minutes()
	b := &record.ErrorBudget{PlanID: planID, Objective: c.slo, At: c.now, Executions: c.total, Failed: c.fails,
		BudgetMinutes: round(allowed * minutes), BurnRates: make([]record.BurnRate, len(c.burn))}
	spent := 0.0
	if c.total > 0 {
		failed := float64(c.fails) / float64(c.total)
		up := 1 - failed
		b.Uptime = &up
		spent = failed * minutes
	}
	b.RemainingMinutes = round(b.BudgetMinutes - spent)
	if b.BudgetMinutes > 0 {
		b.Remaining = round(b.RemainingMinutes / b.BudgetMinutes)
	}
	for i, r := range c.burn {
		if r.Executions > 0 && allowed > 0 {
			r.Rate = round(float64(r.Failed) / float64(r.Executions) / allowed)
		}
		b.BurnRates[i] = r
		if r.Window == time.Hour {
			b.BurnRate = r.Rate
		}
	}
	return b
}

// round keeps 6 decimals, enough for minutes and rates, so that shares
// such as 0.1% print as written.
func round(v float64) float64 {
	return math.Round(v*1e6) / 1e6
}
