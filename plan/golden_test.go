package plan_test

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smokex/smokex/plan"
)

var update = flag.Bool("update", false, "rewrite the golden .golden, .err and .lint files of testdata")

// goldenFiles lists the plans of testdata/<dir>.
func goldenFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// checkGolden compares got with the golden file, or rewrites it with
// -update. An empty got means the golden file must not exist.
func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if got == "" {
			err := os.Remove(golden)
			if !errors.Is(err, os.ErrNotExist) {
				require.NoError(t, err)
			}
			return
		}
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	if errors.Is(err, os.ErrNotExist) {
		require.Empty(t, got, "no golden file %s", golden)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), got, "golden file %s (run go test ./plan -run TestGolden -update to rewrite it)", golden)
}

func TestGoldenValid(t *testing.T) {
	t.Parallel()
	for _, file := range goldenFiles(t, "valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			p, err := plan.Parse(src, &plan.ParseOpts{File: filepath.Base(file)})
			require.NoError(t, err)
			require.NotEmpty(t, p.ID)
			require.NotEmpty(t, p.Steps)
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", dump(p))
			var lint strings.Builder
			for _, w := range plan.Lint(p, nil) {
				lint.WriteString(w.Error() + "\n")
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".lint", lint.String())
		})
	}
}

func TestGoldenInvalid(t *testing.T) {
	t.Parallel()
	for _, file := range goldenFiles(t, "invalid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			p, err := plan.Parse(src, &plan.ParseOpts{File: filepath.Base(file)})
			require.Error(t, err)
			require.Nil(t, p)
			var list plan.ErrorList
			require.True(t, errors.As(err, &list), "error of type %T", err)
			for _, e := range list {
				require.Equal(t, filepath.Base(file), e.File)
				require.Positive(t, e.Line, e.Error())
				require.Positive(t, e.Column, e.Error())
			}
			checkGolden(t, strings.TrimSuffix(file, ".yaml")+".err", err.Error()+"\n")
		})
	}
}

// dump writes a parsed plan as text, for the golden files of the valid
// plans.
func dump(p *plan.Plan) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("id: %s", p.ID)
	w("name: %q", p.Name)
	w("form: %s", p.Form)
	if p.Description != "" {
		w("description: %q", p.Description)
	}
	if p.Schedule != "" {
		w("schedule: %q", p.Schedule)
	}
	if len(p.Locations) > 0 {
		w("locations: %q", p.Locations)
	}
	if p.Alerts.MinFailingLocations > 0 {
		w("alerts: min_failing_locations %d", p.Alerts.MinFailingLocations)
	}
	for _, m := range p.Maintenance {
		w("maintenance at %d:%d: cron %q duration %s tz %q", m.Pos.Line, m.Pos.Column, m.Cron, m.Duration, m.TimeZone)
	}
	if p.SLO != nil {
		w("slo at %d:%d: target %v window %s", p.SLO.Pos.Line, p.SLO.Pos.Column, p.SLO.Target, p.SLO.Window)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		w("label %s: %q", k, p.Labels[k])
	}
	for _, k := range slices.Sorted(maps.Keys(p.Vars)) {
		w("var %s: %s", k, dumpValue(p.Vars[k]))
	}
	if len(p.Secrets) > 0 {
		w("secrets: %s", strings.Join(p.Secrets, " "))
	}
	if len(p.DependsOn) > 0 {
		w("depends_on: %s", strings.Join(p.DependsOn, " "))
	}
	if o := dumpOptions(p.Options); o != "" {
		w("options:%s", o)
	}
	for i, s := range p.Steps {
		w("step %d at %d:%d: %s %s", i+1, s.Pos.Line, s.Pos.Column, s.Method, dumpTemplate(s.URL))
		if s.Name != "" {
			w("  name: %q", s.Name)
		}
		for _, q := range s.Query {
			w("  query %s: %s", q.Name, dumpTemplates(q.Values))
		}
		for _, h := range s.Headers {
			w("  header %s: %s", h.Name, dumpTemplates(h.Values))
		}
		for _, f := range s.Form {
			w("  form %s: %s", f.Name, dumpTemplates(f.Values))
		}
		if s.Body != nil {
			w("  body: %s", dumpValue(s.Body))
		}
		e := s.Expect
		switch {
		case e.Status == nil:
			w("  expect status: 2xx (default)")
		case e.Status.Expr != nil:
			w("  expect status: %s", dumpTemplate(e.Status.Expr))
		default:
			w("  expect status: codes %v classes %v", e.Status.Codes, e.Status.Classes)
		}
		for _, h := range e.Headers {
			if h.Predicates != nil {
				w("  expect header %s at %d:%d: %s", h.Name, h.Pos.Line, h.Pos.Column, dumpPredicates(h.Predicates))
				continue
			}
			w("  expect header %s: %s", h.Name, dumpTemplate(h.Value))
		}
		for _, pe := range e.JSONPath {
			w("  expect jsonpath %q = %s at %d:%d: %s", pe.Path, pe.Compiled, pe.Pos.Line, pe.Pos.Column, dumpPredicates(pe.Predicates))
		}
		if e.Text != nil {
			w("  expect string: %s", dumpPredicates(e.Text))
		}
		if e.BodySize != nil {
			w("  expect body_size: %s", dumpPredicates(e.BodySize))
		}
		if e.JSON != nil {
			w("  expect json: %s", dumpValue(e.JSON))
		}
		if e.String != nil {
			w("  expect string: %s", dumpTemplate(e.String))
		}
		if e.JSONSchema != nil {
			w("  expect json_schema: ref %q at %d:%d", e.JSONSchema.Ref, e.JSONSchema.Pos.Line, e.JSONSchema.Pos.Column)
		}
		for _, h := range e.HTML {
			w("  expect html %q: %s", h.Path, dumpTemplate(h.Equal))
		}
		for _, a := range e.Assert {
			w("  assert: %s", a)
		}
		if c := e.Certificate; c != nil {
			var ps []string
			for _, pr := range c.ExpiresIn {
				ps = append(ps, fmt.Sprintf("%s %s", pr.Op, pr.Value))
			}
			w("  expect certificate at %d:%d: expires_in %s", c.Pos.Line, c.Pos.Column, strings.Join(ps, ", "))
		}
		for _, c := range s.Captures {
			if c.Redact {
				w("  capture %s is redacted", c.Variable)
			}
			switch {
			case c.JSONPath != "":
				w("  capture %s: json_path %q = %s", c.Variable, c.JSONPath, c.Path)
			case c.Header != "":
				w("  capture %s: header %q", c.Variable, c.Header)
			default:
				w("  capture %s: expression %s", c.Variable, c.Expression)
			}
		}
		if o := dumpOptions(s.Options); o != "" {
			w("  options:%s", o)
		}
	}
	return b.String()
}

func dumpTemplate(t *plan.Template) string {
	if t == nil {
		return "<nil>"
	}
	if s, ok := t.Literal(); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("template %q reads %v", t.Raw(), t.Names())
}

func dumpTemplates(ts []*plan.Template) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = dumpTemplate(t)
	}
	return strings.Join(out, ", ")
}

func dumpValue(v *plan.Value) string {
	switch v.Kind {
	case plan.KindNull:
		return "null"
	case plan.KindBool:
		return fmt.Sprint(v.Bool)
	case plan.KindInt:
		return fmt.Sprintf("int %d", v.Int)
	case plan.KindFloat:
		return fmt.Sprintf("float %g", v.Float)
	case plan.KindString:
		return dumpTemplate(v.Str)
	case plan.KindList:
		out := make([]string, len(v.List))
		for i, item := range v.List {
			out[i] = dumpValue(item)
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	out := make([]string, len(v.Map))
	for i, f := range v.Map {
		out[i] = f.Key + ": " + dumpValue(f.Value)
	}
	return "{" + strings.Join(out, ", ") + "}"
}

func dumpOptions(o plan.Options) string {
	var b strings.Builder
	add := func(name string, set bool, expr *plan.Template, value any) {
		if !set {
			return
		}
		if expr != nil {
			fmt.Fprintf(&b, " %s=%s", name, dumpTemplate(expr))
			return
		}
		fmt.Fprintf(&b, " %s=%v", name, value)
	}
	add("timeout", o.Timeout.Set, o.Timeout.Expr, o.Timeout.Value)
	add("retries", o.Retries.Set, o.Retries.Expr, o.Retries.Value)
	add("follow_redirects", o.FollowRedirects.Set, o.FollowRedirects.Expr, o.FollowRedirects.Value)
	add("insecure", o.Insecure.Set, o.Insecure.Expr, o.Insecure.Value)
	add("debug", o.Debug.Set, o.Debug.Expr, o.Debug.Value)
	add("halt_on_error", o.HaltOnError.Set, o.HaltOnError.Expr, o.HaltOnError.Value)
	add("poll", o.Poll.Set, o.Poll.Expr, fmt.Sprintf("{every %s, for %s}", o.Poll.Value.Every, o.Poll.Value.For))
	add("degraded_after", o.DegradedAfter.Set, o.DegradedAfter.Expr, o.DegradedAfter.Value)
	add("max_duration", o.MaxDuration.Set, o.MaxDuration.Expr, o.MaxDuration.Value)
	return b.String()
}

func dumpPredicates(ps []plan.Predicate) string {
	out := make([]string, len(ps))
	for i, pr := range ps {
		var arg string
		switch {
		case pr.Op == plan.OpExists:
			arg = fmt.Sprint(pr.Exists)
		case pr.Inner != nil:
			arg = "(" + dumpPredicates(pr.Inner) + ")"
		case pr.Value != nil:
			arg = dumpValue(pr.Value)
		}
		if pr.Regexp != nil {
			arg += " (compiled)"
		}
		out[i] = fmt.Sprintf("%s %s @%d:%d", pr.Op, arg, pr.Pos.Line, pr.Pos.Column)
	}
	return strings.Join(out, "; ")
}
