package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex/plan"
)

// Output formats of smokex run.
const (
	formatConsole = "console"
	formatJSON    = "json"
	formatJUnit   = "junit"
	formatHTML    = "html"
)

// runFlags are the flags of smokex run.
type runFlags struct {
	output  string
	quiet   bool
	timeout time.Duration
	vars    varsFlag
	noHalt  bool
	report  string
	jobs    int
	verbose bool
	pretty  bool
	poll    string
	sel     selectFlags
}

func runCommand() command {
	return command{
		name:    "run",
		summary: "Run plans (files, or directories of *.yaml and *.yml files) and report the results.",
		usage:   "run [flags] PATH...",
		more: `A PATH is a plan file, a directory (its *.yaml and *.yml files, recursively)
or - (once) for a plan on stdin. Two plans with the same ID are an error.
Plans see the environment; the secrets a plan declares are read from it.

Examples:

  smokex run plans/
  smokex run -o junit --report report.xml --var BASE=https://staging.example.com plans/
  smokex run --poll every=2s,for=2m --plan health plans/    # wait until healthy after a deploy
  smokex run -v --label team=payments --exclude docker-compose.yml plans/
  smokex run -o html --report report.html plans/
`,
		flags: func(fs *flag.FlagSet) func(context.Context, *app, []string) int {
			f := &runFlags{vars: varsFlag{values: map[string]string{}}}
			fs.StringVar(&f.output, "output", formatConsole, "output `format`: console, json, junit or html")
			fs.StringVar(&f.output, "o", formatConsole, "output `format`: console, json, junit or html")
			fs.BoolVar(&f.verbose, "verbose", false, "console: print each request and response (headers, bodies bounded, timings, captures; secrets redacted)")
			fs.BoolVar(&f.verbose, "v", false, "console: print each request and response (headers, bodies bounded, timings, captures; secrets redacted)")
			fs.BoolVar(&f.pretty, "pretty", false, "json: indent the report, as it is when stdout is a terminal (a pipe or --report file gets one line per report)")
			fs.StringVar(&f.poll, "poll", "", "repeat each step whose plan sets no poll until its expectations pass: `every=2s,for=2m`")
			f.sel.define(fs)
			fs.BoolVar(&f.quiet, "quiet", false, "console: show only failed steps and the summaries")
			fs.BoolVar(&f.quiet, "q", false, "console: show only failed steps and the summaries")
			fs.DurationVar(&f.timeout, "timeout", 0, "per-step timeout of steps whose plan sets none, as a `duration` such as 2s (default 5s)")
			fs.DurationVar(&f.timeout, "t", 0, "per-step timeout of steps whose plan sets none, as a `duration` such as 2s (default 5s)")
			fs.Var(&f.vars, "var", "give every plan the variable `NAME=VALUE` (repeatable; values are strings)")
			fs.BoolVar(&f.noHalt, "no-halt", false, "run every step even after one fails (overrides halt_on_error)")
			fs.StringVar(&f.report, "report", "", "also write the report in the --output format to `FILE`; the console goes to stdout")
			fs.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "run up to `N` plans at once; the steps of a plan always run in order")
			return func(ctx context.Context, a *app, paths []string) int {
				return a.runPlans(ctx, f, paths)
			}
		},
	}
}

// varsFlag collects repeated --var NAME=VALUE flags.
type varsFlag struct {
	values map[string]string
	// names are the names in the order given, for validate.
	names []string
	// optionalValue accepts a bare NAME, as validate does.
	optionalValue bool
}

func (v *varsFlag) String() string {
	if v == nil {
		return ""
	}
	return strings.Join(v.names, ",")
}

func (v *varsFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok && !v.optionalValue {
		return fmt.Errorf("%q is not NAME=VALUE", s)
	}
	if name == "" {
		return fmt.Errorf("%q has no name before =", s)
	}
	if _, seen := v.values[name]; !seen {
		v.names = append(v.names, name)
	}
	v.values[name] = value
	return nil
}

func (a *app) runPlans(ctx context.Context, f *runFlags, paths []string) int {
	switch {
	case len(paths) == 0:
		return a.usageError("run", "no plan given: smokex run [flags] PATH...")
	case !slices.Contains([]string{formatConsole, formatJSON, formatJUnit, formatHTML}, f.output):
		return a.usageError("run", fmt.Sprintf("unknown output format %q: use console, json, junit or html", f.output))
	case f.jobs < 1:
		return a.usageError("run", fmt.Sprintf("--jobs must be at least 1, not %d", f.jobs))
	case f.timeout < 0:
		return a.usageError("run", fmt.Sprintf("--timeout must not be negative, not %s", f.timeout))
	}
	if err := checkStdin(paths); err != nil {
		return a.usageError("run", err.Error())
	}
	if err := f.sel.check(); err != nil {
		return a.usageError("run", err.Error())
	}
	var poll *plan.Poll
	if f.poll != "" {
		p, err := plan.ParsePoll(f.poll)
		if err != nil {
			return a.usageError("run", "--poll: "+err.Error())
		}
		poll = &p
	}
	restoreGC := relaxCollector()
	plans, invalid, code := a.loadPlans(ctx, paths, &f.sel)
	restoreGC()
	if code != exitOK {
		return code
	}
	if f.sel.active() {
		loaded := slices.Clone(plans)
		plans = slices.DeleteFunc(plans, func(lp loadedPlan) bool { return !f.sel.keep(lp.plan) })
		if len(plans) == 0 && len(invalid) == 0 {
			fmt.Fprintf(a.stderr, "smokex run: no plan matches %s%s\n", f.sel.describe(), f.sel.suggestIDs(loaded))
			return exitUsage
		}
	}
	for _, lp := range plans {
		if poll != nil && !lp.plan.Options.Poll.Set {
			lp.plan.Options.Poll = plan.Setting[plan.Poll]{Set: true, Value: *poll}
		}
		if f.verbose && !lp.plan.Options.Debug.Set {
			lp.plan.Options.Debug = plan.Setting[bool]{Set: true, Value: true}
		}
	}
	collectParseGarbage(plans)
	secrets, ok := a.resolveSecrets(plans)
	if !ok {
		return exitUsage
	}
	var report *os.File
	if f.report != "" {
		var err error
		if report, err = os.Create(f.report); err != nil {
			fmt.Fprintf(a.stderr, "smokex run: %v\n", err)
			return exitUsage
		}
		defer report.Close()
	}

	// The console goes to stdout unless stdout carries a machine format.
	var out *console
	if f.output == formatConsole || report != nil {
		out = &console{color: a.useColor(a.stdout), quiet: f.quiet, verbose: f.verbose, progress: a.isTerminal(a.stdout)}
	}
	started := time.Now()
	runs := a.execute(ctx, f, plans, secrets, out)
	// The files that did not parse are reported after the plans that ran,
	// so that a CI page shows them rather than "no test report".
	for _, inv := range invalid {
		runs = append(runs, ranPlan{file: inv.file, invalid: inv.errs})
	}
	elapsed := time.Since(started)
	if out != nil {
		out.total(a.stdout, runs, elapsed)
	}

	var w io.Writer = a.stdout
	if report != nil {
		w = report
	}
	var err error
	switch {
	case f.output == formatJSON:
		err = writeJSON(w, runs, f.pretty || (report == nil && a.isTerminal(a.stdout)))
	case f.output == formatJUnit:
		err = writeJUnit(w, runs, elapsed)
	case f.output == formatHTML:
		err = writeHTML(w, runs, elapsed)
	case report != nil:
		err = writeConsole(w, console{quiet: f.quiet, verbose: f.verbose}, runs, elapsed)
	}
	if err == nil && report != nil {
		err = report.Close()
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "smokex run: writing the report: %v\n", err)
		return exitUsage
	}
	if len(invalid) > 0 {
		return exitUsage
	}
	for _, r := range runs {
		if !r.exec.Status.Up() {
			return exitFailed
		}
	}
	return exitOK
}

// parseGarbageBytes is the size of a plan's source from which run
// collects the garbage of parsing before the first request: a YAML node
// tree takes about 18 times its source, 4 MB for the 1000-step plan of
// bench/run.sh's seq-1000.
const parseGarbageBytes = 64 << 10

// collectParseGarbage runs the garbage collector once when a plan's source
// is parseGarbageBytes or more. Its YAML node tree is garbage once parsed,
// but the collector sized the heap while it was alive, at twice its size;
// without a collection here the run's own garbage fills that heap before
// the next one, and the process keeps the pages. The collection marks
// only the plans and the process's globals (about 2 MB), and saves about
// 5 MiB of peak RSS on the 1000-step plan (bench/README.md, "Memory of a
// run"). Many small plans are left alone: each tree is garbage as soon as
// its file is parsed, so they never hold the heap's size up together.
func collectParseGarbage(plans []loadedPlan) {
	for _, lp := range plans {
		if len(lp.plan.Source) >= parseGarbageBytes {
			runtime.GC()
			return
		}
	}
}

// loadingGCPercent is the collector's GOGC while run loads its plans. A
// plan's YAML node tree is alive until its file is parsed, about 18 times
// its source, and every collection while it grows marks it again: at the
// default 100 the collections of loading were a sixth of the instructions
// of a 1000-step run. At 200 the heap may grow to three times what is
// alive instead of two, and the first collection starts at 8 MB instead of
// 4; 400 saves more instructions but grows the peak RSS by more than the
// spread of the runs (bench/README.md, "Collector work on the run path").
const loadingGCPercent = 200

// relaxCollector sets GOGC to loadingGCPercent while plans load and returns
// the function that restores it, the next collection starting once the
// heap is past the restored goal. A GOGC set in the environment is left as
// it is.
func relaxCollector() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	old := debug.SetGCPercent(loadingGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// usageError reports bad usage of a command.
func (a *app) usageError(cmd, msg string) int {
	fmt.Fprintf(a.stderr, "smokex %s: %s\nRun \"smokex help %s\" for usage.\n", cmd, msg, cmd)
	return exitUsage
}

// loadedPlan is a parsed plan with the file it came from.
type loadedPlan struct {
	file string
	plan *plan.Plan
}

// checkStdin reports a path list that names stdin more than once: it can be
// read only once.
func checkStdin(paths []string) error {
	n := 0
	for _, p := range paths {
		if p == "-" {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("- (stdin) is given %d times; it can be read only once", n)
	}
	return nil
}

// invalidPlan is a plan file that did not parse, with its errors: run
// reports it as an invalid plan beside the plans that ran.
type invalidPlan struct {
	file string
	errs []*plan.Error
}

// loadPlans parses every plan the paths name and reports every error of
// every file on stderr, and two plans with the same ID, which would be
// reported under one name. The files with plan errors are returned as
// invalid, in the order of their errors, and the plans that parsed are
// returned all the same. code is exitOK when there was no error but plan
// errors, exitFailed when ctx ended while a plan was read from stdin, and
// exitUsage for a path that cannot be read as plans (missing, an empty
// directory).
func (a *app) loadPlans(ctx context.Context, paths []string, sel *selectFlags) (plans []loadedPlan, invalid []invalidPlan, code int) {
	code = exitOK
	var all []*plan.Plan
	var errs plan.ErrorList
	for _, path := range paths {
		var opts *plan.ParseOpts
		if sel != nil {
			if path != "-" && sel.excluded(path) {
				continue
			}
			opts = sel.parseOpts()
		}
		ps, err := a.loadPath(ctx, path, opts)
		if errors.Is(err, errInterrupted) {
			fmt.Fprintf(a.stderr, "smokex: %v\n", err)
			return nil, nil, exitFailed
		}
		var list plan.ErrorList
		switch {
		case errors.As(err, &list):
			errs = append(errs, list...)
		case err != nil:
			a.printLoadError(err)
			code = exitUsage
		}
		for _, lp := range ps {
			all = append(all, lp.plan)
		}
		plans = append(plans, ps...)
	}
	if unique, dup := plan.UniqueIDs(all); len(dup) > 0 {
		errs = append(errs, dup...)
		kept := make(map[*plan.Plan]bool, len(unique))
		for _, p := range unique {
			kept[p] = true
		}
		plans = slices.DeleteFunc(plans, func(lp loadedPlan) bool { return !kept[lp.plan] })
	}
	if len(errs) > 0 {
		a.printLoadError(errs)
	}
	for _, e := range errs {
		if n := len(invalid); n > 0 && invalid[n-1].file == e.File {
			invalid[n-1].errs = append(invalid[n-1].errs, e)
			continue
		}
		invalid = append(invalid, invalidPlan{file: e.File, errs: []*plan.Error{e}})
	}
	return plans, invalid, code
}

// printLoadError writes a plan error list one error a line, or any other
// error on its line.
func (a *app) printLoadError(err error) {
	var list plan.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(a.stderr, e.Error())
		}
		return
	}
	fmt.Fprintf(a.stderr, "smokex: %v\n", err)
}

// errInterrupted is a plan on stdin whose reading a signal interrupted.
var errInterrupted = errors.New("interrupted while reading the plan on stdin")

// readStdin reads a plan from r, up to the size a plan may have, or
// returns errInterrupted as soon as ctx ends (SIGINT, SIGTERM), with r
// still open or closed because of the signal: what was read by then is not
// a plan to run, and certainly not one "with no steps".
func readStdin(ctx context.Context, r io.Reader) ([]byte, error) {
	type read struct {
		src []byte
		err error
	}
	done := make(chan read, 1)
	go func() {
		// Left blocked on an open stdin when ctx ends; the process exits.
		src, err := io.ReadAll(io.LimitReader(r, plan.DefaultMaxSize+1))
		done <- read{src, err}
	}()
	select {
	case got := <-done:
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		if got.err != nil {
			return nil, fmt.Errorf("reading stdin: %w", got.err)
		}
		return got.src, nil
	case <-ctx.Done():
		return nil, errInterrupted
	}
}

// loadPath parses the plan file, the plans of the directory, or the plan on
// stdin when path is "-". With an error, it returns the plans of a directory
// that did parse, for validate to lint.
func (a *app) loadPath(ctx context.Context, path string, opts *plan.ParseOpts) ([]loadedPlan, error) {
	if path == "-" {
		src, err := readStdin(ctx, a.stdin)
		if err != nil {
			return nil, err
		}
		p, err := plan.Parse(src, &plan.ParseOpts{File: "stdin"})
		if err != nil {
			return nil, err
		}
		return []loadedPlan{{file: "-", plan: p}}, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		p, err := plan.ParseFile(path, nil)
		if err != nil {
			return nil, err
		}
		return []loadedPlan{{file: path, plan: p}}, nil
	}
	ps, err := plan.LoadDir(path, opts)
	if err == nil && len(ps) == 0 {
		err = fmt.Errorf("%s: no *.yaml or *.yml plans in the directory", path)
	}
	out := make([]loadedPlan, 0, len(ps))
	for _, p := range ps {
		out = append(out, loadedPlan{file: p.File, plan: p})
	}
	return out, err
}

// resolveSecrets reads the secrets every plan declares from the environment,
// and reports on stderr each one that is not set.
func (a *app) resolveSecrets(plans []loadedPlan) (secrets []map[string]string, ok bool) {
	ok = true
	secrets = make([]map[string]string, len(plans))
	for i, lp := range plans {
		for _, name := range lp.plan.Secrets {
			v, set := a.lookupEnv(name)
			if !set {
				fmt.Fprintf(a.stderr, "%s: plan %s needs the secret %s: set it in the environment\n", lp.file, lp.plan.ID, name)
				ok = false
				continue
			}
			if secrets[i] == nil {
				secrets[i] = map[string]string{}
			}
			secrets[i][name] = v
		}
	}
	return secrets, ok
}

// writeConsole writes every plan's block and the total, as the console
// shows them.
func writeConsole(w io.Writer, c console, runs []ranPlan, elapsed time.Duration) error {
	var b bytes.Buffer
	for _, r := range runs {
		if r.exec == nil {
			c.invalid(&b, r)
			continue
		}
		c.header(&b, r.exec)
		headed := false
		for i := range r.exec.Steps {
			c.step(&b, r, r.exec, &r.exec.Steps[i], &headed)
		}
		c.summary(&b, r.exec)
	}
	c.total(&b, runs, elapsed)
	_, err := w.Write(b.Bytes())
	return err
}
