package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
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
// from after the plan's ID. Each execution is written a step at a time to
// a buffer of 64 KiB, never whole in memory; pretty indents by two spaces,
// as on a terminal, on the way to the buffer.
func writeJSON(w io.Writer, runs []ranPlan, pretty bool) error {
	if len(runs) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out io.Writer = bw
	if pretty {
		out = &jsonIndenter{w: bw, indent: "  "}
	}
	several := len(runs) > 1
	if several {
		io.WriteString(out, "[")
	}
	for i, r := range runs {
		if i > 0 {
			io.WriteString(out, ",")
		}
		if err := writeReport(out, r); err != nil {
			return err
		}
	}
	if several {
		io.WriteString(out, "]")
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// writeReport writes what the JSON report says of one plan: its execution
// with its file, or for a plan file that did not parse, its plan ID (from
// the file name), file, status "invalid" and errors. It gives each step
// the name reports show for it (stepName) in place: the JSON report is the
// last reader of the execution.
func writeReport(w io.Writer, r ranPlan) error {
	e := r.exec
	if e == nil {
		inv := invalidJSON{Plan: r.id(), File: r.file, Status: invalidStatus, Errors: make([]invalidJSONError, len(r.invalid))}
		for i, pe := range r.invalid {
			inv.Errors[i] = invalidJSONError{Line: pe.Line, Column: pe.Column, Message: pe.Message}
		}
		b, err := json.Marshal(inv)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	for i := range e.Steps {
		if e.Steps[i].Name == "" {
			e.Steps[i].Name = stepName(&e.Steps[i])
		}
	}
	return record.WithFile{Execution: e, File: r.file}.WriteJSON(w)
}

// jsonIndenter indents the JSON written to it as json.Indent does with no
// prefix, as it passes through to w, in one pass and with no copy of the
// document: each element of an object or array on a line of its own, a
// space after each colon, empty objects and arrays as {} and [], strings
// as they are, and the spaces between tokens of the input dropped (those
// after the document kept). A
// document may come in writes of any size, split anywhere. Errors are
// w's, which keeps the first.
type jsonIndenter struct {
	w      *bufio.Writer
	indent string
	depth  int
	// inString and escaped: inside a string, and after its backslash.
	inString, escaped bool
	// opened: after { or [, whose line break waits for what comes next,
	// since an empty object or array stays on its line.
	opened bool
	// started: after the first byte of the document.
	started bool
}

// ended reports whether the document has been written whole, after which
// spaces go out as they are, as json.Indent keeps them.
func (x *jsonIndenter) ended() bool {
	return x.started && x.depth == 0 && !x.opened
}

// Write indents p onto w, copying the bytes between punctuation in runs.
func (x *jsonIndenter) Write(p []byte) (int, error) {
	run := 0 // start of the bytes not yet written that go out as they are
	for i, c := range p {
		if x.inString {
			switch {
			case x.escaped:
				x.escaped = false
			case c == '\\':
				x.escaped = true
			case c == '"':
				x.inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			if !x.ended() {
				x.w.Write(p[run:i])
				run = i + 1
			}
			continue
		case '}', ']':
			x.w.Write(p[run:i])
			run = i
			if x.opened {
				x.opened = false
			} else {
				x.depth--
				x.newline()
			}
			continue
		}
		x.started = true
		if x.opened {
			x.w.Write(p[run:i])
			run = i
			x.opened = false
			x.depth++
			x.newline()
		}
		switch c {
		case '"':
			x.inString = true
		case '{', '[':
			x.opened = true
		case ',':
			x.w.Write(p[run : i+1])
			run = i + 1
			x.newline()
		case ':':
			x.w.Write(p[run : i+1])
			run = i + 1
			x.w.WriteByte(' ')
		}
	}
	if _, err := x.w.Write(p[run:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// newline starts a line at the current depth.
func (x *jsonIndenter) newline() {
	x.w.WriteByte('\n')
	for range x.depth {
		x.w.WriteString(x.indent)
	}
}

// stepName is the name reports show for a step: its own, or METHOD URL.
func stepName(s *record.StepResult) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Method + " " + s.URL
}

// junitSuite is a testsuite of a JUnit XML report (writeJUnit writes the
// root, testsuites), in the shape the JUnit readers of GitLab and Jenkins
// accept: the schema of Jenkins' xunit plugin (junit-10.xsd), which has no
// skipped count on the root (each suite has its own).
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

// junitCounts are the counts of a testsuite, or of every testsuite.
type junitCounts struct {
	tests, failures, errors, skipped int
}

// count adds the test cases of r's suite.
func (n *junitCounts) count(r ranPlan) {
	if r.exec == nil {
		n.tests++
		n.errors++
		return
	}
	for i := range r.exec.Steps {
		n.tests++
		switch r.exec.Steps[i].Outcome() {
		case record.StepSkipped:
			n.skipped++
		case record.StepErrored:
			n.errors++
		case record.StepFailed:
			n.failures++
		}
	}
	if r.exec.Error != nil {
		n.tests++
		n.errors++
	}
}

func toJUnitSuite(r ranPlan) junitSuite {
	if r.exec == nil {
		return invalidJUnitSuite(r)
	}
	e := r.exec
	var n junitCounts
	n.count(r)
	s := junitSuite{
		Name:     e.PlanID,
		Time:     seconds(e.Duration()),
		File:     r.file,
		Tests:    n.tests,
		Failures: n.failures,
		Errors:   n.errors,
		Skipped:  n.skipped,
		Cases:    make([]junitCase, 0, n.tests),
	}
	if !e.StartedAt.IsZero() {
		s.Timestamp = e.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for i := range e.Steps {
		st := &e.Steps[i]
		c := junitCase{
			Name:      strconv.Itoa(st.Index+1) + ". " + stepName(st),
			Classname: e.PlanID,
			Time:      seconds(st.Total()),
		}
		switch st.Outcome() {
		case record.StepSkipped:
			c.Skipped = &struct{}{}
		case record.StepErrored:
			text := placed(r.sourceFile(), st.Error.Line, st.Error.Column, st.Error.Error())
			c.Error = &junitProblem{Message: placed(r.sourceFile(), st.Error.Line, st.Error.Column, st.Error.Message), Type: string(st.Error.Kind), Text: text}
		case record.StepFailed:
			c.Failure = junitFailure(st, r.sourceFile())
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
	}
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
		lines[i] = placed(file, f.Line, f.Column, lines[i])
	}
	if st.Error != nil {
		lines[len(lines)-1] = placed(file, st.Error.Line, st.Error.Column, lines[len(lines)-1])
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

// placed returns text after its place in the plan, file:line:column,
// when the place is known.
func placed(file string, line, col int, text string) string {
	if line > 0 && file != "" {
		return fmt.Sprintf("%s:%d:%d: %s", file, line, col, text)
	}
	return text
}

// writeJUnit writes a testsuites document with a testsuite per plan. The
// root's totals come from a count of the steps; each testsuite is then
// built, encoded and dropped before the next.
func writeJUnit(w io.Writer, runs []ranPlan, elapsed time.Duration) error {
	var n junitCounts
	for _, r := range runs {
		n.count(r)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	attr := func(name, v string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: v} }
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		attr("name", "smokex"),
		attr("tests", strconv.Itoa(n.tests)),
		attr("failures", strconv.Itoa(n.failures)),
		attr("errors", strconv.Itoa(n.errors)),
		attr("time", seconds(elapsed)),
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	suite := xml.StartElement{Name: xml.Name{Local: "testsuite"}}
	for _, r := range runs {
		if err := enc.EncodeElement(toJUnitSuite(r), suite); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}
