package storagetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage"
)

func (s suite) heartbeatScenarios() []scenario {
	return []scenario{
		{"SaveAndList", s.heartbeatSaveList},
		{"LocationAvailableOnce", s.heartbeatLocationOnce},
	}
}

// heartbeats returns the store as a HeartbeatStore; a store that is not
// one skips the scenarios, saying so.
func (s suite) heartbeats(t *testing.T) (context.Context, storage.HeartbeatStore) {
	t.Helper()
	ctx, st := s.store(t)
	return ctx, optional[storage.HeartbeatStore](t, st)
}

// heartbeatSaveList: a process's heartbeat replaces its last; a list
// gives those seen since a time, by location and process, and deletes
// those older than another.
func (s suite) heartbeatSaveList(t *testing.T) {
	ctx, hs := s.heartbeats(t)
	save := func(process, location string, seen time.Time, late time.Duration) {
		t.Helper()
		require.NoError(t, hs.SaveHeartbeat(ctx, &storage.Heartbeat{Process: process, Location: location, StartedAt: at(0), SeenAt: seen, Lateness: late}))
	}
	save("us-2", "us-east", at(10), 0)
	save("eu-1", "eu-west", at(5), 0)
	save("eu-1", "eu-west", at(20), 42*time.Millisecond)
	save("us-1", "us-east", at(20), time.Second)
	save("none", "", at(1), 0)
	got, err := hs.ListHeartbeats(ctx, at(10), time.Time{})
	require.NoError(t, err)
	var names []string
	for _, hb := range got {
		names = append(names, hb.Process)
	}
	require.Equal(t, []string{"eu-1", "us-1", "us-2"}, names)
	require.Equal(t, storage.Heartbeat{Process: "eu-1", Location: "eu-west", StartedAt: at(0), SeenAt: at(20), Lateness: 42 * time.Millisecond}, *got[0])
	got, err = hs.ListHeartbeats(ctx, time.Time{}, at(10))
	require.NoError(t, err)
	require.Len(t, got, 3, "the heartbeats seen before 10 are deleted, us-2's of 10 kept")
	require.Error(t, hs.SaveHeartbeat(ctx, &storage.Heartbeat{}), "a heartbeat of no process")
}

// heartbeatLocationOnce: a location is available until said otherwise;
// of many processes that say it at once, one is told it changed.
func (s suite) heartbeatLocationOnce(t *testing.T) {
	ctx, hs := s.heartbeats(t)
	changed, err := hs.SetLocationAvailable(ctx, "eu-west", true, at(1))
	require.NoError(t, err)
	require.False(t, changed, "a location never recorded is available")
	for _, available := range []bool{false, true} {
		var told atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				c, err := hs.SetLocationAvailable(ctx, "eu-west", available, at(2))
				if err != nil {
					t.Error(err)
				}
				if c {
					told.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), told.Load(), "available %v: processes told of the change", available)
	}
	changed, err = hs.SetLocationAvailable(ctx, "us-east", true, at(3))
	require.NoError(t, err)
	require.False(t, changed, "another location")
}
