package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// MaxRetries is the most retries an option may ask for.
const MaxRetries = 100

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
// milliseconds or a Go duration ("2s", "500ms"). The executor uses it for
// a timeout given by a ${...} template.
func ParseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms > int64(time.Duration(1<<62)/time.Millisecond) || ms < 0 {
			return 0, strconv.ErrRange
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	return time.ParseDuration(s)
}

func (p *parser) retries(n *yaml.Node) Setting[int] {
	n = resolve(n)
	s := Setting[int]{Set: true, Pos: pos(n)}
	if t, ok := p.settingExpr(n, "retries"); ok {
		s.Expr = t
		return s
	}
	r, err := strconv.Atoi(strings.TrimSpace(n.Value))
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
