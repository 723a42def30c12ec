package exec

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// addSecret redacts v from now on: a value captured from a header that is
// always masked (a session cookie) must not show elsewhere either.
func (s *run) addSecret(v string) {
	if v == "" || s.red.String(v) != v {
		return
	}
	s.secrets = append(s.secrets, v)
	s.red = redact.New(s.secrets)
}

// addSecretValue makes a captured value a secret (redact: true): a
// string as it is, a number as it is written, and each such leaf of a
// list or an object. true, false and null are left: masking them would
// mask every boolean of every result.
func (s *run) addSecretValue(v any) {
	switch v := v.(type) {
	case string:
		s.addSecret(v)
	case float64, int64, int:
		s.addSecret(fmt.Sprint(v))
	case []any:
		for _, x := range v {
			s.addSecretValue(x)
		}
	case map[string]any:
		for _, x := range v {
			s.addSecretValue(x)
		}
	}
}

// redactResult masks the secrets in what res recorded of its response:
// a capture with redact: true makes a secret of a value the response's
// headers and the step's failures may already show.
func (s *run) redactResult(res *record.StepResult, h http.Header) {
	if res.Response != nil {
		res.Response.Headers = s.redactHeader(h)
	}
	for i := range res.Failures {
		f := &res.Failures[i]
		f.Name, f.Expected, f.Received = s.red.String(f.Name), s.red.String(f.Expected), s.red.String(f.Received)
	}
}

// warnShort logs, once per plan and secret, that a secret is too short to
// be masked inside text (redact.Short), and what is masked instead.
func (r *Runner) warnShort(p *plan.Plan, name, v string) {
	if !redact.Short(v) {
		return
	}
	if _, seen := r.warned.LoadOrStore(p.ID+"\x00"+name, struct{}{}); seen {
		return
	}
	r.logger.Warn("smokex: "+redact.ShortWarning(name, v), "plan", p.ID, "secret", name)
}

// addHeaderSecrets redacts the values of the sensitive headers a step
// sends (Authorization, Cookie, Proxy-Authorization) from then on, and the
// credentials after an Authorization scheme ("Basic dXNlcjpwYXNz"): the
// request shows them masked, and a target that echoes them back must not
// show them either.
func (s *run) addHeaderSecrets(h http.Header) {
	for k, vs := range h {
		if !isSensitive(k) {
			continue
		}
		for _, v := range vs {
			s.addSecret(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				s.addSecret(strings.TrimSpace(cred))
			}
		}
	}
}

// sensitiveHeaders are always redacted from results.
var sensitiveHeaders = [...]string{"Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// isSensitive reports whether the header name, in any case, is one of
// sensitiveHeaders: whether http.CanonicalHeaderKey(name) is one, without
// the canonical name's scan of every byte of every header of every step.
// Of equal lengths, a name folds to an ASCII name only byte for byte.
func isSensitive(name string) bool {
	for _, h := range sensitiveHeaders {
		if len(name) == len(h) && strings.EqualFold(name, h) {
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
		case isSensitive(k):
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
		if isSensitive(k) {
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
