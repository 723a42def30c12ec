package admin

import (
	"strings"
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
	b := newBroker(1024, DefaultEventBufferBytes, time.Hour)
	slow, _ := b.subscribe(0, false, nil)
	ev := &smokex.Event{Type: smokex.EventExecutionCreated, Plan: &record.PlanRef{ID: "p"}, Execution: &record.Execution{ID: "x"}}
	// Nobody reads slow's stream: a publisher that waited for it would
	// never finish.
	published := make(chan struct{})
	go func() {
		defer close(published)
		for range clientBuffer + 10 {
			b.publish(ev)
		}
	}()
	select {
	case <-published:
	case <-time.After(time.Minute):
		require.FailNow(t, "publishing waits for a client that does not read")
	}
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
	small := newBroker(4, DefaultEventBufferBytes, time.Hour)
	listener, _ := small.subscribe(0, false, nil)
	defer small.unsubscribe(listener)
	for range 10 {
		small.publish(ev)
	}
	_, replay = small.subscribe(1, true, nil)
	require.Len(t, replay, 4)
	require.Equal(t, uint64(7), replay[0].id)
	require.Contains(t, string(replay[3].frame), "id: 10\nevent: execution_created\ndata: {")
}

// TestEventsAreEncodedOnlyForListeners checks that with no client, and
// none for replayGrace, events are counted and neither encoded nor kept;
// that a client that left may come back within replayGrace for what it
// missed; and that the ring is bounded by bytes as well as by count.
func TestEventsAreEncodedOnlyForListeners(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	b := newBroker(1024, 4<<10, time.Hour)
	b.now = func() time.Time { return now }
	ev := &smokex.Event{Type: smokex.EventStepFinished, Plan: &record.PlanRef{ID: "p"}, Execution: &record.Execution{ID: "x"},
		Step: &record.StepResult{Name: "big", Response: &record.Response{Body: strings.Repeat("x", 1000)}}}
	for range 5 {
		b.publish(ev)
	}
	require.Empty(t, b.ring, "nobody listens: nothing is encoded")
	require.Equal(t, uint64(5), b.count, "the ids go on")

	c, replay := b.subscribe(2, true, nil)
	require.Empty(t, replay)
	for range 10 {
		b.publish(ev)
	}
	require.Equal(t, uint64(6), (<-c.c).id)
	require.LessOrEqual(t, b.bytes, 4<<10, "the ring holds at most its bytes")
	require.Less(t, len(b.ring), 5, "frames of over 1 KiB: fewer than 5 fit in 4 KiB")
	require.Equal(t, uint64(15), b.ring[len(b.ring)-1].id)

	// The client leaves; one that comes back within the grace gets what it missed.
	b.unsubscribe(c)
	now = now.Add(replayGrace / 2)
	b.publish(ev)
	c, replay = b.subscribe(15, true, nil)
	require.Len(t, replay, 1)
	require.Equal(t, uint64(16), replay[0].id)
	b.unsubscribe(c)

	// Past the grace, nothing is kept any more.
	now = now.Add(replayGrace)
	b.publish(ev)
	require.Empty(t, b.ring)
	require.Zero(t, b.bytes)

	// A frame larger than the bound goes to the clients and is not kept.
	c, _ = b.subscribe(0, false, nil)
	huge := *ev
	huge.Step = &record.StepResult{Response: &record.Response{Body: strings.Repeat("y", 8<<10)}}
	b.publish(&huge)
	require.Equal(t, uint64(18), (<-c.c).id)
	require.Empty(t, b.ring)
	b.unsubscribe(c)
}
