package plan

import (
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/smokex/smokex/internal/planvalue"
)

// CertificateExpect asserts on the leaf certificate of an HTTPS step's
// server (expect certificate).
type CertificateExpect struct {
	// ExpiresIn are the tests of how long the certificate is still valid
	// when the step runs.
	ExpiresIn []DurationPredicate
	Pos       Pos
}

// DurationPredicate compares a duration with Value: greater_than,
// greater_or_equal, less_than or less_or_equal.
type DurationPredicate struct {
	Op    PredicateOp
	Value time.Duration
	Pos   Pos
}

// Holds reports whether d passes the predicate.
func (p DurationPredicate) Holds(d time.Duration) bool {
	switch p.Op {
	case OpGreaterThan:
		return d > p.Value
	case OpGreaterOrEqual:
		return d >= p.Value
	case OpLessThan:
		return d < p.Value
	case OpLessOrEqual:
		return d <= p.Value
	}
	return false
}

// certificateKeys are the keys of expect certificate.
const certificateKeys = "expires_in"

// predicatesDuration are the predicates of a duration.
const predicatesDuration = "greater_than greater_or_equal less_than less_or_equal"

// certificate reads expect certificate.
func (p *parser) certificate(key, n *yaml.Node) *CertificateExpect {
	n, ok := p.section(n, yaml.MappingNode, "expect certificate must be a mapping such as {expires_in: {greater_than: 14d}}")
	if !ok {
		return nil
	}
	c := &CertificateExpect{Pos: pos(key)}
	for _, kv := range p.pairs(n) {
		switch kv.key {
		case "expires_in":
			c.ExpiresIn = p.durationPredicates(kv.value, "certificate expires_in")
		default:
			p.unknownKey(kv, "expect certificate", certificateKeys)
		}
	}
	if len(c.ExpiresIn) == 0 {
		return nil
	}
	return c
}

// durationPredicates reads a duration (greater_than it) or a mapping of
// duration predicates.
func (p *parser) durationPredicates(n *yaml.Node, what string) []DurationPredicate {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		if d, ok := p.duration(n, what); ok {
			return []DurationPredicate{{Op: OpGreaterThan, Value: d, Pos: pos(n)}}
		}
		return nil
	}
	if len(n.Content) == 0 {
		p.errorAt(n, "%s needs at least one predicate: %s", what, quoteList(strings.Fields(predicatesDuration)))
		return nil
	}
	var out []DurationPredicate
	for _, kv := range p.pairs(n) {
		if !strings.Contains(" "+predicatesDuration+" ", " "+kv.key+" ") {
			p.unknownKey(kv, what, predicatesDuration)
			continue
		}
		if d, ok := p.duration(kv.value, what+" "+kv.key); ok {
			out = append(out, DurationPredicate{Op: PredicateOp(kv.key), Value: d, Pos: pos(kv.keyNode)})
		}
	}
	return out
}

// duration reads a duration in days, hours, minutes or seconds (14d, 36h,
// 30m, 800ms).
func (p *parser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		if d, err := planvalue.Duration(n.Value); err == nil {
			return d, true
		}
	}
	p.errorAt(n, "%s must be a duration like 14d, 36h, 30m or 800ms, got %s", what, describe(n))
	return 0, false
}

// checkCertificateURL reports expect certificate on a step whose URL is
// plain HTTP, which has no certificate.
func (p *parser) checkCertificateURL(st *Step) {
	if st.Expect.Certificate == nil || st.URL == nil {
		return
	}
	if s, ok := st.URL.Literal(); ok && len(s) >= 7 && strings.EqualFold(s[:7], "http://") {
		p.errorf(st.Expect.Certificate.Pos, "expect certificate needs an https URL; this step's %s is plain HTTP (%s), which has no certificate", st.urlKey, s)
	}
}
