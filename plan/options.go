package plan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/internal/planvalue"
)

// MaxRetries is the most retries an option may ask for.
const MaxRetries = 100

// MaxTimeout is the longest timeout an option may ask for, about 146
// years: far beyond any use, and short enough that a deadline computed from
// it cannot overflow.
const MaxTimeout = planvalue.MaxTimeout

const optionKeys = "timeout retries follow_redirects insecure debug halt_on_error poll degraded_after max_duration"

func (p *parser) options(n *yaml.Node) Options {
	var o Options
	n, ok := p.section(n, yaml.MappingNode, "options must be a mapping")
	if !ok {
		return o
	}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "timeout":
			o.Timeout = p.timeout(kv.value, kv.key)
		case "degraded_after":
			o.DegradedAfter = p.timeout(kv.value, kv.key)
		case "max_duration":
			o.MaxDuration = p.timeout(kv.value, kv.key)
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
		case "poll":
			o.Poll = p.poll(kv.value)
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

// timeout reads a duration option, named name: timeout, degraded_after,
// max_duration.
func (p *parser) timeout(n *yaml.Node, name string) Setting[time.Duration] {
	n = resolve(n)
	s := Setting[time.Duration]{Set: true, Pos: pos(n)}
	if t, ok := p.settingExpr(n, name); ok {
		s.Expr = t
		return s
	}
	d, err := planvalue.Timeout(n.Value)
	if n.Kind == yaml.ScalarNode && errors.Is(err, planvalue.ErrTimeoutTooLarge) {
		p.errorAt(n, "%s must be at most %s, got %s", name, planvalue.MaxTimeoutText, describe(n))
		return s
	}
	if n.Kind != yaml.ScalarNode || isNull(n) || err != nil {
		p.errorAt(n, "%s must be an integer of milliseconds or a duration like 2s or 500ms, got %s", name, describe(n))
		return s
	}
	if d <= 0 {
		p.errorAt(n, "%s must be more than zero, got %s", name, describe(n))
	}
	s.Value = d
	return s
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
	b, err := planvalue.Bool(n.Value)
	if n.Kind != yaml.ScalarNode || isNull(n) || err != nil {
		p.errorAt(n, "%s must be true or false, got %s", what, describe(n))
		return s
	}
	s.Value = b
	return s
}

const pollKeys = "every for"

// poll reads the poll option: {every, for} with durations, or false (off).
func (p *parser) poll(n *yaml.Node) Setting[Poll] {
	n = resolve(n)
	s := Setting[Poll]{Set: true, Pos: pos(n)}
	if n.Kind == yaml.ScalarNode {
		if b, err := planvalue.Bool(n.Value); err == nil && !b {
			return s
		}
	}
	if n.Kind != yaml.MappingNode {
		p.errorAt(n, "poll must be a mapping {every: 2s, for: 2m} or false, got %s", describe(n))
		return s
	}
	hasFor := false
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "every", "for":
			hasFor = hasFor || kv.key == "for"
			v := resolve(kv.value)
			d, err := planvalue.Timeout(v.Value)
			if v.Kind != yaml.ScalarNode || isNull(v) || err != nil || d <= 0 {
				p.errorAt(v, "poll %s must be a duration like 2s or 2m, or an integer of milliseconds, more than zero, got %s", kv.key, describe(v))
				continue
			}
			if kv.key == "every" {
				if d < MinPollEvery {
					p.errorAt(v, "poll every must be at least %s, got %s: a poll that sends as fast as it can is a load test", MinPollEvery, d)
					continue
				}
				s.Value.Every = d
			} else {
				s.Value.For = d
			}
		default:
			p.unknownKey(kv, "poll", pollKeys)
		}
	}
	if !hasFor && !p.stopped {
		p.errorAt(n, "poll needs for: how long to keep trying (for: 2m)")
	}
	if s.Value.Every == 0 {
		s.Value.Every = DefaultPollEvery
	}
	return s
}

// ParsePoll reads the poll option as the CLI flag writes it:
// "every=2s,for=2m", or "for=2m" (every defaults to DefaultPollEvery).
func ParsePoll(s string) (Poll, error) {
	var out Poll
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return out, fmt.Errorf("poll %q: want every=DURATION,for=DURATION", s)
		}
		d, err := planvalue.Timeout(v)
		if err != nil || d <= 0 {
			return out, fmt.Errorf("poll %s=%q: want a duration like 2s, more than zero", k, v)
		}
		switch strings.TrimSpace(k) {
		case "every":
			if d < MinPollEvery {
				return out, fmt.Errorf("poll every=%s: want at least %s", v, MinPollEvery)
			}
			out.Every = d
		case "for":
			out.For = d
		default:
			return out, fmt.Errorf("poll %q: unknown key %q; it takes every and for", s, k)
		}
	}
	if out.For == 0 {
		return out, fmt.Errorf("poll %q needs for=DURATION: how long to keep trying", s)
	}
	if out.Every == 0 {
		out.Every = DefaultPollEvery
	}
	return out, nil
}
