package redact

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mask is what a secret value is replaced with.
const Mask = "[REDACTED]"

// MinLength is the length, in bytes, from which a secret is masked
// wherever it appears. A shorter secret is masked only where it stands
// whole: a header value, a query parameter's value, a path segment, a
// string in a captured value or a failure's field equal to it. Masking a
// one- or two-character secret inside every text would turn all output
// into [REDACTED] confetti and give the value away by where the masks
// fall; see ShortWarning.
const MinLength = 4

// Short reports whether v is a secret value too short to be masked inside
// text (see MinLength). The empty value is not: it is never masked.
func Short(v string) bool { return v != "" && len(v) < MinLength }

// ShortWarning is the warning for the secret name whose value is Short: it
// says what is and is not masked.
func ShortWarning(name, v string) string {
	return fmt.Sprintf("secret %s is %d byte(s) long, under the %d from which it is masked inside text: "+
		"it is masked only where it stands whole (a header or query value, a path segment, a JSON string, a capture), "+
		"and may show inside longer text; masking it everywhere would hide unrelated text and give it away. Use a longer value",
		name, len(v), MinLength)
}

// Redactor replaces secret values with Mask. A nil *Redactor redacts
// nothing, so a run without secrets pays nothing. A Redactor is safe for
// concurrent use.
type Redactor struct {
	r *strings.Replacer
	// marker replaces what r does with urlMarker, for URL.
	marker *strings.Replacer
	// longest is the length of the longest pattern.
	longest int
	// first holds the first byte of every pattern, to skip strings that
	// cannot hold one without running the replacer.
	first [256]bool
	// whole holds the secrets shorter than MinLength, masked only where a
	// text is exactly one of them.
	whole map[string]bool
}

// Forms returns the texts that stand for secret s in what a run shows: s
// as it is; escaped as a query (form encoding), a path segment, a path, a
// fragment and URL user info are, and as a URL's raw text is when only the
// bytes a URL cannot hold are escaped (as the executor escapes a query
// written in a template); inside a JSON string, with and without HTML
// escaping, once and twice (a target that echoes a JSON request body as a
// string inside JSON); and quoted as Go quotes it in messages.
func Forms(s string) []string {
	if s == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(s)
	add(url.QueryEscape(s))
	add(url.PathEscape(s))
	add(strings.TrimPrefix((&url.URL{Path: "/" + s}).EscapedPath(), "/"))
	add((&url.URL{Fragment: s}).EscapedFragment())
	add(url.User(s).String())
	add(EscapeRaw(s))
	for _, html := range []bool{false, true} {
		once := jsonEscape(s, html)
		add(once)
		add(jsonEscape(once, false))
		add(jsonEscape(once, true))
	}
	q := strconv.Quote(s)
	add(q[1 : len(q)-1])
	return out
}

// EscapeRaw percent-encodes the bytes that a URL cannot hold as they are
// (spaces, quotes, controls, non-ASCII, and "<>\^`{|}"), leaving the rest,
// escapes included, untouched: how the executor escapes the raw query text
// a template gives.
func EscapeRaw(q string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c > ' ' && c < 0x7f && !strings.ContainsRune("\"<>\\^`{|}", rune(c)) {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(q)+8), q[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return q
	}
	return string(b)
}

// New returns a Redactor for the given secret values, or nil when none is
// non-empty. Each value is redacted in every form of [Forms]; a value
// shorter than MinLength only where a text is exactly it or a JSON string
// inside a text is.
func New(secrets []string) *Redactor {
	seen := map[string]bool{}
	var patterns []string
	var whole map[string]bool
	// quoted are the short secrets as whole JSON strings, "7", replaced by
	// "[REDACTED]" with the quotes kept.
	var quoted []string
	for _, s := range secrets {
		if Short(s) {
			if whole == nil {
				whole = map[string]bool{}
			}
			whole[s] = true
			for _, html := range []bool{false, true} {
				if q := `"` + jsonEscape(s, html) + `"`; !seen[q] {
					seen[q] = true
					quoted = append(quoted, q)
				}
			}
			continue
		}
		for _, f := range Forms(s) {
			if !seen[f] {
				seen[f] = true
				patterns = append(patterns, f)
			}
		}
	}
	if len(patterns) == 0 && len(whole) == 0 {
		return nil
	}
	// The replacer tries patterns in argument order at each position: longer
	// first, so that a secret that holds another is masked whole.
	patterns = append(patterns, quoted...)
	slices.SortFunc(patterns, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	rd := &Redactor{whole: whole}
	args := make([]string, 0, 2*len(patterns))
	margs := make([]string, 0, 2*len(patterns))
	for _, p := range patterns {
		mask, marker := Mask, urlMarker
		if slices.Contains(quoted, p) {
			mask, marker = `"`+Mask+`"`, `"`+urlMarker+`"`
		}
		args = append(args, p, mask)
		margs = append(margs, p, marker)
		rd.first[p[0]] = true
		rd.longest = max(rd.longest, len(p))
	}
	if len(args) > 0 {
		rd.r = strings.NewReplacer(args...)
		rd.marker = strings.NewReplacer(margs...)
	}
	return rd
}

// String returns s with every secret replaced by Mask.
func (rd *Redactor) String(s string) string {
	if rd == nil {
		return s
	}
	return rd.replace(s, Mask, rd.r)
}

func (rd *Redactor) replace(s, mask string, r *strings.Replacer) string {
	if rd == nil || s == "" {
		return s
	}
	if rd.whole[s] {
		return mask
	}
	if r == nil {
		return s
	}
	for i := 0; i < len(s); i++ {
		if rd.first[s[i]] {
			return r.Replace(s)
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

// jsonEscape returns s as it stands between the quotes of a JSON string.
func jsonEscape(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := b.Bytes()
	return string(out[1 : len(out)-2]) // without the quotes and the newline
}
