package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// logBuffer is a log both replicas write to.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTwoReplicas runs two replicas on two ports sharing one schema: the
// health plan's ticks run once each, shared by the two.
func TestTwoReplicas(t *testing.T) {
	pool := postgrestest.Pool(t, 2)
	schema := postgrestest.Schema(t, pool)
	t.Setenv("DATABASE_URL", postgrestest.URL(t))
	logs := &logBuffer{}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			log := slog.New(slog.NewTextHandler(logs, nil))
			if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-schema", schema, "-for", "8s"}, log); err != nil {
				t.Errorf("replica: %v", err)
			}
		})
	}
	wg.Wait()

	ran := regexp.MustCompile(`msg="tick ran here" replica=(\S+) plan=health scheduled_at=(\S+)`).FindAllStringSubmatch(logs.String(), -1)
	require.NotEmpty(t, ran, logs.String())
	byTick := map[string]string{}
	for _, m := range ran {
		require.NotContains(t, byTick, m[2], "tick %s ran on %s and %s", m[2], byTick[m[2]], m[1])
		byTick[m[2]] = m[1]
	}
	var n, distinct int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT scheduled_at) FROM `+
		pgx.Identifier{schema}.Sanitize()+`.executions WHERE plan_id = 'health'`).Scan(&n, &distinct))
	require.Equal(t, n, distinct, "a tick of health ran twice")
	require.GreaterOrEqual(t, n, 3, "health ticked %d times in 8s", n)
}
