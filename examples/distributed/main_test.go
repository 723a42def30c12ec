package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

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

// TestTwoReplicas runs two replicas on two ports sharing one schema, one
// in eu-west and one in us-east, until the health plan has run three
// ticks and the regions plan two in each location: each tick of health
// runs once, whichever replica runs it, and each of regions once in each
// location.
func TestTwoReplicas(t *testing.T) {
	pool := postgrestest.Pool(t, 2)
	schema := postgrestest.Schema(t, pool)
	t.Setenv("DATABASE_URL", postgrestest.URL(t))
	logs := &logBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, loc := range []string{"eu-west", "us-east"} {
		wg.Go(func() {
			log := slog.New(slog.NewTextHandler(logs, nil))
			if err := run(ctx, []string{"-addr", "127.0.0.1:0", "-schema", schema, "-location", loc}, log); err != nil {
				t.Errorf("replica: %v", err)
			}
		})
	}
	count := func() (n, distinct int) {
		err := pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT scheduled_at) FROM `+
			pgx.Identifier{schema}.Sanitize()+`.executions WHERE plan_id = 'health' AND status IN ('passed', 'failed')`).Scan(&n, &distinct)
		if err != nil {
			return 0, 0 // the replicas have not migrated the schema yet
		}
		return n, distinct
	}
	regions := func(location string) (n, distinct int) {
		err := pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT scheduled_at) FROM `+
			pgx.Identifier{schema}.Sanitize()+`.executions WHERE plan_id = 'regions' AND location = $1 AND status IN ('passed', 'failed')`, location).Scan(&n, &distinct)
		if err != nil {
			return 0, 0
		}
		return n, distinct
	}
	require.Eventually(t, func() bool {
		n, _ := count()
		eu, _ := regions("eu-west")
		us, _ := regions("us-east")
		return n >= 3 && eu >= 2 && us >= 2
	}, time.Minute, 50*time.Millisecond, "health has not run three ticks, or regions two in each location: %s", logs)
	cancel()
	wg.Wait()

	ran := regexp.MustCompile(`msg="tick ran here" replica=(\S+) plan=health location=\S* scheduled_at=(\S+)`).FindAllStringSubmatch(logs.String(), -1)
	require.NotEmpty(t, ran, logs.String())
	byTick := map[string]string{}
	for _, m := range ran {
		require.NotContains(t, byTick, m[2], "tick %s ran on %s and %s", m[2], byTick[m[2]], m[1])
		byTick[m[2]] = m[1]
	}
	n, distinct := count()
	require.Equal(t, n, distinct, "a tick of health ran twice")
	for _, loc := range []string{"eu-west", "us-east"} {
		n, distinct := regions(loc)
		require.Equal(t, n, distinct, "a tick of regions ran twice in %s", loc)
	}
}
