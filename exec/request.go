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
	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// outgoing is a step's request, built once and sent on every attempt.
type outgoing struct {
	method string
	url    string
	// shown is the URL as the plan gave it, credentials included, for
	// results to show redacted (run.red.URL).
	shown   *url.URL
	header  http.Header
	body    []byte
	hasBody bool
	// defaultAgent is set when the step sets no User-Agent: the header
	// gets defaultUserAgent when the step's result is made (recordRequest).
	defaultAgent bool
}

// stepRequest is a step's recorded request with the space of the default
// User-Agent's value, one allocation: the result of a request that is
// never written keeps the header it was given, and the result is the
// host's to change, so that value may not be shared with other steps.
type stepRequest struct {
	record.Request
	agent [1]string
}

// recordRequest gives out its default User-Agent, when it has none, and
// returns the request a step's result records of it.
func (s *run) recordRequest(out *outgoing, url string) *record.Request {
	r := &stepRequest{Request: record.Request{Method: out.method, URL: url}}
	if out.defaultAgent {
		r.agent[0] = defaultUserAgent
		out.header["User-Agent"] = r.agent[:]
	}
	r.Headers = s.redactHeader(out.header)
	return &r.Request
}

// maxURLInMessage bounds the URL an invalid_url message quotes.
const maxURLInMessage = 200

// defaultUserAgent is sent when a step sets no User-Agent.
const defaultUserAgent = "smokex"

func (s *run) buildRequest(step *plan.Step) (*outgoing, *record.StepError) {
	out := &s.out
	*out = outgoing{method: step.Method}
	if step.URL == nil {
		return nil, &record.StepError{Kind: record.ErrInvalidURL, Message: "the step has no URL"}
	}
	raw, err := s.evalString(step.URL)
	if err != nil {
		return nil, s.interpolationError("url", err)
	}
	u, serr := s.parseURL(s.escapeSecretUserinfo(raw))
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
	// The credentials travel in the Authorization header, never in the
	// URL the transport sees (and may quote in an error).
	bare := *u
	bare.User = nil
	out.url = bare.String()
	out.shown = u

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
	if u.User != nil {
		// A password in a URL is a secret, declared or not.
		pw, _ := u.User.Password()
		s.addSecret(pw)
		if out.header.Get("Authorization") == "" {
			(&http.Request{Header: out.header}).SetBasicAuth(u.User.Username(), pw)
		}
	}
	s.addHeaderSecrets(out.header)
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
	_, hasAgent := out.header["User-Agent"]
	out.defaultAgent = !hasAgent
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
		if hasUserinfo(raw) {
			// The parser quotes the part it choked on, which, in a URL
			// with user info, may be a piece of the password that no
			// redaction recognises: say what, not the text.
			return nil, badURL(maskUserinfo(raw), "is not a valid URL: "+withoutQuoted(msg)+
				" (a user name or password holding / ? # @ or spaces must be percent-encoded)")
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
	u.RawQuery = redact.EscapeRaw(u.RawQuery)
	return u, nil
}

// escapeSecretUserinfo percent-encodes each secret that stands in the user
// info of raw: between "://" and the "@" ending the authority, with no
// "/", "?" or "#" before it. A password such as "p@ss/w#rd" interpolated
// into http://user:${PASS}@host/ would otherwise cut the URL inside the
// secret: the parser would take a piece of it for the host, send that to
// DNS and quote pieces of it in errors, none of which redaction knows.
func (s *run) escapeSecretUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 || len(s.secrets) == 0 || !strings.Contains(raw[i:], "@") {
		return raw
	}
	start := i + 3
	for _, v := range s.secrets {
		if v == "" || url.User(v).String() == v {
			continue // nothing to escape
		}
		auth := raw[start:]
		pos := strings.Index(auth, v)
		if pos < 0 || strings.ContainsAny(auth[:pos], "/?#") || !strings.Contains(auth[pos+len(v):], "@") {
			continue
		}
		raw = raw[:start+pos] + url.User(v).String() + raw[start+pos+len(v):]
	}
	return raw
}

// hasUserinfo reports whether raw looks like a URL with user info: an "@"
// after its "://".
func hasUserinfo(raw string) bool {
	i := strings.Index(raw, "://")
	return i >= 0 && strings.Contains(raw[i+3:], "@")
}

// maskUserinfo replaces everything between "://" and the last "@" of raw,
// where a URL that does not parse may hold its credentials.
func maskUserinfo(raw string) string {
	i, j := strings.Index(raw, "://"), strings.LastIndex(raw, "@")
	if i < 0 || j < i+3 {
		return raw
	}
	return raw[:i+3] + "xxxxx" + raw[j:]
}

// withoutQuoted removes the quoted parts of a parser's message: `invalid
// port ":my secret" after host` becomes `invalid port after host`.
func withoutQuoted(msg string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			b.WriteString(msg)
			break
		}
		j := strings.IndexByte(msg[i+1:], '"')
		if j < 0 {
			b.WriteString(msg[:i])
			break
		}
		b.WriteString(strings.TrimRight(msg[:i], " "))
		msg = msg[i+1+j+1:]
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// shownURL is raw, a URL as the plan writes it or as its template gives
// it, as results show it: parsed as a step's URL is, its password masked
// and secrets redacted component by component; text that does not parse is
// shown redacted, without its user info.
func (s *run) shownURL(raw string) string {
	esc := s.escapeSecretUserinfo(raw)
	u, err := url.Parse(esc)
	if err != nil {
		if hasUserinfo(raw) {
			raw = maskUserinfo(raw)
		}
		return s.red.String(raw)
	}
	return s.red.URL(u)
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
