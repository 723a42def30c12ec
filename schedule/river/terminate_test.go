package river_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// tickLog keeps the due times each entry ticked at, and tells a waiter of
// every tick.
type tickLog struct {
	mu   sync.Mutex
	dues map[string][]time.Time
	tick chan struct{}
}

func (l *tickLog) add(id string, due time.Time) {
	l.mu.Lock()
	l.dues[id] = append(l.dues[id], due)
	l.mu.Unlock()
	select {
	case l.tick <- struct{}{}:
	default:
	}
}

// count is the fewest ticks an entry has.
func (l *tickLog) count(ids []string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := -1
	for _, id := range ids {
		if n < 0 || len(l.dues[id]) < n {
			n = len(l.dues[id])
		}
	}
	return n
}

// waitFor waits until every entry has at least n ticks.
func (l *tickLog) waitFor(t *testing.T, ids []string, n int) {
	t.Helper()
	deadline := time.After(time.Minute)
	for l.count(ids) < n {
		select {
		case <-l.tick:
		case <-deadline:
			require.FailNow(t, fmt.Sprintf("fewer than %d ticks of every entry after a minute", n))
		}
	}
}

// TestTerminatedConnectionsLoseNoTick terminates every connection of the
// scheduler's pool (pg_terminate_backend), again and again for a second
// and a half, three times, while entries tick every second. An insert of
// ticks then fails on a connection that is gone; the scheduler's
// enqueuing tries again, so every entry ticks at every second, once.
func TestTerminatedConnectionsLoseNoTick(t *testing.T) {
	t.Parallel()
	admin, schema := migratedSchema(t, 2)
	cfg, err := pgxpool.ParseConfig(postgrestest.URL(t))
	require.NoError(t, err)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	app := "smokex-terminated-" + hex.EncodeToString(b)
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	defer pool.Close()

	// The scheduler's log, River's included, at info level.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "river.log"))
	require.NoError(t, err)
	defer logFile.Close()
	log := &tickLog{dues: map[string][]time.Time{}, tick: make(chan struct{}, 1)}
	s, err := smokexriver.New(smokexriver.Config{
		Pool: pool, Schema: schema, SyncInterval: 200 * time.Millisecond,
		Func:   func(_ context.Context, id string, due time.Time) { log.add(id, due) },
		Logger: slog.New(slog.NewTextHandler(logFile, nil)),
	})
	require.NoError(t, err)
	ids := []string{"a", "b", "c", "d", "e"}
	for _, id := range ids {
		require.NoError(t, s.Add(t.Context(), id, "@every 1s"))
	}
	require.NoError(t, s.Start(t.Context()))
	stopped := false
	defer func() {
		if !stopped {
			_ = s.Stop(context.Background())
		}
	}()

	log.waitFor(t, ids, 2)
	// Each round terminates the pool's connections every 10ms for 1.5s,
	// across at least one round of River's enqueuer, whose transaction
	// (begin, insert or commit) then fails.
	const rounds = 3
	terminated := 0
	for i := range rounds {
		n := log.count(ids)
		log.waitFor(t, ids, n+1)
		killed := 0
		pace := time.NewTicker(10 * time.Millisecond)
		for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); <-pace.C {
			var k int
			require.NoError(t, admin.QueryRow(t.Context(),
				`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&k))
			killed += k
		}
		pace.Stop()
		t.Logf("round %d: terminated %d connections", i, killed)
		terminated += killed
	}
	n := log.count(ids)
	log.waitFor(t, ids, n+3)
	require.NoError(t, s.Stop(t.Context()))
	stopped = true

	fewest := log.count(ids)
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, id := range ids {
		dues := slices.Clone(log.dues[id])
		slices.SortFunc(dues, func(a, b time.Time) int { return a.Compare(b) })
		var missing []string
		for i := 1; i < len(dues); i++ {
			require.NotEqual(t, dues[i-1], dues[i], "entry %s ticked twice at %s", id, dues[i])
			for d := dues[i-1].Add(time.Second); d.Before(dues[i]); d = d.Add(time.Second) {
				missing = append(missing, d.Format("15:04:05"))
			}
		}
		require.Empty(t, missing, "entry %s lost ticks between %s and %s", id, dues[0].Format("15:04:05"), dues[len(dues)-1].Format("15:04:05"))
	}
	require.Positive(t, terminated)
	logged, err := os.ReadFile(logFile.Name())
	require.NoError(t, err)
	retried := strings.Count(string(logged), "river: enqueuing ticks failed; trying again")
	t.Logf("the scheduler's enqueuing failed %d times and tried again", retried)
	t.Logf("%d rounds, %d connections terminated; every entry ticked at least %d times, each second once", rounds, terminated, fewest)
}
