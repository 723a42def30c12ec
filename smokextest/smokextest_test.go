package smokextest_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	smokexexec "github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/internal/demoapi"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
	"github.com/smokex/smokex/smokextest"
)

func TestRunDirAgainstHandler(t *testing.T) {
	t.Parallel()
	smokextest.RunDir(t, "testdata/plans", &smokextest.Opts{
		Handler: demoapi.New(),
		RunOpts: smokexexec.RunOpts{Secrets: map[string]string{"PASSWORD": demoapi.Password}},
	})
}

func TestRunFSAgainstURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	defer srv.Close()
	smokextest.RunFS(t, os.DirFS("testdata/plans"), &smokextest.Opts{
		BaseURL: srv.URL + "/",
		RunOpts: smokexexec.RunOpts{Secrets: map[string]string{"PASSWORD": demoapi.Password}},
	})
}

// TestChildFailing is run by TestFailuresAreReported in a child process,
// where it is meant to fail.
func TestChildFailing(t *testing.T) {
	if os.Getenv("SMOKEXTEST_CHILD") != "1" {
		t.Skip("run by TestFailuresAreReported")
	}
	x := smokextest.RunFile(t, filepath.Join("testdata", "failing.yaml"), &smokextest.Opts{Handler: demoapi.New()})
	t.Logf("execution status: %s", x.Status)
	smokextest.RunFile(t, filepath.Join("testdata", "capture.yaml"), &smokextest.Opts{Handler: demoapi.New()})
	// The environment is hidden unless the options make it visible.
	p, err := plan.Parse([]byte(envPlan), nil)
	require.NoError(t, err)
	smokextest.RunPlan(t, p, &smokextest.Opts{Handler: demoapi.New()})
}

func TestFailuresAreReported(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildFailing$", "-test.v")
	cmd.Env = append(os.Environ(), "SMOKEXTEST_CHILD=1", "SMOKEXTEST_PATH=/health")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, string(out))
	require.Contains(t, string(out), "--- FAIL: TestChildFailing/failing/01_wrong_status")
	require.Contains(t, string(out), "status_code")
	require.Contains(t, string(out), "expected 200, received 503")
	require.Contains(t, string(out), "--- SKIP: TestChildFailing/failing/02_never_runs")
	require.Contains(t, string(out), "execution status: failed")
	require.Contains(t, string(out), "--- FAIL: TestChildFailing/env/01_GET_{SMOKEXTEST_PATH}")
	require.Contains(t, string(out), `undefined variable "SMOKEXTEST_PATH"`)
	// The failure names its type once and points at the plan.
	require.Contains(t, string(out), "failing.yaml:7:22: status_code: expected 200, received 503")
	require.NotContains(t, string(out), "status_code status_code")
	// An unnamed step's subtest is named by its path, without slashes.
	require.Contains(t, string(out), "TestChildFailing/failing/03_GET_status_204")

	// A failed assertion comes before the capture that failed after it,
	// and both are reported at the line of this file that ran the plan.
	status := strings.Index(string(out), "capture.yaml:7:22: status_code: expected 200, received 401")
	capture := strings.Index(string(out), "capture: token: json_path $.token")
	require.True(t, status >= 0 && capture > status, "status_code failure, then the capture error:\n%s", out)
	require.Regexp(t, `smokextest_test\.go:\d+: testdata/capture\.yaml:7:22: status_code`, string(out))
	require.NotContains(t, string(out), "smokextest.go:")
	// The subtest of a step skipped after the failure is named by its
	// template, as it would be had it run.
	require.Contains(t, string(out), "--- SKIP: TestChildFailing/capture/02_GET_orders_{token}")

	// -run that selects the step after the failed one: it is skipped,
	// and says why.
	cmd = exec.Command(os.Args[0], "-test.run=^TestChildFailing$/^failing$/^02", "-test.v")
	cmd.Env = append(os.Environ(), "SMOKEXTEST_CHILD=1", "SMOKEXTEST_PATH=/health")
	out, _ = cmd.CombinedOutput()
	require.Contains(t, string(out), "--- SKIP: TestChildFailing/failing/02_never_runs")
	require.Contains(t, string(out), "skipped: step 01_wrong_status failed: ")
	require.Contains(t, string(out), "status_code: expected 200, received 503")
}

// TestRunClosesItsConnections checks that a run leaves no keep-alive
// connection open to the system under test: a host's goleak would see its
// goroutines, and a long test binary would hold one per plan.
func TestRunClosesItsConnections(t *testing.T) {
	t.Parallel()
	var open atomic.Int64
	srv := httptest.NewUnstartedServer(demoapi.New())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	smokextest.RunFile(t, filepath.Join("testdata", "plans", "health.yaml"), &smokextest.Opts{BaseURL: srv.URL})
	require.Eventually(t, func() bool { return open.Load() == 0 }, 2*time.Second, 10*time.Millisecond,
		"%d connections still open after the run", open.Load())
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// envPlan reads a name only the environment defines.
const envPlan = `{name: env, steps: [{get: {url: "${base}${SMOKEXTEST_PATH}"}}]}`

func TestEnvironmentVisibleWhenAsked(t *testing.T) {
	t.Setenv("SMOKEXTEST_PATH", "/health")
	p, err := plan.Parse([]byte(envPlan), nil)
	require.NoError(t, err)
	x := smokextest.RunPlan(t, p, &smokextest.Opts{Handler: demoapi.New(), RunOpts: smokexexec.RunOpts{LookupEnv: os.LookupEnv}})
	require.Equal(t, record.StatusPassed, x.Status)
}
