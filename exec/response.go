package exec

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// The names that the response puts in scope of assert and capture
// expressions, as the executor sets them; plan.ResponseScope is their one
// list, with their types, and a test checks that the executor sets exactly
// those.
const (
	nameStatus   = "status"
	nameHeaders  = "headers"
	nameBody     = "body"
	nameJSON     = "json"
	nameDuration = "duration"
	// nameBodySize is the body's size in bytes; len(body) counts
	// characters.
	nameBodySize = "body_size"
	// nameCertificate is the server's leaf certificate, nil over plain
	// HTTP; nameTLS the connection's TLS version.
	nameCertificate = "certificate"
	nameTLS         = "tls"
)

// responseNames are the names of plan.ResponseScope.
var responseNames = plan.ResponseNames()

// shadowed is a variable a name of the response's scope hides.
type shadowed struct {
	v  any
	ok bool
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

	// saved holds the variables the response's names shadow, by the
	// index of the name in responseNames.
	saved []shadowed
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
	return c.s.excerpt(c.body, n)
}

// excerpt is the start of b, redacted, at most n bytes; it copies only
// what it needs of a long b.
func (s *run) excerpt(b []byte, n int) string {
	if w := s.red.Window(n) + 1; len(b) > w {
		b = b[:w]
	}
	return s.red.Excerpt(string(b), n)
}

func (c *checker) parseJSON() (any, error) {
	if !c.parsed {
		c.parsed = true
		if len(bytes.TrimSpace(c.body)) == 0 {
			c.jsonErr = fmt.Errorf("the body is empty")
		} else if err := jsonmatch.CheckDepth(c.body); err != nil {
			// Decoded, the value would crash what walks it next; the step
			// fails, whichever expectation or capture reads the JSON.
			c.jsonErr = fmt.Errorf("the body is not read as JSON: %v", err)
			c.stepError(&record.StepError{Kind: record.ErrTooLarge, Message: fmt.Sprintf("the response body is not read as JSON: %v, the most smokex reads", err)})
		} else if v, err := c.s.parser.Parse(c.body); err != nil {
			c.jsonErr = fmt.Errorf("the body is not JSON: %v", err)
		} else {
			c.json = v
		}
	}
	return c.json, c.jsonErr
}

// failAt records a failure at pos in the plan.
func (c *checker) failAt(pos plan.Pos, f record.Failure) { c.fail(at(f, pos)) }

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

// enterResponseScope puts the response in scope of expressions, saving the
// variables it shadows; leaveResponseScope restores them.
func (c *checker) enterResponseScope() {
	env := c.s.env
	if c.saved == nil {
		if c.s.shadowed == nil {
			c.s.shadowed = make([]shadowed, len(responseNames))
		}
		c.saved = c.s.shadowed
	}
	for i, n := range responseNames {
		c.saved[i].v, c.saved[i].ok = env[n]
	}
	env[nameStatus] = c.resp.StatusCode
	env[nameDuration] = c.res.Timings.Total.Milliseconds()
	env[nameBodySize] = len(c.body)
	env[nameCertificate] = certificateScope(c.res.TLS)
	env[nameTLS] = tlsScope(c.res.TLS)
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
