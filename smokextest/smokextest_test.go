package smokextest_test

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/internal/demoapi"
	"github.com/smokex/smokex/smokextest"
)

func TestRunDirAgainstHandler(t *testing.T) {
	t.Parallel()
	smokextest.RunDir(t, "testdata/plans", &smokextest.Options{
		Handler: demoapi.New(),
		Secrets: map[string]string{"PASSWORD": demoapi.Password},
	})
}

func TestRunFSAgainstURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(demoapi.New())
	defer srv.Close()
	smokextest.RunFS(t, os.DirFS("testdata/plans"), &smokextest.Options{
		BaseURL: srv.URL + "/",
		Secrets: map[string]string{"PASSWORD": demoapi.Password},
	})
}

// TestChildFailing is run by TestFailuresAreReported in a child process,
// where it is meant to fail.
func TestChildFailing(t *testing.T) {
	if os.Getenv("SMOKEXTEST_CHILD") != "1" {
		t.Skip("run by TestFailuresAreReported")
	}
	x := smokextest.RunFile(t, filepath.Join("testdata", "failing.yaml"), &smokextest.Options{Handler: demoapi.New()})
	t.Logf("execution status: %s", x.Status)
}

func TestFailuresAreReported(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildFailing$", "-test.v")
	cmd.Env = append(os.Environ(), "SMOKEXTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, string(out))
	require.Contains(t, string(out), "--- FAIL: TestChildFailing/failing/01_wrong_status")
	require.Contains(t, string(out), "status_code")
	require.Contains(t, string(out), "expected 200, received 503")
	require.Contains(t, string(out), "--- SKIP: TestChildFailing/failing/02_never_runs")
	require.Contains(t, string(out), "execution status: halted")
}
