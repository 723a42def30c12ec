package main

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"iter"
	"strconv"
	"sync"
	"time"
)

// reportHTML is the template of -o html: one self-contained page, its
// styles inline, no script and nothing fetched.
//
//go:embed templates/report.html
var reportHTML string

var reportTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("report").Parse(reportHTML)) })

// htmlReport is what the page shows.
type htmlReport struct {
	Plans          []htmlPlan
	Passed, Failed int
	// Invalid counts the plan files that did not parse.
	Invalid        int
	Steps, Elapsed string
	Generated      string
}

type htmlPlan struct {
	ID, Name, File, Status, StopReason, Duration, Error string
	// Steps are made one at a time as the page is written.
	Steps iter.Seq[htmlStep]
	// Errors are those of a plan file that did not parse.
	Errors []string
}

type htmlStep struct {
	Class, Mark, Name, Method, URL, Code, Duration, Error string
	Attempts                                              int
	Failures                                              []htmlFailure
}

type htmlFailure struct {
	What, Place, Expected, Received string
}

// writeHTML writes the HTML report of the runs to a buffer of 64 KiB, a
// step at a time: the template writes a few bytes at a time.
func writeHTML(w io.Writer, runs []ranPlan, elapsed time.Duration) error {
	rep := htmlReport{Elapsed: formatDuration(elapsed), Generated: time.Now().UTC().Format(time.RFC3339)}
	var n stepCounts
	for _, r := range runs {
		e := r.exec
		if e == nil {
			hp := htmlPlan{ID: r.id(), Name: r.id(), File: r.file, Status: invalidStatus}
			for _, pe := range r.invalid {
				hp.Errors = append(hp.Errors, pe.Error())
			}
			rep.Plans = append(rep.Plans, hp)
			rep.Invalid++
			continue
		}
		n.add(countSteps(e))
		if e.Status.Up() {
			rep.Passed++
		} else {
			rep.Failed++
		}
		hp := htmlPlan{ID: e.PlanID, Name: planLabel(e), File: r.file, Status: string(e.Status), StopReason: string(e.StopReason), Duration: formatDuration(e.Duration()), Steps: htmlSteps(r)}
		if e.Error != nil {
			hp.Error = e.Error.Error()
		}
		rep.Plans = append(rep.Plans, hp)
	}
	rep.Steps = n.String()
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := reportTemplate().Execute(bw, rep); err != nil {
		return err
	}
	return bw.Flush()
}

// htmlSteps are the rows of the steps of r's execution.
func htmlSteps(r ranPlan) iter.Seq[htmlStep] {
	return func(yield func(htmlStep) bool) {
		src := r.source()
		for i := range r.exec.Steps {
			s := &r.exec.Steps[i]
			hs := htmlStep{Method: s.Method, URL: s.URL, Attempts: s.Attempts}
			if r.named(s) {
				hs.Name = s.Name
			}
			switch {
			case s.Skipped:
				hs.Class, hs.Mark = "skipped", "-"
			case s.OK:
				hs.Class, hs.Mark = "ok", "✓"
			default:
				hs.Class, hs.Mark = "failed", "✗"
			}
			if !s.Skipped {
				hs.Duration = formatDuration(s.Total())
			}
			if s.Response != nil {
				hs.Code = strconv.Itoa(s.Response.StatusCode)
			}
			if s.Error != nil {
				hs.Error = s.Error.Error()
				if s.Error.Line > 0 && src != nil {
					hs.Error = placed(src.file, s.Error.Line, s.Error.Column, hs.Error)
				}
			}
			for _, f := range s.Failures {
				hf := htmlFailure{What: f.What(), Expected: f.Expected, Received: f.Received}
				if f.Line > 0 && src != nil {
					hf.Place = fmt.Sprintf("%s:%d:%d", src.file, f.Line, f.Column)
				}
				hs.Failures = append(hs.Failures, hf)
			}
			if !yield(hs) {
				return
			}
		}
	}
}
