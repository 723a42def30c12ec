package plan

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// MaxRetries is the most retries an option may ask for.
const MaxRetries = 100

// MaxTimeout is the longest timeout an option may ask for, about 146
// years: far beyond any use, and short enough that a deadline computed from
// it cannot overflow.
const MaxTimeout = time.Duration(1 << 62)

// ErrTimeoutTooLarge is the error of ParseTimeout for a timeout longer than
// MaxTimeout.
var ErrTimeoutTooLarge = errors.New("timeout is too large: the most is " + maxTimeoutText)

// maxTimeoutText is MaxTimeout as messages give it.
var maxTimeoutText = fmt.Sprintf("%d milliseconds (about 146 years)", MaxTimeout/time.Millisecond)

// durationSyntax matches what time.ParseDuration reads, so that a duration
// it refuses as too large is told apart from one that is malformed.
var durationSyntax = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

const optionKeys = "timeout retries follow_redirects insecure debug halt_on_error"

func (p *parser) options(n *yaml.Node) Options {
	var o Options
	n, ok := p.section(n, yaml.MappingNode, "options must be a mapping")
	if !ok {
		return o
	}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "timeout":
			o.Timeout = p.timeout(kv.value)
		case "retries":
			o.Retries = p.retries(kv.value)
		case "follow_redirects":
			o.FollowRedirects = p.boolean(kv.value, kv.key)
		case "insecure":
			o.Insecure = p.boolean(kv.value, kv.key)
		case "debug":
			o.Debug = p.boolean(kv.value, kv.key)
		case "halt_on_error":
			o.HaltOnError = p.boolean(kv.value, kv.key)
		default:
			p.unknownKey(kv, "options", optionKeys)
		}
	}
	return o
}

// settingExpr returns the template of a scalar holding ${...}, or nil.
func (p *parser) settingExpr(n *yaml.Node, what string) (*Template, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || !strings.Contains(n.Value, "${") {
		return nil, false
	}
	return p.template(n, what), true
}

func (p *parser) timeout(n *yaml.Node) Setting[time.Duration] {
	n = resolve(n)
	s := Setting[time.Duration]{Set: true, Pos: pos(n)}
	if t, ok := p.settingExpr(n, "timeout"); ok {
		s.Expr = t
		return s
	}
	d, err := ParseTimeout(n.Value)
	if n.Kind == yaml.ScalarNode && errors.Is(err, ErrTimeoutTooLarge) {
		p.errorAt(n, "timeout must be at most %s, got %s", maxTimeoutText, describe(n))
		return s
	}
	if n.Kind != yaml.ScalarNode || isNull(n) || err != nil {
		p.errorAt(n, "timeout must be an integer of milliseconds or a duration like 2s or 500ms, got %s", describe(n))
		return s
	}
	if d <= 0 {
		p.errorAt(n, "timeout must be more than zero, got %s", describe(n))
	}
	s.Value = d
	return s
}

// ParseTimeout reads a timeout as the format writes it: an integer of
// milliseconds or a Go duration ("2s", "500ms"). A timeout longer than
// MaxTimeout is ErrTimeoutTooLarge. A timeout of zero or less is returned
// without an error, at least -MaxTimeout, for the caller to refuse as not
// positive. The executor uses it for a timeout given by a ${...} template.
func ParseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	negative := strings.HasPrefix(s, "-")
	ms, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err == nil && ms > int64(MaxTimeout/time.Millisecond),
		errors.Is(err, strconv.ErrRange) && !negative:
		return 0, ErrTimeoutTooLarge
	case err == nil:
		return max(time.Duration(ms)*time.Millisecond, -MaxTimeout), nil
	case errors.Is(err, strconv.ErrRange):
		return -MaxTimeout, nil
	}
	d, err := time.ParseDuration(s)
	switch {
	case err == nil && d > MaxTimeout,
		err != nil && !negative && durationSyntax.MatchString(s):
		return 0, ErrTimeoutTooLarge
	case err != nil && negative && durationSyntax.MatchString(s):
		return -MaxTimeout, nil
	}
	return max(d, -MaxTimeout), err
}

func (p *parser) retries(n *yaml.Node) Setting[int] {
	n = resolve(n)
	s := Setting[int]{Set: true, Pos: pos(n)}
	if t, ok := p.settingExpr(n, "retries"); ok {
		s.Expr = t
		return s
	}
	r, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if n.Kind == yaml.ScalarNode && errors.Is(err, strconv.ErrRange) {
		p.errorAt(n, "retries must be from 0 to %d, got %s", MaxRetries, describe(n))
		return s
	}
	if n.Kind != yaml.ScalarNode || isNull(n) || err != nil {
		p.errorAt(n, "retries must be an integer, got %s", describe(n))
		return s
	}
	if r < 0 || r > MaxRetries {
		p.errorAt(n, "retries must be from 0 to %d, got %d", MaxRetries, r)
	}
	s.Value = r
	return s
}

func (p *parser) boolean(n *yaml.Node, what string) Setting[bool] {
	n = resolve(n)
	s := Setting[bool]{Set: true, Pos: pos(n)}
	if t, ok := p.settingExpr(n, what); ok {
		s.Expr = t
		return s
	}
	b, err := ParseBool(n.Value)
	if n.Kind != yaml.ScalarNode || isNull(n) || err != nil {
		p.errorAt(n, "%s must be true or false, got %s", what, describe(n))
		return s
	}
	s.Value = b
	return s
}

// ParseBool reads a boolean option as the format writes it: true or false,
// and YAML 1.1's yes, no, on and off, in any case. The executor uses it
// for a boolean given by a ${...} template.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}
