package exec

import (
	"net/http"

	"github.com/smokex/smokex/internal/redact"
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
