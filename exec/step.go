package exec

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// Sizes of what a result keeps of a body.
const (
	// ExcerptSize is how much of a response body a failed step keeps when
	// it does not run with debug.
	ExcerptSize = 2 << 10
	// maxReceived bounds each text of a failure.
	maxReceived = 1000
	// maxOperand bounds one operand's value in an assert failure.
	maxOperand = 200
	// maxMessage bounds a step error's message.
	maxMessage = 1000
)

func (s *run) runStep(ctx context.Context, i int, step *plan.Step, res *record.StepResult) {
	*res = record.StepResult{Index: i, Name: s.stepName(step), Method: step.Method, StartedAt: time.Now()}
	if step.URL != nil {
		res.URL = s.red.String(withoutPassword(step.URL.Raw()))
	}
	o, serr := s.options(step)
	if serr != nil {
		res.Error = serr
		return
	}
	out, serr := s.buildRequest(step)
	if serr != nil {
		res.Error = serr
		return
	}
	res.URL = s.red.String(out.shown)
	res.Request = &record.Request{Method: out.method, URL: res.URL, Headers: s.redactHeader(out.header)}
	if o.debug && out.hasBody {
		res.Request.Body = s.red.String(string(out.body))
	}
	rc, serr := s.send(ctx, out, o, res)
	if rc != nil {
		resp := rc.resp
		res.Response = &record.Response{StatusCode: resp.StatusCode, Proto: resp.Proto, Headers: s.redactHeader(resp.Header), Size: rc.size}
	}
	if serr != nil {
		res.Error = serr
		return
	}
	resp := rc.resp

	c := checker{s: s, step: step, resp: resp, body: s.buf.Bytes(), res: res}
	c.check()
	c.capture()
	res.OK = len(res.Failures) == 0 && res.Error == nil
	switch {
	case o.debug:
		res.Response.Body = s.red.String(c.bodyString())
	case !res.OK:
		res.Response.Body = c.bodyExcerpt(ExcerptSize)
	}
}

// sensitiveHeaders are always redacted from results.
var sensitiveHeaders = [...]string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"}

func isSensitive(canonical string) bool {
	for _, h := range sensitiveHeaders {
		if canonical == h {
			return true
		}
	}
	return false
}

// redactHeader returns h for a result, with sensitive headers masked and
// secrets redacted: h itself when that changes nothing, a copy otherwise.
// h must not change afterwards.
func (s *run) redactHeader(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	if !s.needsRedaction(h) {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		switch {
		case isSensitive(http.CanonicalHeaderKey(k)):
			masked := make([]string, len(vs))
			for i := range masked {
				masked[i] = redact.Mask
			}
			out[k] = masked
		case s.red == nil:
			out[k] = vs
		default:
			out[k] = s.red.Value(vs).([]string)
		}
	}
	return out
}

func (s *run) needsRedaction(h http.Header) bool {
	for k, vs := range h {
		if isSensitive(http.CanonicalHeaderKey(k)) {
			return true
		}
		for _, v := range vs {
			if s.red.String(v) != v {
				return true
			}
		}
	}
	return false
}

// checker evaluates a step's assertions and captures on its response,
// computing what they need (the body as text, the parsed JSON, the HTML
// document) at most once.
type checker struct {
	s    *run
	step *plan.Step
	resp *http.Response
	body []byte
	res  *record.StepResult

	text    string
	hasText bool

	json    any
	jsonErr error
	parsed  bool

	doc    *goquery.Document
	docErr error

	saved [len(responseNames)]struct {
		v  any
		ok bool
	}
}

func (c *checker) bodyString() string {
	if !c.hasText {
		c.text, c.hasText = string(c.body), true
	}
	return c.text
}

// bodyExcerpt is the start of the body, redacted, at most n bytes; it
// reads only what it needs of a long body.
func (c *checker) bodyExcerpt(n int) string {
	if c.hasText {
		return c.s.red.Excerpt(c.text, n)
	}
	b := c.body
	if w := c.s.red.Window(n) + 1; len(b) > w {
		b = b[:w]
	}
	return c.s.red.Excerpt(string(b), n)
}

func (c *checker) parseJSON() (any, error) {
	if !c.parsed {
		c.parsed = true
		if len(bytes.TrimSpace(c.body)) == 0 {
			c.jsonErr = fmt.Errorf("the body is empty")
		} else if v, err := c.s.parser.Parse(c.body); err != nil {
			c.jsonErr = fmt.Errorf("the body is not JSON: %v", err)
		} else {
			c.json = v
		}
	}
	return c.json, c.jsonErr
}

// fail records a failure, each text redacted and then cut short.
func (c *checker) fail(f record.Failure) {
	red := c.s.red
	f.Name, f.Expected, f.Received = red.Excerpt(f.Name, maxReceived), red.Excerpt(f.Expected, maxReceived), red.Excerpt(f.Received, maxReceived)
	c.res.Failures = append(c.res.Failures, f)
}

func (c *checker) stepError(serr *record.StepError) {
	if c.res.Error == nil {
		c.res.Error = serr
	}
}

func (c *checker) check() {
	exp := &c.step.Expect
	c.checkStatus(exp.Status)
	for i := range exp.Headers {
		c.checkHeader(&exp.Headers[i])
	}
	if exp.JSON != nil {
		c.checkJSON(exp.JSON)
	}
	if exp.String != nil {
		c.checkString(exp.String)
	}
	for i := range exp.HTML {
		c.checkHTML(&exp.HTML[i])
	}
	if len(exp.Assert) > 0 {
		c.enterResponseScope()
		for _, a := range exp.Assert {
			c.checkAssert(a)
		}
		c.leaveResponseScope()
	}
}

func (c *checker) checkStatus(exp *plan.StatusExpect) {
	if exp != nil && exp.Expr != nil {
		v, err := c.s.eval(exp.Expr)
		if err == nil {
			exp, err = plan.ParseStatus(v)
		}
		if err != nil {
			c.stepError(c.s.interpolationError("expect status_code", err))
			return
		}
	}
	code := c.resp.StatusCode
	if exp.Match(code) {
		return
	}
	want := "2xx"
	if exp != nil {
		parts := make([]string, 0, len(exp.Codes)+len(exp.Classes))
		for _, n := range exp.Codes {
			parts = append(parts, strconv.Itoa(n))
		}
		for _, n := range exp.Classes {
			parts = append(parts, strconv.Itoa(n)+"xx")
		}
		want = strings.Join(parts, ", ")
	}
	c.fail(record.Failure{Type: record.FailureStatusCode, Name: "status_code", Expected: want, Received: strconv.Itoa(code)})
}

func (c *checker) checkHeader(h *plan.HeaderExpect) {
	want, err := c.s.evalString(h.Value)
	if err != nil {
		c.stepError(c.s.interpolationError("expect header "+h.Name, err))
		return
	}
	vals := c.resp.Header.Values(h.Name)
	if slices.Contains(vals, want) {
		return
	}
	joined := strings.Join(vals, ", ")
	if len(vals) > 0 && joined == want {
		return
	}
	got := joined
	switch {
	case len(vals) == 0:
		got = "(no such header)"
	case isSensitive(http.CanonicalHeaderKey(h.Name)):
		got = redact.Mask
	}
	c.fail(record.Failure{Type: record.FailureHeader, Name: h.Name, Expected: want, Received: got})
}

func (c *checker) checkJSON(v *plan.Value) {
	want, err := c.s.eval(v)
	if err != nil {
		c.stepError(c.s.interpolationError("expect json", err))
		return
	}
	got, err := c.parseJSON()
	if err != nil {
		c.fail(record.Failure{Type: record.FailureJSON, Name: "$", Expected: jsonmatch.Describe(want), Received: err.Error()})
		return
	}
	if m := jsonmatch.Match(want, got); m != nil {
		c.fail(record.Failure{Type: record.FailureJSON, Name: m.Path, Expected: m.Expected, Received: m.Received})
	}
}

func (c *checker) checkString(t *plan.Template) {
	want, err := c.s.evalString(t)
	if err != nil {
		c.stepError(c.s.interpolationError("expect string", err))
		return
	}
	if bytes.Contains(c.body, []byte(want)) {
		return
	}
	c.fail(record.Failure{Type: record.FailureString, Name: "body", Expected: want, Received: c.bodyExcerpt(maxReceived)})
}

func (c *checker) checkHTML(h *plan.HTMLExpect) {
	want, err := c.s.evalString(h.Equal)
	if err != nil {
		c.stepError(c.s.interpolationError("expect html "+h.Path, err))
		return
	}
	sel, err := c.s.r.selectors.get(h.Path)
	if err != nil {
		c.fail(record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "invalid CSS selector: " + err.Error()})
		return
	}
	if c.doc == nil && c.docErr == nil {
		c.doc, c.docErr = goquery.NewDocumentFromReader(bytes.NewReader(c.body))
	}
	if c.docErr != nil {
		c.fail(record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "the body is not HTML: " + c.docErr.Error()})
		return
	}
	found := c.doc.FindMatcher(sel)
	if found.Length() == 0 {
		c.fail(record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "no element matches"})
		return
	}
	got := strings.TrimSpace(found.Text())
	if got != want {
		c.fail(record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: got})
	}
}

func (c *checker) checkAssert(a *plan.Expression) {
	v, err := c.s.eval(a)
	if err != nil {
		if isUndefined(err) {
			c.stepError(c.s.interpolationError("assert "+a.String(), err))
			return
		}
		c.fail(record.Failure{Type: record.FailureAssert, Name: a.String(), Expected: "true", Received: "error: " + err.Error() + c.operands(a.Names(), "; ")})
		return
	}
	if b, ok := v.(bool); ok && b {
		return
	}
	got := c.operands(a.Names(), "")
	if got == "" {
		// An expression that reads no variable has nothing else to show.
		got = "false"
	}
	if _, ok := v.(bool); !ok {
		got = "result " + c.s.red.Excerpt(describe(v), maxOperand) + c.operands(a.Names(), "; ")
	}
	c.fail(record.Failure{Type: record.FailureAssert, Name: a.String(), Expected: "true", Received: got})
}

// operands renders "name=value, ..." for the names an expression reads,
// each value redacted and cut short, after prefix when there are any.
func (c *checker) operands(names []string, prefix string) string {
	env, red := c.s.env, c.s.red
	var b strings.Builder
	for _, n := range names {
		v, ok := env[n]
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(", ")
		}
		b.WriteString(n)
		b.WriteByte('=')
		if s, ok := v.(string); ok {
			b.WriteString(strconv.Quote(red.Excerpt(s, maxOperand)))
		} else {
			b.WriteString(red.Excerpt(plan.Format(v), maxOperand))
		}
	}
	return b.String()
}

// enterResponseScope puts the response in scope of expressions, saving the
// variables it shadows; leaveResponseScope restores them.
func (c *checker) enterResponseScope() {
	env := c.s.env
	for i, n := range responseNames {
		c.saved[i].v, c.saved[i].ok = env[n]
	}
	env[nameStatus] = c.resp.StatusCode
	env[nameDuration] = c.res.Timings.Total.Milliseconds()
	var headers map[string]any
	if c.reads(nameHeaders) {
		headers = expressionHeaders(c.resp.Header)
	}
	env[nameHeaders] = headers
	body, json := "", any(nil)
	if c.reads(nameBody) {
		body = c.bodyString()
	}
	if c.reads(nameJSON) {
		json, _ = c.parseJSON()
	}
	env[nameBody] = body
	env[nameJSON] = json
}

func (c *checker) leaveResponseScope() {
	env := c.s.env
	for i, n := range responseNames {
		if c.saved[i].ok {
			env[n] = c.saved[i].v
		} else {
			delete(env, n)
		}
	}
}

// reads tells whether an assert or capture expression of the step reads
// name, so that the body is turned into text or parsed only when needed.
func (c *checker) reads(name string) bool {
	for _, a := range c.step.Expect.Assert {
		if slices.Contains(a.Names(), name) {
			return true
		}
	}
	for i := range c.step.Captures {
		if e := c.step.Captures[i].Expression; e != nil && slices.Contains(e.Names(), name) {
			return true
		}
	}
	return false
}

// expressionHeaders is the headers map of expressions: each header under
// its lower-case and its canonical name, values joined by ", ".
func expressionHeaders(h http.Header) map[string]any {
	m := make(map[string]any, 2*len(h))
	for k, vs := range h {
		v := vs[0]
		if len(vs) > 1 {
			v = strings.Join(vs, ", ")
		}
		m[k] = v
		if lower := strings.ToLower(k); lower != k {
			m[lower] = v
		}
	}
	return m
}

func (c *checker) capture() {
	caps := c.step.Captures
	if len(caps) == 0 {
		return
	}
	type saved struct {
		name string
		v    any
	}
	var got []saved
	scoped := false
	for i := range caps {
		cp := &caps[i]
		var v any
		var serr *record.StepError
		switch {
		case cp.Expression != nil:
			if !scoped {
				c.enterResponseScope()
				scoped = true
			}
			v, serr = c.captureExpression(cp)
		case cp.Header != "":
			v, serr = c.captureHeader(cp)
		default:
			v, serr = c.captureJSON(cp)
		}
		if serr != nil {
			c.stepError(serr)
			continue
		}
		got = append(got, saved{cp.Variable, v})
	}
	if scoped {
		c.leaveResponseScope()
	}
	if len(got) == 0 {
		return
	}
	c.res.Captures = make(map[string]any, len(got))
	for _, g := range got {
		c.s.env[g.name] = g.v
		c.res.Captures[g.name] = c.s.red.Value(g.v)
	}
}

func (c *checker) captureError(cp *plan.Capture, format string, args ...any) *record.StepError {
	msg := fmt.Sprintf("%s: ", cp.Variable) + fmt.Sprintf(format, args...)
	return &record.StepError{Kind: record.ErrCapture, Message: c.s.red.Excerpt(msg, maxMessage)}
}

func (c *checker) captureJSON(cp *plan.Capture) (any, *record.StepError) {
	data, err := c.parseJSON()
	if err != nil {
		return nil, c.captureError(cp, "json_path %s: %v", cp.JSONPath, err)
	}
	if cp.Path == nil {
		return nil, c.captureError(cp, "json_path %q is not compiled", cp.JSONPath)
	}
	found := cp.Path.Get(data)
	switch len(found) {
	case 0:
		return nil, c.captureError(cp, "json_path %s matched nothing", cp.JSONPath)
	case 1:
		return found[0], nil
	}
	return found, nil
}

func (c *checker) captureHeader(cp *plan.Capture) (any, *record.StepError) {
	vals := c.resp.Header.Values(cp.Header)
	if len(vals) == 0 {
		return nil, c.captureError(cp, "the response has no header %s", cp.Header)
	}
	v := strings.Join(vals, ", ")
	if isSensitive(http.CanonicalHeaderKey(cp.Header)) {
		c.s.addSecret(v)
	}
	return v, nil
}

func (c *checker) captureExpression(cp *plan.Capture) (any, *record.StepError) {
	v, err := c.s.eval(cp.Expression)
	if err != nil {
		if isUndefined(err) {
			return nil, c.s.interpolationError("capture "+cp.Variable, err)
		}
		return nil, c.captureError(cp, "expression %s failed: %v", cp.Expression, err)
	}
	if v == nil {
		return nil, c.captureError(cp, "expression %s gave nothing%s", cp.Expression, c.operands(cp.Expression.Names(), ": "))
	}
	return v, nil
}

// selectorCache keeps compiled CSS selectors, so that a selector is
// compiled once per Runner rather than on every run.
type selectorCache struct {
	mu sync.Mutex
	m  map[string]selectorEntry
}

type selectorEntry struct {
	sel cascadia.Selector
	err error
}

// maxCachedSelectors bounds the cache; past it selectors are compiled each
// time.
const maxCachedSelectors = 4096

func (sc *selectorCache) get(path string) (cascadia.Selector, error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if e, ok := sc.m[path]; ok {
		return e.sel, e.err
	}
	sel, err := cascadia.Compile(path)
	if sc.m == nil {
		sc.m = map[string]selectorEntry{}
	}
	if len(sc.m) < maxCachedSelectors {
		sc.m[path] = selectorEntry{sel, err}
	}
	return sel, err
}
