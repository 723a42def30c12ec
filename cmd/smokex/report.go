package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// ranPlan is a finished execution with its plan and the file the plan came
// from.
type ranPlan struct {
	file string
	// plan is nil in tests of the reports alone.
	plan *plan.Plan
	// exec is nil for a plan file that did not parse.
	exec *record.Execution
	// invalid are the errors of a plan file that did not parse.
	invalid []*plan.Error
}

// id is the plan's ID, or for a file that did not parse the ID its file
// name gives.
func (r ranPlan) id() string {
	if r.exec != nil {
		return r.exec.PlanID
	}
	base := filepath.Base(r.file)
	return plan.ID(strings.TrimSuffix(base, filepath.Ext(base)))
}

// invalidStatus is the status of a plan file that did not parse, in the
// JSON report and the HTML one.
const invalidStatus = "invalid"

// invalidJSON is the JSON report of a plan file that did not parse.
type invalidJSON struct {
	Plan   string             `json:"plan"`
	File   string             `json:"file"`
	Status string             `json:"status"`
	Errors []invalidJSONError `json:"errors"`
}

// invalidJSONError is one error of a plan file that did not parse; line
// and column are zero for an error about the whole file.
type invalidJSONError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// source is the plan's file and lines, nil when the plan or its source is
// not known.
func (r ranPlan) source() *planSource {
	if r.plan == nil || len(r.plan.Source) == 0 {
		return nil
	}
	file := r.sourceFile()
	if file == "" {
		file = r.plan.ID
	}
	return &planSource{file: file, lines: strings.Split(string(r.plan.Source), "\n")}
}

// sourceFile names the plan's file for places in reports: the file it was
// loaded from, else the plan's own name for it.
func (r ranPlan) sourceFile() string {
	if r.file != "" && r.file != "-" {
		return r.file
	}
	if r.plan != nil {
		return r.plan.File
	}
	return ""
}

// debug tells whether the plan turns debug on for the step, so that the
// console shows its request and response.
func (r ranPlan) debug(s *record.StepResult) bool {
	if r.plan == nil || s.Index < 0 || s.Index >= len(r.plan.Steps) {
		return false
	}
	d := r.plan.Steps[s.Index].Options.Debug.Or(r.plan.Options.Debug)
	return d.Set && d.Expr == nil && d.Value
}

// named reports whether the plan gave the step its name, which the console
// then shows; an unnamed step is shown by its method and URL alone.
func (r ranPlan) named(s *record.StepResult) bool {
	if r.plan != nil && s.Index >= 0 && s.Index < len(r.plan.Steps) {
		return r.plan.Steps[s.Index].Name != ""
	}
	return s.Name != "" && !strings.HasPrefix(s.Name, s.Method+" ")
}

// writeJSON writes one object for one plan, an array for several: each is
// the execution in the record wire format, with the file its plan came
// from after the plan's ID.
func writeJSON(w io.Writer, runs []ranPlan) error {
	docs := make([]json.RawMessage, 0, len(runs))
	for _, r := range runs {
		b, err := reportJSON(r)
		if err != nil {
			return err
		}
		docs = append(docs, b)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(docs) == 1 {
		return enc.Encode(docs[0])
	}
	return enc.Encode(docs)
}

// reportJSON is the JSON report of one plan's execution, or of a plan
// file that did not parse: its plan ID (from the file name), file, status
// "invalid" and errors.
func reportJSON(r ranPlan) ([]byte, error) {
	e := r.exec
	if e == nil {
		inv := invalidJSON{Plan: r.id(), File: r.file, Status: invalidStatus, Errors: make([]invalidJSONError, len(r.invalid))}
		for i, pe := range r.invalid {
			inv.Errors[i] = invalidJSONError{Line: pe.Line, Column: pe.Column, Message: pe.Message}
		}
		return json.Marshal(inv)
	}
	if slices.ContainsFunc(e.Steps, func(s record.StepResult) bool { return s.Name == "" }) {
		c := *e
		c.Steps = slices.Clone(e.Steps)
		for i := range c.Steps {
			c.Steps[i].Name = stepName(&c.Steps[i])
		}
		e = &c
	}
	b, err := json.Marshal(e)
	if err != nil || r.file == "" {
		return b, err
	}
	// The wire format starts with the plan's ID; the file goes after it.
	id, _ := json.Marshal(e.PlanID) // a string always encodes
	file, _ := json.Marshal(r.file)
	head := append([]byte(`{"plan":`), id...)
	if !bytes.HasPrefix(b, head) {
		return nil, fmt.Errorf("json report of %s: the execution does not start with its plan", r.file)
	}
	out := make([]byte, 0, len(b)+len(file)+8)
	out = append(out, head...)
	out = append(out, `,"file":`...)
	out = append(out, file...)
	return append(out, b[len(head):]...), nil
}

// stepName is the name reports show for a step: its own, or METHOD URL.
func stepName(s *record.StepResult) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Method + " " + s.URL
}

// junitSuites is the root of a JUnit XML report, in the shape the JUnit
// readers of GitLab and Jenkins accept: the schema of Jenkins' xunit
// plugin (junit-10.xsd), which has no skipped count on the root (each
// suite has its own).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	File      string      `xml:"file,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *struct{}     `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// invalidJUnitSuite is the suite of a plan file that did not parse: one
// test case, errored, with every error of the file at its place.
func invalidJUnitSuite(r ranPlan) junitSuite {
	lines := make([]string, len(r.invalid))
	for i, e := range r.invalid {
		lines[i] = e.Error()
	}
	msg := lines[0]
	if len(lines) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(lines)-1)
	}
	return junitSuite{
		Name: r.id(), Tests: 1, Errors: 1, Time: seconds(0), File: r.file,
		Cases: []junitCase{{
			Name: "plan", Classname: r.id(), Time: seconds(0),
			Error: &junitProblem{Message: msg, Type: invalidStatus, Text: strings.Join(lines, "\n")},
		}},
	}
}

func toJUnitSuite(r ranPlan) junitSuite {
	if r.exec == nil {
		return invalidJUnitSuite(r)
	}
	e := r.exec
	s := junitSuite{
		Name: e.PlanID,
		Time: seconds(e.Duration()),
		File: r.file,
	}
	if !e.StartedAt.IsZero() {
		s.Timestamp = e.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for i := range e.Steps {
		st := &e.Steps[i]
		c := junitCase{
			Name:      fmt.Sprintf("%d. %s", st.Index+1, stepName(st)),
			Classname: e.PlanID,
			Time:      seconds(st.Total()),
		}
		switch st.Outcome() {
		case record.StepSkipped:
			c.Skipped = &struct{}{}
			s.Skipped++
		case record.StepErrored:
			c.Error = &junitProblem{Message: st.Error.Message, Type: string(st.Error.Kind), Text: st.Error.Error()}
			s.Errors++
		case record.StepFailed:
			c.Failure = junitFailure(st, r.sourceFile())
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	if e.Error != nil {
		s.Cases = append(s.Cases, junitCase{
			Name:      "execution",
			Classname: e.PlanID,
			Time:      seconds(0),
			Error:     &junitProblem{Message: e.Error.Message, Type: string(e.Error.Kind), Text: e.Error.Error()},
		})
		s.Errors++
	}
	s.Tests = len(s.Cases)
	return s
}

// junitFailure folds a failed step into one failure element: its failed
// assertions first, each after its place in the plan (file:line:column)
// when it is known, then the error that came after them, if any. The
// message is the first of them; the text has every one, a line each.
func junitFailure(st *record.StepResult, file string) *junitProblem {
	lines := st.Problems()
	if len(lines) == 0 {
		return &junitProblem{Message: "step failed", Type: "failure", Text: "step failed"}
	}
	for i, f := range st.Failures {
		if f.Line > 0 && file != "" {
			lines[i] = fmt.Sprintf("%s:%d:%d: %s", file, f.Line, f.Column, lines[i])
		}
	}
	msg := lines[0]
	if len(lines) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(lines)-1)
	}
	typ := "failure"
	if len(st.Failures) > 0 {
		typ = string(st.Failures[0].Type)
	}
	return &junitProblem{Message: msg, Type: typ, Text: strings.Join(lines, "\n")}
}

// writeJUnit writes a testsuites document with a testsuite per plan.
func writeJUnit(w io.Writer, runs []ranPlan, elapsed time.Duration) error {
	root := junitSuites{Name: "smokex", Time: seconds(elapsed)}
	for _, r := range runs {
		s := toJUnitSuite(r)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Suites = append(root.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
