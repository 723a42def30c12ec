package alertbox_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/alertbox"
	"github.com/smokex/smokex/record"
)

// TestBound fills a box to MaxBytes: the next delivery is refused, and
// fits again once one is completed.
func TestBound(t *testing.T) {
	t.Parallel()
	var b alertbox.Box
	event := bytes.Repeat([]byte("x"), 1<<20)
	owe := func(n int) []*record.AlertDelivery {
		return []*record.AlertDelivery{{ID: fmt.Sprint(n), PlanID: "p", Target: "t", Event: event}}
	}
	for n := range alertbox.MaxBytes >> 20 {
		require.NoError(t, b.Admit(owe(n)))
		b.Add(time.Now(), owe(n))
	}
	require.ErrorIs(t, b.Admit(owe(0)), record.ErrConflict)
	err := b.Admit(owe(-1))
	require.ErrorContains(t, err, "pass the bound of 16777216")
	require.NotErrorIs(t, err, record.ErrConflict)
	d := b.Claim(time.Now(), "t", time.Minute)
	require.NoError(t, b.Complete(d))
	require.NoError(t, b.Admit(owe(-1)))
}
