package eval

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/smokex/smokex/internal/jsonmatch"
)

// Template is a string that may hold ${...} expressions. "$${" writes a
// literal "${".
type Template struct {
	raw   string
	parts []part
	names []string
}

// part is a literal run of text or a compiled expression.
type part struct {
	text string
	prog *Program
}

// ParseTemplate compiles every ${...} in s.
func ParseTemplate(s string) (*Template, error) {
	return ParseTemplateCache(s, nil, nil)
}

// ParseTemplateCache is ParseTemplate reusing the programs of cache, by
// expression source, and adding to it the ones it takes from shared or
// compiles; with a nil cache and a nil shared it compiles every expression.
// Programs are immutable, so templates may share them; the map itself is
// not safe for concurrent use, shared is.
func ParseTemplateCache(s string, cache map[string]*Program, shared *Programs) (*Template, error) {
	t := &Template{raw: s}
	var lit strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end, err := closingBrace(s, i+2)
			if err != nil {
				return nil, err
			}
			src := s[i+2 : end]
			prog, ok := cache[src]
			if !ok {
				var err error
				if prog, err = shared.compile(src, i+2); err != nil {
					return nil, err
				}
				if cache != nil {
					cache[src] = prog
				}
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, part{text: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part{prog: prog})
			i = end + 1
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	if lit.Len() > 0 || len(t.parts) == 0 {
		t.parts = append(t.parts, part{text: lit.String()})
	}
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.prog == nil {
			continue
		}
		for _, n := range p.prog.names {
			if !seen[n] {
				seen[n] = true
				t.names = append(t.names, n)
			}
		}
	}
	sort.Strings(t.names)
	return t, nil
}

// closingBrace finds the "}" that closes an expression starting at from,
// skipping braces nested in the expression and inside its string literals.
func closingBrace(s string, from int) (int, error) {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && c != '`' {
					j++
				}
			}
			if j >= len(s) {
				return 0, &SyntaxError{Offset: i, Message: "unterminated string in ${...}"}
			}
			i = j
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i, nil
			}
			depth--
		}
	}
	return 0, &SyntaxError{Offset: from - 2, Message: `"${" is not closed by "}" (write "$${" for a literal "${")`}
}

// Raw returns the template as written.
func (t *Template) Raw() string { return t.raw }

// Names returns the variable names the template's expressions read, sorted.
func (t *Template) Names() []string { return t.names }

// Literal returns the text and true when the template holds no expression.
func (t *Template) Literal() (string, bool) {
	if len(t.parts) == 1 && t.parts[0].prog == nil {
		return t.parts[0].text, true
	}
	return "", false
}

// Expressions returns the compiled expressions of the template in order.
func (t *Template) Expressions() []*Program {
	var out []*Program
	for _, p := range t.parts {
		if p.prog != nil {
			out = append(out, p.prog)
		}
	}
	return out
}

// Eval evaluates the template. A template that is exactly one ${...} keeps
// the type of its result; otherwise each result is formatted into the text.
func (t *Template) Eval(env Env) (any, error) { return t.EvalParts(env, nil) }

// PartFunc is told of each expression a template evaluates: the names the
// expression reads (Program.Names) and its result. A caller tracks with it
// which values derive from which names (a value computed from a secret is
// a secret too).
type PartFunc func(names []string, v any)

// EvalParts is Eval telling fn, when not nil, of each expression's result.
func (t *Template) EvalParts(env Env, fn PartFunc) (any, error) {
	if len(t.parts) == 1 {
		if p := t.parts[0]; p.prog != nil {
			return p.prog.RunParts(env, fn)
		}
		return t.parts[0].text, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.prog == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.prog.RunParts(env, fn)
		if err != nil {
			return nil, err
		}
		b.WriteString(Format(v))
	}
	return b.String(), nil
}

// EvalString evaluates the template and formats the result as text.
func (t *Template) EvalString(env Env) (string, error) {
	if s, ok := t.Literal(); ok {
		return s, nil
	}
	v, err := t.Eval(env)
	if err != nil {
		return "", err
	}
	return Format(v), nil
}

// Format turns a value into the text that stands for it in a string: strings
// as they are, nil as "", whole floats without a fraction, lists and maps as
// JSON. A list or map nested deeper than jsonmatch.MaxDepth is not
// encoded: the text says so instead.
func Format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	case map[string]any, []any:
		if jsonmatch.TooDeep(x, jsonmatch.MaxDepth) {
			// Encoding it would recurse as deep: a value made of captures
			// nested in captures.
			return fmt.Sprintf("(a value nested deeper than %d levels)", jsonmatch.MaxDepth)
		}
		b, err := json.Marshal(x)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
