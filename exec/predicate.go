package exec

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smokex/smokex/internal/eval"
	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/internal/redact"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// subject is what predicates test: a value, or its absence, and how many
// values a JSON path matched.
type subject struct {
	v       any
	present bool
	count   int
}

// checkPredicates evaluates each predicate on sub and reports the failures
// of type typ under name.
func (c *checker) checkPredicates(ps []plan.Predicate, sub subject, typ record.FailureType, name string) {
	for i := range ps {
		pr := &ps[i]
		want, got, ok, serr := c.predicate(pr, sub, name)
		if serr != nil {
			c.stepError(serr)
			return
		}
		if !ok {
			c.fail(at(record.Failure{Type: typ, Name: name, Expected: want, Received: got}, pr.Pos))
		}
	}
}

// at places f at pos in the plan.
func at(f record.Failure, pos plan.Pos) record.Failure {
	f.Line, f.Column = pos.Line, pos.Column
	return f
}

// predicate evaluates one predicate: what it expects, what it received,
// and whether it passed.
func (c *checker) predicate(pr *plan.Predicate, sub subject, name string) (want, got string, ok bool, serr *record.StepError) {
	if pr.Op == plan.OpExists {
		switch {
		case pr.Exists && sub.present, !pr.Exists && !sub.present:
			return "", "", true, nil
		case pr.Exists:
			return "exists", "absent", false, nil
		}
		return "absent", "present: " + describe(sub.v), false, nil
	}
	if pr.Op == plan.OpCount {
		return c.numberPredicates(pr, int64(sub.count), "count", name)
	}
	if !sub.present {
		w, _, _, serr := c.describePredicate(pr, name)
		return w, "absent", false, serr
	}
	if pr.Op == plan.OpLength {
		n, ok := length(sub.v)
		if !ok {
			w, _, _, serr := c.describePredicate(pr, name)
			return w, "no length: " + describe(sub.v), false, serr
		}
		return c.numberPredicates(pr, int64(n), "length", name)
	}
	operand, err := c.s.eval(pr.Value)
	if err != nil {
		return "", "", false, c.s.interpolationError(name+" "+string(pr.Op), err)
	}
	want = opText(pr.Op) + " " + describe(operand)
	got = describe(sub.v)
	switch pr.Op {
	case plan.OpEqual:
		ok = equal(operand, sub.v)
	case plan.OpNotEqual:
		ok = !equal(operand, sub.v)
	case plan.OpContains, plan.OpNotContains:
		ok = contains(sub.v, operand)
		if pr.Op == plan.OpNotContains {
			ok = !ok
		}
	case plan.OpMatches, plan.OpNotMatches:
		re := pr.Regexp
		if re == nil {
			if re, err = regexp.Compile(eval.Format(operand)); err != nil {
				return "", "", false, &record.StepError{Kind: record.ErrInterpolation, Message: c.s.red.String(fmt.Sprintf("%s %s: %v", name, pr.Op, err))}
			}
		}
		text, isText := sub.v.(string)
		if !isText {
			text = eval.Format(sub.v)
		}
		ok = re.MatchString(text)
		if pr.Op == plan.OpNotMatches {
			ok = !ok
		}
	case plan.OpGreaterThan, plan.OpGreaterOrEqual, plan.OpLessThan, plan.OpLessOrEqual:
		a, aok := number(sub.v)
		b, bok := number(operand)
		if !bok {
			return "", "", false, &record.StepError{Kind: record.ErrInterpolation, Message: c.s.red.String(fmt.Sprintf("%s %s: %s is not a number", name, pr.Op, describe(operand)))}
		}
		if !aok {
			return want, "not a number: " + got, false, nil
		}
		ok = compare(pr.Op, a, b)
	case plan.OpType:
		ok = typeOf(sub.v) == operand || (operand == "number" && typeOf(sub.v) == "integer")
		want, got = "type "+eval.Format(operand), typeOf(sub.v)+": "+got
	}
	return want, got, ok, nil
}

// describePredicate is what pr expects, for a failure where the value is
// missing or has no length.
func (c *checker) describePredicate(pr *plan.Predicate, name string) (string, string, bool, *record.StepError) {
	if pr.Inner != nil {
		parts := make([]string, 0, len(pr.Inner))
		for i := range pr.Inner {
			w, _, _, serr := c.describePredicate(&pr.Inner[i], name)
			if serr != nil {
				return "", "", false, serr
			}
			parts = append(parts, w)
		}
		return string(pr.Op) + " " + strings.Join(parts, ", "), "", false, nil
	}
	operand, err := c.s.eval(pr.Value)
	if err != nil {
		return "", "", false, c.s.interpolationError(name+" "+string(pr.Op), err)
	}
	return opText(pr.Op) + " " + describe(operand), "", false, nil
}

// numberPredicates runs the inner predicates of a length or count on n.
func (c *checker) numberPredicates(pr *plan.Predicate, n int64, what, name string) (string, string, bool, *record.StepError) {
	for i := range pr.Inner {
		in := &pr.Inner[i]
		w, _, ok, serr := c.predicate(in, subject{v: n, present: true}, name)
		if serr != nil || !ok {
			return what + " " + w, what + " " + strconv.FormatInt(n, 10), false, serr
		}
	}
	return "", "", true, nil
}

// opText is how a failure says what a predicate expects.
func opText(op plan.PredicateOp) string {
	switch op {
	case plan.OpEqual:
		return "equal to"
	case plan.OpNotEqual:
		return "not equal to"
	case plan.OpContains:
		return "contains"
	case plan.OpNotContains:
		return "does not contain"
	case plan.OpMatches:
		return "matches"
	case plan.OpNotMatches:
		return "does not match"
	case plan.OpGreaterThan:
		return ">"
	case plan.OpGreaterOrEqual:
		return ">="
	case plan.OpLessThan:
		return "<"
	case plan.OpLessOrEqual:
		return "<="
	}
	return string(op)
}

// equal compares JSON values, numbers as numbers; a string that reads as
// a number equals that number (a header, a --var).
func equal(a, b any) bool {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			_, as := a.(string)
			_, bs := b.(string)
			if !(as && bs) {
				return x == y
			}
		}
	}
	return jsonmatch.Match(a, b) == nil && jsonmatch.Match(b, a) == nil
}

func contains(v, item any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, eval.Format(item))
	case []any:
		for _, e := range x {
			if equal(item, e) {
				return true
			}
		}
		return false
	case map[string]any:
		_, ok := x[eval.Format(item)]
		return ok
	}
	return strings.Contains(eval.Format(v), eval.Format(item))
}

func length(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		return utf8.RuneCountInString(x), true
	case []any:
		return len(x), true
	case map[string]any:
		return len(x), true
	}
	return 0, false
}

// number reads v as a number: a JSON number, or a string that holds one.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

func compare(op plan.PredicateOp, a, b float64) bool {
	switch op {
	case plan.OpGreaterThan:
		return a > b
	case plan.OpGreaterOrEqual:
		return a >= b
	case plan.OpLessThan:
		return a < b
	}
	return a <= b
}

// typeOf names the JSON type of v, as the type predicate does.
func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case int64, int:
		return "integer"
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// checkPath tests the value at a JSON path.
func (c *checker) checkPath(pe *plan.PathExpect) {
	doc, err := c.parseJSON()
	if err != nil {
		c.fail(at(record.Failure{Type: record.FailureJSON, Name: pe.Path, Expected: "a JSON body", Received: err.Error()}, pe.Pos))
		return
	}
	found := pe.Compiled.Get(doc)
	sub := subject{count: len(found)}
	switch len(found) {
	case 0:
	case 1:
		sub.v, sub.present = found[0], true
	default:
		sub.v, sub.present = found, true
	}
	c.checkPredicates(pe.Predicates, sub, record.FailureJSON, pe.Path)
}

// checkHeaderPredicates tests a response header; several values are
// joined by ", ".
func (c *checker) checkHeaderPredicates(h *plan.HeaderExpect) {
	vals := c.resp.Header.Values(h.Name)
	sub := subject{present: len(vals) > 0, count: len(vals)}
	if sub.present {
		sub.v = strings.Join(vals, ", ")
	}
	n := len(c.res.Failures)
	c.checkPredicates(h.Predicates, sub, record.FailureHeader, h.Name)
	if isSensitive(h.Name) {
		for i := n; i < len(c.res.Failures); i++ {
			if c.res.Failures[i].Received != "absent" {
				c.res.Failures[i].Received = redact.Mask
			}
		}
	}
}

// valuePos is where the plan writes the part of an expected JSON value at
// path ($.a.b[0], $["a b"]): the deepest part that path reaches.
func valuePos(v *plan.Value, path string) plan.Pos {
	pos := v.Pos
	rest := strings.TrimPrefix(path, "$")
	for rest != "" && v != nil {
		var key string
		index := -1
		switch {
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key, rest = rest[1:1+end], rest[1+end:]
		case strings.HasPrefix(rest, "[\""):
			end := strings.Index(rest, "\"]")
			if end < 0 {
				return pos
			}
			if err := json.Unmarshal([]byte(rest[1:end+1]), &key); err != nil {
				return pos
			}
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return pos
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil {
				return pos
			}
			index, rest = n, rest[end+1:]
		default:
			return pos
		}
		var next *plan.Value
		switch {
		case index >= 0 && v.Kind == plan.KindList && index < len(v.List):
			next = v.List[index]
		case index < 0 && v.Kind == plan.KindMap:
			for _, f := range v.Map {
				if f.Key == key {
					next = f.Value
					break
				}
			}
		}
		if next == nil {
			return pos
		}
		v, pos = next, next.Pos
	}
	return pos
}
