package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ohler55/ojg/jp"
	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"
)

func validHeaderName(s string) bool { return httpguts.ValidHeaderFieldName(s) }

// PredicateOp names a test of a value, as the plan writes it.
type PredicateOp string

// The predicates of expect jsonpath, expect headers, expect string and
// expect body_size.
const (
	OpEqual          PredicateOp = "equal"
	OpNotEqual       PredicateOp = "not_equal"
	OpContains       PredicateOp = "contains"
	OpNotContains    PredicateOp = "not_contains"
	OpMatches        PredicateOp = "matches"
	OpNotMatches     PredicateOp = "not_matches"
	OpExists         PredicateOp = "exists"
	OpAbsent         PredicateOp = "absent"
	OpGreaterThan    PredicateOp = "greater_than"
	OpGreaterOrEqual PredicateOp = "greater_or_equal"
	OpLessThan       PredicateOp = "less_than"
	OpLessOrEqual    PredicateOp = "less_or_equal"
	// OpLength tests the length of a string (in characters), a list (its
	// items) or a mapping (its keys) with nested predicates.
	OpLength PredicateOp = "length"
	// OpCount tests how many values a JSON path matched ($..id, $.items[*]).
	OpCount PredicateOp = "count"
	// OpType tests the JSON type: string number integer boolean array
	// object null.
	OpType PredicateOp = "type"
)

// Predicate is one test of a value: the value equals, contains, matches,
// exists, is greater than... Value is the operand (nil for exists and
// absent); Inner holds the tests of a length or count.
type Predicate struct {
	Op    PredicateOp
	Value *Value
	// Regexp is the compiled pattern of matches and not_matches when it
	// holds no ${...}; otherwise it is compiled when the step runs.
	Regexp *regexp.Regexp
	// Exists is the operand of exists (absent is exists false).
	Exists bool
	// Inner are the tests of length and count.
	Inner []Predicate
	Pos   Pos
}

// PathExpect tests the value at a JSON path of the body.
type PathExpect struct {
	// Path is as written; Compiled is its compiled form.
	Path       string
	Compiled   jp.Expr
	Predicates []Predicate
	Pos        Pos
}

// jsonTypes are the names the type predicate takes.
var jsonTypes = [...]string{"string", "number", "integer", "boolean", "array", "object", "null"}

// JSONTypes returns the names the type predicate takes, in a new slice.
func JSONTypes() []string { return slices.Clone(jsonTypes[:]) }

// predicate kinds: which predicates a place takes.
const (
	predicatesPath   = "equal not_equal contains not_contains matches not_matches exists absent greater_than greater_or_equal less_than less_or_equal length count type"
	predicatesHeader = "equal not_equal contains not_contains matches not_matches exists absent greater_than greater_or_equal less_than less_or_equal length"
	predicatesText   = "equal not_equal contains not_contains matches not_matches length"
	predicatesNumber = "equal not_equal greater_than greater_or_equal less_than less_or_equal"
)

// predicates reads a mapping of predicates, taking the names in keys; a
// value that is not a mapping is the operand of shorthand.
func (p *parser) predicates(n *yaml.Node, what, keys string, shorthand PredicateOp) []Predicate {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		v := p.value(n, what)
		if v == nil {
			return nil
		}
		return []Predicate{p.checkOperand(Predicate{Op: shorthand, Value: v, Pos: pos(n)}, n, what)}
	}
	if len(n.Content) == 0 {
		p.errorAt(n, "%s needs at least one predicate: %s", what, quoteList(strings.Fields(keys)))
		return nil
	}
	var out []Predicate
	for _, kv := range p.pairs(n) {
		if !strings.Contains(" "+keys+" ", " "+kv.key+" ") {
			p.unknownKey(kv, what, keys)
			continue
		}
		pr := Predicate{Op: PredicateOp(kv.key), Pos: pos(kv.keyNode)}
		label := what + " " + kv.key
		switch pr.Op {
		case OpExists, OpAbsent:
			b := p.boolean(kv.value, label)
			if b.Expr != nil {
				p.errorAt(kv.value, "%s must be true or false, not a ${...}", label)
			}
			pr.Exists = b.Value
			if pr.Op == OpAbsent {
				pr.Op, pr.Exists = OpExists, !b.Value
			}
		case OpLength, OpCount:
			pr.Inner = p.predicates(kv.value, label, predicatesNumber, OpEqual)
			for _, in := range pr.Inner {
				if (in.Op == OpEqual || in.Op == OpNotEqual) && !isNumberValue(in.Value) {
					p.errorf(in.Pos, "%s compares a number, got %s", label, describeValue(in.Value))
				}
			}
		default:
			pr.Value = p.value(kv.value, label)
			if pr.Value == nil {
				continue
			}
			pr = p.checkOperand(pr, resolve(kv.value), label)
		}
		out = append(out, pr)
	}
	return out
}

// checkOperand checks the operand of pr and compiles a literal pattern.
func (p *parser) checkOperand(pr Predicate, n *yaml.Node, label string) Predicate {
	v := pr.Value
	switch pr.Op {
	case OpMatches, OpNotMatches:
		if v.Kind != KindString {
			p.errorAt(n, "%s must be a regular expression, got %s", label, describeValue(v))
			return pr
		}
		if s, ok := v.Str.Literal(); ok {
			re, err := regexp.Compile(s)
			if err != nil {
				p.errorAt(n, "%s %q is not a valid regular expression: %v", label, s, err)
				return pr
			}
			pr.Regexp = re
		}
	case OpGreaterThan, OpGreaterOrEqual, OpLessThan, OpLessOrEqual:
		if !isNumberValue(v) {
			p.errorAt(n, "%s compares a number, got %s", label, describeValue(v))
		}
	case OpType:
		s, ok := "", v.Kind == KindString
		if ok {
			s, ok = v.Str.Literal()
		}
		if !ok || !isJSONType(s) {
			msg := fmt.Sprintf("%s must be one of %s, got %s", label, quoteList(jsonTypes[:]), describeValue(v))
			if t := Suggest(s, jsonTypes[:]); ok && t != "" {
				msg += fmt.Sprintf("; did you mean %q?", t)
			}
			p.errorAt(n, "%s", msg)
		}
	}
	return pr
}

func isJSONType(s string) bool {
	return slices.Contains(jsonTypes[:], s)
}

// isNumberValue tells whether v is a number, or a string that may be one
// (a ${...} or a numeric text).
func isNumberValue(v *Value) bool {
	switch v.Kind {
	case KindInt, KindFloat:
		return true
	case KindString:
		s, lit := v.Str.Literal()
		if !lit {
			return true
		}
		_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return err == nil
	}
	return false
}

func describeValue(v *Value) string {
	switch v.Kind {
	case KindNull:
		return "nothing"
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindMap:
		return "a mapping"
	case KindList:
		return "a list"
	case KindString:
		return strconv.Quote(v.Str.Raw())
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	}
	return strconv.FormatFloat(v.Float, 'g', -1, 64)
}

// jsonPaths reads expect jsonpath: a mapping of JSON path to a value (the
// value there equals it) or a mapping of predicates.
func (p *parser) jsonPaths(n *yaml.Node) []PathExpect {
	n, ok := p.section(n, yaml.MappingNode, "jsonpath must be a mapping of JSON paths to a value or to predicates")
	if !ok {
		return nil
	}
	var out []PathExpect
	for _, kv := range p.pairs(n) {
		pe := PathExpect{Path: kv.key, Pos: pos(kv.keyNode)}
		path, err := compileJSONPath(kv.key)
		if err != nil {
			p.errorAt(kv.keyNode, "jsonpath %q is not a valid JSONPath: %v", kv.key, err)
			continue
		}
		pe.Compiled = path
		pe.Predicates = p.predicates(kv.value, "jsonpath "+quote(kv.key), predicatesPath, OpEqual)
		out = append(out, pe)
	}
	return out
}

// expectHeaders reads expect headers: each name to a value it equals (the
// original form) or to a mapping of predicates.
func (p *parser) expectHeaders(n *yaml.Node) []HeaderExpect {
	n, ok := p.section(n, yaml.MappingNode, "expect headers must be a mapping of names to values or to predicates")
	if !ok {
		return nil
	}
	var out []HeaderExpect
	for _, kv := range p.pairs(n) {
		h := HeaderExpect{Name: kv.key, Pos: pos(kv.keyNode)}
		if !validHeaderName(kv.key) {
			p.errorAt(kv.keyNode, "%q is not a valid header name", kv.key)
			continue
		}
		v := resolve(kv.value)
		label := "expect header " + quote(kv.key)
		switch v.Kind {
		case yaml.ScalarNode:
			h.Value = p.template(v, label)
			if h.Value == nil {
				continue
			}
		case yaml.MappingNode:
			h.Predicates = p.predicates(v, label, predicatesHeader, OpEqual)
		default:
			p.errorAt(v, "%s must be a scalar or a mapping of predicates, got %s", label, describe(v))
			continue
		}
		out = append(out, h)
	}
	return out
}
