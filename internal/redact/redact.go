package redact

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mask is what a secret value is replaced with.
const Mask = "[REDACTED]"

// Redactor replaces secret values with Mask. A nil *Redactor redacts
// nothing, so a run without secrets pays nothing. A Redactor is safe for
// concurrent use.
type Redactor struct {
	r *strings.Replacer
	// longest is the length of the longest pattern.
	longest int
	// first holds the first byte of every pattern, to skip strings that
	// cannot hold one without running the replacer.
	first [256]bool
}

// New returns a Redactor for the given secret values, or nil when none is
// non-empty. Besides each value as it is, its URL-escaped forms (query and
// path) are redacted, since secrets often travel in URLs, and its forms
// inside a JSON string (with and without HTML escaping), since they travel
// in JSON bodies too.
func New(secrets []string) *Redactor {
	seen := map[string]bool{}
	var patterns []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			patterns = append(patterns, s)
		}
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		add(s)
		add(url.QueryEscape(s))
		add(url.PathEscape(s))
		add(jsonEscape(s, false))
		add(jsonEscape(s, true))
	}
	if len(patterns) == 0 {
		return nil
	}
	// The replacer tries patterns in argument order at each position: longer
	// first, so that a secret that holds another is masked whole.
	slices.SortFunc(patterns, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	rd := &Redactor{}
	args := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		args = append(args, p, Mask)
		rd.first[p[0]] = true
		rd.longest = max(rd.longest, len(p))
	}
	rd.r = strings.NewReplacer(args...)
	return rd
}

// jsonEscape returns s as it stands between the quotes of a JSON string.
func jsonEscape(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := b.Bytes()
	return string(out[1 : len(out)-2]) // without the quotes and the newline
}

// String returns s with every secret replaced by Mask.
func (rd *Redactor) String(s string) string {
	if rd == nil || s == "" {
		return s
	}
	for i := 0; i < len(s); i++ {
		if rd.first[s[i]] {
			return rd.r.Replace(s)
		}
	}
	return s
}

// Window is how many bytes of a text Excerpt(text, n) reads: a caller that
// holds a long text as bytes may hand Excerpt only its first Window(n)+1
// bytes.
func (rd *Redactor) Window(n int) int {
	w := n + 3
	if rd != nil {
		w += rd.longest
	}
	return w
}

// Excerpt returns s redacted and cut to at most n bytes on a rune boundary,
// the cut marked with "...". It redacts before it cuts, so that a secret
// that straddles the cut is masked whole rather than shown in part, and it
// reads only the first Window(n) bytes of s.
func (rd *Redactor) Excerpt(s string, n int) string {
	n = max(n, 3)
	cut := false
	if w := rd.Window(n); len(s) > w {
		s, cut = s[:w], true
	}
	r := rd.String(s)
	if !cut && len(r) <= n {
		return r
	}
	m := min(len(r), n-3)
	for m > 0 && m < len(r) && !utf8.RuneStart(r[m]) {
		m--
	}
	if m == len(r) {
		// The text was cut before redaction and is now short: drop a rune
		// the cut may have split.
		for i := 0; i < 3 && m > 0 && !utf8.FullRuneInString(r[lastRuneStart(r[:m]):m]); i++ {
			m = lastRuneStart(r[:m])
		}
	}
	return r[:m] + "..."
}

func lastRuneStart(s string) int {
	i := len(s) - 1
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return max(i, 0)
}

// Value returns v with secrets replaced in every string it holds: strings,
// and the keys and values of maps and lists, recursively. Other values are
// returned as they are. v is not modified; containers are copied only when
// something in them changes.
func (rd *Redactor) Value(v any) any {
	if rd == nil {
		return v
	}
	out, _ := rd.value(v)
	return out
}

// value returns the redacted value and whether it differs from v.
func (rd *Redactor) value(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		r := rd.String(x)
		return r, r != x
	case []any:
		return slice(x, rd.value)
	case map[string]any:
		var out map[string]any
		for k, item := range x {
			r, changed := rd.value(item)
			rk := rd.String(k)
			if (changed || rk != k) && out == nil {
				out = make(map[string]any, len(x))
				for k2, v2 := range x {
					out[k2] = v2
				}
			}
			if out != nil {
				if rk != k {
					delete(out, k)
				}
				out[rk] = r
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	case []string:
		return slice(x, func(s string) (string, bool) {
			out := rd.String(s)
			return out, out != s
		})
	}
	return v, false
}

// slice redacts each element with f, copying x only when one changes.
func slice[T any](x []T, f func(T) (T, bool)) (any, bool) {
	var out []T
	for i, item := range x {
		r, changed := f(item)
		if changed && out == nil {
			out = slices.Clone(x)
		}
		if out != nil {
			out[i] = r
		}
	}
	if out == nil {
		return x, false
	}
	return out, true
}
