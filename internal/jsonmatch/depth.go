package jsonmatch

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxDepth bounds how deeply a JSON document may nest, in arrays and
// objects, to be decoded, matched, captured or described. Real APIs nest a
// few dozen levels; a hostile target answering a million nested objects
// within the body bound must fail its step, not exhaust the stack of
// whatever walks the value next.
const MaxDepth = 1000

// DepthError reports JSON that nests deeper than MaxDepth.
type DepthError struct {
	// Offset is the byte offset of the bracket past the bound, or -1 for
	// a decoded value.
	Offset int
}

// Error says how deep is too deep and where.
func (e *DepthError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("the value nests deeper than %d levels", MaxDepth)
	}
	return fmt.Sprintf("the JSON nests deeper than %d levels (at byte %d)", MaxDepth, e.Offset)
}

// CheckDepth returns a *DepthError when the JSON text data nests deeper
// than MaxDepth. It scans the bytes once, without recursion and without
// decoding; it does not check that data is valid JSON.
func CheckDepth(data []byte) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return &DepthError{Offset: i}
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// TooDeep reports whether the decoded value v nests deeper than max in
// lists and maps. It stops as soon as it knows, so it recurses at most max
// levels.
func TooDeep(v any, max int) bool {
	if max < 0 {
		return true
	}
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if TooDeep(item, max-1) {
				return true
			}
		}
	case map[string]any:
		for _, item := range x {
			if TooDeep(item, max-1) {
				return true
			}
		}
	}
	return false
}

// describer writes a decoded value as compact JSON, with map keys sorted as
// encoding/json sorts them, and stops once it has written limit bytes or
// reached MaxDepth: describing a value never costs more than its budget,
// however large or deep the value.
type describer struct {
	b     strings.Builder
	limit int
}

func (d *describer) full() bool { return d.b.Len() >= d.limit }

func (d *describer) value(v any, depth int) {
	if d.full() {
		return
	}
	switch x := v.(type) {
	case nil:
		d.b.WriteString("null")
	case bool:
		d.b.WriteString(strconv.FormatBool(x))
	case string:
		d.str(x)
	case int:
		d.b.WriteString(strconv.Itoa(x))
	case int64:
		d.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			d.b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
			return
		}
		b, _ := json.Marshal(x) // a finite float always encodes
		d.b.Write(b)
	case json.Number:
		d.b.WriteString(string(x))
	case []any:
		if depth >= MaxDepth {
			d.b.WriteString("[...]")
			return
		}
		d.b.WriteByte('[')
		for i, item := range x {
			if d.full() {
				return
			}
			if i > 0 {
				d.b.WriteByte(',')
			}
			d.value(item, depth+1)
		}
		d.b.WriteByte(']')
	case map[string]any:
		if depth >= MaxDepth {
			d.b.WriteString("{...}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		d.b.WriteByte('{')
		for i, k := range keys {
			if d.full() {
				return
			}
			if i > 0 {
				d.b.WriteByte(',')
			}
			d.str(k)
			d.b.WriteByte(':')
			d.value(x[k], depth+1)
		}
		d.b.WriteByte('}')
	default:
		b, err := json.Marshal(x)
		if err != nil {
			fmt.Fprint(&d.b, x)
			return
		}
		d.b.Write(b)
	}
}

func (d *describer) str(s string) {
	if len(s) > d.limit {
		// Only the start can show.
		s = s[:d.limit]
	}
	b, _ := json.Marshal(s) // a string always encodes
	d.b.Write(b)
}

// SizeOver reports whether v, written as compact JSON, would take more
// than limit bytes. It counts rather than writes, and stops as soon as it
// knows.
func SizeOver(v any, limit int64) bool {
	n := limit
	return !fits(v, &n)
}

// fits takes v's approximate size from *n and reports whether anything is
// left. Strings count their bytes and quotes, not their escapes.
func fits(v any, n *int64) bool {
	switch x := v.(type) {
	case string:
		*n -= int64(len(x)) + 2
	case []any:
		*n -= 2
		for _, item := range x {
			*n--
			if *n < 0 || !fits(item, n) {
				return false
			}
		}
	case map[string]any:
		*n -= 2
		for k, item := range x {
			*n -= int64(len(k)) + 4
			if *n < 0 || !fits(item, n) {
				return false
			}
		}
	default:
		*n -= 8
	}
	return *n >= 0
}
