package record

import (
	"encoding/json"
	"time"
)

// SLO is a plan's service level objective (the plan key slo): the share of
// its executions that must be up over a rolling window.
type SLO struct {
	// Target is the share that must be up, above 0 and below 1 (0.999).
	Target float64
	// Window is the rolling window; on the wire, window_ms.
	Window time.Duration
}

// MarshalJSON encodes o as {"target": 0.999, "window_ms": 2592000000}.
func (o SLO) MarshalJSON() ([]byte, error) {
	return json.Marshal(sloWire{Target: o.Target, WindowMS: o.Window.Milliseconds()})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (o *SLO) UnmarshalJSON(b []byte) error {
	var w sloWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*o = SLO{Target: w.Target, Window: time.Duration(w.WindowMS) * time.Millisecond}
	return nil
}

type sloWire struct {
	Target   float64 `json:"target"`
	WindowMS int64   `json:"window_ms"`
}

// ErrorBudget is where a plan stands against its SLO at one moment: the
// uptime over the window, the error budget left and the burn rates. The
// admin API, the status pages, the metrics and the alert policy's
// burn-rate rule all read it.
type ErrorBudget struct {
	// PlanID is the plan's ID.
	PlanID string `json:"-"`
	// Objective is the slo it is measured against.
	Objective SLO `json:"objective"`
	// At is when it was measured.
	At time.Time `json:"at"`
	// Executions counts the window's executions that passed, degraded or
	// failed (not canceled, not in maintenance); Failed those that failed.
	Executions int `json:"executions"`
	Failed     int `json:"failed"`
	// Uptime is the up share of Executions, nil when there is none.
	Uptime *float64 `json:"uptime"`
	// BudgetMinutes is the whole error budget: (1 - target) x window.
	BudgetMinutes float64 `json:"budget_minutes"`
	// RemainingMinutes is what is left of it: the budget less the failed
	// share of the window, negative once it is spent.
	RemainingMinutes float64 `json:"remaining_minutes"`
	// Remaining is RemainingMinutes over BudgetMinutes: 1 untouched, 0
	// spent, below 0 overspent.
	Remaining float64 `json:"remaining"`
	// BurnRate is the burn rate over the last hour (the BurnRates entry
	// of 1h): the failed share over the share the target allows. 1 spends
	// the budget exactly by the window's end; 0 when the hour had no
	// execution.
	BurnRate float64 `json:"burn_rate"`
	// BurnRates are the burn rates over the windows of the multiwindow
	// rule, shortest first.
	BurnRates []BurnRate `json:"burn_rates"`
}

// BurnRate is the burn rate over one window that ends at the budget's At.
type BurnRate struct {
	// Window is how far back it looks; on the wire, window_ms.
	Window time.Duration `json:"-"`
	// Executions counts the window's judged executions, Failed those that
	// failed.
	Executions int `json:"executions"`
	Failed     int `json:"failed"`
	// Rate is the failed share of Executions over (1 - target); 0 when
	// there is none.
	Rate float64 `json:"rate"`
}

// MarshalJSON encodes b with its window as window_ms.
func (b BurnRate) MarshalJSON() ([]byte, error) {
	type plain BurnRate
	return json.Marshal(struct {
		WindowMS int64 `json:"window_ms"`
		plain
	}{b.Window.Milliseconds(), plain(b)})
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (b *BurnRate) UnmarshalJSON(data []byte) error {
	type plain BurnRate
	var w struct {
		WindowMS int64 `json:"window_ms"`
		plain
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = BurnRate(w.plain)
	b.Window = time.Duration(w.WindowMS) * time.Millisecond
	return nil
}

// Rate returns the burn rate over window, false when b does not measure it.
func (b *ErrorBudget) Rate(window time.Duration) (BurnRate, bool) {
	for _, r := range b.BurnRates {
		if r.Window == window {
			return r, true
		}
	}
	return BurnRate{}, false
}
