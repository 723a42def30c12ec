package slo_test

import (
	"fmt"
	"time"

	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/slo"
)

// A plan that runs every minute with slo {target: 99.9%, window: 30d}
// failed 20 times long ago and twice in the last 5 minutes: the fast
// burn-rate rule holds.
func ExampleCounter() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := slo.NewCounter(record.SLO{Target: 0.999, Window: 30 * 24 * time.Hour}, now)
	for m := range 30 * 24 * 60 {
		failed := m == 1 || m == 3 || (m >= 20000 && m < 20020)
		c.Add(now.Add(-time.Duration(m)*time.Minute), !failed)
	}
	b := c.Budget("checkout")
	fmt.Printf("uptime %.4f%%, %.1f of %.1f minutes left (%.0f%%), burn rate %.1f\n",
		*b.Uptime*100, b.RemainingMinutes, b.BudgetMinutes, b.Remaining*100, b.BurnRate)
	if r, ok := slo.Firing(b); ok {
		fmt.Printf("the %s rule holds: %.1fx over %s and %s\n", r.Name, r.Rate, r.Long, r.Short)
	}
	// Output:
	// uptime 99.9491%, 21.2 of 43.2 minutes left (49%), burn rate 33.3
	// the fast rule holds: 14.4x over 1h0m0s and 5m0s
}
