package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smokex/smokex/record"
)

// ANSI colours of the console output.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// console writes results for people: a line per step, details of what went
// wrong, a summary per plan and one for the whole run.
type console struct {
	color bool
	// quiet leaves out passed and skipped steps.
	quiet bool
	// verbose writes each step's request and response.
	verbose bool
	// progress shows a polling step's attempts on a line rewritten in
	// place; only for a terminal.
	progress bool
}

// clearLine takes the cursor back to the start of the line and clears it,
// where a progress line was.
const clearLine = "\r\x1b[K"

// polling writes the progress line of a step that polls: its attempts so
// far, the last one's outcome and when the poll gives up, over the
// previous progress line. It ends without a newline; the step's own line
// clears it.
func (c console) polling(w io.Writer, rp ranPlan, r *record.StepResult, now, deadline time.Time) {
	var b strings.Builder
	b.WriteString(clearLine + "  " + c.paint(ansiYellow, "…") + " ")
	if rp.named(r) {
		b.WriteString(printable(r.Name) + ": ")
	}
	b.WriteString(printable(r.Method + " " + r.URL))
	last := "no response"
	if n := len(r.AttemptLog); n > 0 {
		last = attemptOutcome(r.AttemptLog[n-1])
		if r.AttemptLog[n-1].Error != nil {
			last = "a " + last + " error"
		}
	}
	b.WriteString(" " + c.paint(ansiDim, fmt.Sprintf("polling: attempt %d got %s; gives up in %s",
		r.Attempts, last, formatDuration(deadline.Sub(now).Round(time.Second)))))
	_, _ = io.WriteString(w, b.String())
}

func (c console) paint(code, s string) string {
	if !c.color {
		return s
	}
	return code + s + ansiReset
}

// header writes the line that opens a plan's block. Quiet writes it only
// before the plan's first shown step (see step), so that a failed step
// comes under its plan's name.
func (c console) header(w io.Writer, e *record.Execution) {
	if c.quiet {
		return
	}
	fmt.Fprintln(w, c.paint(ansiBold, printable(planLabel(e))))
}

// step writes a finished step of e and, when it did not pass, why, each
// failed assertion with its place in the plan; with verbose (or the step's
// debug option), also its request and response. headed tells whether the
// plan's line is written; quiet writes it before the first step it shows.
func (c console) step(w io.Writer, rp ranPlan, e *record.Execution, r *record.StepResult, headed *bool) {
	if c.quiet && (r.OK || r.Skipped) {
		return
	}
	if c.quiet && !*headed {
		fmt.Fprintln(w, c.paint(ansiBold, printable(planLabel(e))))
		*headed = true
	}
	named := rp.named(r)
	var b strings.Builder
	switch {
	case r.Skipped:
		b.WriteString("  " + c.paint(ansiYellow, "-") + " ")
	case r.OK:
		b.WriteString("  " + c.paint(ansiGreen, "✓") + " ")
	default:
		b.WriteString("  " + c.paint(ansiRed, "✗") + " ")
	}
	if named {
		b.WriteString(printable(r.Name) + ": ")
	}
	b.WriteString(printable(r.Method + " " + r.URL))
	switch {
	case r.Skipped:
		b.WriteString(" " + c.paint(ansiDim, "skipped"))
	case r.Response != nil:
		fmt.Fprintf(&b, " %d", r.Response.StatusCode)
	}
	if !r.Skipped {
		b.WriteString(" " + c.paint(ansiDim, formatDuration(r.Total())))
		if r.Attempts > 1 {
			fmt.Fprintf(&b, " %s", c.paint(ansiDim, fmt.Sprintf("(%d attempts)", r.Attempts)))
		}
	}
	fmt.Fprintln(w, b.String())
	if len(r.AttemptLog) > 1 {
		c.attempts(w, r.AttemptLog)
	}
	if (c.verbose || rp.debug(r)) && !r.Skipped {
		c.exchange(w, r)
	}
	src := rp.source()
	for _, f := range r.Failures {
		c.failure(w, f)
		c.place(w, src, f.Line, f.Column)
	}
	if r.Error != nil {
		fmt.Fprintf(w, "      %s %s\n", c.paint(ansiRed, "error ("+string(r.Error.Kind)+"):"), indent(printable(r.Error.Message), "        "))
		c.place(w, src, r.Error.Line, r.Error.Column)
	}
}

// failure writes one failed assertion, on one line when it is short.
func (c console) failure(w io.Writer, f record.Failure) {
	f.Name, f.Expected, f.Received = printable(f.Name), printable(f.Expected), printable(f.Received)
	if len(f.Expected)+len(f.Received) <= 60 && !strings.ContainsAny(f.Expected+f.Received, "\n") {
		fmt.Fprintf(w, "      %s expected %s, received %s\n", c.paint(ansiRed, f.What()+":"), f.Expected, f.Received)
		return
	}
	fmt.Fprintf(w, "      %s\n        expected: %s\n        received: %s\n", c.paint(ansiRed, f.What()+":"),
		indent(f.Expected, "                  "), indent(f.Received, "                  "))
}

// summary writes the line that closes a plan's block.
func (c console) summary(w io.Writer, e *record.Execution) {
	n := countSteps(e)
	status := string(e.Status)
	switch e.Status {
	case record.StatusPassed:
		status = c.paint(ansiGreen, status)
	case record.StatusDegraded:
		status = c.paint(ansiYellow, status)
	default:
		status = c.paint(ansiRed, status)
	}
	if e.StopReason != "" {
		status += " (" + string(e.StopReason) + ")"
	}
	fmt.Fprintf(w, "  %s %s: %s in %s\n", printable(planLabel(e)), status, n.String(), formatDuration(e.Duration()))
	if e.Error != nil {
		fmt.Fprintf(w, "  %s %s\n", c.paint(ansiRed, "error ("+string(e.Error.Kind)+"):"), indent(printable(e.Error.Message), "    "))
	}
}

// invalid writes the block of a plan file that did not parse: its name
// and each error at its place.
func (c console) invalid(w io.Writer, r ranPlan) {
	fmt.Fprintf(w, "%s %s\n", c.paint(ansiBold, printable(r.file)), c.paint(ansiRed, "invalid"))
	for _, e := range r.invalid {
		fmt.Fprintf(w, "  %s\n", printable(e.Error()))
	}
}

// total writes the summary of the whole run: its plans by status, the
// files that did not parse among them, and its steps.
func (c console) total(w io.Writer, runs []ranPlan, elapsed time.Duration) {
	var plans, passed, invalid int
	var n stepCounts
	for _, r := range runs {
		plans++
		switch {
		case r.exec == nil:
			invalid++
			continue
		case r.exec.Status.Up():
			passed++
		}
		n.add(countSteps(r.exec))
	}
	word := "plans"
	if plans == 1 {
		word = "plan"
	}
	line := fmt.Sprintf("%d %s: %d passed, %d failed", plans, word, passed, plans-passed-invalid)
	if invalid > 0 {
		line += fmt.Sprintf(", %d invalid", invalid)
	}
	line += fmt.Sprintf("; steps: %s in %s", n.String(), formatDuration(elapsed))
	if passed == plans {
		line = c.paint(ansiGreen, line)
	} else {
		line = c.paint(ansiRed, line)
	}
	fmt.Fprintln(w, line)
}

// stepCounts counts a plan's steps by outcome.
type stepCounts struct {
	total, passed, failed, errored, skipped int
}

func countSteps(e *record.Execution) stepCounts {
	var n stepCounts
	for i := range e.Steps {
		r := &e.Steps[i]
		n.total++
		switch r.Outcome() {
		case record.StepSkipped:
			n.skipped++
		case record.StepErrored:
			n.errored++
		case record.StepPassed:
			n.passed++
		default:
			n.failed++
		}
	}
	return n
}

func (n *stepCounts) add(m stepCounts) {
	n.total += m.total
	n.passed += m.passed
	n.failed += m.failed
	n.errored += m.errored
	n.skipped += m.skipped
}

func (n stepCounts) String() string {
	s := fmt.Sprintf("%d passed, %d failed", n.passed, n.failed)
	if n.errored > 0 {
		s += fmt.Sprintf(", %d errored", n.errored)
	}
	if n.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", n.skipped)
	}
	return s
}

// planLabel names an execution's plan in reports.
func planLabel(e *record.Execution) string {
	if e.PlanName != "" {
		return e.PlanName
	}
	return e.PlanID
}

// formatDuration writes d the way the console shows it: 12ms, 1.25s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// indent puts prefix before every line of s but the first.
func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// printable returns s with its control characters other than newline and
// tab written as Go escapes (\x1b, \r), so that text a server sent, in a
// body excerpt, a header or an error, is shown on a terminal rather than
// obeyed by it.
func printable(s string) string {
	i := strings.IndexFunc(s, isControl)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0)
}

// maxListedAttempts is how many attempts the console lists one by one; a
// longer log (a poll of minutes) is summarised.
const maxListedAttempts = 6

// attempts writes the requests of a step that sent several: each one's
// number, status code or error kind, and time; a log longer than
// maxListedAttempts as its first and last two and the count of each
// outcome.
func (c console) attempts(w io.Writer, log []record.Attempt) {
	one := func(i int) string {
		return fmt.Sprintf("%d %s %s", i+1, attemptOutcome(log[i]), formatDuration(log[i].Duration))
	}
	if len(log) <= maxListedAttempts {
		parts := make([]string, len(log))
		for i := range log {
			parts[i] = one(i)
		}
		fmt.Fprintf(w, "      %s %s\n", c.paint(ansiDim, "attempts:"), strings.Join(parts, "; "))
		return
	}
	counts := map[string]int{}
	var order []string
	for _, a := range log {
		k := attemptOutcome(a)
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	byOutcome := make([]string, len(order))
	for i, k := range order {
		byOutcome[i] = fmt.Sprintf("%d × %s", counts[k], k)
	}
	n := len(log)
	fmt.Fprintf(w, "      %s %s; %s; …; %s; %s (%d kept: %s)\n", c.paint(ansiDim, "attempts:"),
		one(0), one(1), one(n-2), one(n-1), n, strings.Join(byOutcome, ", "))
}

// attemptOutcome names what an attempt got: its status code or error kind.
func attemptOutcome(a record.Attempt) string {
	switch {
	case a.Error != nil:
		return string(a.Error.Kind)
	case a.StatusCode != 0:
		return strconv.Itoa(a.StatusCode)
	}
	return "no response"
}

// maxShownBody bounds each body the verbose console writes.
const maxShownBody = 2 << 10

// exchange writes a step's request and response as verbose shows them:
// > lines for the request, < lines for the response, then its captures
// and timings. What the step recorded is already redacted.
func (c console) exchange(w io.Writer, r *record.StepResult) {
	const pad = "      "
	if q := r.Request; q != nil {
		fmt.Fprintf(w, "%s%s %s %s\n", pad, c.paint(ansiDim, ">"), q.Method, printable(q.URL))
		writeHeaders(w, pad+c.paint(ansiDim, ">")+" ", q.Headers)
		writeBody(w, pad+c.paint(ansiDim, ">")+" ", q.Body, int64(len(q.Body)))
	}
	if p := r.Response; p != nil {
		proto := p.Proto
		if proto == "" {
			proto = "HTTP"
		}
		fmt.Fprintf(w, "%s%s %s %d (%d bytes)\n", pad, c.paint(ansiDim, "<"), proto, p.StatusCode, p.Size)
		writeHeaders(w, pad+c.paint(ansiDim, "<")+" ", p.Headers)
		writeBody(w, pad+c.paint(ansiDim, "<")+" ", p.Body, p.Size)
	}
	if len(r.Captures) > 0 {
		keys := make([]string, 0, len(r.Captures))
		for k := range r.Captures {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			v := r.Captures[k]
			if s, ok := v.(string); ok {
				parts[i] = k + "=" + strconv.Quote(s)
			} else {
				parts[i] = k + "=" + fmt.Sprint(v)
			}
		}
		fmt.Fprintf(w, "%s%s %s\n", pad, c.paint(ansiDim, "captures:"), printable(strings.Join(parts, ", ")))
	}
	t := r.Timings
	if r.Response != nil || t.Total > 0 {
		fmt.Fprintf(w, "%s%s dns %s, connect %s, tls %s, first byte %s, total %s\n", pad, c.paint(ansiDim, "timings:"),
			formatDuration(t.DNS), formatDuration(t.Connect), formatDuration(t.TLS), formatDuration(t.FirstByte), formatDuration(t.Total))
	}
}

func writeHeaders(w io.Writer, prefix string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, printable(k), printable(v))
		}
	}
}

// writeBody writes a body, cut to maxShownBody bytes (at a rune boundary)
// with how much was left out; size is the whole body's size.
func writeBody(w io.Writer, prefix, body string, size int64) {
	if body == "" {
		return
	}
	shown := body
	if len(shown) > maxShownBody {
		shown = shown[:maxShownBody]
		for len(shown) > 0 && !utf8.ValidString(shown) {
			shown = shown[:len(shown)-1]
		}
	}
	fmt.Fprintln(w, strings.TrimRight(prefix, " "))
	for _, line := range strings.Split(strings.TrimRight(printable(shown), "\n"), "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
	if rest := size - int64(len(shown)); rest > 0 {
		fmt.Fprintf(w, "%s... %d more bytes\n", prefix, rest)
	}
}

// planSource is a plan's file name and lines, to show where a failed
// assertion is written.
type planSource struct {
	file  string
	lines []string
}

// place writes where the plan writes a failed assertion, as Hurl does:
// file:line:column, the source line, and a caret under the column.
func (c console) place(w io.Writer, src *planSource, line, col int) {
	if src == nil || line < 1 || line > len(src.lines) {
		return
	}
	text := strings.TrimRight(src.lines[line-1], "\r")
	num := strconv.Itoa(line)
	gutter := strings.Repeat(" ", len(num))
	var caret strings.Builder
	i := 1
	for _, r := range text {
		if i >= col {
			break
		}
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
		i++
	}
	fmt.Fprintf(w, "        %s %s:%d:%d\n", c.paint(ansiDim, "-->"), src.file, line, col)
	fmt.Fprintf(w, "        %s %s\n", gutter, c.paint(ansiDim, "|"))
	fmt.Fprintf(w, "        %s %s %s\n", num, c.paint(ansiDim, "|"), printable(text))
	fmt.Fprintf(w, "        %s %s %s%s\n", gutter, c.paint(ansiDim, "|"), caret.String(), c.paint(ansiRed, "^"))
}
