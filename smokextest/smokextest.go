package smokextest

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smokex/smokex/exec"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// DefaultBaseVar is the variable that holds the base URL of the system
// under test.
const DefaultBaseVar = "base"

// Opts configure a run. Nil means defaults.
type Opts struct {
	// Handler, when set, is served on a loopback test server for the length
	// of the run, and its URL is the variable BaseVar.
	Handler http.Handler
	// BaseURL is the variable BaseVar when Handler is nil.
	BaseURL string
	// BaseVar names the base URL variable. Defaults to DefaultBaseVar.
	BaseVar string
	// Exec configures the executor: its Client sends the requests
	// (defaults to the executor's own), its DefaultTimeout bounds steps
	// whose plan sets none.
	Exec exec.Config
	// RunOpts are the run's inputs, as for any run: Vars are further
	// variables for the plans; Secrets are passed by name and redacted from
	// reports; LookupEnv, when set, makes environment variables visible as
	// the last source of names (os.LookupEnv does), and nil keeps the
	// environment hidden, so that a test does not depend on the machine it
	// runs on; Observer sees the run. Trigger defaults to record.TriggerTest.
	exec.RunOpts
}

// RunFile parses the plan at path and runs it as a subtest.
func RunFile(t *testing.T, path string, opts *Opts) *record.Execution {
	t.Helper()
	p, err := plan.ParseFile(path, nil)
	if err != nil {
		t.Fatalf("smokextest: %v", err)
	}
	return RunPlan(t, p, opts)
}

// RunDir runs every plan under dir, each as a subtest.
func RunDir(t *testing.T, dir string, opts *Opts) {
	t.Helper()
	plans, err := plan.LoadDir(dir, nil)
	if err != nil {
		t.Fatalf("smokextest: %v", err)
	}
	runAll(t, plans, opts)
}

// RunFS runs every plan in fsys, each as a subtest.
func RunFS(t *testing.T, fsys fs.FS, opts *Opts) {
	t.Helper()
	plans, err := plan.LoadFS(fsys, nil)
	if err != nil {
		t.Fatalf("smokextest: %v", err)
	}
	runAll(t, plans, opts)
}

func runAll(t *testing.T, plans []*plan.Plan, opts *Opts) {
	t.Helper()
	if len(plans) == 0 {
		t.Fatal("smokextest: no plans found")
	}
	for _, p := range plans {
		RunPlan(t, p, opts)
	}
}

// RunPlan runs p as a subtest named after its ID, with a subtest per step,
// and returns the execution. A step's subtest is named by its number and
// the plan's name for it, or its method and URL template when it has none
// (see the package doc), so that -run selects the same subtest whatever
// the run's data. Failures are reported at the caller's line, each with
// its place in the plan.
func RunPlan(t *testing.T, p *plan.Plan, opts *Opts) *record.Execution {
	t.Helper()
	if opts == nil {
		opts = &Opts{}
	}
	vars := make(map[string]any, len(opts.Vars)+1)
	for k, v := range opts.Vars {
		vars[k] = v
	}
	baseVar := opts.BaseVar
	if baseVar == "" {
		baseVar = DefaultBaseVar
	}
	if opts.Handler != nil {
		srv := httptest.NewServer(opts.Handler)
		defer srv.Close()
		vars[baseVar] = srv.URL
	} else if opts.BaseURL != "" {
		vars[baseVar] = strings.TrimRight(opts.BaseURL, "/")
	}
	var x *record.Execution
	t.Run(p.ID, func(t *testing.T) {
		t.Helper()
		runner := exec.New(opts.Exec)
		// The runner's own keep-alive connections end with the plan, so
		// that a host's test leaves no goroutines behind.
		defer runner.CloseIdleConnections()
		ro := opts.RunOpts
		ro.Vars = vars
		if ro.Trigger == "" {
			ro.Trigger = record.TriggerTest
		}
		x = runner.Run(t.Context(), p, &ro)
		if x.Error != nil {
			t.Errorf("%s", x.Error)
		}
		var failed string
		for i := range x.Steps {
			r := &x.Steps[i]
			reportStep(t, p, r, failed)
			if failed == "" && !r.OK && !r.Skipped {
				failed = fmt.Sprintf("step %s failed: %s", subtestName(p, r), firstProblem(p, r))
			}
		}
	})
	return x
}

// reportStep reports one step as a subtest: its failed assertions, then
// its error, each at its place in the plan (file:line:column). A skipped
// step says which step failed, so that a -run that selects it alone tells
// why.
func reportStep(t *testing.T, p *plan.Plan, r *record.StepResult, failed string) {
	t.Helper()
	t.Run(subtestName(p, r), func(t *testing.T) {
		t.Helper()
		if r.Skipped {
			if failed == "" {
				failed = "the execution stopped before it"
			}
			t.Skip("skipped: " + failed)
		}
		for _, line := range problems(p, r) {
			t.Error(line)
		}
	})
}

// problems are a step's failed assertions and then its error
// (record.StepResult.Problems), one line each, at their places in the
// plan.
func problems(p *plan.Plan, r *record.StepResult) []string {
	lines := r.Problems()
	for i, f := range r.Failures {
		pos := plan.Pos{Line: f.Line, Column: f.Column}
		if pos.Line == 0 {
			pos = stepPos(p, r)
		}
		lines[i] = fmt.Sprintf("%s%s (%s %s)", place(p, pos), lines[i], r.Method, r.URL)
	}
	if r.Error != nil {
		lines[len(lines)-1] = fmt.Sprintf("%s%s %s: %s", place(p, stepPos(p, r)), r.Method, r.URL, r.Error)
	}
	return lines
}

func firstProblem(p *plan.Plan, r *record.StepResult) string {
	if ps := problems(p, r); len(ps) > 0 {
		return ps[0]
	}
	return "it did not pass"
}

func stepPos(p *plan.Plan, r *record.StepResult) plan.Pos {
	if r.Index >= 0 && r.Index < len(p.Steps) {
		return p.Steps[r.Index].Pos
	}
	return plan.Pos{}
}

// place is "file:line:column: " for pos in p, or "" when unknown.
func place(p *plan.Plan, pos plan.Pos) string {
	if pos.Line == 0 {
		return ""
	}
	file := p.File
	if file == "" {
		file = p.ID
	}
	return fmt.Sprintf("%s:%d:%d: ", file, pos.Line, pos.Column)
}

// subtestName names a step's subtest from the plan, never from the run's
// data: its number, then the step's name or else its method and URL
// template, the template's scheme and host (or a leading ${base}) left
// out and each ${name} written {name}, with no slash (go test would read
// one as a deeper subtest): "02_GET_api_orders_{order}".
func subtestName(p *plan.Plan, r *record.StepResult) string {
	name := r.Name
	if r.Index >= 0 && r.Index < len(p.Steps) {
		step := &p.Steps[r.Index]
		name = step.Name
		if name == "" {
			name = step.Method
			if step.URL != nil {
				name += " " + urlTemplatePath(step.URL.Raw())
			}
		}
	}
	name = strings.TrimSpace(strings.NewReplacer("${", "{", "/", "_", " ", "_").Replace(name))
	return fmt.Sprintf("%02d_%s", r.Index+1, strings.TrimRight(name, "_"))
}

// urlTemplatePath is a URL template without its scheme and host, or
// without the variable it starts with, which stands for them:
// "${base}/api/orders/${order}" and "https://x.test/api/orders/${order}"
// are both "api/orders/${order}".
func urlTemplatePath(u string) string {
	switch {
	case strings.HasPrefix(u, "${"):
		if end := strings.IndexByte(u, '}'); end > 0 && end+1 < len(u) {
			u = u[end+1:]
		}
	case strings.Contains(u, "://"):
		rest := u[strings.Index(u, "://")+3:]
		u = ""
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			u = rest[j:]
		}
	}
	return strings.Trim(u, "/")
}
