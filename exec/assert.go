package exec

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"

	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/internal/planvalue"
	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

func (c *checker) check() {
	exp := &c.step.Expect
	c.checkStatus(exp.Status)
	for i := range exp.Headers {
		if exp.Headers[i].Predicates != nil {
			c.checkHeaderPredicates(&exp.Headers[i])
			continue
		}
		c.checkHeader(&exp.Headers[i])
	}
	if exp.JSON != nil {
		c.checkJSON(exp.JSON)
	}
	for i := range exp.JSONPath {
		c.checkPath(&exp.JSONPath[i])
	}
	if exp.JSONSchema != nil {
		c.checkSchema(exp.JSONSchema)
	}
	if exp.String != nil {
		c.checkString(exp.String)
	}
	if exp.Text != nil {
		c.checkPredicates(exp.Text, subject{v: c.bodyString(), present: true}, record.FailureString, "body")
	}
	if exp.BodySize != nil {
		c.checkPredicates(exp.BodySize, subject{v: int64(len(c.body)), present: true}, record.FailureBodySize, "body_size")
	}
	for i := range exp.HTML {
		c.checkHTML(&exp.HTML[i])
	}
	if exp.Certificate != nil {
		c.checkCertificate(exp.Certificate)
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
			var codes, classes []int
			codes, classes, err = planvalue.Status(v)
			exp = &plan.StatusExpect{Codes: codes, Classes: classes}
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
	pos := c.step.Pos
	if exp != nil && exp.Pos.Line > 0 {
		pos = exp.Pos
	}
	c.fail(at(record.Failure{Type: record.FailureStatusCode, Name: "status_code", Expected: want, Received: strconv.Itoa(code)}, pos))
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
	case isSensitive(h.Name):
		got = redact.Mask
	}
	c.fail(at(record.Failure{Type: record.FailureHeader, Name: h.Name, Expected: want, Received: got}, h.Pos))
}

func (c *checker) checkJSON(v *plan.Value) {
	want, err := c.s.eval(v)
	if err != nil {
		c.stepError(c.s.interpolationError("expect json", err))
		return
	}
	got, err := c.parseJSON()
	if err != nil {
		c.fail(at(record.Failure{Type: record.FailureJSON, Name: "$", Expected: jsonmatch.Describe(want), Received: err.Error()}, v.Pos))
		return
	}
	if m := jsonmatch.Match(want, got); m != nil {
		c.fail(at(record.Failure{Type: record.FailureJSON, Name: m.Path, Expected: m.Expected, Received: m.Received}, valuePos(v, m.Path)))
	}
}

// checkSchema checks the JSON body against a json_schema.
func (c *checker) checkSchema(s *plan.Schema) {
	want := "valid against the json_schema"
	if s.Ref != "" {
		want = "valid against " + s.Ref
	}
	got, err := c.parseJSON()
	if err != nil {
		c.failAt(s.Pos, record.Failure{Type: record.FailureJSONSchema, Name: "$", Expected: want, Received: err.Error()})
		return
	}
	var v *plan.SchemaViolation
	if err := s.Validate(got); errors.As(err, &v) {
		c.failAt(s.Pos, record.Failure{Type: record.FailureJSONSchema, Name: v.Path, Expected: want, Received: v.Message})
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
	c.fail(at(record.Failure{Type: record.FailureString, Name: "body", Expected: want, Received: c.bodyExcerpt(maxReceived)}, t.Pos))
}

func (c *checker) checkHTML(h *plan.HTMLExpect) {
	want, err := c.s.evalString(h.Equal)
	if err != nil {
		c.stepError(c.s.interpolationError("expect html "+h.Path, err))
		return
	}
	sel, err := c.s.r.selectors.get(h.Path)
	if err != nil {
		c.failAt(h.Pos, record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "invalid CSS selector: " + err.Error()})
		return
	}
	if c.doc == nil && c.docErr == nil {
		c.doc, c.docErr = goquery.NewDocumentFromReader(bytes.NewReader(c.body))
	}
	if c.docErr != nil {
		c.failAt(h.Pos, record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "the body is not HTML: " + c.docErr.Error()})
		return
	}
	found := c.doc.FindMatcher(sel)
	if found.Length() == 0 {
		c.failAt(h.Pos, record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: "no element matches"})
		return
	}
	// The first element in document order is compared, as goquery's Attr
	// and Val read the first element of a selection.
	got := strings.TrimSpace(found.First().Text())
	if got != want {
		received := got
		if n := found.Length(); n > 1 {
			received += fmt.Sprintf(" (%d elements matched; compared the first)", n)
		}
		c.failAt(h.Pos, record.Failure{Type: record.FailureHTML, Name: h.Path, Expected: want, Received: received})
	}
}

func (c *checker) checkAssert(a *plan.Expression) {
	v, err := c.s.eval(a)
	if err != nil {
		if isUndefined(err) {
			c.stepError(c.s.interpolationError("assert "+a.String(), err))
			return
		}
		c.failAt(a.Pos, record.Failure{Type: record.FailureAssert, Name: a.String(), Expected: "true", Received: "error: " + err.Error() + c.operands(a.Names(), "; ")})
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
	c.failAt(a.Pos, record.Failure{Type: record.FailureAssert, Name: a.String(), Expected: "true", Received: got})
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
			b.WriteString(red.Excerpt(describeOperand(v), maxOperand))
		}
	}
	return b.String()
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
