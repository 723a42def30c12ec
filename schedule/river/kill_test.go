package river_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/schedule"
	smokexriver "github.com/smokex/smokex/schedule/river"
	"github.com/smokex/smokex/storage/postgres"
)

// The environment of a child replica: its name, the schema, the target.
const (
	childEnv       = "SMOKEX_RIVER_TEST_CHILD"
	childSchemaEnv = "SMOKEX_RIVER_TEST_SCHEMA"
	childBaseEnv   = "SMOKEX_RIVER_TEST_BASE"
)

// runChild is a replica in a process of its own, for tests that SIGKILL
// it: an engine on the River scheduler, whose client ID is the child's
// name, until SIGTERM. It writes "ready" once started, and a line per tick
// it skipped, to stdout.
func runChild() int {
	name := os.Getenv(childEnv)
	schema := os.Getenv(childSchemaEnv)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("SMOKEX_TEST_DATABASE_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pool.Close()
	st, err := postgres.New(pool, postgres.Config{Schema: schema})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := &lineWriter{w: os.Stdout}
	eng, err := smokex.New(smokex.Config{
		Store:      st,
		StaleAfter: testJobTimeout,
		Vars:       map[string]any{"base": os.Getenv(childBaseEnv)},
		Hooks:      []record.Hook{childHooks{out: out}},
		Logger:     warnLogger(name),
		NewScheduler: func(fn schedule.Func) (schedule.Scheduler, error) {
			return smokexriver.New(smokexriver.Config{
				Pool: pool, Func: fn, Schema: schema, ClientID: name,
				JobTimeout: testJobTimeout, RescueAfter: testRescueAfter, Logger: warnLogger(name),
			})
		},
	})
	if err == nil {
		err = eng.Start(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out.line("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := eng.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// lineWriter writes whole lines from several goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) line(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}

// childHooks tells the parent of the ticks the child skipped.
type childHooks struct {
	record.HookDefaults
	out *lineWriter
}

func (h childHooks) TickSkipped(_ context.Context, planID string, _ *record.PlanRef, due time.Time, reason record.SkipReason) {
	h.out.line("skipped %s %s %s", planID, due.UTC().Format(time.RFC3339Nano), reason)
}

// child is a replica process as the parent test holds it.
type child struct {
	name  string
	cmd   *exec.Cmd
	ready chan struct{}
	mu    sync.Mutex
	skips map[record.SkipReason]int
	overlaps
	done chan struct{}
}

// startChild starts the test binary as the replica name of c's cluster.
func (c *cluster) startChild(name string, env ...string) *child {
	t := c.t
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, childSchemaEnv+"="+c.schema, childBaseEnv+"="+c.target.URL)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	ch := &child{name: name, cmd: cmd, ready: make(chan struct{}), skips: map[record.SkipReason]int{}, done: make(chan struct{})}
	go func() {
		defer close(ch.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 1 && f[0] == "ready":
				close(ch.ready)
			case len(f) == 4 && f[0] == "skipped":
				due, err := time.Parse(time.RFC3339Nano, f[2])
				ch.mu.Lock()
				ch.skips[record.SkipReason(f[3])]++
				if err == nil && record.SkipReason(f[3]) == record.SkipOverlap {
					ch.addOverlap(f[1], due)
				}
				ch.mu.Unlock()
			}
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-ch.done
	})
	select {
	case <-ch.ready:
	case <-ch.done:
		require.FailNow(t, "replica "+name+" exited before it was ready")
	case <-time.After(time.Minute):
		require.FailNow(t, "replica "+name+" not ready after a minute")
	}
	return ch
}

// stop stops the child with SIGTERM and waits for it.
func (ch *child) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-ch.done:
	case <-time.After(30 * time.Second):
		require.FailNow(t, "replica "+ch.name+" did not stop")
	}
}

// TestLeaderKilled: three replica processes share 10 plans @every 1s; the
// one that leads River is SIGKILLed. The other two go on enqueuing every
// tick, for enqueuing waits on no leader: no tick is missing from the
// kill on but those the overlap policy skipped (a run of the dead process
// holds its plan until StaleAfter), and none runs twice. It logs the
// lateness of the ticks since the kill.
func TestLeaderKilled(t *testing.T) {
	c := newCluster(t, 20*time.Millisecond)
	// The plans are stored and scheduled by an engine that never starts.
	setup := c.replicaStopped("setup", replicaOpts{})
	plans := c.addPlans(setup, 10)
	var children []*child
	for i := range 3 {
		children = append(children, c.startChild(fmt.Sprintf("process-%d", i)))
	}
	c.waitTicking(plans)
	ctx := t.Context()
	leaderID, dead, live := splitLeader(c, children, func(ch *child) string { return ch.name })
	require.NoError(t, dead.cmd.Process.Kill())
	killed := time.Now()
	<-dead.done

	// Every plan runs five more ticks.
	c.waitTicksAfter(plans, killed.Add(time.Second), 5)
	end := time.Now()
	c.waitCaughtUp(plans, killed, end, overlappedIn(live))
	for _, ch := range live {
		ch.stop(t)
	}
	ticks := c.ticks(ctx)
	overlaps := requireEveryTickOnce(t, ticks, plans, killed, end, overlappedIn(live))
	after := ticksAfter(ticks, killed)
	p50, p99 := lateness(after)
	worst := time.Duration(0)
	for _, k := range after {
		worst = max(worst, k.created.Sub(k.due))
	}
	t.Logf("leader %s SIGKILLed; %d ticks of %d plans since, none missing but %d skipped for overlap by the survivors; lateness p50 %s, p99 %s, max %s",
		leaderID, len(after), len(plans), overlaps, p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond))
}
