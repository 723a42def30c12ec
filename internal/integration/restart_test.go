package integration_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/storage/postgres"
	"github.com/smokex/smokex/storage/postgres/postgrestest"
)

// The child process of TestRestartAfterKill is this test binary, started
// with these variables set.
const (
	envChild  = "SMOKEX_INTEGRATION_CHILD"
	envSchema = "SMOKEX_INTEGRATION_SCHEMA"
	envBase   = "SMOKEX_INTEGRATION_BASE"
)

const nightly = `
name: nightly
schedule: "0 3 * * *"
steps:
  - get: {name: fast, url: "${base}/fast"}
  - get: {name: slow, url: "${base}/slow"}
`

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(child())
	}
	goleak.VerifyTestMain(m)
}

// child runs an engine on PostgreSQL, starts the nightly plan, says which
// execution runs, and waits to be killed.
func child() int {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv(postgrestest.EnvURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	store, err := postgres.New(pool, postgres.Config{Schema: os.Getenv(envSchema)})
	if err == nil {
		err = store.Migrate(ctx)
	}
	var eng *smokex.Engine
	if err == nil {
		eng, err = smokex.New(smokex.Config{Store: store, Vars: map[string]any{"base": os.Getenv(envBase)}})
	}
	var p *plan.Plan
	if err == nil {
		p, err = plan.Parse([]byte(nightly), nil)
	}
	if err == nil {
		err = eng.AddPlan(ctx, p)
	}
	if err == nil {
		err = eng.Start(ctx)
	}
	var id string
	if err == nil {
		id, err = eng.Trigger(ctx, "nightly", nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("running", id)
	select {}
}

// TestRestartAfterKill kills a process in the middle of a run and starts a
// new engine on the same database: the schedule comes back, the interrupted
// execution is finished (canceled, stop reason interrupted) with the step it
// had finished, and the plan runs again.
func TestRestartAfterKill(t *testing.T) {
	t.Parallel()
	pool := postgrestest.Pool(t, 4)
	schema := postgrestest.Schema(t, pool)

	release := make(chan struct{})
	slowArrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case slowArrived <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envSchema+"="+schema, envBase+"="+srv.URL)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "running ")
	require.True(t, ok, line)
	select {
	case <-slowArrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the child's run did not reach its second step")
	}
	require.NoError(t, cmd.Process.Kill())
	_, _ = io.Copy(io.Discard, out)
	_ = cmd.Wait()

	ctx := context.Background()
	store, err := postgres.New(pool, postgres.Config{Schema: schema})
	require.NoError(t, err)
	x, err := store.GetExecution(ctx, id)
	require.NoError(t, err)
	require.Equal(t, record.StatusRunning, x.Status, "the dead process left it running")

	close(release)
	eng, err := smokex.New(smokex.Config{
		Store:  store,
		Vars:   map[string]any{"base": srv.URL},
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	require.NoError(t, eng.Start(ctx))
	defer func() { require.NoError(t, eng.Stop(ctx)) }()

	x, err = store.GetExecution(ctx, id)
	require.NoError(t, err)
	require.Equal(t, record.StatusCanceled, x.Status, "the step it had finished passed")
	require.Equal(t, record.StopInterrupted, x.StopReason)
	require.NotNil(t, x.Error)
	require.Equal(t, record.ErrInterrupted, x.Error.Kind)
	require.False(t, x.FinishedAt.IsZero())
	require.Len(t, x.Steps, 1, "the step finished before the kill is kept")
	require.Equal(t, "fast", x.Steps[0].Name)
	require.True(t, x.Steps[0].OK)

	entries, err := eng.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "nightly", entries[0].ID)
	require.Equal(t, "0 3 * * *", entries[0].Spec)
	require.False(t, entries[0].Next.IsZero())

	again, err := eng.Run(ctx, "nightly", nil)
	require.NoError(t, err)
	require.Equal(t, record.StatusPassed, again.Status)
}
