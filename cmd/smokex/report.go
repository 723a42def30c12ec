package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// jsonPlan is the JSON report of one plan's execution; the format is
// documented in doc.go.
type jsonPlan struct {
	Plan       string        `json:"plan"`
	File       string        `json:"file,omitempty"`
	Status     record.Status `json:"status"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	DurationMS float64       `json:"duration_ms"`
	Steps      []jsonStep    `json:"steps"`
	Error      *jsonError    `json:"error"`
}

// jsonStep is the JSON report of one step.
type jsonStep struct {
	Index      int           `json:"index"`
	Name       string        `json:"name"`
	Method     string        `json:"method"`
	URL        string        `json:"url"`
	StatusCode *int          `json:"status_code"`
	DurationMS float64       `json:"duration_ms"`
	Attempts   int           `json:"attempts"`
	OK         bool          `json:"ok"`
	Skipped    bool          `json:"skipped"`
	Failures   []jsonFailure `json:"failures"`
	Error      *jsonError    `json:"error"`
}

// jsonFailure is one failed assertion.
type jsonFailure struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Received string `json:"received"`
}

// jsonError is a step or execution that could not complete.
type jsonError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// ranPlan is a finished execution with its plan and the file the plan came
// from.
type ranPlan struct {
	file string
	// plan is nil in tests of the reports alone.
	plan *plan.Plan
	exec *record.Execution
}

// named reports whether the plan gave the step its name, which the console
// then shows; an unnamed step is shown by its method and URL alone.
func (r ranPlan) named(s *record.StepResult) bool {
	if r.plan != nil && s.Index >= 0 && s.Index < len(r.plan.Steps) {
		return r.plan.Steps[s.Index].Name != ""
	}
	return s.Name != "" && !strings.HasPrefix(s.Name, s.Method+" ")
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func toJSONError(e *record.StepError) *jsonError {
	if e == nil {
		return nil
	}
	return &jsonError{Kind: string(e.Kind), Message: e.Message}
}

func toJSONPlan(r ranPlan) jsonPlan {
	e := r.exec
	out := jsonPlan{
		Plan:       e.PlanID,
		File:       r.file,
		Status:     e.Status,
		StartedAt:  e.StartedAt,
		FinishedAt: e.FinishedAt,
		DurationMS: millis(e.Duration()),
		Steps:      make([]jsonStep, 0, len(e.Steps)),
		Error:      toJSONError(e.Error),
	}
	for i := range e.Steps {
		s := &e.Steps[i]
		js := jsonStep{
			Index:      s.Index,
			Name:       stepName(s),
			Method:     s.Method,
			URL:        s.URL,
			DurationMS: millis(s.Timings.Total),
			Attempts:   s.Attempts,
			OK:         s.OK,
			Skipped:    s.Skipped,
			Failures:   make([]jsonFailure, 0, len(s.Failures)),
			Error:      toJSONError(s.Error),
		}
		if s.Response != nil {
			code := s.Response.StatusCode
			js.StatusCode = &code
		}
		for _, f := range s.Failures {
			js.Failures = append(js.Failures, jsonFailure{Type: string(f.Type), Name: f.Name, Expected: f.Expected, Received: f.Received})
		}
		out.Steps = append(out.Steps, js)
	}
	return out
}

// writeJSON writes one object for one plan, an array for several.
func writeJSON(w io.Writer, runs []ranPlan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(runs) == 1 {
		return enc.Encode(toJSONPlan(runs[0]))
	}
	all := make([]jsonPlan, 0, len(runs))
	for _, r := range runs {
		all = append(all, toJSONPlan(r))
	}
	return enc.Encode(all)
}

// stepName is the name reports show for a step: its own, or METHOD URL.
func stepName(s *record.StepResult) string {
	if s.Name != "" {
		return s.Name
	}
	return s.Method + " " + s.URL
}

// junitSuites is the root of a JUnit XML report, in the shape the JUnit
// readers of GitLab and Jenkins accept.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
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

func toJUnitSuite(r ranPlan) junitSuite {
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
			Time:      seconds(st.Timings.Total),
		}
		switch {
		case st.Skipped:
			c.Skipped = &struct{}{}
			s.Skipped++
		case st.Error != nil:
			c.Error = &junitProblem{Message: st.Error.Message, Type: string(st.Error.Kind), Text: st.Error.Error()}
			s.Errors++
		case !st.OK:
			c.Failure = junitFailure(st)
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

// junitFailure folds a step's failed assertions into one failure element:
// the first in the message, every one in the text.
func junitFailure(st *record.StepResult) *junitProblem {
	if len(st.Failures) == 0 {
		return &junitProblem{Message: "step failed", Type: "failure", Text: "step failed"}
	}
	lines := make([]string, 0, len(st.Failures))
	for _, f := range st.Failures {
		lines = append(lines, failureLine(f))
	}
	msg := lines[0]
	if len(lines) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(lines)-1)
	}
	return &junitProblem{Message: msg, Type: string(st.Failures[0].Type), Text: strings.Join(lines, "\n")}
}

// failureLine writes a failed assertion on one line.
func failureLine(f record.Failure) string {
	return fmt.Sprintf("%s: expected %s, received %s", failureWhat(f), f.Expected, f.Received)
}

// failureWhat names a failed assertion: its type, and which one.
func failureWhat(f record.Failure) string {
	if f.Name != "" && f.Name != string(f.Type) {
		return string(f.Type) + " " + f.Name
	}
	return string(f.Type)
}

// writeJUnit writes a testsuites document with a testsuite per plan.
func writeJUnit(w io.Writer, runs []ranPlan, elapsed time.Duration) error {
	root := junitSuites{Name: "smokex", Time: seconds(elapsed)}
	for _, r := range runs {
		s := toJUnitSuite(r)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
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
