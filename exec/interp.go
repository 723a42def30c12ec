package exec

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smokex/smokex/internal/eval"
	"github.com/smokex/smokex/internal/jsonmatch"
	"github.com/smokex/smokex/internal/planvalue"
	"github.com/smokex/smokex/plan"
	"github.com/smokex/smokex/record"
)

// maxLookups bounds how many names one evaluation may pull from the
// environment; a template reads far fewer.
const maxLookups = 256

// define makes the undefined name err reports visible, from the
// environment when the caller allows it, and tells whether to evaluate
// again. Environment variables are looked up only when first read, so a
// run never copies the whole environment.
func (s *run) define(err error) (bool, error) {
	var ue *eval.UndefinedError
	if !errors.As(err, &ue) {
		return false, err
	}
	if verr, ok := s.varErrs[ue.Name]; ok {
		return false, verr
	}
	if _, ok := s.env[ue.Name]; ok || s.lookupEnv == nil {
		return false, err
	}
	v, ok := s.lookupEnv(ue.Name)
	if !ok {
		return false, err
	}
	s.env[ue.Name] = v
	return true, nil
}

// evaluable is what the plan compiles: a template, a value, an expression.
type evaluable interface {
	EvalParts(env plan.Env, fn func(names []string, v any)) (any, error)
}

// evalTainted is eval telling whether the result derives from a secret.
func (s *run) evalTainted(x evaluable) (any, bool, error) {
	s.hit = false
	v, err := s.eval(x)
	hit := s.hit
	s.hit = false
	return v, hit, err
}

// taint treats each ${...} result computed from a secret (or from a var
// or capture computed from one) as a secret: base64(TOKEN), upper(TOKEN)
// and "Bearer " + TOKEN are redacted as TOKEN is. Text results are
// tainted, and the text in lists and maps; numbers and booleans are not,
// since masking "true" or "12" everywhere would hide unrelated text and
// tell little.
func (s *run) taint(names []string, v any) {
	if len(s.tainted) == 0 {
		return
	}
	for _, n := range names {
		if s.tainted[n] {
			s.hit = true
			s.taintValue(v, maxTaintedTexts)
			return
		}
	}
}

// maxTaintedTexts bounds how many texts one tainted value adds as secrets.
const maxTaintedTexts = 64

// taintValue adds the texts of v as secrets, at most n of them, and
// returns how many of n are left.
func (s *run) taintValue(v any, n int) int {
	switch x := v.(type) {
	case string:
		s.addSecret(x)
		return n - 1
	case []byte:
		s.addSecret(string(x))
		return n - 1
	case []any:
		for _, item := range x {
			if n = s.taintValue(item, n); n <= 0 {
				break
			}
		}
	case map[string]any:
		for _, item := range x {
			if n = s.taintValue(item, n); n <= 0 {
				break
			}
		}
	}
	return n
}

// eval evaluates x in the run's variables, pulling names from the
// environment as they are first read.
func (s *run) eval(x evaluable) (any, error) {
	for i := 0; ; i++ {
		v, err := x.EvalParts(s.env, s.taintFn)
		if err == nil {
			return v, nil
		}
		again, err := s.define(err)
		if !again || i == maxLookups {
			if err != nil {
				err = &placedError{pos: placeOf(x, err), err: err}
			}
			return nil, err
		}
	}
}

func (s *run) evalString(t *plan.Template) (string, error) {
	if lit, ok := t.Literal(); ok {
		return lit, nil
	}
	v, err := s.eval(t)
	if err != nil {
		return "", err
	}
	return eval.Format(v), nil
}

// interpolationError is the step error of a ${...} that failed in where
// (url, header Authorization, body...).
// It is placed at the value that holds the ${...} when err came from eval.
func (s *run) interpolationError(where string, err error) *record.StepError {
	se := &record.StepError{Kind: record.ErrInterpolation, Message: s.red.Excerpt(fmt.Sprintf("%s: %v", where, err), maxMessage)}
	var pe *placedError
	if errors.As(err, &pe) {
		se.Line, se.Column = pe.pos.Line, pe.pos.Column
	}
	return se
}

// placedError is an error of eval with the place in the plan of what
// failed. Its text is err's.
type placedError struct {
	pos plan.Pos
	err error
}

func (e *placedError) Error() string { return e.err.Error() }
func (e *placedError) Unwrap() error { return e.err }

// placeOf returns where the plan writes x, or for a value, the innermost
// part of it that reads the undefined name err is about.
func placeOf(x evaluable, err error) plan.Pos {
	switch x := x.(type) {
	case *plan.Template:
		return x.Pos
	case *plan.Expression:
		return x.Pos
	case *plan.Value:
		var ue *eval.UndefinedError
		if errors.As(err, &ue) {
			return valuePlace(x, ue.Name)
		}
		return x.Pos
	}
	return plan.Pos{}
}

// valuePlace descends v to the innermost value whose templates read name.
func valuePlace(v *plan.Value, name string) plan.Pos {
	for _, c := range v.List {
		if slices.Contains(c.Names(), name) {
			return valuePlace(c, name)
		}
	}
	for _, f := range v.Map {
		if slices.Contains(f.Value.Names(), name) {
			return valuePlace(f.Value, name)
		}
	}
	if v.Kind == plan.KindString && v.Str != nil && v.Str.Pos.Line > 0 {
		return v.Str.Pos
	}
	return v.Pos
}

// resolveSetting returns an option's value: its literal, its template
// converted by conv, or def when unset.
func resolveSetting[T any](s *run, set plan.Setting[T], def T, conv func(any) (T, error)) (T, error) {
	if !set.Set {
		return def, nil
	}
	if set.Expr == nil {
		return set.Value, nil
	}
	v, err := s.eval(set.Expr)
	if err != nil {
		return def, err
	}
	return conv(v)
}

// toInt accepts whole numbers and text that reads as one.
func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return int(x), nil
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32 {
			return int(x), nil
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s is not a whole number", describe(v))
}

// toBool accepts booleans, text that reads as one (planvalue.Bool), and 0
// and 1.
func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := planvalue.Bool(x); err == nil {
			return b, nil
		}
	case int, int64:
		if n, err := toInt(x); err == nil && (n == 0 || n == 1) {
			return n == 1, nil
		}
	}
	return false, fmt.Errorf("%s is not true or false", describe(v))
}

// toDuration accepts a number of milliseconds, as a number or text, or a
// duration such as "2s" or "500ms". It must be positive.
func toDuration(v any) (time.Duration, error) {
	var d time.Duration
	switch x := v.(type) {
	case int:
		d = time.Duration(x) * time.Millisecond
	case int64:
		d = time.Duration(x) * time.Millisecond
	case float64:
		d = time.Duration(x * float64(time.Millisecond))
	case time.Duration:
		d = x
	case string:
		pd, err := planvalue.Timeout(x)
		if err != nil {
			return 0, fmt.Errorf("%s is not a duration (milliseconds, or like 2s, 500ms)", describe(v))
		}
		d = pd
	default:
		return 0, fmt.Errorf("%s is not a duration (milliseconds, or like 2s, 500ms)", describe(v))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s is not positive", describe(v))
	}
	return d, nil
}

func toRetries(v any) (int, error) {
	n, err := toInt(v)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > plan.MaxRetries {
		return 0, fmt.Errorf("retries %d is not between 0 and %d", n, plan.MaxRetries)
	}
	return n, nil
}

// describe renders a value for a message: text quoted, others formatted.
// It does not cut the value short: messages are cut after redaction.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return describeOperand(v)
}

// describeOperand renders an operand's value for an assert failure: lists
// and maps as JSON written only as far as it can show, however large the
// value, other values as templates format them.
func describeOperand(v any) string {
	switch v.(type) {
	case []any, map[string]any:
		return jsonmatch.Describe(v)
	}
	return eval.Format(v)
}

func isUndefined(err error) bool {
	var ue *eval.UndefinedError
	return errors.As(err, &ue)
}
