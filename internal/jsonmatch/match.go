package jsonmatch

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Mismatch describes where an actual document first differs from the
// expected structure.
type Mismatch struct {
	// Path is a JSONPath to the value, "$" for the root: $.user.id,
	// $.items[2], $["odd key"].
	Path string
	// Expected and Received describe the two sides at Path.
	Expected string
	Received string
}

// MaxDescription bounds the length of Expected and Received. It is
// generous so that a caller that redacts secrets before cutting the text
// shorter for display sees each secret whole.
const MaxDescription = 4096

// Match reports the first place where actual does not contain expected, or
// nil when it does. Both are decoded JSON: nil, bool, numbers (int, int64,
// float64, json.Number), string, []any and map[string]any.
//
// An expected object matches an object holding at least its keys, each
// matching. An expected array matches an array of the same length whose
// elements match one by one. Numbers match when equal in value (1 and 1.0).
// An expected string that reads as a number or a boolean also matches that
// number or boolean, since variables passed as text are strings. Keys are
// visited in sorted order, so the reported mismatch is stable.
func Match(expected, actual any) *Mismatch {
	var path []byte
	path = append(path, '$')
	return match(expected, actual, path)
}

func match(exp, act any, path []byte) *Mismatch {
	switch e := exp.(type) {
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok {
			return mismatch(path, "an object", describeKind(act))
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := appendKey(path, k)
			av, ok := a[k]
			if !ok {
				return mismatch(p, Describe(e[k]), "no such key")
			}
			if m := match(e[k], av, p); m != nil {
				return m
			}
		}
		return nil
	case []any:
		a, ok := act.([]any)
		if !ok {
			return mismatch(path, "an array", describeKind(act))
		}
		if len(a) != len(e) {
			return mismatch(path, fmt.Sprintf("%d elements", len(e)), fmt.Sprintf("%d elements", len(a)))
		}
		for i := range e {
			p := append(append(append(path, '['), strconv.Itoa(i)...), ']')
			if m := match(e[i], a[i], p); m != nil {
				return m
			}
		}
		return nil
	}
	if scalarEqual(exp, act) {
		return nil
	}
	return mismatch(path, Describe(exp), Describe(act))
}

func mismatch(path []byte, exp, act string) *Mismatch {
	return &Mismatch{Path: string(path), Expected: exp, Received: act}
}

func appendKey(path []byte, k string) []byte {
	p := slices.Clip(path)
	if isIdent(k) {
		return append(append(p, '.'), k...)
	}
	q, _ := json.Marshal(k)
	return append(append(append(p, '['), q...), ']')
}

func isIdent(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

func scalarEqual(exp, act any) bool {
	if en, ok := number(exp); ok {
		an, ok := number(act)
		return ok && en.equal(an)
	}
	switch e := exp.(type) {
	case nil:
		return act == nil
	case bool:
		a, ok := act.(bool)
		return ok && a == e
	case string:
		switch a := act.(type) {
		case string:
			return a == e
		case bool:
			b, err := strconv.ParseBool(strings.TrimSpace(e))
			return err == nil && b == a
		}
		if an, ok := number(act); ok {
			en, ok := parseNumber(strings.TrimSpace(e))
			return ok && en.equal(an)
		}
	}
	return false
}

// num is a number as an exact integer when it is one, else a float.
type num struct {
	isInt bool
	i     int64
	f     float64
}

func (a num) equal(b num) bool {
	if a.isInt && b.isInt {
		return a.i == b.i
	}
	return a.float() == b.float()
}

func (a num) float() float64 {
	if a.isInt {
		return float64(a.i)
	}
	return a.f
}

func number(v any) (num, bool) {
	switch x := v.(type) {
	case int:
		return num{isInt: true, i: int64(x)}, true
	case int64:
		return num{isInt: true, i: x}, true
	case int32:
		return num{isInt: true, i: int64(x)}, true
	case uint64:
		if x <= math.MaxInt64 {
			return num{isInt: true, i: int64(x)}, true
		}
		return num{f: float64(x)}, true
	case float32:
		return floatNum(float64(x)), true
	case float64:
		return floatNum(x), true
	case json.Number:
		return parseNumber(string(x))
	}
	return num{}, false
}

func floatNum(f float64) num {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return num{isInt: true, i: int64(f)}
	}
	return num{f: f}
}

func parseNumber(s string) (num, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return num{isInt: true, i: i}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return num{}, false
	}
	return floatNum(f), true
}

func describeKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return Describe(v)
}

// Describe renders a decoded JSON value as compact JSON, cut to
// MaxDescription bytes. Lists and maps nested deeper than MaxDepth show as
// [...] and {...}. It writes no more than it shows, so that describing a
// large or deep value is cheap.
func Describe(v any) string {
	d := describer{limit: MaxDescription + 1}
	d.value(v, 0)
	return Truncate(d.b.String(), MaxDescription)
}

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut
// with "...".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}
