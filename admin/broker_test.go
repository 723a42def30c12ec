package admin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
)

// TestSlowClientIsDroppedNotWaitedFor checks that a stream client that
// does not read is disconnected once its buffer is full, without ever
// blocking the publisher, and that it can catch up from the ring.
func TestSlowClientIsDroppedNotWaitedFor(t *testing.T) {
	t.Parallel()
	b := newBroker(1024, time.Hour)
	slow, _ := b.subscribe(0, false, nil)
	ev := &smokex.Event{Type: smokex.EventExecutionCreated, Plan: &record.PlanRef{ID: "p"}, Execution: &record.Execution{ID: "x"}}
	start := time.Now()
	for range clientBuffer + 10 {
		b.publish(ev)
	}
	require.Less(t, time.Since(start), time.Second, "publishing never waits for a client")
	n := 0
	for range slow.c {
		n++
	}
	require.Equal(t, clientBuffer, n, "the client got what fit, then its stream closed")

	// Reconnecting with the last id it got replays the rest from the ring.
	again, replay := b.subscribe(uint64(n), true, nil)
	require.Len(t, replay, 10)
	require.Equal(t, uint64(n+1), replay[0].id)
	b.unsubscribe(again)

	// The ring keeps the newest messages only.
	small := newBroker(4, time.Hour)
	for range 10 {
		small.publish(ev)
	}
	_, replay = small.subscribe(1, true, nil)
	require.Len(t, replay, 4)
	require.Equal(t, uint64(7), replay[0].id)
	require.Contains(t, string(replay[3].frame), "id: 10\nevent: execution_created\ndata: {")
}
