package exec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/smokex/smokex/internal/eval"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// outgoing is a step's request, built once and sent on every attempt.
type outgoing struct {
	method string
	url    string
	// shown is url as results show it, without a password.
	shown   string
	header  http.Header
	body    []byte
	hasBody bool
}

// maxURLInMessage bounds the URL an invalid_url message quotes.
const maxURLInMessage = 200

// defaultUserAgent is sent when a step sets no User-Agent.
const defaultUserAgent = "smokex"

func (s *run) buildRequest(step *plan.Step) (*outgoing, *record.StepError) {
	out := &outgoing{method: step.Method}
	if step.URL == nil {
		return nil, &record.StepError{Kind: record.ErrInvalidURL, Message: "the step has no URL"}
	}
	raw, err := s.evalString(step.URL)
	if err != nil {
		return nil, s.interpolationError("url", err)
	}
	u, serr := s.parseURL(raw)
	if serr != nil {
		return nil, serr
	}
	if len(step.Query) > 0 {
		q, serr := s.encodeParams(u.RawQuery, step.Query, "query ")
		if serr != nil {
			return nil, serr
		}
		u.RawQuery = q
	}
	out.url = u.String()
	out.shown = u.Redacted()

	out.header = make(http.Header, len(step.Headers)+2)
	for _, p := range step.Headers {
		for _, t := range p.Values {
			v, err := s.evalString(t)
			if err != nil {
				return nil, s.interpolationError("header "+p.Name, err)
			}
			out.header.Add(p.Name, v)
		}
	}
	// Credentials in the URL are sent as basic auth, as http.Client does;
	// a step that does not follow redirects bypasses the client.
	if u.User != nil && out.header.Get("Authorization") == "" {
		pw, _ := u.User.Password()
		(&http.Request{Header: out.header}).SetBasicAuth(u.User.Username(), pw)
	}
	switch {
	case step.Body != nil:
		v, err := s.eval(step.Body)
		if err != nil {
			return nil, s.interpolationError("body", err)
		}
		switch b := v.(type) {
		case nil:
		case string:
			out.body, out.hasBody = []byte(b), true
			// Text sent without a type is taken for binary by echo services
			// and others; say what it is unless the plan does.
			if out.header.Get("Content-Type") == "" {
				out.header.Set("Content-Type", "text/plain; charset=utf-8")
			}
		case []byte:
			out.body, out.hasBody = b, true
		default:
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(b); err != nil {
				return nil, s.interpolationError("body", fmt.Errorf("cannot be sent as JSON: %v", err))
			}
			out.body, out.hasBody = bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
			if out.header.Get("Content-Type") == "" {
				out.header.Set("Content-Type", "application/json")
			}
		}
	case len(step.Form) > 0:
		f, serr := s.encodeParams("", step.Form, "form ")
		if serr != nil {
			return nil, serr
		}
		out.body, out.hasBody = []byte(f), true
		if out.header.Get("Content-Type") == "" {
			out.header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if _, ok := out.header["User-Agent"]; !ok {
		out.header["User-Agent"] = []string{defaultUserAgent}
	}
	return out, nil
}

// encodeParams appends params to the URL-encoded text base.
func (s *run) encodeParams(base string, params []plan.Param, what string) (string, *record.StepError) {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range params {
		for _, t := range p.Values {
			v, err := s.eval(t)
			if err != nil {
				return "", s.interpolationError(what+p.Name, err)
			}
			appendParam(&b, p.Name, v)
		}
	}
	return b.String(), nil
}

// appendParam appends name=value in URL encoding; a list value repeats the
// name for each element.
func appendParam(b *strings.Builder, name string, v any) {
	if list, ok := v.([]any); ok {
		for _, item := range list {
			appendParam(b, name, item)
		}
		return
	}
	if b.Len() > 0 {
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(name))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(eval.Format(v)))
}

func (s *run) parseURL(raw string) (*url.URL, *record.StepError) {
	badURL := func(shown, why string) *record.StepError {
		return &record.StepError{Kind: record.ErrInvalidURL, Message: s.red.String(strconv.Quote(s.red.Excerpt(shown, maxURLInMessage)) + " " + why)}
	}
	bad := func(why string) *record.StepError { return badURL(raw, why) }
	if strings.TrimSpace(raw) == "" {
		return nil, &record.StepError{Kind: record.ErrInvalidURL, Message: "the URL is empty"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		msg := err.Error()
		if errors.As(err, &ue) {
			msg = ue.Err.Error()
		}
		return nil, bad("is not a valid URL: " + msg)
	}
	switch u.Scheme {
	case "http", "https":
	case "":
		return nil, badURL(u.Redacted(), "has no scheme (write http:// or https://)")
	default:
		return nil, badURL(u.Redacted(), fmt.Sprintf("has scheme %q; only http and https are supported", u.Scheme))
	}
	if u.Host == "" {
		return nil, badURL(u.Redacted(), "has no host")
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	return u, nil
}

// escapeQuery percent-encodes the bytes a query string cannot hold as they
// are (spaces, quotes, controls, non-ASCII), which interpolated values
// often bring, and leaves the rest, escapes included, untouched.
func escapeQuery(q string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune("\"<>\\^`{|}", rune(c)) {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(q)+8), q[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return q
	}
	return string(b)
}

// withoutPassword returns raw, a URL as the plan writes it, with the
// password of its userinfo masked as url.URL.Redacted does, for results.
// Text that does not parse as a URL is returned as is.
func withoutPassword(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}
